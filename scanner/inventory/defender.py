"""What Microsoft Defender for Cloud, the artifact cache and connected registries say about a registry.

Read from the snapshot's ``resourceGraph.securityPricings`` and ``securityAssessments`` and the
per-registry ``arm`` lists ``cacheRules``, ``credentialSets`` and ``connectedRegistries``
(docs/snapshot-format.md). Each is an :class:`Unknown` where it was not collected (a missing
list, a 403 on the registry's subscription or on the registry), so the rules resting on it
report ``unknown``, never ``pass``. The decisions (which plan row counts, which assessment
status wins) are in docs/rules-notes.md, "Defender for Containers".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.azure.ids import last_segment, norm, subscription_of
from scanner.inventory.coverage import Coverage
from scanner.inventory.model import DefenderData, RegistryExtras
from scanner.inventory.rows import Section, as_list, as_map, props, rows, text
from scanner.unknown import Unknown

Raw = Mapping[str, Any]
#: The Containers plan's extension that scans registry images.
SCAN_EXTENSION = "containerregistriesvulnerabilityassessments"
#: The plan that replaced the deprecated ``ContainerRegistry`` plan (which scanned registries by itself).
CONTAINERS, LEGACY = "containers", "containerregistry"
_PRICINGS = "/providers/microsoft.security/pricings/"
_ASSESSMENTS = "/providers/microsoft.security/assessments/"
STATUSES = {"healthy": "healthy", "unhealthy": "unhealthy", "notapplicable": "notApplicable"}


def _scope_of(row_id: str, marker: str) -> str | None:
    key = norm(row_id)
    cut = key.rfind(marker)
    return key[:cut] if cut > 0 else None


class DefenderIndex:
    """The Defender rows of a snapshot, grouped once by the scope they are about."""

    def __init__(self, coverage: Coverage, data: Mapping[str, Any]) -> None:
        self._coverage = coverage
        resource_graph: Section = data.get("resourceGraph")
        self._tenant_id = text(data.get("tenantId")).lower() or None
        self._whole_tenant = as_map(data.get("scope")).get("tenant") is True
        self._subscriptions: dict[str, str | None] = {
            text(row.get("subscriptionId")).lower() or last_segment(str(row.get("id", ""))).lower(): (
                text(row.get("tenantId")).lower() or None
            )
            for row in rows(resource_graph, "subscriptions")
        }
        self.pricings: dict[str, dict[str, Raw]] = {}  # scope (subscription or resource id) → plan → row
        for row in rows(resource_graph, "securityPricings"):
            scope = _scope_of(str(row.get("id", "")), _PRICINGS)
            name = text(row.get("name")).lower()
            if scope is not None and name in (CONTAINERS, LEGACY):
                self.pricings.setdefault(scope, {})[name] = row
        self.assessments: dict[str, list[Raw]] = {}
        for row in rows(resource_graph, "securityAssessments"):
            scope = _scope_of(str(row.get("id", "")), _ASSESSMENTS)
            if scope is not None:
                self.assessments.setdefault(scope, []).append(row)

    def defender(self, registry_id: str) -> DefenderData:
        key = norm(registry_id)
        missing = self._coverage.missing("resourceGraph", "securityPricings", registry_id)
        if missing is not None:
            plans: list[Raw] | Unknown = missing
            scanning: str | Unknown = missing
        else:
            plans, scanning = self._plans(key)
        missing = self._coverage.missing("resourceGraph", "securityAssessments", registry_id)
        assessments = missing if missing is not None else self.assessments.get(key, [])
        return DefenderData(plans, scanning, assessments, image_health(assessments, scanning))

    def _plans(self, key: str) -> tuple[list[Raw], str | Unknown]:
        subscription = subscription_of(key) or ""
        inherited = self.pricings.get(f"/subscriptions/{subscription}", {})
        own = self.pricings.get(key, {})  # a resource-level plan overrides the subscription's
        containers = own.get(CONTAINERS) or inherited.get(CONTAINERS)
        legacy = inherited.get(LEGACY)
        plans = [row for row in (containers, legacy) if row is not None]
        if not plans:
            # IaC: files that declare no Containers plan for this subscription say nothing about it.
            live = self._coverage.live_only("securityPricings")
            if live is not None:
                return plans, live
            return plans, Unknown(f"Defender for Cloud reported no Containers plan for subscription {subscription}")
        return plans, _scanning(containers, legacy, subscription)

    def peer(self, registry_id: str, endpoint_id: str | None) -> str | Unknown:
        """Where a connection's private endpoint lives relative to the registry (ACR-033)."""
        mine = (subscription_of(norm(registry_id)) or "").lower()
        theirs = (subscription_of(norm(endpoint_id)) or "").lower() if endpoint_id else ""
        if not theirs:
            return Unknown("the connection names no private endpoint")
        if theirs == mine:
            return "subscription"
        missing = self._coverage.missing("resourceGraph", "subscriptions")
        if missing is not None:
            return missing
        if theirs in self._subscriptions:
            tenant = self._subscriptions[theirs]
            return "tenant" if tenant is None or self._tenant_id is None or tenant == self._tenant_id else "foreign"
        if self._whole_tenant:
            return "foreign"
        return Unknown(
            f"subscription {theirs} is outside the collected scope: whether it is in this tenant is not known"
        )


def _tier(row: Raw | None) -> str:
    return text(props(row).get("pricingTier")).lower() if row is not None else ""


def _scanning(containers: Raw | None, legacy: Raw | None, subscription: str) -> str | Unknown:
    """Whether the plans scan registry images: the Containers plan's extension, or the legacy plan."""
    if _tier(legacy) == "standard":
        return "on"  # the deprecated plan scans registries by itself until it is migrated
    if containers is None or _tier(containers) == "free":
        return "off"
    for declared in (props(containers).get("pricingTier"), props(containers).get("extensions")):
        if isinstance(declared, Unknown):  # IaC: a value the files do not resolve
            return declared
    if _tier(containers) != "standard":
        return Unknown(f"the Containers plan's pricingTier {props(containers).get('pricingTier')!r} is not documented")
    extensions = props(containers).get("extensions")
    for extension in as_list(extensions):
        if text(as_map(extension).get("name")).lower() == SCAN_EXTENSION:
            enabled = as_map(extension).get("isEnabled")
            if isinstance(enabled, Unknown):
                return enabled
            value = str(enabled).lower() if isinstance(enabled, str | bool) else ""
            if value in ("true", "false"):
                return "on" if value == "true" else "off"
            return Unknown(f"the ContainerRegistriesVulnerabilityAssessments extension's isEnabled is {enabled!r}")
    return Unknown(
        f"the Containers plan of subscription {subscription} does not list the "
        "ContainerRegistriesVulnerabilityAssessments extension"
    )


def image_health(assessments: list[Raw] | Unknown, scanning: str | Unknown) -> str | Unknown:
    """The worst status of the registry's assessments; unknown when there is none to read."""
    if isinstance(assessments, Unknown):
        return assessments
    codes = {text(as_map(props(a).get("status")).get("code")).lower() for a in assessments}
    if "unhealthy" in codes:
        return "unhealthy"
    if codes - set(STATUSES):
        return Unknown(f"an assessment status {sorted(codes - set(STATUSES))} is not documented")
    if "healthy" in codes:
        return "healthy"
    if codes:
        return "notApplicable"
    why = "its images are not scanned" if scanning == "off" else "no scan result yet"
    return Unknown(f"Defender for Cloud reported no vulnerability assessment for this registry ({why})")


def arm_child(coverage: Coverage, block: Any, name: str, rid: str) -> list[Raw] | Unknown:
    """One of the registry's ARM lists of issue 14, or why it is unknown (as ``build._arm_list``)."""
    missing = coverage.missing("arm", name, rid)
    if missing is not None:
        return missing
    value = block.get(name) if isinstance(block, Mapping) else None
    if value is None:
        live = coverage.live_only(name)
        return live if live is not None else Unknown(f"arm.{name} was not collected for registry {rid}")
    return list(value)


def registry_extras(
    index: DefenderIndex, coverage: Coverage, block: Any, rid: str, endpoints: tuple[str | None, ...]
) -> RegistryExtras:
    """Everything of this module about one registry (``endpoints``: its connections' private endpoint ids)."""
    return RegistryExtras(
        defender=index.defender(rid),
        cache_rules=arm_child(coverage, block, "cacheRules", rid),
        credential_sets=arm_child(coverage, block, "credentialSets", rid),
        connected_registries=arm_child(coverage, block, "connectedRegistries", rid),
        connection_peers=tuple(index.peer(rid, endpoint) for endpoint in endpoints),
    )


__all__ = ["DefenderIndex", "arm_child", "image_health", "registry_extras"]
