"""Which declared resource types the scanner reads, and where each goes in a snapshot document."""

from __future__ import annotations

REGISTRY = "microsoft.containerregistry/registries"

# Lower-cased ARM type → (snapshot section, list name). ``arm`` lists are grouped per registry.
SECTIONS: dict[str, tuple[str, str]] = {
    REGISTRY: ("resourceGraph", "registries"),
    REGISTRY + "/replications": ("resourceGraph", "replications"),
    REGISTRY + "/webhooks": ("resourceGraph", "webhooks"),
    REGISTRY + "/tokens": ("arm", "tokens"),
    REGISTRY + "/scopemaps": ("arm", "scopeMaps"),
    "microsoft.insights/diagnosticsettings": ("arm", "diagnosticSettings"),
    "microsoft.network/privateendpoints": ("resourceGraph", "privateEndpoints"),
    "microsoft.network/privatednszones": ("resourceGraph", "privateDnsZones"),
    "microsoft.network/privatednszones/virtualnetworklinks": ("resourceGraph", "virtualNetworkLinks"),
    "microsoft.network/privatednszones/a": ("resourceGraph", "privateDnsRecordSets"),
    "microsoft.authorization/roleassignments": ("resourceGraph", "roleAssignments"),
    "microsoft.authorization/roledefinitions": ("resourceGraph", "roleDefinitions"),
    # Read (for locations and completeness) but not a snapshot list: Azure writes the zone's
    # A records from it at deployment, with IP addresses only known then.
    "microsoft.network/privateendpoints/privatednszonegroups": ("iac", "privateDnsZoneGroups"),
}

# The per-registry ARM marker in a child id (tokens, scope maps) or extension id (diagnostics).
ARM_PARENT_MARKERS: dict[str, str] = {
    "tokens": "/tokens/",
    "scopeMaps": "/scopemaps/",
    "diagnosticSettings": "/providers/microsoft.insights/diagnosticsettings/",
}


def wanted(resource_type: str) -> bool:
    """Whether a declared resource of this (any-case) type becomes a row."""
    return resource_type.lower() in SECTIONS
