"""The one small interface every output format implements, and the options they may read."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Protocol

import msgspec

from scanner.scan_result import ScanResult


class RenderOptions(msgspec.Struct, frozen=True):
    """Presentation choices from the command line; never policy.

    One object for all formats so the CLI can build every requested format the same way;
    each format reads only the fields that concern it.
    """

    color: bool = False
    sarif_profile: str = "github"
    links: bool = True
    repo_root: Path | None = None
    # (scan --history: the last nights' trend and the like, a scanner.history.view.HistoryView)
    history: Any = None


class OutputFormat(Protocol):
    """Renders a :class:`ScanResult`; never computes policy, never decides the exit code."""

    name: str
    extension: str
    default_filename: str

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        """Write the complete document to ``stream`` (the caller makes file writes atomic)."""
        ...
