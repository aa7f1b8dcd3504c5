"""The ``pull_path`` subject: one workload pulling from one registry, and whether it can.

Pairs come from the workloads' configuration (Container Apps, container groups, container
sites name their registries) and, for AKS, from the access model: a cluster is "attached" to
every registry its kubelet identity can pull from. A cluster an IaC scan declares whose
kubelet identity can pull from none is paired with the registries declared in the same
deployment instead (``declared: "deployment"``), so a change that drops its pull role fails
rather than leaving nothing to judge. The document carries the verdict of the access model
(``pull.allowed``: true, false, or unknown with the reason), the path that allows it, and what
else the pulling identity holds over the registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from scanner.azure import facts, rbac
from scanner.azure.abac_conditions import matches
from scanner.azure.ids import norm
from scanner.inventory.access_paths import ANONYMOUS, Grant, Hop, RegistryAccess, access_of, registries_held_by
from scanner.inventory.consumers import Identity, Pull
from scanner.inventory.model import Inventory, Registry
from scanner.inventory.pull_network import pull_network_fields
from scanner.inventory.rows import props, text
from scanner.inventory.subjects.access import principal_may_reach_unlisted
from scanner.inventory.subjects.subject import Subject, scope_placeholder
from scanner.results import SubjectRef
from scanner.sources.declarations import PLACEHOLDER_PRINCIPAL
from scanner.unknown import Unknown

KIND = "pull_path"


def _repository_ok(grant: Grant, repository: str | None) -> bool | None:
    """Whether the grant covers the repository (None: cannot tell, the repository is unknown)."""
    if "*" in grant.repositories:
        return True
    if repository is None:
        return None
    return any(matches(p, repository) for p in grant.repositories)


def _path(grant: Grant) -> str:
    return " → ".join(hop.name for hop in grant.via)


def _username_grants(access: RegistryAccess, reg: Registry, username: str) -> list[Grant]:
    """A username is the admin user (named like the registry) or a token of the registry."""
    if username.lower() == reg.name.lower():
        if props(reg.raw).get("adminUserEnabled") is True:
            via = (Hop("adminUser", reg.id, "admin user"),)
            return [Grant(username, "AdminUser", username, rbac.ACTIONS, ("*",), via)]
        return []
    name = username.lower()
    return [g for g in access.grants_of_kind("Token") if (g.display_name or "").lower() == name]


def pull_verdict(
    access: RegistryAccess, reg: Registry, identity: Identity | Unknown, repository: str | None
) -> dict[str, Any]:
    """``{"allowed": True | False | Unknown, "via": [...], "reason": str}`` for one pull."""
    if isinstance(identity, Unknown):
        return {"allowed": identity, "via": [], "reason": identity.reason}
    if identity.kind == "username":
        username = identity.username or ""
        grants = _username_grants(access, reg, username)
        tokens_unknown = any(note.startswith("tokens:") for note in access.unknown)
        if not grants and tokens_unknown and username.lower() != reg.name.lower():
            why = Unknown(f"username {username}: the registry's tokens were not collected")
            return {"allowed": why, "via": [], "reason": why.reason}
    elif isinstance(identity.principal_id, Unknown) or identity.principal_id is None:
        why = identity.principal_id if isinstance(identity.principal_id, Unknown) else Unknown("no principal id")
        return {"allowed": why, "via": [], "reason": why.reason}
    else:
        grants = access.grants_to(frozenset((identity.principal_id, ANONYMOUS)))
    definite = [g for g in grants if rbac.PULL in g.actions and not g.unknown and _repository_ok(g, repository)]
    if definite:
        return {"allowed": True, "via": sorted(_path(g) or g.principal_type for g in definite), "reason": ""}
    doubts = [f"{_path(g)}: {'; '.join(g.unknown)}" for g in grants if g.unknown]
    doubts += [
        f"{_path(g)}: the repository pulled is not known"
        for g in grants
        if rbac.PULL in g.actions and _repository_ok(g, repository) is None
    ]
    # An identity an IaC scan's files create (its principal id a placeholder) does not exist yet,
    # so no group in Entra ID holds it: group members unknown there are no doubt about it.
    created = type(identity.principal_id) is str and identity.principal_id.startswith(PLACEHOLDER_PRINCIPAL)
    doubts += [
        f"{_path(g)}: {'; '.join(g.unknown)}"
        for g in access.doubtful_grants()
        if g.principal_type == "Group"
        and not created
        and rbac.PULL in g.actions
        and any("members of group" in n for n in g.unknown)
    ]
    # An IaC role assignment whose principal could not be resolved (its id is the reader's
    # "<...>" placeholder, never an Entra object id) may be this identity's.
    doubts += [
        f"{_path(g)}: its principal is not known before deployment ({g.principal}) and may be this identity"
        for g in access.grants()
        if g.principal.startswith("<") and (rbac.PULL in g.actions or g.unknown)
    ]
    doubts += [n for n in access.unknown if n.startswith(("role assignments:", "role assignment mode"))]
    if doubts:
        why = Unknown(f"{identity.label} may be able to pull: " + " | ".join(sorted(set(doubts))[:5]))
        return {"allowed": why, "via": [], "reason": why.reason}
    mode = "ABAC repository permissions" if access.mode == rbac.ABAC else "registry permissions"
    target = f"repository {repository}" if repository else "any repository"
    return {"allowed": False, "via": [], "reason": f"{identity.label} holds no pull permission on {target} ({mode})"}


def _other_actions(access: RegistryAccess, identity: Identity | Unknown) -> list[str]:
    if isinstance(identity, Unknown) or type(identity.principal_id) is not str:
        return []
    held = {a for g in access.grants_to(frozenset((identity.principal_id,))) if not g.unknown for a in g.actions}
    return [a for a in (rbac.PUSH, rbac.DELETE) if a in held]


def _document(inv: Inventory, pull: Pull, reg: Registry) -> dict[str, Any]:
    access = access_of(inv, reg)
    identity = pull.identity
    return {
        "consumer": {"id": pull.consumer_id, "name": pull.consumer_name, "kind": pull.consumer_kind},
        "registry": {
            "id": reg.id,
            "name": reg.name,
            "loginServer": pull.server or None,
            "roleAssignmentMode": access.mode,
        },
        "identity": identity
        if isinstance(identity, Unknown)
        else {
            "kind": identity.kind,
            "label": identity.label,
            "principalId": identity.principal_id,
            "username": identity.username,
        },
        "repository": pull.repository,
        "declared": pull.declared,
        "pull": pull_verdict(access, reg, identity, pull.repository),
        "otherActions": _other_actions(access, identity),
        **pull_network_fields(inv, pull, reg),
    }


def _ref(pull: Pull, reg: Registry | None) -> SubjectRef:
    target = reg.name if reg is not None else pull.server or "?"
    return SubjectRef(
        # (a pseudo child id of the workload: one per registry it pulls from)
        f"{pull.consumer_id}/pullsFrom/{reg.name if reg is not None else pull.server or 'unknown'}",
        f"{pull.consumer_name} → {target}",
        KIND,
        pull.subscription_id,
        pull.resource_group,
        reg.id if reg is not None else None,
        reg.name if reg is not None else None,
    )


def _attached(inv: Inventory, pull: Pull) -> Iterator[Registry]:
    """The registries an AKS cluster's kubelet identity can (or may) pull from."""
    identity = pull.identity
    if isinstance(identity, Unknown) or type(identity.principal_id) is not str:
        return
    principals = frozenset((identity.principal_id,))
    for reg in registries_held_by(inv, identity.principal_id):  # (where it holds nothing, it cannot pull)
        if any(rbac.PULL in g.actions or g.unknown for g in access_of(inv, reg).grants_to(principals)):
            yield reg


def _co_declared(inv: Inventory, pull: Pull, seen: set[tuple[str, str]]) -> Iterator[Subject]:
    """An IaC cluster pulling from none: the pairs with the registries declared in its deployment."""
    expected = msgspec.structs.replace(pull, declared="deployment")
    for key in inv.co_declared.get(norm(pull.consumer_id), ()):
        reg = inv.registries.get(key)
        if reg is not None:
            seen.add((norm(pull.consumer_id), reg.key))
            yield Subject(KIND, _ref(expected, reg), _document(inv, expected, reg))


def pull_paths(inv: Inventory) -> Iterator[Subject]:
    """One subject per (workload, registry in the snapshot it pulls from), then the pairs of
    ``access.expected_pulls`` that no configuration showed."""
    seen: set[tuple[str, str]] = set()
    failed = [e.describe() for e in inv.coverage.scope_errors("registries")]
    unlisted = f"the registries of part of the scope could not be listed ({'; '.join(failed)})" if failed else None
    for name, pulls in inv.pulls.items():
        if isinstance(pulls, Unknown):
            if not pulls.live_only:  # an IaC scan: workloads not in the files are not part of the change
                yield scope_placeholder(KIND, Unknown(f"the {name} list: {pulls.reason}"), f"resourceGraph.{name}")
            continue
        for pull in pulls:
            if pull.declared == "attached":
                if isinstance(pull.identity, Unknown):
                    yield Subject(KIND, _ref(pull, None), {}, unknown=pull.identity)
                    continue
                attached = list(_attached(inv, pull))
                for reg in attached:
                    seen.add((norm(pull.consumer_id), reg.key))
                    yield Subject(KIND, _ref(pull, reg), _document(inv, pull, reg))
                if unlisted is not None and type(pull.identity.principal_id) is str:
                    gap = principal_may_reach_unlisted(inv, pull.identity.principal_id.lower())
                    if gap is not None:  # (it may also pull from a registry that was not listed)
                        held = f"{pull.identity.label} may hold a role over registries not listed"
                        yield Subject(KIND, _ref(pull, None), {}, unknown=Unknown(f"{held}: {gap.reason}"))
                if not attached:
                    yield from _co_declared(inv, pull, seen)
            elif pull.registry is not None:
                seen.add((norm(pull.consumer_id), pull.registry.key))
                yield Subject(KIND, _ref(pull, pull.registry), _document(inv, pull, pull.registry))
            elif not pull.server:
                reason = pull.identity if isinstance(pull.identity, Unknown) else Unknown("registry not known")
                yield Subject(KIND, _ref(pull, None), {}, unknown=reason)
            elif unlisted is not None and pull.server.endswith(facts.ACR_LOGIN_SUFFIXES):
                # An Azure registry that was not listed may be one of ours: the scope whose
                # registries could not be listed may hold it, so this pull is unknown, not skipped.
                reason = Unknown(f"{pull.server} is not among the registries listed; {unlisted}")
                yield Subject(KIND, _ref(pull, None), {}, unknown=reason)
            # else: a registry outside the snapshot (another tenant, Docker Hub): not ours to judge
    yield from _expected(inv, seen)


def _find_registry(inv: Inventory, wanted: str) -> Registry | None:
    key = norm(wanted)
    return inv.registries.get(key) or next((r for r in inv.registries.values() if r.name.lower() == key), None)


def _find_pull(inv: Inventory, wanted: str) -> Pull | Unknown | None:
    """The first pull of the workload named (or with the id) ``wanted``; why not, if a list is unknown."""
    key = norm(wanted)
    gaps: list[str] = []
    for name, pulls in inv.pulls.items():
        if isinstance(pulls, Unknown):
            gaps.append(f"{name}: {pulls.reason}")
            continue
        for pull in pulls:
            if norm(pull.consumer_id) == key or pull.consumer_name.lower() == key:
                match: Pull = pull
                return match
    return Unknown("; ".join(gaps)) if gaps else None


def _expected(inv: Inventory, seen: set[tuple[str, str]]) -> Iterator[Subject]:
    """``access.expected_pulls``: pairs the configuration asserts, judged like the others."""
    for consumer, registry in inv.expected_pulls:
        reg = _find_registry(inv, registry)
        found = _find_pull(inv, consumer)
        label = f"{consumer} → {registry} (access.expected_pulls)"
        if reg is None or not isinstance(found, Pull):
            if reg is None:
                why = Unknown(f"registry {registry} of access.expected_pulls is not in the snapshot")
            elif isinstance(found, Unknown):
                why = Unknown(f"workload {consumer} of access.expected_pulls: {found.reason}")
            else:
                why = Unknown(f"workload {consumer} of access.expected_pulls was not found among the workloads")
            yield Subject(KIND, SubjectRef(f"expected:{consumer}/pullsFrom/{registry}", label, KIND), {}, unknown=why)
            continue
        if (norm(found.consumer_id), reg.key) in seen:
            continue
        seen.add((norm(found.consumer_id), reg.key))
        server = text(props(reg.raw).get("loginServer")) or f"{reg.name}.azurecr.io"
        pull = msgspec.structs.replace(found, registry=reg, server=server.lower(), repository=None, declared="expected")
        yield Subject(KIND, _ref(pull, reg), _document(inv, pull, reg))
