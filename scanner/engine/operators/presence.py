"""Presence and shape: ``exists``, ``empty``, ``matches``, ``private_ip``."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from scanner.engine.getters import Context, Truth, is_absent
from scanner.engine.operators.base import SWITCH, Check, Operand, OperandError, OperatorSpec, family
from scanner.engine.regex import Pattern, PatternError, compile_pattern
from scanner.unknown import Unknown


def _has_value(value: Any) -> bool:
    return not is_absent(value)


def _is_empty(value: Any) -> bool:
    return is_absent(value) or value in ("", [], {})


class _Switch(Check):
    """A yes-or-no property of the value; the argument (``true``/``false``) says which answer is wanted."""

    def __init__(self, holds: Callable[[Any], bool], want: bool) -> None:
        self.holds = holds
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return self.holds(value) is self.want


def _switch(holds: Callable[[Any], bool]) -> Callable[[Operand], Check]:
    return lambda operand: _Switch(holds, bool(operand.raw))


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


_SWITCHES = (
    ("exists", _has_value, "there is a value (not missing, not `null`)", {"field": "password.expiry", "exists": False}),
    (
        "empty",
        _is_empty,
        'the value is missing, `null`, `""`, `[]` or `{}`',
        {"field": "scopeMap.actions", "empty": True},
    ),
)

PRESENCE = (
    # (a value outside a field's documented set still is a value: these need no vocabulary check)
    *family(_SWITCHES, SWITCH, "`true`: {words}; `false`: the opposite.", _switch, vocabulary=False),
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
