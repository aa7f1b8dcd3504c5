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


class _Placeholder:
    """The text one placeholder renders to: a binding, a parameter, or a value of the document."""

    def __init__(self, name: str) -> None:
        parts = tuple(map(sys.intern, name.split(".")))  # (interned like the documents' keys)
        self.name = name
        self.from_params = parts[0] == "params"
        self.walk = parts[1:] if self.from_params else parts
        self.missing = f"<{name}>"

    def text(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        if bindings and self.name in bindings:
            return _render(bindings[self.name])
        cur: Any = params if self.from_params else doc
        try:
            for part in self.walk:
                cur = cur[part]
        except (KeyError, TypeError):  # (a missing key, or a value on the way that has no keys: a list, text)
            return self.missing
        return cur if type(cur) is str else _render(cur)


class Template:
    """A compiled message or ``az`` command: ``render(doc, params, bindings)`` → text.

    The text is split once into literal pieces and placeholders; rendering joins the
    literals with the placeholders' text. No format string is involved, so literal braces
    (an ``az`` command's JSON argument, say) need no escaping and no placeholder text is
    ever interpreted.
    """

    def __init__(self, text: str) -> None:
        pieces = _PLACEHOLDER.split(text)  # literal, name, literal, name, ..., literal
        self.head = pieces[0]
        self.rest = [(_Placeholder(name), literal) for name, literal in zip(pieces[1::2], pieces[2::2], strict=True)]

    def render(self, doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        text = self.head
        for placeholder, literal in self.rest:
            text += placeholder.text(doc, params, bindings) + literal
        return text


def compile_template(text: str) -> Template:
    """Compile ``text`` once into its literal pieces and placeholders."""
    return Template(text)
