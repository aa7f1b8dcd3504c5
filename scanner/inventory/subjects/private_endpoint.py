"""The ``private_endpoint`` subject: an approved private endpoint of a registry and its DNS.

The document joins the endpoint with the ``privatelink.azurecr.io`` zones linked to its
virtual network and, for every name the registry must resolve (its login server and one data
endpoint per region), whether the zone's A record points at the endpoint's own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from scanner.azure.ids import last_segment, norm
from scanner.inventory.model import Inventory, PrivateEndpoint, Registry
from scanner.inventory.subjects.registry import geo_replica_regions
from scanner.inventory.subjects.subject import Subject, registry_child_ref
from scanner.unknown import Unknown


def _is_private(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_private
    except ValueError:
        return False


def expected_records(inv: Inventory, reg: Registry, pe: PrivateEndpoint) -> dict[str, str | Unknown]:
    """Record name → the endpoint IP it must resolve to (from the NIC's member names)."""
    regions = geo_replica_regions(reg)
    names = [reg.name.lower(), f"{reg.name.lower()}.{reg.location.lower()}.data"]
    if not isinstance(regions, Unknown):
        names += [f"{reg.name.lower()}.{region}.data" for region in regions]
    by_member: dict[str, str] = {}
    nic_unknown: Unknown | None = None
    if isinstance(inv.nic_configs, Unknown):
        nic_unknown = inv.nic_configs
    else:
        for nic in pe.nic_keys:
            configs = inv.nic_configs.get(nic)
            if configs is None:
                nic_unknown = Unknown(f"network interface {nic} of {pe.name} was not collected")
                continue
            for cfg in configs:
                by_member[cfg.member.lower()] = cfg.ip
    expected: dict[str, str | Unknown] = {}
    for name in names:
        if name == reg.name.lower():
            member = "registry"
        else:
            member = "registry_data_" + name[len(reg.name) + 1 : -len(".data")]
        ip = by_member.get(member)
        if ip:
            expected[name] = ip
        else:
            expected[name] = nic_unknown if nic_unknown is not None else Unknown(f"{pe.name} has no IP for {member}")
    return expected


def _zone_links(inv: Inventory, pe: PrivateEndpoint) -> tuple[list[dict[str, Any]] | Unknown, list[str]]:
    """The zone links of the endpoint's VNet, and the keys of the zones linked completely."""
    if pe.subnet_unknown is not None:
        return pe.subnet_unknown, []
    if isinstance(inv.links_by_vnet, Unknown):
        return inv.links_by_vnet, []
    if isinstance(inv.zones, Unknown):
        return inv.zones, []
    zones = inv.zones
    links: list[dict[str, Any]] = []
    linked_zone_keys: list[str] = []
    for link in inv.links_by_vnet.get(pe.vnet_key or "", ()):
        zone = zones[link.zone_key]
        links.append(
            {
                "zoneId": zone.id,
                "zoneResourceGroup": zone.resource_group,
                "linkName": link.name,
                "state": link.state,
                "registrationEnabled": link.registration_enabled,
            }
        )
        if link.state.lower() == "completed":
            linked_zone_keys.append(link.zone_key)
    if not linked_zone_keys and inv.unknown_links:
        # IaC: a link to an unresolved VNet may be this endpoint's link.
        return next(iter(inv.unknown_links.values())), linked_zone_keys
    return links, linked_zone_keys


def _dns_records(
    inv: Inventory, reg: Registry, pe: PrivateEndpoint, linked_zone_keys: list[str]
) -> list[dict[str, Any]] | Unknown:
    """Each name the registry must resolve, with the A record the linked zones hold for it."""
    if isinstance(inv.records_by_zone, Unknown):
        return inv.records_by_zone
    if isinstance(inv.nic_configs, Unknown) and inv.nic_configs.live_only:
        return inv.nic_configs  # IaC: the endpoint's IP addresses are assigned at deployment
    expected = expected_records(inv, reg, pe)
    regions = geo_replica_regions(reg)
    if isinstance(regions, Unknown):
        return regions
    records = []
    for name, ip in sorted(expected.items()):
        actual: list[str] | None = None
        for zone_key in linked_zone_keys:
            rec = inv.records_by_zone.get(zone_key, {}).get(name)
            if rec is not None:
                actual = list(rec.ips)
                break
        points: bool | Unknown
        if actual is None:
            points = False
        elif isinstance(ip, Unknown):
            points = ip
        else:
            points = bool(actual) and all(a == ip for a in actual)
        records.append(
            {
                "record": name,
                "expectedIp": ip,
                "actualIps": actual or [],
                "present": actual is not None,
                "pointsToEndpoint": points,
                "allPrivate": all(_is_private(a) for a in actual or ()),
            }
        )
    return records


def _endpoint_doc(inv: Inventory, reg: Registry, pe: PrivateEndpoint) -> dict[str, Any]:
    links, linked_zone_keys = _zone_links(inv, pe)
    records = _dns_records(inv, reg, pe, linked_zone_keys)
    zone_rg = None
    if linked_zone_keys and not isinstance(inv.zones, Unknown):
        zone_rg = inv.zones[linked_zone_keys[0]].resource_group
    props = pe.raw.get("properties")
    return {
        "id": pe.id,
        "name": pe.name,
        "subscriptionId": pe.subscription_id,
        "resourceGroup": pe.resource_group,
        "subnetId": pe.subnet_id if pe.subnet_unknown is None else pe.subnet_unknown,
        "vnetId": pe.vnet_id if pe.subnet_unknown is None else pe.subnet_unknown,
        "registry": {"id": reg.id, "name": reg.name, "location": reg.location},
        "zoneLinks": links,
        "zoneLinked": bool(linked_zone_keys) if not isinstance(links, Unknown) else links,
        "zoneResourceGroup": zone_rg,
        "dnsRecords": records,
        "properties": {} if props is None else props,  # (an IaC value may be Unknown)
    }


def approved_endpoints(inv: Inventory, reg: Registry) -> dict[str, str]:
    """Key → id of every endpoint whose connection to ``reg`` is approved (either side says so)."""
    approved: dict[str, str] = {}
    for conn in reg.connections:
        if conn.status.lower() == "approved" and conn.private_endpoint_id:
            approved[norm(conn.private_endpoint_id)] = conn.private_endpoint_id
    for pe in inv.endpoints_by_registry.get(reg.key, ()):
        if any(t == reg.key and s.lower() == "approved" for t, s in pe.targets):
            approved.setdefault(pe.key, pe.id)
    return approved


def private_endpoints(inv: Inventory) -> Iterator[Subject]:
    """One subject per approved private endpoint connection of every registry."""
    for reg in inv.registries.values():
        for key, pe_id in sorted(approved_endpoints(inv, reg).items()):
            ref = registry_child_ref(reg, "private_endpoint", pe_id, last_segment(pe_id))
            if isinstance(inv.private_endpoints, Unknown):
                yield Subject("private_endpoint", ref, {}, unknown=inv.private_endpoints)
                continue
            endpoint = inv.private_endpoints.get(key)
            if endpoint is None:
                reason = Unknown(f"private endpoint {pe_id} is outside the collected scope")
                yield Subject("private_endpoint", ref, {}, unknown=reason)
                continue
            yield Subject("private_endpoint", ref, _endpoint_doc(inv, reg, endpoint))
