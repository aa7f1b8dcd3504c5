"""What a scan produced: the findings plus everything a report needs to render and gate them.

Plain frozen data, shared by the scan that builds it and every output format that renders it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from scanner.engine.rule import Rule
from scanner.inventory.coverage import CollectionError
from scanner.inventory.model import Inventory
from scanner.results import Finding, RegistryFacts
from scanner.suppress import SuppressionReport
from scanner.unknown import Unknown


class ScanMetadata(msgspec.Struct, frozen=True):
    """What a report needs to say about the scan itself."""

    tool_version: str
    policy_pack_hash: str
    now: datetime
    collected_at: datetime
    source: str
    tenant_id: str | None
    scope: Mapping[str, Any]
    config_source: str | None


class ScanResult(msgspec.Struct, frozen=True):
    """Findings plus everything needed to render and gate them."""

    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    metadata: ScanMetadata
    coverage_errors: tuple[CollectionError, ...]
    suppressions: SuppressionReport
    inventory: Inventory | None = None  # what the reports read: not compared, not in the repr

    def __eq__(self, other: object) -> bool:
        if type(other) is not ScanResult:
            return NotImplemented
        return _compared(self) == _compared(other)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _COMPARED)
        return f"ScanResult({shown})"

    @property
    def registries(self) -> tuple[RegistryFacts, ...]:
        """SKU, location and tags of every scanned registry, sorted by id.

        Computed when asked (only the HTML report shows them) rather than for every scan.
        """
        return registry_facts(self.inventory) if self.inventory is not None else ()


_COMPARED = ("findings", "rules", "metadata", "coverage_errors", "suppressions")


def _compared(result: ScanResult) -> tuple[Any, ...]:
    return tuple(getattr(result, name) for name in _COMPARED)


def _text(value: Any) -> str:
    return "unknown" if isinstance(value, Unknown) else str(value)


def registry_facts(inventory: Inventory) -> tuple[RegistryFacts, ...]:
    """SKU, location and tags of every registry, for reports (sorted by lower-cased id)."""
    out = []
    for key in sorted(inventory.registries):
        reg = inventory.registries[key]
        tags = reg.raw.get("tags")
        pairs = tuple(sorted((str(k), _text(v)) for k, v in tags.items())) if isinstance(tags, Mapping) else ()
        facts = RegistryFacts(reg.id, _text(reg.name), _text(reg.sku), _text(reg.location), pairs)
        out.append(facts)
    return tuple(out)


