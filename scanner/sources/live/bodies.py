"""Decode a response body defensively: whatever arrives, the result is JSON data or a clear error.

An endpoint behind a broken gateway answers 200 with an HTML page, an empty body, ``null``, a
body cut off halfway, or (hostile) 100,000 nested arrays. Bodies are decoded with orjson, the
library that writes snapshots, so a body that decodes is one a snapshot can hold (numbers in
64-bit range, valid UTF-8), and nesting deeper than :data:`MAX_DEPTH` is refused: Azure's
payloads nest about ten levels, and the snapshot's own structure adds a few more on top.
"""

from __future__ import annotations

from typing import Any

import orjson

from scanner.plain_data import json_kind
from scanner.sources.live.failures import CallFailed, one_line

#: Deepest nesting accepted in one response body (Azure's payloads stay near 10).
MAX_DEPTH = 32


def nesting_depth(value: Any, limit: int) -> int:
    """Nesting depth of ``value``, counting stops once it passes ``limit`` (linear, no recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def describe_unreadable(raw: bytes, content_type: str | None, reason: str) -> str:
    """Why a body is not JSON, in the words a person debugging a proxy would want."""
    if not raw.strip():
        return "an empty body, not JSON"
    head = raw.lstrip()[:64].lower()
    if "html" in (content_type or "").lower() or head.startswith((b"<!doctype html", b"<html", b"<")):
        return "an HTML page, not JSON"
    return f"not valid JSON ({one_line(reason, 120)})"


def decode_json(raw: bytes, content_type: str | None = None) -> Any:
    """``raw`` as JSON data; :class:`ValueError` saying why not (empty, HTML, malformed, too deep)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc).lower() or "recursion" in str(exc).lower():
            raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
        raise ValueError(describe_unreadable(raw, content_type, str(exc))) from None
    if nesting_depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    return data


def kind_of(value: Any) -> str:
    """What a JSON value is, for an error message that never echoes the value."""
    if isinstance(value, str) and value.lstrip()[:1] == "<":
        return "an HTML page (as a JSON string)"
    return json_kind(value)


def wrong_shape(call: str, status: int, what: str) -> CallFailed:
    """A 2xx whose JSON is not the shape the call answers with (repeated: a gateway may have answered)."""
    return CallFailed(call, f"HTTP {status} answered JSON of the wrong shape: {what}", status=status, retryable=True)
