"""String functions: ``concat``, ``format``, ``toLower``, ``replace``, ``split``, ``base64`` ...

Those that build a string keep building with placeholders when an argument is unresolved
(:func:`~.context.string_builder`), so a name built from a parameter without a value still
reads ``acr-<env>`` and ids built from it still join. Every string is checked against
:data:`~scanner.sources.iac.budget.STRING_CHARS` before it is built.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, Family, Function, string_builder
from scanner.sources.iac.arm.expressions.values import Unresolved, equals, first_unresolved, require_str, to_text

family = Family()
FUNCTIONS: dict[str, Function] = family.functions


@family.plain("concat")
def _concat(args: list[Any], env: Context, text: str) -> Any:
    if any(isinstance(a, list) for a in args):
        bad = first_unresolved(args)
        if bad is not None:
            return Unresolved(bad.reason, f"<{text}>")
        budget.check_items("concat()", sum(len(a) if isinstance(a, list) else 1 for a in args))
        out: list[Any] = []
        for arg in args:
            out.extend(arg if isinstance(arg, list) else [arg])
        return out
    return _concat_texts(args, env, text)


def _join_texts(values: list[Any]) -> str:
    texts = [to_text(v) for v in values]
    budget.check_string("concat()", sum(map(len, texts)))
    return "".join(texts)


_concat_texts = string_builder(_join_texts)


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def _net_format(value: Any, spec: str | None) -> str:
    if spec and isinstance(value, int) and not isinstance(value, bool):
        letter, digits = spec[:1].upper(), spec[1:]
        width = int(digits) if digits.isdigit() and len(digits) <= 19 else 0
        budget.check_string("format()", width)
        if letter == "D":
            return f"{value:0{width}d}"
        if letter == "X":
            text = f"{value:0{width}x}"
            return text.upper() if spec[0] == "X" else text
        if letter == "N":
            return f"{value:,.{width}f}"
    return to_text(value)


@family.builder("format")
def _format(values: list[Any]) -> str:
    fmt = to_text(values[0])
    items = values[1:]
    # Characters so far: the format's literal text counted up front, each item as it is replaced.
    built = [len(fmt) - sum(len(m.group()) for m in _FORMAT_ITEM.finditer(fmt))]

    def item(match: re.Match[str]) -> str:
        whole = match.group()
        if whole == "{{" or whole == "}}":
            built[0] += 1
            return whole[0]
        alignment = match.group(2) or "0"
        width = int(alignment) if len(alignment.lstrip("-")) <= 19 else budget.STRING_CHARS + 1
        # The size of what this item adds is known before it is built: check it first.
        budget.check_string("format()", built[0] + abs(width))
        text = _net_format(items[int(match.group(1))], match.group(3))
        built[0] += max(len(text), abs(width))
        budget.check_string("format()", built[0])
        return text.rjust(width) if width > 0 else text.ljust(-width)

    return _FORMAT_ITEM.sub(item, fmt)


@family.builder("padLeft")
def _pad_left(values: list[Any]) -> str:
    text = to_text(values[0])
    pad = to_text(values[2]) if len(values) > 2 else " "
    width = int(values[1])
    budget.check_string("padLeft()", max(len(text), width))
    return text.rjust(width, pad[:1] or " ")


@family.strict("substring", arity=(2, 3))
def _substring(args: list[Any], env: Context, text: str) -> Any:
    source = require_str(args[0], "substring")
    start = int(args[1])
    if len(args) > 2:
        return source[start : start + int(args[2])]
    return source[start:]


@family.strict("split", arity=(2, 2))
def _split(args: list[Any], env: Context, text: str) -> Any:
    source = require_str(args[0], "split")
    delimiters = args[1] if isinstance(args[1], list) else [args[1]]
    pattern = "|".join(re.escape(to_text(d)) for d in delimiters)
    return re.split(pattern, source) if pattern else [source]


@family.builder("trim")
def _trim(values: list[Any]) -> str:
    return to_text(values[0]).strip()


@family.builder("toLower")
def _to_lower(values: list[Any]) -> str:
    return to_text(values[0]).lower()


@family.builder("toUpper")
def _to_upper(values: list[Any]) -> str:
    return to_text(values[0]).upper()


@family.builder("replace")
def _replace(values: list[Any]) -> str:
    text, old, new = to_text(values[0]), to_text(values[1]), to_text(values[2])
    times = text.count(old)  # an empty ``old`` matches between every character: len + 1 times
    budget.check_string("replace()", len(text) + times * (len(new) - len(old)))
    return text.replace(old, new)


def _index_of(last: bool) -> Function:
    def call(args: list[Any], env: Context, text: str) -> Any:
        container, item = args
        if isinstance(container, str):
            haystack, needle = container.lower(), to_text(item).lower()
            return haystack.rfind(needle) if last else haystack.find(needle)
        if not isinstance(container, list):
            raise TypeError(f"indexOf() cannot look inside {json_kind(container)}")
        positions = [i for i, x in enumerate(container) if equals(x, item) is True]
        if not positions:
            return -1
        return positions[-1] if last else positions[0]

    return call


family.strict("indexOf", arity=(2, 2))(_index_of(False))
family.strict("lastIndexOf", arity=(2, 2))(_index_of(True))


@family.strict("string", arity=(1, 1))
def _string(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, list | Mapping):
        return json.dumps(value, separators=(",", ":"))
    return to_text(value)


@family.strict("startsWith", arity=(2, 2))
def _starts_with(args: list[Any], env: Context, text: str) -> Any:
    return to_text(args[0]).lower().startswith(to_text(args[1]).lower())


@family.strict("endsWith", arity=(2, 2))
def _ends_with(args: list[Any], env: Context, text: str) -> Any:
    return to_text(args[0]).lower().endswith(to_text(args[1]).lower())


@family.strict("uri", arity=(2, 2))
def _uri(args: list[Any], env: Context, text: str) -> Any:
    return to_text(args[0]).rsplit("/", 1)[0] + "/" + to_text(args[1]).lstrip("/")


@family.strict("base64", arity=(1, 1))
def _base64(args: list[Any], env: Context, text: str) -> Any:
    return base64.b64encode(to_text(args[0]).encode()).decode()


@family.strict("base64ToString", arity=(1, 1))
def _base64_to_string(args: list[Any], env: Context, text: str) -> Any:
    return base64.b64decode(to_text(args[0])).decode()


@family.strict("uriComponent", arity=(1, 1))
def _uri_component(args: list[Any], env: Context, text: str) -> Any:
    return quote(to_text(args[0]), safe="")


@family.strict("uriComponentToString", arity=(1, 1))
def _uri_component_to_string(args: list[Any], env: Context, text: str) -> Any:
    return unquote(to_text(args[0]))
