"""The pipeline gate: an exit code computed from findings and options, never in a renderer.

Precedence: findings at or above the threshold (1) win over incomplete data (3), because a
known violation is the more actionable signal; both mean "do not ship".
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.errors import ExitCode
from scanner.results import SEVERITY_RANK, Finding, Severity, Status


def gate(findings: Iterable[Finding], fail_on: Severity, fail_on_unknown: bool) -> ExitCode:
    """Exit code for a scan (see README, "Exit codes")."""
    threshold = SEVERITY_RANK[fail_on]
    unknown = False
    for finding in findings:
        if finding.status is Status.FAIL and SEVERITY_RANK[finding.severity] >= threshold:
            return ExitCode.FINDINGS
        if finding.status in (Status.UNKNOWN, Status.ERROR):
            unknown = True
    if unknown and fail_on_unknown:
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN
