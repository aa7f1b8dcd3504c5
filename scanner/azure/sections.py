"""The snapshot's lists: their names, and which Azure resource type each declared resource feeds.

The names are the keys of the snapshot's ``resourceGraph``, ``arm`` and ``graph`` sections
(docs/snapshot-format.md); every layer that reads or writes a snapshot takes them from here.
"""

from __future__ import annotations

#: The Resource Graph lists of a snapshot, in the order a collection queries and writes them
#: (``subscriptions``, the management-group chains, is written after them).
RESOURCE_GRAPH_LISTS = (
    "registries",
    "replications",
    "webhooks",
    "privateEndpoints",
    "networkInterfaces",
    "privateDnsZones",
    "virtualNetworkLinks",
    "privateDnsRecordSets",
    "roleAssignments",
    "roleDefinitions",
)
#: The Resource Graph lists of the registries' consumers: the workloads that pull images, the
#: identities they pull with and the networks they pull from. Kept apart from
#: :data:`RESOURCE_GRAPH_LISTS` because only a live collection reads them: IaC templates and the
#: generated tenants declare registries, so there these lists are missing ("not collected",
#: ``unknown``), never empty ("there are none").
CONSUMER_LISTS = (
    "managedClusters",
    "containerApps",
    "managedEnvironments",
    "webApps",
    "containerGroups",
    "userAssignedIdentities",
    "virtualNetworks",
    "publicIpAddresses",
)
#: The per-registry lists read from ARM.
ARM_LISTS = ("tokens", "scopeMaps", "usages", "diagnosticSettings")
#: The per-site ARM entry: a container site's ``config/web`` (Resource Graph rows lack most of it).
SITE_CONFIG = "siteConfig"
#: The Microsoft Graph section.
GRAPH_LISTS = ("servicePrincipals", "applications", "missingPrincipals")
#: The Graph transitive members of the groups holding a role over a registry (group id → members).
GROUP_MEMBERS = "groupMembers"

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
