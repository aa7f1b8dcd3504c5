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

Strings compare case-insensitively, as Azure does (``Enabled``/``enabled``). A path is the
field's dotted path in the subject document; ``[]`` stands for "each item of this list"
(the items a quantifier's ``where`` looks at).

Sources: the ``Microsoft.ContainerRegistry`` REST API (registries, private endpoint
connections, tokens), ``Microsoft.Network/privateDnsZones/virtualNetworkLinks``,
``Microsoft.Authorization`` role assignments and definitions, Microsoft Graph
``servicePrincipal``, and the ``Microsoft.Insights`` diagnostic categories of a registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Vocabulary:
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
_ENABLED = _one_of("enabled", "disabled")  # the registry policies, encryption and token status
_CONNECTION = _one_of("Approved", "Pending", "Rejected", "Disconnected")
_PRINCIPAL_TYPE = _one_of("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")
_SERVICE_PRINCIPAL_TYPE = _one_of("Application", "ManagedIdentity", "Legacy", "SocialIdp")

_REGISTRY: dict[str, Vocabulary] = {
    "sku.name": _one_of("Basic", "Standard", "Premium", "Classic"),
    "sku.tier": _one_of("Basic", "Standard", "Premium", "Classic"),
    "properties.adminUserEnabled": BOOLEAN,
    "properties.anonymousPullEnabled": BOOLEAN,
    "properties.dataEndpointEnabled": BOOLEAN,
    "properties.networkRuleBypassAllowedForTasks": BOOLEAN,
    "properties.publicNetworkAccess": _one_of("Enabled", "Disabled"),
    "properties.zoneRedundancy": _one_of("Enabled", "Disabled"),
    "properties.networkRuleBypassOptions": _one_of("AzureServices", "None"),
    "properties.networkRuleSet.defaultAction": _one_of("Allow", "Deny"),
    "properties.networkRuleSet.ipRules[].action": _one_of("Allow"),
    "properties.encryption.status": _ENABLED,
    "properties.policies.quarantinePolicy.status": _ENABLED,
    "properties.policies.trustPolicy.status": _ENABLED,
    "properties.policies.trustPolicy.type": _one_of("Notary"),
    "properties.policies.retentionPolicy.status": _ENABLED,
    "properties.policies.exportPolicy.status": _ENABLED,
    "properties.policies.azureADAuthenticationAsArmPolicy.status": _ENABLED,
    "properties.policies.softDeletePolicy.status": _ENABLED,
    "privateEndpointConnections[].status": _CONNECTION,
    "privateEndpoints[].status": _CONNECTION,
    "replications[].properties.zoneRedundancy": _one_of("Enabled", "Disabled"),
    "replications[].properties.regionEndpointEnabled": BOOLEAN,
    "tokens[].properties.status": _ENABLED,
    "diagnosticSettings[].properties.logs[].categoryGroup": _one_of("audit", "allLogs"),
    "diagnosticSettings[].properties.logs[].enabled": BOOLEAN,
}

_PRINCIPAL: dict[str, Vocabulary] = {"principal.servicePrincipalType": _SERVICE_PRINCIPAL_TYPE}

#: Subject kind → field path → its documented values.
DOCUMENTED: Mapping[str, Mapping[str, Vocabulary]] = {
    "registry": _REGISTRY,
    "private_endpoint": {
        "zoneLinks[].state": _one_of("Completed", "InProgress"),
        "zoneLinks[].registrationEnabled": BOOLEAN,
    },
    "role_assignment": {
        "principalType": _PRINCIPAL_TYPE,
        "principal.type": _PRINCIPAL_TYPE,
        "role.type": _one_of("BuiltInRole", "CustomRole"),
        **_PRINCIPAL,
    },
    "credential": _PRINCIPAL,
    "token": {"status": _ENABLED, "properties.status": _ENABLED},
    "token_password": {"token.status": _ENABLED},
}


def documented(subject: str, path: str) -> Vocabulary | None:
    """The documented values of ``path`` in a ``subject`` document, if Azure defines a set."""
    fields = DOCUMENTED.get(subject)
    return fields.get(path) if fields is not None else None
