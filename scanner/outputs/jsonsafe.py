"""``orjson.dumps`` that cannot fail on an integer outside 64 bits.

A snapshot or rule example may carry any JSON integer, and evidence repeats the values a rule
read; orjson refuses integers beyond the 64-bit range. Such a document is written again with
each of those integers as its decimal text (JSON readers would lose its precision anyway).
Only that rare document pays for the second pass.

orjson writes a ``msgspec.Struct`` only through ``default``: :func:`struct_object` is what a
``default`` returns for one to be written as an object of its fields, as orjson writes a
dataclass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import msgspec
import orjson

_LOW, _HIGH = -(2**63), 2**64 - 1


def dumps(value: Any, *, default: Callable[[Any], Any] | None = None, option: int | None = None) -> bytes:
    """``orjson.dumps(value, default=..., option=...)``, with wide integers written as strings."""
    try:
        return orjson.dumps(value, default=default, option=option)
    except orjson.JSONEncodeError as exc:
        if "64-bit" not in str(exc):
            raise
    return orjson.dumps(_narrowed(value, default), default=default, option=option)


def _narrowed(value: Any, default: Callable[[Any], Any] | None) -> Any:
    """``value`` as plain JSON data, every integer outside 64 bits replaced by its text."""
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value) if not _LOW <= value <= _HIGH else value
    if isinstance(value, str | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {key: _narrowed(item, default) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_narrowed(item, default) for item in value]
    if isinstance(value, msgspec.Struct):
        return {name: _narrowed(getattr(value, name), default) for name in value.__struct_fields__}
    if default is not None:
        return _narrowed(default(value), default)
    return value


def struct_object(value: msgspec.Struct) -> Any:
    """``value`` as orjson writes a dataclass: an object of its fields in definition order.

    A dict would not do: ``OPT_SORT_KEYS`` sorts a dict's keys, never a dataclass's fields.
    """
    return _dataclass_of(type(value))(*msgspec.structs.astuple(value))


@cache
def _dataclass_of(struct: type[msgspec.Struct]) -> type:
    import dataclasses  # only when a report holds such a value: not at start-up

    return dataclasses.make_dataclass(struct.__name__, struct.__struct_fields__)
