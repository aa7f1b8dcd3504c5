"""Terraform values: conversions between types, unknowns inside values, string literals.

A value the scanner cannot know (a computed attribute, a variable without a value) is an
:class:`~scanner.unknown.Unknown` carrying the reason; conversions pass it through, so a rule on
that property reports ``unknown`` with the reason (docs/iac-terraform.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform import limits
from scanner.unknown import Unknown

NO_VALUE = object()  # a name that is not bound (``count.index`` outside ``count``)
INT_RANGE = 2.0**63  # a whole float at least this large stays a float (an int would not fit 64 bits)


def first_unknown(*values: Any) -> Unknown | None:
    """The first unknown inside any of ``values``, in order."""
    for value in values:
        found = find_unknown(value)
        if found is not None:
            return found
    return None


def find_unknown(value: Any, kind: type[Unknown] = Unknown) -> Unknown | None:
    """The first unknown (of ``kind``) in ``value`` (document order; iterative, so any depth is fine)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            return node
        if isinstance(node, Mapping):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def to_string(value: Any) -> str | Unknown:
    """Terraform's conversion to string (numbers and bools as written; null is not a string)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if value is None:
        return Unknown("null value in a string template")
    return Unknown(f"{limits.preview(value)} is not a string")


def to_number(value: Any) -> int | float | Unknown:
    """Terraform's conversion to number (a whole number is an ``int`` while it fits 64 bits)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(f"{value} is not a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return Unknown(f"{value!r} is not a number")
        return int(number) if number.is_integer() and abs(number) < INT_RANGE else number
    return Unknown(f"{value!r} is not a number")


def to_bool(value: Any) -> bool | Unknown:
    """Terraform's conversion to bool (``"true"`` and ``"false"`` convert)."""
    if isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return Unknown(f"{value!r} is not a bool")


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """The text of a quoted HCL string literal with its escapes (``\\n``, ``\\u00e9`` …) applied."""

    def repl(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE.get(code, "\\" + code)

    return _ESCAPES.sub(repl, text)


_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)^[ \t]*\2[ \t]*\r?\n?\Z", re.S | re.M)


def heredoc(token: str) -> str | Unknown:
    """The text of a heredoc (``<<EOT`` / ``<<-EOT``); with interpolation it is not evaluated."""
    match = _HEREDOC.match(token)
    if match is None:
        return Unknown("heredoc could not be read")
    trim, _, body = match.groups()
    if "${" in body.replace("$${", "") or "%{" in body.replace("%%{", ""):
        return Unknown("heredoc with interpolation or directives is not evaluated")
    lines = body.split("\n")
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    return "\n".join(lines).replace("$${", "${").replace("%%{", "%{")
