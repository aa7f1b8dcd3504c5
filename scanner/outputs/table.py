"""Terminal summary: counts by status and severity, then failing findings by registry.

Names, messages and commands come from the tenant or the IaC under review: every line goes
through :func:`scanner.outputs.terminal.safe_text` (control and bidi characters shown as
escapes), and the severity colour, when asked for, is added around the escaped text. The
same bytes go to ``summary.txt``, which is read on a terminal too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import BinaryIO

from scanner.outputs.summary import Tally, tally
from scanner.outputs.terminal import safe_text
from scanner.results import SEVERITY_RANK, Finding, Status
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime

_COLORS = {"critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m", "low": "\033[36m", "info": "\033[2m"}
_RESET = "\033[0m"


def _count_lines(counts: Tally) -> list[str]:
    return [
        "Findings: " + ", ".join(f"{n} {s}" for s, n in counts.by_status.items()),
        "Failing by severity: " + ", ".join(f"{n} {s}" for s, n in counts.failing_by_severity.items()),
    ]


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
    default_filename = "summary.txt"

    def __init__(self, color: bool = False, max_rows: int = 200) -> None:
        self.color = color
        self.max_rows = max_rows

    def _sev(self, severity: str) -> str:
        label = f"{severity.upper():<8}"
        return f"{_COLORS[severity]}{label}{_RESET}" if self.color else label

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        stream.write(self.render(result))

    def summary_lines(self, result: ScanResult) -> list[str]:
        """Counts by status and by severity of failing findings (cheap: one pass)."""
        return _count_lines(tally(result.findings))

    def render(self, result: ScanResult) -> bytes:
        """The whole terminal report: header, counts, then findings needing attention by group."""
        meta = result.metadata
        # One pass both counts and groups: at 150,000 findings, every extra pass is another
        # trip to memory for each of them.
        groups: dict[str, list[Finding]] = defaultdict(list)
        attention: list[Finding] = []
        counts = tally(result.findings, attention=attention)
        for f in attention:
            groups[_group(f)].append(f)
        total = len(attention)
        lines = [
            safe_text(f"acr-policy-scanner {meta.tool_version}: {len(result.rules)} rules over {meta.source}"),
            safe_text(f"scan time {format_datetime(meta.now)} (collected {format_datetime(meta.collected_at)})"),
            "",
            *_count_lines(counts),
        ]
        shown = 0
        names = sorted(groups)
        for position, name in enumerate(names):
            if shown >= self.max_rows:
                rest = len(names) - position
                lines += ["", f"... {total - shown} more in {rest} more group(s); use --format json for every finding."]
                break
            items = sorted(groups[name], key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.subject.id.lower()))
            lines += ["", safe_text(f"== {name} ({len(items)})")]
            for f in items[: self.max_rows - shown]:
                status = "" if f.status is Status.FAIL else f" [{f.status.value}]"
                lines.append(f"  {self._sev(f.severity.value)} {safe_text(f'{f.rule_id}{status}  {f.message}')}")
                if f.remediation and f.remediation.command and f.status is Status.FAIL:
                    lines.append(f"           fix: {safe_text(f.remediation.command)}")
            shown += min(len(items), self.max_rows - shown)
        for error in result.coverage_errors:
            lines.append(safe_text(f"coverage gap: {error.describe()}"))
        for s in result.suppressions.expired:
            lines.append(
                safe_text(f"expired suppression (no longer applied): {s.rule} {s.resource} (expired {s.expires})")
            )
        for s in result.suppressions.unused:
            lines.append(safe_text(f"unused suppression: {s.rule} {s.resource}"))
        return ("\n".join(lines) + "\n").encode()
