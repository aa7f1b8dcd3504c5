"""Evaluating parsed expressions and template values, within the scan's budgets.

Every call is charged the size of its arguments to the scan's :class:`~scanner.sources.iac.budget.Meter`
before it runs, and no string or array past its limit leaves a call. An argument ARM would
refuse (a wrong type, a division by zero) makes the value unresolved, not the scan fail; a
budget overrun propagates, and the reader reports it as an input error with its expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context
from scanner.sources.iac.arm.expressions.parser import Node, parse
from scanner.sources.iac.arm.expressions.registry import FUNCTIONS, LAZY, RUNTIME
from scanner.sources.iac.arm.expressions.values import Declared, Unresolved, fail
from scanner.sources.iac.budget import BudgetExceeded, Meter


def evaluate(node: Node, env: Context) -> Any:
    """The value of a parsed expression (possibly :class:`Unresolved`)."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "call":
        name = node[1]
        lazy = LAZY.get(name)
        if lazy is not None:
            return lazy(node[2], env, node[3])
        function = FUNCTIONS.get(name)
        if function is None:
            if "." not in name:
                return _unsupported(name, node[3])
            function = _user_function
        args = [evaluate(arg, env) for arg in node[2]]
        try:
            _charge(args, env.meter, node[3][: len(name)])  # (the name as written)
            result = function(args, env, node[3])
        except _BAD_INPUT as exc:  # ARM would reject the deployment; here the value is unknown
            return fail(node[3], f"{type(exc).__name__}: {exc}")
        except BudgetExceeded as exc:
            if exc.expression is None:
                exc.expression = node[3]
            raise
        kind = type(result)
        if (kind is str or kind is list or kind is dict) and len(result) > budget.LIST_ITEMS:
            _check_size(result, node[3][: len(name)], node[3])
        return result
    base = evaluate(node[1], env)
    text = node[3]
    if type(base) is Unresolved:
        if base.runtime is None:
            return Unresolved(base.reason, f"<{text}>")
        return base.member(node[2] if kind == "prop" else evaluate(node[2], env), text)
    if kind == "prop":
        return _member(base, node[2], text, env)
    index = evaluate(node[2], env)
    if type(index) is Unresolved:
        return Unresolved(index.reason, f"<{text}>")
    if isinstance(base, list) and type(index) is int:
        if 0 <= index < len(base):
            return base[index]
        return Unresolved(f"index {index} is outside the array ({len(base)} items) in {text}", f"<{text}>")
    if isinstance(base, Mapping) and isinstance(index, str):
        return _member(base, index, text, env)
    return Unresolved(f"cannot index {json_kind(base)} with {index!r} in {text}", f"<{text}>")


# A deeper recursion is not "the value is unknown": it propagates, and the reader reports the
# nesting as an input error.
_BAD_INPUT = (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError)


def _charge(args: list[Any], meter: Meter, name: str) -> None:
    """A call costs the size of its arguments (a function's work is at most proportional to it)."""
    size = 0
    for arg in args:
        kind = type(arg)
        if kind is str:
            size += len(arg)
        elif kind is list or kind is dict:
            meter.charge_value(arg, f"{name}()")
        else:
            size += budget.ITEM_SIZE
    meter.spend(size, f"{name}()")


def _check_size(result: Any, name: str, text: str) -> None:
    """The safety net behind the per-function checks: no string or array past its limit leaves a call."""
    if type(result) is str:
        budget.check_string(f"{name}()", len(result), text)
    else:
        budget.check_items(f"{name}()", len(result), text)


def _member(base: Any, name: str, text: str, env: Context) -> Any:
    if isinstance(base, Mapping):
        if name in base:
            return base[name]
        env.meter.spend(len(base) * budget.ITEM_SIZE, text)  # a case-insensitive look-up reads every key
        lowered = name.lower()
        for key, value in base.items():
            if key.lower() == lowered:
                return value
        if type(base) is Declared:
            return base.missing(name, text)
        return Unresolved(f"the object has no property '{name}' ({text})", f"<{text}>")
    return Unresolved(f"cannot read property '{name}' of {json_kind(base)} ({text})", f"<{text}>")


def _unsupported(name: str, text: str) -> Unresolved:
    if name.startswith("list") or name in RUNTIME:
        return Unresolved(f"{text} is only known after deployment", f"<{text}>")
    return Unresolved(f"function {name}() is not supported by this scanner", f"<{text}>")


def _user_function(args: list[Any], env: Context, text: str) -> Any:
    """A call of ``namespace.name``: the template's user-defined function (its arguments may be unresolved)."""
    return env.user_function("".join(text[: text.index("(")].split()).lower(), args, text)


def evaluate_string(value: str, env: Context) -> Any:
    """A template string: the expression's value, the ``[[`` escape, or the string itself."""
    if value[:1] != "[":
        return value
    if value[1:2] == "[":
        return value[1:]
    if value[-1:] != "]":
        return value
    return evaluate(parse(value[1:-1]), env)


def copy_count(value: Any, env: Context, what: str) -> int | Unresolved:
    """The ``count`` of a copy loop (an int, or an expression that yields one)."""
    count = evaluate_string(value, env) if isinstance(value, str) else value
    if isinstance(count, Unresolved):
        return count
    if isinstance(count, bool) or not isinstance(count, int):
        shown = repr(count) if budget.size_of(count, 200) <= 200 else json_kind(count)
        return Unresolved(f"the count of copy loop {what} is {shown}, not an integer", f"<{what}>")
    if count > budget.COPY_COUNT:
        raise BudgetExceeded(
            f"copy loop '{what}' has a count of {budget.shown_number(count)}, over Azure's limit of {budget.COPY_COUNT}"
        )
    if count < 0:
        raise BudgetExceeded(f"copy loop '{what}' has a negative count ({count}); Azure refuses it")
    return count


def property_loops(node: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The property copy loops of an object (its ``copy`` key, when that is a list of loops)."""
    loops = node.get("copy")
    if isinstance(loops, list) and loops and all(isinstance(x, Mapping) and "input" in x for x in loops):
        return loops
    return None


def evaluate_value(value: Any, env: Context) -> Any:
    """Evaluate every expression inside a template value (objects, arrays, property copy loops)."""
    kind = type(value)
    if kind is str:
        return evaluate_string(value, env) if value[:1] == "[" else value
    if kind is dict or isinstance(value, Mapping):
        env.meter.spend(len(value) * budget.ITEM_SIZE, "a template value")
        loops = property_loops(value)
        out: dict[str, Any] = {}
        for key, item in value.items():
            if loops is not None and key == "copy":
                continue
            out[key] = evaluate_value(item, env)
        for loop in loops or ():
            name = str(loop.get("name"))
            count = copy_count(loop.get("count"), env, name)
            if isinstance(count, Unresolved):
                out[name] = count
            else:
                out[name] = [evaluate_value(loop["input"], env.with_copy(name, i)) for i in range(count)]
        return out
    if kind is list:
        env.meter.spend(len(value) * budget.ITEM_SIZE, "a template value")
        return [evaluate_value(item, env) for item in value]
    return value
