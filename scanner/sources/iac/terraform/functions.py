"""Terraform's built-in functions, the pure ones pull requests use (``lower``, ``format``, ``merge`` …).

Each takes evaluated arguments and returns a value, or an :class:`~scanner.unknown.Unknown`
saying why it cannot (a wrong type, a regular expression it does not evaluate). What a function
builds is bounded by the scan's budgets (docs/iac.md, "Budgets"). ``try`` and ``can`` take
unevaluated arguments and live with the evaluator (:mod:`.evaluate`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.sources.iac import budget
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.values import NO_VALUE, find_unknown, to_bool, to_number, to_string
from scanner.unknown import Unknown

_PAIRWISE = 2000  # items distinct() compares pairwise


def _fn_format(fmt: Any, *args: Any) -> Any:
    if not isinstance(fmt, str):
        return Unknown("format() needs a string")
    values = list(args)
    out: list[str] = []
    index = 0
    pos = 0
    for match in re.finditer(r"%(%|[-+ #0]*\d*(?:\.\d+)?[vsdfqtbeEgGxXo])", fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        spec = match.group(1)
        if spec == "%":
            out.append("%")
            continue
        limits.check_format_verb(spec[:-1])
        if index >= len(values):
            return Unknown("format() has too few arguments")
        value = values[index]
        index += 1
        verb = spec[-1]
        if verb in "dxXob":
            number = to_number(value)
            if isinstance(number, Unknown):
                return number
            out.append(("%" + spec.replace("b", "d")) % int(number) if verb != "b" else format(int(number), "b"))
        elif verb in "feEgG":
            number = to_number(value)
            if isinstance(number, Unknown):
                return number
            out.append(("%" + spec) % float(number))
        elif verb == "q":
            text = to_string(value)
            if isinstance(text, Unknown):
                return text
            out.append(json.dumps(text))
        else:
            text = to_string(value) if not isinstance(value, list | dict) else json.dumps(value)
            if isinstance(text, Unknown):
                return text
            out.append(("%" + spec[:-1] + "s") % text)
        budget.check_string("format()", sum(map(len, out)))
    out.append(fmt[pos:])
    return "".join(out)


def _fn_merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, Mapping):
            return Unknown("merge() of a non-map")
        out.update(item)
    return out


def _fn_lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, Mapping) or not isinstance(key, str):
        return Unknown("lookup() of a non-map")
    if key in mapping:
        return mapping[key]
    return default[0] if default else Unknown(f"lookup(): no key {key!r}")


def _fn_coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return value
        if value is not None and value != "":
            return value
    return Unknown("coalesce() with no non-null argument")


def _fn_length(value: Any) -> Any:
    if isinstance(value, str | list | dict):
        return len(value)
    return Unknown("length() of a non-collection")


def _fn_concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            return Unknown("concat() of a non-list")
        budget.check_items("concat()", len(out) + len(item))
        out.extend(item)
    return out


def _fn_flatten(value: Any) -> Any:
    if not isinstance(value, list):
        return Unknown("flatten() of a non-list")
    out: list[Any] = []
    stack: list[Any] = [iter(value)]  # iterative: nested lists of any depth
    while stack:
        item = next(stack[-1], NO_VALUE)
        if item is NO_VALUE:
            stack.pop()
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            out.append(item)
            budget.check_items("flatten()", len(out))
    return out


def _fn_distinct(value: Any) -> Any:
    if not isinstance(value, list):
        return Unknown("distinct() of a non-list")
    if all(type(item) is str for item in value):
        return list(dict.fromkeys(value))  # the same result as the comparisons below, in linear time
    if len(value) > _PAIRWISE:  # the comparisons below grow with the square of the length
        return Unknown(f"distinct() of {len(value)} lists, maps or numbers is not evaluated (at most {_PAIRWISE})")
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _fn_replace(text: Any, old: Any, new: Any) -> Any:
    if not all(isinstance(v, str) for v in (text, old, new)):
        return Unknown("replace() of a non-string")
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return Unknown("replace() with a regular expression is not evaluated")
    budget.check_string("replace()", len(text) + text.count(old) * (len(new) - len(old)))
    return text.replace(old, new)


def _fn_substr(text: Any, offset: Any, length: Any) -> Any:
    if not isinstance(text, str) or not isinstance(offset, int) or not isinstance(length, int):
        return Unknown("substr() arguments are not string, number, number")
    start = offset if offset >= 0 else len(text) + offset
    return text[start:] if length < 0 else text[start : start + length]


def _fn_element(value: Any, index: Any) -> Any:
    if not isinstance(value, list) or not value or not isinstance(index, int):
        return Unknown("element() arguments are not a list and a number")
    return value[index % len(value)]


def _fn_one(value: Any) -> Any:
    if not isinstance(value, list) or len(value) > 1:
        return Unknown("one() of a list with more than one element")
    return value[0] if value else None


def _fn_jsondecode(value: Any) -> Any:
    if not isinstance(value, str):
        return Unknown("jsondecode() of a non-string")
    decoded = limits.decode_json(value)
    return Unknown("jsondecode() of invalid JSON") if decoded is None and value.strip() != "null" else decoded


def _fn_jsonencode(value: Any) -> Any:
    if find_unknown(value) is not None:
        return value  # the object itself: readers of azapi ``body`` accept either form
    return json.dumps(value, separators=(",", ":"))


def _fn_tolist(value: Any) -> Any:
    return list(value) if isinstance(value, list) else Unknown("tolist()/toset() of a non-list")


def _fn_toset(value: Any) -> Any:
    return _fn_distinct(value)


def _fn_range(*args: Any) -> Any:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args) or not 1 <= len(args) <= 3:
        return Unknown("range() needs whole numbers")
    steps = range(*args)
    budget.check_items("range()", len(steps))
    return list(steps)


def _fn_join(sep: Any, items: Any) -> Any:
    if not (isinstance(sep, str) and isinstance(items, list) and all(isinstance(i, str | int | float) for i in items)):
        return Unknown("join() of a non-list")
    texts = [str(to_string(i)) for i in items]
    budget.check_string("join()", sum(map(len, texts)) + max(len(texts) - 1, 0) * len(sep))
    return sep.join(texts)


def _str_fn(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(value: Any, *rest: Any) -> Any:
        if not isinstance(value, str) or any(not isinstance(r, str) for r in rest):
            return Unknown("string function of a non-string")
        return fn(value, *rest)

    return call


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lower": _str_fn(str.lower),
    "upper": _str_fn(str.upper),
    "title": _str_fn(str.title),
    "trimspace": _str_fn(str.strip),
    "trimprefix": _str_fn(lambda s, p: s[len(p) :] if s.startswith(p) else s),
    "trimsuffix": _str_fn(lambda s, p: s[: -len(p)] if p and s.endswith(p) else s),
    "trim": _str_fn(lambda s, chars: s.strip(chars)),
    "startswith": _str_fn(lambda s, p: s.startswith(p)),
    "endswith": _str_fn(lambda s, p: s.endswith(p)),
    "split": lambda sep, s: s.split(sep) if isinstance(sep, str) and isinstance(s, str) else Unknown("split()"),
    "join": _fn_join,
    "format": _fn_format,
    "merge": _fn_merge,
    "lookup": _fn_lookup,
    "coalesce": _fn_coalesce,
    "length": _fn_length,
    "concat": _fn_concat,
    "flatten": _fn_flatten,
    "distinct": _fn_distinct,
    "compact": lambda items: (
        [i for i in items if i not in (None, "")] if isinstance(items, list) else Unknown("compact() of a non-list")
    ),
    "contains": lambda items, v: v in items if isinstance(items, list) else Unknown("contains() of a non-list"),
    "keys": lambda m: sorted(m) if isinstance(m, Mapping) else Unknown("keys() of a non-map"),
    "values": lambda m: [m[k] for k in sorted(m)] if isinstance(m, Mapping) else Unknown("values() of a non-map"),
    "zipmap": lambda k, v: (
        dict(zip(k, v, strict=False))
        if isinstance(k, list) and isinstance(v, list)
        else Unknown("zipmap() of non-lists")
    ),
    "element": _fn_element,
    "one": _fn_one,
    "replace": _fn_replace,
    "substr": _fn_substr,
    "tostring": lambda v: to_string(v) if v is not None else None,
    "tonumber": lambda v: to_number(v) if v is not None else None,
    "tobool": lambda v: to_bool(v) if v is not None else None,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": lambda m: dict(m) if isinstance(m, Mapping) else Unknown("tomap() of a non-map"),
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "min": lambda *v: min(v) if v and all(isinstance(x, int | float) for x in v) else Unknown("min()"),
    "max": lambda *v: max(v) if v and all(isinstance(x, int | float) for x in v) else Unknown("max()"),
    "abs": lambda v: abs(v) if isinstance(v, int | float) else Unknown("abs() of a non-number"),
    "ceil": lambda v: math.ceil(v) if isinstance(v, int | float) else Unknown("ceil() of a non-number"),
    "floor": lambda v: math.floor(v) if isinstance(v, int | float) else Unknown("floor() of a non-number"),
    "range": _fn_range,
}
