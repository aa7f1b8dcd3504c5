"""Findings: the plain, frozen data that crosses from the engine to every output.

Outputs never compute policy; they only render these. Keeping them frozen (and their
collections tuples) means a renderer cannot change what another renderer sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar


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


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """What a finding is about: enough to find it in Azure and to group it in a report."""

    id: str
    name: str
    kind: str
    subscription_id: str | None = None
    resource_group: str | None = None
    registry_id: str | None = None
    registry_name: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """Where to point a reader: a live resource id, or a file and line for IaC sources."""

    resource_id: str | None = None
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Remediation:
    """How to fix it: prose plus a ready ``az`` command with the real names filled in."""

    text: str
    command: str | None = None


@dataclass(frozen=True, slots=True)
class SuppressionRef:
    """The suppression that turned a failing finding into ``suppressed``."""

    justification: str
    expires: str | None = None
    in_source: bool = False  # an inline suppression in the scanned IaC file, not the config


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict for one subject, with the evidence it rested on."""

    rule_id: str
    title: str
    status: Status
    severity: Severity
    message: str
    subject: SubjectRef
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: Remediation | None = None
    location: Location = field(default_factory=Location)
    suppression: SuppressionRef | None = None


# --------------------------------------------------------------------------- fast construction
#
# A scan creates one Finding per rule per subject and one SubjectRef and Location per
# subject: 220,000 frozen objects at 5,000 registries. A frozen dataclass's ``__init__`` must
# go around its own ``__setattr__`` for every field, which makes it three times as slow as
# a plain class's. So the engine builds each of them as a plain twin class with the same
# slots (plain attribute stores) and then gives the object its frozen class: same layout,
# so Python allows the ``__class__`` switch, and from then on it is an ordinary, frozen
# instance (equality, hashing, ``dataclasses.fields``, orjson all see the real class).
# ``tests/test_results.py`` checks each twin against its dataclass.


_Frozen = TypeVar("_Frozen")


class _SubjectRefFields:
    __slots__ = SubjectRef.__slots__

    def __init__(
        self,
        id: str,
        name: str,
        kind: str,
        subscription_id: str | None,
        resource_group: str | None,
        registry_id: str | None,
        registry_name: str | None,
    ) -> None:
        self.id = id
        self.name = name
        self.kind = kind
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.registry_id = registry_id
        self.registry_name = registry_name


class _LocationFields:
    __slots__ = Location.__slots__

    def __init__(self, resource_id: str | None, file: str | None, line: int | None) -> None:
        self.resource_id = resource_id
        self.file = file
        self.line = line


class _RemediationFields:
    __slots__ = Remediation.__slots__

    def __init__(self, text: str, command: str | None) -> None:
        self.text = text
        self.command = command


class _FindingFields:
    __slots__ = Finding.__slots__

    def __init__(
        self,
        rule_id: str,
        title: str,
        status: Status,
        severity: Severity,
        message: str,
        subject: SubjectRef,
        evidence: Mapping[str, Any],
        remediation: Remediation | None,
        location: Location,
        suppression: SuppressionRef | None,
    ) -> None:
        self.rule_id = rule_id
        self.title = title
        self.status = status
        self.severity = severity
        self.message = message
        self.subject = subject
        self.evidence = evidence
        self.remediation = remediation
        self.location = location
        self.suppression = suppression


def _frozen(cls: type[_Frozen], built: Any) -> _Frozen:
    """``built``, a twin of ``cls`` with its fields set, turned into the frozen ``cls`` itself."""
    built.__class__ = cls
    return built  # type: ignore[no-any-return]


def new_subject_ref(
    id: str,
    name: str,
    kind: str,
    subscription_id: str | None = None,
    resource_group: str | None = None,
    registry_id: str | None = None,
    registry_name: str | None = None,
) -> SubjectRef:
    """``SubjectRef(...)``, built at a third of the cost (see above)."""
    return _frozen(
        SubjectRef, _SubjectRefFields(id, name, kind, subscription_id, resource_group, registry_id, registry_name)
    )


def new_location(resource_id: str | None = None, file: str | None = None, line: int | None = None) -> Location:
    """``Location(...)``, built at a third of the cost (see above)."""
    return _frozen(Location, _LocationFields(resource_id, file, line))


def new_remediation(text: str, command: str | None) -> Remediation:
    """``Remediation(...)``, built at a third of the cost (see above)."""
    return _frozen(Remediation, _RemediationFields(text, command))


def new_finding(
    rule_id: str,
    title: str,
    status: Status,
    severity: Severity,
    message: str,
    subject: SubjectRef,
    evidence: Mapping[str, Any],
    remediation: Remediation | None,
    location: Location,
    suppression: SuppressionRef | None = None,
) -> Finding:
    """``Finding(...)`` with every field given, built at half the cost (see above)."""
    parts = _FindingFields(
        rule_id, title, status, severity, message, subject, evidence, remediation, location, suppression
    )
    return _frozen(Finding, parts)


@dataclass(frozen=True, slots=True)
class RegistryFacts:
    """What a report shows about a scanned registry beside its findings (SKU, place, tags).

    Values are plain strings: an IaC value that could not be resolved is shown as
    ``unknown``, never guessed.
    """

    id: str
    name: str
    sku: str
    location: str
    tags: tuple[tuple[str, str], ...] = ()
