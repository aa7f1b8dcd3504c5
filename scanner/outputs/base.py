"""The one small interface every output format implements."""

from __future__ import annotations

from typing import Protocol

from scanner.scan import ScanResult


class OutputFormat(Protocol):
    """Renders a :class:`ScanResult`; never computes policy, never decides the exit code."""

    name: str
    extension: str

    def render(self, result: ScanResult) -> bytes:
        """The complete document; written atomically by the caller."""
        ...
