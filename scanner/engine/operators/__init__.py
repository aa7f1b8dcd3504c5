"""The leaf operators of the rule language, one table.

Each operator is one :class:`OperatorSpec` (name, argument schema, docs line, example, and
the function that compiles it), defined in the module of its family and listed here once.
The compiler looks operators up in :data:`OPERATORS`; the operator part of the rule schema
(:mod:`scanner.engine.rule_schema`) and the table in ``docs/rule-language.md`` are generated
from it.
"""

from __future__ import annotations

from scanner.engine.operators.base import Check, Operand, OperandError, OperatorSpec
from scanner.engine.operators.dates import DATES
from scanner.engine.operators.equality import EQUALITY, equality_key
from scanner.engine.operators.ordering import ORDERING
from scanner.engine.operators.presence import PRESENCE

OPERATORS: dict[str, OperatorSpec] = {spec.name: spec for spec in (*EQUALITY, *ORDERING, *PRESENCE, *DATES)}

#: The operators a ``count`` quantifier can end with (its argument is then a number).
COUNTING: tuple[str, ...] = tuple(name for name, spec in OPERATORS.items() if spec.counts)

__all__ = ["COUNTING", "OPERATORS", "Check", "Operand", "OperandError", "OperatorSpec", "equality_key"]
