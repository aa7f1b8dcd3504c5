"""Normalize a raw snapshot into the :class:`Inventory` and resolve its relations.

This module and the builders it calls (:mod:`.network`, :mod:`.identity`) are the only place
that knows Azure's payload shapes (ARG rows, ARM lists, Graph objects). Everything after them
works on the typed model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from scanner.azure.ids import last_segment, norm, resource_group_of, subscription_of
from scanner.inventory.consumers import collect_pulls
from scanner.inventory.coverage import Coverage
from scanner.inventory.defender import DefenderIndex, registry_extras
from scanner.inventory.identity import add_identities
from scanner.inventory.model import ArmData, Inventory, PrivateEndpointConnection, Raw, Registry
from scanner.inventory.network import add_network
from scanner.inventory.rows import Section, as_list, as_map, props, rows, text
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown


def _group_by_parent(children: Iterable[Raw], marker: str) -> dict[str, list[Raw]]:
    """Group child rows (replications, webhooks) by the lower-cased id of their registry."""
    grouped: dict[str, list[Raw]] = {}
    for row in children:
        key = norm(row["id"])
        cut = key.rfind(marker)
        if cut > 0:
            grouped.setdefault(key[:cut], []).append(row)
    return grouped


def _connections(registry_props: Mapping[str, Any]) -> tuple[PrivateEndpointConnection, ...]:
    out = []
    for pec in as_list(registry_props.get("privateEndpointConnections")):
        pec_props = props(pec)
        state = as_map(pec_props.get("privateLinkServiceConnectionState"))
        endpoint_id = as_map(pec_props.get("privateEndpoint")).get("id")
        out.append(
            PrivateEndpointConnection(
                id=text(pec.get("id")),
                status=text(state.get("status")) or "Unknown",
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


def _registries(inv: Inventory, data: Mapping[str, Any]) -> dict[str, Registry]:
    cov = inv.coverage
    resource_graph: Section = data.get("resourceGraph")
    arm: Section = data.get("arm")
    defender = DefenderIndex(cov, data)
    replications = _group_by_parent(rows(resource_graph, "replications"), "/replications/")
    webhooks = _group_by_parent(rows(resource_graph, "webhooks"), "/webhooks/")
    arm_keys = {norm(k): v for k, v in arm.items()} if arm is not None else None
    registries: dict[str, Registry] = {}
    for row in rows(resource_graph, "registries"):
        rid = row["id"]
        key = norm(rid)
        repl_missing = cov.missing("resourceGraph", "replications", rid)
        connections = _connections(props(row))
        block = arm_keys.get(key) if arm_keys is not None else None
        hook_missing = cov.missing("resourceGraph", "webhooks", rid)
        registries[key] = Registry(
            id=rid,
            key=key,
            name=text(row.get("name")) or last_segment(rid),
            subscription_id=text(row.get("subscriptionId")) or subscription_of(rid),
            resource_group=text(row.get("resourceGroup")) or resource_group_of(rid),
            location=text(row.get("location")),
            sku=text(as_map(row.get("sku")).get("name")),
            raw=row,
            replications=repl_missing if repl_missing is not None else replications.get(key, []),
            webhooks=hook_missing if hook_missing is not None else webhooks.get(key, []),
            connections=connections,
            arm=_arm_for(cov, arm_keys, key, rid),
            extras=registry_extras(defender, cov, block, rid, tuple(c.private_endpoint_id for c in connections)),
        )
    return dict(sorted(registries.items()))  # stable order for every relation built from it


def build_inventory(
    data: Mapping[str, Any],
    now: datetime | None = None,
    live_only: Mapping[str, str] | None = None,
    co_declared: Mapping[str, tuple[str, ...]] | None = None,
    expected_pulls: tuple[tuple[str, str], ...] = (),
) -> Inventory:
    """Build the inventory from a validated snapshot document.

    ``live_only`` names the lists an IaC scan cannot have (they only exist once deployed); it
    is given for an IaC scan only, and marks the inventory's ``origin`` as ``iac``.
    ``co_declared`` maps an AKS cluster an IaC scan declares to the registries declared with
    it (``Declarations.co_declared``: the ones it is expected to pull from).
    ``expected_pulls`` are workload → registry pairs the configuration adds (``access.expected_pulls``).
    """
    inv = Inventory(
        collected_at=now or parse_datetime(data["collectedAt"]),
        tenant_id=data.get("tenantId"),
        coverage=Coverage(data, live_only),
        origin="deployed" if live_only is None else "iac",
        co_declared=dict(co_declared or {}),
    )
    resource_graph = data.get("resourceGraph")
    inv.registries = _registries(inv, data)
    add_network(inv, resource_graph)
    add_identities(inv, resource_graph, data.get("graph"))
    inv.pulls = dict(collect_pulls(inv, data))
    inv.expected_pulls = expected_pulls
    return inv
