"""Logical, comparison and numeric functions: ``if``, ``and``, ``equals``, ``greater``, ``add`` ...

``if``, ``and``, ``or`` and ``coalesce`` are lazy (:data:`LAZY`): they evaluate only the
arguments they need, so ``if(cond, a, b)`` never fails on the branch not taken, and they are
three-valued over unresolved arguments. Integers stay in the signed 64-bit range: arguments
and results outside it are refused (:func:`~scanner.sources.iac.budget.check_integer`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, Family, Function, LazyFunction
from scanner.sources.iac.arm.expressions.parser import Node
from scanner.sources.iac.arm.expressions.values import Unresolved, equals, fail, require_str, whole_number

family = Family()
FUNCTIONS: dict[str, Function] = family.functions
LAZY: dict[str, LazyFunction] = family.lazy_functions


@family.lazy("if")
def _lazy_if(nodes: tuple[Node, ...], env: Context, text: str) -> Any:
    if len(nodes) != 3:
        return fail(text, f"expects 3 arguments, got {len(nodes)}")
    condition = env.evaluate(nodes[0])
    if type(condition) is Unresolved:
        return Unresolved(condition.reason, f"<{text}>")
    if not isinstance(condition, bool):
        return fail(text, f"the condition is {json_kind(condition)}, not a bool")
    return env.evaluate(nodes[1] if condition else nodes[2])


def _lazy_logic(stop: bool) -> LazyFunction:
    """``and`` (stops at false) / ``or`` (stops at true), three-valued over unresolved values."""

    def call(nodes: tuple[Node, ...], env: Context, text: str) -> Any:
        if len(nodes) < 2:
            return fail(text, "expects at least 2 arguments")
        pending: Unresolved | None = None
        for node in nodes:
            value = env.evaluate(node)
            if type(value) is Unresolved:
                pending = pending or value
                continue
            if not isinstance(value, bool):
                return fail(text, f"an argument is {json_kind(value)}, not a bool")
            if value is stop:
                return stop
        return Unresolved(pending.reason, f"<{text}>") if pending is not None else not stop

    return call


family.lazy("and")(_lazy_logic(False))
family.lazy("or")(_lazy_logic(True))


@family.lazy("coalesce")
def _lazy_coalesce(nodes: tuple[Node, ...], env: Context, text: str) -> Any:
    for node in nodes:
        value = env.evaluate(node)
        if type(value) is Unresolved:
            return Unresolved(value.reason, f"<{text}>")
        if value is not None:
            return value
    return None


@family.strict("equals", arity=(2, 2))
def _equals(args: list[Any], env: Context, text: str) -> Any:
    return equals(args[0], args[1])


@family.strict("not", arity=(1, 1))
def _not(args: list[Any], env: Context, text: str) -> Any:
    if not isinstance(args[0], bool):
        raise TypeError(f"not() expects a bool, got {json_kind(args[0])}")
    return not args[0]


@family.strict("bool", arity=(1, 1))
def _bool(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise ValueError(f"bool() cannot convert {value!r}")


def _constant(value: bool | None) -> Function:
    """``true()``, ``false()``, ``null()``: a function of no arguments with a fixed value."""

    def call(args: list[Any], env: Context, text: str) -> Any:
        return value

    return call


family.strict("true", arity=(0, 0))(_constant(True))
family.strict("false", arity=(0, 0))(_constant(False))
family.strict("null", arity=(0, 0))(_constant(None))


@family.strict("int", arity=(1, 1))
def _int(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, bool):
        raise TypeError("int() cannot convert a bool")
    if isinstance(value, int | float):
        return whole_number(int(value), "int()")
    return whole_number(require_str(value, "int").strip(), "int()")


def _compare(op: Callable[[Any, Any], bool]) -> Function:
    def call(args: list[Any], env: Context, text: str) -> Any:
        a, b = args
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool | str):
            return op(a, b)
        raise TypeError(f"cannot compare {json_kind(a)} with {json_kind(b)}")

    return call


family.strict("greater", arity=(2, 2))(_compare(operator.gt))
family.strict("greaterOrEquals", arity=(2, 2))(_compare(operator.ge))
family.strict("less", arity=(2, 2))(_compare(operator.lt))
family.strict("lessOrEquals", arity=(2, 2))(_compare(operator.le))


def _divide(a: int, b: int) -> int:
    """Integer division truncating toward zero, as .NET does."""
    return (abs(a) // abs(b)) * (1 if (a >= 0) == (b >= 0) else -1)


def _modulo(a: int, b: int) -> int:
    """The remainder with the sign of the dividend, as .NET does."""
    return (abs(a) % abs(b)) * (1 if a >= 0 else -1)


def _arith(op: Callable[[int, int], int]) -> Function:
    def call(args: list[Any], env: Context, text: str) -> Any:
        a, b = args
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int) or not isinstance(b, int):
            raise TypeError("expects two integers")
        budget.check_integer("an argument", a)
        budget.check_integer("an argument", b)
        result = op(a, b)  # of two 64-bit integers: at most 128 bits, checked before it is used again
        budget.check_integer(text, result)
        return result

    return call


family.strict("add", arity=(2, 2))(_arith(operator.add))
family.strict("sub", arity=(2, 2))(_arith(operator.sub))
family.strict("mul", arity=(2, 2))(_arith(operator.mul))
family.strict("div", arity=(2, 2))(_arith(_divide))
family.strict("mod", arity=(2, 2))(_arith(_modulo))


def _extreme(pick: Callable[[list[Any]], Any]) -> Function:
    def call(args: list[Any], env: Context, text: str) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        return pick(list(values))

    return call


family.strict("min", arity=(1, None))(_extreme(min))
family.strict("max", arity=(1, None))(_extreme(max))
