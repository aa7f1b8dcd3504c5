"""Logical, comparison and numeric functions: ``if``, ``and``, ``equals``, ``greater``, ``add`` ...

``if``, ``and``, ``or`` and ``coalesce`` are lazy (:data:`LAZY`): they evaluate only the
arguments they need, so ``if(cond, a, b)`` never fails on the branch not taken, and they are
three-valued over unresolved arguments. Integers stay in the signed 64-bit range: arguments
and results outside it are refused (:func:`~scanner.sources.iac.budget.check_integer`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, Function, LazyFunction, strict
from scanner.sources.iac.arm.expressions.parser import Node
from scanner.sources.iac.arm.expressions.values import Unresolved, equals, fail, require_str, whole_number


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


def _lazy_coalesce(nodes: tuple[Node, ...], env: Context, text: str) -> Any:
    for node in nodes:
        value = env.evaluate(node)
        if type(value) is Unresolved:
            return Unresolved(value.reason, f"<{text}>")
        if value is not None:
            return value
    return None


def _not(args: list[Any], env: Context, text: str) -> Any:
    if not isinstance(args[0], bool):
        raise TypeError(f"not() expects a bool, got {json_kind(args[0])}")
    return not args[0]


def _bool(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise ValueError(f"bool() cannot convert {value!r}")


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


def _extreme(pick: Callable[[list[Any]], Any]) -> Function:
    def call(args: list[Any], env: Context, text: str) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        return pick(list(values))

    return call


def _divide(a: int, b: int) -> int:
    """Integer division truncating toward zero, as .NET does."""
    return (abs(a) // abs(b)) * (1 if (a >= 0) == (b >= 0) else -1)


def _modulo(a: int, b: int) -> int:
    """The remainder with the sign of the dividend, as .NET does."""
    return (abs(a) % abs(b)) * (1 if a >= 0 else -1)


LAZY: dict[str, LazyFunction] = {
    "if": _lazy_if,
    "and": _lazy_logic(False),
    "or": _lazy_logic(True),
    "coalesce": _lazy_coalesce,
}

FUNCTIONS: dict[str, Function] = {
    "equals": strict(lambda a, e, t: equals(a[0], a[1]), (2, 2)),
    "not": strict(_not, (1, 1)),
    "bool": strict(_bool, (1, 1)),
    "true": strict(lambda a, e, t: True, (0, 0)),
    "false": strict(lambda a, e, t: False, (0, 0)),
    "null": strict(lambda a, e, t: None, (0, 0)),
    "greater": strict(_compare(lambda a, b: a > b), (2, 2)),
    "greaterorequals": strict(_compare(lambda a, b: a >= b), (2, 2)),
    "less": strict(_compare(lambda a, b: a < b), (2, 2)),
    "lessorequals": strict(_compare(lambda a, b: a <= b), (2, 2)),
    "int": strict(_int, (1, 1)),
    "add": strict(_arith(lambda a, b: a + b), (2, 2)),
    "sub": strict(_arith(lambda a, b: a - b), (2, 2)),
    "mul": strict(_arith(lambda a, b: a * b), (2, 2)),
    "div": strict(_arith(_divide), (2, 2)),
    "mod": strict(_arith(_modulo), (2, 2)),
    "min": strict(_extreme(min), (1, None)),
    "max": strict(_extreme(max), (1, None)),
}
