"""What ``acr-scan access`` shows: the access model of the selected registries, filtered and ordered.

Every access format renders one :class:`AccessReport`, so the table, JSON, CSV and HTML list
the same grants in the same order: registries by resource id, then within each registry the
grants by principal and then by path (``via``), all compared case-insensitively. Filters only
select; they never change what a grant says.

- ``--registry``: a registry's name or resource id;
- ``--principal``: a principal's object id or display name, ``anonymous``, or a token's
  resource id or name (a token's name is its display name);
- ``--action``: grants that include the action. Escalations are not data actions: they are
  kept whatever ``--action`` says, because each one can open a path to data access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import msgspec

from scanner.azure import rbac
from scanner.azure.ids import norm
from scanner.inventory.access_paths import Escalation, Grant, Hop, RegistryAccess

T = TypeVar("T")
V = TypeVar("V")


class AccessFilter(msgspec.Struct, frozen=True):
    """The command line's filters; an empty tuple selects everything."""

    registries: tuple[str, ...] = ()
    principals: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def narrows_grants(self) -> bool:
        """Whether some grants of a selected registry may be left out."""
        return bool(self.principals or self.actions)

    def selects_registry(self, access: RegistryAccess) -> bool:
        return not self.registries or any(_is_registry(access, wanted) for wanted in self.registries)

    def selects_principal(self, principal: str, display_name: str | None) -> bool:
        if not self.principals:
            return True
        names = {principal.casefold()}
        if display_name:
            names.add(display_name.casefold())
        return any(wanted.casefold() in names for wanted in self.principals)

    def selects_grant(self, grant: Grant) -> bool:
        if self.actions and not any(action in grant.actions for action in self.actions):
            return False
        return self.selects_principal(grant.principal, grant.display_name)

    def selects_escalation(self, escalation: Escalation) -> bool:
        return self.selects_principal(escalation.principal, escalation.display_name)


def _is_registry(access: RegistryAccess, wanted: str) -> bool:
    return wanted.casefold() == access.registry_name.casefold() or norm(wanted) == norm(access.registry_id)


class RegistryView(msgspec.Struct, frozen=True):
    """One registry with the grants and escalations the filters kept, in report order."""

    access: RegistryAccess
    grants: tuple[Grant, ...]
    escalations: tuple[Escalation, ...]

    @property
    def id(self) -> str:
        return self.access.registry_id

    @property
    def name(self) -> str:
        return self.access.registry_name


class AccessReport(msgspec.Struct, frozen=True):
    """The registries the filters selected (by resource id), and where the data came from."""

    source: str
    registries: tuple[RegistryView, ...]
    filters: AccessFilter = AccessFilter()

    @property
    def grant_count(self) -> int:
        return sum(len(r.grants) for r in self.registries)

    @property
    def escalation_count(self) -> int:
        return sum(len(r.escalations) for r in self.registries)


def via_key(via: Iterable[Hop]) -> tuple[tuple[str, str, str], ...]:
    return tuple((hop.kind, hop.id.casefold(), hop.name) for hop in via)


_ACTION_RANK = {action: i for i, action in enumerate(rbac.ACTIONS)}


def _grant_key(grant: Grant) -> tuple[object, ...]:
    """Report order of grants: by principal, then path, actions, repositories."""
    return (
        grant.principal.casefold(),
        via_key(grant.via),
        tuple(_ACTION_RANK.get(a, len(_ACTION_RANK)) for a in grant.actions),
        grant.repositories,
        grant.unknown,
    )


def escalation_key(escalation: Escalation) -> tuple[object, ...]:
    """Report order of escalations: by principal, then path and capability."""
    return (escalation.principal.casefold(), via_key(escalation.via), escalation.capability)


def unmatched_registries(accesses: Sequence[RegistryAccess], wanted: Iterable[str]) -> list[str]:
    """The ``--registry`` values that name no registry of the input (a typo would otherwise
    answer "nobody" silently)."""
    return [w for w in wanted if not any(_is_registry(a, w) for a in accesses)]


def per_object(compute: Callable[[T], V]) -> Callable[[T], V]:
    """``compute`` remembered per object (by identity) for one report.

    The grants and escalations of a scope are the same objects in every registry below it (a
    subscription-wide Owner is one grant for 5,000 registries), so what is computed from one
    of them is computed once. Only for objects that stay alive while the cache is used: the
    report holds them.
    """
    cache: dict[int, V] = {}

    def remembered(item: T) -> V:
        try:
            return cache[id(item)]
        except KeyError:  # (the first time: rare)
            found = cache[id(item)] = compute(item)
            return found

    return remembered


def select(source: str, accesses: Iterable[RegistryAccess], filters: AccessFilter) -> AccessReport:
    """The report: selected registries by resource id, each with its kept grants and escalations."""
    keeps_grant, grant_order = per_object(filters.selects_grant), per_object(_grant_key)
    keeps_escalation, escalation_order = per_object(filters.selects_escalation), per_object(escalation_key)
    views = [
        RegistryView(
            access,
            tuple(sorted(filter(keeps_grant, access.grants()), key=grant_order)),
            tuple(sorted(filter(keeps_escalation, access.escalations), key=escalation_order)),
        )
        for access in accesses
        if filters.selects_registry(access)
    ]
    views.sort(key=lambda v: (v.id.casefold(), v.id))
    return AccessReport(source, tuple(views), filters)
