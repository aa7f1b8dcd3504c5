"""Ordering: ``greater``, ``greater_or_equal``, ``less``, ``less_or_equal``, ``cidr_addresses_greater``.

A missing value (or limit) makes an ordering false; a value that is not a number (a boolean
is not one) cannot be ordered and makes it unknown rather than guessing.
"""

from __future__ import annotations

import ipaddress
import operator
from collections.abc import Callable
from typing import Any

from scanner.engine.getters import Context, Getter, Truth, is_absent
from scanner.engine.operators.base import NUMBER, ArgumentCheck, Check, Operand, OperatorSpec, family
from scanner.unknown import Unknown


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


class _Ordered(ArgumentCheck):
    """``value <test> limit`` for two numbers."""

    def __init__(self, limit: Getter, test: Callable[[Any, Any], bool]) -> None:
        super().__init__(limit)
        self.test = test

    def holds(self, value: Any, limit: Any) -> Truth:
        if _is_number(value) and _is_number(limit):
            return self.test(value, limit)
        if is_absent(value) or is_absent(limit):
            return False
        return Unknown(f"cannot compare {value!r} with {limit!r} as numbers")


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Operand], Check]:
    def build(operand: Operand) -> Check:
        return _Ordered(operand.getter, test)

    return build


class _CidrWider(Check):
    """``cidr_addresses_greater``: a range that admits more addresses than the limit."""

    def __init__(self, limit: Getter) -> None:
        self.wider = _Ordered(limit, operator.gt)

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        if is_absent(value):
            return False
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            return Unknown(f"{value!r} is not an IP address or CIDR range")
        return self.wider.check(network.num_addresses, doc, ctx)


def _cidr(operand: Operand) -> Check:
    return _CidrWider(operand.getter)


_ORDERINGS = (
    ("greater", operator.gt, "greater than", {"count": {"over": "properties.networkRuleSet.ipRules"}, "greater": 0}),
    ("greater_or_equal", operator.ge, "greater than or equal to", {"field": "registryCount", "greater_or_equal": 2}),
    ("less", operator.lt, "less than", {"field": "properties.policies.retentionPolicy.days", "less": 7}),
    ("less_or_equal", operator.le, "less than or equal to", {"count": {"over": "replications"}, "less_or_equal": 1}),
)

ORDERING = (
    *family(_ORDERINGS, NUMBER, "The value is a number {words} the argument.", _ordered, counts=True),
    OperatorSpec(
        "cidr_addresses_greater",
        NUMBER,
        "The value, an IP address or CIDR range, admits more addresses than the argument.",
        {"field": "value", "cidr_addresses_greater": 65536},
        _cidr,
    ),
)
