"""The one small interface every diff format implements, and the comparison it renders."""

from __future__ import annotations

from typing import BinaryIO, Protocol

import msgspec

from scanner.drift.compare import Drift, compare
from scanner.drift.results_file import ResultsFile


class Comparison(msgspec.Struct, frozen=True):
    """Two results files and the drift from the older to the newer."""

    old: ResultsFile
    new: ResultsFile
    drift: Drift

    @classmethod
    def of(cls, old: ResultsFile, new: ResultsFile) -> Comparison:
        return cls(old, new, compare(old.observations, new.observations))


class DriftFormat(Protocol):
    """Renders a :class:`Comparison`; never decides the exit code."""

    name: str

    def write(self, comparison: Comparison, stream: BinaryIO) -> None:
        """Write the complete document to ``stream`` (the caller makes file writes atomic)."""
        ...
