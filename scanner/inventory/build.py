"""Normalize a raw snapshot into the :class:`Inventory` and resolve its relations.

This module is the only place that knows Azure's payload shapes (ARG rows, ARM lists, Graph
objects). Everything after it works on the typed model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from scanner.azure import facts
from scanner.azure.ids import (
    last_segment,
    norm,
    parent_vnet,
    resource_group_of,
    scope_level,
    subscription_of,
)
from scanner.inventory.coverage import Coverage
from scanner.inventory.model import (
    ARecord,
    ArmData,
    Credential,
    DnsZone,
    Inventory,
    NicIpConfig,
    Principal,
    PrivateEndpoint,
    PrivateEndpointConnection,
    Raw,
    Registry,
    RoleAssignment,
    RoleDefinition,
    VnetLink,
)
from scanner.sources.snapshot_types import RoleAssignmentRow
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown

PRIVATELINK_ZONE = "privatelink.azurecr.io"


def _props(row: Raw) -> Mapping[str, Any]:
    props = row.get("properties") if isinstance(row, Mapping) else None  # (IaC list items may be anything)
    return props if isinstance(props, Mapping) else {}


def _map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one (IaC rows may hold :class:`Unknown`)."""
    return value if isinstance(value, Mapping) else {}


def _seq(value: Any) -> list[Any] | tuple[()]:
    """``value`` if it is a list, else nothing (``None`` in live rows, :class:`Unknown` in IaC rows)."""
    return value if type(value) is list else ()


def _text(value: Any, default: str = "") -> str:
    """A string field that joins or names things; anything else (absent, unknown) is ``default``."""
    return value if type(value) is str else default


def _rows(section: Mapping[str, Any] | None, name: str) -> list[Raw]:
    if section is None:
        return []
    rows = section.get(name)
    return list(rows) if isinstance(rows, list) else []


def _group_by_parent(rows: Iterable[Raw], marker: str) -> dict[str, list[Raw]]:
    """Group child rows (replications, webhooks) by the lower-cased id of their registry."""
    grouped: dict[str, list[Raw]] = {}
    for row in rows:
        key = norm(row["id"])
        cut = key.rfind(marker)
        if cut > 0:
            grouped.setdefault(key[:cut], []).append(row)
    return grouped


def _connections(props: Mapping[str, Any]) -> tuple[PrivateEndpointConnection, ...]:
    out = []
    for pec in _seq(props.get("privateEndpointConnections")):
        pprops = _props(pec)
        state = _map(pprops.get("privateLinkServiceConnectionState"))
        endpoint = _map(pprops.get("privateEndpoint"))
        endpoint_id = endpoint.get("id")
        out.append(
            PrivateEndpointConnection(
                id=_text(pec.get("id")),
                status=_text(state.get("status")) or "Unknown",
                private_endpoint_id=endpoint_id if type(endpoint_id) is str else None,
            )
        )
    return tuple(out)


def _arm_list(coverage: Coverage, block: Any, name: str, rid: str) -> list[Raw] | Unknown:
    """One ARM list of a registry, or why it is unknown."""
    missing = coverage.missing("arm", name, rid)
    if missing is not None:
        return missing
    if not isinstance(block, Mapping):
        return Unknown(f"ARM data was not collected for registry {rid}")
    value = block.get(name)
    if value is None:
        live = coverage.live_only(name)
        return live if live is not None else Unknown(f"arm.{name} was not collected for registry {rid}")
    return list(value)


def _arm_for(coverage: Coverage, arm: Mapping[str, Any] | None, key: str, rid: str) -> ArmData:
    block = arm.get(key) if arm is not None else None
    return ArmData(
        tokens=_arm_list(coverage, block, "tokens", rid),
        scope_maps=_arm_list(coverage, block, "scopeMaps", rid),
        usages=_arm_list(coverage, block, "usages", rid),
        diagnostic_settings=_arm_list(coverage, block, "diagnosticSettings", rid),
    )


def _registries(inv: Inventory, rg: Mapping[str, Any] | None, arm: Mapping[str, Any] | None) -> None:
    cov = inv.coverage
    replications = _group_by_parent(_rows(rg, "replications"), "/replications/")
    webhooks = _group_by_parent(_rows(rg, "webhooks"), "/webhooks/")
    arm_keys = {norm(k): v for k, v in arm.items()} if arm is not None else None
    for row in _rows(rg, "registries"):
        rid = row["id"]
        key = norm(rid)
        props = _props(row)
        sku_name = _map(row.get("sku")).get("name")
        repl_missing = cov.missing("resourceGraph", "replications", rid)
        hook_missing = cov.missing("resourceGraph", "webhooks", rid)
        inv.registries[key] = Registry(
            id=rid,
            key=key,
            name=_text(row.get("name")) or last_segment(rid),
            subscription_id=_text(row.get("subscriptionId")) or subscription_of(rid),
            resource_group=_text(row.get("resourceGroup")) or resource_group_of(rid),
            location=_text(row.get("location")),
            sku=_text(sku_name),
            raw=row,
            replications=repl_missing if repl_missing is not None else replications.get(key, []),
            webhooks=hook_missing if hook_missing is not None else webhooks.get(key, []),
            connections=_connections(props),
            arm=_arm_for(cov, arm_keys, key, rid),
        )


def _private_endpoints(inv: Inventory, rg: Mapping[str, Any] | None) -> None:
    missing = inv.coverage.missing("resourceGraph", "privateEndpoints")
    if missing is not None:
        inv.private_endpoints = missing
        return
    endpoints: dict[str, PrivateEndpoint] = {}
    for row in _rows(rg, "privateEndpoints"):
        props = _props(row)
        targets = []
        for conn in [
            *_seq(props.get("privateLinkServiceConnections")),
            *_seq(props.get("manualPrivateLinkServiceConnections")),
        ]:
            cprops = _props(conn)
            target = cprops.get("privateLinkServiceId")
            if isinstance(target, str) and "/microsoft.containerregistry/registries/" in target.lower():
                state = _map(cprops.get("privateLinkServiceConnectionState"))
                targets.append((norm(target), _text(state.get("status")) or "Unknown"))
        subnet_value = _map(props.get("subnet")).get("id")
        subnet = subnet_value if type(subnet_value) is str and subnet_value else None
        vnet = parent_vnet(subnet) if subnet else None
        endpoint = PrivateEndpoint(
            id=row["id"],
            key=norm(row["id"]),
            name=_text(row.get("name")) or last_segment(row["id"]),
            subscription_id=_text(row.get("subscriptionId")) or subscription_of(row["id"]),
            resource_group=_text(row.get("resourceGroup")) or resource_group_of(row["id"]),
            subnet_id=subnet,
            vnet_key=norm(vnet) if vnet else None,
            vnet_id=vnet,
            nic_keys=tuple(
                norm(n["id"])
                for n in _seq(props.get("networkInterfaces"))
                if type(_map(n).get("id")) is str and n["id"]
            ),
            targets=tuple(targets),
            raw=row,
            subnet_unknown=subnet_value if isinstance(subnet_value, Unknown) else None,
        )
        endpoints[endpoint.key] = endpoint
        for registry_key, _status in targets:
            inv.endpoints_by_registry.setdefault(registry_key, []).append(endpoint)
    inv.private_endpoints = endpoints


def _nics(inv: Inventory, rg: Mapping[str, Any] | None) -> None:
    missing = inv.coverage.missing("resourceGraph", "networkInterfaces")
    if missing is not None:
        inv.nic_configs = missing
        return
    configs: dict[str, tuple[NicIpConfig, ...]] = {}
    for row in _rows(rg, "networkInterfaces"):
        entries = []
        for ipc in _props(row).get("ipConfigurations") or ():
            iprops = _props(ipc)
            link = iprops.get("privateLinkConnectionProperties") or {}
            ip = iprops.get("privateIPAddress")
            if ip:
                entries.append(
                    NicIpConfig(
                        member=str(link.get("requiredMemberName") or ""),
                        ip=str(ip),
                        fqdns=tuple(str(f).lower().rstrip(".") for f in link.get("fqdns") or ()),
                    )
                )
        configs[norm(row["id"])] = tuple(entries)
    inv.nic_configs = configs


def _dns(inv: Inventory, rg: Mapping[str, Any] | None) -> None:
    cov = inv.coverage
    zone_missing = cov.missing("resourceGraph", "privateDnsZones")
    link_missing = cov.missing("resourceGraph", "virtualNetworkLinks")
    record_missing = cov.missing("resourceGraph", "privateDnsRecordSets")
    zones: dict[str, DnsZone] = {}
    if zone_missing is None:
        for row in _rows(rg, "privateDnsZones"):
            if _text(row.get("name")).lower() != PRIVATELINK_ZONE:
                continue
            zones[norm(row["id"])] = DnsZone(
                id=row["id"],
                key=norm(row["id"]),
                name=row["name"],
                resource_group=row.get("resourceGroup") or resource_group_of(row["id"]),
                subscription_id=row.get("subscriptionId") or subscription_of(row["id"]),
            )
    inv.zones = zone_missing if zone_missing is not None else zones
    links: dict[str, list[VnetLink]] = {}
    if link_missing is None:
        for row in _rows(rg, "virtualNetworkLinks"):
            key = norm(row["id"])
            cut = key.find("/virtualnetworklinks/")
            zone_key = key[:cut]
            if cut < 0 or zone_key not in zones:
                continue
            props = _props(row)
            vnet_value = _map(props.get("virtualNetwork")).get("id")
            if isinstance(vnet_value, Unknown):
                # A link to a VNet the change does not name: it may be the endpoint's VNet.
                inv.unknown_links.setdefault(zone_key, vnet_value)
                continue
            registration = props.get("registrationEnabled")
            link = VnetLink(
                id=row["id"],
                name=_text(row.get("name")) or last_segment(row["id"]),
                zone_key=zone_key,
                vnet_key=norm(_text(vnet_value)),
                state=_text(props.get("virtualNetworkLinkState")) or "Unknown",
                registration_enabled=registration is True,
            )
            links.setdefault(link.vnet_key, []).append(link)
    inv.links_by_vnet = link_missing if link_missing is not None else links
    records: dict[str, dict[str, ARecord]] = {}
    if record_missing is None:
        for row in _rows(rg, "privateDnsRecordSets"):
            key = norm(row["id"])
            cut = key.find("/a/")
            if cut < 0:
                continue
            zone_key = key[:cut]
            ips = tuple(
                a["ipv4Address"] for a in _seq(_props(row).get("aRecords")) if type(a.get("ipv4Address")) is str
            )
            name = (_text(row.get("name")) or last_segment(row["id"])).lower()
            records.setdefault(zone_key, {})[name] = ARecord(id=row["id"], zone_key=zone_key, name=name, ips=ips)
    inv.records_by_zone = record_missing if record_missing is not None else records


def _role_definitions(inv: Inventory, rg: Mapping[str, Any] | None) -> None:
    missing = inv.coverage.missing("resourceGraph", "roleDefinitions")
    if missing is not None:
        inv.role_definitions = missing
        return
    roles: dict[str, RoleDefinition] = {}
    for row in _rows(rg, "roleDefinitions"):
        props = _props(row)
        actions: list[str] = []
        data_actions: list[str] = []
        not_actions: list[str] = []
        for perm in props.get("permissions") or ():
            actions.extend(perm.get("actions") or ())
            data_actions.extend(perm.get("dataActions") or ())
            not_actions.extend(perm.get("notActions") or ())
        guid = last_segment(row["id"]).lower()
        roles[guid] = RoleDefinition(
            guid=guid,
            id=row["id"],
            name=str(props.get("roleName") or facts.BUILTIN_ROLE_NAMES.get(guid) or guid),
            role_type=str(props.get("type") or props.get("roleType") or ""),
            actions=tuple(actions),
            data_actions=tuple(data_actions),
            grants_registry_access=facts.touches_container_registry(actions + data_actions),
            grants_registry_write=facts.grants(actions, not_actions, facts.REGISTRY_WRITE),
            grants_list_credentials=facts.grants(actions, not_actions, facts.LIST_CREDENTIALS),
        )
    inv.role_definitions = roles


def _role_assignments(inv: Inventory, rg: Mapping[str, Any] | None) -> None:
    # Errors scoped to a subscription are applied per registry (subjects.registry_access);
    # only a missing section makes every assignment unknown.
    if not inv.coverage.has_section("resourceGraph", "roleAssignments"):
        inv.assignments_by_scope = Unknown("resourceGraph.roleAssignments was not collected")
        return
    by_scope: dict[str, list[RoleAssignment]] = {}
    scope: Any
    principal_id: Any
    principal_type: Any
    role: Any
    condition: Any
    name: Any
    rows: list[Any] = _rows(rg, "roleAssignments")
    for row in rows:
        # Inline type checks (not _text): this loop runs once per assignment of the tenant.
        if type(row) is RoleAssignmentRow:  # a saved snapshot's rows (sources.snapshot_types)
            typed = row.properties
            row_id, name = row.id, row.name
            scope, principal_id, role = typed.scope, typed.principalId, typed.roleDefinitionId
            principal_type, condition = typed.principalType, typed.condition
        else:  # IaC and live collection rows
            props = _props(row)
            row_id, name = row["id"], row.get("name")
            scope, principal_id, role = props.get("scope"), props.get("principalId"), props.get("roleDefinitionId")
            principal_type, condition = props.get("principalType"), props.get("condition")
        scope = scope if type(scope) is str else ""
        if type(principal_type) is not str:  # IaC: Unknown when the template does not declare it
            principal_type = principal_type if isinstance(principal_type, Unknown) else "Unknown"
        elif not principal_type:
            principal_type = "Unknown"
        assignment = RoleAssignment(
            id=row_id,
            key=norm(row_id),
            scope=scope,
            scope_key=norm(scope),
            scope_level=scope_level(scope),
            principal_id=(principal_id if type(principal_id) is str else "<unknown principal>").lower(),
            principal_type=principal_type,
            role_guid=last_segment(role if type(role) is str else "").lower(),
            condition=condition if type(condition) is str else None,
            name=name if type(name) is str and name else last_segment(row_id),
        )
        if assignment.scope_level in ("root", "managementGroup"):
            inv.above_subscription.append(assignment)
        else:
            by_scope.setdefault(assignment.scope_key, []).append(assignment)
    inv.assignments_by_scope = by_scope


def _credentials(objects: Iterable[Raw], owner: str) -> list[Credential]:
    out = []
    for obj in objects:
        for cred in obj.get("passwordCredentials") or ():
            out.append(
                Credential(
                    key_id=str(cred.get("keyId") or ""),
                    display_name=cred.get("displayName"),
                    start=cred.get("startDateTime"),
                    end=cred.get("endDateTime"),
                    owner=owner,
                    owner_id=str(obj.get("id")),
                )
            )
    return out


def _graph(inv: Inventory, graph: Mapping[str, Any] | None) -> None:
    cov = inv.coverage
    missing = cov.missing("graph", "servicePrincipals")
    if graph is None or missing is not None:
        live = cov.live_only("servicePrincipals")
        reason = missing if missing is not None else live if live is not None else Unknown("graph was not collected")
        inv.principals = reason
        inv.missing_principals = reason
        return
    apps = {str(a.get("appId", "")).lower(): a for a in _rows(graph, "applications")}
    principals: dict[str, Principal] = {}
    for sp in _rows(graph, "servicePrincipals"):
        app = apps.get(str(sp.get("appId") or "").lower())
        creds = _credentials([sp], "servicePrincipal") + (_credentials([app], "application") if app else [])
        principals[str(sp["id"]).lower()] = Principal(
            id=sp["id"],
            app_id=sp.get("appId"),
            display_name=sp.get("displayName"),
            sp_type=sp.get("servicePrincipalType"),
            credentials=tuple(creds),
            application_id=app.get("id") if app else None,
        )
    inv.principals = principals
    missing_list = cov.missing("graph", "missingPrincipals")
    if missing_list is not None:
        inv.missing_principals = missing_list
    else:
        inv.missing_principals = frozenset(str(p).lower() for p in graph.get("missingPrincipals") or ())


def _subscription_chains(inv: Inventory, rg: Mapping[str, Any] | None) -> None:
    for row in _rows(rg, "subscriptions"):
        sub = subscription_of(row["id"]) or str(row.get("subscriptionId") or "").lower()
        chain = _props(row).get("managementGroupAncestorsChain") or ()
        inv.subscription_mgs[sub] = tuple(
            f"/providers/microsoft.management/managementgroups/{str(mg.get('name')).lower()}" for mg in chain
        )


def build_inventory(
    data: Mapping[str, Any], now: datetime | None = None, live_only: Mapping[str, str] | None = None
) -> Inventory:
    """Build the inventory from a validated snapshot document.

    ``live_only`` names the lists an IaC scan cannot have (they only exist once deployed).
    """
    coverage = Coverage(data, live_only)
    inv = Inventory(
        collected_at=now or parse_datetime(data["collectedAt"]),
        tenant_id=data.get("tenantId"),
        coverage=coverage,
    )
    rg = data.get("resourceGraph")
    _registries(inv, rg, data.get("arm"))
    inv.registries = dict(sorted(inv.registries.items()))  # stable order for every relation built from it
    _private_endpoints(inv, rg)
    _nics(inv, rg)
    _dns(inv, rg)
    _role_definitions(inv, rg)
    _role_assignments(inv, rg)
    _graph(inv, data.get("graph"))
    _subscription_chains(inv, rg)
    return inv
