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
from scanner.outputs.access.report import AccessReport, RegistryView, per_object
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


def _registry_cells(view: RegistryView) -> list[str]:
    return [safe_cell(view.id), safe_cell(view.name)]


def _grant_cells(grant: Grant) -> list[str]:
    cells = [
        grant.principal,
        grant.principal_type,
        grant.display_name,
        ";".join(grant.actions),
        ";".join(grant.repositories),
        " > ".join(hop.name for hop in grant.via),
        "; ".join(grant.unknown),
    ]
    return [safe_cell(c) for c in cells]


def row(view: RegistryView, grant: Grant) -> list[str]:
    """The cells of one edge, in :data:`COLUMNS` order."""
    return _registry_cells(view) + _grant_cells(grant)


def _line(cells: list[str]) -> str:
    """One CSV record without its line end (RFC 4180 quoting, as :mod:`csv` writes it)."""
    buffer = io.StringIO()
    # (The real line end, so that a cell holding CR or LF is quoted: the csv module quotes the
    # characters of its lineterminator, not line breaks as such.)
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue()[:-2]


def _grant_line(grant: Grant) -> str:
    return _line(_grant_cells(grant))


class AccessCsv:
    """``--format csv``: a record is its registry's cells and its grant's, each quoted once
    (an inherited grant is the same object in every registry below it)."""

    name = "csv"

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        grant_text = per_object(_grant_line)
        stream.write((_line(list(COLUMNS)) + "\r\n").encode("utf-8"))
        for view in report.registries:
            if view.grants:
                registry = _line(_registry_cells(view)) + ","
                text = "".join(registry + grant_text(g) + "\r\n" for g in view.grants)
                stream.write(text.encode("utf-8", "replace"))
