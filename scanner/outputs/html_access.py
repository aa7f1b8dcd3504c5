"""What the HTML report shows of the access model in each registry section: the access panel
(:mod:`scanner.outputs.access.panel`) and the pull path diagrams (:mod:`scanner.outputs.pull_diagrams`).

Both are read from the scan's inventory (``ScanResult.inventory``); a report rendered without
one shows neither. The whole report holds a bounded number of access rows and diagrams: each
registry gets an equal share of a report-wide budget, between a floor (what a registry always
shows) and a ceiling (what a small report shows), so a 5,000-registry report grows by a few
rows per registry, not by the million grants of its tenant.

An IaC scan gets no access panel: a template declares only the role assignments, tokens and
settings in the change, not those inherited from the subscription and management groups above
it, so a panel would look complete while it is not (``acr-scan access --iac`` lists what the
files declare). Its pull path diagrams are drawn when it has pull paths
(``access.expected_pulls``), like any other scan's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec
from markupsafe import Markup

from scanner.azure.ids import norm
from scanner.inventory.access_paths import Escalation, Grant, access_of
from scanner.inventory.model import Inventory
from scanner.outputs.access.html_doc import row_renderers
from scanner.outputs.access.panel import AccessPanel, panels
from scanner.outputs.pull_diagrams import RegistryPulls, documents_by_registry, registry_pulls

#: Report-wide budgets and per-registry (floor, ceiling) of what the registry sections list.
GRANT_ROWS, GRANTS_PER_REGISTRY = 5_000, (1, 50)
ESCALATION_ROWS, ESCALATIONS_PER_REGISTRY = 2_500, (0, 30)
DIAGRAMS, DIAGRAMS_PER_REGISTRY = 2_000, (2, 12)


def share(budget: int, sections: int, bounds: tuple[int, int]) -> int:
    """Each section's equal share of ``budget``, within ``bounds``."""
    low, high = bounds
    return max(low, min(high, budget // max(1, sections)))


def _no_row(item: object) -> Markup:
    return Markup("")


class AccessSections(msgspec.Struct):
    """The panels and diagrams of a report's registry sections (by the section's key), and the
    row renderers of the access page (each grant and escalation rendered once)."""

    panels: dict[str, AccessPanel] = msgspec.field(default_factory=dict)
    pulls: dict[str, RegistryPulls] = msgspec.field(default_factory=dict)
    grant_row: Callable[[Grant], Markup] = _no_row
    escalation_row: Callable[[Escalation], Markup] = _no_row

    def __bool__(self) -> bool:
        return bool(self.panels or self.pulls)


def access_sections(inventory: Inventory | None, sections: Iterable[tuple[str, str]]) -> AccessSections:
    """The access panel and pull diagrams of each ``(section key, registry id)``."""
    if inventory is None:
        return AccessSections()
    wanted = {key: norm(rid) for key, rid in sections if norm(rid) in inventory.registries}
    documents = documents_by_registry(inventory)
    with_pulls = {key: reg for key, reg in wanted.items() if reg in documents}
    cap = share(DIAGRAMS, len(with_pulls), DIAGRAMS_PER_REGISTRY)
    pulls = {key: registry_pulls(inventory, reg, documents[reg], cap) for key, reg in with_pulls.items()}
    found: dict[str, AccessPanel] = {}
    if not inventory.coverage.declared:
        accesses = ((key, access_of(inventory, inventory.registries[reg])) for key, reg in wanted.items())
        grants = share(GRANT_ROWS, len(wanted), GRANTS_PER_REGISTRY)
        escalations = share(ESCALATION_ROWS, len(wanted), ESCALATIONS_PER_REGISTRY)
        found = panels(accesses, grants, escalations)
    if not (found or pulls):
        return AccessSections()
    grant_row, escalation_row = row_renderers()
    return AccessSections(found, pulls, grant_row, escalation_row)
