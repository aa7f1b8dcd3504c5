"""Fill ``{placeholders}`` in messages and ``az`` commands from the subject.

A placeholder is a dotted path looked up in the ``as`` bindings, ``params.*``, or the subject
document; never an expression, and never Jinja. The rule text is not handed to ``str.format``:
it is compiled into a pattern of positional fields (``{0}``, ``{1}``, literal braces escaped)
whose arguments are already strings, so no placeholder can reach an attribute.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
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


Template = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str]


Getter = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str]


def _placeholder_getter(name: str) -> Getter:
    """The text a placeholder renders to: a binding, a parameter, or a value of the document.

    Every message of every finding runs these, so a placeholder naming one or two keys of
    the document (``{name}``, ``{role.name}``) looks them up directly; anything else (a
    parameter, a deeper path, a non-dict on the way) takes the general walk.
    """
    parts = tuple(map(sys.intern, name.split(".")))  # (identity matches on document keys)
    from_params = parts[0] == "params"
    walk = parts[1:] if from_params else parts
    missing = f"<{name}>"

    def get(doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        if bindings and name in bindings:
            return _render(bindings[name])
        cur: Any = params if from_params else doc
        for part in walk:
            if type(cur) is dict or isinstance(cur, Mapping):
                cur = cur.get(part, _ABSENT)
                if cur is _ABSENT:
                    return missing
            else:
                return missing
        return cur if type(cur) is str else _render(cur)

    if from_params or len(walk) > 2:
        return get
    if len(walk) == 1:
        key = walk[0]

        def get_key(doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
            if type(doc) is not dict or (bindings and name in bindings):
                return get(doc, params, bindings)
            value = doc.get(key, _ABSENT)
            if type(value) is str:
                return value
            return missing if value is _ABSENT else _render(value)

        return get_key
    outer, inner = walk

    def get_pair(doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        if type(doc) is not dict or (bindings and name in bindings):
            return get(doc, params, bindings)
        cur = doc.get(outer, _ABSENT)
        if type(cur) is not dict:
            return get(doc, params, bindings)
        value = cur.get(inner, _ABSENT)
        if type(value) is str:
            return value
        return missing if value is _ABSENT else _render(value)

    return get_pair


def compile_template(text: str) -> Template:
    """Compile ``text`` once into a format string plus one getter per placeholder.

    Rendering a finding's message is then a single ``str.format`` call in C (or, for one
    placeholder, a concatenation); literal braces (an ``az`` command's JSON argument, say)
    are escaped so they survive. Two or three placeholders, the common case, are passed
    to ``format`` directly rather than through a list built per message.
    """
    getters: list[Getter] = []
    literals: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        literals.append(text[pos : match.start()])
        getters.append(_placeholder_getter(match.group(1)))
        pos = match.end()
    literals.append(text[pos:])
    if not getters:
        constant = text
        return lambda _d, _p, _b: constant
    if len(getters) == 1:
        head, tail = literals
        only = getters[0]
        return lambda doc, params, bindings: head + only(doc, params, bindings) + tail
    escaped = [literal.replace("{", "{{").replace("}", "}}") for literal in literals]
    pattern = escaped[0] + "".join(f"{{{i}}}{literal}" for i, literal in enumerate(escaped[1:]))
    if len(getters) == 2:
        first, second = getters
        return lambda doc, params, bindings: pattern.format(first(doc, params, bindings), second(doc, params, bindings))
    if len(getters) == 3:
        first, second, third = getters
        return lambda doc, params, bindings: pattern.format(
            first(doc, params, bindings), second(doc, params, bindings), third(doc, params, bindings)
        )

    def render(doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        return pattern.format(*[get(doc, params, bindings) for get in getters])

    return render
