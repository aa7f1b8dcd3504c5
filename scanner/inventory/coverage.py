"""What was and was not collected, so that missing inputs become :class:`Unknown`, never a pass.

A missing section means "not collected"; an empty list is real data; an entry in ``errors``
names a source, a scope and the lists it ``affects`` (docs/snapshot-format.md). An IaC scan
adds ``live_only`` (list name → reason): lists that cannot exist before deployment, whose
:class:`Unknown` is marked ``live_only`` so rules resting on them are ``not_applicable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.azure.ids import norm
from scanner.unknown import Unknown


class CollectionError(msgspec.Struct, frozen=True):
    """One entry of the snapshot's ``errors`` list."""

    source: str
    scope: str | None
    status: int | None
    code: str | None
    message: str
    affects: tuple[str, ...]

    def describe(self) -> str:
        """One line a reader can act on."""
        # (a failure after retries already reads "POST <url>: HTTP 503 ServiceUnavailable: ...":
        # the status and code are not said twice)
        told = self.status is not None and f"HTTP {self.status}" in self.message
        status = f"HTTP {self.status} " if self.status and not told else ""
        code = f"{self.code}: " if self.code and not told else ""
        where = f" at {self.scope}" if self.scope else ""
        return f"{self.source} {status}{code}{self.message}{where}".strip()

    @property
    def scope_id(self) -> str:
        """The scope as a comparison key (``/`` for none; a bare subscription GUID, as Resource
        Graph failures name it, as the subscription's id)."""
        scope = norm(self.scope or "/")
        return scope if "/" in scope else f"/subscriptions/{scope}"

    def covers(self, resource_id: str | None) -> bool:
        """Whether this error's scope contains ``resource_id`` (no scope: everything)."""
        scope = self.scope_id
        if scope == "/" or resource_id is None:
            return True
        key = norm(resource_id)
        return key == scope or key.startswith(scope + "/")

    def overlaps(self, scope: str) -> bool:
        """Whether this error's scope and ``scope`` share resources: one contains the other."""
        return self.covers(scope) or self.scope_id.startswith(norm(scope) + "/")


class Coverage:
    """Answers "was input X collected for resource Y?" with ``None`` or an :class:`Unknown`."""

    def __init__(self, data: Mapping[str, Any], live_only: Mapping[str, str] | None = None) -> None:
        # Only the names of the lists present: holding the sections themselves would keep
        # every raw row alive after the inventory has taken what it needs (half the parsed
        # snapshot, which the findings would otherwise reuse).
        self._present: dict[str, frozenset[str] | None] = {
            section: frozenset(block) if isinstance(block, Mapping) else None
            for section in ("resourceGraph", "arm", "graph")
            for block in (data.get(section),)
        }
        self._live_only = {name: Unknown(reason, live_only=True) for name, reason in (live_only or {}).items()}
        self.errors: tuple[CollectionError, ...] = tuple(
            CollectionError(
                source=e["source"],
                scope=e.get("scope"),
                status=e.get("status"),
                code=e.get("code"),
                message=e["message"],
                affects=tuple(e.get("affects") or ()),
            )
            for e in data.get("errors") or ()
        )
        self._relevant: dict[str, tuple[CollectionError, ...]] = {}
        self._errors_by_input: dict[str, list[CollectionError]] = {}
        for error in self.errors:
            names = error.affects or (error.source,)
            for name in names:
                self._errors_by_input.setdefault(name, []).append(error)

    def has_section(self, section: str, name: str | None = None) -> bool:
        """Whether a list (or a whole section when ``name`` is None) is present at all."""
        names = self._present[section]
        if names is None:
            return False
        return name is None or name in names

    @property
    def declared(self) -> bool:
        """Whether the input is declarations (IaC) rather than a deployed tenant: some of its
        lists can only exist once deployed (``live_only``)."""
        return bool(self._live_only)

    def live_only(self, name: str) -> Unknown | None:
        """The ``live_only`` :class:`Unknown` of a list that only exists once deployed (IaC scans)."""
        return self._live_only.get(name)

    def missing(self, section: str, name: str, resource_id: str | None = None) -> Unknown | None:
        """An :class:`Unknown` if ``section.name`` was not collected for ``resource_id``."""
        if section != "arm" and not self.has_section(section, name):
            live = self._live_only.get(name)
            return live if live is not None else Unknown(f"{section}.{name} was not collected")
        if section == "arm" and self._present["arm"] is None:
            return Unknown(f"arm.{name} was not collected")
        for error in self._relevant_errors(section, name):
            if error.covers(resource_id):
                return Unknown(error.describe())
        return None

    def _relevant_errors(self, section: str, name: str) -> tuple[CollectionError, ...]:
        """Errors affecting list ``name`` or its whole ``section`` (asked per resource: memoized)."""
        key = f"{section}.{name}"
        found = self._relevant.get(key)
        if found is None:
            found = self._relevant[key] = (
                *self._errors_by_input.get(name, ()),
                *self._errors_by_input.get(section, ()),
            )
        return found

    def principal_error(self, principal_id: str) -> Unknown | None:
        """An :class:`Unknown` if Microsoft Graph failed (other than 404) for this principal."""
        key = principal_id.lower()
        for error in self.errors:
            if error.source == "graph" and (error.scope or "").lower() == key:
                return Unknown(error.describe())
        return None

    def scope_errors(self, name: str) -> list[CollectionError]:
        """Errors that removed whole scopes of list ``name`` (e.g. a 403 on a subscription)."""
        return list(self._errors_by_input.get(name, ()))
