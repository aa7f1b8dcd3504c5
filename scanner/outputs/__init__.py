"""Output formats, one module each, behind :class:`scanner.outputs.base.OutputFormat`.

``FORMATS`` maps a ``--format`` name to a factory taking :class:`RenderOptions`; adding a
format is one module plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.outputs.base import OutputFormat, RenderOptions
from scanner.outputs.json_format import JsonFormat
from scanner.outputs.table import TableFormat

FORMATS: dict[str, Callable[[RenderOptions], OutputFormat]] = {
    "json": lambda options: JsonFormat(),
    "table": lambda options: TableFormat(color=options.color),
}


def make_format(name: str, options: RenderOptions) -> OutputFormat:
    """Build the named format (the name was checked against ``FORMATS`` by the CLI)."""
    return FORMATS[name](options)


__all__ = ["FORMATS", "JsonFormat", "OutputFormat", "RenderOptions", "TableFormat", "make_format"]
