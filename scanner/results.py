"""Findings: the plain, frozen data that crosses from the engine to every output.

Outputs never compute policy; they only render these. Keeping them frozen (and their
collections tuples) means a renderer cannot change what another renderer sees.

A scan makes one :class:`Finding` (with its ref, location and remediation) per rule and
subject, 150,000 of them for 5,000 registries, so these are ``msgspec.Struct``s: built in C
rather than through a frozen dataclass's ``object.__setattr__`` per field, and, holding only
acyclic data, not tracked by the cyclic collector (``gc=False``). See docs/decisions/0013.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import msgspec


class Status(StrEnum):
    """Outcome of one rule for one subject.

    ``unknown`` means the inputs were not collected (fail closed, never a pass);
    ``not_applicable`` means the rule does not concern this subject (e.g. a Premium-only
    feature on a Basic registry); ``error`` means the rule itself could not be evaluated.
    """

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"
    SUPPRESSED = "suppressed"
    ERROR = "error"


STATUS_ORDER: tuple[Status, ...] = (
    Status.FAIL,
    Status.UNKNOWN,
    Status.ERROR,
    Status.SUPPRESSED,
    Status.NOT_APPLICABLE,
    Status.PASS,
)


class Severity(StrEnum):
    """Rule severity, ordered by :data:`SEVERITY_RANK`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_RANK: dict[Severity, int] = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}

SEVERITY_ORDER: tuple[Severity, ...] = tuple(sorted(SEVERITY_RANK, key=lambda s: -SEVERITY_RANK[s]))


class SubjectRef(msgspec.Struct, frozen=True, gc=False):
    """What a finding is about: enough to find it in Azure and to group it in a report."""

    id: str
    name: str
    kind: str
    subscription_id: str | None = None
    resource_group: str | None = None
    registry_id: str | None = None
    registry_name: str | None = None


class Location(msgspec.Struct, frozen=True, gc=False):
    """Where to point a reader: a live resource id, or a file and line for IaC sources."""

    resource_id: str | None = None
    file: str | None = None
    line: int | None = None


class Remediation(msgspec.Struct, frozen=True, gc=False):
    """How to fix it: prose plus a ready ``az`` command with the real names filled in."""

    text: str
    command: str | None = None


class SuppressionRef(msgspec.Struct, frozen=True, gc=False):
    """The suppression that turned a failing finding into ``suppressed``."""

    justification: str
    expires: str | None = None
    in_source: bool = False  # an inline suppression in the scanned IaC file, not the config


class Finding(msgspec.Struct, frozen=True, gc=False):
    """One rule's verdict for one subject, with the evidence it rested on."""

    rule_id: str
    title: str
    status: Status
    severity: Severity
    message: str
    subject: SubjectRef
    evidence: Mapping[str, Any] = msgspec.field(default_factory=dict)
    remediation: Remediation | None = None
    location: Location = msgspec.field(default_factory=Location)
    suppression: SuppressionRef | None = None


class TrackedFinding(Finding, frozen=True, gc=False, kw_only=True):
    """A finding with what the scan history says of it (``scan --history``; scanner.history)."""

    first_seen: str  # when its current status began (for fail: its failing streak), ISO 8601
    days_failing: int  # whole days of the failing streak so far; 0 unless fail
    regression: bool  # fails again after it was fixed


class RegistryFacts(msgspec.Struct, frozen=True):
    """What a report shows about a scanned registry beside its findings (SKU, place, tags).

    Values are plain strings: an IaC value that could not be resolved is shown as
    ``unknown``, never guessed.
    """

    id: str
    name: str
    sku: str
    location: str
    tags: tuple[tuple[str, str], ...] = ()
