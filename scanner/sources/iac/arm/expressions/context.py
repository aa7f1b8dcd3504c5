"""What a template function is given: its arguments, the context it runs in, and its text.

:class:`Context` is all a function may ask of where it is evaluated (the deployment target,
parameters, variables, copy loops, the scan's budgets); :class:`~.scope.Env` implements it.
:data:`Function` and :data:`LazyFunction` are the two shapes of an entry in a family's
``FUNCTIONS`` or ``LAZY`` table, :func:`strict` and :func:`string_builder` the two ways
a function treats an unresolved argument, and :class:`Family` how a function gets into its
family's table: by a decorator on its implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import msgspec

from scanner.sources.iac.arm.expressions.parser import Node
from scanner.sources.iac.arm.expressions.values import Unresolved, fail, first_unresolved, to_text
from scanner.sources.iac.budget import Meter
from scanner.sources.iac.ids import DEFAULT_RESOURCE_GROUP, PLACEHOLDER_SUBSCRIPTION


class Target(msgspec.Struct, frozen=True):
    """Where a template deploys: the subscription and resource group resource ids default to."""

    subscription_id: str = PLACEHOLDER_SUBSCRIPTION
    resource_group: str | None = DEFAULT_RESOURCE_GROUP  # None for a subscription-level template
    level: str = "resourceGroup"  # resourceGroup | subscription | managementGroup | tenant

    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group or DEFAULT_RESOURCE_GROUP}"

    def scope_id(self) -> str:
        """The id of the deployment scope itself (what an extension resource without scope extends)."""
        if self.level == "resourceGroup" and self.resource_group:
            return self.resource_group_id()
        if self.level in ("resourceGroup", "subscription"):
            return f"/subscriptions/{self.subscription_id}"
        return "/"


class Context(Protocol):
    """Where an expression is evaluated: one template's scope, inside the copy loops being expanded."""

    @property
    def target(self) -> Target: ...

    @property
    def meter(self) -> Meter: ...

    def parameter(self, name: str) -> Any:
        """The value of a parameter (supplied, or its default), possibly :class:`Unresolved`."""
        ...

    def variable(self, name: str) -> Any:
        """The value of a variable, possibly :class:`Unresolved`."""
        ...

    def copy_index(self, loop: str | None) -> int | Unresolved | None:
        """The iteration of copy loop ``loop`` (the innermost when None); None outside it."""
        ...

    def with_copy(self, name: str, index: int | Unresolved) -> Context:
        """This context inside one iteration of copy loop ``name``."""
        ...

    def evaluate(self, node: Node) -> Any:
        """The value of a parsed expression here (what a lazy function calls on its arguments)."""
        ...

    def with_lambda(self, bindings: tuple[tuple[str, Any], ...]) -> Context:
        """This context inside a lambda's body, its variables bound (``lambdaVariables``)."""
        ...

    def lambda_variable(self, name: str) -> Any:
        """The value of a lambda variable of the lambdas being evaluated (innermost first)."""
        ...

    def user_function(self, name: str, args: list[Any], text: str) -> Any:
        """The value of user-defined function ``namespace.name`` called with ``args``."""
        ...

    def resource_symbol(self, symbol: str) -> SymbolInfo | None:
        """What the template declares of the resource with symbolic name ``symbol`` (None: no such symbol)."""
        ...


class SymbolInfo(msgspec.Struct, frozen=True):
    """A resource of ``languageVersion`` 2.0 by its symbolic name: its id, and its properties as declared.

    ``properties`` is what ``reference(symbol)`` can know before deployment: the declared
    properties of a resource the template deploys, unresolved for an ``existing`` one.
    """

    id: Any
    name: Any
    type: str
    api_version: Any
    existing: bool
    properties: Any


def bound(bindings: tuple[tuple[str, Any], ...], name: str, text: str) -> Any:
    """The value of lambda variable ``name`` in ``bindings`` (innermost last), else unresolved."""
    key = name.lower()
    for variable, value in reversed(bindings):
        if variable == key:
            return value
    return fail(text, f"lambda variable '{name}' is not defined here")


#: A function of evaluated arguments: ``(arguments, context, the call's text) -> value``.
Function = Callable[[list[Any], Context, str], Any]
#: A function that evaluates its own arguments, only those it needs (``if``, ``and``, ``or``).
LazyFunction = Callable[[tuple[Node, ...], Context, str], Any]
#: What :func:`string_builder` makes a function of: ``(argument values) -> value``, placeholders for unresolved ones.
Build = Callable[[list[Any]], Any]


def strict(function: Function, arity: tuple[int, int | None] | None = None) -> Function:
    """Any unresolved argument makes the result unresolved; check the argument count."""

    def call(args: list[Any], env: Context, text: str) -> Any:
        if arity is not None:
            low, high = arity
            if len(args) < low or (high is not None and len(args) > high):
                expected = f"{low}" if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
                return fail(text, f"expects {expected} argument(s), got {len(args)}")
        bad = first_unresolved(args)
        if bad is not None:
            return Unresolved(bad.reason, f"<{text}>")
        return function(args, env, text)

    return call


def string_builder(build: Build) -> Function:
    """A string function that keeps building with placeholders when an argument is unresolved."""

    def call(args: list[Any], env: Context, text: str) -> Any:
        bad = first_unresolved(args)
        values = [a.placeholder if type(a) is Unresolved else a for a in args]
        try:
            result = build(values)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            return fail(text, f"{type(exc).__name__}: {exc}")
        return result if bad is None else Unresolved(bad.reason, to_text(result))

    return call


class Family:
    """The functions of one family module, each put in its table by a decorator on its implementation.

    The module makes one ``family = Family()``, exports ``FUNCTIONS = family.functions`` (and
    ``LAZY = family.lazy_functions`` when it has lazy ones), and says above each implementation
    what it is called in ARM (in any case: ARM's names are case-insensitive) and how it treats
    its arguments:

    * ``@family.strict("indexOf", arity=(2, 2))``: the argument count is checked and any
      unresolved argument makes the result unresolved (:func:`strict`), as for most functions;
    * ``@family.builder("format")``: a string function that keeps building with placeholders
      for unresolved arguments (:func:`string_builder`);
    * ``@family.plain("concat")``: the arguments as they are, unresolved ones included; it
      counts them itself;
    * ``@family.lazy("if")``: the unevaluated arguments, evaluated as it needs them.

    Each decorator returns the implementation unchanged. A function made by a factory is put in
    the table by calling the decorator on it: ``family.strict("greater", arity=(2, 2))(_compare(operator.gt))``.
    """

    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}
        self.lazy_functions: dict[str, LazyFunction] = {}

    def strict(self, *names: str, arity: tuple[int, int | None]) -> Callable[[Function], Function]:
        def register(function: Function) -> Function:
            _put(self.functions, names, strict(function, arity))  # the module's strict(), not this method
            return function

        return register

    def builder(self, *names: str) -> Callable[[Build], Build]:
        def register(build: Build) -> Build:
            _put(self.functions, names, string_builder(build))
            return build

        return register

    def plain(self, *names: str) -> Callable[[Function], Function]:
        def register(function: Function) -> Function:
            _put(self.functions, names, function)
            return function

        return register

    def lazy(self, *names: str) -> Callable[[LazyFunction], LazyFunction]:
        def register(function: LazyFunction) -> LazyFunction:
            _put(self.lazy_functions, names, function)
            return function

        return register


_Entry = TypeVar("_Entry", Function, LazyFunction)


def _put(table: dict[str, _Entry], names: tuple[str, ...], function: _Entry) -> None:
    """``function`` under each of ``names``, lower-cased as the evaluator looks them up."""
    for name in names:
        key = name.lower()
        if key in table:  # two implementations of one name: the later would silently win
            raise ValueError(f"template function {name}() is defined twice")
        table[key] = function
