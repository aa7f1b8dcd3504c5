"""Private DNS: ``azurerm_private_dns_zone``, its virtual network links and A records → rows.

A link's state is ``Completed``, the state a deployed link reaches; nothing in the
configuration governs it (docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def translate_dns_zone(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The private DNS zone row (location ``global``)."""
    row = rows.base_row(inst, rid, "Microsoft.Network/privateDnsZones", location=False)
    row["location"] = "global"
    row.setdefault("tags", {})
    row["properties"] = {}
    return [TranslatedRow(row, inst, {"name": ("name",)})]


def translate_vnet_link(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The virtual network link row, in the state a deployed link reaches."""
    a = inst.attrs
    row = rows.base_row(inst, rid, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", location=False)
    row["location"] = "global"
    row.setdefault("tags", {})
    row["properties"] = {
        "virtualNetwork": {"id": a.get("virtual_network_id")},
        "registrationEnabled": rows.as_bool(
            a.get("registration_enabled"), False, f"{inst.address}.registration_enabled"
        ),
        "virtualNetworkLinkState": "Completed",
        "provisioningState": "Succeeded",
    }
    rows.put(row["properties"], "resolutionPolicy", a.get("resolution_policy"))
    src: dict[str, AttrPath] = {
        "properties.virtualNetwork.id": ("virtual_network_id",),
        "properties.registrationEnabled": ("registration_enabled",),
    }
    return [TranslatedRow(row, inst, src)]


def translate_a_record(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The A record set row."""
    a = inst.attrs
    row = rows.base_row(inst, rid, "Microsoft.Network/privateDnsZones/A", location=False)
    name, zone = a.get("name"), a.get("zone_name")
    records = rows.str_list(a.get("records"))
    row["properties"] = {
        "ttl": a.get("ttl"),
        "fqdn": f"{name}.{zone}."
        if isinstance(name, str) and isinstance(zone, str)
        else Unknown(f"{inst.address}: record name or zone is not known"),
        "isAutoRegistered": False,
        "aRecords": records if isinstance(records, Unknown) else [{"ipv4Address": ip} for ip in records],
    }
    return [TranslatedRow(row, inst, {"properties.aRecords": ("records",), "properties.ttl": ("ttl",)})]
