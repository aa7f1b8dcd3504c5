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
#: :data:`RESOURCE_GRAPH_LISTS` because a live collection always reads them, while IaC files and
#: the generated tenants mostly declare registries only: there these lists are missing ("not
#: collected", ``unknown``), never empty ("there are none"), unless the files declare a workload
#: (decisions 0012 and 0014).
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
#: The consumer lists whose rows are workloads (the others hold what workloads use).
WORKLOAD_LISTS = ("managedClusters", "containerApps", "webApps", "containerGroups")
#: The consumer lists an IaC scan holds when its files declare a workload: the workloads and the
#: identities they may pull with. Networks and public IP addresses stay live-only (the addresses
#: an outbound IP gets, the peerings and DNS servers a network has, are only known once deployed).
IAC_CONSUMER_LISTS = (*WORKLOAD_LISTS, "managedEnvironments", "userAssignedIdentities")
#: Microsoft Defender for Cloud's lists (Resource Graph table ``securityresources``): the Defender
#: plans of each subscription (``microsoft.security/pricings``) and the registries' image
#: vulnerability assessments (``microsoft.security/assessments`` on registries). Apart from
#: :data:`RESOURCE_GRAPH_LISTS` for the reason the consumer lists are: generated tenants and IaC
#: files (which cannot declare an assessment) leave them missing, "not collected", never empty.
DEFENDER_LISTS = ("securityPricings", "securityAssessments")
#: The per-registry lists read from ARM.
ARM_LISTS = ("tokens", "scopeMaps", "usages", "diagnosticSettings")
#: The per-registry ARM lists of artifact cache and connected registries (issue 14): kept apart
#: from :data:`ARM_LISTS` so a generated tenant without them has them "not collected".
REGISTRY_CHILD_LISTS = ("cacheRules", "credentialSets", "connectedRegistries")
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
    REGISTRY + "/cacherules": ("arm", "cacheRules"),
    REGISTRY + "/credentialsets": ("arm", "credentialSets"),
    REGISTRY + "/connectedregistries": ("arm", "connectedRegistries"),
    # A subscription's (or a resource's) Defender plan; assessments cannot be declared.
    "microsoft.security/pricings": ("resourceGraph", "securityPricings"),
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
    # The workloads and the identities they pull with (IaC: see IAC_CONSUMER_LISTS).
    "microsoft.containerservice/managedclusters": ("resourceGraph", "managedClusters"),
    "microsoft.app/containerapps": ("resourceGraph", "containerApps"),
    "microsoft.app/managedenvironments": ("resourceGraph", "managedEnvironments"),
    "microsoft.web/sites": ("resourceGraph", "webApps"),
    "microsoft.containerinstance/containergroups": ("resourceGraph", "containerGroups"),
    "microsoft.managedidentity/userassignedidentities": ("resourceGraph", "userAssignedIdentities"),
    # Not a snapshot list: a site's ``config/web`` child becomes its ``arm`` siteConfig entry.
    "microsoft.web/sites/config": ("iac", SITE_CONFIG),
}

# The per-registry ARM marker in a child id (tokens, scope maps) or extension id (diagnostics).
ARM_PARENT_MARKERS: dict[str, str] = {
    "tokens": "/tokens/",
    "scopeMaps": "/scopemaps/",
    "cacheRules": "/cacherules/",
    "credentialSets": "/credentialsets/",
    "connectedRegistries": "/connectedregistries/",
    "diagnosticSettings": "/providers/microsoft.insights/diagnosticsettings/",
}


def wanted(resource_type: str) -> bool:
    """Whether a declared resource of this (any-case) type becomes a row."""
    return resource_type.lower() in SECTIONS
