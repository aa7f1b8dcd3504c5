"""A resource's declared values as its row holds them: expressions evaluated, names in Azure's casing.

An expression that cannot be resolved becomes :class:`~scanner.unknown.Unknown` with the
expression in the reason, except in a property holding a resource id, which keeps its
placeholder (``.../registries/<acrName>``) so relations still join. A value ``reference()``
reads from a resource that Azure assigns it at deployment and that the IaC core can stand in
for (a workload identity's object id, a registry's login server: :data:`_RUNTIME_PATHS`) is a
:class:`~scanner.sources.declarations.RuntimeValue` instead, and the row is flagged. Property names are
written as Azure returns them (:func:`canonical`): ARM accepts any casing in a template, and
rules compare paths exactly. Everything a row holds is charged to the scan's meter.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.declarations import RuntimeValue
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.evaluator import copy_count, evaluate_string, evaluate_value, property_loops
from scanner.sources.iac.arm.expressions.scope import Env
from scanner.sources.iac.arm.expressions.values import Declared, Unresolved, to_text
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.unknown import Unknown

#: The fields of a resource declaration that its row keeps.
ROW_FIELDS = ("location", "sku", "kind", "tags", "identity", "properties", "zones", "plan")

# The property names rules read, in Azure's casing.
_CANONICAL_NAMES = (
    "adminUserEnabled anonymousPullEnabled publicNetworkAccess networkRuleSet defaultAction ipRules "
    "value action policies exportPolicy status retentionPolicy days trustPolicy type quarantinePolicy "
    "azureADAuthenticationAsArmPolicy softDeletePolicy encryption keyVaultProperties dataEndpointEnabled "
    "zoneRedundancy networkRuleBypassOptions privateEndpointConnections privateEndpoint "
    "privateLinkServiceConnectionState subnet id name privateLinkServiceConnections "
    "manualPrivateLinkServiceConnections privateLinkServiceId groupIds virtualNetwork registrationEnabled "
    "virtualNetworkLinkState roleDefinitionId principalId principalType scope condition workspaceId "
    "storageAccountId logs category categoryGroup enabled scopeMapId credentials passwords expiry "
    "creationTime aRecords ipv4Address privateDnsZoneConfigs privateDnsZoneId actions regionEndpointEnabled "
    "roleName permissions notActions dataActions notDataActions assignableScopes serviceUri "
    # what the inventory reads of workloads and identities (scanner/inventory/consumers.py)
    "identityProfile kubeletidentity objectId clientId resourceId servicePrincipalProfile agentPoolProfiles "
    "vnetSubnetID nodeResourceGroup networkProfile outboundType configuration registries server identity "
    "username passwordSecretRef managedEnvironmentId template containers image imageRegistryCredentials "
    "subnetIds siteConfig linuxFxVersion windowsFxVersion acrUseManagedIdentityCreds acrUserManagedIdentityID "
    "vnetRouteAllEnabled virtualNetworkSubnetId userAssignedIdentities vnetConfiguration infrastructureSubnetId"
)
_CANONICAL = {name.lower(): name for name in _CANONICAL_NAMES.split()}
_KNOWN = frozenset(_CANONICAL.values())


def canonical(key: str) -> str:
    """A property name in the casing Azure returns (names rules do not read stay as declared)."""
    return key if key in _KNOWN else _CANONICAL.get(key.lower(), key)


_KEYS: dict[str, tuple[str, bool]] = {}  # property name → (canonical name, holds an id)

# Where ``reference(id, version, 'Full')`` holds a value RuntimeValue stands for (lower-cased
# path → RUNTIME_ATTRIBUTES key); ``reference(id).x`` reads ``properties.x``.
_RUNTIME_PATHS = {
    ("properties", "identityprofile", "kubeletidentity", "objectid"): "kubeletIdentity.objectId",
    ("identity", "principalid"): "identity.principalId",
    ("properties", "principalid"): "principalId",
    ("properties", "clientid"): "clientId",
    ("properties", "loginserver"): "loginServer",
}


def _id_like(key: str) -> bool:
    """Properties holding resource ids: an unresolved one keeps its placeholder, so relations join."""
    return key == "id" or key == "scope" or key.endswith("Id")


class RowValues:
    """Evaluates declared values for the rows of one scan (charging its meter)."""

    __slots__ = ("meter", "runtime_values")

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.runtime_values = False  # a RuntimeValue was written since the reader last reset this

    def value(self, value: Any, env: Env, id_like: bool) -> Any:
        """A property value with its expressions evaluated (the hot loop of a large template)."""
        kind = type(value)
        if kind is str:
            if value[:1] != "[":
                self.meter.size += len(value)  # a literal: counted here, checked with the next object
                return value
            return self.finish(evaluate_string(value, env), value, id_like)
        if kind is not dict and kind is not list:
            return value
        meter = self.meter
        meter.size += len(value) * budget.ITEM_SIZE
        if meter.size > budget.SCAN_VALUE_SIZE:
            meter.spend(0, "a resource's properties")
        if kind is dict:
            loops = property_loops(value) if "copy" in value else None
            out: dict[str, Any] = {}
            keys = _KEYS
            for key, item in value.items():
                if loops is not None and key == "copy":
                    continue
                info = keys.get(key)
                if info is None:
                    if key[:1] == "[":
                        key = to_text(self.finish(evaluate_string(key, env), key, True))
                        info = (canonical(key), _id_like(key))
                    else:
                        info = keys[key] = (canonical(key), _id_like(canonical(key)))
                item_kind = type(item)
                if item_kind is str:
                    if item[:1] != "[":
                        meter.size += len(item)  # a literal: counted here, checked with the next object
                        out[info[0]] = item
                    else:
                        out[info[0]] = self.finish(evaluate_string(item, env), item, info[1])
                elif item_kind is dict or item_kind is list:
                    out[info[0]] = self.value(item, env, info[1])
                else:
                    out[info[0]] = item
            for loop in loops or ():
                name = str(loop.get("name"))
                count = copy_count(loop.get("count"), env, name)
                if isinstance(count, Unresolved):
                    out[name] = Unknown(
                        f"the count of property copy loop '{name}' could not be resolved: {count.reason}"
                    )
                else:
                    out[name] = [self.value(loop["input"], env.with_copy(name, i), False) for i in range(count)]
            return out
        if kind is list:
            return [self.value(item, env, id_like) for item in value]
        return value

    def finish(self, result: Any, source: str, id_like: bool) -> Any:
        """An expression's value as a row holds it: unresolved → Unknown (or the placeholder, for ids)."""
        kind = type(result)
        if kind is Declared:  # reference('symbol'): in a row, the properties as declared
            result, kind = dict(result), dict
        if kind is str:
            self.meter.spend(len(result), "a resource's properties", source)
            return result
        if kind is Unresolved:
            if result.runtime is not None:
                stand_in = self._runtime_value(result, source, result.placeholder if id_like else None)
                if stand_in is not None:
                    return stand_in
            if id_like:
                return result.placeholder
            return Unknown(f"{source} could not be resolved: {result.reason}")
        if kind is list or kind is dict:
            # The row gets its own copy: a value built from the same array twice is twice its size here.
            self.meter.charge_value(result, "a resource's properties", source)
            return self._finish_deep(result, source, 1)
        return result

    def _runtime_value(self, result: Unresolved, source: str, fallback: Any) -> RuntimeValue | None:
        """The stand-in for a value ``reference()`` read, when it is one the IaC core resolves."""
        assert result.runtime is not None
        resource_id, path = result.runtime
        attribute = _RUNTIME_PATHS.get(tuple(step.lower() for step in path))
        if attribute is None:
            return None
        self.runtime_values = True
        reason = f"{source} could not be resolved: {result.reason}"
        return RuntimeValue(reason, resource_id=resource_id, attribute=attribute, fallback=fallback)

    def _finish_deep(self, value: Any, source: str, depth: int) -> Any:
        if type(value) is Unresolved:
            stand_in = self._runtime_value(value, source, None) if value.runtime is not None else None
            if stand_in is not None:
                return stand_in
            return Unknown(f"{source} could not be resolved: {value.reason}")
        if isinstance(value, dict | list) and depth > budget.JSON_DEPTH:
            raise BudgetExceeded(
                f"the expression's value nests arrays and objects more than {budget.JSON_DEPTH} levels deep "
                "(the limit)",
                source,
            )
        if isinstance(value, dict):
            return {canonical(k): self._finish_deep(v, source, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self._finish_deep(v, source, depth + 1) for v in value]
        return value


def as_text(value: Any, env: Env) -> str:
    """A name, type or scope: always a string (an unresolved one is its placeholder)."""
    if type(value) is str and value[:1] != "[":
        return value
    result = evaluate_value(value, env) if isinstance(value, str) else value
    if type(result) is Unresolved:
        return result.placeholder
    return to_text(result)
