"""Fill ``{placeholders}`` in messages and ``az`` commands from the subject.

A placeholder is a dotted path looked up in the ``as`` bindings, ``params.*``, or the subject
document; never an expression, and never Jinja. The rule text is never handed to
``str.format``: it is split once into literal pieces and placeholders, and rendering joins the
pieces with the placeholders' text, so no placeholder can reach an attribute.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from scanner.unknown import Unknown

_PLACEHOLDER = re.compile(r"\{([A-Za-z_$][A-Za-z0-9_.$-]*)\}")


_ABSENT = object()


MAX_LIST_ITEMS = 10


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


class Template:
    """A compiled message or ``az`` command: ``render(doc, params, bindings)`` → text.

    A class rather than a closure for the same reason as the condition nodes: compiled with
    mypyc, the engine's call into it and its calls into the placeholders are direct C calls.
    A template is also callable (``template(doc, params, bindings)``).
    """

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def __call__(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        return self.render(doc, params, bindings)


class _Placeholder:
    """The text one placeholder renders to: a binding, a parameter, or a value of the document."""

    def __init__(self, name: str) -> None:
        parts = tuple(map(sys.intern, name.split(".")))  # (identity matches on document keys)
        self.name = name
        self.from_params = parts[0] == "params"
        self.walk = parts[1:] if self.from_params else parts
        self.missing = f"<{name}>"

    def text(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        if bindings and self.name in bindings:
            return _render(bindings[self.name])
        cur: Any = params if self.from_params else doc
        for part in self.walk:
            if type(cur) is dict or isinstance(cur, Mapping):
                cur = cur.get(part, _ABSENT)
                if cur is _ABSENT:
                    return self.missing
            else:
                return self.missing
        return cur if type(cur) is str else _render(cur)


class _KeyPlaceholder(_Placeholder):
    """``{name}``: one key of the document, looked up directly."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.key = self.walk[0]

    def text(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        if type(doc) is not dict or (bindings and self.name in bindings):
            return super().text(doc, params, bindings)
        value = doc.get(self.key, _ABSENT)
        if type(value) is str:
            return value
        return self.missing if value is _ABSENT else _render(value)


class _PairPlaceholder(_Placeholder):
    """``{role.name}``: two keys of the document, looked up directly."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.outer = self.walk[0]
        self.inner = self.walk[1]

    def text(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        if type(doc) is not dict or (bindings and self.name in bindings):
            return super().text(doc, params, bindings)
        cur = doc.get(self.outer, _ABSENT)
        if type(cur) is not dict:
            return super().text(doc, params, bindings)
        value = cur.get(self.inner, _ABSENT)
        if type(value) is str:
            return value
        return self.missing if value is _ABSENT else _render(value)


def _placeholder(name: str) -> _Placeholder:
    """Every message of every finding runs these, so a placeholder naming one or two keys of
    the document (``{name}``, ``{role.name}``) looks them up directly; anything else (a
    parameter, a deeper path, a non-dict on the way) takes the general walk."""
    if name.split(".")[0] == "params" or name.count(".") > 1:
        return _Placeholder(name)
    if "." not in name:
        return _KeyPlaceholder(name)
    return _PairPlaceholder(name)


class _Text(Template):
    """No placeholders."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        return self.text


class _One(Template):
    """One placeholder (most messages): a concatenation."""

    def __init__(self, head: str, only: _Placeholder, tail: str) -> None:
        self.head = head
        self.only = only
        self.tail = tail

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        return self.head + self.only.text(doc, params, bindings) + self.tail


class _Two(Template):
    """Two placeholders: one ``join`` of five pieces (a third of the cost of ``str.format``,
    which parses its pattern on every call)."""

    def __init__(self, literals: list[str], first: _Placeholder, second: _Placeholder) -> None:
        self.head, self.middle, self.tail = literals
        self.first = first
        self.second = second

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        first = self.first.text(doc, params, bindings)
        second = self.second.text(doc, params, bindings)
        return "".join((self.head, first, self.middle, second, self.tail))


class _Three(Template):
    """Three placeholders (remediation commands often have them): one ``join`` of seven pieces."""

    def __init__(self, literals: list[str], placeholders: list[_Placeholder]) -> None:
        self.head, self.second_literal, self.third_literal, self.tail = literals
        self.first, self.second, self.third = placeholders

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        first = self.first.text(doc, params, bindings)
        second = self.second.text(doc, params, bindings)
        third = self.third.text(doc, params, bindings)
        return "".join((self.head, first, self.second_literal, second, self.third_literal, third, self.tail))


class _Many(Template):
    """Four or more placeholders: the literals and the filled placeholders, joined."""

    def __init__(self, literals: list[str], placeholders: list[_Placeholder]) -> None:
        self.head = literals[0]
        self.pairs = list(zip(placeholders, literals[1:], strict=True))

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        parts = [self.head]
        for placeholder, literal in self.pairs:
            parts.append(placeholder.text(doc, params, bindings))
            parts.append(literal)
        return "".join(parts)


def compile_template(text: str) -> Template:
    """Compile ``text`` once into its literal pieces plus one getter per placeholder.

    Rendering a finding's message then joins the pieces with the placeholders' text: no
    format string is involved, so literal braces (an ``az`` command's JSON argument, say)
    need no escaping and no placeholder text is ever interpreted.
    """
    placeholders: list[_Placeholder] = []
    literals: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        literals.append(text[pos : match.start()])
        placeholders.append(_placeholder(match.group(1)))
        pos = match.end()
    literals.append(text[pos:])
    if not placeholders:
        return _Text(text)
    if len(placeholders) == 1:
        return _One(literals[0], placeholders[0], literals[1])
    if len(placeholders) == 2:
        return _Two(literals, placeholders[0], placeholders[1])
    if len(placeholders) == 3:
        return _Three(literals, placeholders)
    return _Many(literals, placeholders)
