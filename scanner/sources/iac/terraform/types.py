"""A variable's ``type`` constraint → the conversion Terraform applies to the value a module is given.

A module's code relies on that conversion: ``optional(string, "default")`` attributes of an
``object`` type are filled in when the caller leaves them out (``each.value.name != null``
needs ``name`` to exist), extra attributes are dropped, ``set(string)`` is sorted and
de-duplicated, ``"true"`` given for a ``bool`` is ``true``. ``validation`` blocks are not
checked: a value that does not fit its type is kept as given (the module would not plan, and
a scan needs no second opinion on that).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from lark import Tree

from scanner.sources.iac.terraform.evaluate import Evaluator, Scope
from scanner.sources.iac.terraform.parse import children, name_of, trees
from scanner.sources.iac.terraform.values import to_bool, to_number, to_string
from scanner.unknown import Unknown

_COLLECTIONS = ("list", "set", "map")


class Attr(msgspec.Struct, frozen=True):
    """One attribute of an ``object(...)`` type: its type, and its default when ``optional``."""

    type: TypeSpec
    optional: bool = False
    default: Any = None


class TypeSpec(msgspec.Struct, frozen=True):
    """``kind`` is a primitive (``string`` …), ``any``, a collection, ``tuple`` or ``object``."""

    kind: str
    element: TypeSpec | None = None  # list / set / map
    items: tuple[TypeSpec, ...] = ()  # tuple
    attrs: tuple[tuple[str, Attr], ...] = ()  # object


ANY = TypeSpec("any")


def type_spec(node: Any, evaluator: Evaluator, scope: Scope) -> TypeSpec:
    """The type an expression such as ``map(object({a = optional(string, "x")}))`` stands for."""
    node = _unwrap(node)
    if not isinstance(node, Tree):
        return ANY
    if node.data == "identifier":
        name = name_of(node)
        return TypeSpec(name) if name in ("string", "number", "bool") else ANY
    if node.data != "function_call":
        return ANY
    name = name_of(trees(node)[0])
    args = _arguments(node)
    if name in _COLLECTIONS and len(args) == 1:
        return TypeSpec(name, element=type_spec(args[0], evaluator, scope))
    if name == "tuple" and len(args) == 1 and _unwrap(args[0]).data == "tuple":
        return TypeSpec("tuple", items=tuple(type_spec(i, evaluator, scope) for i in trees(_unwrap(args[0]))))
    if name == "object" and len(args) == 1 and _unwrap(args[0]).data == "object":
        return TypeSpec("object", attrs=tuple(_object_attrs(_unwrap(args[0]), evaluator, scope)))
    return ANY


def _object_attrs(node: Tree[Any], evaluator: Evaluator, scope: Scope) -> list[tuple[str, Attr]]:
    out: list[tuple[str, Attr]] = []
    for elem in trees(node):
        key_node, value_node = trees(elem)[0], trees(elem)[-1]
        key = name_of(_unwrap(children(key_node)[0]))
        value = _unwrap(value_node)
        if isinstance(value, Tree) and value.data == "function_call" and name_of(trees(value)[0]) == "optional":
            args = _arguments(value)
            if not args:
                out.append((key, Attr(ANY, optional=True)))
                continue
            spec = type_spec(args[0], evaluator, scope)
            default = evaluator.eval(args[1], scope) if len(args) > 1 else None
            out.append((key, Attr(spec, optional=True, default=convert(default, spec))))
        else:
            out.append((key, Attr(type_spec(value_node, evaluator, scope))))
    return out


def _unwrap(node: Any) -> Any:
    """The expression inside ``expr_term`` wrappers."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(trees(node)) == 1:
        node = trees(node)[0]
    return node


def _arguments(call: Tree[Any]) -> list[Tree[Any]]:
    found = [t for t in trees(call) if t.data == "arguments"]
    return trees(found[0]) if found else []


def convert(value: Any, spec: TypeSpec) -> Any:
    """``value`` converted to ``spec`` as Terraform would; kept as given where it does not fit."""
    if value is None or isinstance(value, Unknown) or spec.kind == "any":
        return value
    if spec.kind == "string":
        converted = to_string(value) if isinstance(value, str | int | float | bool) else value
        return value if isinstance(converted, Unknown) else converted
    if spec.kind == "number":
        number = to_number(value) if isinstance(value, str) else value
        return value if isinstance(number, Unknown) else number
    if spec.kind == "bool":
        flag = to_bool(value) if isinstance(value, str) else value
        return value if isinstance(flag, Unknown) else flag
    element = spec.element or ANY
    if spec.kind in ("list", "set") and isinstance(value, list):
        items = [convert(v, element) for v in value]
        if spec.kind == "set" and all(isinstance(i, str) for i in items):
            return sorted(set(items))
        return items
    if spec.kind == "map" and isinstance(value, Mapping):
        return {k: convert(v, element) for k, v in value.items()}
    if spec.kind == "tuple" and isinstance(value, list) and len(value) == len(spec.items):
        return [convert(v, t) for v, t in zip(value, spec.items, strict=True)]
    if spec.kind == "object" and isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for name, attr in spec.attrs:
            given = value.get(name)
            out[name] = attr.default if given is None and attr.optional else convert(given, attr.type)
        return out
    return value
