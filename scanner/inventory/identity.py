"""Who can reach the registries: role definitions and assignments, principals and their secrets.

Role definitions are decided once (does the role touch registries, can it write, can it list
credentials); role assignments are indexed by scope, those above subscriptions kept apart;
Microsoft Graph gives the service principals with their (and their applications') password
credentials, and which principals no longer exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.azure import facts, rbac
from scanner.azure.ids import last_segment, norm, scope_level, subscription_of
from scanner.inventory.model import (
    Credential,
    GroupMember,
    Inventory,
    Principal,
    Raw,
    RoleAssignment,
    RoleDefinition,
)
from scanner.inventory.rows import Section, as_list, as_map, props, rows, text
from scanner.sources.snapshot_types import RoleAssignmentRow
from scanner.unknown import Unknown


def _role_definitions(definitions: list[Raw]) -> dict[str, RoleDefinition]:
    roles: dict[str, RoleDefinition] = {}
    for row in definitions:
        row_props = props(row)
        actions: list[str] = []
        data_actions: list[str] = []
        not_actions: list[str] = []
        for perm in row_props.get("permissions") or ():
            actions.extend(perm.get("actions") or ())
            data_actions.extend(perm.get("dataActions") or ())
            not_actions.extend(perm.get("notActions") or ())
        guid = last_segment(row["id"]).lower()
        permissions = rbac.permissions_of(as_list(row_props.get("permissions")))
        roles[guid] = RoleDefinition(
            guid=guid,
            id=row["id"],
            name=str(row_props.get("roleName") or facts.BUILTIN_ROLE_NAMES.get(guid) or guid),
            role_type=str(row_props.get("type") or row_props.get("roleType") or ""),
            actions=tuple(actions),
            data_actions=tuple(data_actions),
            grants_registry_access=facts.touches_container_registry(actions + data_actions),
            grants_registry_write=facts.grants(actions, not_actions, facts.REGISTRY_WRITE),
            grants_list_credentials=facts.grants(actions, not_actions, facts.LIST_CREDENTIALS),
            registry=rbac.registry_grants(permissions),
        )
    return roles


def _role_assignments(inv: Inventory, resource_graph: Section) -> None:
    # Errors scoped to a subscription are applied per registry (subjects.access.registry_access);
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
    assignment_rows: list[Any] = rows(resource_graph, "roleAssignments")  # (typed or plain: see below)
    for row in assignment_rows:
        # Inline type checks (not rows.text): this loop runs once per assignment of the tenant.
        if type(row) is RoleAssignmentRow:  # a saved snapshot's rows (sources.snapshot_types)
            typed = row.properties
            row_id, name = row.id, row.name
            scope, principal_id, role = typed.scope, typed.principalId, typed.roleDefinitionId
            principal_type, condition = typed.principalType, typed.condition
        else:  # IaC and live collection rows
            row_props = props(row)
            row_id, name = row["id"], row.get("name")
            scope, principal_id = row_props.get("scope"), row_props.get("principalId")
            role, principal_type = row_props.get("roleDefinitionId"), row_props.get("principalType")
            condition = row_props.get("condition")
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


def _principals(inv: Inventory, graph: Section) -> None:
    cov = inv.coverage
    missing = cov.missing("graph", "servicePrincipals")
    if graph is None or missing is not None:
        live = cov.live_only("servicePrincipals")
        reason = missing if missing is not None else live if live is not None else Unknown("graph was not collected")
        inv.principals = reason
        inv.missing_principals = reason
        return
    apps = {str(a.get("appId", "")).lower(): a for a in rows(graph, "applications")}
    principals: dict[str, Principal] = {}
    for sp in rows(graph, "servicePrincipals"):
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


def _group_members(inv: Inventory, graph: Section) -> None:
    missing = inv.coverage.missing("graph", "groupMembers")
    if graph is None or missing is not None:
        live = inv.coverage.live_only("groupMembers")
        if live is not None:
            inv.group_members = live
        else:
            inv.group_members = missing if missing is not None else Unknown("graph was not collected")
        return
    members: dict[str, tuple[GroupMember, ...]] = {}
    for group_id, listed in as_map(graph.get("groupMembers")).items():
        members[str(group_id).lower()] = tuple(
            GroupMember(
                id=str(m["id"]).lower(),
                kind=str(m.get("@odata.type") or "#microsoft.graph.unknown").rsplit(".", 1)[-1],
                display_name=text(m.get("displayName")) or None,
                sp_type=text(m.get("servicePrincipalType")) or None,
            )
            for m in as_list(listed)
            if isinstance(m, Mapping) and type(m.get("id")) is str
        )
    inv.group_members = members


def _directory_names(inv: Inventory, graph: Section) -> None:
    """The display names of the users and groups holding roles (only to label them)."""
    if graph is None:
        return
    for obj in as_list(graph.get("directoryObjects")):
        if isinstance(obj, Mapping) and type(obj.get("id")) is str and (name := text(obj.get("displayName"))):
            inv.directory_names[obj["id"].lower()] = name


def _subscription_chains(inv: Inventory, resource_graph: Section) -> None:
    for row in rows(resource_graph, "subscriptions"):
        sub = subscription_of(row["id"]) or str(row.get("subscriptionId") or "").lower()
        if name := text(row.get("name")):
            inv.subscription_names[sub] = name
        chain = props(row).get("managementGroupAncestorsChain") or ()
        if not isinstance(chain, list | tuple) or not all(isinstance(mg, Mapping) for mg in chain):
            continue  # not a chain: the subscription counts as unchained (under every group)
        inv.subscription_mgs[sub] = tuple(
            f"/providers/microsoft.management/managementgroups/{str(mg.get('name')).lower()}" for mg in chain
        )


def add_identities(inv: Inventory, resource_graph: Section, graph: Mapping[str, Any] | None) -> None:
    """Role definitions and assignments (from Resource Graph), principals (from Microsoft Graph)."""
    # A definition is the same whichever subscription's query returned it, so the rows that were
    # read are used even when part of the list failed; only a GUID not among them is unknown then.
    gap = inv.coverage.missing("resourceGraph", "roleDefinitions")
    if inv.coverage.has_section("resourceGraph", "roleDefinitions"):
        inv.role_definitions = _role_definitions(rows(resource_graph, "roleDefinitions"))
        inv.role_definitions_gap = gap
    else:
        inv.role_definitions = gap if gap is not None else Unknown("resourceGraph.roleDefinitions was not collected")
    _role_assignments(inv, resource_graph)
    _principals(inv, graph)
    _group_members(inv, graph)
    _directory_names(inv, graph)
    _subscription_chains(inv, resource_graph)
