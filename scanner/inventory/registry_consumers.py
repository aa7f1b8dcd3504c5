"""The workloads that pull from a registry with a managed identity, by kind: the registry
document's ``consumers`` (ACR-003 names them, since disabling ARM-audience tokens breaks the
managed-identity pulls of App Service and Container Apps, docs/access-model-azure-facts.md §7).

Only managed identities count: admin-user and token logins are unaffected by the policy, and
which tokens a service principal's password login is exchanged for is not documented. An AKS
cluster counts for every registry its kubelet identity can (or may) pull from, as its
``pull_path`` subjects do.
"""

from __future__ import annotations

from scanner.azure import rbac
from scanner.inventory.access_paths import access_of
from scanner.inventory.consumers import KINDS, Pull
from scanner.inventory.model import Inventory, Registry
from scanner.unknown import Unknown

Consumers = dict[str, list[str] | Unknown]  # kind → sorted workload names (or why the kind's list is unknown)
_INDEX = "registryConsumers"


def _pulled_from(inv: Inventory, pull: Pull) -> list[Registry]:
    if pull.declared != "attached":
        return [pull.registry] if pull.registry is not None else []
    principal = pull.identity.principal_id if not isinstance(pull.identity, Unknown) else None
    if type(principal) is not str:
        return []
    held = frozenset((principal,))
    return [
        reg
        for reg in inv.registries.values()
        if any(rbac.PULL in g.actions or g.unknown for g in access_of(inv, reg).grants_to(held))
    ]


def _index(inv: Inventory) -> dict[str, dict[str, set[str]]]:
    """Registry key → kind → names (memoized: one pass over every workload)."""
    index: dict[str, dict[str, set[str]]] | None = inv.derived.get(_INDEX)
    if index is None:
        index = {}
        for pulls in inv.pulls.values():
            for pull in pulls if not isinstance(pulls, Unknown) else ():
                if isinstance(pull.identity, Unknown) or pull.identity.kind != "managedIdentity":
                    continue
                for reg in _pulled_from(inv, pull):
                    index.setdefault(reg.key, {}).setdefault(pull.consumer_kind, set()).add(pull.consumer_name)
        inv.derived[_INDEX] = index
    return index


def registry_consumers(inv: Inventory, reg: Registry) -> Consumers:
    """Each kind of workload → the names of those pulling from ``reg`` with a managed identity."""
    found = _index(inv).get(reg.key, {})
    out: Consumers = {}
    for list_name, kind in KINDS.items():
        pulls = inv.pulls.get(list_name, Unknown(f"resourceGraph.{list_name} was not collected"))
        out[kind] = pulls if isinstance(pulls, Unknown) else sorted(found.get(kind, ()))
    return out
