"""``orjson.dumps`` that cannot fail on an integer outside 64 bits.

A snapshot or rule example may carry any JSON integer, and evidence repeats the values a rule
read; orjson refuses integers beyond the 64-bit range. Such a document is written again with
each of those integers as its decimal text (JSON readers would lose its precision anyway).
Only that rare document pays for the second pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

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
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _narrowed(getattr(value, f.name), default) for f in dataclasses.fields(value)}
    if default is not None:
        return _narrowed(default(value), default)
    return value
