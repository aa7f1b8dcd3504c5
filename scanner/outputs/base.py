"""The one small interface every output format implements."""

from __future__ import annotations

from typing import BinaryIO, Protocol

from scanner.scan import ScanResult


class OutputFormat(Protocol):
    """Renders a :class:`ScanResult`; never computes policy, never decides the exit code."""

    name: str
    extension: str

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        """Write the complete document to ``stream`` (the caller makes file writes atomic)."""
        ...
