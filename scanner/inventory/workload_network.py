"""Where a workload's image pulls leave from: the virtual networks they start in, and the public
addresses they leave Azure from when they go to a registry's public endpoint.

Read once per workload row while the consumers are collected (:mod:`.consumers`), from the rows
docs/snapshot-format.md lists under "The registries' consumers". The virtual networks and
public IPs are indexed here too (in ``inv.derived``), because the snapshot's sections are not
kept after the inventory is built and :mod:`.pull_network` needs the peerings and DNS servers.

Anything a row does not say is an :class:`Unknown` with the reason, never a guess: an egress
address that is not known must not pass a firewall check, and a VNet that is not known must not
fail a private-path check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from scanner.azure.ids import last_segment, norm, parent_vnet, resource_group_of, subscription_of
from scanner.inventory.model import Inventory, Raw
from scanner.inventory.rows import Section, as_list, as_map, props, rows, text
from scanner.unknown import Unknown

VNETS = "network.vnets"  # inv.derived key: VNet key → Vnet, or why the list is unknown
_PUBLIC_IPS = "network.publicIps"  # public IP key → its address
_ENVIRONMENTS = "network.environments"  # managed environment key → its row
_NODE_VNETS = "network.vnetsByGroup"  # (subscription, lower-cased resource group) → VNet ids


class Peering(msgspec.Struct, frozen=True, gc=False):
    """One ``virtualNetworkPeerings[]`` entry of a VNet."""

    name: str
    remote_key: str
    state: str  # peeringState: Connected, Initiated, Disconnected
    allows_access: bool  # allowVirtualNetworkAccess (false: the peering carries no traffic to the remote VNet)

    @property
    def usable(self) -> bool:
        return self.state.lower() == "connected" and self.allows_access


class Vnet(msgspec.Struct, frozen=True, gc=False):
    """A ``virtualNetworks`` row: what decides whether a private endpoint is reachable from it."""

    id: str
    name: str
    dns_servers: tuple[str, ...]  # dhcpOptions.dnsServers: non-empty means custom DNS, not Azure DNS
    peerings: tuple[Peering, ...]


class WorkloadNetwork(msgspec.Struct, frozen=True, gc=False):
    """Where one workload's image pulls start from."""

    vnets: tuple[str, ...] | Unknown  # VNet ids its pulls start in; () when it runs outside any VNet
    egress: tuple[str, ...] | Unknown  # the public addresses its pulls to a public endpoint come from


def _vnet(row: Raw) -> Vnet:
    p = props(row)
    peerings = []
    for entry in as_list(p.get("virtualNetworkPeerings")):
        peer = props(entry)
        remote = as_map(peer.get("remoteVirtualNetwork")).get("id")
        if type(remote) is str and remote:
            peerings.append(
                Peering(
                    text(as_map(entry).get("name")) or "?",
                    norm(remote),
                    text(peer.get("peeringState")) or "Unknown",
                    peer.get("allowVirtualNetworkAccess") is not False,  # (the API's default is true)
                )
            )
    servers = as_list(as_map(p.get("dhcpOptions")).get("dnsServers"))
    return Vnet(
        row["id"],
        text(row.get("name")) or last_segment(row["id"]),
        tuple(s for s in servers if type(s) is str and s),
        tuple(peerings),
    )


def _index(inv: Inventory, resource_graph: Section, name: str) -> list[Raw] | Unknown:
    missing = inv.coverage.missing("resourceGraph", name)
    return missing if missing is not None else rows(resource_graph, name)


def index_networks(inv: Inventory, resource_graph: Section) -> None:
    """Index the VNets, public IPs and Container Apps environments (before the workloads are read)."""
    vnet_rows = _index(inv, resource_graph, "virtualNetworks")
    if isinstance(vnet_rows, Unknown):
        inv.derived[VNETS] = inv.derived[_NODE_VNETS] = vnet_rows
    else:
        inv.derived[VNETS] = {norm(r["id"]): _vnet(r) for r in vnet_rows}
        groups: dict[tuple[str, str], list[str]] = {}
        for r in vnet_rows:
            group = (subscription_of(r["id"]) or "", (resource_group_of(r["id"]) or "").lower())
            groups.setdefault(group, []).append(r["id"])
        inv.derived[_NODE_VNETS] = groups
    ips = _index(inv, resource_graph, "publicIpAddresses")
    inv.derived[_PUBLIC_IPS] = (
        ips
        if isinstance(ips, Unknown)
        else {norm(r["id"]): props(r)["ipAddress"] for r in ips if type(props(r).get("ipAddress")) is str}
    )
    envs = _index(inv, resource_graph, "managedEnvironments")
    inv.derived[_ENVIRONMENTS] = envs if isinstance(envs, Unknown) else {norm(r["id"]): r for r in envs}


def _vnets_of(subnets: Iterable[Any]) -> tuple[str, ...]:
    """The VNet ids of subnet ids (each once, in first-seen order)."""
    found: dict[str, str] = {}
    for subnet in subnets:
        vnet = parent_vnet(subnet) if type(subnet) is str and subnet else None
        if vnet:
            found.setdefault(norm(vnet), vnet)
    return tuple(found.values())


def _addresses(inv: Inventory, refs: list[Any], what: str) -> tuple[str, ...] | Unknown:
    """The addresses of public IP resources named by ``[{id}]`` references."""
    index = inv.derived[_PUBLIC_IPS]
    if isinstance(index, Unknown):
        return index
    ids = [as_map(ref).get("id") for ref in refs]
    if not ids:
        return Unknown(f"the cluster reports no {what}")
    out = []
    for rid in ids:
        address = index.get(norm(rid)) if type(rid) is str else None
        if address is None:
            return Unknown(f"public IP {rid} of the cluster's {what} was not collected")
        out.append(address)
    return tuple(out)


def _managed_vnet(inv: Inventory, row: Raw, p: Mapping[str, Any]) -> tuple[str, ...] | Unknown:
    """A cluster whose pools name no subnet runs in the VNet AKS created in its node resource group."""
    groups = inv.derived[_NODE_VNETS]
    if isinstance(groups, Unknown):
        return groups
    node_group = text(p.get("nodeResourceGroup")).lower()
    found = groups.get((subscription_of(row["id"]) or "", node_group), []) if node_group else []
    if len(found) == 1:
        return (found[0],)
    return Unknown(f"the cluster's agent pools name no subnet, and its node resource group holds {len(found)} VNets")


def _aks(inv: Inventory, row: Raw) -> WorkloadNetwork:
    p = props(row)
    pools = [as_map(pool) for pool in as_list(p.get("agentPoolProfiles"))]
    vnets: tuple[str, ...] | Unknown = _vnets_of(pool.get("vnetSubnetID") for pool in pools) or _managed_vnet(
        inv, row, p
    )
    profile = as_map(p.get("networkProfile"))
    outbound = text(profile.get("outboundType")) or "loadBalancer"  # (the API's default)
    egress: tuple[str, ...] | Unknown
    if any(pool.get("enableNodePublicIP") is True for pool in pools):
        egress = Unknown("nodes with instance-level public IPs pull from those addresses, which are not collected")
    elif outbound.lower() == "loadbalancer":
        lb = as_map(profile.get("loadBalancerProfile"))
        egress = _addresses(inv, list(as_list(lb.get("effectiveOutboundIPs"))), "load balancer outbound IPs")
    elif outbound.lower() == "managednatgateway":
        nat = as_map(profile.get("natGatewayProfile"))
        egress = _addresses(inv, list(as_list(nat.get("effectiveOutboundIPs"))), "NAT gateway outbound IPs")
    else:  # userDefinedRouting, userAssignedNATGateway, none, block: a device of the VNet decides
        egress = Unknown(f"outbound type {outbound}: pulls leave through the VNet's own gateway, not evaluated")
    return WorkloadNetwork(vnets, egress)


def _container_app(inv: Inventory, row: Raw) -> WorkloadNetwork:
    p = props(row)
    envs = inv.derived[_ENVIRONMENTS]
    env_id = p.get("managedEnvironmentId")
    if isinstance(envs, Unknown):
        return WorkloadNetwork(envs, envs)
    env = envs.get(norm(env_id)) if type(env_id) is str else None
    if env is None:
        why = Unknown(f"the app's environment {env_id} was not collected")
        return WorkloadNetwork(why, why)
    subnet = as_map(props(env).get("vnetConfiguration")).get("infrastructureSubnetId")
    if type(subnet) is str and subnet:
        # Egress from a VNet environment follows its subnet's NAT gateway or routes: not evaluated.
        why = Unknown(f"the app runs in environment {last_segment(env['id'])}'s VNet, whose egress is not evaluated")
        return WorkloadNetwork(_vnets_of([subnet]), why)
    listed = tuple(a for a in as_list(p.get("outboundIpAddresses")) if type(a) is str and a)
    return WorkloadNetwork((), listed or Unknown("the app lists no outbound IP addresses"))


def _split(value: Any) -> tuple[str, ...]:
    return tuple(a.strip() for a in text(value).split(",") if a.strip())


def _web_app(inv: Inventory, row: Raw) -> WorkloadNetwork:
    p = props(row)
    if text(as_map(p.get("hostingEnvironmentProfile")).get("id")):
        why = Unknown("the site runs in an App Service Environment, whose network is not evaluated")
        return WorkloadNetwork(why, why)
    subnet = p.get("virtualNetworkSubnetId")
    if not (type(subnet) is str and subnet):
        # Any of the possible outbound addresses may carry a pull: all of them must be admitted.
        listed = _split(p.get("possibleOutboundIpAddresses")) or _split(p.get("outboundIpAddresses"))
        return WorkloadNetwork((), listed or Unknown("the site lists no outbound IP addresses"))
    routing = as_map(p.get("outboundVnetRouting"))
    flags = (routing.get("imagePullTraffic"), routing.get("allTraffic"), p.get("vnetImagePullEnabled"))
    if any(flag is True for flag in flags):  # (outboundVnetRouting replaces vnetImagePullEnabled)
        why = Unknown("image pulls go through the site's VNet integration, whose egress is not evaluated")
        return WorkloadNetwork(_vnets_of([subnet]), why)
    # The app setting WEBSITE_PULL_IMAGE_OVER_VNET routes pulls through the VNet too, and app
    # settings are not collected: the path is not known either way.
    why = Unknown(
        "image pulls use the site's VNet integration only if the app setting WEBSITE_PULL_IMAGE_OVER_VNET "
        "says so, and app settings are not collected"
    )
    return WorkloadNetwork(why, why)


def _container_group(inv: Inventory, row: Raw) -> WorkloadNetwork:
    subnets = [as_map(s).get("id") for s in as_list(props(row).get("subnetIds"))]
    # Microsoft: "a container group uses a different IP address for outbound traffic. This egress
    # IP address isn't exposed programmatically" (container-instances-egress-ip-address).
    why = Unknown("a container group's egress address is not exposed by Azure")
    return WorkloadNetwork(_vnets_of(subnets), why)


_READERS = {"aks": _aks, "containerApp": _container_app, "webApp": _web_app, "containerGroup": _container_group}


def workload_network(inv: Inventory, kind: str, row: Raw) -> WorkloadNetwork:
    """Where the pulls of the workload in ``row`` (a row of the list of ``kind``) start from."""
    return _READERS[kind](inv, row)
