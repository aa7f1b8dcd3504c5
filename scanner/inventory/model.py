"""The one typed model every source is normalized into, with its relations resolved.

Entities keep their raw payload (``raw``) so rules can reach any property Azure returns, and
add typed fields for what relations and rules rely on. Ids are stored both as given (for
display and remediation) and as a lower-cased ``key`` (for every comparison).

Entities are frozen ``msgspec.Struct``s for the reason findings are (docs/decisions/0013):
tens of thousands are built per scan, and they hold acyclic data only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from scanner.azure.rbac import RegistryGrants
from scanner.inventory.coverage import Coverage
from scanner.unknown import Unknown

Raw = Mapping[str, Any]


class Resource(msgspec.Struct, frozen=True, gc=False):
    """What names an Azure resource and where it lives."""

    id: str
    key: str
    name: str
    subscription_id: str | None
    resource_group: str | None


class PrivateEndpointConnection(msgspec.Struct, frozen=True, gc=False):
    """A registry's ``properties.privateEndpointConnections[]`` entry."""

    id: str
    status: str
    private_endpoint_id: str | None


class NicIpConfig(msgspec.Struct, frozen=True, gc=False):
    """One IP configuration of a private endpoint's NIC: which ACR member it serves."""

    member: str
    ip: str
    fqdns: tuple[str, ...]


class PrivateEndpoint(Resource, frozen=True, gc=False):
    """A ``microsoft.network/privateendpoints`` row and what it connects to."""

    subnet_id: str | None
    vnet_key: str | None
    vnet_id: str | None
    nic_keys: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]  # (registry key, connection status)
    raw: Raw
    subnet_unknown: Unknown | None = None  # IaC: the subnet id is an unresolved expression


class VnetLink(msgspec.Struct, frozen=True, gc=False):
    """A ``privatelink.azurecr.io`` zone's link to a virtual network."""

    id: str
    name: str
    zone_key: str
    vnet_key: str
    state: str
    registration_enabled: bool


class DnsZone(Resource, frozen=True, gc=False):
    """A private DNS zone (only ``privatelink.azurecr.io`` zones matter to ACR)."""


class ARecord(msgspec.Struct, frozen=True, gc=False):
    """An A record set of a private DNS zone."""

    id: str
    zone_key: str
    name: str
    ips: tuple[str, ...]


class RoleDefinition(msgspec.Struct, frozen=True, gc=False):
    """A role definition with what it grants over registries, decided once."""

    guid: str
    id: str
    name: str
    role_type: str
    actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    grants_registry_access: bool
    grants_registry_write: bool
    grants_list_credentials: bool
    registry: RegistryGrants  # data-plane actions per role assignment mode, and escalations


class RoleAssignment(msgspec.Struct, frozen=True, gc=False):
    """A role assignment (ARG ``authorizationresources`` row)."""

    id: str
    key: str
    scope: str
    scope_key: str
    scope_level: str
    principal_id: str
    principal_type: str | Unknown  # IaC: not declared, Azure fills it in at deployment
    role_guid: str
    condition: str | None
    name: str


class Credential(msgspec.Struct, frozen=True, gc=False):
    """A password credential's metadata (never its value) on a principal or its application."""

    key_id: str
    display_name: str | None
    start: str | None
    end: str | None
    owner: str  # "servicePrincipal" | "application"
    owner_id: str


class Principal(msgspec.Struct, frozen=True, gc=False):
    """A Microsoft Graph service principal with its (and its application's) credentials."""

    id: str
    app_id: str | None
    display_name: str | None
    sp_type: str | None
    credentials: tuple[Credential, ...]
    application_id: str | None


class GroupMember(msgspec.Struct, frozen=True, gc=False):
    """A transitive member of a group, as Microsoft Graph lists it."""

    id: str  # lower-cased object id
    kind: str  # "user", "group", "servicePrincipal", "device", ... (the @odata.type's last part)
    display_name: str | None
    sp_type: str | None  # servicePrincipalType: "Application", "ManagedIdentity", ...


class ArmData(msgspec.Struct, frozen=True, gc=False):
    """ARM lists of one registry; each is an :class:`Unknown` when not collected."""

    tokens: list[Raw] | Unknown
    scope_maps: list[Raw] | Unknown
    usages: list[Raw] | Unknown
    diagnostic_settings: list[Raw] | Unknown


class DefenderData(msgspec.Struct, frozen=True, gc=False):
    """Defender for Cloud's view of one registry, each part an :class:`Unknown` when not collected."""

    plans: list[Raw] | Unknown  # the Containers / ContainerRegistry plan rows that apply to it
    scanning: str | Unknown  # "on" or "off": whether its images are scanned
    assessments: list[Raw] | Unknown  # its image vulnerability assessments
    image_health: str | Unknown  # "healthy", "unhealthy" or "notApplicable"


class RegistryExtras(msgspec.Struct, frozen=True, gc=False):
    """The per-registry data of issue 14 that the registry's own row does not carry."""

    defender: DefenderData
    cache_rules: list[Raw] | Unknown
    credential_sets: list[Raw] | Unknown
    connected_registries: list[Raw] | Unknown
    # per entry of ``Registry.connections``: where its private endpoint lives, relative to the
    # registry: "subscription" (the same), "tenant" (another subscription of the tenant), "foreign"
    connection_peers: tuple[str | Unknown, ...] = ()


class Registry(Resource, frozen=True, gc=False):
    """A container registry with everything that hangs off it."""

    location: str
    sku: str
    raw: Raw
    replications: list[Raw] | Unknown
    webhooks: list[Raw] | Unknown
    connections: tuple[PrivateEndpointConnection, ...]
    arm: ArmData
    extras: RegistryExtras | None = None  # Defender, cache rules, connected registries (scanner.inventory.defender)


class Inventory(msgspec.Struct):
    """Everything the engine evaluates, indexed by lower-cased id."""

    collected_at: datetime
    tenant_id: str | None
    coverage: Coverage
    # "deployed" (a live collection or a snapshot of one) or "iac" (declared, not yet deployed)
    origin: str = "deployed"
    registries: dict[str, Registry] = msgspec.field(default_factory=dict)
    private_endpoints: dict[str, PrivateEndpoint] | Unknown = msgspec.field(default_factory=dict)
    endpoints_by_registry: dict[str, list[PrivateEndpoint]] = msgspec.field(default_factory=dict)
    nic_configs: dict[str, tuple[NicIpConfig, ...]] | Unknown = msgspec.field(default_factory=dict)
    zones: dict[str, DnsZone] | Unknown = msgspec.field(default_factory=dict)
    links_by_vnet: dict[str, list[VnetLink]] | Unknown = msgspec.field(default_factory=dict)
    records_by_zone: dict[str, dict[str, ARecord]] | Unknown = msgspec.field(default_factory=dict)
    role_definitions: dict[str, RoleDefinition] | Unknown = msgspec.field(default_factory=dict)
    # Why a role GUID absent from ``role_definitions`` may still exist (part of the list was not
    # read, e.g. one subscription refused); None when the whole list was read.
    role_definitions_gap: Unknown | None = None
    assignments_by_scope: dict[str, list[RoleAssignment]] | Unknown = msgspec.field(default_factory=dict)
    above_subscription: list[RoleAssignment] = msgspec.field(default_factory=list)
    principals: dict[str, Principal] | Unknown = msgspec.field(default_factory=dict)
    missing_principals: frozenset[str] | Unknown = frozenset()
    subscription_mgs: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    # lower-cased subscription id → its display name (the row's ``name``; a label, so absent is just unnamed)
    subscription_names: dict[str, str] = msgspec.field(default_factory=dict)
    # group object id → its transitive members; a group absent here was not expanded
    group_members: dict[str, tuple[GroupMember, ...]] | Unknown = msgspec.field(default_factory=dict)
    # user or group object id → its display name (graph.directoryObjects; a label, so absent is just unnamed)
    directory_names: dict[str, str] = msgspec.field(default_factory=dict)
    # consumer list name → its workloads' pulls (scanner.inventory.consumers.Pull), or why unknown
    pulls: dict[str, list[Any] | Unknown] = msgspec.field(default_factory=dict)
    expected_pulls: tuple[tuple[str, str], ...] = ()  # (workload, registry) names or ids from the config
    # IaC only: AKS cluster key → keys of the registries declared in the same deployment
    co_declared: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    derived: dict[str, Any] = msgspec.field(default_factory=dict)  # memoized joins shared by enumerators
    # IaC only: privatelink zone key → why one of its VNet links points at an unresolved VNet
    unknown_links: dict[str, Unknown] = msgspec.field(default_factory=dict)


def role_definition(inv: Inventory, guid: str) -> RoleDefinition | Unknown:
    """The role definition ``guid`` names, or why it is not known."""
    if isinstance(inv.role_definitions, Unknown):
        return inv.role_definitions
    role = inv.role_definitions.get(guid)
    if role is not None:
        return role
    if inv.role_definitions_gap is not None:
        return Unknown(f"role definition {guid} was not among those read ({inv.role_definitions_gap.reason})")
    return Unknown(f"role definition {guid} was not collected")
