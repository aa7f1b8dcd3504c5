"""``acr-scan access``: the access model (``scanner.inventory.access_paths``) as a report.

:mod:`scanner.outputs.access.report` selects and orders what is shown; each format renders
that one :class:`AccessReport` behind :class:`AccessFormat`. ``FORMATS`` maps an
``acr-scan access --format`` name to a factory taking the colour choice (only the table uses
it); each factory imports its module when called, so the HTML page alone pulls in Jinja2.
The first entry is the default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Protocol

from scanner.outputs.access.report import AccessFilter, AccessReport, select, unmatched_registries


class AccessFormat(Protocol):
    """Renders an :class:`AccessReport`; it never computes access itself."""

    name: str

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        """Write the complete document to ``stream`` (the caller makes file writes atomic)."""
        ...


def _table(color: bool) -> AccessFormat:
    from scanner.outputs.access.table import AccessTable

    return AccessTable(color=color)


def _json(color: bool) -> AccessFormat:
    from scanner.outputs.access.json_doc import AccessJson

    return AccessJson()


def _csv(color: bool) -> AccessFormat:
    from scanner.outputs.access.csv_doc import AccessCsv

    return AccessCsv()


def _html(color: bool) -> AccessFormat:
    from scanner.outputs.access.html_doc import AccessHtml

    return AccessHtml()


FORMATS: dict[str, Callable[[bool], AccessFormat]] = {
    "table": _table,
    "json": _json,
    "csv": _csv,
    "html": _html,
}

__all__ = ["FORMATS", "AccessFilter", "AccessFormat", "AccessReport", "select", "unmatched_registries"]
