"""Counts shared by every renderer, so totals agree across formats."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from scanner.results import SEVERITY_ORDER, STATUS_ORDER, Finding, Severity, Status


class Tally(msgspec.Struct, frozen=True):
    """Findings per status and failing findings per severity (every key present, zeros included)."""

    by_status: dict[str, int]
    failing_by_severity: dict[str, int]


NEEDS_ATTENTION = frozenset({Status.FAIL, Status.UNKNOWN, Status.ERROR})


def tally(findings: Iterable[Finding], attention: list[Finding] | None = None) -> Tally:
    """Both counts in one pass over the findings (150,000 of them at 5,000 registries).

    ``attention``, if given, receives the failing, unknown and error findings in order, so a
    renderer that lists them needs no second pass.
    """
    statuses: dict[Status, int] = dict.fromkeys(STATUS_ORDER, 0)
    severities: dict[Severity, int] = dict.fromkeys(SEVERITY_ORDER, 0)
    failing = Status.FAIL
    for finding in findings:
        status = finding.status
        statuses[status] += 1
        if status is failing:
            severities[finding.severity] += 1
        if attention is not None and status in NEEDS_ATTENTION:
            attention.append(finding)
    return Tally(
        by_status={status.value: count for status, count in statuses.items()},
        failing_by_severity={severity.value: count for severity, count in severities.items()},
    )
