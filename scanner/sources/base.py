"""The one small interface every source implements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

from scanner.sources.declarations import Declarations


class RawSnapshot(msgspec.Struct, frozen=True):
    """Raw payloads in the snapshot format (docs/snapshot-format.md), plus where they came from.

    An IaC source also says where each resource is declared (``declarations``); a snapshot
    file or a live collection has none.
    """

    origin: str
    data: Mapping[str, Any]
    declarations: Declarations | None = None


class Source(Protocol):
    """Something that can produce a :class:`RawSnapshot` (a file, a live tenant, IaC)."""

    def load(self) -> RawSnapshot:
        """Read the source; raise :class:`scanner.errors.InputError` on bad input."""
        ...
