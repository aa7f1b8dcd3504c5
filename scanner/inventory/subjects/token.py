"""The ``token`` subject: a repository-scoped access token of a registry, with its scope map.

A token's status is ``enabled`` unless it says otherwise; its scope map is resolved from the
registry's scope maps, so rules can read the repository actions the token is granted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from scanner.azure.ids import last_segment, norm
from scanner.inventory.model import Inventory, Raw, Registry
from scanner.inventory.subjects.subject import Subject, registry_child_ref, registry_ref, registry_stub
from scanner.unknown import Unknown


def _scope_map_doc(reg: Registry, scope_map_id: str | Unknown | None) -> Mapping[str, Any] | Unknown | None:
    if isinstance(scope_map_id, Unknown):
        return scope_map_id
    if not scope_map_id:
        return None
    maps = reg.arm.scope_maps
    if isinstance(maps, Unknown):
        return maps
    key = norm(scope_map_id)
    for sm in maps:
        if norm(sm["id"]) == key:
            props = sm.get("properties") or {}
            actions = props.get("actions")
            return {
                "id": sm["id"],
                "name": sm.get("name"),
                "type": props.get("type"),
                "actions": actions if isinstance(actions, Unknown) else list(actions or ()),
            }
    return {
        "id": scope_map_id,
        "name": last_segment(scope_map_id),
        "type": None,
        "actions": Unknown(f"scope map {scope_map_id} was not returned by ScopeMaps_List"),
    }


def token_fields(token: Raw) -> tuple[Mapping[str, Any], str | Unknown, list[dict[str, Any]]]:
    """A token's properties, its status (enabled unless it says otherwise), and its passwords."""
    props = token.get("properties") or {}
    creds = props.get("credentials")
    creds = creds if type(creds) is dict or isinstance(creds, Mapping) else {}
    status = props.get("status")
    passwords = creds.get("passwords")
    return (
        props,
        "enabled" if status is None or status == "" else status,
        [
            {"name": p.get("name"), "creationTime": p.get("creationTime"), "expiry": p.get("expiry")}
            for p in (passwords if type(passwords) is list else ())
        ],
    )


def each_token(
    inv: Inventory, kind: str, subjects_of: Callable[[Registry, Raw], Iterable[Subject]]
) -> Iterator[Subject]:
    """The ``kind`` subjects of every token, in id order per registry (a placeholder for a
    registry whose tokens were not collected)."""
    for reg in inv.registries.values():
        if isinstance(reg.arm.tokens, Unknown):
            yield Subject(kind, registry_ref(reg), {}, unknown=reg.arm.tokens)
            continue
        for token in sorted(reg.arm.tokens, key=lambda t: norm(t["id"])):
            yield from subjects_of(reg, token)


def _token_doc(reg: Registry, token: Raw) -> dict[str, Any]:
    props, status, passwords = token_fields(token)
    return {
        "id": token["id"],
        "name": token.get("name"),
        "status": status,
        "scopeMapId": props.get("scopeMapId"),
        "scopeMap": _scope_map_doc(reg, props.get("scopeMapId")),
        "passwords": passwords,
        "registry": registry_stub(reg),
        "properties": props,
    }


def _token_subject(reg: Registry, token: Raw) -> tuple[Subject]:
    ref = registry_child_ref(reg, "token", token["id"], str(token.get("name")))
    return (Subject("token", ref, _token_doc(reg, token)),)


def tokens(inv: Inventory) -> Iterator[Subject]:
    """One subject per repository-scoped token of every registry."""
    return each_token(inv, "token", _token_subject)
