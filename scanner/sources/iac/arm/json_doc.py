"""JSON documents that know the line of every object key (ARM templates and the files beside them).

msgspec builds the values (in C); one regular-expression pass over the same bytes then finds
every object key in document order, and a walk of the decoded tree pairs the n-th key found
with the n-th key visited (dicts keep document order). Lines are computed on demand from a
newline index. A document whose keys do not pair up (a duplicated key, which msgspec
collapses) is re-read by a small position-recording parser instead.

ARM templates may carry ``//`` and ``/* */`` comments (Azure accepts them); they are blanked
out, newlines kept, before a second attempt. Malformed JSON is an :class:`InputError` that
reads ``file:line:col: invalid JSON: what``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from json import decoder as _decoder
from json.decoder import JSONDecodeError
from typing import Any

import msgspec

from scanner.errors import InputError
from scanner.sources.iac.budget import INTEGER_MAX, INTEGER_MIN, JSON_DEPTH, json_int, shown_number, too_deep

_scanstring: Callable[[str, int, bool], tuple[str, int]] = _decoder.scanstring  # type: ignore[attr-defined]
_BOM = b"\xef\xbb\xbf"
# A key: a string after "{" or "," and before ":". A string value cannot fake one (a "," inside
# it is followed by its closing quote, never by a key and a colon), and if something ever did,
# the key count would not match the decoded tree and the slow parser would take over.
_KEY = re.compile(rb'[{,]\s*("[^"\\]*(?:\\.[^"\\]*)*"\s*:)')
_STRING_OR_COMMENT = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|//[^\n]*|/\*.*?\*/', re.S)
_NOT_NEWLINE = re.compile(rb"[^\n]")
_BYTE = re.compile(r"\(byte (\d+)\)")


class JsonDoc:
    """A decoded JSON document that can tell the line of any of its objects and keys."""

    __slots__ = ("_newlines", "data", "offsets", "path", "raw")

    def __init__(self, path: str, raw: bytes, data: Any, keys: dict[int, dict[str, int]]) -> None:
        self.path = path
        self.raw = raw
        self.data = data
        self.offsets = keys  # id(dict) → key → byte offset of the key's opening quote
        self._newlines: list[int] | None = None

    def line_at(self, offset: int) -> int:
        """1-based line of a byte offset."""
        starts = self._newlines
        if starts is None:  # where each line after the first starts, summed in C
            starts = self._newlines = list(accumulate(map(len, self.raw.splitlines(keepends=True))))
        return bisect_right(starts, offset) + 1

    def key_offset(self, obj: Any, key: str) -> int | None:
        """Byte offset of ``key`` in ``obj`` (an object of this document), if it is there."""
        keys = self.offsets.get(id(obj))
        return None if keys is None else keys.get(key)

    def key_line(self, obj: Any, key: str) -> int | None:
        """Line of ``key`` in ``obj`` (an object of this document), if it is there."""
        keys = self.offsets.get(id(obj))
        if keys is None:
            return None
        offset = keys.get(key)
        return None if offset is None else self.line_at(offset)

    def object_line(self, obj: Any) -> int | None:
        """Line of the ``{`` that opens ``obj`` (None for an empty object)."""
        keys = self.offsets.get(id(obj))
        if not keys:
            return None
        first = next(iter(keys.values()))  # keys are recorded in document order
        brace = self.raw.rfind(b"{", 0, first)
        return self.line_at(brace if brace >= 0 else first)

    def key_lines(self, obj: Any) -> dict[str, int]:
        """Every key of ``obj`` with its line."""
        keys = self.offsets.get(id(obj)) or {}
        return {k: self.line_at(v) for k, v in keys.items()}


def _strip_comments(raw: bytes) -> bytes:
    def blank(match: re.Match[bytes]) -> bytes:
        text = match.group()
        return text if text[:1] == b'"' else _NOT_NEWLINE.sub(b" ", text)

    return _STRING_OR_COMMENT.sub(blank, raw)


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def _error(path: str, raw: bytes, exc: Exception) -> InputError:
    message = str(exc)
    found = _BYTE.search(message)
    reason = _BYTE.sub("", message).replace("JSON is malformed: ", "").strip()
    if found is None:
        # msgspec gives no offset for a truncated document: the problem is at its very end.
        line, col = _position(raw, len(raw.rstrip()))
        return InputError(f"{path}:{line}:{col}: invalid JSON: {reason.lower()}")
    line, col = _position(raw, int(found.group(1)))
    return InputError(f"{path}:{line}:{col}: invalid JSON: {reason}")


def decode(path: str, raw: bytes) -> tuple[bytes, Any]:
    """Decode ``raw`` (BOM and comments allowed); returns the bytes the positions refer to.

    A document nested deeper than the decoder can follow is refused like one past
    :data:`~scanner.sources.iac.budget.JSON_DEPTH` (the readers check that limit as they walk).
    """
    if raw.startswith(_BOM):
        raw = b"   " + raw[3:]  # keep offsets (and so columns) where the editor shows them
    try:
        return raw, msgspec.json.decode(raw)
    except RecursionError:
        raise too_deep(path) from None
    except msgspec.DecodeError as first:
        if b"//" not in raw and b"/*" not in raw:
            raise _error(path, raw, first) from None
        stripped = _strip_comments(raw)
        try:
            return stripped, msgspec.json.decode(stripped)
        except RecursionError:
            raise too_deep(path) from None
        except msgspec.DecodeError as second:
            raise _error(path, stripped, second) from None


def _index(path: str, raw: bytes, data: Any) -> dict[int, dict[str, int]] | None:
    """Pair every key of ``data`` with its offset; None when they do not pair up.

    The walk also enforces :data:`JSON_DEPTH` (so nothing downstream recurses past it) and the
    64-bit range of integers.
    """
    offsets = [m.start(1) for m in _KEY.finditer(raw)]
    table: dict[int, dict[str, int]] = {}
    feed: Iterator[int] = iter(offsets)
    take = feed.__next__

    def walk(node: Any, depth: int) -> None:
        if depth > JSON_DEPTH:
            raise too_deep(path)
        keys: dict[str, int] | None = None
        if type(node) is dict:
            keys = table[id(node)] = {}
            members: Iterable[tuple[Any, Any]] = node.items()
        else:
            members = enumerate(node)
        for key, value in members:
            if keys is not None:  # offsets come in document order: this key's before its value's keys
                keys[key] = take()
            kind = type(value)
            if kind is dict or kind is list:
                walk(value, depth + 1)
            elif kind is int and not INTEGER_MIN <= value <= INTEGER_MAX:
                raise _integer(path, value)

    try:
        if type(data) is dict or type(data) is list:
            walk(data, 1)
    except StopIteration:
        return None
    return table if next(feed, None) is None else None


def _integer(path: str, value: int) -> InputError:
    return InputError(f"{path}: the integer {shown_number(value)} is outside the 64-bit range")


def _slow_parse(path: str, raw: bytes) -> tuple[Any, dict[int, dict[str, int]]]:
    """A position-recording parser for the rare document msgspec and the key scan disagree on."""
    text = raw.decode("utf-8")
    encoded_offsets: dict[int, int] = {}
    table: dict[int, dict[str, int]] = {}
    spaces = re.compile(r"[ \t\n\r]*")

    def skip(at: int) -> int:
        match = spaces.match(text, at)
        return match.end() if match is not None else at

    number = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?").match

    def byte_offset(char_offset: int) -> int:
        cached = encoded_offsets.get(char_offset)
        if cached is None:
            cached = encoded_offsets[char_offset] = len(text[:char_offset].encode("utf-8"))
        return cached

    def after_member(at: int, closer: str) -> tuple[bool, int]:
        """(closed, position): past ``closer`` when the object or array ends here, else at its next member."""
        at = skip(at)
        char = text[at : at + 1]
        if char == closer:
            return True, at + 1
        if char != ",":
            raise JSONDecodeError("Expecting ',' delimiter", text, at)
        return False, skip(at + 1)

    def value(i: int, depth: int) -> tuple[Any, int]:
        c = text[i : i + 1]
        if c == '"':
            return _scanstring(text, i + 1, True)
        if c in "{[" and depth > JSON_DEPTH:
            raise too_deep(path)
        if c == "{":
            obj: dict[str, Any] = {}
            keys: dict[str, int] = {}
            table[id(obj)] = keys
            i = skip(i + 1)
            if text[i : i + 1] == "}":
                return obj, i + 1
            while True:
                if text[i : i + 1] != '"':
                    raise JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
                key, j = _scanstring(text, i + 1, True)
                keys[key] = byte_offset(i)
                j = skip(j)
                if text[j : j + 1] != ":":
                    raise JSONDecodeError("Expecting ':' delimiter", text, j)
                obj[key], j = value(skip(j + 1), depth + 1)
                closed, i = after_member(j, "}")
                if closed:
                    return obj, i
        if c == "[":
            items: list[Any] = []
            i = skip(i + 1)
            if text[i : i + 1] == "]":
                return items, i + 1
            while True:
                item, i = value(i, depth + 1)
                items.append(item)
                closed, i = after_member(i, "]")
                if closed:
                    return items, i
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, i):
                return result, i + len(literal)
        match = number(text, i)
        if match is None:
            raise JSONDecodeError("Expecting value", text, i)
        if match.group(1) or match.group(2):
            return float(match.group()), match.end()
        return json_int(match.group()), match.end()

    data, _end = value(skip(0), 1)
    return data, table


def index_doc(path: str, raw: bytes, data: Any) -> JsonDoc:
    """A :class:`JsonDoc` of already decoded ``data`` (``raw`` as :func:`decode` returned it)."""
    keys = _index(path, raw, data)
    if keys is None:
        try:
            data, keys = _slow_parse(path, raw)
        except ValueError as exc:  # an integer past 64 bits (the decoder accepted the rest)
            raise InputError(f"{path}: {exc}") from None
    return JsonDoc(path, raw, data, keys)


def load_json(path: str, raw: bytes) -> JsonDoc:
    """Decode ``raw`` and index the line of every key; ``path`` names the file in errors."""
    raw, data = decode(path, raw)
    return index_doc(path, raw, data)
