"""The access model's data: who can do what on a registry's repositories, and through what.

A :class:`Grant` does not name its registry: the grants that come from one role assignment at
a subscription are the same for every registry under it, so they are built once per scope and
shared (a :class:`RegistryAccess` lists the shared parts that reach it).

A scope high up (a subscription, a management group) can hold thousands of grants and reach
thousands of registries, so nothing done per registry or per question may walk a shared part:
each part is indexed by holder once, and the admin user's grants (one per holder of
``listCredentials`` at each scope, times every registry with the admin user on) are derived
from the scope's shared escalations when asked for, not stored per registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import msgspec

from scanner.azure import rbac

#: Principal ids that are not Entra objects.
ANONYMOUS = "anonymous"


class Hop(msgspec.Struct, frozen=True, gc=False):
    """One step of the path from a principal to a registry."""

    kind: str  # "group", "roleAssignment", "adminUser", "anonymousPull", "token", "scopeMap"
    id: str
    name: str


class Grant(msgspec.Struct, frozen=True, gc=False):
    """A principal's data-plane actions on some repositories, through one path."""

    principal: str  # lower-cased object id, "anonymous", or a token's resource id
    principal_type: str  # "User", "Group", "ServicePrincipal", "Anonymous", "Token", ...
    display_name: str | None
    actions: tuple[str, ...]  # "pull", "push", "delete" (in that order)
    repositories: tuple[str, ...]  # "*" for all; otherwise names, a trailing '*' matching any suffix
    via: tuple[Hop, ...]
    unknown: tuple[str, ...] = ()  # why this grant may be wider (or not hold): fail closed, listed


class Escalation(msgspec.Struct, frozen=True, gc=False):
    """A control-plane right that leads to data access (see ``scanner.azure.rbac``)."""

    principal: str
    principal_type: str
    display_name: str | None
    capability: str  # an ``rbac.ESCALATION_ACTIONS`` key
    via: tuple[Hop, ...]


def _holders(principals: Iterable[str]) -> dict[str, list[int]]:
    """Principal → the positions where it appears, ascending (lists, never changed once built)."""
    positions: dict[str, list[int]] = {}
    for position, principal in enumerate(principals):
        found = positions.get(principal)
        if found is None:
            positions[principal] = [position]
        else:
            found.append(position)
    return positions


class GrantPart(msgspec.Struct, frozen=True, gc=False):
    """The grants of one source: the role assignments at one scope, shared by every registry
    below it, or a registry's own anonymous pull or tokens. (:class:`AdminPart` answers the
    same questions.)"""

    grants: tuple[Grant, ...]
    holders: dict[str, list[int]]  # principal → the positions of its grants, ascending
    doubtful: tuple[int, ...]  # the positions of the grants with ``unknown`` notes
    kinds: frozenset[str]  # the principal types of the holders

    @property
    def source(self) -> object:
        """What the registries that reach this part share (the index its holders come from)."""
        return self

    def grant(self, position: int) -> Grant:
        return self.grants[position]


def grant_part(grants: Iterable[Grant]) -> GrantPart:
    """``grants``, in their order, indexed."""
    listed = tuple(grants)
    doubtful = tuple([position for position, g in enumerate(listed) if g.unknown])
    kinds = frozenset({g.principal_type for g in listed})
    return GrantPart(listed, _holders([g.principal for g in listed]), doubtful, kinds)


class Listers(msgspec.Struct, frozen=True, gc=False):
    """The escalations at one scope that can list a registry's admin credentials (shared, indexed)."""

    escalations: tuple[Escalation, ...]
    holders: dict[str, list[int]]
    kinds: frozenset[str]


def listers(escalations: Iterable[Escalation]) -> Listers:
    """The ``listCredentials`` escalations among ``escalations``, in their order, indexed."""
    found = tuple(e for e in escalations if e.capability == rbac.LIST_CREDENTIALS)
    return Listers(found, _holders([e.principal for e in found]), frozenset({e.principal_type for e in found}))


class AdminPart(msgspec.Struct, frozen=True, gc=False):
    """The admin user of one registry, held by whoever can list its credentials through one
    scope: a grant of pull, push and delete on every repository per holder, the registry's
    ``hop`` appended to the holder's path. Derived from the scope's shared :class:`Listers` when
    asked for (equal each time), so a registry costs one of these per scope, not one grant per
    holder."""

    listers: Listers
    hop: Hop

    @property
    def grants(self) -> tuple[Grant, ...]:
        return tuple(self.grant(position) for position in range(len(self.listers.escalations)))

    @property
    def holders(self) -> Mapping[str, list[int]]:
        return self.listers.holders

    @property
    def doubtful(self) -> tuple[int, ...]:
        return ()  # (the admin user's grants carry no notes: whoever lists the password holds it)

    @property
    def kinds(self) -> frozenset[str]:
        return self.listers.kinds

    @property
    def source(self) -> object:
        return self.listers

    def grant(self, position: int) -> Grant:
        e = self.listers.escalations[position]
        return Grant(e.principal, e.principal_type, e.display_name, rbac.ACTIONS, ("*",), (*e.via, self.hop))


class RegistryAccess(msgspec.Struct, frozen=True, gc=False):
    """Everything that reaches one registry."""

    registry_id: str
    registry_name: str
    mode: str | None  # rbac.LEGACY or rbac.ABAC; None when the registry states another value
    parts: tuple[GrantPart | AdminPart, ...]  # shared per scope; iterate with :meth:`grants`
    escalation_parts: tuple[tuple[Escalation, ...], ...]  # shared per scope, like ``parts``
    unknown: tuple[str, ...]  # what could not be read: the picture is incomplete by these

    @property
    def escalations(self) -> tuple[Escalation, ...]:
        return tuple(e for part in self.escalation_parts for e in part)

    def grants(self) -> Iterator[Grant]:
        for part in self.parts:
            yield from part.grants

    def grants_to(self, principals: frozenset[str]) -> list[Grant]:
        """The grants held by any of ``principals`` (lower-cased object ids), in :meth:`grants` order."""
        found: list[Grant] = []
        for part in self.parts:
            holders = part.holders
            hits = [position for principal in principals for position in holders.get(principal, ())]
            if hits:
                if len(principals) > 1:
                    hits.sort()  # (a frozenset's order is not the part's)
                found.extend(part.grant(position) for position in hits)
        return found

    def doubtful_grants(self) -> Iterator[Grant]:
        """The grants with ``unknown`` notes, in :meth:`grants` order."""
        for part in self.parts:
            for position in part.doubtful:
                yield part.grant(position)

    def grants_of_kind(self, principal_type: str) -> Iterator[Grant]:
        """The grants held by principals of one type ("Token", "Group", ...), in :meth:`grants` order."""
        for part in self.parts:
            if principal_type in part.kinds:
                yield from (g for g in part.grants if g.principal_type == principal_type)
