"""The one small interface every source implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class RawSnapshot:
    """Raw payloads in the snapshot format of SNAPSHOT.md, plus where they came from."""

    origin: str
    data: Mapping[str, Any]


class Source(Protocol):
    """Something that can produce a :class:`RawSnapshot` (a file, a live tenant, IaC)."""

    def load(self) -> RawSnapshot:
        """Read the source; raise :class:`scanner.errors.InputError` on bad input."""
        ...
