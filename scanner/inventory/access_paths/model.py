"""The access model's data: who can do what on a registry's repositories, and through what.

A :class:`Grant` does not name its registry: the grants that come from one role assignment at
a subscription are the same for every registry under it, so they are built once per scope and
shared (a :class:`RegistryAccess` lists the shared parts that reach it).
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

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


class RegistryAccess(msgspec.Struct, frozen=True, gc=False):
    """Everything that reaches one registry."""

    registry_id: str
    registry_name: str
    mode: str | None  # rbac.LEGACY or rbac.ABAC; None when the registry states another value
    parts: tuple[tuple[Grant, ...], ...]  # shared per scope; iterate with :meth:`grants`
    escalations: tuple[Escalation, ...]
    unknown: tuple[str, ...]  # what could not be read: the picture is incomplete by these

    def grants(self) -> Iterator[Grant]:
        for part in self.parts:
            yield from part

    def grants_to(self, principals: frozenset[str]) -> list[Grant]:
        """The grants held by any of ``principals`` (lower-cased object ids)."""
        return [g for g in self.grants() if g.principal in principals]
