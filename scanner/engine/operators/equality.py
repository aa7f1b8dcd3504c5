"""Equality and membership: ``equals``, ``not_equals``, ``in``, ``not_in``, ``contains``, ``not_contains``.

Every one of them compares through :func:`equality_key`, so they cannot disagree: JSON
equality, where a boolean is never a number (``true`` is not ``1``), a missing value equals
``null``, ``1`` equals ``1.0``, and strings compare case-insensitively unless the leaf says
``case_sensitive: true`` (Azure enums and ids are case-insensitive).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from scanner.engine.getters import MISSING, Context, Getter, Truth
from scanner.engine.operators.base import ANY_VALUE, LIST, ArgumentCheck, Check, Operand, OperandError, OperatorSpec
from scanner.unknown import Unknown


class _Boolean:
    """The key of a JSON boolean: unlike ``True`` itself, it equals no number."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


_TRUE, _FALSE = _Boolean(True), _Boolean(False)


def equality_key(value: Any, case_sensitive: bool) -> Hashable:
    """The form of ``value`` that equality compares: two values are equal when their keys are."""
    kind = type(value)
    if kind is str:
        return value if case_sensitive else value.casefold()  # type: ignore[no-any-return]
    if kind is bool:
        return _TRUE if value else _FALSE
    if value is MISSING:
        return None
    if kind is list:
        return tuple(equality_key(item, case_sensitive) for item in value)
    if kind is dict:
        return frozenset((key, equality_key(item, case_sensitive)) for key, item in value.items())
    return value  # type: ignore[no-any-return]


class _Equals(Check):
    """``equals`` (``want`` True) or ``not_equals`` (``want`` False)."""

    def __init__(self, other: Getter, known: bool, value: Any, case_sensitive: bool, want: bool) -> None:
        self.other = other
        self.key = equality_key(value, case_sensitive) if known else None
        self.known = known
        self.case_sensitive = case_sensitive
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        if self.known:
            key = self.key
        else:
            other = self.other.get(doc, ctx)
            if isinstance(other, Unknown):
                return other
            key = equality_key(other, self.case_sensitive)
        return (equality_key(value, self.case_sensitive) == key) is self.want


def _equals(want: bool) -> Any:
    def build(operand: Operand) -> Check:
        return _Equals(operand.getter, operand.known, operand.value, operand.case_sensitive, want)

    return build


class _Membership(Check):
    """``in`` (``want`` True) or ``not_in`` (``want`` False) a list fixed at compile time."""

    def __init__(self, options: list[Any], case_sensitive: bool, want: bool) -> None:
        self.keys = frozenset(equality_key(option, case_sensitive) for option in options)
        self.case_sensitive = case_sensitive
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (equality_key(value, self.case_sensitive) in self.keys) is self.want


def _membership(want: bool) -> Any:
    def build(operand: Operand) -> Check:
        if not operand.known or not isinstance(operand.value, list):
            raise OperandError(f"{'in' if want else 'not_in'} needs a list, got {operand.value!r}")
        return _Membership(operand.value, operand.case_sensitive, want)

    return build


class _Contains(ArgumentCheck):
    """``contains`` (``want`` True) or ``not_contains``: a substring of a string, or an item of a list."""

    def __init__(self, needle: Getter, case_sensitive: bool, want: bool) -> None:
        super().__init__(needle)
        self.case_sensitive = case_sensitive
        self.want = want

    def holds(self, value: Any, needle: Any) -> Truth:
        case_sensitive = self.case_sensitive
        if isinstance(value, list):
            for item in value:
                if isinstance(item, Unknown):
                    return item
            wanted = equality_key(needle, case_sensitive)
            found = any(equality_key(item, case_sensitive) == wanted for item in value)
        elif isinstance(value, str) and isinstance(needle, str):
            found = equality_key(needle, case_sensitive) in equality_key(value, case_sensitive)  # type: ignore[operator]
        else:
            found = False
        return found is self.want


def _contains(want: bool) -> Any:
    def build(operand: Operand) -> Check:
        return _Contains(operand.getter, operand.case_sensitive, want)

    return build


EQUALITY = (
    OperatorSpec(
        "equals",
        ANY_VALUE,
        "The value equals the argument (JSON equality: `true` is not `1`; a missing value equals `null`).",
        {"field": "properties.adminUserEnabled", "equals": True},
        _equals(True),
        counts=True,
    ),
    OperatorSpec(
        "not_equals",
        ANY_VALUE,
        "The value does not equal the argument (a missing value is not equal to anything but `null`).",
        {"field": "sku.name", "not_equals": "Premium"},
        _equals(False),
        counts=True,
    ),
    OperatorSpec(
        "in",
        LIST,
        "The value equals one of the list's items.",
        {"field": "role.name", "in": ["Owner", "Contributor"]},
        _membership(True),
    ),
    OperatorSpec(
        "not_in",
        LIST,
        "The value equals none of the list's items.",
        {"field": "properties.publicNetworkAccess", "not_in": ["Disabled"]},
        _membership(False),
    ),
    OperatorSpec(
        "contains",
        ANY_VALUE,
        "A list value has an item equal to the argument, or a string value has it as a substring.",
        {"field": "scopeMap.actions", "contains": "repositories/*/content/delete"},
        _contains(True),
    ),
    OperatorSpec(
        "not_contains",
        ANY_VALUE,
        "The opposite of `contains` (also true when there is no value).",
        {"field": "scopeMap.actions", "not_contains": "repositories/*/content/read"},
        _contains(False),
    ),
)
