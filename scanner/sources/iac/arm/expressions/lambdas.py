"""Lambda functions: ``filter``, ``map``, ``reduce``, ``sort``, ``toObject``, ``groupBy``, ``mapValues``.

``lambda('x', 'i', body)`` is not a value: it is the last argument of these functions, which
evaluate its body once per item with ``lambdaVariables('x')`` bound (:meth:`~.context.Context.with_lambda`),
so they are lazy (:data:`LAZY`). Their work is bounded by the array's size (itself within
:data:`~scanner.sources.iac.budget.LIST_ITEMS`), each body evaluation charged like any call;
``sort`` charges its comparisons before it starts, and every evaluation of a lambda's body
counts against :data:`~scanner.sources.iac.budget.LAMBDA_CALLS`. An unresolved array, key or comparison
makes the result unresolved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, Family, Function, LazyFunction
from scanner.sources.iac.arm.expressions.parser import Node
from scanner.sources.iac.arm.expressions.values import Unresolved, fail, to_text
from scanner.sources.iac.budget import BudgetExceeded

family = Family()
FUNCTIONS: dict[str, Function] = family.functions
LAZY: dict[str, LazyFunction] = family.lazy_functions


class _Stop(Exception):
    """An unresolved value met while iterating: the whole result is unresolved."""

    def __init__(self, value: Unresolved) -> None:
        super().__init__(value.reason)
        self.value = value


class _Lambda:
    """A ``lambda(...)`` argument: its variable names and body, callable with values for them."""

    __slots__ = ("body", "env", "names")

    def __init__(self, names: tuple[str, ...], body: Node, env: Context) -> None:
        self.names = names
        self.body = body
        self.env = env

    def __call__(self, *values: Any) -> Any:
        self.env.meter.lambda_call("a lambda")
        bindings = tuple(zip(self.names, values, strict=False))
        return self.env.with_lambda(bindings).evaluate(self.body)

    def resolved(self, *values: Any) -> Any:
        result = self(*values)
        if type(result) is Unresolved:
            raise _Stop(result)
        return result


def _lambda(node: Node, env: Context, low: int, high: int) -> _Lambda | str:
    """The lambda ``node`` (a ``lambda(...)`` call) taking ``low`` to ``high`` variables, or why it is not one."""
    if len(node[2]) < 2:
        return "a lambda(...) needs variable names and a body"
    *names, body = node[2]
    if not all(n[0] == "lit" and isinstance(n[1], str) for n in names):
        return "lambda variable names must be string literals"
    if not low <= len(names) <= high:
        return f"the lambda takes {len(names)} variable(s), expected {low} to {high}"
    return _Lambda(tuple(n[1].lower() for n in names), body, env)


#: What a lambda function does once its arguments are checked: ``(the array or object, its
#: lambdas, its plain arguments, the context) -> value``.
_Run = Callable[[Any, list[_Lambda], list[Any], Context], Any]


def _lazy(kind: type, count: tuple[int, int], variables: tuple[int, int]) -> Callable[[_Run], LazyFunction]:
    """A lambda function made of ``run``: its first argument of ``kind``, then plain arguments, then
    ``count`` lambdas of ``variables`` variables each."""

    def make(run: _Run) -> LazyFunction:
        def call(nodes: tuple[Node, ...], env: Context, text: str) -> Any:
            if not nodes:
                return fail(text, "expects arguments")
            source = env.evaluate(nodes[0])
            if type(source) is Unresolved:
                return Unresolved(source.reason, f"<{text}>")
            if not isinstance(source, list | Mapping) or not isinstance(source, kind):
                return fail(text, f"expects {'an array' if kind is list else 'an object'}, got {json_kind(source)}")
            plain: list[Any] = []
            lambdas: list[_Lambda] = []
            for node in nodes[1:]:
                if node[0] == "call" and node[1] == "lambda":
                    made = _lambda(node, env, *variables)
                    if isinstance(made, str):
                        return fail(text, made)
                    lambdas.append(made)
                elif lambdas:
                    return fail(text, "expects its lambda(...) arguments last")
                else:
                    plain.append(env.evaluate(node))
            if not count[0] <= len(lambdas) <= count[1]:
                return fail(text, f"expects {count[0]} to {count[1]} lambda(...) argument(s), got {len(lambdas)}")
            env.meter.spend(len(source) * budget.ITEM_SIZE, text)
            try:
                return run(source, lambdas, plain, env)
            except _Stop as stop:
                return Unresolved(stop.value.reason, f"<{text}>")
            except (TypeError, ValueError) as exc:  # ARM would reject the deployment; here the value is unknown
                return fail(text, f"{type(exc).__name__}: {exc}")

        return call

    return make


@family.lazy("filter")
@_lazy(list, (1, 1), (1, 2))
def _filter(items: list[Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    out = []
    for index, item in enumerate(items):
        keep = f[0].resolved(item, index)
        if not isinstance(keep, bool):
            raise TypeError(f"filter()'s lambda returns {json_kind(keep)}, not a bool")
        if keep:
            out.append(item)
    return out


@family.lazy("map")
@_lazy(list, (1, 1), (1, 2))
def _map(items: list[Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    return [f[0](item, index) for index, item in enumerate(items)]


@family.lazy("reduce")
@_lazy(list, (1, 1), (2, 3))
def _reduce(items: list[Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    if len(plain) != 1:
        raise ValueError("reduce() expects an array, an initial value and a lambda")
    accumulated = plain[0]
    for index, item in enumerate(items):
        accumulated = f[0](accumulated, item, index)
        if type(accumulated) is Unresolved:
            raise _Stop(accumulated)
    return accumulated


@family.lazy("sort")
@_lazy(list, (1, 1), (2, 2))
def _sort(items: list[Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    comparisons = len(items) * max(1, len(items).bit_length())
    if comparisons > budget.LAMBDA_CALLS:  # known before sorting: refuse before doing the work
        raise BudgetExceeded(f"sort() of {len(items)} items needs more than {budget.LAMBDA_CALLS} lambda evaluations")
    env.meter.spend(comparisons * budget.ITEM_SIZE, "sort()")

    def compare(a: Any, b: Any) -> int:
        first = f[0].resolved(a, b)
        if not isinstance(first, bool):
            raise TypeError(f"sort()'s lambda returns {json_kind(first)}, not a bool")
        if first:
            return -1
        return 1 if f[0].resolved(b, a) is True else 0

    return sorted(items, key=functools.cmp_to_key(compare))


def _key(f: _Lambda, item: Any) -> str:
    key = f.resolved(item)
    if not isinstance(key, str):
        raise TypeError(f"a key is {json_kind(key)}, not a string")
    return key


@family.lazy("toObject")
@_lazy(list, (1, 2), (1, 1))
def _to_object(items: list[Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    out: dict[str, Any] = {}
    for item in items:
        out[_key(f[0], item)] = f[1](item) if len(f) > 1 else item
    return out


@family.lazy("groupBy")
@_lazy(list, (1, 1), (1, 1))
def _group_by(items: list[Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    out: dict[str, list[Any]] = {}
    for item in items:
        out.setdefault(_key(f[0], item), []).append(item)
    return out


@family.lazy("mapValues")
@_lazy(Mapping, (1, 1), (1, 1))
def _map_values(obj: Mapping[str, Any], f: list[_Lambda], plain: list[Any], env: Context) -> Any:
    return {key: f[0](value) for key, value in obj.items()}


@family.strict("lambdaVariables", arity=(1, 1))
def _lambda_variables(args: list[Any], env: Context, text: str) -> Any:
    return env.lambda_variable(to_text(args[0]))


@family.lazy("lambda")
def _bare_lambda(nodes: tuple[Node, ...], env: Context, text: str) -> Any:
    return fail(text, "lambda() is only valid as an argument of filter, map, reduce, sort, toObject, groupBy...")
