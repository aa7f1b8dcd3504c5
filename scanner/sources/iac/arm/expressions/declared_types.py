"""User-defined types of ``languageVersion`` 2.0: ``definitions``, ``$ref``, ``nullable`` and property defaults.

Bicep compiles ``param x T?`` to a parameter with ``nullable: true`` and user-defined types to
``definitions`` referenced by ``$ref: '#/definitions/name'``. What a value can be known from
before deployment: a nullable parameter given no value is ``null`` (as ARM gives it), and an
object or array parameter gets the ``defaultValue`` its type declares for a property left out.
Following ``$ref`` and walking a value are bounded (:data:`~scanner.sources.iac.budget.REFERENCE_DEPTH`
hops, :data:`~scanner.sources.iac.budget.JSON_DEPTH` levels).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.sources.iac import budget

_REF_PREFIX = "#/definitions/"
_NO_TYPE: Mapping[str, Any] = {}


class TypeTable:
    """A template's ``definitions``, to resolve a declared type (a parameter's, a property's) through ``$ref``."""

    def __init__(self, definitions: Any) -> None:
        self.definitions: Mapping[str, Any] = definitions if isinstance(definitions, Mapping) else {}

    def resolve(self, declared: Any) -> Mapping[str, Any]:
        """``declared`` with its ``$ref`` chain followed: the referencing keys win over the definition's."""
        if not isinstance(declared, Mapping):
            return _NO_TYPE
        merged = dict(declared)
        current: Any = declared
        for _ in range(budget.REFERENCE_DEPTH):
            ref = current.get("$ref") if isinstance(current, Mapping) else None
            if not isinstance(ref, str) or not ref.startswith(_REF_PREFIX):
                break
            current = self.definitions.get(ref[len(_REF_PREFIX) :])
            if not isinstance(current, Mapping):
                break
            for key, value in current.items():
                if key not in merged or key == "$ref":
                    merged[key] = value
            if current.get("$ref") is None:
                merged.pop("$ref", None)
        return merged

    def nullable(self, declared: Any) -> bool:
        """Whether a value of this type may be ``null`` (``nullable: true`` on it or on its definition)."""
        return self.resolve(declared).get("nullable") is True

    def with_defaults(self, value: Any, declared: Any, depth: int = 0) -> Any:
        """``value`` with the ``defaultValue`` of every object property its type declares and it leaves out."""
        if depth > budget.JSON_DEPTH:
            return value
        schema = self.resolve(declared)
        if not schema:
            return value
        if isinstance(value, Mapping):
            properties = schema.get("properties")
            if not isinstance(properties, Mapping):
                return value
            out = dict(value)
            present = {k.lower() for k in value}
            for name, prop in properties.items():
                if name.lower() not in present:
                    resolved = self.resolve(prop)
                    if "defaultValue" in resolved:
                        out[name] = resolved["defaultValue"]
                    continue
                key = next(k for k in value if k.lower() == name.lower())
                out[key] = self.with_defaults(value[key], prop, depth + 1)
            return out
        if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
            return [self.with_defaults(item, schema["items"], depth + 1) for item in value]
        return value
