"""Which principals a live collection must ask Microsoft Graph about.

The collector (a source) cannot know which role assignments reach a registry; the inventory
can. The command line hands this function to the collector, so the lower layer never imports
the higher one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.inventory.build import build_inventory
from scanner.inventory.subjects.access import principals_with_access


def principals_holding_registry_roles(document: Mapping[str, Any]) -> dict[str, str]:
    """Object id → principalType of every principal holding a role over a registry of ``document``
    (a partial snapshot: registries, subscriptions, role definitions and assignments suffice)."""
    return principals_with_access(build_inventory(document))
