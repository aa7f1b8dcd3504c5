"""What one leaf operator is: its name, its argument's JSON Schema, its docs, and its test.

An operator is compiled once per leaf into a :class:`Check` whose ``check(value, doc, ctx)``
tests the value the leaf read and returns True, False or an :class:`Unknown`. The leaf has
already returned an :class:`Unknown` value itself, so a check sees a value, :data:`MISSING`
or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from scanner.engine.getters import Context, Getter, Truth
from scanner.unknown import Unknown

Pointer = tuple[str | int, ...]

# Argument schemas shared by several operators; ``schema.py`` defines them under ``$defs``.
ANY_VALUE: dict[str, Any] = {"$ref": "#/$defs/value"}
NUMBER: dict[str, Any] = {"$ref": "#/$defs/number"}
LIST: dict[str, Any] = {"oneOf": [{"type": "array"}, {"$ref": "#/$defs/param_ref"}]}
SWITCH: dict[str, Any] = {"type": "boolean"}


class OperandError(ValueError):
    """An argument the schema admits but the operator cannot use (a bad regex, a non-list)."""


class Check:
    """A compiled operator: ``check(value, doc, ctx)`` → True, False or Unknown."""

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        raise NotImplementedError


class Operand(msgspec.Struct, frozen=True):
    """An operator's argument as the compiler resolved it.

    ``getter`` reads the argument per subject (a literal, ``{param: p}`` or ``{field: f}``);
    ``known`` says whether it is fixed at compile time, and then ``value`` is that value.
    ``resolve`` does the same for a part of a structured argument.
    """

    raw: Any
    getter: Getter
    known: bool
    value: Any
    case_sensitive: bool
    resolve: Callable[[Any, Pointer], Getter]
    pointer: Pointer


class ArgumentCheck(Check):
    """A check of the value against an argument read per subject (a literal, a parameter or
    another field): an unknown argument makes the check unknown."""

    def __init__(self, argument: Getter) -> None:
        self.argument = argument

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        argument = self.argument.get(doc, ctx)
        if isinstance(argument, Unknown):
            return argument
        return self.holds(value, argument)

    def holds(self, value: Any, argument: Any) -> Truth:
        raise NotImplementedError


class OperatorSpec(msgspec.Struct, frozen=True):
    """One leaf operator, defined once.

    ``argument`` is the JSON Schema of its argument in a leaf; ``example`` a leaf using it
    (for the docs, and tested to compile); ``build`` compiles an argument into a check.
    ``counts``: usable after a ``count`` quantifier (then the argument is a number).
    ``vocabulary``: a value outside the field's documented set makes the leaf unknown
    (``exists`` and ``empty`` only ask whether there is a value at all).
    """

    name: str
    argument: Mapping[str, Any]
    doc: str
    example: Mapping[str, Any]
    build: Callable[[Operand], Check]
    counts: bool = False
    vocabulary: bool = True


def family(
    rows: Iterable[tuple[str, Any, str, Mapping[str, Any]]],
    argument: Mapping[str, Any],
    doc: str,
    build: Callable[[Any], Callable[[Operand], Check]],
    **options: bool,
) -> tuple[OperatorSpec, ...]:
    """The specs of operators that differ only in their test: one ``(name, test, words,
    example)`` row each, ``doc`` saying ``{words}`` where they differ."""
    return tuple(
        OperatorSpec(name, argument, doc.format(words=words), example, build(test), **options)
        for name, test, words, example in rows
    )
