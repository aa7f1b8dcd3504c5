"""Grants that do not come from Entra roles: anonymous pull, the admin user, repository tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.azure import rbac
from scanner.azure.facts import SYSTEM_SCOPE_MAPS
from scanner.azure.ids import last_segment, norm
from scanner.inventory.access_paths.model import ANONYMOUS, AdminPart, Grant, GrantPart, Hop, Listers, grant_part
from scanner.inventory.model import Registry
from scanner.unknown import Unknown

# A scope map's repository action → the data-plane action it grants.
_TOKEN_ACTIONS = {"content/read": rbac.PULL, "content/write": rbac.PUSH, "content/delete": rbac.DELETE}


def anonymous_grants(reg: Registry, props: Mapping[str, Any]) -> tuple[list[GrantPart], list[str]]:
    """Everyone who can reach the endpoint pulls every repository when anonymous pull is on."""
    value = props.get("anonymousPullEnabled")
    if value is True:
        via = (Hop("anonymousPull", reg.id, "anonymous pull is enabled"),)
        return [grant_part([Grant(ANONYMOUS, "Anonymous", None, (rbac.PULL,), ("*",), via)])], []
    if value is None or value is False:
        return [], []
    reason = value.reason if isinstance(value, Unknown) else f"anonymousPullEnabled is {value!r}"
    return [], [f"whether anonymous pull is enabled is unknown: {reason}"]


def admin_grants(reg: Registry, props: Mapping[str, Any], listers: list[Listers]) -> tuple[list[AdminPart], list[str]]:
    """The admin user can pull, push and delete: whoever can list its credentials (``listers``,
    per scope) holds it."""
    value = props.get("adminUserEnabled")
    if value is not True:
        if value is None or value is False:
            return [], []
        reason = value.reason if isinstance(value, Unknown) else f"adminUserEnabled is {value!r}"
        return [], [f"whether the admin user is enabled is unknown: {reason}"]
    hop = Hop("adminUser", reg.id, "admin user credentials (listCredentials)")
    note = "the admin user is enabled: anyone who was given its password can also pull, push and delete"
    return [AdminPart(scope, hop) for scope in listers], [note]


def _scope_map_actions(reg: Registry, scope_map_id: str) -> tuple[str, list[str]] | Unknown:
    """A scope map's name and repository actions (Azure's system scope maps are known by name)."""
    maps = reg.arm.scope_maps
    key = norm(scope_map_id)
    if not isinstance(maps, Unknown):
        for sm in maps:
            if norm(sm["id"]) == key:
                actions = (sm.get("properties") or {}).get("actions")
                if isinstance(actions, Unknown):
                    return actions
                return str(sm.get("name") or last_segment(scope_map_id)), [a for a in actions or () if type(a) is str]
    system = SYSTEM_SCOPE_MAPS.get(last_segment(scope_map_id))
    if system is not None:
        return last_segment(scope_map_id), list(system[1])
    return maps if isinstance(maps, Unknown) else Unknown(f"scope map {scope_map_id} was not returned")


def _by_repository(actions: list[str]) -> dict[tuple[str, ...], list[str]]:
    """Repository actions ("repositories/<name>/content/read") → {data-plane actions: repositories}."""
    per_repo: dict[str, set[str]] = {}
    for action in actions:
        head, _, rest = action.partition("/")
        name, _, verb = rest.rpartition("/")
        name, _, area = name.rpartition("/")
        granted = _TOKEN_ACTIONS.get(f"{area}/{verb}".lower())
        if head.lower() == "repositories" and name and granted is not None:
            per_repo.setdefault(name.lower(), set()).add(granted)
    grouped: dict[tuple[str, ...], list[str]] = {}
    for repo, actions_of_repo in sorted(per_repo.items()):
        grouped.setdefault(tuple(a for a in rbac.ACTIONS if a in actions_of_repo), []).append(repo)
    return grouped


def token_grants(reg: Registry) -> tuple[list[GrantPart], list[str]]:
    """Each enabled token's repository actions, through its scope map."""
    tokens = reg.arm.tokens
    if isinstance(tokens, Unknown):
        return [], [f"tokens: {tokens.reason}"]
    grants: list[Grant] = []
    unknown: list[str] = []
    for token in sorted(tokens, key=lambda t: norm(t["id"])):
        props = token.get("properties") or {}
        status = props.get("status")
        if isinstance(status, str) and status.lower() == "disabled":
            continue
        token_hop = Hop("token", token["id"], str(token.get("name") or last_segment(token["id"])))
        scope_map_id = props.get("scopeMapId")
        resolved = _scope_map_actions(reg, scope_map_id) if type(scope_map_id) is str else None
        if resolved is None or isinstance(resolved, Unknown):
            reason = resolved.reason if isinstance(resolved, Unknown) else "it names no scope map"
            grants.append(Grant(token["id"], "Token", token_hop.name, (), (), (token_hop,), (f"scope map: {reason}",)))
            continue
        name, actions = resolved
        via = (token_hop, Hop("scopeMap", str(scope_map_id), name))
        notes = () if status is None or isinstance(status, str) else (f"token status unknown: {status!r}",)
        for granted, repos in _by_repository(actions).items():
            grants.append(Grant(token["id"], "Token", token_hop.name, granted, tuple(repos), via, notes))
    return ([grant_part(grants)] if grants else []), unknown
