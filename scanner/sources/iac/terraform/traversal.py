"""Terraform traversals (``a.b[0].c``, ``a[*].b``): the syntax turned into steps to apply to a value.

A traversal is a root (a name or any expression) and a list of steps: ``("attr", name)``,
``("index", key expression)`` or ``("splat", steps applied to each element)``. The evaluator
(:mod:`.evaluate`) resolves the root and applies the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lark import Token, Tree

from scanner.sources.iac.terraform.parse import name_of, trees
from scanner.sources.iac.terraform.values import to_number, to_string
from scanner.unknown import Unknown

Step = tuple[str, Any]

_TRAVERSALS = ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term")


def split_chain(node: Tree[Any]) -> tuple[Tree[Any], list[Step]]:
    """(root, steps) of a traversal expression, the steps in the order they apply."""
    steps: list[Step] = []
    current: Any = node
    while isinstance(current, Tree):
        if current.data in _TRAVERSALS:
            base, step = trees(current)
            steps[:0] = steps_of(step)
            current = base
        elif current.data == "expr_term" and len(trees(current)) == 1:
            inner = trees(current)[0]
            if inner.data in (*_TRAVERSALS, "identifier"):
                current = inner
            else:
                break
        else:
            break
    return current, steps


def steps_of(step: Tree[Any]) -> list[Step]:
    """Traversal steps of one ``get_attr`` / ``index`` / splat node."""
    if step.data == "get_attr":
        return [("attr", name_of(trees(step)[0]))]
    if step.data == "braces_index":
        return [("index", trees(step)[0])]
    if step.data == "short_index":
        token = next(c for c in step.children if isinstance(c, Token) and c.type == "INT_LITERAL")
        return [("index", Tree("expr_term", [Tree("int_lit", [token])]))]
    if step.data in ("attr_splat", "full_splat"):
        inner: list[Step] = []
        for child in trees(step):
            inner.extend(steps_of(child))
        return [("splat", inner)]
    return [("attr", step.data)]


def apply_steps(value: Any, steps: list[Step], text: str, key_of: Callable[[Any], Any]) -> Any:
    """``value`` with ``steps`` applied; ``key_of`` evaluates an index expression, ``text`` quotes the whole."""
    for index, (kind, arg) in enumerate(steps):
        if isinstance(value, Unknown):
            return value
        if kind == "splat":
            if value is None:
                return []
            items = value if isinstance(value, list) else [value]
            return [apply_steps(item, arg, text, key_of) for item in items]
        key = arg if kind == "attr" else key_of(arg)
        if isinstance(key, Unknown):
            return Unknown(f"{text}: index is not known ({key.reason})")
        if isinstance(value, Mapping):
            key_text = to_string(key)
            if isinstance(key_text, Unknown) or key_text not in value:
                return Unknown(f"{text}: no key {key!r}")
            value = value[key_text]
        elif isinstance(value, list):
            number = to_number(key)
            if isinstance(number, Unknown) or not isinstance(number, int) or not -len(value) <= number < len(value):
                return Unknown(f"{text}: no element {key!r}")
            value = value[number]
        else:
            return Unknown(f"{text}: cannot take {'.'.join(str(s[1]) for s in steps[index:])} of {value!r}")
    return value
