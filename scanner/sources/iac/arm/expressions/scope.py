"""A template's parameters and variables, and the copy loops an expression is evaluated inside.

:class:`Scope` resolves a parameter (supplied, else its ``defaultValue``) or a variable on
first use and remembers it; one referring to itself is unresolved, and chains of references
are bounded by :data:`~scanner.sources.iac.budget.REFERENCE_DEPTH`. :class:`Env` is a scope
inside the copy loops being expanded: the :class:`~.context.Context` expressions run in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, SymbolInfo, Target
from scanner.sources.iac.arm.expressions.declared_types import TypeTable
from scanner.sources.iac.arm.expressions.evaluator import evaluate_value
from scanner.sources.iac.arm.expressions.symbols import Symbols
from scanner.sources.iac.arm.expressions.user_functions import TemplateEnv, UserFunctions
from scanner.sources.iac.arm.expressions.values import Unresolved
from scanner.sources.iac.budget import BudgetExceeded, Meter


class Scope:
    """One template's parameters, variables and deployment target (shared by its resources)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        supplied: Mapping[str, Any],
        target: Target,
        meter: Meter | None = None,
    ) -> None:
        self.target = target
        self.meter = meter if meter is not None else Meter()
        self.types = TypeTable(template.get("definitions"))
        self.functions = UserFunctions(template.get("functions"), self.types, target, self.meter)
        self.symbols = Symbols(template.get("resources"), self)
        params = template.get("parameters")
        self.declared: dict[str, tuple[str, Mapping[str, Any]]] = {}
        if isinstance(params, Mapping):
            for name, decl in params.items():
                self.declared[name.lower()] = (name, decl if isinstance(decl, Mapping) else {})
        self.supplied = {k.lower(): v for k, v in supplied.items()}
        self.raw_variables: dict[str, tuple[str, Any]] = {}
        variables = template.get("variables")
        if isinstance(variables, Mapping):
            for name, value in variables.items():
                if name == "copy" and isinstance(value, list):
                    for loop in value:
                        if isinstance(loop, Mapping) and isinstance(loop.get("name"), str):
                            self.raw_variables[loop["name"].lower()] = (loop["name"], {"copy": [loop]})
                else:
                    self.raw_variables[name.lower()] = (name, value)
        self._values: dict[str, Any] = {}  # "p:name" / "v:name" (lower case) → value
        self._busy: set[str] = set()

    def parameter(self, name: str) -> Any:
        """A parameter's value: supplied, else its ``defaultValue``, else unresolved."""
        return self._memoized(f"p:{name.lower()}", name, self._parameter)

    def variable(self, name: str) -> Any:
        return self._memoized(f"v:{name.lower()}", name, self._variable)

    def _memoized(self, key: str, name: str, compute: Callable[[str, str], Any]) -> Any:
        """Each parameter and variable is evaluated once per template, on first use."""
        if key not in self._values:
            self._values[key] = compute(key, name)
        return self._values[key]

    def _parameter(self, key: str, name: str) -> Any:
        declared = self.declared.get(key[2:])
        if declared is None:
            return Unresolved(f"parameter '{name}' is not declared in the template", f"<{name}>")
        types = self.types
        if key[2:] in self.supplied:
            return types.with_defaults(self.supplied[key[2:]], declared[1])
        if "defaultValue" in declared[1]:
            value = self.resolve(key, f"parameter '{name}'", name, declared[1]["defaultValue"])
            return types.with_defaults(value, declared[1])
        if types.nullable(declared[1]):
            return None  # ARM gives a nullable parameter without a value null
        return Unresolved(
            f"parameter '{declared[0]}' has no value (no defaultValue and no parameters file)", f"<{declared[0]}>"
        )

    def _variable(self, key: str, name: str) -> Any:
        raw = self.raw_variables.get(key[2:])
        if raw is None:
            return Unresolved(f"variable '{name}' is not defined", f"<{name}>")
        value = self.resolve(key, f"variable '{name}'", name, raw[1])
        if isinstance(raw[1], Mapping) and set(raw[1]) == {"copy"} and isinstance(value, Mapping):
            return value.get(raw[0], value)  # a variable defined by a top-level copy loop
        return value

    def resolve(self, busy: str, what: str, name: str, raw: Any) -> Any:
        """Evaluate ``raw`` (a default, a variable, a resource's properties) inside the others being resolved.

        ``busy`` names what is being computed: meeting it again while computing it is a
        reference to itself (unresolved); chains of references are bounded.
        """
        if busy in self._busy:  # (its value is being computed: this is a reference to itself)
            return Unresolved(f"{what} refers to itself", f"<{name}>")
        meter = self.meter
        meter.references += 1
        if meter.references > budget.REFERENCE_DEPTH:
            meter.references -= 1
            raise BudgetExceeded(
                f"{what}: variables and parameters refer to one another more than {budget.REFERENCE_DEPTH} deep "
                "(the limit)"
            )
        self._busy.add(busy)
        try:
            return evaluate_value(raw, Env(self))
        finally:
            meter.references -= 1
            self._busy.discard(busy)


class Env(TemplateEnv):
    """A scope plus the copy loops being expanded and the lambda variables bound (innermost last)."""

    __slots__ = ("loops", "scope")

    def __init__(
        self,
        scope: Scope,
        loops: tuple[tuple[str, int | Unresolved], ...] = (),
        lambdas: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        super().__init__(scope.functions, lambdas)
        self.scope = scope
        self.loops = loops

    def parameter(self, name: str) -> Any:
        return self.scope.parameter(name)

    def variable(self, name: str) -> Any:
        return self.scope.variable(name)

    def with_copy(self, name: str, index: int | Unresolved) -> Env:
        """This scope inside one iteration of copy loop ``name`` (an unresolved count: any iteration)."""
        return Env(self.scope, (*self.loops, (name.lower(), index)), self.lambdas)

    def with_lambda(self, bindings: tuple[tuple[str, Any], ...]) -> Context:
        return Env(self.scope, self.loops, (*self.lambdas, *bindings))

    def resource_symbol(self, symbol: str) -> SymbolInfo | None:
        return self.scope.symbols.get(symbol)

    def copy_index(self, loop: str | None) -> int | Unresolved | None:
        if not self.loops:
            return None
        if loop is None:
            return self.loops[-1][1]
        key = loop.lower()
        for name, index in reversed(self.loops):
            if name == key:
                return index
        return None
