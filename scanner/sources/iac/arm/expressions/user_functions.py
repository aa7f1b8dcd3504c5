"""User-defined functions (the template's ``functions``: namespaces of members with parameters and an output).

Bicep compiles ``func name(...) T => ...`` to the namespace ``__bicep``. A function body sees
only its own parameters (``parameters('x')``), lambda variables and other functions: not the
template's parameters or variables, no copy loop, no resource; so a call is evaluated in a
:class:`FunctionEnv` of its own. Calls nest at most
:data:`~scanner.sources.iac.budget.REFERENCE_DEPTH` deep (a function calling itself is refused
by Azure, and here stops there). What a function's context shares with the template body's
(:class:`~.scope.Env`) is their base, :class:`TemplateEnv`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, SymbolInfo, Target, bound
from scanner.sources.iac.arm.expressions.declared_types import TypeTable
from scanner.sources.iac.arm.expressions.evaluator import evaluate, evaluate_value
from scanner.sources.iac.arm.expressions.parser import Node
from scanner.sources.iac.arm.expressions.values import Unresolved, fail
from scanner.sources.iac.budget import BudgetExceeded, Meter


class UserFunction(msgspec.Struct, frozen=True):
    name: str
    parameters: tuple[str, ...]
    output: Any  # the output's ``value``, a template value


class UserFunctions:
    """The ``functions`` of one template, by lower-case ``namespace.name``."""

    def __init__(self, functions: Any, types: TypeTable, target: Target, meter: Meter) -> None:
        self.types = types
        self.target = target
        self.meter = meter
        self.table: dict[str, UserFunction] = {}
        for namespace in functions if isinstance(functions, list) else ():
            if not isinstance(namespace, Mapping) or not isinstance(namespace.get("members"), Mapping):
                continue
            prefix = str(namespace.get("namespace") or "")
            for member, definition in namespace["members"].items():
                if not isinstance(definition, Mapping):
                    continue
                declared = definition.get("parameters")
                names = tuple(
                    str(p.get("name"))
                    for p in (declared if isinstance(declared, list) else ())
                    if isinstance(p, Mapping)
                )
                output = definition.get("output")
                value = output.get("value") if isinstance(output, Mapping) else None
                full = f"{prefix}.{member}"
                self.table[full.lower()] = UserFunction(full, names, value)

    def call(self, name: str, args: list[Any], text: str) -> Any:
        function = self.table.get(name)
        if function is None:
            return fail(text, f"user-defined function {name} is not defined in the template")
        if len(args) != len(function.parameters):
            return fail(text, f"expects {len(function.parameters)} argument(s), got {len(args)}")
        meter = self.meter
        meter.references += 1
        try:
            if meter.references > budget.REFERENCE_DEPTH:
                raise BudgetExceeded(
                    f"user-defined functions call one another more than {budget.REFERENCE_DEPTH} deep (the limit)",
                    text,
                )
            bindings = {p.lower(): a for p, a in zip(function.parameters, args, strict=True)}
            return evaluate_value(function.output, FunctionEnv(self, bindings, ()))
        finally:
            meter.references -= 1


class TemplateEnv(ABC):
    """What every context inside one template shares: the template's user-defined functions
    (and with them its deployment target and the scan's meter), the lambda variables bound
    (innermost last), and evaluation itself. A subclass says what parameters, variables,
    copy loops and resources are where it evaluates.
    """

    __slots__ = ("functions", "lambdas", "meter", "target")

    def __init__(self, functions: UserFunctions, lambdas: tuple[tuple[str, Any], ...]) -> None:
        self.functions = functions
        self.lambdas = lambdas
        self.target: Target = functions.target
        self.meter: Meter = functions.meter

    def evaluate(self, node: Node) -> Any:
        return evaluate(node, self)

    def lambda_variable(self, name: str) -> Any:
        return bound(self.lambdas, name, f"lambdaVariables('{name}')")

    def user_function(self, name: str, args: list[Any], text: str) -> Any:
        return self.functions.call(name, args, text)

    # The rest of :class:`~.context.Context`, which differs between the template's body and a function's.
    @abstractmethod
    def parameter(self, name: str) -> Any: ...

    @abstractmethod
    def variable(self, name: str) -> Any: ...

    @abstractmethod
    def copy_index(self, loop: str | None) -> int | Unresolved | None: ...

    @abstractmethod
    def with_copy(self, name: str, index: int | Unresolved) -> Context: ...

    @abstractmethod
    def with_lambda(self, bindings: tuple[tuple[str, Any], ...]) -> Context: ...

    @abstractmethod
    def resource_symbol(self, symbol: str) -> SymbolInfo | None: ...


class FunctionEnv(TemplateEnv):
    """Where a user-defined function's body is evaluated: its arguments, and lambda variables inside it."""

    __slots__ = ("arguments",)

    def __init__(
        self, functions: UserFunctions, arguments: Mapping[str, Any], lambdas: tuple[tuple[str, Any], ...]
    ) -> None:
        super().__init__(functions, lambdas)
        self.arguments = arguments

    def parameter(self, name: str) -> Any:
        if name.lower() in self.arguments:
            return self.arguments[name.lower()]
        return Unresolved(f"parameter '{name}' is not a parameter of the user-defined function", f"<{name}>")

    def variable(self, name: str) -> Any:
        return Unresolved(f"variables('{name}') cannot be used in a user-defined function", f"<{name}>")

    def copy_index(self, loop: str | None) -> int | Unresolved | None:
        return None

    def with_copy(self, name: str, index: int | Unresolved) -> Context:
        return self

    def with_lambda(self, bindings: tuple[tuple[str, Any], ...]) -> Context:
        return FunctionEnv(self.functions, self.arguments, (*self.lambdas, *bindings))

    def resource_symbol(self, symbol: str) -> SymbolInfo | None:
        return None
