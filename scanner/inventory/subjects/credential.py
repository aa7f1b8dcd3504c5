"""The ``credential`` subject: a password credential of a service principal with registry access.

A service principal's own passwords and those of its application registration are both
listed (``credential.owner`` says which); a principal without any yields one subject whose
``credential`` is ``null``, so rules can tell "no secrets" from "not collected".
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from scanner.inventory.model import Credential, Inventory, Principal
from scanner.inventory.subjects.access import is_service_principal, registry_access, unreadable_registries
from scanner.inventory.subjects.subject import Subject, unknown_per_registry
from scanner.results import SubjectRef
from scanner.unknown import Unknown


def _credential_doc(principal: Principal, cred: Credential | None, regs: list[str]) -> dict[str, Any]:
    return {
        "id": f"{principal.id}/passwordCredentials/{cred.key_id}" if cred else principal.id,
        "name": (cred.display_name or cred.key_id) if cred else (principal.display_name or principal.id),
        "principal": {
            "id": principal.id,
            "appId": principal.app_id,
            "displayName": principal.display_name,
            "servicePrincipalType": principal.sp_type,
            "applicationObjectId": principal.application_id,
        },
        "credential": None
        if cred is None
        else {
            "keyId": cred.key_id,
            "displayName": cred.display_name,
            "startDateTime": cred.start,
            "endDateTime": cred.end,
            "owner": cred.owner,
            "ownerId": cred.owner_id,
        },
        "registries": regs,
    }


def union_sorted(lists: list[list[str]], every_name: list[str] | None) -> list[str]:
    """Sorted union of sorted registry-name lists; a single (shared) list is reused as is.

    A principal holding a management-group or root assignment has one list naming every
    registry in reach (``every_name``, when no name repeats): the union is that list, and
    merging it again for each such principal would grow with the square of the tenant.
    Otherwise concatenated sorted runs sort in linear time (Timsort merges runs), and
    ``dict.fromkeys`` drops the duplicates while keeping that order.
    """
    if len(lists) == 1:
        return lists[0]
    if every_name is not None and any(len(names) == len(every_name) for names in lists):
        return every_name
    return list(dict.fromkeys(sorted(chain.from_iterable(lists))))


def _principal_subjects(inv: Inventory, pid: str, regs: list[str]) -> Iterator[Subject]:
    """The subjects of one service principal: one per credential, or why there are none."""
    base = SubjectRef(id=pid, name=pid, kind="credential")
    if isinstance(inv.missing_principals, Unknown):
        yield Subject("credential", base, {"registries": regs}, unknown=inv.missing_principals)
        return
    if pid in inv.missing_principals:
        yield Subject("credential", base, {"registries": regs}, not_applicable="principal was deleted")
        return
    if isinstance(inv.principals, Unknown):
        yield Subject("credential", base, {"registries": regs}, unknown=inv.principals)
        return
    principal = inv.principals.get(pid)
    if principal is None:
        reason = Unknown(f"service principal {pid} was not returned by Microsoft Graph")
        yield Subject("credential", base, {"registries": regs}, unknown=reason)
        return
    name = principal.display_name or pid
    if not principal.credentials:
        ref = SubjectRef(principal.id, name, "credential")
        yield Subject("credential", ref, _credential_doc(principal, None, regs))
        return
    for cred in sorted(principal.credentials, key=lambda c: (c.owner, c.key_id)):
        doc = _credential_doc(principal, cred, regs)
        ref = SubjectRef(doc["id"], f"{name}: {doc['name']}", "credential")
        yield Subject("credential", ref, doc)


def credentials(inv: Inventory) -> Iterator[Subject]:
    """One subject per password credential of each service principal with registry access."""
    access = registry_access(inv)
    yield from unknown_per_registry("credential", unreadable_registries(inv, access))
    if isinstance(access, Unknown):
        return
    lists_by_principal: dict[str, dict[int, list[str]]] = {}
    for entry in access.entries:
        if is_service_principal(entry.assignment):
            lists_by_principal.setdefault(entry.assignment.principal_id, {})[id(entry.names)] = entry.names
    for pid in sorted(lists_by_principal):
        regs = union_sorted(list(lists_by_principal[pid].values()), access.every_name)
        yield from _principal_subjects(inv, pid, regs)
