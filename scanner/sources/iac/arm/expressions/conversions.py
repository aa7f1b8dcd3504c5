"""Conversions and dates: ``float``, ``dataUri``, ``dataUriToString``, ``base64ToJson``, ``dateTime*``.

Dates are computed when the template gives them (``dateTimeAdd('2020-04-07T14:53:14Z', 'P3Y')``);
one built on ``utcNow()`` stays unresolved like ``utcNow()`` itself. A date-time ``format``
argument (a .NET format string) is not applied: that value is unknown here.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from scanner.sources.iac.arm.expressions.arrays import FUNCTIONS as _ARRAYS
from scanner.sources.iac.arm.expressions.context import Context, Family, Function
from scanner.sources.iac.arm.expressions.values import fail, require_str, to_text, whole_number

family = Family()
FUNCTIONS: dict[str, Function] = family.functions

_DURATION = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


@family.strict("float", arity=(1, 1))
def _float(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, bool):
        raise TypeError("float() cannot convert a bool")
    return float(value if isinstance(value, int | float) else require_str(value, "float").strip())


@family.strict("dataUri", arity=(1, 1))
def _data_uri(args: list[Any], env: Context, text: str) -> Any:
    encoded = base64.b64encode(to_text(args[0]).encode()).decode()
    return f"data:text/plain;charset=utf8;base64,{encoded}"


@family.strict("dataUriToString", arity=(1, 1))
def _data_uri_to_string(args: list[Any], env: Context, text: str) -> Any:
    header, _, data = require_str(args[0], "dataUriToString").partition(",")
    if not header.startswith("data:"):
        raise ValueError("not a data URI")
    return base64.b64decode(data).decode() if header.endswith(";base64") else unquote(data)


@family.strict("base64ToJson", arity=(1, 1))
def _base64_to_json(args: list[Any], env: Context, text: str) -> Any:
    decoded = base64.b64decode(require_str(args[0], "base64ToJson")).decode()
    return _ARRAYS["json"]([decoded], env, text)


def _parse_time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(require_str(value, "a date function").strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _show_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(total, 12)
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


@family.strict("dateTimeAdd", arity=(2, 3))
def _date_time_add(args: list[Any], env: Context, text: str) -> Any:
    if len(args) == 3:
        return fail(text, "a .NET date-time format is not applied by this scanner")
    moment = _parse_time(args[0])
    match = _DURATION.fullmatch(require_str(args[1], "dateTimeAdd").strip())
    if match is None or match.group() in ("P", "-P"):
        raise ValueError(f"{args[1]!r} is not an ISO 8601 duration")
    sign = -1 if match.group(1) else 1
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[1:7])
    seconds = float(match.group(8) or 0)
    for amount in (years, months, weeks, days, hours, minutes):
        whole_number(amount, "dateTimeAdd()")
    moment = _add_months(moment, sign * (years * 12 + months))
    moment += sign * timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return _show_time(moment)


@family.strict("dateTimeFromEpoch", arity=(1, 1))
def _from_epoch(args: list[Any], env: Context, text: str) -> Any:
    return _show_time(datetime.fromtimestamp(whole_number(args[0], "dateTimeFromEpoch()"), UTC))


@family.strict("dateTimeToEpoch", arity=(1, 1))
def _to_epoch(args: list[Any], env: Context, text: str) -> Any:
    return int(_parse_time(args[0]).timestamp())
