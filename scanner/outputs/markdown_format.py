"""Markdown summary for a pull-request or merge-request comment.

A headline verdict, the totals by status and by severity, then the findings that need
attention, worst first (failing by severity, then unknown, then error), grouped by rule
with each subject's message and ready ``az`` fix. A scope whose subjects could not be listed
is one line (after the failing findings) naming every rule it left unknown, not a line per
rule. The whole comment stays under :data:`LIMIT` characters (GitHub rejects comments over
65,536); what does not fit is counted in a final "… and N more findings" line.

Resource names, messages and commands come from the tenant, so every untrusted string is
escaped (:func:`md_text`): HTML is entity-encoded, Markdown punctuation backslash-escaped,
control characters dropped and newlines flattened, and ``@mention``, ``#123`` and bare-URL
autolinks broken with a zero-width space (GitHub finds those in the rendered text, where a
backslash escape no longer is), so a name like ``<img src=x>`` or ``a|b`` renders as text.
Commands go in code spans, where nothing is interpreted. ``links=False`` (``--no-links``)
leaves out every URL and Markdown link of our own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from scanner.outputs.summary import tally
from scanner.results import SEVERITY_RANK, Finding, Status
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime

LIMIT = 65_000
MAX_FIELD = 400  # one untrusted field never takes more than this many characters
_MAX_RULES_LISTED = 12  # a scope that could not be read names this many of the rules it left unknown

_ZWSP = "&#8203;"  # zero-width space
_ESCAPES = {c: "\\" + c for c in "\\`*_[]|~!$"}
_ESCAPES.update({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " ", "\t": " "})
_ESCAPES.update({"@": "@" + _ZWSP, "#": "#" + _ZWSP})
_ESCAPES.update({chr(c): "" for c in (*range(0x20), 0x7F) if chr(c) not in _ESCAPES})  # other controls: dropped
_MD = str.maketrans(_ESCAPES)
_CONTROLS = str.maketrans({chr(c): " " for c in (*range(0x20), 0x7F)})
_AUTOLINK = re.compile(r"(?i)(://|www\.)")
_ATTENTION_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.ERROR: 2}
_STATUS_LABEL = {
    "fail": "fail",
    "unknown": "unknown",
    "error": "error",
    "suppressed": "suppressed",
    "not_applicable": "not applicable",
    "pass": "pass",
}


def _clip(value: str, limit: int = MAX_FIELD) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def md_text(value: str, limit: int = MAX_FIELD) -> str:
    """Untrusted ``value`` as inert Markdown inline text (safe in tables and lists)."""
    escaped = _clip(value, limit).translate(_MD)
    return _AUTOLINK.sub(lambda m: m.group(0)[0] + _ZWSP + m.group(0)[1:], escaped)


def md_code(value: str, limit: int = MAX_FIELD) -> str:
    """Untrusted ``value`` as an inline code span (nothing inside is interpreted)."""
    text = " ".join(_clip(value, limit).translate(_CONTROLS).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _attention_key(f: Finding) -> tuple[int, int, str, str, str]:
    return (_ATTENTION_RANK[f.status], -SEVERITY_RANK[f.severity], f.rule_id, f.subject.name.lower(), f.subject.id)


def headline(counts: dict[str, int], severities: dict[str, int]) -> str:
    """The verdict line: failing findings win over unknown ones (as the gate does)."""
    failing = counts["fail"]
    incomplete = counts["unknown"] + counts["error"]
    if failing:
        worst = ", ".join(f"{n:,} {s}" for s, n in severities.items() if n)
        return f"## ❌ ACR policy scan: {_plural(failing, 'failing finding')} ({worst})"
    if incomplete:
        return f"## ⚠️ ACR policy scan: incomplete, {_plural(incomplete, 'finding')} could not be evaluated"
    return "## ✅ ACR policy scan: no failing findings"


def _table(header: Sequence[str], row: Iterable[int]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---:|" * len(header),
        "| " + " | ".join(f"{n:,}" for n in row) + " |",
    ]


def _is_scope_gap(f: Finding) -> bool:
    """A placeholder finding: a whole scope whose subjects could not be listed."""
    return f.status is Status.UNKNOWN and f.subject.kind == "scope"


def _scope_gaps(findings: Sequence[Finding]) -> dict[tuple[str, str, str], list[str]]:
    """(scope id, its name, why) → the rules it left unknown, for the placeholders among ``findings``."""
    gaps: dict[tuple[str, str, str], list[str]] = {}
    for f in findings:
        if _is_scope_gap(f):
            why = f.evidence.get("missing")
            gaps.setdefault((f.subject.id, f.subject.name, why if type(why) is str else f.message), []).append(
                f.rule_id
            )
    return gaps


class MarkdownFormat:
    """``--format markdown``."""

    name = "markdown"
    extension = ".md"
    default_filename = "summary.md"

    def __init__(self, links: bool = True, limit: int = LIMIT) -> None:
        self.links = links
        self.limit = limit

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        stream.write(self.render(result).encode("utf-8", "replace"))

    def _rule_label(self, rule_id: str, references: dict[str, str]) -> str:
        url = references.get(rule_id)
        if self.links and url:
            return f"[{md_text(rule_id)}]({url.replace(')', '%29').replace(' ', '%20')})"
        return md_text(rule_id)

    def _gap_block(self, gaps: dict[tuple[str, str, str], list[str]]) -> tuple[list[str], int]:
        """One line per scope that could not be listed, with the rules it left unknown."""
        count = sum(map(len, gaps.values()))
        block = ["", f"#### unknown · whole scopes that could not be read ({count:,})", ""]
        for (_, name, why), rules in gaps.items():
            shown = ", ".join(md_text(r, 40) for r in sorted(rules)[:_MAX_RULES_LISTED])
            more = f" and {len(rules) - _MAX_RULES_LISTED:,} more" if len(rules) > _MAX_RULES_LISTED else ""
            block.append(
                f"- **{md_text(name, 200)}**: {_plural(len(rules), 'rule')} unknown ({shown}{more}): {md_text(why)}"
            )
        return block, count

    def render(self, result: ScanResult) -> str:
        """The whole comment, at most ``limit`` characters."""
        meta = result.metadata
        totals = tally(result.findings)
        counts, severities = totals.by_status, totals.failing_by_severity
        head = [
            headline(counts, severities),
            "",
            f"acr-policy-scanner {md_text(meta.tool_version)} · {_plural(len(result.rules), 'rule')} · "
            f"{_plural(len(result.findings), 'finding')} · scan time {format_datetime(meta.now)} · "
            f"source {md_code(meta.source, 120)}",
            "",
            *_table([_STATUS_LABEL[s] for s in counts], counts.values()),
            "",
            "**Failing by severity**",
            "",
            *_table(list(severities), severities.values()),
        ]
        foot: list[str] = []
        notes = []
        if result.coverage_errors:
            notes.append(_plural(len(result.coverage_errors), "coverage gap") + " (data not collected)")
        if counts["suppressed"]:
            notes.append(f"{counts['suppressed']:,} suppressed")
        if result.suppressions.expired:
            notes.append(_plural(len(result.suppressions.expired), "expired suppression"))
        if notes:
            foot = ["", "_" + "; ".join(notes) + "; see the full report for details._"]

        attention = sorted((f for f in result.findings if f.status in _ATTENTION_RANK), key=_attention_key)
        gaps = _scope_gaps(attention)
        if gaps:  # (each whole scope once, however many rules it left unknown)
            attention = [f for f in attention if not _is_scope_gap(f)]
        references = {
            r.id: r.references[0] for r in result.rules if r.references and r.references[0].startswith("https://")
        }
        lines = [*head]
        if attention or gaps:
            lines += ["", "### Findings needing attention, worst first"]
        size = sum(len(line) + 1 for line in lines) + sum(len(line) + 1 for line in foot)
        reserve = 120  # room for the "… and N more findings" line
        group_sizes: dict[tuple[Status, str, str], int] = {}
        for f in attention:
            key = (f.status, f.severity.value, f.rule_id)
            group_sizes[key] = group_sizes.get(key, 0) + 1
        current: tuple[Status, str, str] | None = None
        shown = 0
        failing = sum(1 for f in attention if f.status is Status.FAIL)
        blocks: list[tuple[list[str], int]] = []  # (lines, findings they stand for), in order
        for index, f in enumerate(attention):
            if index == failing and gaps:
                blocks.append(self._gap_block(gaps))
            key = (f.status, f.severity.value, f.rule_id)
            block: list[str] = []
            if key != current:
                status = "" if f.status is Status.FAIL else f" · {f.status.value}"
                block += [
                    "",
                    f"#### {f.severity.value.upper()}{status} · {self._rule_label(f.rule_id, references)} "
                    f"{md_text(f.title, 200)} ({group_sizes[key]:,})",
                    "",
                ]
            block.append(f"- **{md_text(f.subject.name, 200)}** ({md_text(f.subject.kind, 40)}): {md_text(f.message)}")
            if f.status is Status.FAIL and f.remediation is not None and f.remediation.command:
                block.append(f"  fix: {md_code(f.remediation.command)}")
            blocks.append((block, 1))
            current = key
        if gaps and failing == len(attention):
            blocks.append(self._gap_block(gaps))
        total = sum(count for _, count in blocks)
        for block, count in blocks:
            cost = sum(len(line) + 1 for line in block)
            if size + cost + reserve > self.limit:
                break
            lines += block
            size += cost
            shown += count
        if shown < total:
            lines += ["", f"**… and {total - shown:,} more findings** (see the full report)."]
        lines += foot
        return "\n".join(lines) + "\n"
