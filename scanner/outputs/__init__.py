"""Output formats, one module each, behind :class:`scanner.outputs.base.OutputFormat`.

``FORMATS`` maps a ``--format`` name to a factory taking :class:`RenderOptions`; adding a
format is one module plus one function here. Each factory imports its module when called, so
a scan pays only for the formats it writes (the HTML format alone pulls in Jinja2).
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.outputs.base import OutputFormat, RenderOptions
from scanner.outputs.table import TableFormat


def _csv(options: RenderOptions) -> OutputFormat:
    from scanner.outputs.csv_format import CsvFormat

    return CsvFormat()


def _html(options: RenderOptions) -> OutputFormat:
    from scanner.outputs.html_format import HtmlFormat

    return HtmlFormat(history=options.history)


def _json(options: RenderOptions) -> OutputFormat:
    from scanner.outputs.json_format import JsonFormat

    return JsonFormat()


def _junit(options: RenderOptions) -> OutputFormat:
    from scanner.outputs.junit_format import JunitFormat

    return JunitFormat()


def _markdown(options: RenderOptions) -> OutputFormat:
    from scanner.outputs.markdown_format import MarkdownFormat

    return MarkdownFormat(links=options.links)


def _sarif(options: RenderOptions) -> OutputFormat:
    from scanner.outputs.sarif import SarifFormat

    return SarifFormat(profile=options.sarif_profile, repo_root=options.repo_root)


def _table(options: RenderOptions) -> OutputFormat:
    return TableFormat(color=options.color)


FORMATS: dict[str, Callable[[RenderOptions], OutputFormat]] = {
    "csv": _csv,
    "html": _html,
    "json": _json,
    "junit": _junit,
    "markdown": _markdown,
    "sarif": _sarif,
    "table": _table,
}


def make_format(name: str, options: RenderOptions) -> OutputFormat:
    """Build the named format (the name was checked against ``FORMATS`` by the CLI)."""
    return FORMATS[name](options)


__all__ = ["FORMATS", "OutputFormat", "RenderOptions", "TableFormat", "make_format"]
