"""Fill ``{placeholders}`` in messages and ``az`` commands from the subject.

A placeholder is a dotted path looked up in the ``as`` bindings, ``params.*``, or the subject
document; never an expression, and never Jinja. The rule text is not handed to ``str.format``:
it is compiled into a pattern of positional fields (``{0}``, ``{1}``, literal braces escaped)
whose arguments are already strings, so no placeholder can reach an attribute.
"""

from __future__ import annotations

import re
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


def _placeholder_getter(name: str) -> Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str]:
    parts = tuple(name.split("."))
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

    return get


def compile_template(text: str) -> Template:
    """Compile ``text`` once into a format string plus one getter per placeholder.

    Rendering a finding's message is then a single ``str.format`` call in C; literal braces
    (an ``az`` command's JSON argument, say) are escaped so they survive.
    """
    getters: list[Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], str]] = []
    fmt: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        fmt.append(text[pos : match.start()].replace("{", "{{").replace("}", "}}"))
        fmt.append(f"{{{len(getters)}}}")
        getters.append(_placeholder_getter(match.group(1)))
        pos = match.end()
    fmt.append(text[pos:].replace("{", "{{").replace("}", "}}"))
    if not getters:
        constant = text
        return lambda _d, _p, _b: constant
    pattern = "".join(fmt)
    if len(getters) == 1:
        only = getters[0]
        return lambda doc, params, bindings: pattern.format(only(doc, params, bindings))

    def render(doc: Mapping[str, Any], params: Mapping[str, Any], bindings: Mapping[str, Any]) -> str:
        return pattern.format(*[get(doc, params, bindings) for get in getters])

    return render
