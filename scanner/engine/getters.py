"""Field paths to values: what a condition's leaf reads from a subject document.

A path is dotted (``properties.x``); a part that is a number indexes a list. ``$.a.b``
addresses the subject root even inside a quantifier's ``where`` (where plain paths are
relative to the list item). A getter returns the value, :data:`MISSING` when the path does
not exist (distinct from JSON null), or the :class:`~scanner.unknown.Unknown` met on the way
(data that was not collected).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scanner.unknown import Unknown

Truth = bool | Unknown


class _Missing:
    """Marker for a path that does not exist in the document (distinct from JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

NO_BINDINGS: dict[str, Any] = {}


def is_absent(value: Any) -> bool:
    """A missing path or a JSON null: both mean "no value"."""
    return value is MISSING or value is None


class Context:
    """Per-evaluation state: the scan time, the subject root, evidence and ``as`` bindings."""

    __slots__ = ("bindings", "evidence", "now", "root")

    def __init__(self, now: datetime, root: Mapping[str, Any]) -> None:
        self.now = now
        self.root: Mapping[str, Any] | Unknown = root  # (a placeholder's root is its gap: every field unknown)
        self.evidence: dict[str, Any] | None = {}
        self.bindings: dict[str, Any] = NO_BINDINGS  # replaced by a fresh dict on first ``as``


def split_path(path: str) -> tuple[bool, tuple[str, ...]]:
    """(whether the path starts at the subject root, its parts).

    The parts are interned like the string-literal keys of a subject document, so a lookup
    usually matches by identity before comparing characters.
    """
    if path.startswith("$."):
        return True, tuple(map(sys.intern, path[2:].split(".")))
    return False, tuple(map(sys.intern, path.split(".")))


def walk(cur: Any, parts: tuple[str, ...]) -> Any:
    """Follow ``parts`` from ``cur``: the value, :data:`MISSING`, or the :class:`Unknown` met on the way."""
    for part in parts:
        if type(cur) is dict:
            cur = cur.get(part, MISSING)
        elif isinstance(cur, Unknown):
            return cur
        elif isinstance(cur, Mapping):
            cur = cur.get(part, MISSING)
        elif isinstance(cur, list) and part.isdigit():
            index = int(part)
            cur = cur[index] if index < len(cur) else MISSING
        else:
            return MISSING
        if cur is MISSING:
            return MISSING
    return cur


class Getter:
    """Reads one value for a leaf: a field of the document, a parameter, or a literal."""

    def get(self, doc: Any, ctx: Context) -> Any:
        """The value, :data:`MISSING`, or an :class:`Unknown`."""
        raise NotImplementedError


class Constant(Getter):
    """A literal or a parameter: fixed once the rule is compiled."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self, doc: Any, ctx: Context) -> Any:
        return self.value


class _FromRoot(Getter):
    """``$.a.b``: a path from the subject document, even inside a ``where``."""

    def __init__(self, parts: tuple[str, ...]) -> None:
        self.parts = parts

    def get(self, doc: Any, ctx: Context) -> Any:
        return walk(ctx.root, self.parts)


class _Path(Getter):
    """A path of three or more keys (or list indexes): the general walk."""

    def __init__(self, parts: tuple[str, ...]) -> None:
        self.parts = parts

    def get(self, doc: Any, ctx: Context) -> Any:
        return walk(doc, self.parts)


class _Key(Getter):
    """One key (``status``): a dict lookup, with the general walk for anything but a dict."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.parts = (key,)

    def get(self, doc: Any, ctx: Context) -> Any:
        if type(doc) is dict:
            return doc.get(self.key, MISSING)
        return walk(doc, self.parts)


class _Pair(Getter):
    """Two keys (``properties.x``), the most common rule path: two dict lookups."""

    def __init__(self, outer: str, inner: str) -> None:
        self.outer = outer
        self.inner = inner
        self.parts = (outer, inner)

    def get(self, doc: Any, ctx: Context) -> Any:
        if type(doc) is dict:
            cur = doc.get(self.outer, MISSING)
            if type(cur) is dict:
                return cur.get(self.inner, MISSING)
            if cur is MISSING:
                return MISSING
        return walk(doc, self.parts)


def field_getter(path: str) -> Getter:
    """The getter of a field path.

    Most rule paths are one or two keys into plain dicts (``status``, ``properties.x``), read
    once per leaf per subject: those look the keys up directly and take the general walk
    (Unknown, other mappings, list indexes) only off that path.
    """
    from_root, parts = split_path(path)
    if from_root:
        return _FromRoot(parts)
    if len(parts) == 1:
        return _Key(parts[0])
    if len(parts) == 2:
        return _Pair(parts[0], parts[1])
    return _Path(parts)
