"""Timestamps: ``before_now``, ``within_days``, ``older_than_days``, ``duration_days_greater``.

A missing timestamp makes these false; text that is not an ISO 8601 timestamp makes them
unknown. "Now" is the scan time (``--now``), the same for every subject.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from scanner.engine.getters import Context, Getter, Truth, is_absent
from scanner.engine.operators.base import NUMBER, Check, Operand, OperandError, OperatorSpec
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown


@lru_cache(maxsize=16384)
def _timestamp(text: str) -> datetime:
    """Parsed once per text: several rules (and severity cases) read the same expiry date."""
    return parse_datetime(text)


def _as_date(value: Any) -> datetime | Unknown | None:
    if is_absent(value):
        return None
    try:
        return _timestamp(str(value))
    except ValueError:
        return Unknown(f"{value!r} is not an ISO 8601 timestamp")


class _Dated(Check):
    """A test of the value as a timestamp: false without one, unknown when it is not one."""

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        when = _as_date(value)
        if when is None or isinstance(when, Unknown):
            return False if when is None else when
        return self.holds(when, doc, ctx)

    def holds(self, when: datetime, doc: Any, ctx: Context) -> bool:
        raise NotImplementedError


class _BeforeNow(_Dated):
    def __init__(self, want: bool) -> None:
        self.want = want

    def holds(self, when: datetime, doc: Any, ctx: Context) -> bool:
        return (when < ctx.now) is self.want


class _Window(_Dated):
    """``within_days`` (from now until N days ahead) or ``older_than_days`` (before N days ago)."""

    def __init__(self, days: Getter, within: bool) -> None:
        self.days = days
        self.within = within

    def holds(self, when: datetime, doc: Any, ctx: Context) -> bool:
        days = timedelta(days=float(self.days.get(doc, ctx)))
        if self.within:
            return ctx.now <= when < ctx.now + days
        return when < ctx.now - days


class _DurationLonger(Check):
    """From the ``since`` field to this one, more than N days."""

    def __init__(self, since: Getter, days: Getter) -> None:
        self.since = since
        self.days = days

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        end = _as_date(value)
        start = self.since.get(doc, ctx)
        if isinstance(start, Unknown):
            return start
        begin = _as_date(start)
        if end is None or begin is None:
            return False
        if isinstance(end, Unknown):
            return end
        if isinstance(begin, Unknown):
            return begin
        return (end - begin) > timedelta(days=float(self.days.get(doc, ctx)))


def _duration(operand: Operand) -> Check:
    raw = operand.raw
    if not isinstance(raw, dict) or "since" not in raw or "days" not in raw:
        raise OperandError("duration_days_greater needs {since: PATH, days: N}")
    since = operand.resolve({"field": str(raw["since"])}, (*operand.pointer, "since"))
    return _DurationLonger(since, operand.resolve(raw["days"], (*operand.pointer, "days")))


DATES = (
    OperatorSpec(
        "before_now",
        {"type": "boolean", "description": "The timestamp is earlier than the scan time."},
        "`true`: the value is a timestamp earlier than the scan time; `false`: not earlier.",
        {"field": "password.expiry", "before_now": True},
        lambda operand: _BeforeNow(bool(operand.raw)),
    ),
    OperatorSpec(
        "within_days",
        NUMBER,
        "The value is a timestamp from the scan time up to N days later (expires soon).",
        {"field": "password.expiry", "within_days": {"param": "warn_days"}},
        lambda operand: _Window(operand.getter, within=True),
    ),
    OperatorSpec(
        "older_than_days",
        NUMBER,
        "The value is a timestamp more than N days before the scan time.",
        {"field": "credential.startDateTime", "older_than_days": 365},
        lambda operand: _Window(operand.getter, within=False),
    ),
    OperatorSpec(
        "duration_days_greater",
        {
            "type": "object",
            "required": ["since", "days"],
            "additionalProperties": False,
            "properties": {"since": {"type": "string"}, "days": NUMBER},
        },
        "From the timestamp at the `since` path to the value's timestamp is more than `days` days.",
        {
            "field": "credential.endDateTime",
            "duration_days_greater": {"since": "credential.startDateTime", "days": 365},
        },
        _duration,
    ),
)
