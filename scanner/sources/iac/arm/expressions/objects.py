"""Safe access and object functions: ``tryGet``, ``tryIndex``, ``indexFromEnd``, ``objectKeys``, ``shallowMerge``.

Bicep compiles ``x.?name`` to ``tryGet(x, 'name')`` and ``x[?i]`` to ``tryIndex(x, i)``: a
missing property, an index out of range or a ``null`` source gives ``null`` where plain
access would fail. Property names are matched case-insensitively, as everywhere in ARM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac.arm.expressions.context import Context, Family, Function
from scanner.sources.iac.arm.expressions.values import Unresolved, fail

family = Family()
FUNCTIONS: dict[str, Function] = family.functions


def _step(source: Any, key: Any) -> Any:
    """One ``tryGet`` step: the member or item, else None (an unresolved source stays unresolved)."""
    if type(source) is Unresolved or source is None:
        return source
    if isinstance(source, Mapping) and isinstance(key, str):
        if key in source:
            return source[key]
        lowered = key.lower()
        return next((v for k, v in source.items() if k.lower() == lowered), None)
    if isinstance(source, list) and isinstance(key, int) and not isinstance(key, bool):
        return source[key] if 0 <= key < len(source) else None
    return None


def _try_get(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    for key in args[1:]:
        if type(key) is Unresolved:
            return Unresolved(key.reason, f"<{text}>")
        value = _step(value, key)
    if type(value) is Unresolved:
        return Unresolved(value.reason, f"<{text}>")
    return value


@family.strict("tryIndex", arity=(2, 2))
def _try_index(args: list[Any], env: Context, text: str) -> Any:
    source, index = args
    if source is None:
        return None
    if not isinstance(source, list):
        raise TypeError(f"tryIndex() expects an array, got {json_kind(source)}")
    return _step(source, index)


def _from_end(strict_range: bool) -> Function:
    """``indexFromEnd(array, n)``: the ``n``-th item from the end (1 is the last); ``tryIndexFromEnd``: or null."""

    def call(args: list[Any], env: Context, text: str) -> Any:
        source, position = args
        if source is None and not strict_range:
            return None
        if not isinstance(source, list) or isinstance(position, bool) or not isinstance(position, int):
            raise TypeError("expects an array and an integer")
        if 1 <= position <= len(source):
            return source[len(source) - position]
        if strict_range:
            return fail(text, f"position {position} from the end is outside the array ({len(source)} items)")
        return None

    return call


family.strict("indexFromEnd", arity=(2, 2))(_from_end(True))
family.strict("tryIndexFromEnd", arity=(2, 2))(_from_end(False))


@family.strict("objectKeys", arity=(1, 1))
def _object_keys(args: list[Any], env: Context, text: str) -> Any:
    if not isinstance(args[0], Mapping):
        raise TypeError(f"objectKeys() expects an object, got {json_kind(args[0])}")
    return list(args[0])


@family.strict("shallowMerge", arity=(1, 1))
def _shallow_merge(args: list[Any], env: Context, text: str) -> Any:
    objects = args[0]
    if not isinstance(objects, list) or not all(isinstance(o, Mapping) for o in objects):
        raise TypeError("shallowMerge() expects an array of objects")
    out: dict[str, Any] = {}
    for obj in objects:
        for key, value in obj.items():
            for existing in [k for k in out if k.lower() == key.lower() and k != key]:
                del out[existing]
            out[key] = value
    return out


@family.plain("tryGet")
def _try_get_call(args: list[Any], env: Context, text: str) -> Any:
    if len(args) < 2:
        return fail(text, f"expects at least 2 arguments, got {len(args)}")
    return _try_get(args, env, text)
