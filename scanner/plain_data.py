"""Turn parsed configuration into JSON data, within the input limits.

YAML (``scanner/safeyaml.py``) and TOML (``[tool.acr-scan]`` in ``pyproject.toml``) can both
say things JSON cannot: dates and times, integers of any size, ``inf`` and ``nan``. Dates
and times become ISO strings, which is what the schemas, the rules and Azure's own payloads
use; the rest is refused, saying where.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from scanner.input_limits import INT_MAX, INT_MIN, MAX_DEPTH


class DataProblem(ValueError):
    """A value that is not JSON data, or nests too deep; ``where`` is its dotted path."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where or '(top level)'}: {problem}")
        self.where = where
        self.problem = problem


def iso_text(value: date | time) -> str:
    """``2027-03-31``, ``2027-03-31T08:00:00Z``, ``08:00:00``: a date or time as an ISO string."""
    text = value.isoformat()
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        return text.replace("+00:00", "Z")
    return text


def _join(where: str, key: str | int) -> str:
    return f"{where}.{key}" if where else str(key)


def json_data(value: Any, where: str = "", depth: int = 0) -> Any:
    """``value`` as JSON data: dates and times as ISO strings; anything else JSON lacks refused."""
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise DataProblem(where, f"nested deeper than {MAX_DEPTH} levels (the input limit)")
        if isinstance(value, list):
            return [json_data(v, _join(where, i), depth + 1) for i, v in enumerate(value)]
        return {str(k): json_data(v, _join(where, str(k)), depth + 1) for k, v in value.items()}
    if isinstance(value, date | time):
        return iso_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise DataProblem(where, "integer beyond 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataProblem(where, f"{value} is not a JSON number")
        return value
    raise DataProblem(where, f"a {type(value).__name__} is not JSON data")


def json_kind(value: Any) -> str:
    """What a JSON value is (``an array``, ``a string`` ...), for a message that must not echo the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
