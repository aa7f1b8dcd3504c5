"""``acr-scan access --format csv``: one row per edge (registry, grant), for spreadsheets.

RFC 4180 like ``findings.csv`` (CRLF line ends, UTF-8 without a byte-order mark). Names come
from the tenant or the IaC under review, so every cell goes through
:func:`scanner.outputs.csv_format.safe_cell`: a cell a spreadsheet would run as a formula
(``= + - @``, tab, carriage return) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from scanner.inventory.access_paths import Grant
from scanner.outputs.access.report import AccessReport, RegistryView
from scanner.outputs.csv_format import safe_cell

COLUMNS: tuple[str, ...] = (
    "registry_id",
    "registry_name",
    "principal",
    "principal_type",
    "display_name",
    "actions",
    "repositories",
    "via",
    "unknown",
)


def row(view: RegistryView, grant: Grant) -> list[str]:
    """The cells of one edge, in :data:`COLUMNS` order."""
    cells = [
        view.id,
        view.name,
        grant.principal,
        grant.principal_type,
        grant.display_name,
        ";".join(grant.actions),
        ";".join(grant.repositories),
        " > ".join(hop.name for hop in grant.via),
        "; ".join(grant.unknown),
    ]
    return [safe_cell(c) for c in cells]


class AccessCsv:
    """``--format csv``."""

    name = "csv"

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for view in report.registries:
            writer.writerows(row(view, g) for g in view.grants)
        stream.write(buffer.getvalue().encode("utf-8", "replace"))
