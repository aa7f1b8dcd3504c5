"""The line of each property of a declared resource, looked up in the template when a finding needs it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from scanner.sources.iac.arm.json_doc import JsonDoc
from scanner.sources.iac.arm.properties import ROW_FIELDS, canonical


class PropertyLines(Mapping[str, int]):
    """Lines of a resource's properties, looked up in the template only when a finding needs one.

    Keys are row paths (``properties.networkRuleSet.ipRules.0.value``); a path through a value
    that an expression or a property copy loop produced is not in the file and is absent.
    """

    __slots__ = ("_doc", "_flat", "_lower", "_raw")

    def __init__(self, doc: JsonDoc, raw: Mapping[str, Any]) -> None:
        self._doc = doc
        self._raw = raw
        self._flat: dict[str, int] | None = None
        self._lower: dict[int, dict[str, str]] | None = None

    def nearest(self, path: str) -> tuple[int | None, bool]:
        """(line, exact): the line of ``path``, or of its deepest declared parent below the top level."""
        cur: Any = self._raw
        table = self._doc.offsets
        offset: int | None = None  # of the deepest key found below the top level
        block: Any = None  # or, for a list item, the object found there
        parts = path.split(".")
        top = len(parts) > 1  # the top level ("properties") alone is too coarse to point at
        for part in parts:
            kind = type(cur)
            if kind is dict:
                key = part if part in cur else self._lowered(cur).get(part.lower())
                if key is None:
                    return self._line(offset, block), False
                if top:
                    top = False
                else:
                    keys = table.get(id(cur))
                    offset, block = (keys.get(key) if keys is not None else None), None
                cur = cur[key]
            elif kind is list and part.isdigit() and int(part) < len(cur):
                cur = cur[int(part)]
                top = False
                if type(cur) is dict:
                    block = cur
            else:
                return self._line(offset, block), False
        return self._line(offset, block), True

    def _line(self, offset: int | None, block: Any) -> int | None:
        if block is not None:
            line = self._doc.object_line(block)
            if line is not None:
                return line
        return None if offset is None else self._doc.line_at(offset)

    def _lowered(self, obj: dict[str, Any]) -> dict[str, str]:
        """Lower-cased key → key of an object of the template (ARM names are case-insensitive)."""
        if self._lower is None:
            self._lower = {}
        mapping = self._lower.get(id(obj))
        if mapping is None:
            mapping = self._lower[id(obj)] = {k.lower(): k for k in obj if isinstance(k, str)}
        return mapping

    def __getitem__(self, path: str) -> int:
        line, exact = self.nearest(path)
        if line is None or not exact:
            raise KeyError(path)
        return line

    def _all(self) -> dict[str, int]:
        if self._flat is None:
            flat: dict[str, int] = {}

            def walk(node: Any, prefix: str) -> None:
                if isinstance(node, Mapping):
                    for key, value in node.items():
                        line = self._doc.key_line(node, key)
                        path = f"{prefix}{canonical(key)}"
                        if line is not None:
                            flat[path] = line
                        walk(value, path + ".")
                elif isinstance(node, list):
                    for index, value in enumerate(node):
                        walk(value, f"{prefix}{index}.")

            for key in ROW_FIELDS:
                if key in self._raw:
                    line = self._doc.key_line(self._raw, key)
                    if line is not None:
                        flat[key] = line
                    walk(self._raw[key], key + ".")
            self._flat = flat
        return self._flat

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
