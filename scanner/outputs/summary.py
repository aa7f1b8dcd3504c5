"""Counts shared by every renderer, so totals agree across formats."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from scanner.results import SEVERITY_ORDER, STATUS_ORDER, Finding, Status


def status_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per status, every status present (zero included)."""
    counts = Counter(f.status for f in findings)
    return {s.value: counts.get(s, 0) for s in STATUS_ORDER}


def failing_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Failing findings per severity, every severity present."""
    counts = Counter(f.severity for f in findings if f.status is Status.FAIL)
    return {s.value: counts.get(s, 0) for s in SEVERITY_ORDER}
