"""CSV: one row per finding, for spreadsheets and ticket imports.

RFC 4180 (the :mod:`csv` module: CRLF line ends, fields with commas, quotes or newlines
quoted), UTF-8 without a byte-order mark. A spreadsheet evaluates a cell that starts with
``= + - @``, a tab or a carriage return as a formula, and resource names and messages come
from the tenant, so such cells are prefixed with a single quote (the OWASP "CSV injection"
advice); nothing else is changed.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from scanner.results import Finding
from scanner.scan_result import ScanResult

COLUMNS: tuple[str, ...] = (
    "rule_id",
    "title",
    "status",
    "severity",
    "subject_kind",
    "subject_name",
    "subject_id",
    "subscription_id",
    "resource_group",
    "registry",
    "message",
    "remediation_command",
    "file",
    "line",
    "suppression_justification",
)

_FORMULA_START = frozenset("=+-@\t\r")
_FLUSH_EVERY = 5000


def safe_cell(value: str | None) -> str:
    """``value`` as a cell a spreadsheet will not execute (``None`` is an empty cell)."""
    if not value:
        return ""
    return "'" + value if value[0] in _FORMULA_START else value


def row(finding: Finding) -> list[str]:
    """The CSV cells of one finding, in :data:`COLUMNS` order."""
    s = finding.subject
    loc = finding.location
    return [
        safe_cell(finding.rule_id),
        safe_cell(finding.title),
        finding.status.value,
        finding.severity.value,
        safe_cell(s.kind),
        safe_cell(s.name),
        safe_cell(s.id),
        safe_cell(s.subscription_id),
        safe_cell(s.resource_group),
        safe_cell(s.registry_name),
        safe_cell(finding.message),
        safe_cell(finding.remediation.command if finding.remediation else None),
        safe_cell(loc.file),
        "" if loc.line is None else str(loc.line),
        safe_cell(finding.suppression.justification if finding.suppression else None),
    ]


class CsvFormat:
    """``--format csv``."""

    name = "csv"
    extension = ".csv"
    default_filename = "findings.csv"

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for start in range(0, len(result.findings), _FLUSH_EVERY):
            writer.writerows(row(f) for f in result.findings[start : start + _FLUSH_EVERY])
            stream.write(buffer.getvalue().encode("utf-8", "replace"))
            buffer.seek(0)
            buffer.truncate()
        stream.write(buffer.getvalue().encode("utf-8", "replace"))
