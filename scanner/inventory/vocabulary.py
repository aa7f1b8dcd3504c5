"""The documented values of subject-document fields that Azure defines as a closed set.

A rule comparing such a field with one value (``publicNetworkAccess not_equals Disabled``)
silently treats any *other* value as "not that one": a typo in a template, a value from a
newer API version or a tampered snapshot (``publicNetworkAccess: "x"``) would turn a ``fail``
into a ``pass``. So every leaf condition that reads a field listed here first checks the
value against the documented set: a value outside it makes the leaf ``unknown``, with the
value in the evidence and the reason naming the field and the set (fail closed). A missing
field or ``null`` is not a value and goes on to the operator as before. The check applies to
every rule, built-in or custom, that reads these paths, whatever its operator (``exists``
and ``empty`` aside, which ask whether there is a value, not which).

The sets are the ``enum`` lists of each subject kind's JSON Schema
(``scanner/schemas/subjects``), so the documentation rule authors read and the check cannot
disagree. Strings compare case-insensitively, as Azure does (``Enabled``/``enabled``). A path
is the field's dotted path in the subject document; ``[]`` stands for "each item of this
list" (the items a quantifier's ``where`` looks at).

Sources: the ``Microsoft.ContainerRegistry`` REST API (registries, private endpoint
connections, tokens), ``Microsoft.Network/privateDnsZones/virtualNetworkLinks``,
``Microsoft.Authorization`` role assignments and definitions, Microsoft Graph
``servicePrincipal``, and the ``Microsoft.Insights`` diagnostic categories of a registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import msgspec

from scanner.inventory.subjects.kinds import ENUMERATORS, resolve, subject_schema


class Vocabulary(msgspec.Struct, frozen=True):
    """The closed set of values one field may hold."""

    values: tuple[str, ...] | None  # ``None``: a boolean (true or false)
    exact: frozenset[str]
    folded: frozenset[str]

    @property
    def label(self) -> str:
        """The documented values, for messages: ``Enabled, Disabled``."""
        return "true, false" if self.values is None else ", ".join(self.values)

    def admits(self, value: object) -> bool:
        """Whether ``value`` is one of the documented values (strings case-insensitively)."""
        if self.values is None:
            return type(value) is bool
        return type(value) is str and (value in self.exact or value.casefold() in self.folded)


def _one_of(*values: str) -> Vocabulary:
    return Vocabulary(values, frozenset(values), frozenset(v.casefold() for v in values))


BOOLEAN = Vocabulary(None, frozenset(), frozenset())


def _from_enum(values: list[Any]) -> Vocabulary:
    """The set an ``enum`` lists (``null`` is no value: absent and ``null`` go on to the operator)."""
    listed = [value for value in values if value is not None]
    if all(type(value) is bool for value in listed):
        return BOOLEAN
    return _one_of(*listed)


def _closed_sets(schema: Mapping[str, Any], node: Mapping[str, Any], path: str, out: dict[str, Vocabulary]) -> None:
    node = resolve(schema, node)
    if "enum" in node:
        out[path] = _from_enum(node["enum"])
    for name, child in node.get("properties", {}).items():
        _closed_sets(schema, child, f"{path}.{name}" if path else name, out)
    items = node.get("items")
    if isinstance(items, Mapping):
        _closed_sets(schema, items, f"{path}[]", out)


@cache
def documented_fields(subject: str) -> Mapping[str, Vocabulary]:
    """Field path → its documented values, for every ``enum`` of the ``subject`` kind's schema."""
    schema = subject_schema(subject)
    out: dict[str, Vocabulary] = {}
    _closed_sets(schema, schema, "", out)
    return out


def documented(subject: str, path: str) -> Vocabulary | None:
    """The documented values of ``path`` in a ``subject`` document, if Azure defines a set."""
    if subject not in ENUMERATORS:
        return None
    return documented_fields(subject).get(path)
