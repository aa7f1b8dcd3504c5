"""Grants and escalations from role assignments: RBAC, scope inheritance, group membership.

The grants of the assignments at one scope (a subscription, a resource group, a management
group, a registry) are built once per role assignment mode and shared by every registry below
that scope, so a subscription-wide Owner costs one grant, not one per registry.
"""

from __future__ import annotations

from typing import NamedTuple

from scanner.azure import rbac
from scanner.azure.abac_conditions import RepositoryCondition, repository_condition
from scanner.inventory.access_paths.model import Escalation, Grant, GrantPart, Hop, Listers, grant_part, listers
from scanner.inventory.model import GroupMember, Inventory, RoleAssignment, role_definition
from scanner.unknown import Unknown


class ScopePart(NamedTuple):
    """What the role assignments at one scope give every registry below it."""

    grants: GrantPart
    escalations: tuple[Escalation, ...]
    listers: Listers  # those of ``escalations`` that list the admin user's credentials


_UNKNOWN_ROLE = "its role definition was not collected: it may grant pull, push and delete"


def _display_name(inv: Inventory, principal: str) -> str | None:
    """A service principal's name from its Graph object, a user's or group's from ``directoryObjects``."""
    found = None if isinstance(inv.principals, Unknown) else inv.principals.get(principal)
    if found is not None:
        return found.display_name
    return inv.directory_names.get(principal)


def _principal_type(assignment: RoleAssignment) -> str:
    kind = assignment.principal_type
    return kind if type(kind) is str else "Unknown"


def _member_type(member: GroupMember) -> str:
    if member.kind == "servicePrincipal":
        return "ServicePrincipal"
    return member.kind[:1].upper() + member.kind[1:]


def _split_by_condition(
    actions: tuple[str, ...], condition: str | None, mode: str | None
) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """(actions, repositories, unknown) groups: a repository condition narrows some actions only."""
    if condition is None or not actions:
        return [(actions, ("*",), ())]
    if mode != rbac.ABAC:
        note = "the assignment has a condition, which registries in legacy mode do not evaluate"
        return [(actions, ("*",), (note,))]
    parsed = repository_condition(condition)
    if isinstance(parsed, Unknown):
        return [(actions, ("*",), (parsed.reason,))]
    groups: dict[tuple[str, ...], list[str]] = {}
    for action in actions:
        groups.setdefault(_repositories(parsed, action), []).append(action)
    return [(tuple(acts), repos, ()) for repos, acts in groups.items()]


def _repositories(parsed: RepositoryCondition, action: str) -> tuple[str, ...]:
    return parsed.repositories(rbac.ABAC_DATA_ACTIONS[action])


# What a role gives in one mode: (data actions, escalations, its name, unknown notes).
RoleEffect = tuple[tuple[str, ...], tuple[str, ...], str, tuple[str, ...]]


def _role_effect(inv: Inventory, guid: str, mode: str | None) -> RoleEffect:
    """What the role ``guid`` gives a holder in ``mode`` (memoized on the inventory: a tenant has
    thousands of assignments of a few dozen roles)."""
    cache: dict[tuple[str, str | None], RoleEffect] = inv.derived.setdefault("access_paths.roles", {})
    effect = cache.get((guid, mode))
    if effect is None:
        role = role_definition(inv, guid)
        if isinstance(role, Unknown):
            effect = ((), (), guid, (f"{role.reason}; {_UNKNOWN_ROLE}",))
        elif mode is None:  # an undocumented mode: what the role grants there is not known
            note = "the registry's role assignment mode is not documented: data access unknown"
            effect = ((), tuple(sorted(role.registry.escalations)), role.name, (note,))
        else:
            granted = role.registry.actions(mode)
            actions = tuple(a for a in rbac.ACTIONS if a in granted)
            effect = (actions, tuple(sorted(role.registry.escalations)), role.name, ())
        cache[(guid, mode)] = effect
    return effect


def _assignment_part(
    inv: Inventory, assignment: RoleAssignment, mode: str | None
) -> tuple[list[Grant], list[Escalation]]:
    actions, escalations, role_name, unknown = _role_effect(inv, assignment.role_guid, mode)
    if not actions and not escalations and not unknown:
        return [], []
    hop = Hop("roleAssignment", assignment.id, f"{role_name} at {assignment.scope or '/'}")
    # Everything but the holder is the same for a group's members: built once per assignment,
    # and each member's grants share it (a group with hundreds of members is common).
    splits = _split_by_condition(actions, assignment.condition, mode) if actions or unknown else []
    grants: list[Grant] = []
    found: list[Escalation] = []

    def hold(holders: list[tuple[str, str, str | None]], via: tuple[Hop, ...], extra: tuple[str, ...]) -> None:
        # (one comprehension per list, holder by holder: a call per member cost more than the grants)
        shapes = [(acts, repos, (*unknown, *notes, *extra)) for acts, repos, notes in splits]
        grants.extend([Grant(p, k, n, acts, repos, via, notes) for p, k, n in holders for acts, repos, notes in shapes])
        found.extend([Escalation(p, k, n, capability, via) for p, k, n in holders for capability in escalations])

    principal, kind = assignment.principal_id, _principal_type(assignment)
    extra: tuple[str, ...] = ()
    member_of: tuple[Hop, list[tuple[str, str, str | None]]] | None = None
    if kind.lower() == "group":
        members = inv.group_members
        if isinstance(members, Unknown) or principal not in members:
            reason = members.reason if isinstance(members, Unknown) else "not expanded"
            extra = (f"the members of group {principal} are unknown ({reason}): each of them holds this",)
        member_of = _members(inv, principal)
    hold([(principal, kind, _display_name(inv, principal))], (hop,), extra)
    if member_of is not None:
        hold(member_of[1], (member_of[0], hop), ())
    return grants, found


def _members(inv: Inventory, group: str) -> tuple[Hop, list[tuple[str, str, str | None]]]:
    """(the hop through the group, its members as holders), memoized on the inventory: a group
    holds roles at several scopes, and its members are the same at each."""
    cache: dict[str, tuple[Hop, list[tuple[str, str, str | None]]]] = inv.derived.setdefault("access_paths.members", {})
    found = cache.get(group)
    if found is None:
        members = inv.group_members
        listed = () if isinstance(members, Unknown) else members.get(group, ())
        name = inv.directory_names.get(group)
        hop = Hop("group", group, f"member of group {name} ({group})" if name else f"member of group {group}")
        found = cache[group] = (hop, [(m.id, _member_type(m), m.display_name) for m in listed])
    return found


def scope_part(inv: Inventory, scope_key: str, assignments: list[RoleAssignment], mode: str | None) -> ScopePart:
    """The grants and escalations of the assignments at one scope, for registries in ``mode``
    (memoized on the inventory: every registry below the scope shares them)."""
    cache: dict[tuple[str, str | None], ScopePart] = inv.derived.setdefault("access_paths.scopes", {})
    key = (scope_key, mode)
    part = cache.get(key)
    if part is None:
        grants: list[Grant] = []
        escalations: list[Escalation] = []
        for assignment in assignments:
            g, e = _assignment_part(inv, assignment, mode)
            grants.extend(g)
            escalations.extend(e)
        part = cache[key] = ScopePart(grant_part(grants), tuple(escalations), listers(escalations))
    return part
