"""The access model: for each registry, who can pull, push and delete, on which repositories,
through which path (docs/access-model.md).

Paths: role assignments at the registry or any scope above it (resource group, subscription,
management groups, root), held directly or through group membership; the admin user (held by
whoever can list its credentials); anonymous pull; repository tokens through their scope maps.
Escalations (who could open a path) are reported apart. Whatever could not be read is listed
in ``unknown``: the model under-reports nothing silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

from scanner.azure import rbac
from scanner.inventory.access_paths.credentials import admin_grants, anonymous_grants, token_grants
from scanner.inventory.access_paths.model import (
    ANONYMOUS,
    AdminPart,
    Escalation,
    Grant,
    GrantPart,
    Hop,
    Listers,
    RegistryAccess,
    grant_part,
)
from scanner.inventory.access_paths.roles import ScopePart, scope_part
from scanner.inventory.model import Inventory, Registry, RoleAssignment
from scanner.inventory.rows import props
from scanner.unknown import Unknown

__all__ = [
    "ANONYMOUS",
    "Escalation",
    "Grant",
    "Hop",
    "RegistryAccess",
    "access_of",
    "every_access",
    "registries_held_by",
]

_ROOT = "/"


def _above_subscription(inv: Inventory) -> dict[str, list[RoleAssignment]]:
    cached: dict[str, list[RoleAssignment]] | None = inv.derived.get("access_paths.above")
    if cached is None:
        cached = {}
        for assignment in inv.above_subscription:
            cached.setdefault(assignment.scope_key, []).append(assignment)
        inv.derived["access_paths.above"] = cached
    return cached


def _scopes(
    inv: Inventory, reg: Registry, by_scope: dict[str, list[RoleAssignment]]
) -> Iterator[tuple[str, list[RoleAssignment], str | None]]:
    """(scope key, assignments, note) for every scope that contains the registry."""
    above = _above_subscription(inv)
    yield reg.key, by_scope.get(reg.key, []), None
    if reg.subscription_id:
        sub = f"/subscriptions/{reg.subscription_id.lower()}"
        if reg.resource_group:
            rg = f"{sub}/resourcegroups/{reg.resource_group.lower()}"
            yield rg, by_scope.get(rg, []), None
        yield sub, by_scope.get(sub, []), None
        chain = inv.subscription_mgs.get(reg.subscription_id.lower())
        if chain is not None:
            for mg in chain:
                yield mg, above.get(mg, []), None
        else:
            # The chain was not collected: every management-group assignment in the snapshot may
            # reach this registry (fail closed: listed, with the reason).
            note = (
                f"the management groups of subscription {reg.subscription_id} are unknown"
                if inv.subscription_mgs
                else None
            )
            for scope, assignments in above.items():
                if scope != _ROOT:
                    yield scope, assignments, note
    yield _ROOT, above.get(_ROOT, []), None


def _with_note(part: ScopePart, note: str) -> ScopePart:
    noted = grant_part(msgspec.structs.replace(g, unknown=(*g.unknown, note)) for g in part.grants.grants)
    return part._replace(grants=noted)


def access_of(inv: Inventory, reg: Registry) -> RegistryAccess:
    """Everything that reaches ``reg`` (memoized on the inventory)."""
    cache: dict[str, RegistryAccess] = inv.derived.setdefault("access_paths.registries", {})
    found = cache.get(reg.key)
    if found is not None:
        return found
    registry_props = props(reg.raw)
    mode = rbac.mode_of(registry_props)
    unknown: list[str] = []
    parts: list[GrantPart | AdminPart] = []
    escalations: list[tuple[Escalation, ...]] = []
    listers: list[Listers] = []
    by_scope = inv.assignments_by_scope
    gap = inv.coverage.missing("resourceGraph", "roleAssignments", reg.id)
    if isinstance(by_scope, Unknown) or gap is not None:
        reason = by_scope.reason if isinstance(by_scope, Unknown) else gap.reason if gap is not None else ""
        unknown.append(f"role assignments: {reason}")
    else:
        for scope, assignments, note in _scopes(inv, reg, by_scope):
            if not assignments:
                continue
            part = scope_part(inv, scope, assignments, mode)
            if note is not None:
                part = _with_note(part, note)
            if part.grants.grants:
                parts.append(part.grants)
            if part.escalations:
                escalations.append(part.escalations)
            if part.listers.escalations:
                listers.append(part.listers)
    if mode is None:
        unknown.append(f"role assignment mode {registry_props.get('roleAssignmentMode')!r} is not documented")
    # (in this order: anonymous pull, the admin user, tokens)
    credential_parts: tuple[tuple[list[GrantPart] | list[AdminPart], list[str]], ...] = (
        anonymous_grants(reg, registry_props),
        admin_grants(reg, registry_props, listers),
        token_grants(reg),
    )
    for more, notes in credential_parts:
        parts.extend(more)
        unknown.extend(notes)
    found = cache[reg.key] = RegistryAccess(reg.id, reg.name, mode, tuple(parts), tuple(escalations), tuple(unknown))
    return found


def every_access(inv: Inventory) -> Iterator[RegistryAccess]:
    """The access of every registry, in registry id order."""
    for reg in inv.registries.values():
        yield access_of(inv, reg)


def _holders(inv: Inventory) -> tuple[list[Registry], dict[str, list[list[int]]]]:
    """(the registries in order, principal → the registry positions of each part it holds a
    grant in), memoized: built from the parts' shared indexes, not from every registry's
    grants, so it costs a few steps per registry and one per holder of each shared part."""
    found: tuple[list[Registry], dict[str, list[list[int]]]] | None = inv.derived.get("access_paths.holders")
    if found is None:
        registries = list(inv.registries.values())
        # id of a shared index → the index's holders, the positions of the registries it reaches
        shared: dict[int, tuple[Iterable[str], list[int]]] = {}
        for position, reg in enumerate(registries):
            for part in access_of(inv, reg).parts:
                entry = shared.get(id(part.source))  # (the sources stay alive in the access memo)
                if entry is None:
                    shared[id(part.source)] = (part.holders, [position])
                else:
                    entry[1].append(position)
        by_principal: dict[str, list[list[int]]] = {}
        for holders, positions in shared.values():
            for principal in holders:
                by_principal.setdefault(principal, []).append(positions)
        found = inv.derived["access_paths.holders"] = (registries, by_principal)
    return found


def registries_held_by(inv: Inventory, principal: str) -> list[Registry]:
    """The registries where ``principal`` (a lower-cased object id) holds any grant, in registry
    id order: asking this once replaces asking every registry about the principal."""
    registries, by_principal = _holders(inv)
    lists = by_principal.get(principal)
    if not lists:
        return []
    positions = lists[0] if len(lists) == 1 else sorted({p for found in lists for p in found})
    return [registries[p] for p in positions]
