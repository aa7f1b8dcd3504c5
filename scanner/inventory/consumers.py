"""The workloads that pull from registries, and with what credential each one pulls.

One :class:`Pull` per (workload, registry it names): AKS clusters pull with their kubelet
identity (or cluster service principal) from any registry that identity can pull from;
Container Apps, container groups (ACI) and container sites (App Service) name each registry
they pull from, with a managed identity or a username. Payload shapes: docs/snapshot-format.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from scanner.azure.ids import last_segment, norm, resource_group_of, subscription_of
from scanner.inventory.model import Inventory, Raw, Registry
from scanner.inventory.rows import as_list, as_map, props, text
from scanner.inventory.workload_network import WorkloadNetwork, index_networks, workload_network
from scanner.unknown import Unknown

#: The consumer lists and the kind of workload each holds.
KINDS = {
    "managedClusters": "aks",
    "containerApps": "containerApp",
    "webApps": "webApp",
    "containerGroups": "containerGroup",
}


class Identity(msgspec.Struct, frozen=True, gc=False):
    """What a workload authenticates to the registry with."""

    kind: str  # "managedIdentity", "servicePrincipal", "username"
    label: str  # for a reader: "kubelet identity", "user-assigned identity id-app", "username acr1"
    principal_id: str | Unknown | None  # the Entra object id role assignments name (lower-cased)
    username: str | None = None


class Pull(msgspec.Struct, frozen=True, gc=False):
    """One workload pulling from one registry."""

    consumer_id: str
    consumer_name: str
    consumer_kind: str
    subscription_id: str | None
    resource_group: str | None
    server: str  # the login server the workload names (lower-cased)
    registry: Registry | None  # None: a registry outside the snapshot
    identity: Identity | Unknown
    repository: str | None  # the repository it pulls, when the configuration says
    declared: str  # "configuration", "attached" (AKS: its kubelet identity can pull) or "expected"
    network: WorkloadNetwork  # where its pulls start from: VNets, public egress addresses


#: What a workload's reader yields per registry it names: (login server, identity, repository, why).
PullEntry = tuple[str, Identity | Unknown, str | None, str]


def login_servers(inv: Inventory) -> dict[str, Registry]:
    """Lower-cased login server → registry (memoized).

    A server two registries share (IaC only: one name declared differently in two files, the
    second's id suffixed ``#2``) is the first's, which ids naming the registry point at.
    """
    found: dict[str, Registry] | None = inv.derived.get("consumers.servers")
    if found is None:
        found = {}
        for reg in inv.registries.values():
            server = text(props(reg.raw).get("loginServer")) or f"{reg.name}.azurecr.io"
            found.setdefault(server.lower(), reg)
        inv.derived["consumers.servers"] = found
    return found


def _image_parts(image: str) -> tuple[str, str | None]:
    """``server/repo:tag`` → (server, repository)."""
    server, _, rest = image.strip().partition("/")
    repository = rest.split("@", 1)[0].rsplit(":", 1)[0] if rest else None
    return server.lower(), (repository.lower() if repository else None)


def _user_assigned(inv: Inventory, row: Raw, resource_id: str, label: str) -> Identity:
    """A user-assigned identity named by resource id: its principal id from the workload's own
    ``identity`` block, else from the ``userAssignedIdentities`` list."""
    attached = as_map(as_map(row.get("identity")).get("userAssignedIdentities"))
    for rid, value in attached.items():
        if norm(rid) == norm(resource_id) and type(as_map(value).get("principalId")) is str:
            return Identity("managedIdentity", label, str(as_map(value)["principalId"]).lower())
    identities = inv.derived.get("consumers.uami")
    if isinstance(identities, Unknown):
        return Identity("managedIdentity", label, identities)
    principal = identities.get(norm(resource_id)) if identities is not None else None
    if principal is None:
        return Identity("managedIdentity", label, Unknown(f"user-assigned identity {resource_id} was not found"))
    return Identity("managedIdentity", label, principal)


def _system(row: Raw) -> Identity:
    principal = as_map(row.get("identity")).get("principalId")
    if type(principal) is str:
        return Identity("managedIdentity", "system-assigned identity", principal.lower())
    return Identity(
        "managedIdentity", "system-assigned identity", Unknown("the workload has no system-assigned identity")
    )


def _by_username(inv: Inventory, username: str) -> Identity:
    """A username: a service principal's application id, a token name or the admin user (decided
    later, against the registry)."""
    principals = inv.principals
    if not isinstance(principals, Unknown):
        for sp in principals.values():
            if sp.app_id and sp.app_id.lower() == username.lower():
                return Identity("servicePrincipal", f"service principal {sp.display_name or username}", sp.id.lower())
    return Identity("username", f"username {username}", None, username)


def _aks(inv: Inventory, row: Raw) -> Iterator[PullEntry]:
    p = props(row)
    kubelet = as_map(as_map(p.get("identityProfile")).get("kubeletidentity"))
    object_id = kubelet.get("objectId")
    if type(object_id) is str:
        identity: Identity | Unknown = Identity("managedIdentity", "kubelet identity", object_id.lower())
    elif isinstance(object_id, Unknown):  # IaC: a kubelet identity the files name but do not declare
        identity = object_id
    else:
        client = as_map(p.get("servicePrincipalProfile")).get("clientId")
        if type(client) is str and client.lower() != "msi":
            identity = _by_username(inv, client)
            if identity.kind == "username":
                identity = Identity(
                    "servicePrincipal",
                    f"cluster service principal {client}",
                    Unknown(f"service principal with application id {client} was not collected"),
                )
        else:
            identity = Unknown("the cluster's kubelet identity is not in its identityProfile")
    yield "", identity, None, "attached"


def _named_registries(
    inv: Inventory, row: Raw, entries: list[Any], images: list[tuple[str, str | None]]
) -> Iterator[PullEntry]:
    """The registry entries of a Container App (``configuration.registries``) or a container
    group (``imageRegistryCredentials``): the same shape, ``server`` with an ``identity`` (a
    user-assigned identity id, or ``system``) or a ``username``."""
    for entry in entries:
        if isinstance(entry.get("server"), Unknown):  # IaC: an expression not resolved before deployment
            yield "", entry["server"], None, "configuration"
            continue
        server = text(entry.get("server")).lower()
        identity_id = entry.get("identity")
        if type(identity_id) is str and identity_id.lower() == "system":
            identity: Identity | Unknown = _system(row)
        elif type(identity_id) is str and identity_id:
            identity = _user_assigned(inv, row, identity_id, f"user-assigned identity {last_segment(identity_id)}")
        elif type(entry.get("username")) is str:
            identity = _by_username(inv, entry["username"])
        else:
            identity = Unknown("the registry entry names neither an identity nor a username")
        repos = sorted({repo for s, repo in images if s == server and repo})
        yield server, identity, repos[0] if len(repos) == 1 else None, "configuration"


def _container_app(inv: Inventory, row: Raw) -> Iterator[PullEntry]:
    p = props(row)
    containers = as_list(as_map(p.get("template")).get("containers"))
    images = [_image_parts(c["image"]) for c in containers if type(c.get("image")) is str]
    yield from _named_registries(inv, row, list(as_list(as_map(p.get("configuration")).get("registries"))), images)


def _container_group(inv: Inventory, row: Raw) -> Iterator[PullEntry]:
    p = props(row)
    images = [_image_parts(text(as_map(c.get("properties")).get("image"))) for c in as_list(p.get("containers"))]
    yield from _named_registries(inv, row, list(as_list(p.get("imageRegistryCredentials"))), images)


def _web_app(inv: Inventory, row: Raw) -> Iterator[PullEntry]:
    entry = inv.derived.get("consumers.arm", {}).get(norm(row["id"]))
    config = as_map(entry).get("siteConfig") if entry is not None else None
    if not isinstance(config, Mapping):
        if "container" in text(row.get("kind")).lower():
            reason = inv.coverage.missing("arm", "siteConfig", row["id"])
            if reason is None:
                reason = Unknown(f"the configuration of container site {row['id']} was not collected")
            yield "", reason, None, "configuration"
        return
    cp = props(config)
    for key in ("linuxFxVersion", "windowsFxVersion"):
        if isinstance(cp.get(key), Unknown):  # IaC: the image is not known before deployment
            yield "", cp[key], None, "configuration"
            return
    fx = text(cp.get("linuxFxVersion")) or text(cp.get("windowsFxVersion"))
    if not fx.upper().startswith("DOCKER|"):
        return
    server, repository = _image_parts(fx[len("DOCKER|") :])
    if isinstance(cp.get("acrUseManagedIdentityCreds"), Unknown):
        identity: Identity | Unknown = cp["acrUseManagedIdentityCreds"]
    elif cp.get("acrUseManagedIdentityCreds") is True:
        client = cp.get("acrUserManagedIdentityID")
        if isinstance(client, Unknown):
            identity = client
        elif type(client) is str and client:
            identity = _by_client_id(inv, row, client)
        else:
            identity = _system(row)
    else:
        identity = Unknown("the site pulls with the DOCKER_REGISTRY_SERVER_* app settings, which are not collected")
    yield server, identity, repository, "configuration"


def _by_client_id(inv: Inventory, row: Raw, client_id: str) -> Identity:
    for rid, value in as_map(as_map(row.get("identity")).get("userAssignedIdentities")).items():
        if text(as_map(value).get("clientId")).lower() == client_id.lower():
            return _user_assigned(inv, row, rid, f"user-assigned identity {last_segment(rid)}")
    return Identity(
        "managedIdentity",
        f"identity with client id {client_id}",
        Unknown(f"no identity with client id {client_id} is attached to the site"),
    )


_READERS = {"aks": _aks, "containerApp": _container_app, "containerGroup": _container_group, "webApp": _web_app}


def _uami_index(inv: Inventory, resource_graph: Mapping[str, Any] | None) -> None:
    missing = inv.coverage.missing("resourceGraph", "userAssignedIdentities")
    if missing is not None or resource_graph is None:
        inv.derived["consumers.uami"] = missing if missing is not None else Unknown("resourceGraph was not collected")
        return
    inv.derived["consumers.uami"] = {
        norm(r["id"]): str(props(r)["principalId"]).lower()
        for r in as_list(resource_graph.get("userAssignedIdentities"))
        if type(props(r).get("principalId")) is str
    }


def collect_pulls(inv: Inventory, data: Mapping[str, Any]) -> dict[str, list[Pull] | Unknown]:
    """Per consumer list: its workloads' pulls, or why the list is unknown."""
    resource_graph = data.get("resourceGraph")
    arm = data.get("arm")
    inv.derived["consumers.arm"] = {norm(k): v for k, v in arm.items()} if isinstance(arm, Mapping) else {}
    _uami_index(inv, resource_graph)
    index_networks(inv, resource_graph)
    servers = login_servers(inv)
    out: dict[str, list[Pull] | Unknown] = {}
    for name, kind in KINDS.items():
        missing = inv.coverage.missing("resourceGraph", name)
        if missing is not None:
            live = inv.coverage.live_only(name)
            out[name] = live if live is not None else missing
            continue
        pulls: list[Pull] = []
        for row in as_list(as_map(resource_graph).get(name)):
            rid = row["id"]
            network = workload_network(inv, kind, row)
            for server, identity, repository, declared in _READERS[kind](inv, row):
                pulls.append(
                    Pull(
                        rid,
                        text(row.get("name")) or last_segment(rid),
                        kind,
                        text(row.get("subscriptionId")) or subscription_of(rid),
                        text(row.get("resourceGroup")) or resource_group_of(rid),
                        server,
                        servers.get(server) if server else None,
                        identity,
                        repository,
                        declared,
                        network,
                    )
                )
        out[name] = pulls
    return out
