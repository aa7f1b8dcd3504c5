"""Presence and shape: ``exists``, ``empty``, ``matches``, ``private_ip``."""

from __future__ import annotations

import ipaddress
from typing import Any

from scanner.engine.getters import Context, Truth, is_absent
from scanner.engine.operators.base import SWITCH, Check, Operand, OperandError, OperatorSpec
from scanner.engine.regex import Pattern, PatternError, compile_pattern
from scanner.unknown import Unknown


class _Exists(Check):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (not is_absent(value)) is self.want


class _Empty(Check):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (is_absent(value) or value in ("", [], {})) is self.want


class _Matches(Check):
    """An RE2 search (linear time, see :mod:`scanner.engine.regex`)."""

    def __init__(self, pattern: Pattern) -> None:
        self.pattern = pattern

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return isinstance(value, str) and self.pattern.search(value) is not None


def _matches(operand: Operand) -> Check:
    try:
        return _Matches(compile_pattern(str(operand.raw), operand.case_sensitive))
    except PatternError as exc:
        shown = repr(operand.raw) if len(repr(operand.raw)) <= 120 else repr(operand.raw)[:117] + "..."
        raise OperandError(f"invalid regular expression {shown} (rules use RE2 syntax): {exc}") from None


class _PrivateIp(Check):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        if is_absent(value):
            return False
        try:
            return ipaddress.ip_address(str(value)).is_private is self.want
        except ValueError:
            return Unknown(f"{value!r} is not an IP address")


PRESENCE = (
    OperatorSpec(
        "exists",
        SWITCH,
        "`true`: there is a value (not missing, not `null`); `false`: there is none.",
        {"field": "password.expiry", "exists": False},
        lambda operand: _Exists(bool(operand.raw)),
        vocabulary=False,
    ),
    OperatorSpec(
        "empty",
        SWITCH,
        '`true`: the value is missing, `null`, `""`, `[]` or `{}`; `false`: it is anything else.',
        {"field": "properties.networkRuleSet.ipRules", "empty": True},
        lambda operand: _Empty(bool(operand.raw)),
        vocabulary=False,
    ),
    OperatorSpec(
        "matches",
        {
            "type": "string",
            "description": "RE2 regular expression (linear time; no backreferences or lookaround), searched "
            "(not anchored); case-insensitive unless case_sensitive is true.",
        },
        "The value is a string in which the RE2 regular expression finds a match (not anchored).",
        {"field": "name", "matches": "^prod-"},
        _matches,
    ),
    OperatorSpec(
        "private_ip",
        SWITCH,
        "`true`: the value is a private IP address; `false`: a public one (not an address: unknown).",
        {"field": "value", "private_ip": False},
        lambda operand: _PrivateIp(bool(operand.raw)),
    ),
)
