"""Where a JSON document nests deeper than a limit, for the one-line error that refuses it.

The decoders find *that* a document is too deep (msgspec raises ``RecursionError``,
jsonschema-rs "Recursion limit reached"); these functions find *where*, and run only after
one of them has refused a document, never on the way of a valid scan.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from typing import Any

# A JSON string (skipped whole, so brackets inside it do not count) or a bracket.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPEN = frozenset(b"[{")
_SHOWN_PARTS = 8


def offset_too_deep(text: bytes | bytearray | mmap.mmap, limit: int) -> int | None:
    """Offset of the first ``[`` or ``{`` that opens level ``limit + 1``, if any."""
    depth = 0
    for found in _TOKEN.finditer(text):
        first = text[found.start()]
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return found.start()
        elif first != ord('"'):
            depth -= 1
    return None


def _children(value: Any) -> Iterator[tuple[str | int, Any]]:
    if isinstance(value, dict):
        return iter(value.items())
    if isinstance(value, list):
        return enumerate(value)
    return iter(())


def path_too_deep(data: Any, limit: int) -> list[str | int] | None:
    """JSON path of the first object or array at level ``limit + 1``, if any (no recursion)."""
    if not isinstance(data, dict | list):
        return None
    path: list[str | int] = []
    stack = [_children(data)]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            del path[len(stack) - 1 :]
            continue
        key, value = step
        if isinstance(value, dict | list):
            path.append(key)
            if len(stack) + 1 > limit:
                return path
            stack.append(_children(value))
    return None


def shown_path(parts: list[str | int]) -> str:
    """``$.a.b[0]...`` : a JSON path cut short, since a too-deep one is hundreds of parts long."""
    out = "$"
    for part in parts[:_SHOWN_PARTS]:
        out += f"[{part}]" if isinstance(part, int) else f".{part if part.isprintable() else repr(part)}"
    if len(parts) > _SHOWN_PARTS:
        out += f"...({len(parts) - _SHOWN_PARTS} more levels)"
    return out
