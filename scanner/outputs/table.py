"""Terminal summary: counts by status and severity, then failing findings by registry."""

from __future__ import annotations

from collections import defaultdict
from typing import BinaryIO

from scanner.outputs.summary import failing_by_severity, status_counts
from scanner.results import SEVERITY_RANK, Finding, Status
from scanner.scan import ScanResult
from scanner.timeutil import format_datetime

_COLORS = {"critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m", "low": "\033[36m", "info": "\033[2m"}
_RESET = "\033[0m"


def _group(finding: Finding) -> str:
    s = finding.subject
    if s.registry_name:
        return f"registry {s.registry_name}"
    if s.kind == "credential":
        return "service principal credentials"
    if s.kind == "role_assignment":
        return "role assignments over several registries"
    return s.name


class TableFormat:
    """``--format table`` (the default on a terminal)."""

    name = "table"
    extension = ".txt"

    def __init__(self, color: bool = False, max_rows: int = 200) -> None:
        self.color = color
        self.max_rows = max_rows

    def _sev(self, severity: str) -> str:
        label = f"{severity.upper():<8}"
        return f"{_COLORS[severity]}{label}{_RESET}" if self.color else label

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        stream.write(self.render(result))

    def render(self, result: ScanResult) -> bytes:
        """The summary as bytes (also used for the short summary after a file report)."""
        meta = result.metadata
        lines = [
            f"acr-policy-scanner {meta.tool_version}: {len(result.rules)} rules over {meta.source}",
            f"scan time {format_datetime(meta.now)} (collected {format_datetime(meta.collected_at)})",
            "",
        ]
        counts = status_counts(result.findings)
        lines.append("Findings: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
        sev = failing_by_severity(result.findings)
        lines.append("Failing by severity: " + ", ".join(f"{n} {s}" for s, n in sev.items()))
        attention = [f for f in result.findings if f.status in (Status.FAIL, Status.UNKNOWN, Status.ERROR)]
        groups: dict[str, list[Finding]] = defaultdict(list)
        for f in attention:
            groups[_group(f)].append(f)
        shown = 0
        for name in sorted(groups):
            items = sorted(groups[name], key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.subject.id.lower()))
            lines += ["", f"== {name} ({len(items)})"]
            for f in items:
                if shown >= self.max_rows:
                    break
                status = "" if f.status is Status.FAIL else f" [{f.status.value}]"
                lines.append(f"  {self._sev(f.severity.value)} {f.rule_id}{status}  {f.message}")
                if f.remediation and f.remediation.command and f.status is Status.FAIL:
                    lines.append(f"           fix: {f.remediation.command}")
                shown += 1
        if len(attention) > shown:
            lines += ["", f"... {len(attention) - shown} more; use --format json for every finding."]
        for error in result.coverage_errors:
            lines.append(f"coverage gap: {error.describe()}")
        for s in result.suppressions.expired:
            lines.append(f"expired suppression (no longer applied): {s.rule} {s.resource} (expired {s.expires})")
        for s in result.suppressions.unused:
            lines.append(f"unused suppression: {s.rule} {s.resource}")
        return ("\n".join(lines) + "\n").encode()
