"""Sources turn the outside world into raw payloads (a :class:`RawSnapshot`).

A source never evaluates policy and never normalizes: that is the inventory's job.
"""

from scanner.sources.base import RawSnapshot, Source
from scanner.sources.snapshot import SnapshotFileSource

__all__ = ["RawSnapshot", "SnapshotFileSource", "Source"]
