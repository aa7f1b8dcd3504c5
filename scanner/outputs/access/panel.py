"""The scan report's access panel: per registry, who can pull, push and delete, grouped by path.

The same access model as ``acr-scan access`` (``scanner.inventory.access_paths``), shown in the
HTML report's registry sections. Grants are grouped by the kind of path that gives them: role
assignments at the registry, its resource group, its subscription, the management groups above
it and the root; the members of groups holding a role; the admin user; anonymous pull;
repository tokens. Escalations are listed apart, as everywhere.

A tenant-wide assignment reaches every registry below it, so a large tenant has hundreds of
grants per registry (the 5,000-registry benchmark: 1.1 million). The panel therefore lists at
most ``cap`` grants and ``escalation_cap`` escalations per registry, shared fairly between the
path kinds (every kind present keeps at least one row while the cap allows) and within a kind
the broadest first (delete, then push, then pull only), and says how many it left out and which
``acr-scan access`` command lists them all. Counts are always of everything.

Grant order and grouping are computed once per shared scope part (the grants of one scope are
the same objects in every registry below it), so the panel costs little per registry.
"""

from __future__ import annotations

import heapq
import itertools
import shlex
from collections.abc import Callable, Iterable, Sequence

import msgspec

from scanner.azure import rbac
from scanner.azure.ids import scope_level
from scanner.inventory.access_paths import Escalation, Grant, RegistryAccess
from scanner.inventory.access_paths.model import AdminPart, GrantPart
from scanner.outputs.access.report import escalation_key, per_object

Part = GrantPart | AdminPart  # one source of grants of a registry (shared per scope)

#: Path kinds in the order the panel shows them, with their headings and short names.
PATH_KINDS: tuple[tuple[str, str, str], ...] = (
    ("resource", "Role assignments on the registry", "registry"),
    ("resourceGroup", "Role assignments on its resource group", "resource group"),
    ("subscription", "Role assignments on its subscription", "subscription"),
    ("managementGroup", "Role assignments on management groups above it", "management groups"),
    ("root", "Role assignments at the root scope (/)", "root"),
    ("groupMembers", "Members of groups that hold a role", "group members"),
    ("adminUser", "Admin user (whoever can read its passwords)", "admin user"),
    ("anonymousPull", "Anonymous pull (anyone who reaches the endpoint)", "anonymous pull"),
    ("tokens", "Repository tokens", "tokens"),
    ("other", "Other paths", "other"),
)
_KIND_RANK = {kind: i for i, (kind, _, _) in enumerate(PATH_KINDS)}
_LABELS = {kind: (label, short) for kind, label, short in PATH_KINDS}
#: Which kinds keep a row first when the cap is smaller than the number of kinds: the paths
#: open to anyone, then the ones closest to the registry.
_PRIORITY = {
    kind: i
    for i, kind in enumerate(
        [
            *("anonymousPull", "adminUser", "resource", "resourceGroup", "subscription"),
            *("tokens", "groupMembers", "managementGroup", "root", "other"),
        ]
    )
}
#: A path kind's list starts open when it has at most this many grants (larger ones are collapsed).
OPEN_UP_TO = 8
_SMALL_PART = 16  # grants: a part this small is counted per registry rather than remembered
_ASSIGNMENTS = "/providers/microsoft.authorization/roleassignments/"


class PathGroup(msgspec.Struct, frozen=True):
    """The grants of one path kind: the first ``len(grants)`` of ``total``."""

    kind: str
    label: str
    short: str
    grants: tuple[Grant, ...]
    total: int

    @property
    def open(self) -> bool:
        return self.total <= OPEN_UP_TO


class AccessPanel(msgspec.Struct, frozen=True):
    """What one registry's panel shows."""

    registry_name: str
    mode: str | None
    unknown: tuple[str, ...]
    groups: tuple[PathGroup, ...]
    escalations: tuple[Escalation, ...]
    escalation_total: int
    holders: tuple[tuple[str, int], ...]  # (action, distinct principals holding it), pull/push/delete
    command: str  # the ``acr-scan access`` command that lists everything

    @property
    def grant_total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def hidden_grants(self) -> int:
        return sum(g.total - len(g.grants) for g in self.groups)

    @property
    def hidden_escalations(self) -> int:
        return self.escalation_total - len(self.escalations)


def _scope_of_assignment(assignment_id: str) -> str:
    cut = assignment_id.lower().rfind(_ASSIGNMENTS)
    return (assignment_id[:cut] if cut >= 0 else assignment_id) or "/"


def path_kind(grant: Grant) -> str:
    """The kind of path a grant comes through (a :data:`PATH_KINDS` key)."""
    kinds = [hop.kind for hop in grant.via]
    if "anonymousPull" in kinds:
        return "anonymousPull"
    if "adminUser" in kinds:
        return "adminUser"
    if "token" in kinds:
        return "tokens"
    if kinds and kinds[0] == "group":
        return "groupMembers"
    for hop in reversed(grant.via):
        if hop.kind == "roleAssignment":
            return scope_level(_scope_of_assignment(hop.id))
    return "other"


def _breadth_first(grant: Grant) -> tuple[bool, bool, str]:
    """Within a path kind: who can delete first, then push, then pull only; then by principal.
    (Ties keep the access model's order, which is the snapshot's: the page is deterministic.
    The full report order of ``acr-scan access`` would cost a second per 5,000 registries.)"""
    return (rbac.DELETE not in grant.actions, rbac.PUSH not in grant.actions, grant.principal)


def allocate(sizes: Sequence[int], cap: int, priority: Sequence[int] | None = None) -> list[int]:
    """How many of each list to show so that at most ``cap`` are shown in all, shared fairly:
    every list gets an equal share of what is left, the small ones give their surplus back.
    When ``cap`` cannot give every list a row, the lists first in ``priority`` (indexes,
    default: their order) get one."""
    order = list(priority) if priority is not None else list(range(len(sizes)))
    shown = [0] * len(sizes)
    left = cap
    while left > 0:
        wanting = [i for i in order if shown[i] < sizes[i]]
        if not wanting:
            break
        share = max(1, left // len(wanting))
        for i in wanting:
            take = min(share, sizes[i] - shown[i], left)
            shown[i] += take
            left -= take
            if not left:
                break
    return shown


Sorted = dict[str, list[Grant]]


class PanelBuilder:
    """Builds the panels of one report, remembering what is shared between registries."""

    def __init__(self, cap: int, escalation_cap: int) -> None:
        self.cap = cap
        self.escalation_cap = escalation_cap
        self._order: Callable[[Grant], tuple[bool, bool, str]] = per_object(_breadth_first)
        self._escalation_order: Callable[[Escalation], tuple[object, ...]] = per_object(escalation_key)
        # (by part object: the parts stay alive in the inventory's memo while the report is built)
        self._part: Callable[[Part], Sorted] = per_object(self._sort_part)
        self._holders: Callable[[Part], dict[str, frozenset[str]]] = per_object(_part_holders)
        self._shared_holders: dict[tuple[int, ...], dict[str, frozenset[str]]] = {}

    def _sort_part(self, part: Part) -> Sorted:
        """A scope part's grants by path kind, each list in panel order (once per shared part)."""
        grouped: Sorted = {}
        for grant in part.grants:
            grouped.setdefault(path_kind(grant), []).append(grant)
        for grants in grouped.values():
            grants.sort(key=self._order)
        return grouped

    def panel(self, access: RegistryAccess) -> AccessPanel:
        per_kind: dict[str, list[list[Grant]]] = {}
        for part in access.parts:
            for kind, grants in self._part(part).items():
                per_kind.setdefault(kind, []).append(grants)
        kinds = sorted(per_kind, key=_KIND_RANK.__getitem__)
        sizes = [sum(map(len, per_kind[k])) for k in kinds]
        groups = []
        priority = sorted(range(len(kinds)), key=lambda i: _PRIORITY[kinds[i]])
        for kind, size, shown in zip(kinds, sizes, allocate(sizes, self.cap, priority), strict=True):
            lists = per_kind[kind]
            merged = lists[0] if len(lists) == 1 else heapq.merge(*lists, key=self._order)
            groups.append(PathGroup(kind, *_LABELS[kind], tuple(itertools.islice(merged, shown)), size))
        escalations = (
            heapq.nsmallest(self.escalation_cap, access.escalations, key=self._escalation_order)
            if self.escalation_cap
            else ()
        )
        return AccessPanel(
            access.registry_name,
            access.mode,
            access.unknown,
            tuple(groups),
            tuple(escalations),
            len(access.escalations),
            self._count_holders(access.parts),
            f"acr-scan access --registry {shlex.quote(access.registry_name)}",
        )

    def _count_holders(self, parts: Sequence[Part]) -> tuple[tuple[str, int], ...]:
        """Distinct principals per action. The union of the large parts (the scopes above the
        registry, shared by every registry below them) is remembered by their identities, so
        only a registry's own few grants are added per registry."""
        sizes = {id(part): len(part.grants) for part in parts}
        large = tuple(part for part in parts if sizes[id(part)] > _SMALL_PART)
        key = tuple(map(id, large))
        shared = self._shared_holders.get(key)
        if shared is None:
            shared = self._shared_holders[key] = self._union(large)
        small = [part for part in parts if sizes[id(part)] <= _SMALL_PART]
        if not small:
            return tuple((action, len(shared[action])) for action in rbac.ACTIONS)
        own = self._union(small)
        return tuple((action, len(shared[action] | own[action])) for action in rbac.ACTIONS)

    def _union(self, parts: Iterable[Part]) -> dict[str, frozenset[str]]:
        union: dict[str, set[str]] = {action: set() for action in rbac.ACTIONS}
        for part in parts:
            for action, principals in self._holders(part).items():
                union[action] |= principals
        return {action: frozenset(principals) for action, principals in union.items()}


def _part_holders(part: Part) -> dict[str, frozenset[str]]:
    """Who holds each action in a scope part (grants that may be wider count: fail closed)."""
    found: dict[str, set[str]] = {action: set() for action in rbac.ACTIONS}
    for grant in part.grants:
        for action in grant.actions:
            if action in found:
                found[action].add(grant.principal)
    return {action: frozenset(principals) for action, principals in found.items()}


def panels(accesses: Iterable[tuple[str, RegistryAccess]], cap: int, escalation_cap: int) -> dict[str, AccessPanel]:
    """The panel of each ``(key, access)``, sharing the work between registries."""
    builder = PanelBuilder(cap, escalation_cap)
    return {key: builder.panel(access) for key, access in accesses}
