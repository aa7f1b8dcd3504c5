"""The ``role_assignment`` subject: a role assignment that reaches at least one registry.

The document resolves the assignment's role (what it grants over registries) and its
principal (what Microsoft Graph says about it: deleted, its service principal type, whether
it holds password credentials), and names the registries in its reach.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from scanner.azure import rbac
from scanner.inventory.model import Inventory, Registry, RoleAssignment, RoleDefinition
from scanner.inventory.rows import props
from scanner.inventory.subjects.access import (
    is_service_principal,
    registry_access,
    unlisted_in_reach,
    unreadable_registries,
)
from scanner.inventory.subjects.subject import Subject, registry_stub, unknown_per_registry
from scanner.results import SubjectRef
from scanner.unknown import Unknown


def _principal_doc(inv: Inventory, assignment: RoleAssignment) -> dict[str, Any]:
    pid = assignment.principal_id
    missing = inv.missing_principals
    principals = inv.principals
    deleted: bool | Unknown
    found: bool | Unknown
    lookup_failed = inv.coverage.principal_error(pid)
    if isinstance(missing, Unknown):
        deleted = missing
    elif lookup_failed is not None and pid not in missing:
        deleted = lookup_failed  # Graph could not say whether it exists: not a pass
    else:
        deleted = pid in missing
    doc: dict[str, Any] = {"id": pid, "type": assignment.principal_type}
    if isinstance(principals, Unknown):
        found = principals
        doc.update(servicePrincipalType=principals, hasPasswordCredentials=principals)
    else:
        sp = principals.get(pid)
        found = sp is not None
        if sp is not None:
            doc.update(
                displayName=sp.display_name,
                appId=sp.app_id,
                servicePrincipalType=sp.sp_type,
                hasPasswordCredentials=bool(sp.credentials),
                passwordCredentialCount=len(sp.credentials),
            )
        elif is_service_principal(assignment) and deleted is not True:
            reason = Unknown(f"service principal {pid} was not returned by Microsoft Graph")
            doc.update(servicePrincipalType=reason, hasPasswordCredentials=reason)
            if deleted is False:
                deleted = reason
    doc["deleted"] = deleted
    doc["found"] = found
    return doc


def _role_doc(role: RoleDefinition | Unknown) -> Mapping[str, Any] | Unknown:
    if isinstance(role, Unknown):
        return role
    return {
        "guid": role.guid,
        "id": role.id,
        "name": role.name,
        "type": role.role_type,
        "grantsRegistryWrite": role.grants_registry_write,
        "grantsListCredentials": role.grants_list_credentials,
        "dataActionsInLegacyMode": [a for a in rbac.ACTIONS if a in role.registry.legacy],
        "dataActionsInAbacMode": [a for a in rbac.ACTIONS if a in role.registry.abac],
    }


# The least-privilege role per mode for an assignment whose real needs are unknown: pull-and-push
# is what a pipeline holding Owner/Contributor most often uses; the text says to check it.
_REPLACEMENT = {rbac.LEGACY: "AcrPush", rbac.ABAC: "Container Registry Repository Writer"}
_MAX_COMMANDS = 20  # a remediation line a reader can still take in


def _replacements(assignment: RoleAssignment, regs: list[Registry], modes: Mapping[str, str | None]) -> str:
    """One narrow grant per registry in reach (never a delete: the broad role may serve other resources)."""
    commands = [
        f"az role assignment create --assignee {assignment.principal_id} "
        f"--role \"{_REPLACEMENT[modes.get(reg.key) or rbac.LEGACY]}\" --scope {reg.id}"
        for reg in regs[:_MAX_COMMANDS]
    ]
    more = len(regs) - len(commands)
    return " && ".join(commands) + (f"  # and {more} more registries: see the JSON report" if more > 0 else "")


def _service_principal_members(inv: Inventory, assignment: RoleAssignment) -> list[str] | Unknown:
    """The service principals (managed identities included) that hold a group's role as members."""
    kind = assignment.principal_type
    if type(kind) is not str or kind.lower() != "group":
        return []
    members = inv.group_members
    if isinstance(members, Unknown):
        return members
    listed = members.get(assignment.principal_id)
    if listed is None:
        return Unknown(f"the members of group {assignment.principal_id} were not collected")
    return sorted(m.display_name or m.id for m in listed if m.kind == "servicePrincipal")


def role_assignments(inv: Inventory) -> Iterator[Subject]:
    """One subject per role assignment that reaches at least one registry."""
    access = registry_access(inv)
    yield from unknown_per_registry("role_assignment", unreadable_registries(inv, access))
    if isinstance(access, Unknown):
        return
    # Documents are read-only for rules, so one role (or principal) document serves every
    # assignment that names it.
    role_docs: dict[str, Any] = {}
    principal_docs: dict[tuple[str, str | Unknown], Any] = {}
    modes = {reg.key: rbac.mode_of(props(reg.raw)) for reg in inv.registries.values()}
    abac_names: dict[int, list[str]] = {}  # per shared registry list (one per scope), like entry.names
    unlisted = unlisted_in_reach(inv)
    for entry in access.entries:
        a = entry.assignment
        principal_key = (a.principal_id, a.principal_type)
        if a.role_guid not in role_docs:
            role_docs[a.role_guid] = _role_doc(entry.role)
        if principal_key not in principal_docs:
            principal_docs[principal_key] = _principal_doc(inv, a)
        regs = entry.registries
        first = regs[0]
        role = entry.role
        # A registry role (every action an ACR one: AcrPull, AcrPush, AcrDelete, custom peers) whose
        # data access exists only in legacy mode; Owner or Reader keep their control-plane use.
        legacy_only = (
            not isinstance(role, Unknown)
            and bool(role.registry.legacy)
            and not role.registry.abac
            and all(a.lower().startswith("microsoft.containerregistry/") for a in role.actions)
        )
        abac: list[str] | Unknown | None = abac_names.get(id(regs))
        if abac is None:
            abac = abac_names[id(regs)] = sorted(r.name for r in regs if modes.get(r.key) == rbac.ABAC)
        if not abac:
            # (none among the registries listed; one that was not listed may be in ABAC mode)
            reach_gap = unlisted(a)
            abac = reach_gap if reach_gap is not None else abac
        # Only an assignment that can write the registry gets replacement commands (ACR-013's fix).
        broad = not isinstance(role, Unknown) and (role.grants_registry_write or role.grants_list_credentials)
        doc = {
            "id": a.id,
            "name": a.name,
            "scope": a.scope,
            "scopeLevel": a.scope_level,
            "principalId": a.principal_id,
            "principalType": a.principal_type,
            "condition": a.condition,
            "role": role_docs[a.role_guid],
            "principal": principal_docs[principal_key],
            "registries": entry.names,
            "registryCount": len(regs),
            "registry": registry_stub(first),
            "abacRegistries": abac,
            "abacRegistriesWithoutEffect": abac if legacy_only else [],
            "servicePrincipalMembers": _service_principal_members(inv, a),
            "replacementCommands": _replacements(a, regs, modes) if broad else None,
        }
        ref = SubjectRef(
            a.id,
            f"{doc['role']['name'] if isinstance(doc['role'], Mapping) else a.role_guid} → {a.principal_id}",
            "role_assignment",
            first.subscription_id if a.scope_level != "root" else None,
            first.resource_group if a.scope_level in ("resource", "resourceGroup") else None,
            first.id if len(regs) == 1 else None,
            first.name if len(regs) == 1 else None,
        )
        yield Subject("role_assignment", ref, doc)
