"""Declared resources in, one snapshot document out (docs/snapshot-format.md), as Azure would hold them.

The inventory, its relations and every rule then run exactly as on a live scan:

* rows are routed by type into the ``resourceGraph`` lists and the per-registry ``arm``
  lists (tokens, scope maps, diagnostic settings), sorted by lower-cased id;
* what Azure adds at deployment is added here: a registry's ``privateEndpointConnections``
  from the private endpoints that target it (automatic connections are approved, manual
  ones pending), the state of VNet links (``Completed``), the system scope maps of every
  registry, the built-in role definitions role assignments name by GUID, and Azure's value
  for every registry property a declaration leaves out (:mod:`.deployed_defaults`);
* a registry whose replica list a reader could not resolve gets an ``errors`` entry scoped
  to it (``affects: ["replications"]``), so rules on its replicas report ``unknown``;
* what only exists once deployed (credentials in Microsoft Entra ID, storage usage, endpoint
  IP addresses) is listed in the :class:`Declarations` (``live_only``), so rules resting on it
  report ``not_applicable`` with that reason instead of ``unknown``;
* when the files declare a workload, the consumer lists hold the declared workloads and
  identities, with the principal ids Azure assigns them at deployment stood in by placeholders
  that the role assignments naming them share (:mod:`.workloads`); otherwise they are live-only;
* where each resource is declared (file relative to the repository root, line, property
  lines, inline suppressions) is the rest of the :class:`Declarations`, which the scan uses
  to point findings at files and lines.

The document is only ever handed to the inventory (it holds :class:`Unknown` values), never
written as a snapshot file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from scanner import __version__
from scanner.azure.ids import last_segment, norm
from scanner.azure.sections import (
    ARM_PARENT_MARKERS,
    CONSUMER_LISTS,
    DEFENDER_LISTS,
    IAC_CONSUMER_LISTS,
    REGISTRY_CHILD_LISTS,
    RESOURCE_GRAPH_LISTS,
    SECTIONS,
)
from scanner.sources.declarations import UNREAD_MODULE, Declarations, IacResource
from scanner.sources.iac.azure_objects import builtin_roles, system_scope_maps
from scanner.sources.iac.deployed_defaults import (
    ARM_CHILD_SHAPES,
    LINK_DEFAULTS,
    REGISTRY_DEFAULTS,
    ROLE_DEFINITION_DEFAULTS,
    filled,
    region_named,
    sku,
    with_defaults,
)
from scanner.sources.iac.workloads import Workloads
from scanner.unknown import Unknown

LIVE_ONLY: dict[str, str] = {
    "usages": "storage usage is only known once the registry is deployed",
    "servicePrincipals": "service principals and their credentials live in Microsoft Entra ID, not in IaC files",
    "missingPrincipals": "whether a principal exists is only known to Microsoft Entra ID",
    "networkInterfaces": "private endpoint IP addresses are only assigned at deployment",
    # Templates declare registries, not every workload that pulls from them (decision 0012);
    # unless they declare a workload (decision 0014: then IAC_CONSUMER_LISTS are present).
    **{
        name: "the workloads that pull from a registry are only known from the deployed estate"
        for name in CONSUMER_LISTS
    },
    "groupMembers": "group memberships live in Microsoft Entra ID, not in IaC files",
    "securityAssessments": "Defender for Cloud assesses a registry's images only once it is deployed",
    # Kept when the files declare a Containers plan (Microsoft.Security/pricings): then the list is
    # present and judged, and this is the reason for a subscription the files declare no plan for.
    "securityPricings": "the Defender plans of the subscription the registry deploys to are not in these files",
}


def _with_state(connection: Any, status: str) -> Any:
    if not isinstance(connection, Mapping):
        return connection
    props = connection.get("properties")
    if not isinstance(props, Mapping):
        return connection
    state = props.get("privateLinkServiceConnectionState")
    if isinstance(state, Mapping) and state.get("status") is not None:
        return connection
    new_state = {
        "status": status,
        "description": "Auto-Approved" if status == "Approved" else "",
        "actionsRequired": "None",
    }
    return {**connection, "properties": {**props, "privateLinkServiceConnectionState": new_state}}


def _endpoint(row: Mapping[str, Any]) -> dict[str, Any]:
    props = row.get("properties")
    if not isinstance(props, Mapping):
        return dict(row)
    new_props = dict(props)
    for key, status in (
        ("privateLinkServiceConnections", "Approved"),
        ("manualPrivateLinkServiceConnections", "Pending"),
    ):
        conns = props.get(key)
        if isinstance(conns, list):
            new_props[key] = [_with_state(c, status) for c in conns]
    return {**row, "properties": new_props}


def _assignment(row: Mapping[str, Any]) -> Mapping[str, Any]:
    props = row.get("properties")
    if not isinstance(props, Mapping):
        return row
    new_props = dict(props)
    if new_props.get("principalType") is None:
        new_props["principalType"] = Unknown(
            f"role assignment {row.get('name')} declares no principalType; Azure fills it in at deployment"
        )
    if not isinstance(new_props.get("scope"), str):
        rid = str(row["id"])
        cut = rid.lower().rfind("/providers/microsoft.authorization/roleassignments/")
        new_props["scope"] = (rid[:cut] or "/") if cut >= 0 else new_props.get("scope")
    return {**row, "properties": new_props}


def _connections_of(endpoint: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(target id, status, connection) of every private link connection of an endpoint row."""
    props = endpoint.get("properties")
    if not isinstance(props, Mapping):
        return []
    out = []
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        conns = props.get(key)
        for conn in conns if isinstance(conns, list) else ():
            cprops = conn.get("properties") if isinstance(conn, Mapping) else None
            if not isinstance(cprops, Mapping):
                continue
            target = cprops.get("privateLinkServiceId")
            state = cprops.get("privateLinkServiceConnectionState")
            status = state.get("status") if isinstance(state, Mapping) else None
            if isinstance(target, str) and isinstance(status, str):
                out.append((target, status, conn))
    return out


def assemble(
    resources: Sequence[IacResource],
    *,
    collected_at: str,
    files: Sequence[str] = (),
    deployments: Sequence[Sequence[IacResource]] | None = None,
) -> tuple[dict[str, Any], Declarations]:
    """The snapshot document of a set of declared resources, and where each is declared (see the module docstring).

    ``deployments`` groups the resources by the unit of files that declares them (a template
    with its parameters and linked templates, a Terraform root module, a plan); ``None``: one.
    """
    workloads = Workloads(resources)
    resources = workloads.settle(resources)
    locations: dict[str, IacResource] = {}
    lists: dict[str, list[Mapping[str, Any]]] = {
        name: [] for name in (*RESOURCE_GRAPH_LISTS, *CONSUMER_LISTS, *DEFENDER_LISTS) if name != "networkInterfaces"
    }
    arm_rows: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    duplicates: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    for resource in resources:
        row = resource.row
        rid = row.get("id")
        if not isinstance(rid, str) or not rid:
            continue
        key = norm(rid)
        if row.get("type") == UNREAD_MODULE:  # all it could declare is unknown, its findings at the call
            errors.append(_unresolved_list(rid, "registries", Unknown(str(row.get("message")))))
            locations[key] = resource
            continue
        if key in locations:
            if locations[key].row == row:
                continue  # the same declaration twice (a shared DNS zone in several templates): one resource
            # The same id declared differently in two places (two templates, both deploying a
            # registry of that name to resource groups we cannot know): keep both, apart.
            copy = duplicates[key] = duplicates.get(key, 1) + 1
            rid, key = f"{rid}#{copy}", f"{key}#{copy}"
            row = {**row, "id": rid}
            resource = msgspec.structs.replace(resource, row=row)
        locations[key] = resource
        route = SECTIONS.get(str(row.get("type", "")).lower())
        if route is None:
            continue
        section, name = route
        if section == "resourceGraph":
            lists[name].append(row)
        elif section == "arm":
            arm_rows.setdefault(name, []).append((key, row))

    registries: dict[str, Mapping[str, Any]] = {}
    for row in lists["registries"]:
        props = row.get("properties")
        row = {**row, "sku": sku(row), "properties": with_defaults({} if props is None else props, REGISTRY_DEFAULTS)}
        unresolved = row.get("replications")
        if isinstance(unresolved, Unknown):
            # A replica list the reader could not resolve (a Terraform ``dynamic
            # "georeplications"`` over an unknown value): not "no replicas", but unknown.
            row = {k: v for k, v in row.items() if k != "replications"}
            errors.append(_unresolved_list(row["id"], "replications", unresolved))
        registries[norm(row["id"])] = row
    lists["replications"] = [region_named(r) for r in lists["replications"]]
    lists["privateEndpoints"] = [_endpoint(r) for r in lists["privateEndpoints"]]
    lists["virtualNetworkLinks"] = [filled(r, LINK_DEFAULTS) for r in lists["virtualNetworkLinks"]]
    lists["roleAssignments"] = [_assignment(r) for r in lists["roleAssignments"]]
    declared_roles = {last_segment(str(r["id"])).lower() for r in lists["roleDefinitions"]}
    lists["roleDefinitions"] = [filled(r, ROLE_DEFINITION_DEFAULTS) for r in lists["roleDefinitions"]] + [
        r for r in builtin_roles() if r["name"] not in declared_roles
    ]
    for endpoint in lists["privateEndpoints"]:
        for target, status, conn in _connections_of(endpoint):
            key = norm(target)
            registry = registries.get(key)
            if registry is None or not isinstance(registry["properties"], Mapping):
                continue
            pecs = registry["properties"].get("privateEndpointConnections")
            pecs = list(pecs) if isinstance(pecs, list) else []
            if any(_pec_endpoint(p) == norm(endpoint["id"]) for p in pecs):
                continue
            # An endpoint name the reader could not resolve is the last segment of its synthetic id.
            pe_name = endpoint.get("name") if isinstance(endpoint.get("name"), str) else last_segment(endpoint["id"])
            conn_name = conn.get("name") if isinstance(conn.get("name"), str) else pe_name
            pecs.append(
                {
                    "id": f"{registry['id']}/privateEndpointConnections/{pe_name}.{conn_name}",
                    "name": f"{pe_name}.{conn_name}",
                    "type": "Microsoft.ContainerRegistry/registries/privateEndpointConnections",
                    "properties": {
                        "privateEndpoint": {"id": endpoint["id"]},
                        "privateLinkServiceConnectionState": {
                            "status": status,
                            "description": "",
                            "actionsRequired": "None",
                        },
                        "provisioningState": "Succeeded",
                    },
                }
            )
            registries[key] = {**registry, "properties": {**registry["properties"], "privateEndpointConnections": pecs}}
    lists["registries"] = list(registries.values())

    arm: dict[str, dict[str, Any]] = {  # a registry's lists; a site's configuration (below)
        key: {"tokens": [], "scopeMaps": [], "diagnosticSettings": [], **{n: [] for n in REGISTRY_CHILD_LISTS}}
        for key in registries
    }
    for name, rows in arm_rows.items():
        marker = ARM_PARENT_MARKERS[name]
        for key, row in rows:
            cut = key.rfind(marker)
            block = arm.get(key[:cut]) if cut > 0 else None
            if block is not None:
                shape = ARM_CHILD_SHAPES.get(name)
                block[name].append(row if shape is None else shape(row))
    for key, block in arm.items():
        declared = {str(r.get("name", "")).lower() for r in block["scopeMaps"]}
        block["scopeMaps"] += [m for m in system_scope_maps(registries[key]["id"]) if m["name"].lower() not in declared]
        for rows_ in block.values():
            rows_.sort(key=lambda r: norm(str(r["id"])))

    for principal, resource in _principal_locations(lists["roleAssignments"], locations).items():
        locations.setdefault(principal, resource)
    live_only = dict(LIVE_ONLY)
    lists["securityPricings"] = [r for r in lists["securityPricings"] if _is_registry_plan(r)]
    co_declared: dict[str, tuple[str, ...]] = {}
    if workloads.present:
        for name in IAC_CONSUMER_LISTS:
            del live_only[name]
        arm.update(workloads.site_configs(resources))
        co_declared = workloads.co_declared([resources] if deployments is None else deployments)
    kept = {name for name in lists if name in RESOURCE_GRAPH_LISTS or name not in live_only}
    if lists["securityPricings"]:  # declared: judged where the files name the plan (see LIVE_ONLY)
        kept.add("securityPricings")
    graph = {name: sorted(rows, key=lambda r: norm(str(r["id"]))) for name, rows in lists.items() if name in kept}
    document = {
        "kind": "acr-snapshot",
        "version": 1,
        "collectedAt": collected_at,
        "scope": {"iac": list(files)},
        "collector": {"name": "acr-scan iac", "version": __version__},
        "resourceGraph": graph,
        "arm": arm,
        "errors": errors,
    }
    return document, Declarations(locations, live_only, tuple(files), co_declared)


def _is_registry_plan(row: Mapping[str, Any]) -> bool:
    """Whether a declared Defender plan is one that scans registries (``Containers``, ``ContainerRegistry``).

    Any other plan (``VirtualMachines`` …) says nothing about registries: a file declaring only
    such plans leaves the registries' plan as undeclared as a file declaring none.
    """
    name = row.get("name")
    return isinstance(name, str) and name.lower() in ("containers", "containerregistry")


def _unresolved_list(registry_id: str, name: str, reason: Unknown) -> dict[str, Any]:
    """An ``errors`` entry making list ``name`` of one registry unknown (coverage scopes it by id).

    Rules resting on that list report ``unknown`` with the reader's reason for that registry
    only, exactly as for a live collection that failed on it; the entry is listed as a
    coverage gap in the reports.
    """
    return {
        "source": "iac",
        "scope": registry_id,
        "status": None,
        "code": None,
        "message": reason.reason,
        "affects": [name],
    }


def _pec_endpoint(pec: Any) -> str | None:
    props = pec.get("properties") if isinstance(pec, Mapping) else None
    endpoint = props.get("privateEndpoint") if isinstance(props, Mapping) else None
    pid = endpoint.get("id") if isinstance(endpoint, Mapping) else None
    return norm(pid) if isinstance(pid, str) else None


def _principal_locations(
    assignments: Sequence[Mapping[str, Any]], locations: Mapping[str, IacResource]
) -> dict[str, IacResource]:
    """Principal id → its first role assignment's declaration (credential findings point there)."""
    out: dict[str, IacResource] = {}
    for row in assignments:
        props = row.get("properties")
        principal = props.get("principalId") if isinstance(props, Mapping) else None
        entry = locations.get(norm(str(row["id"])))
        if isinstance(principal, str) and principal and entry is not None:
            out.setdefault(principal.lower(), entry)
    return out
