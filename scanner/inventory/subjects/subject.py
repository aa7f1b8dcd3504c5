"""What every subject kind shares: the :class:`Subject` itself and the placeholders for gaps.

Values that were not collected are :class:`Unknown`, so a rule needing them reports
``unknown``. When even the list of subjects cannot be known (the tokens of a registry were
not collected), an enumerator yields a placeholder subject carrying that reason, so the gap
shows up as a finding instead of silently vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec

from scanner.inventory.model import Registry
from scanner.results import SubjectRef
from scanner.unknown import Unknown


class Subject(msgspec.Struct, frozen=True, gc=False):
    """One thing a rule is evaluated against."""

    kind: str
    ref: SubjectRef
    doc: Mapping[str, Any]
    unknown: Unknown | None = None
    not_applicable: str | None = None


def registry_child_ref(reg: Registry, kind: str, rid: str, name: str) -> SubjectRef:
    """The reference of a subject that belongs to one registry (or of the registry itself)."""
    return SubjectRef(rid, name, kind, reg.subscription_id, reg.resource_group, reg.id, reg.name)


def registry_ref(reg: Registry) -> SubjectRef:
    """The reference of a registry."""
    return registry_child_ref(reg, "registry", reg.id, reg.name)


def registry_stub(reg: Registry) -> dict[str, str]:
    """The ``registry`` object of a document about something that belongs to one registry."""
    return {"id": reg.id, "name": reg.name}


def scope_placeholder(
    kind: str, reason: Unknown, scope: str | None = None, name: str | None = None, subscription_id: str | None = None
) -> Subject:
    """A subject standing for a whole scope whose subjects of ``kind`` could not be listed
    (``name`` says which, for people; ``subscription_id`` when the scope is one subscription)."""
    scope_id = scope or "/"
    ref = SubjectRef(id=scope_id, name=name or f"scope {scope_id}", kind="scope", subscription_id=subscription_id)
    return Subject(kind, ref, {}, unknown=reason)


def unknown_per_registry(kind: str, pairs: Iterable[tuple[Registry, Unknown]]) -> Iterator[Subject]:
    """One placeholder per registry whose subjects of ``kind`` are unknown, giving the reason."""
    for reg, reason in pairs:
        yield Subject(kind, registry_ref(reg), {}, unknown=reason)
