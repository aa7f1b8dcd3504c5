"""Apply suppressions: accepted risks turn ``fail``/``unknown`` findings into ``suppressed``.

An expired suppression stops applying and is reported, so accepted risks get re-reviewed
instead of living forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from fnmatch import fnmatchcase

import msgspec

from scanner.config import Suppression
from scanner.results import Finding, Status, SuppressionRef


class SuppressionReport(msgspec.Struct, frozen=True):
    """What the suppressions did: how many findings each one matched, which have expired."""

    applied: tuple[tuple[Suppression, int], ...]
    expired: tuple[Suppression, ...]
    unused: tuple[Suppression, ...]


def _matches(s: Suppression, finding: Finding) -> bool:
    if s.rule != finding.rule_id:
        return False
    pattern = s.resource.lower()
    for candidate in (finding.subject.id, finding.subject.registry_id):
        if candidate and fnmatchcase(candidate.lower(), pattern):
            return True
    return False


def apply_suppressions(
    findings: Sequence[Finding], suppressions: Iterable[Suppression], today: date
) -> tuple[list[Finding], SuppressionReport]:
    """Return the findings with suppressions applied, and a report of their use."""
    active = [s for s in suppressions if s.expires is None or s.expires >= today]
    expired = tuple(s for s in suppressions if s.expires is not None and s.expires < today)
    if not active:  # nothing can match: skip the pass over every finding
        return list(findings), SuppressionReport(applied=(), expired=expired, unused=())
    counts = {id(s): 0 for s in active}
    out = []
    for finding in findings:
        if finding.status in (Status.FAIL, Status.UNKNOWN) and active:
            match = next((s for s in active if _matches(s, finding)), None)
            if match is not None:
                counts[id(match)] += 1
                finding = msgspec.structs.replace(
                    finding,
                    status=Status.SUPPRESSED,
                    suppression=SuppressionRef(
                        justification=match.justification,
                        expires=match.expires.isoformat() if match.expires else None,
                    ),
                )
        out.append(finding)
    applied = tuple((s, counts[id(s)]) for s in active)
    unused = tuple(s for s in active if counts[id(s)] == 0)
    return out, SuppressionReport(applied=applied, expired=expired, unused=unused)
