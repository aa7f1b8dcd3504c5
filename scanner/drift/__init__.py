"""Drift: two scans compared (:mod:`scanner.drift.compare`) and the diff formats that show it.

Every diff format implements :class:`scanner.drift.base.DriftFormat`. ``FORMATS`` maps an
``acr-scan diff --format`` name to a factory; adding a diff format is one module plus one
function here. Each factory imports its module when called, so ``diff`` pays only for the
format it writes (the HTML page alone pulls in Jinja2). The first entry is the default.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.drift.base import DriftFormat


def _table() -> DriftFormat:
    from scanner.drift.table import DriftTable

    return DriftTable()


def _json() -> DriftFormat:
    from scanner.drift.json_format import DriftJson

    return DriftJson()


def _markdown() -> DriftFormat:
    from scanner.drift.markdown import DriftMarkdown

    return DriftMarkdown()


def _html() -> DriftFormat:
    from scanner.drift.html import DriftHtml

    return DriftHtml()


FORMATS: dict[str, Callable[[], DriftFormat]] = {
    "table": _table,
    "json": _json,
    "markdown": _markdown,
    "html": _html,
}

__all__ = ["FORMATS", "DriftFormat"]
