"""The budgets of :mod:`scanner.sources.iac.budget` applied to Terraform: reading, parsing, values.

Kept apart from the evaluator so the evaluator reads as Terraform's semantics and this module as
the bounds around them: files read only when regular and small enough, JSON (plans,
``.tf.json``, ``.tfvars.json``, ``jsondecode``) refused past
:data:`~scanner.sources.iac.budget.JSON_DEPTH`, and the size of what a ``format`` verb would
print known before it is printed. (Syntax trees past :data:`~scanner.sources.iac.budget.HCL_DEPTH`
are refused by :mod:`.parse`, before anything walks them recursively.) The limits themselves
are listed in docs/iac.md ("Budgets").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded


def read_source(path: Path, rel: str) -> str:
    """The text of a ``.tf``, ``.tf.json`` or ``.tfvars`` file (regular, within its size limit)."""
    return read_text(path, rel, budget.TERRAFORM_BYTES)


def read_text(path: Path, rel: str, limit: int, what: str | None = None) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes (``what`` names it in errors)."""
    raw = budget.read_bounded(path, limit, rel, what or "file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{rel}: cannot read{' ' + what if what else ''}: {exc}") from None


def decode_document(text: str, rel: str, what: str) -> Any:
    """``json.loads`` of a Terraform JSON document, its errors (and 64-bit integers) as input errors."""
    try:
        return json.loads(text, parse_int=budget.json_int)
    except json.JSONDecodeError as exc:
        raise InputError(f"{rel}:{exc.lineno}:{exc.colno}: malformed {what}: {exc.msg}") from None
    except RecursionError:
        raise budget.too_deep(rel) from None
    except ValueError as exc:  # an integer outside 64 bits
        raise InputError(f"{rel}: {exc}") from None


def load_json(text: str, rel: str, what: str) -> Any:
    """:func:`decode_document` of Terraform JSON syntax, refused past the depth limit."""
    data = decode_document(text, rel, what)
    if budget.depth_over(data, budget.JSON_DEPTH):
        raise budget.too_deep(rel)
    return data


def decode_json(value: str) -> Any:
    """``jsondecode``: the value, or None for text that is not JSON; too deep is a budget overrun."""
    try:
        data = json.loads(value, parse_int=budget.json_int)
    except RecursionError:
        data, deep = None, True
    except budget.IntegerOutOfRange as exc:
        raise BudgetExceeded(f"jsondecode(): {exc}") from None
    except ValueError:
        return None
    else:
        deep = budget.depth_over(data, budget.JSON_DEPTH)
    if deep:
        raise BudgetExceeded(f"jsondecode() reads arrays and objects nested more than {budget.JSON_DEPTH} levels deep")
    return data


_WIDTH = re.compile(r"(\d*)(?:\.(\d*))?")


def check_format_verb(spec: str) -> None:
    """Refuse a ``format`` verb whose width or precision alone is past the string limit."""
    flags = spec.lstrip("-+ #0")
    match = _WIDTH.match(flags)
    for number in (match.group(1), match.group(2)) if match else ():
        if number and (len(number) > 7 or int(number) > budget.STRING_CHARS):
            raise BudgetExceeded(
                f"format() would build a string of at least {number} characters, "
                f"over the limit of {budget.STRING_CHARS}"
            )


def check_number(value: Any, what: str) -> Any:
    """An integer result within the 64-bit range (floats are IEEE doubles: already bounded)."""
    if isinstance(value, int) and not isinstance(value, bool):
        budget.check_integer(what, value)
    return value


def preview(value: Any) -> str:
    """A short rendering of a value for a message (never serializes a large one)."""
    if budget.size_of(value, 200) > 200:
        return type(value).__name__
    return json.dumps(value, default=str)[:60]
