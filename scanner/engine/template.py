"""Fill ``{placeholders}`` in messages and ``az`` commands from the subject.

Deliberately not ``str.format`` (which can reach attributes) and not Jinja: a placeholder is
a dotted path looked up in the ``as`` bindings, ``params.*``, or the subject document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.unknown import Unknown

_PLACEHOLDER = re.compile(r"\{([A-Za-z_$][A-Za-z0-9_.$-]*)\}")


_ABSENT = object()


MAX_LIST_ITEMS = 10


def _lookup(
    path: str, parts: tuple[str, ...], doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]
) -> Any:
    if bindings and path in bindings:
        return bindings[path]
    cur: Any
    if parts[0] == "params":
        cur, parts = params, parts[1:]
    else:
        cur = doc
    for part in parts:
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        else:
            return _ABSENT
    return cur


def _render(value: Any) -> str:
    if isinstance(value, Unknown):
        return "unknown"
    if value is None:
        return "none"
    if isinstance(value, list):
        if not value:
            return "none"
        shown = ", ".join(_render(v) for v in value[:MAX_LIST_ITEMS])
        more = len(value) - MAX_LIST_ITEMS
        return f"{shown} and {more} more" if more > 0 else shown
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Template = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str]


def compile_template(text: str) -> Template:
    """Pre-split ``text`` so rendering a finding is a join, not a regex scan."""
    pieces: list[tuple[bool, str, tuple[str, ...]]] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces.append((False, text[pos : match.start()], ()))
        pieces.append((True, match.group(1), tuple(match.group(1).split("."))))
        pos = match.end()
    pieces.append((False, text[pos:], ()))
    if len(pieces) == 1:
        constant = text
        return lambda _d, _p, _b: constant

    def render(doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        out = []
        for is_field, piece, parts in pieces:
            if is_field:
                value = _lookup(piece, parts, doc, params, bindings)
                out.append(f"<{piece}>" if value is _ABSENT else _render(value))
            else:
                out.append(piece)
        return "".join(out)

    return render
