"""Output formats, one module each, behind :class:`scanner.outputs.base.OutputFormat`."""

from scanner.outputs.json_format import JsonFormat
from scanner.outputs.table import TableFormat

FORMATS = {"json": JsonFormat, "table": TableFormat}

__all__ = ["FORMATS", "JsonFormat", "TableFormat"]
