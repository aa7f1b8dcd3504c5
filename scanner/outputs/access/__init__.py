"""``acr-scan access``: the access model (``scanner.inventory.access_paths``) as a report.

:mod:`scanner.outputs.access.report` selects and orders what is shown; each format renders
that one :class:`AccessReport` behind :class:`AccessFormat`. ``FORMATS`` maps an
``acr-scan access --format`` name to a factory taking the colour choice (only the table uses
it); the HTML page's module is imported when asked for, so it alone pulls in Jinja2.
The first entry is the default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Protocol

from scanner.outputs.access.csv_doc import AccessCsv
from scanner.outputs.access.json_doc import AccessJson
from scanner.outputs.access.report import AccessFilter, AccessReport, select, unmatched_registries
from scanner.outputs.access.table import AccessTable


class AccessFormat(Protocol):
    """Renders an :class:`AccessReport`; it never computes access itself."""

    name: str

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        """Write the complete document to ``stream`` (the caller makes file writes atomic)."""
        ...


def _html(color: bool) -> AccessFormat:
    from scanner.outputs.access.html_doc import AccessHtml  # (Jinja2: only for the HTML page)

    return AccessHtml()


FORMATS: dict[str, Callable[[bool], AccessFormat]] = {
    "table": lambda color: AccessTable(color=color),
    "json": lambda color: AccessJson(),
    "csv": lambda color: AccessCsv(),
    "html": _html,
}

__all__ = ["FORMATS", "AccessFilter", "AccessFormat", "AccessReport", "select", "unmatched_registries"]
