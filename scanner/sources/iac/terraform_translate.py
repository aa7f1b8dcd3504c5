"""Terraform resources (azurerm / azapi attribute maps) → live ARM / Resource Graph rows.

Both Terraform readers (plan JSON and ``.tf`` source) first reduce a resource instance to the
same thing: its attribute map as Terraform sees it (nested blocks are lists of maps, values
that cannot be known are :class:`~scanner.unknown.Unknown`). This module turns that map into
the row Azure would return once the change is applied, with the provider's defaults for
attributes the configuration leaves out (``admin_enabled`` → false, ``export_policy_enabled``
→ true, ``public_network_access_enabled`` → true, …, as in azurerm 3.x/4.x), so a registry
reads the same whether it came from a plan, from source, from an ARM template or from Azure.

Each row comes with ``sources``: row property path → attribute path in the Terraform map,
from which a reader derives the line of the offending attribute.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.azure import facts
from scanner.sources.iac.ids import (
    DEFAULT_RESOURCE_GROUP,
    PLACEHOLDER_SUBSCRIPTION,
    extension_id,
    resource_group_id,
    resource_id,
)
from scanner.unknown import Unknown

AttrPath = tuple[str | int, ...]
Getter = Callable[[str], Any]

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"

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
    "azurerm_log_analytics_workspace": ("Microsoft.OperationalInsights/workspaces", ("name",)),
    "azurerm_storage_account": ("Microsoft.Storage/storageAccounts", ("name",)),
    "azurerm_key_vault": ("Microsoft.KeyVault/vaults", ("name",)),
}

# azapi_resource types translated into rows (the body is already the ARM shape).
AZAPI_TYPES = frozenset(
    t.lower()
    for t in (
        REGISTRY_TYPE,
        REGISTRY_TYPE + "/replications",
        REGISTRY_TYPE + "/webhooks",
        REGISTRY_TYPE + "/tokens",
        REGISTRY_TYPE + "/scopeMaps",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/privateDnsZones/A",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Insights/diagnosticSettings",
    )
)
_EXTENSION_TYPES = frozenset({"microsoft.authorization/roleassignments", "microsoft.insights/diagnosticsettings"})

SUPPORTED_TYPES = frozenset(
    {
        "azurerm_container_registry",
        "azurerm_container_registry_token",
        "azurerm_container_registry_token_password",
        "azurerm_container_registry_scope_map",
        "azurerm_container_registry_webhook",
        "azurerm_private_endpoint",
        "azurerm_private_dns_zone",
        "azurerm_private_dns_zone_virtual_network_link",
        "azurerm_private_dns_a_record",
        "azurerm_role_assignment",
        "azurerm_monitor_diagnostic_setting",
        "azapi_resource",
    }
)

_ROLE_GUIDS = {name.lower(): guid for guid, name in facts.BUILTIN_ROLE_NAMES.items()}
_ASSIGNMENT_NAMESPACE = uuid.UUID("4f3c1d2e-9a57-4c0b-8d7e-2f6a1b9c3e10")


@dataclass(slots=True)
class TfInstance:
    """One resource instance as a Terraform reader sees it."""

    address: str
    tf_type: str
    attrs: Mapping[str, Any]
    mode: str = "managed"


@dataclass(slots=True)
class TranslatedRow:
    """A row in its live shape, the instance it came from and where its properties were set."""

    row: dict[str, Any]
    instance: TfInstance
    sources: dict[str, AttrPath] = field(default_factory=dict)


# --------------------------------------------------------------------------- value helpers


def normalize_location(value: Any) -> Any:
    """``"West Europe"`` → ``"westeurope"`` (what ARM returns); other values pass through."""
    if isinstance(value, str):
        return value.replace(" ", "").lower()
    return value


def as_bool(value: Any, default: bool | None, what: str) -> bool | Unknown | None:
    """A Terraform bool, with its string spellings, or ``default`` when unset."""
    if value is None:
        return default
    if isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return Unknown(f"{what} = {json.dumps(value, default=str)} is not a bool")


def _as_int(value: Any, what: str) -> int | Unknown | None:
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(f"{what} = {value} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return Unknown(f"{what} = {json.dumps(value, default=str)} is not a whole number")


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _status(flag: Any, enabled: str = "enabled", disabled: str = "disabled") -> Any:
    if isinstance(flag, Unknown):
        return flag
    return enabled if flag else disabled


def _first_block(value: Any) -> Mapping[str, Any] | Unknown | None:
    """The single nested block of a ``MaxItems: 1`` block attribute (or an object)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list) and value:
        first = value[0]
        if isinstance(first, Mapping | Unknown):
            return first
    return None


def _blocks(value: Any) -> list[Mapping[str, Any]] | Unknown:
    """Every nested block of a repeated block attribute (``ip_rule``, ``georeplications``)."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        out: list[Mapping[str, Any]] = []
        for item in value:
            if isinstance(item, Unknown):
                return item
            if isinstance(item, Mapping):
                out.append(item)
        return out
    return Unknown(f"{json.dumps(value, default=str)} is not a list of blocks")


def _str_list(value: Any) -> list[Any] | Unknown:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _segment(value: Any, address: str) -> str:
    """A name segment of a synthetic id: the literal name, or the Terraform address."""
    return value if isinstance(value, str) and value else address


def _rg(value: Any) -> str:
    return value if isinstance(value, str) and value else DEFAULT_RESOURCE_GROUP


def _tags(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    return {} if value is None else value


def _put(row: dict[str, Any], path: str, value: Any) -> None:
    """Set ``row[a][b][c]`` for ``path == "a.b.c"`` (only when ``value`` is not ``None``)."""
    if value is None:
        return
    keys = path.split(".")
    target = row
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


# --------------------------------------------------------------------------- ids


def azapi_id(arm_type: str, parent_id: Any, name: Any, address: str) -> str:
    """Id of an ``azapi_resource``: ``parent_id`` plus its type and name."""
    base_type = arm_type.split("@", 1)[0]
    segments = base_type.split("/")
    parent = parent_id if isinstance(parent_id, str) and parent_id else resource_group_id(None, None)
    leaf = _segment(name, address)
    if len(segments) == 2 or base_type.lower() in _EXTENSION_TYPES:
        return extension_id(parent, base_type, leaf)
    return f"{parent.rstrip('/')}/{segments[-1]}/{leaf}"


def natural_id(tf_type: str, get: Getter, address: str) -> str | None:
    """The synthetic ARM id of a resource (or data source) of ``tf_type``; ``None`` if unsupported.

    ``get(attr)`` returns an attribute's value (possibly :class:`Unknown`). Unknown names become
    the Terraform address, an unknown resource group becomes ``iac-rg``.
    """
    if tf_type == "azurerm_resource_group":
        return resource_group_id(None, _segment(get("name"), address))
    spec = _RG_SCOPED.get(tf_type)
    if spec is not None:
        provider_type, name_attrs = spec
        names = [_segment(get(attr), address) for attr in name_attrs]
        return resource_id(PLACEHOLDER_SUBSCRIPTION, _rg(get("resource_group_name")), provider_type, *names)
    if tf_type == "azurerm_role_assignment":
        scope = get("scope")
        base = scope if isinstance(scope, str) and scope else resource_group_id(None, None)
        return extension_id(base, "Microsoft.Authorization/roleAssignments", assignment_name(get("name"), address))
    if tf_type == "azurerm_monitor_diagnostic_setting":
        target = get("target_resource_id")
        base = target if isinstance(target, str) and target else resource_group_id(None, None)
        return extension_id(base, "Microsoft.Insights/diagnosticSettings", _segment(get("name"), address))
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


# --------------------------------------------------------------------------- translation


class Translator:
    """Translate the instances of one read (a plan, or one module's source) into rows.

    ``ids`` maps every instance address to its (unique) id; rows of child resources use it
    for their parent's id when the parent is declared in the same read.
    """

    def __init__(self, ids: Mapping[str, str]) -> None:
        self.ids = ids

    def translate(self, instances: Iterable[TfInstance]) -> list[TranslatedRow]:
        rows: list[TranslatedRow] = []
        passwords: list[TfInstance] = []
        for inst in instances:
            if inst.mode != "managed" or inst.tf_type not in SUPPORTED_TYPES:
                continue
            if inst.tf_type == "azurerm_container_registry_token_password":
                passwords.append(inst)
                continue
            handler = getattr(self, "_" + inst.tf_type)
            rows.extend(handler(inst))
        by_id = {r.row["id"].lower(): r for r in rows if isinstance(r.row.get("id"), str)}
        for inst in passwords:
            self._token_password(inst, by_id)
        return rows

    # ------------------------------------------------------------------ helpers

    def _id(self, inst: TfInstance) -> str:
        known = inst.attrs.get("id")
        if inst.address in self.ids:
            return self.ids[inst.address]
        if isinstance(known, str) and known.startswith("/"):
            return known
        rid = natural_id(inst.tf_type, lambda a: inst.attrs.get(a), inst.address)
        return rid if rid is not None else resource_group_id(None, None) + "/unknown/" + inst.address

    @staticmethod
    def _base(inst: TfInstance, rid: str, arm_type: str, location: bool = True) -> dict[str, Any]:
        a = inst.attrs
        row: dict[str, Any] = {"id": rid, "name": a.get("name"), "type": arm_type}
        if location:
            row["location"] = normalize_location(a.get("location"))
        rg = a.get("resource_group_name")
        if isinstance(rg, str):
            row["resourceGroup"] = rg
        if "tags" in a:
            row["tags"] = _tags(a.get("tags"))
        return row

    # ------------------------------------------------------------------ registries

    def _azurerm_container_registry(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        rid = self._id(inst)
        row = self._base(inst, rid, REGISTRY_TYPE)
        row.setdefault("tags", {})
        src: dict[str, AttrPath] = {"name": ("name",), "location": ("location",), "tags": ("tags",)}
        sku = a.get("sku")
        if (isinstance(sku, str) and sku) or isinstance(sku, Unknown):
            row["sku"] = {"name": sku, "tier": sku}
        elif sku is None:
            reason = Unknown(f"{inst.address} sets no sku (azurerm requires one)")
            row["sku"] = {"name": reason, "tier": reason}
        else:
            reason = Unknown(f"{inst.address}: sku = {json.dumps(sku, default=str)} is not a SKU name")
            row["sku"] = {"name": reason, "tier": reason}
        src["sku"] = src["sku.name"] = ("sku",)

        props: dict[str, Any] = {}
        row["properties"] = props
        name = a.get("name")
        if isinstance(name, str):
            props["loginServer"] = f"{name.lower()}.azurecr.io"

        def flag(attr: str, default: bool | None) -> Any:
            return as_bool(a.get(attr), default, f"{inst.address}.{attr}")

        props["adminUserEnabled"] = flag("admin_enabled", False)
        src["properties.adminUserEnabled"] = ("admin_enabled",)

        public = a.get("public_network_access_enabled")
        if isinstance(public, str) and public.lower() in ("enabled", "disabled"):
            props["publicNetworkAccess"] = public.capitalize()
        else:
            props["publicNetworkAccess"] = _status(flag("public_network_access_enabled", True), "Enabled", "Disabled")
        src["properties.publicNetworkAccess"] = ("public_network_access_enabled",)

        props["networkRuleSet"] = self._network_rule_set(inst, src)
        bypass = a.get("network_rule_bypass_option")
        props["networkRuleBypassOptions"] = "AzureServices" if bypass is None else bypass
        src["properties.networkRuleBypassOptions"] = ("network_rule_bypass_option",)

        props["anonymousPullEnabled"] = flag("anonymous_pull_enabled", False)
        src["properties.anonymousPullEnabled"] = ("anonymous_pull_enabled",)
        props["dataEndpointEnabled"] = flag("data_endpoint_enabled", False)
        src["properties.dataEndpointEnabled"] = ("data_endpoint_enabled",)
        props["zoneRedundancy"] = _status(flag("zone_redundancy_enabled", False), "Enabled", "Disabled")
        src["properties.zoneRedundancy"] = ("zone_redundancy_enabled",)

        props["policies"] = self._policies(inst, src)
        props["encryption"] = self._encryption(inst, src)

        identity = self._identity(a.get("identity"))
        if identity is not None:
            row["identity"] = identity
            src["identity"] = ("identity",)

        out = [TranslatedRow(row, inst, src)]
        out.extend(self._replications(inst, rid, row))
        return out

    @staticmethod
    def _network_rule_set(inst: TfInstance, src: dict[str, AttrPath]) -> Any:
        raw = inst.attrs.get("network_rule_set")
        src["properties.networkRuleSet"] = ("network_rule_set",)
        block = _first_block(raw)
        if isinstance(block, Unknown):
            return block
        if block is None:
            return {"defaultAction": "Allow", "ipRules": []}
        src["properties.networkRuleSet.defaultAction"] = ("network_rule_set", 0, "default_action")
        src["properties.networkRuleSet.ipRules"] = ("network_rule_set", 0, "ip_rule")
        action = block.get("default_action")
        out: dict[str, Any] = {"defaultAction": "Allow" if action is None else action}
        rules = _blocks(block.get("ip_rule"))
        if isinstance(rules, Unknown):
            out["ipRules"] = rules
        else:
            out["ipRules"] = [
                {"action": r.get("action") if r.get("action") is not None else "Allow", "value": r.get("ip_range")}
                for r in rules
            ]
        vnets = _blocks(block.get("virtual_network"))
        if isinstance(vnets, Unknown) or vnets:
            out["virtualNetworkRules"] = (
                vnets
                if isinstance(vnets, Unknown)
                else [{"action": _default(v.get("action"), "Allow"), "id": v.get("subnet_id")} for v in vnets]
            )
        return out

    @staticmethod
    def _policies(inst: TfInstance, src: dict[str, AttrPath]) -> dict[str, Any]:
        a = inst.attrs
        where = inst.address

        quarantine = as_bool(a.get("quarantine_policy_enabled"), False, f"{where}.quarantine_policy_enabled")
        src["properties.policies.quarantinePolicy"] = ("quarantine_policy_enabled",)
        src["properties.policies.quarantinePolicy.status"] = ("quarantine_policy_enabled",)

        trust: Any
        trust_block = _first_block(a.get("trust_policy"))
        if isinstance(trust_block, Unknown):
            trust = trust_block
            src["properties.policies.trustPolicy.status"] = ("trust_policy",)
        elif trust_block is not None:
            trust = as_bool(trust_block.get("enabled"), False, f"{where}.trust_policy.enabled")
            src["properties.policies.trustPolicy.status"] = ("trust_policy", 0, "enabled")
        else:
            trust = as_bool(a.get("trust_policy_enabled"), False, f"{where}.trust_policy_enabled")
            src["properties.policies.trustPolicy.status"] = ("trust_policy_enabled",)
        src["properties.policies.trustPolicy"] = src["properties.policies.trustPolicy.status"]

        retention: dict[str, Any]
        days_attr = a.get("retention_policy_in_days")
        retention_block = _first_block(a.get("retention_policy"))
        if isinstance(retention_block, Unknown):
            retention = {"status": retention_block}
            path: AttrPath = ("retention_policy",)
        elif retention_block is not None:
            enabled = as_bool(retention_block.get("enabled"), False, f"{where}.retention_policy.enabled")
            days = _as_int(retention_block.get("days"), f"{where}.retention_policy.days")
            retention = {"days": 7 if days is None else days, "status": _status(enabled)}
            path = ("retention_policy", 0, "enabled")
            src["properties.policies.retentionPolicy.days"] = ("retention_policy", 0, "days")
        else:
            days = _as_int(days_attr, f"{where}.retention_policy_in_days")
            path = ("retention_policy_in_days",)
            if isinstance(days, Unknown):
                retention = {"days": days, "status": days}
            elif days:
                retention = {"days": days, "status": "enabled"}
            else:
                retention = {"status": "disabled"}
            src["properties.policies.retentionPolicy.days"] = path
        src["properties.policies.retentionPolicy"] = path
        src["properties.policies.retentionPolicy.status"] = path

        export = as_bool(a.get("export_policy_enabled"), True, f"{where}.export_policy_enabled")
        src["properties.policies.exportPolicy"] = ("export_policy_enabled",)
        src["properties.policies.exportPolicy.status"] = ("export_policy_enabled",)
        return {
            "quarantinePolicy": {"status": _status(quarantine)},
            "trustPolicy": {"type": "Notary", "status": _status(trust)},
            "retentionPolicy": retention,
            "exportPolicy": {"status": _status(export)},
        }

    @staticmethod
    def _encryption(inst: TfInstance, src: dict[str, AttrPath]) -> Any:
        block = _first_block(inst.attrs.get("encryption"))
        src["properties.encryption"] = src["properties.encryption.status"] = ("encryption",)
        if isinstance(block, Unknown):
            return {"status": block}
        if block is None:
            return {"status": "disabled"}
        enabled = as_bool(block.get("enabled"), True, f"{inst.address}.encryption.enabled")
        if enabled is False:
            return {"status": "disabled"}
        key_vault: dict[str, Any] = {}
        _put(key_vault, "keyIdentifier", block.get("key_vault_key_id"))
        _put(key_vault, "identity", block.get("identity_client_id"))
        return {"status": _status(enabled), "keyVaultProperties": key_vault}

    @staticmethod
    def _identity(value: Any) -> Any:
        block = _first_block(value)
        if block is None or isinstance(block, Unknown):
            return block
        out: dict[str, Any] = {"type": block.get("type")}
        ids = _str_list(block.get("identity_ids"))
        if isinstance(ids, Unknown):
            out["userAssignedIdentities"] = ids
        elif ids:
            out["userAssignedIdentities"] = {str(i): {} for i in ids if isinstance(i, str)}
        return out

    def _replications(self, inst: TfInstance, rid: str, registry: dict[str, Any]) -> list[TranslatedRow]:
        a = inst.attrs
        blocks = _blocks(a.get("georeplications"))
        legacy = _str_list(a.get("georeplication_locations"))
        if isinstance(blocks, Unknown) or isinstance(legacy, Unknown):
            reason = blocks if isinstance(blocks, Unknown) else legacy
            assert isinstance(reason, Unknown)
            registry["replications"] = reason
            return []
        entries = [dict(b) for b in blocks] + [{"location": loc} for loc in legacy]
        out = []
        for index, entry in enumerate(entries):
            location = normalize_location(entry.get("location"))
            leaf = location if isinstance(location, str) else f"{inst.address}.georeplications[{index}]"
            zone = as_bool(entry.get("zone_redundancy_enabled"), False, f"{inst.address}.georeplications")
            endpoint = as_bool(entry.get("regional_endpoint_enabled"), True, f"{inst.address}.georeplications")
            row = {
                "id": f"{rid}/replications/{leaf}",
                "name": leaf if isinstance(location, str) else location,
                "type": REGISTRY_TYPE + "/replications",
                "location": location,
                "tags": _tags(entry.get("tags")),
                "properties": {
                    "regionEndpointEnabled": endpoint,
                    "zoneRedundancy": _status(zone, "Enabled", "Disabled"),
                },
            }
            src: dict[str, AttrPath] = {"location": ("georeplications", index, "location")}
            if index < (len(blocks)):
                src["properties.zoneRedundancy"] = ("georeplications", index, "zone_redundancy_enabled")
            out.append(TranslatedRow(row, inst, src))
        return out

    # ------------------------------------------------------------------ registry children

    def _azurerm_container_registry_token(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        row = self._base(inst, self._id(inst), REGISTRY_TYPE + "/tokens", location=False)
        enabled = as_bool(a.get("enabled"), True, f"{inst.address}.enabled")
        row["properties"] = {"scopeMapId": a.get("scope_map_id"), "status": _status(enabled)}
        src: dict[str, AttrPath] = {
            "properties.scopeMapId": ("scope_map_id",),
            "properties.status": ("enabled",),
        }
        return [TranslatedRow(row, inst, src)]

    @staticmethod
    def _token_password(inst: TfInstance, by_id: Mapping[str, TranslatedRow]) -> None:
        token_id = inst.attrs.get("container_registry_token_id")
        if not isinstance(token_id, str):
            return
        token = by_id.get(token_id.lower())
        if token is None:
            return
        passwords = []
        for name in ("password1", "password2"):
            block = _first_block(inst.attrs.get(name))
            if block is None:
                continue
            if isinstance(block, Unknown):
                passwords.append({"name": name, "expiry": block})
                continue
            entry: dict[str, Any] = {"name": name}
            _put(entry, "expiry", block.get("expiry"))
            passwords.append(entry)
        token.row["properties"].setdefault("credentials", {})["passwords"] = passwords

    def _azurerm_container_registry_scope_map(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        row = self._base(inst, self._id(inst), REGISTRY_TYPE + "/scopeMaps", location=False)
        row["properties"] = {"type": "UserDefined", "actions": _str_list(a.get("actions"))}
        _put(row["properties"], "description", a.get("description"))
        return [TranslatedRow(row, inst, {"properties.actions": ("actions",)})]

    def _azurerm_container_registry_webhook(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        row = self._base(inst, self._id(inst), REGISTRY_TYPE + "/webhooks")
        row.setdefault("tags", {})
        status = a.get("status")
        row["properties"] = {
            "status": "enabled" if status is None else status,
            "scope": "" if a.get("scope") is None else a.get("scope"),
            "actions": _str_list(a.get("actions")),
        }
        src: dict[str, AttrPath] = {
            "properties.status": ("status",),
            "properties.scope": ("scope",),
            "properties.actions": ("actions",),
        }
        return [TranslatedRow(row, inst, src)]

    # ------------------------------------------------------------------ private link

    def _azurerm_private_endpoint(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        rid = self._id(inst)
        row = self._base(inst, rid, "Microsoft.Network/privateEndpoints")
        row.setdefault("tags", {})
        src: dict[str, AttrPath] = {"properties.subnet.id": ("subnet_id",)}
        auto: list[dict[str, Any]] = []
        manual: list[dict[str, Any]] = []
        connections = _blocks(a.get("private_service_connection"))
        if isinstance(connections, Unknown):
            auto_or_unknown: Any = connections
        else:
            for index, conn in enumerate(connections):
                is_manual = as_bool(conn.get("is_manual_connection"), False, f"{inst.address}.is_manual_connection")
                cname = conn.get("name")
                status: Any = is_manual if isinstance(is_manual, Unknown) else ("Pending" if is_manual else "Approved")
                target = conn.get("private_connection_resource_id")
                if target is None and conn.get("private_connection_resource_alias") is not None:
                    target = Unknown(
                        f"{inst.address} connects by alias {conn.get('private_connection_resource_alias')}"
                    )
                entry: dict[str, Any] = {
                    "id": f"{rid}/privateLinkServiceConnections/{_segment(cname, str(index))}",
                    "name": cname,
                    "properties": {
                        "privateLinkServiceId": target,
                        "groupIds": _str_list(conn.get("subresource_names")),
                        "privateLinkServiceConnectionState": {
                            "status": status,
                            "description": "Auto-Approved" if status == "Approved" else "",
                            "actionsRequired": "None",
                        },
                    },
                }
                _put(entry["properties"], "requestMessage", conn.get("request_message"))
                (manual if is_manual is True else auto).append(entry)
                kind = "manualPrivateLinkServiceConnections" if is_manual is True else "privateLinkServiceConnections"
                src[f"properties.{kind}"] = ("private_service_connection", index)
            auto_or_unknown = auto
        props: dict[str, Any] = {
            "subnet": {"id": a.get("subnet_id")},
            "privateLinkServiceConnections": auto_or_unknown,
            "manualPrivateLinkServiceConnections": manual,
            "networkInterfaces": [],
            "customDnsConfigs": [],
        }
        _put(props, "customNetworkInterfaceName", a.get("custom_network_interface_name"))
        ip_configs = _blocks(a.get("ip_configuration"))
        if isinstance(ip_configs, Unknown) or ip_configs:
            props["ipConfigurations"] = (
                ip_configs
                if isinstance(ip_configs, Unknown)
                else [
                    {
                        "name": c.get("name"),
                        "properties": {
                            "groupId": c.get("subresource_name"),
                            "memberName": c.get("member_name"),
                            "privateIPAddress": c.get("private_ip_address"),
                        },
                    }
                    for c in ip_configs
                ]
            )
        row["properties"] = props
        out = [TranslatedRow(row, inst, src)]
        groups = _blocks(a.get("private_dns_zone_group"))
        if not isinstance(groups, Unknown):
            for index, group in enumerate(groups):
                gname = _segment(group.get("name"), f"{inst.address}.private_dns_zone_group")
                zone_ids = _str_list(group.get("private_dns_zone_ids"))
                configs: Any = (
                    zone_ids
                    if isinstance(zone_ids, Unknown)
                    else [
                        {"name": _zone_name(z), "properties": {"privateDnsZoneId": z, "recordSets": []}}
                        for z in zone_ids
                    ]
                )
                grow = {
                    "id": f"{rid}/privateDnsZoneGroups/{gname}",
                    "name": gname,
                    "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                    "properties": {"privateDnsZoneConfigs": configs},
                }
                gsrc: dict[str, AttrPath] = {
                    "properties.privateDnsZoneConfigs": ("private_dns_zone_group", index, "private_dns_zone_ids")
                }
                out.append(TranslatedRow(grow, inst, gsrc))
        return out

    def _azurerm_private_dns_zone(self, inst: TfInstance) -> list[TranslatedRow]:
        row = self._base(inst, self._id(inst), "Microsoft.Network/privateDnsZones", location=False)
        row["location"] = "global"
        row.setdefault("tags", {})
        row["properties"] = {}
        return [TranslatedRow(row, inst, {"name": ("name",)})]

    def _azurerm_private_dns_zone_virtual_network_link(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        row = self._base(inst, self._id(inst), "Microsoft.Network/privateDnsZones/virtualNetworkLinks", location=False)
        row["location"] = "global"
        row.setdefault("tags", {})
        row["properties"] = {
            "virtualNetwork": {"id": a.get("virtual_network_id")},
            "registrationEnabled": as_bool(
                a.get("registration_enabled"), False, f"{inst.address}.registration_enabled"
            ),
            "virtualNetworkLinkState": "Completed",
            "provisioningState": "Succeeded",
        }
        _put(row["properties"], "resolutionPolicy", a.get("resolution_policy"))
        src: dict[str, AttrPath] = {
            "properties.virtualNetwork.id": ("virtual_network_id",),
            "properties.registrationEnabled": ("registration_enabled",),
        }
        return [TranslatedRow(row, inst, src)]

    def _azurerm_private_dns_a_record(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        row = self._base(inst, self._id(inst), "Microsoft.Network/privateDnsZones/A", location=False)
        name, zone = a.get("name"), a.get("zone_name")
        records = _str_list(a.get("records"))
        row["properties"] = {
            "ttl": a.get("ttl"),
            "fqdn": f"{name}.{zone}."
            if isinstance(name, str) and isinstance(zone, str)
            else Unknown(f"{inst.address}: record name or zone is not known"),
            "isAutoRegistered": False,
            "aRecords": records if isinstance(records, Unknown) else [{"ipv4Address": ip} for ip in records],
        }
        return [TranslatedRow(row, inst, {"properties.aRecords": ("records",), "properties.ttl": ("ttl",)})]

    # ------------------------------------------------------------------ authorization and monitoring

    def _azurerm_role_assignment(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        rid = self._id(inst)
        row: dict[str, Any] = {
            "id": rid,
            "name": rid.rsplit("/", 1)[-1],
            "type": "Microsoft.Authorization/roleAssignments",
        }
        scope = a.get("scope")
        principal_type = a.get("principal_type")
        if principal_type is None:
            principal_type = Unknown(
                f"{inst.address} sets no principal_type; Azure fills it in from the principal at deployment"
            )
        props: dict[str, Any] = {
            "roleDefinitionId": role_definition_id(inst, scope),
            "principalId": a.get("principal_id"),
            "principalType": principal_type,
            "scope": scope,
        }
        for attr, key in (("condition", "condition"), ("condition_version", "conditionVersion")):
            props[key] = a.get(attr)
        _put(props, "description", a.get("description"))
        row["properties"] = props
        src: dict[str, AttrPath] = {
            "properties.roleDefinitionId": ("role_definition_name",)
            if a.get("role_definition_name") is not None
            else ("role_definition_id",),
            "properties.principalId": ("principal_id",),
            "properties.principalType": ("principal_type",),
            "properties.scope": ("scope",),
        }
        src["role"] = src["properties.roleDefinitionId"]
        return [TranslatedRow(row, inst, src)]

    def _azurerm_monitor_diagnostic_setting(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        row: dict[str, Any] = {
            "id": self._id(inst),
            "name": a.get("name"),
            "type": "Microsoft.Insights/diagnosticSettings",
        }
        logs: list[dict[str, Any]] | Unknown = []
        src: dict[str, AttrPath] = {"properties.workspaceId": ("log_analytics_workspace_id",)}
        for attr in ("enabled_log", "log"):
            blocks = _blocks(a.get(attr))
            if isinstance(blocks, Unknown):
                logs = blocks
                src["properties.logs"] = (attr,)
                break
            assert not isinstance(logs, Unknown)
            for block in blocks:
                enabled = as_bool(block.get("enabled"), True, f"{inst.address}.{attr}.enabled")
                logs.append(
                    {
                        "category": block.get("category"),
                        "categoryGroup": block.get("category_group"),
                        "enabled": enabled,
                    }
                )
            if blocks:
                src["properties.logs"] = (attr,)
        metrics: list[dict[str, Any]] | Unknown = []
        for attr in ("enabled_metric", "metric"):
            blocks = _blocks(a.get(attr))
            if isinstance(blocks, Unknown):
                metrics = blocks
                break
            assert not isinstance(metrics, Unknown)
            for block in blocks:
                enabled = as_bool(block.get("enabled"), True, f"{inst.address}.{attr}.enabled")
                metrics.append({"category": block.get("category"), "enabled": enabled})
        props: dict[str, Any] = {"logs": logs, "metrics": metrics}
        for attr, key in (
            ("log_analytics_workspace_id", "workspaceId"),
            ("storage_account_id", "storageAccountId"),
            ("eventhub_authorization_rule_id", "eventHubAuthorizationRuleId"),
            ("eventhub_name", "eventHubName"),
            ("log_analytics_destination_type", "logAnalyticsDestinationType"),
            ("partner_solution_id", "marketplacePartnerId"),
        ):
            _put(props, key, a.get(attr))
        row["properties"] = props
        return [TranslatedRow(row, inst, src)]

    # ------------------------------------------------------------------ azapi

    def _azapi_resource(self, inst: TfInstance) -> list[TranslatedRow]:
        a = inst.attrs
        arm_type_raw = a.get("type")
        if not isinstance(arm_type_raw, str):
            return []
        arm_type = arm_type_raw.split("@", 1)[0]
        if arm_type.lower() not in AZAPI_TYPES:
            return []
        body: Any = a.get("body")
        body_path: AttrPath = ("body",)
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                body = Unknown(f"{inst.address}.body is not JSON")
        if body is None:
            body = {}
        rid = self._id(inst)
        row: dict[str, Any] = {"id": rid, "name": a.get("name"), "type": arm_type}
        src: dict[str, AttrPath] = {"name": ("name",)}
        location = a.get("location")
        if isinstance(body, Mapping):
            for key, value in body.items():
                if key in ("id", "name", "type"):
                    continue
                row[key] = value
                src[key] = (*body_path, key)
                if isinstance(value, Mapping):
                    for sub in value:
                        src[f"{key}.{sub}"] = (*body_path, key, sub)
            if location is None:
                location = body.get("location")
        else:
            row["properties"] = body
        if location is not None or arm_type.lower() == REGISTRY_TYPE.lower():
            row["location"] = normalize_location(location)
            src["location"] = ("location",)
        if "tags" in a and a.get("tags") is not None:
            row["tags"] = _tags(a.get("tags"))
        identity = self._identity(a.get("identity"))
        if identity is not None:
            row["identity"] = identity
        if arm_type.lower() == REGISTRY_TYPE.lower():
            row.setdefault("tags", {})
            row.setdefault("properties", {})
            name = a.get("name")
            props = row["properties"]
            if isinstance(props, dict) and isinstance(name, str):
                props.setdefault("loginServer", f"{name.lower()}.azurecr.io")
        return [TranslatedRow(row, inst, src)]


def _zone_name(zone_id: Any) -> Any:
    if isinstance(zone_id, str):
        return zone_id.rstrip("/").rsplit("/", 1)[-1]
    return zone_id


def role_definition_id(inst: TfInstance, scope: Any) -> Any:
    """``roleDefinitionId`` from ``role_definition_id`` or a built-in ``role_definition_name``."""
    a = inst.attrs
    given = a.get("role_definition_id")
    if given is not None:
        return given
    name = a.get("role_definition_name")
    if isinstance(name, Unknown):
        return name
    if not isinstance(name, str):
        return Unknown(f"{inst.address} sets neither role_definition_id nor role_definition_name")
    guid = _ROLE_GUIDS.get(name.lower())
    if guid is None:
        return Unknown(f"{inst.address}: role_definition_name {name!r} is not a built-in role this scanner knows")
    sub = PLACEHOLDER_SUBSCRIPTION
    if isinstance(scope, str) and scope.lower().startswith("/subscriptions/"):
        sub = scope.split("/")[2]
    return f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def principal_type_for(reference: str) -> str | None:
    """The principal type implied by what ``principal_id`` refers to (``None`` when it says nothing).

    Managed identities (user- or system-assigned) and Entra service principals are
    ``ServicePrincipal`` in role assignments; groups and users are themselves.
    """
    parts = reference.split(".")
    if parts and parts[0] == "data":
        parts = parts[1:]
    while parts and parts[0] == "module" and len(parts) > 2:
        parts = parts[2:]
    if not parts:
        return None
    tf_type = parts[0]
    rest = ".".join(parts[1:])
    if tf_type in ("azurerm_user_assigned_identity", "azuread_service_principal"):
        return "ServicePrincipal"
    if tf_type == "azuread_group":
        return "Group"
    if tf_type == "azuread_user":
        return "User"
    if "identity" in rest and rest.endswith(("principal_id", "object_id")) and tf_type.startswith("azurerm_"):
        return "ServicePrincipal"
    return None
