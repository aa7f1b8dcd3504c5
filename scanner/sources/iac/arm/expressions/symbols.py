"""Resources by symbolic name (``languageVersion`` 2.0): what ``reference('symbol')`` and ``resourceInfo`` can know.

A resource the template deploys is known as declared: its id, name and type, and its
``properties`` (a :class:`~.values.Declared` object: a property it does not declare is only
known after deployment). An ``existing`` resource is known by id only: its properties are
Azure's. The id is built by the template reader (:attr:`Symbols.locate`), where resources are
placed; each symbol is evaluated once, and a resource whose properties refer to itself is
unresolved there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from scanner.sources.iac.arm.expressions.context import SymbolInfo
from scanner.sources.iac.arm.expressions.values import Declared, Unresolved, to_text

#: ``(declaration with lower-cased keys, full type, full name) -> resource id``, set by the reader.
Locate = Callable[[Mapping[str, Any], str, str], str]


class _Resolving(Protocol):
    def resolve(self, busy: str, what: str, name: str, raw: Any) -> Any: ...


class Symbols:
    """The symbolic names of one template's resources (none for a template whose resources are a list)."""

    def __init__(self, resources: Any, scope: _Resolving) -> None:
        self.scope = scope
        self.declarations: dict[str, tuple[str, Mapping[str, Any]]] = {}
        if isinstance(resources, Mapping):
            for symbol, raw in resources.items():
                if isinstance(raw, Mapping):
                    self.declarations[str(symbol).lower()] = (str(symbol), {k.lower(): v for k, v in raw.items()})
        self.locate: Locate | None = None
        self._known: dict[str, SymbolInfo] = {}

    def get(self, symbol: str) -> SymbolInfo | None:
        key = symbol.lower()
        if key not in self.declarations:
            return None
        if key not in self._known:
            self._known[key] = self._info(*self.declarations[key])
        return self._known[key]

    def _info(self, symbol: str, fields: Mapping[str, Any]) -> SymbolInfo:
        scope = self.scope
        raw_type = scope.resolve(f"s:{symbol}:type", f"the type of resource '{symbol}'", symbol, fields.get("type"))
        name = scope.resolve(f"s:{symbol}:name", f"the name of resource '{symbol}'", symbol, fields.get("name"))
        full_type = to_text(raw_type)
        existing = fields.get("existing") is True
        if "copy" in fields:
            why = f"resource '{symbol}' is a copy loop: reference() of one of its copies is not evaluated"
            return SymbolInfo(
                Unresolved(why, f"<{symbol}>"),
                name,
                full_type,
                fields.get("apiversion"),
                existing,
                Unresolved(why, f"<reference('{symbol}')>"),
            )
        rid: Any = (
            self.locate(fields, full_type, to_text(name))
            if self.locate is not None
            else Unresolved(f"the id of resource '{symbol}' is not known here", f"<{symbol}>")
        )
        if existing:
            properties: Any = Unresolved(
                f"the properties of existing resource '{symbol}' are only known after deployment",
                f"<reference('{symbol}')>",
            )
        else:
            declared = scope.resolve(
                f"s:{symbol}:properties", f"the properties of resource '{symbol}'", symbol, fields.get("properties", {})
            )
            runtime = (rid, ("properties",)) if isinstance(rid, str) else None
            properties = (
                Declared(declared, f"resource '{symbol}'", runtime) if isinstance(declared, Mapping) else declared
            )
        return SymbolInfo(rid, name, full_type, fields.get("apiversion"), existing, properties)
