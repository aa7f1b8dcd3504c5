"""Which role assignments reach which registries: the join behind two subject kinds.

Role assignment and credential subjects both start from the role assignments that grant
access to at least one registry; the join is made once per inventory and memoized on it.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from scanner.azure.ids import subscription_of
from scanner.inventory.model import Inventory, Registry, RoleAssignment, RoleDefinition, role_definition
from scanner.unknown import Unknown

MG_PREFIX = "/providers/microsoft.management/managementgroups/"
UNCHAINED = "<registries without a management group chain>"


class Access(msgspec.Struct):
    """One role assignment that reaches registries, with its role and the sorted registry names."""

    assignment: RoleAssignment
    role: RoleDefinition | Unknown
    registries: list[Registry]
    names: list[str]


class AccessMap(msgspec.Struct):
    """Every assignment reaching a registry, and the registries whose assignments are unknown."""

    entries: list[Access]
    gaps: list[tuple[Registry, Unknown]]
    every_name: list[str] | None  # sorted names of all registries in reach (None if a name repeats)


def _registries_by_scope(inv: Inventory, covered: list[Registry]) -> dict[str, list[Registry]]:
    """Registries under each scope that can hold one (itself, its RG, its subscription, MGs, root).

    Lists are shared between every assignment at the same scope, so a subscription-wide
    assignment costs one dictionary lookup, not one entry per registry.
    """
    index: dict[str, list[Registry]] = {"/": covered}
    unchained: list[Registry] = []  # subscription → MG chain not collected: any MG may hold it
    for reg in covered:  # already in key order, so every list is sorted
        index.setdefault(reg.key, []).append(reg)
        chain = inv.subscription_mgs.get(reg.subscription_id.lower()) if reg.subscription_id else None
        if reg.subscription_id:
            sub = f"/subscriptions/{reg.subscription_id.lower()}"
            index.setdefault(sub, []).append(reg)
            if reg.resource_group:
                index.setdefault(f"{sub}/resourcegroups/{reg.resource_group.lower()}", []).append(reg)
            for mg in chain or ():
                index.setdefault(mg, []).append(reg)
        if chain is None and inv.subscription_mgs:
            unchained.append(reg)
    if unchained:
        # Fail closed: a management-group assignment is taken to reach a registry whose
        # subscription's chain is missing (under-reporting access would be a silent pass).
        for scope, regs in list(index.items()):
            if scope.startswith(MG_PREFIX):
                index[scope] = sorted([*regs, *unchained], key=lambda r: r.key)
        index[UNCHAINED] = unchained
    return index


def registry_access(inv: Inventory) -> AccessMap | Unknown:
    """Role assignments that grant access to at least one registry, with those registries.

    Registries whose subscription's role assignments could not be read (an ``errors`` entry
    affecting ``roleAssignments``) are returned as gaps, so their rules report ``unknown``.
    A management-group assignment covers the registries of the subscriptions under that group
    when the snapshot carries the subscription → management group chain, and every registry
    in scope otherwise (ARG returned it as an ancestor of a scanned subscription); a
    subscription whose chain alone is missing counts as under every group (fail closed).
    """
    if isinstance(inv.assignments_by_scope, Unknown):
        return inv.assignments_by_scope
    cached = inv.derived.get("registry_access")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    covered: list[Registry] = []
    gaps: list[tuple[Registry, Unknown]] = []
    for reg in inv.registries.values():
        gap = inv.coverage.missing("resourceGraph", "roleAssignments", reg.id)
        if gap is not None:
            gaps.append((reg, gap))
        else:
            covered.append(reg)
    index = _registries_by_scope(inv, covered)
    every_name = sorted(r.name for r in covered)
    names: dict[int, list[str]] = {id(covered): every_name}
    entries: list[Access] = []
    assignments = [a for group in inv.assignments_by_scope.values() for a in group] + inv.above_subscription
    for assignment in assignments:
        regs = index.get(assignment.scope_key)
        if regs is None and assignment.scope_level == "managementGroup":
            regs = index.get(UNCHAINED) if inv.subscription_mgs else covered
        if not regs:
            continue
        role = role_definition(inv, assignment.role_guid)
        if not isinstance(role, Unknown) and not role.grants_registry_access:
            continue
        shared = names.get(id(regs))
        if shared is None:
            shared = names[id(regs)] = sorted(r.name for r in regs)
        entries.append(Access(assignment, role, regs, shared))
    entries.sort(key=lambda a: a.assignment.key)
    result = AccessMap(entries, gaps, every_name if len(set(every_name)) == len(every_name) else None)
    inv.derived["registry_access"] = result
    return result


def unreadable_registries(inv: Inventory, access: AccessMap | Unknown) -> list[tuple[Registry, Unknown]]:
    """Registries whose role assignments are unknown, each with the reason."""
    if isinstance(access, Unknown):
        return [(reg, access) for reg in inv.registries.values()]
    return access.gaps


def is_service_principal(assignment: RoleAssignment) -> bool:
    """Whether the assignment's principal is a service principal (as far as it says)."""
    kind = assignment.principal_type
    return type(kind) is str and kind.lower() == "serviceprincipal"


def principals_with_access(inv: Inventory) -> dict[str, str]:
    """Object id → principalType of every principal holding a role over a registry.

    The live collector asks Microsoft Graph about exactly these.
    """
    access = registry_access(inv)
    if isinstance(access, Unknown):
        return {}
    return {
        e.assignment.principal_id: e.assignment.principal_type
        for e in access.entries
        if type(e.assignment.principal_type) is str
    }


def unlisted_in_reach(inv: Inventory) -> Callable[[RoleAssignment], Unknown | None]:
    """Why an assignment may reach registries that were not listed (a subscription whose
    registry list failed), or None: what it reaches is then only a lower bound."""
    errors = inv.coverage.scope_errors("registries")

    def gap(assignment: RoleAssignment) -> Unknown | None:
        for error in errors:
            scope = error.scope_id
            if scope == "/" or assignment.scope_level == "root":
                return Unknown(error.describe())
            if assignment.scope_level == "managementGroup":
                chain = inv.subscription_mgs.get(subscription_of(scope) or "")
                if chain is None or assignment.scope_key in chain:  # (no chain: any group may hold it)
                    return Unknown(error.describe())
            elif error.overlaps(assignment.scope_key):  # (the assignment within the failed scope, or around it)
                return Unknown(error.describe())
        return None

    return gap


def principal_may_reach_unlisted(inv: Inventory, principal: str) -> Unknown | None:
    """Why ``principal`` (a lower-cased object id) may hold a role over a registry that was not
    listed, directly or through a group it belongs to; None when it cannot."""
    if not inv.coverage.scope_errors("registries") or isinstance(inv.assignments_by_scope, Unknown):
        return None
    gap = unlisted_in_reach(inv)
    members = inv.group_members

    def holds(assignment: RoleAssignment) -> bool:
        holder = assignment.principal_id.lower()
        if holder == principal:
            return True
        if type(assignment.principal_type) is not str or assignment.principal_type.lower() != "group":
            return False
        if isinstance(members, Unknown) or holder not in members:  # (not expanded: it may hold the principal)
            return True
        return any(m.id == principal for m in members[holder])

    assignments = [a for listed in inv.assignments_by_scope.values() for a in listed] + inv.above_subscription
    for assignment in assignments:
        if holds(assignment):
            found = gap(assignment)
            if found is not None:
                return found
    return None
