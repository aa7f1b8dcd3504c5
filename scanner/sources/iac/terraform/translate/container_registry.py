"""``azurerm_container_registry`` → a registry row and one row per geo-replication.

The provider's defaults apply to what the configuration leaves out (``admin_enabled`` false,
``public_network_access_enabled`` true, ``export_policy_enabled`` true, …), so a registry reads
the same whether it came from a plan, from source, from an ARM template or from Azure
(docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

import json
from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def translate_registry(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The registry row (provider defaults applied), then its replication rows."""
    a = inst.attrs
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE)
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
        return rows.as_bool(a.get(attr), default, f"{inst.address}.{attr}")

    props["adminUserEnabled"] = flag("admin_enabled", False)
    src["properties.adminUserEnabled"] = ("admin_enabled",)

    public = a.get("public_network_access_enabled")
    if isinstance(public, str) and public.lower() in ("enabled", "disabled"):
        props["publicNetworkAccess"] = public.capitalize()
    else:
        props["publicNetworkAccess"] = rows.enabled_status(
            flag("public_network_access_enabled", True), "Enabled", "Disabled"
        )
    src["properties.publicNetworkAccess"] = ("public_network_access_enabled",)

    props["networkRuleSet"] = _network_rule_set(inst, src)
    bypass = a.get("network_rule_bypass_option")
    props["networkRuleBypassOptions"] = "AzureServices" if bypass is None else bypass
    src["properties.networkRuleBypassOptions"] = ("network_rule_bypass_option",)
    # azurerm 4.81.0 and later; before, only an azapi_update_resource could set it.
    props["networkRuleBypassAllowedForTasks"] = flag("network_rule_bypass_for_tasks_enabled", False)
    src["properties.networkRuleBypassAllowedForTasks"] = ("network_rule_bypass_for_tasks_enabled",)

    props["anonymousPullEnabled"] = flag("anonymous_pull_enabled", False)
    src["properties.anonymousPullEnabled"] = ("anonymous_pull_enabled",)
    props["dataEndpointEnabled"] = flag("data_endpoint_enabled", False)
    src["properties.dataEndpointEnabled"] = ("data_endpoint_enabled",)
    props["zoneRedundancy"] = rows.enabled_status(flag("zone_redundancy_enabled", False), "Enabled", "Disabled")
    src["properties.zoneRedundancy"] = ("zone_redundancy_enabled",)

    props["policies"] = _policies(inst, src)
    props["encryption"] = _encryption(inst, src)

    identity = rows.identity_of(a.get("identity"))
    if identity is not None:
        row["identity"] = identity
        src["identity"] = ("identity",)

    out = [TranslatedRow(row, inst, src)]
    out.extend(_replications(inst, rid, row))
    return out


def _network_rule_set(inst: TfInstance, src: dict[str, AttrPath]) -> Any:
    raw = inst.attrs.get("network_rule_set")
    src["properties.networkRuleSet"] = ("network_rule_set",)
    block = rows.first_block(raw)
    if isinstance(block, Unknown):
        return block
    if block is None:
        return {"defaultAction": "Allow", "ipRules": []}
    src["properties.networkRuleSet.defaultAction"] = ("network_rule_set", 0, "default_action")
    src["properties.networkRuleSet.ipRules"] = ("network_rule_set", 0, "ip_rule")
    action = block.get("default_action")
    out: dict[str, Any] = {"defaultAction": "Allow" if action is None else action}
    rules = rows.block_list(block.get("ip_rule"))
    if isinstance(rules, Unknown):
        out["ipRules"] = rules
    else:
        out["ipRules"] = [
            {"action": r.get("action") if r.get("action") is not None else "Allow", "value": r.get("ip_range")}
            for r in rules
        ]
    vnets = rows.block_list(block.get("virtual_network"))
    if isinstance(vnets, Unknown) or vnets:
        out["virtualNetworkRules"] = (
            vnets
            if isinstance(vnets, Unknown)
            else [{"action": rows.or_default(v.get("action"), "Allow"), "id": v.get("subnet_id")} for v in vnets]
        )
    return out


def _policies(inst: TfInstance, src: dict[str, AttrPath]) -> dict[str, Any]:
    a = inst.attrs
    where = inst.address

    quarantine = rows.as_bool(a.get("quarantine_policy_enabled"), False, f"{where}.quarantine_policy_enabled")
    src["properties.policies.quarantinePolicy"] = ("quarantine_policy_enabled",)
    src["properties.policies.quarantinePolicy.status"] = ("quarantine_policy_enabled",)

    trust: Any
    trust_block = rows.first_block(a.get("trust_policy"))
    if isinstance(trust_block, Unknown):
        trust = trust_block
        src["properties.policies.trustPolicy.status"] = ("trust_policy",)
    elif trust_block is not None:
        trust = rows.as_bool(trust_block.get("enabled"), False, f"{where}.trust_policy.enabled")
        src["properties.policies.trustPolicy.status"] = ("trust_policy", 0, "enabled")
    else:
        trust = rows.as_bool(a.get("trust_policy_enabled"), False, f"{where}.trust_policy_enabled")
        src["properties.policies.trustPolicy.status"] = ("trust_policy_enabled",)
    src["properties.policies.trustPolicy"] = src["properties.policies.trustPolicy.status"]

    retention: dict[str, Any]
    days_attr = a.get("retention_policy_in_days")
    retention_block = rows.first_block(a.get("retention_policy"))
    if isinstance(retention_block, Unknown):
        retention = {"status": retention_block}
        path: AttrPath = ("retention_policy",)
    elif retention_block is not None:
        enabled = rows.as_bool(retention_block.get("enabled"), False, f"{where}.retention_policy.enabled")
        days = rows.as_int(retention_block.get("days"), f"{where}.retention_policy.days")
        retention = {"days": 7 if days is None else days, "status": rows.enabled_status(enabled)}
        path = ("retention_policy", 0, "enabled")
        src["properties.policies.retentionPolicy.days"] = ("retention_policy", 0, "days")
    else:
        days = rows.as_int(days_attr, f"{where}.retention_policy_in_days")
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

    export = rows.as_bool(a.get("export_policy_enabled"), True, f"{where}.export_policy_enabled")
    src["properties.policies.exportPolicy"] = ("export_policy_enabled",)
    src["properties.policies.exportPolicy.status"] = ("export_policy_enabled",)
    return {
        "quarantinePolicy": {"status": rows.enabled_status(quarantine)},
        "trustPolicy": {"type": "Notary", "status": rows.enabled_status(trust)},
        "retentionPolicy": retention,
        "exportPolicy": {"status": rows.enabled_status(export)},
    }


def _encryption(inst: TfInstance, src: dict[str, AttrPath]) -> Any:
    block = rows.first_block(inst.attrs.get("encryption"))
    src["properties.encryption"] = src["properties.encryption.status"] = ("encryption",)
    if isinstance(block, Unknown):
        return {"status": block}
    if block is None:
        return {"status": "disabled"}
    enabled = rows.as_bool(block.get("enabled"), True, f"{inst.address}.encryption.enabled")
    if enabled is False:
        return {"status": "disabled"}
    key_vault: dict[str, Any] = {}
    rows.put(key_vault, "keyIdentifier", block.get("key_vault_key_id"))
    rows.put(key_vault, "identity", block.get("identity_client_id"))
    return {"status": rows.enabled_status(enabled), "keyVaultProperties": key_vault}


def _replications(inst: TfInstance, rid: str, registry: dict[str, Any]) -> list[TranslatedRow]:
    a = inst.attrs
    blocks = rows.block_list(a.get("georeplications"))
    legacy = rows.str_list(a.get("georeplication_locations"))
    if isinstance(blocks, Unknown) or isinstance(legacy, Unknown):
        reason = blocks if isinstance(blocks, Unknown) else legacy
        assert isinstance(reason, Unknown)
        registry["replications"] = reason
        return []
    entries = [dict(b) for b in blocks] + [{"location": loc} for loc in legacy]
    out = []
    for index, entry in enumerate(entries):
        location = rows.normalize_location(entry.get("location"))
        leaf = location if isinstance(location, str) else f"{inst.address}.georeplications[{index}]"
        zone = rows.as_bool(entry.get("zone_redundancy_enabled"), False, f"{inst.address}.georeplications")
        endpoint = rows.as_bool(entry.get("regional_endpoint_enabled"), True, f"{inst.address}.georeplications")
        row = {
            "id": f"{rid}/replications/{leaf}",
            "name": leaf if isinstance(location, str) else location,
            "type": rows.REGISTRY_TYPE + "/replications",
            "location": location,
            "tags": rows.tags_of(entry.get("tags")),
            "properties": {
                "regionEndpointEnabled": endpoint,
                "zoneRedundancy": rows.enabled_status(zone, "Enabled", "Disabled"),
            },
        }
        src: dict[str, AttrPath] = {"location": ("georeplications", index, "location")}
        if index < (len(blocks)):
            src["properties.zoneRedundancy"] = ("georeplications", index, "zone_redundancy_enabled")
        out.append(TranslatedRow(row, inst, src))
    return out
