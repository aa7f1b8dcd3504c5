"""``azurerm_private_endpoint`` → a private endpoint row and one row per private DNS zone group.

An automatic connection is ``Approved`` and a manual one ``Pending``, as Azure sets them on
deployment; network interfaces exist only once deployed, so the list is empty
(docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def translate_private_endpoint(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The private endpoint row, then one row per ``private_dns_zone_group``."""
    a = inst.attrs
    row = rows.base_row(inst, rid, "Microsoft.Network/privateEndpoints")
    row.setdefault("tags", {})
    src: dict[str, AttrPath] = {"properties.subnet.id": ("subnet_id",)}
    auto: list[dict[str, Any]] = []
    manual: list[dict[str, Any]] = []
    connections = rows.block_list(a.get("private_service_connection"))
    if isinstance(connections, Unknown):
        auto_or_unknown: Any = connections
    else:
        for index, conn in enumerate(connections):
            is_manual = rows.as_bool(conn.get("is_manual_connection"), False, f"{inst.address}.is_manual_connection")
            cname = conn.get("name")
            status: Any = is_manual if isinstance(is_manual, Unknown) else ("Pending" if is_manual else "Approved")
            target = conn.get("private_connection_resource_id")
            if target is None and conn.get("private_connection_resource_alias") is not None:
                target = Unknown(f"{inst.address} connects by alias {conn.get('private_connection_resource_alias')}")
            entry: dict[str, Any] = {
                "id": f"{rid}/privateLinkServiceConnections/{rows.name_segment(cname, str(index))}",
                "name": cname,
                "properties": {
                    "privateLinkServiceId": target,
                    "groupIds": rows.str_list(conn.get("subresource_names")),
                    "privateLinkServiceConnectionState": {
                        "status": status,
                        "description": "Auto-Approved" if status == "Approved" else "",
                        "actionsRequired": "None",
                    },
                },
            }
            rows.put(entry["properties"], "requestMessage", conn.get("request_message"))
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
    rows.put(props, "customNetworkInterfaceName", a.get("custom_network_interface_name"))
    ip_configs = rows.block_list(a.get("ip_configuration"))
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
    groups = rows.block_list(a.get("private_dns_zone_group"))
    if not isinstance(groups, Unknown):
        for index, group in enumerate(groups):
            gname = rows.name_segment(group.get("name"), f"{inst.address}.private_dns_zone_group")
            zone_ids = rows.str_list(group.get("private_dns_zone_ids"))
            configs: Any = (
                zone_ids
                if isinstance(zone_ids, Unknown)
                else [
                    {"name": _zone_name(z), "properties": {"privateDnsZoneId": z, "recordSets": []}} for z in zone_ids
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


def _zone_name(zone_id: Any) -> Any:
    if isinstance(zone_id, str):
        return zone_id.rstrip("/").rsplit("/", 1)[-1]
    return zone_id
