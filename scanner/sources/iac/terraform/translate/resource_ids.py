"""Synthetic ARM ids of Terraform resources and data sources, built before anything is deployed.

Both Terraform readers give a declared resource the id it will have, built like the ARM
reader's (:mod:`scanner.sources.iac.ids`): a name that is not a literal becomes the Terraform
address, a resource group that is not a literal becomes ``iac-rg``. A private endpoint, role
assignment or diagnostic setting that points at a registry declared in the same change
therefore joins it exactly as live (docs/iac-terraform.md, "Synthetic ids").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.ids import (
    DEFAULT_RESOURCE_GROUP,
    PLACEHOLDER_SUBSCRIPTION,
    extension_id,
    resource_group_id,
    resource_id,
)
from scanner.sources.iac.terraform.translate.defender_pricing import PRICING_TYPE, plan_name
from scanner.sources.iac.terraform.translate.rows import REGISTRY_TYPE, Getter, name_segment

# Terraform type → (ARM provider type, attribute naming each parent, then the resource's own name).
# Used for the synthetic id of declared resources, and of data sources that look one up.
_RG_SCOPED: dict[str, tuple[str, tuple[str, ...]]] = {
    "azurerm_container_registry": (REGISTRY_TYPE, ("name",)),
    "azurerm_container_registry_token": (REGISTRY_TYPE + "/tokens", ("container_registry_name", "name")),
    "azurerm_container_registry_scope_map": (REGISTRY_TYPE + "/scopeMaps", ("container_registry_name", "name")),
    "azurerm_container_registry_webhook": (REGISTRY_TYPE + "/webhooks", ("registry_name", "name")),
    "azurerm_private_endpoint": ("Microsoft.Network/privateEndpoints", ("name",)),
    "azurerm_private_dns_zone": ("Microsoft.Network/privateDnsZones", ("name",)),
    "azurerm_private_dns_zone_virtual_network_link": (
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        ("private_dns_zone_name", "name"),
    ),
    "azurerm_private_dns_a_record": ("Microsoft.Network/privateDnsZones/A", ("zone_name", "name")),
    "azurerm_virtual_network": ("Microsoft.Network/virtualNetworks", ("name",)),
    "azurerm_subnet": ("Microsoft.Network/virtualNetworks/subnets", ("virtual_network_name", "name")),
    "azurerm_user_assigned_identity": ("Microsoft.ManagedIdentity/userAssignedIdentities", ("name",)),
    "azurerm_kubernetes_cluster": ("Microsoft.ContainerService/managedClusters", ("name",)),
    "azurerm_container_app": ("Microsoft.App/containerApps", ("name",)),
    "azurerm_container_app_environment": ("Microsoft.App/managedEnvironments", ("name",)),
    "azurerm_container_group": ("Microsoft.ContainerInstance/containerGroups", ("name",)),
    "azurerm_linux_web_app": ("Microsoft.Web/sites", ("name",)),
    "azurerm_windows_web_app": ("Microsoft.Web/sites", ("name",)),
    "azurerm_log_analytics_workspace": ("Microsoft.OperationalInsights/workspaces", ("name",)),
    "azurerm_storage_account": ("Microsoft.Storage/storageAccounts", ("name",)),
    "azurerm_key_vault": ("Microsoft.KeyVault/vaults", ("name",)),
}
# Registry children named by their registry's id (``container_registry_id``): Terraform type → child type.
_REGISTRY_ID_CHILDREN: dict[str, str] = {
    "azurerm_container_registry_cache_rule": "cacheRules",
    "azurerm_container_registry_credential_set": "credentialSets",
    "azurerm_container_connected_registry": "connectedRegistries",
}
_EXTENSION_TYPES = frozenset({"microsoft.authorization/roleassignments", "microsoft.insights/diagnosticsettings"})
_ASSIGNMENT_NAMESPACE = uuid.UUID("4f3c1d2e-9a57-4c0b-8d7e-2f6a1b9c3e10")


def azapi_id(arm_type: str, parent_id: Any, name: Any, address: str) -> str:
    """Id of an ``azapi_resource``: ``parent_id`` plus its type and name."""
    base_type = arm_type.split("@", 1)[0]
    segments = base_type.split("/")
    parent = parent_id if isinstance(parent_id, str) and parent_id else resource_group_id(None, None)
    leaf = name_segment(name, address)
    if len(segments) == 2 or base_type.lower() in _EXTENSION_TYPES:
        return extension_id(parent, base_type, leaf)
    return f"{parent.rstrip('/')}/{segments[-1]}/{leaf}"


def natural_id(tf_type: str, get: Getter, address: str) -> str | None:
    """The synthetic ARM id of a resource (or data source) of ``tf_type``; ``None`` if unsupported.

    ``get(attr)`` returns an attribute's value (possibly :class:`Unknown`). Unknown names become
    the Terraform address, an unknown resource group becomes ``iac-rg``.
    """
    if tf_type == "azurerm_resource_group":
        return resource_group_id(None, name_segment(get("name"), address))
    spec = _RG_SCOPED.get(tf_type)
    if spec is not None:
        provider_type, name_attrs = spec
        names = [name_segment(get(attr), address) for attr in name_attrs]
        return resource_id(PLACEHOLDER_SUBSCRIPTION, _resource_group(get("resource_group_name")), provider_type, *names)
    child = _REGISTRY_ID_CHILDREN.get(tf_type)
    if child is not None:
        registry = get("container_registry_id")
        if not (isinstance(registry, str) and registry):
            registry = resource_id(PLACEHOLDER_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, REGISTRY_TYPE, address)
        return f"{registry.rstrip('/')}/{child}/{name_segment(get('name'), address)}"
    if tf_type == "azurerm_security_center_subscription_pricing":
        plan = plan_name(get("resource_type"))
        return f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/providers/{PRICING_TYPE}/{name_segment(plan, address)}"
    if tf_type == "azurerm_role_assignment":
        scope = get("scope")
        base = scope if isinstance(scope, str) and scope else resource_group_id(None, None)
        return extension_id(base, "Microsoft.Authorization/roleAssignments", assignment_name(get("name"), address))
    if tf_type == "azurerm_monitor_diagnostic_setting":
        target = get("target_resource_id")
        base = target if isinstance(target, str) and target else resource_group_id(None, None)
        return extension_id(base, "Microsoft.Insights/diagnosticSettings", name_segment(get("name"), address))
    if tf_type == "azapi_resource":
        arm_type = get("type")
        if isinstance(arm_type, str):
            return azapi_id(arm_type, get("parent_id"), get("name"), address)
    return None


def assignment_name(value: Any, address: str) -> str:
    """A role assignment's GUID name: the configured one, or a stable one derived from the address."""
    if isinstance(value, str) and value:
        return value
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, address))


def dedupe_ids(ids: Mapping[str, str]) -> dict[str, str]:
    """Address → id, with ids made unique (a repeated id gets ``~address`` appended).

    Two declarations of the same registry name in one module cannot both deploy, but example
    folders (Checkov's fixtures) do it on purpose; each must stay a subject of its own.
    """
    seen: dict[str, str] = {}
    out: dict[str, str] = {}
    for address, rid in ids.items():
        key = rid.lower()
        if key in seen:
            out[address] = f"{rid}~{address}"
        else:
            seen[key] = address
            out[address] = rid
    return out


def _resource_group(value: Any) -> str:
    return value if isinstance(value, str) and value else DEFAULT_RESOURCE_GROUP
