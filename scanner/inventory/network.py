"""The network side of Private Link: private endpoints, their NICs, and the private DNS zones.

Only ``privatelink.azurecr.io`` zones matter to a registry; a link or record set outside such
a zone is left out. Each list that was not collected becomes an :class:`Unknown` on the
inventory, so the endpoints' DNS checks report ``unknown`` rather than a pass.
"""

from __future__ import annotations

from scanner.azure.ids import last_segment, norm, parent_vnet, resource_group_of, subscription_of
from scanner.inventory.model import ARecord, DnsZone, Inventory, NicIpConfig, PrivateEndpoint, Raw, VnetLink
from scanner.inventory.rows import Section, as_list, as_map, collected, props, text
from scanner.unknown import Unknown

PRIVATELINK_ZONE = "privatelink.azurecr.io"


def _registry_targets(endpoint_props: Raw) -> list[tuple[str, str]]:
    """(registry key, connection status) of every connection of an endpoint to a registry."""
    targets = []
    for conn in [
        *as_list(endpoint_props.get("privateLinkServiceConnections")),
        *as_list(endpoint_props.get("manualPrivateLinkServiceConnections")),
    ]:
        conn_props = props(conn)
        target = conn_props.get("privateLinkServiceId")
        if isinstance(target, str) and "/microsoft.containerregistry/registries/" in target.lower():
            state = as_map(conn_props.get("privateLinkServiceConnectionState"))
            targets.append((norm(target), text(state.get("status")) or "Unknown"))
    return targets


def _private_endpoints(inv: Inventory, rows: list[Raw]) -> dict[str, PrivateEndpoint]:
    endpoints: dict[str, PrivateEndpoint] = {}
    for row in rows:
        row_props = props(row)
        targets = _registry_targets(row_props)
        subnet_value = as_map(row_props.get("subnet")).get("id")
        subnet = subnet_value if type(subnet_value) is str and subnet_value else None
        vnet = parent_vnet(subnet) if subnet else None
        endpoint = PrivateEndpoint(
            id=row["id"],
            key=norm(row["id"]),
            name=text(row.get("name")) or last_segment(row["id"]),
            subscription_id=text(row.get("subscriptionId")) or subscription_of(row["id"]),
            resource_group=text(row.get("resourceGroup")) or resource_group_of(row["id"]),
            subnet_id=subnet,
            vnet_key=norm(vnet) if vnet else None,
            vnet_id=vnet,
            nic_keys=tuple(
                norm(n["id"])
                for n in as_list(row_props.get("networkInterfaces"))
                if type(as_map(n).get("id")) is str and n["id"]
            ),
            targets=tuple(targets),
            raw=row,
            subnet_unknown=subnet_value if isinstance(subnet_value, Unknown) else None,
        )
        endpoints[endpoint.key] = endpoint
        for registry_key, _status in targets:
            inv.endpoints_by_registry.setdefault(registry_key, []).append(endpoint)
    return endpoints


def _nic_configs(rows: list[Raw]) -> dict[str, tuple[NicIpConfig, ...]]:
    configs: dict[str, tuple[NicIpConfig, ...]] = {}
    for row in rows:
        entries = []
        for ipc in props(row).get("ipConfigurations") or ():
            ip_props = props(ipc)
            link = ip_props.get("privateLinkConnectionProperties") or {}
            ip = ip_props.get("privateIPAddress")
            if ip:
                entries.append(
                    NicIpConfig(
                        member=str(link.get("requiredMemberName") or ""),
                        ip=str(ip),
                        fqdns=tuple(str(f).lower().rstrip(".") for f in link.get("fqdns") or ()),
                    )
                )
        configs[norm(row["id"])] = tuple(entries)
    return configs


def _zones(rows: list[Raw]) -> dict[str, DnsZone]:
    zones: dict[str, DnsZone] = {}
    for row in rows:
        if text(row.get("name")).lower() != PRIVATELINK_ZONE:
            continue
        zones[norm(row["id"])] = DnsZone(
            id=row["id"],
            key=norm(row["id"]),
            name=row["name"],
            resource_group=row.get("resourceGroup") or resource_group_of(row["id"]),
            subscription_id=row.get("subscriptionId") or subscription_of(row["id"]),
        )
    return zones


def _links(inv: Inventory, rows: list[Raw], zones: dict[str, DnsZone]) -> dict[str, list[VnetLink]]:
    """VNet key → the links of ``zones`` to that VNet."""
    links: dict[str, list[VnetLink]] = {}
    for row in rows:
        key = norm(row["id"])
        cut = key.find("/virtualnetworklinks/")
        zone_key = key[:cut]
        if cut < 0 or zone_key not in zones:
            continue
        row_props = props(row)
        vnet_value = as_map(row_props.get("virtualNetwork")).get("id")
        if isinstance(vnet_value, Unknown):
            # A link to a VNet the change does not name: it may be the endpoint's VNet.
            inv.unknown_links.setdefault(zone_key, vnet_value)
            continue
        link = VnetLink(
            id=row["id"],
            name=text(row.get("name")) or last_segment(row["id"]),
            zone_key=zone_key,
            vnet_key=norm(text(vnet_value)),
            state=text(row_props.get("virtualNetworkLinkState")) or "Unknown",
            registration_enabled=row_props.get("registrationEnabled") is True,
        )
        links.setdefault(link.vnet_key, []).append(link)
    return links


def _records(rows: list[Raw]) -> dict[str, dict[str, ARecord]]:
    """Zone key → lower-cased record name → its A record set."""
    records: dict[str, dict[str, ARecord]] = {}
    for row in rows:
        key = norm(row["id"])
        cut = key.find("/a/")
        if cut < 0:
            continue
        zone_key = key[:cut]
        ips = tuple(a["ipv4Address"] for a in as_list(props(row).get("aRecords")) if type(a.get("ipv4Address")) is str)
        name = (text(row.get("name")) or last_segment(row["id"])).lower()
        records.setdefault(zone_key, {})[name] = ARecord(id=row["id"], zone_key=zone_key, name=name, ips=ips)
    return records


def add_network(inv: Inventory, resource_graph: Section) -> None:
    """Private endpoints, NIC configurations, privatelink zones, their VNet links and A records."""
    cov = inv.coverage
    inv.private_endpoints = collected(
        cov, resource_graph, "privateEndpoints", lambda rows: _private_endpoints(inv, rows)
    )
    inv.nic_configs = collected(cov, resource_graph, "networkInterfaces", _nic_configs)
    inv.zones = collected(cov, resource_graph, "privateDnsZones", _zones)
    zones = inv.zones if not isinstance(inv.zones, Unknown) else {}
    inv.links_by_vnet = collected(cov, resource_graph, "virtualNetworkLinks", lambda rows: _links(inv, rows, zones))
    inv.records_by_zone = collected(cov, resource_graph, "privateDnsRecordSets", _records)
