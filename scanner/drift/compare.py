"""Drift between two scans: what is new, fixed and changed, for ``acr-scan diff`` and ``--baseline``.

A finding's identity is its rule id plus its subject id compared case-insensitively (Azure
resource ids are case-insensitive). A finding *needs attention* when it is ``fail``,
``unknown`` or ``error``. Against an older scan, a finding is

* **new**: needs attention now, and did not (or did not exist) before; a ``fail`` that was
  only ``unknown``/``error`` before is new too, so a gap closing cannot hide a violation;
* **fixed**: needed attention before, and now does not (pass, N/A, suppressed) or is gone;
* **changed**: needed attention both times, but its status, severity or message changed.

The old scan is always a JSON results file (:mod:`scanner.drift.results_file`); the new one is
either another such file (``diff``) or the findings of the scan just run (``--baseline``). Both
are reduced to :class:`Observation` records, so the comparison is one function.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import msgspec

from scanner.results import SEVERITY_RANK, Finding, Severity, Status

ATTENTION = frozenset({Status.FAIL.value, Status.UNKNOWN.value, Status.ERROR.value})


class FindingKey(NamedTuple):
    """The identity of a finding across scans.

    A named tuple rather than a dataclass: it is hashed a million times when two large scans
    are compared, and a tuple's hash runs in C.
    """

    rule_id: str
    subject_id: str  # lower-cased

    @classmethod
    def of(cls, rule_id: str, subject_id: str) -> FindingKey:
        return cls(rule_id, subject_id.lower())


class Observation(msgspec.Struct, frozen=True):
    """What a drift report needs of one finding, from either a live scan or a JSON file."""

    rule_id: str
    title: str
    status: str
    severity: str
    message: str
    subject_id: str
    subject_name: str
    subject_kind: str

    @property
    def key(self) -> FindingKey:
        return FindingKey.of(self.rule_id, self.subject_id)

    @property
    def needs_attention(self) -> bool:
        return self.status in ATTENTION

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "severity": self.severity, "message": self.message}


def state_label(o: Observation | None) -> str:
    """A finding's state in one phrase: ``absent``, a status, or status and severity when it needs attention."""
    if o is None:
        return "absent"
    return f"{o.status} {o.severity}" if o.status in ATTENTION else o.status


class Change(msgspec.Struct, frozen=True):
    """One entry of a drift report: the finding before (``None``: absent) and after."""

    key: FindingKey
    before: Observation | None
    after: Observation | None

    @property
    def current(self) -> Observation:
        """The newest observation there is (``after``, else ``before``)."""
        found = self.after or self.before
        assert found is not None
        return found

    @property
    def worst_severity(self) -> int:
        return max(SEVERITY_RANK[Severity(o.severity)] for o in (self.before, self.after) if o is not None)


class Drift(msgspec.Struct, frozen=True):
    """The result of comparing a scan with an older one."""

    new: tuple[Change, ...]
    fixed: tuple[Change, ...]
    changed: tuple[Change, ...]
    existing: int  # findings needing attention in both scans (``changed`` included)

    @property
    def new_keys(self) -> frozenset[FindingKey]:
        return frozenset(c.key for c in self.new)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "fixed": len(self.fixed), "changed": len(self.changed), "existing": self.existing}


def observe(findings: Iterable[Finding]) -> list[Observation]:
    """Observations of a scan's findings."""
    return [
        Observation(
            rule_id=f.rule_id,
            title=f.title,
            status=f.status.value,
            severity=f.severity.value,
            message=f.message,
            subject_id=f.subject.id,
            subject_name=f.subject.name,
            subject_kind=f.subject.kind,
        )
        for f in findings
    ]


def _index(observations: Iterable[Observation]) -> dict[FindingKey, Observation]:
    """By identity; if a key repeats, the observation needing attention (then the worst) wins."""
    index: dict[FindingKey, Observation] = {}
    for o in observations:
        key = o.key
        seen = index.get(key)
        if seen is None or _rank(o) > _rank(seen):
            index[key] = o
    return index


def _rank(o: Observation) -> tuple[bool, int, str, str]:
    return (o.needs_attention, SEVERITY_RANK[Severity(o.severity)], o.status, o.message)


def _order(change: Change) -> tuple[int, str, str]:
    return (-change.worst_severity, change.key.rule_id, change.key.subject_id)


def compare(old: Iterable[Observation], new: Iterable[Observation]) -> Drift:
    """What is new, fixed and changed in ``new`` relative to ``old`` (worst first, then by key)."""
    before = _index(old)
    after = _index(new)
    added: list[Change] = []
    fixed: list[Change] = []
    changed: list[Change] = []
    existing = 0
    for key, now in after.items():
        was = before.get(key)
        # A failure that was only ``unknown`` before is newly known: it counts as new.
        was_bad = was is not None and was.needs_attention and (was.status == "fail" or now.status != "fail")
        if now.needs_attention and not was_bad:
            added.append(Change(key, was, now))
        elif now.needs_attention and was is not None:
            existing += 1
            if (was.status, was.severity, was.message) != (now.status, now.severity, now.message):
                changed.append(Change(key, was, now))
        elif was_bad:
            fixed.append(Change(key, was, now))
    for key, was in before.items():
        if key not in after and was.needs_attention:
            fixed.append(Change(key, was, None))
    return Drift(
        new=tuple(sorted(added, key=_order)),
        fixed=tuple(sorted(fixed, key=_order)),
        changed=tuple(sorted(changed, key=_order)),
        existing=existing,
    )


def partition(findings: Iterable[Finding], baseline: Drift) -> tuple[list[Finding], int]:
    """The findings that are new since the baseline, and how many needing attention are not."""
    new_keys = baseline.new_keys
    new: list[Finding] = []
    old = 0
    for f in findings:
        if f.status.value not in ATTENTION:
            continue
        if FindingKey.of(f.rule_id, f.subject.id) in new_keys:
            new.append(f)
        else:
            old += 1
    return new, old
