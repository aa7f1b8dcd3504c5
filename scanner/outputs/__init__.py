"""Output formats, one module each, behind :class:`scanner.outputs.base.OutputFormat`.

``FORMATS`` maps a ``--format`` name to a factory taking :class:`RenderOptions`; adding a
format is one module plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.outputs.base import OutputFormat, RenderOptions
from scanner.outputs.csv_format import CsvFormat
from scanner.outputs.html_format import HtmlFormat
from scanner.outputs.json_format import JsonFormat
from scanner.outputs.junit_format import JunitFormat
from scanner.outputs.markdown_format import MarkdownFormat
from scanner.outputs.sarif_format import SarifFormat
from scanner.outputs.table import TableFormat

FORMATS: dict[str, Callable[[RenderOptions], OutputFormat]] = {
    "csv": lambda options: CsvFormat(),
    "html": lambda options: HtmlFormat(),
    "json": lambda options: JsonFormat(),
    "junit": lambda options: JunitFormat(),
    "markdown": lambda options: MarkdownFormat(links=options.links),
    "sarif": lambda options: SarifFormat(profile=options.sarif_profile, repo_root=options.repo_root),
    "table": lambda options: TableFormat(color=options.color),
}


def make_format(name: str, options: RenderOptions) -> OutputFormat:
    """Build the named format (the name was checked against ``FORMATS`` by the CLI)."""
    return FORMATS[name](options)


__all__ = ["FORMATS", "JsonFormat", "OutputFormat", "RenderOptions", "TableFormat", "make_format"]
