"""The probe report as a table (people), JSON (machines; scanner/schemas/probe.schema.json) and JUnit XML.

Every text that came from the network or the snapshot is escaped on the terminal as the scan's
table does (``safe_text``); no format holds a token, because no step's evidence does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

import msgspec

from scanner.outputs.terminal import safe_text
from scanner.probe.model import ProbeReport, StepResult

_MARK = {"ok": "ok", "fail": "FAIL", "unknown": "unknown", "skipped": "skipped"}


def render_table(report: ProbeReport) -> bytes:
    lines: list[str] = []
    for reg in report.registries:
        lines.append(safe_text(reg.registry))
        for step in reg.steps:
            lines.append(f"  {step.step:<10} {_MARK[step.status]:<8} {safe_text(step.cause)}")
            for note in step.notes:
                lines.append(f"  {'':<10} {'note':<8} {safe_text(note)}")
            if step.predicted:
                agree = {True: "agrees", False: "DISAGREES", None: ""}[step.agrees]
                lines.append(f"  {'':<10} {'predict':<8} {safe_text(step.predicted)} {agree}".rstrip())
            if step.fix and step.status in ("fail", "unknown"):
                lines.append(f"  {'':<10} {'fix':<8} {safe_text(step.fix)}")
    counts = {s: report.statuses().count(s) for s in _MARK}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return ("\n".join(lines) + "\n").encode()


def render_json(report: ProbeReport) -> bytes:
    return msgspec.json.format(msgspec.json.encode(report, order="deterministic"), indent=2) + b"\n"


def _case(registry: str, step: StepResult) -> str:
    head = f"<testcase classname={quoteattr('probe.' + step.step)} name={quoteattr(registry)}"
    text = escape(_clean(f"{step.cause}\nfix: {step.fix or '-'}\npredicted: {step.predicted or '-'}"))
    if step.status == "fail":
        return f'{head}><failure type="fail" message={quoteattr(_clean(step.cause))}>{text}</failure></testcase>'
    if step.status == "unknown":
        return f'{head}><error type="unknown" message={quoteattr(_clean(step.cause))}>{text}</error></testcase>'
    if step.status == "skipped":
        return f"{head}><skipped message={quoteattr(_clean(step.cause))}/></testcase>"
    return f"{head}/>"


def _clean(text: str) -> str:
    """Drop the characters XML 1.0 forbids."""
    return "".join(c for c in text if c in "\t\n\r" or (ord(c) >= 0x20 and ord(c) not in (0xFFFE, 0xFFFF)))


def render_junit(report: ProbeReport) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="acr-scan probe">']
    for reg in report.registries:
        count = {s: sum(1 for step in reg.steps if step.status == s) for s in _MARK}
        out.append(
            f'<testsuite name={quoteattr(_clean(reg.registry))} tests="{len(reg.steps)}" failures="{count["fail"]}" '
            f'errors="{count["unknown"]}" skipped="{count["skipped"]}">'
        )
        out.extend(_case(_clean(reg.registry), step) for step in reg.steps)
        out.append("</testsuite>")
    out.append("</testsuites>")
    return ("\n".join(out) + "\n").encode()


def formats() -> dict[str, Callable[[ProbeReport], bytes]]:
    from scanner.probe.sarif import render_sarif  # (only for --format sarif)

    return {"table": render_table, "json": render_json, "sarif": render_sarif, "junit": render_junit}


def write(report: ProbeReport, name: str, stream: BinaryIO) -> None:
    stream.write(formats()[name](report))
