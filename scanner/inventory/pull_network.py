"""The network side of one workload pulling from one registry: the ``network`` and
``armAudienceTokens`` fields of the ``pull_path`` document (ACR-051, ACR-052, ACR-053).

A pull goes one of two ways, decided by DNS in the workload's VNet:

- **privately**, when the VNet is linked to a ``privatelink.azurecr.io`` zone and the registry
  has an approved private endpoint (its public names then CNAME into that zone): every name the
  pull resolves (the login server and one data endpoint per region, as ACR-028 checks them)
  must have an A record there pointing at an endpoint in the VNet or in a VNet peered with it
  (peering Connected). A missing record is NXDOMAIN; a record pointing at an endpoint the VNet
  cannot reach is a connection timeout.
- **publicly** otherwise, from the workload's egress addresses, which the registry's public
  endpoint admits when public access is enabled and its firewall allows them (``ipRules``).

Custom DNS servers on the VNet, a VNet or endpoint outside the collected scope, and egress
Azure does not expose make the answer :class:`Unknown`, never a pass. The registry's
trusted-services bypass lets a container group pulling with a user-assigned identity through
(Microsoft lists Container Instances with a managed identity as a trusted service, and App
Service as excluded: learn.microsoft.com/azure/container-registry/allow-access-trusted-services).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from scanner.azure.ids import last_segment, norm
from scanner.inventory.consumers import Pull
from scanner.inventory.model import Inventory, PrivateEndpoint, Registry
from scanner.inventory.rows import as_list, as_map, props, text
from scanner.inventory.subjects.private_endpoint import approved_endpoints, expected_records
from scanner.inventory.subjects.registry import geo_replica_regions
from scanner.inventory.workload_network import VNETS, Vnet
from scanner.unknown import Unknown

Verdict = bool | Unknown
_MAX_PROBLEMS = 3  # (a reason names the first hops that fail; the rest are counted)


class _Path(NamedTuple):
    """What DNS and routing in one VNet make of the registry's names."""

    resolves_privately: Verdict
    reachable: Verdict
    reason: str
    endpoints: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # the hops that fail, each with what the pull will hit


def _unknown(why: Unknown) -> _Path:
    return _Path(why, why, why.reason)


def _all(values: Iterable[Verdict]) -> Verdict:
    """Three-valued AND."""
    values = list(values)
    if any(v is False for v in values):
        return False
    return next((v for v in values if isinstance(v, Unknown)), True)


def _any(values: Iterable[Verdict]) -> Verdict:
    """Three-valued OR."""
    values = list(values)
    if any(v is True for v in values):
        return True
    return next((v for v in values if isinstance(v, Unknown)), False)


def _failed(problems: list[str], resolves_privately: Verdict = True) -> _Path:
    """A path that does not hold: its reason names the first hops that fail and counts the rest."""
    more = len(problems) - _MAX_PROBLEMS
    reason = "; ".join(problems[:_MAX_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")
    return _Path(resolves_privately, False, reason, (), tuple(problems))


# ----------------------------------------------------------------------------- public endpoint


def _access(reg: Registry) -> str | Unknown:
    """``disabled``, ``firewalled`` (public, default action Deny) or ``open`` (public, Allow)."""
    p = props(reg.raw)
    public = p.get("publicNetworkAccess")
    default = as_map(p.get("networkRuleSet")).get("defaultAction")
    for value in (public, default):
        if isinstance(value, Unknown):
            return value
    public, default = public or "Enabled", default or "Allow"  # (absent or null: the API's defaults)
    if text(public).lower() == "disabled":
        return "disabled"
    if text(public).lower() != "enabled":
        return Unknown(f"publicNetworkAccess {public!r} is not a documented value")
    if text(default).lower() in ("allow", "deny"):
        return "firewalled" if text(default).lower() == "deny" else "open"
    return Unknown(f"networkRuleSet.defaultAction {default!r} is not a documented value")


def _admits(reg: Registry, access: str | Unknown, egress: tuple[str, ...] | Unknown) -> tuple[Verdict, list[str]]:
    """Whether the public endpoint admits every egress address, and the addresses it refuses."""
    if isinstance(access, Unknown) or access == "open":
        return access if isinstance(access, Unknown) else True, []
    if isinstance(egress, Unknown):
        return (False, []) if access == "disabled" else (egress, [])
    if access == "disabled":
        return False, list(egress)
    rules = as_map(props(reg.raw).get("networkRuleSet")).get("ipRules")
    if isinstance(rules, Unknown):
        return rules, []
    ranges, unreadable = [], []
    for rule in as_list(rules):
        value = as_map(rule).get("value")
        try:
            ranges.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            unreadable.append(repr(value))
    refused = []
    for address in egress:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return Unknown(f"egress {address!r} is not an IP address"), []
        if not any(ip in network for network in ranges):  # (an IPv4 address is in no IPv6 range)
            refused.append(address)
    if refused and unreadable:
        return Unknown(f"IP rules {', '.join(unreadable)} are not addresses or ranges"), refused
    return not refused, refused


# ----------------------------------------------------------------------------- private path


def _endpoints(inv: Inventory, reg: Registry) -> tuple[list[PrivateEndpoint] | Unknown, list[str]]:
    """The registry's approved endpoints, and the ids of those outside the collected scope."""
    if isinstance(inv.private_endpoints, Unknown):
        return inv.private_endpoints, []
    found, outside = [], []
    for key, pe_id in sorted(approved_endpoints(inv, reg).items()):
        pe = inv.private_endpoints.get(key)
        if pe is None or pe.vnet_key is None:  # (no row, or a row without its subnet: its VNet is not known)
            outside.append(pe_id)
        else:
            found.append(pe)
    return found, outside


def _where(vnet: Vnet, pe: PrivateEndpoint) -> str:
    """Why ``pe`` is out of reach from ``vnet``."""
    home = last_segment(pe.vnet_id) if pe.vnet_id else "an unknown VNet"
    peering = next((p for p in vnet.peerings if p.remote_key == pe.vnet_key), None)
    if peering is None:
        return f"{pe.name} is in {home}, which {vnet.name} is not peered with"
    if not peering.allows_access:
        return f"{pe.name} is in {home}, and peering {peering.name} does not allow access to it"
    return f"{pe.name} is in {home}, and peering {peering.name} with it is {peering.state}, not Connected"


def _linked_zone(inv: Inventory, vnet: Vnet) -> tuple[str | Unknown | None, str]:
    """The privatelink.azurecr.io zone linked (state Completed) to ``vnet``, or why there is none."""
    if isinstance(inv.zones, Unknown):
        return inv.zones, ""
    if isinstance(inv.links_by_vnet, Unknown):
        return inv.links_by_vnet, ""
    links = sorted(inv.links_by_vnet.get(norm(vnet.id), ()), key=lambda link: link.zone_key)
    done = [link for link in links if link.state.lower() == "completed"]
    if done:
        return done[0].zone_key, ""
    return None, "".join(f" (link {link.name} is {link.state})" for link in links[:1])


def _names(reg: Registry) -> list[str] | Unknown:
    """The record names a pull resolves: the login server, then one data endpoint per region."""
    regions = geo_replica_regions(reg)
    if isinstance(regions, Unknown):
        return regions
    base = reg.name.lower()
    return [base, *(f"{base}.{region}.data" for region in [reg.location.lower(), *regions])]


def _records(
    inv: Inventory, reg: Registry, vnet: Vnet, zone_key: str, near: list[PrivateEndpoint], every: list[PrivateEndpoint]
) -> _Path:
    """Check each name's A record in the zone linked to ``vnet`` against the reachable endpoints."""
    names = _names(reg)
    if isinstance(names, Unknown):
        return _unknown(names)
    if isinstance(inv.records_by_zone, Unknown):
        return _unknown(inv.records_by_zone)
    wanted: dict[str, set[str]] = {}
    doubt: dict[str, Unknown] = {}
    owner: dict[str, PrivateEndpoint] = {}
    for pe in every:
        for name, ip in expected_records(inv, reg, pe).items():
            if isinstance(ip, Unknown):
                if pe in near:
                    doubt.setdefault(name, ip)
                continue
            owner[ip] = pe
            if pe in near:
                wanted.setdefault(name, set()).add(ip)
    zone = inv.records_by_zone.get(zone_key, {})
    problems: list[str] = []
    unsure: list[Unknown] = []
    used: set[str] = set()
    for name in names:
        fqdn = f"{name}.azurecr.io"
        record = zone.get(name)
        stray = [ip for ip in record.ips if ip not in wanted.get(name, ())] if record is not None else []
        if record is None or not record.ips:
            problems.append(
                f"the zone linked to {vnet.name} has no A record {name}: {fqdn} does not resolve (NXDOMAIN)"
            )
        elif not stray:
            used.update(owner[ip].name for ip in record.ips)
        elif name in doubt:
            unsure.append(doubt[name])
        elif stray[0] in owner and owner[stray[0]] not in near:
            pe = owner[stray[0]]
            problems.append(
                f"{fqdn} resolves to {stray[0]} ({pe.name}), out of reach from {vnet.name}: connections time out"
            )
        else:
            problems.append(f"{fqdn} resolves to {stray[0]}, not an endpoint address for it in reach of {vnet.name}")
    if problems:
        return _failed(problems)
    if unsure:
        return _Path(True, unsure[0], unsure[0].reason)
    zone_group = inv.zones[zone_key].resource_group if not isinstance(inv.zones, Unknown) else "?"
    return _Path(
        True,
        True,
        f"from {vnet.name}, {len(names)} names resolve through the privatelink.azurecr.io zone in "
        f"{zone_group} to {', '.join(sorted(used))}",
        tuple(sorted(used)),
    )


def _through(inv: Inventory, reg: Registry, vnet_id: str) -> _Path:
    """Whether a pull starting in ``vnet_id`` resolves the registry privately and reaches it."""
    vnets = inv.derived.get(VNETS, Unknown("resourceGraph.virtualNetworks was not collected"))
    if isinstance(vnets, Unknown):
        return _unknown(vnets)
    vnet: Vnet | None = vnets.get(norm(vnet_id))
    if vnet is None:
        return _unknown(Unknown(f"virtual network {vnet_id} was not collected"))
    every, outside = _endpoints(inv, reg)
    if isinstance(every, Unknown):
        return _unknown(every)
    if not every and not outside:
        # No approved endpoint, so no privatelink CNAME either: the names resolve publicly.
        return _Path(False, False, f"{reg.name} has no approved private endpoint, so {vnet.name} resolves it publicly")
    near = [
        pe
        for pe in every
        if pe.vnet_key == norm(vnet.id) or any(p.usable and p.remote_key == pe.vnet_key for p in vnet.peerings)
    ]
    problems = []
    if not near:
        if outside:
            return _unknown(Unknown(f"private endpoints {', '.join(outside)} are outside the collected scope"))
        where = "; ".join(_where(vnet, pe) for pe in every)
        problems.append(
            f"no approved private endpoint of {reg.name} is in {vnet.name} or a VNet peered with it ({where})"
        )
    if vnet.dns_servers:
        dns = Unknown(
            f"{vnet.name} resolves names through its own DNS servers ({', '.join(vnet.dns_servers)}): whether "
            "they forward privatelink.azurecr.io to Azure DNS is not collected"
        )
        return _failed(problems, dns) if problems else _unknown(dns)
    zone_key, note = _linked_zone(inv, vnet)
    if isinstance(zone_key, Unknown):
        return _failed(problems, zone_key) if problems else _unknown(zone_key)
    if zone_key is None:
        problems.append(
            f"no privatelink.azurecr.io zone is linked to {vnet.name}{note}, so {reg.name}.azurecr.io resolves "
            "to the public endpoint"
        )
        return _failed(problems, False)
    path = _records(inv, reg, vnet, zone_key, near, every)
    if problems:
        return _failed(problems + list(path.problems))
    return path


def _trusted(pull: Pull, reg: Registry) -> Verdict:
    """Whether the registry's trusted-services bypass lets this workload through its network rules."""
    if pull.consumer_kind != "containerGroup":
        return False  # App Service is excluded by name; AKS and Container Apps are not trusted services
    bypass = props(reg.raw).get("networkRuleBypassOptions")
    if isinstance(bypass, Unknown):
        return bypass
    bypass = bypass or "AzureServices"  # (absent or null: the API's default)
    if text(bypass).lower() == "none":
        return False
    if text(bypass).lower() != "azureservices":
        return Unknown(f"networkRuleBypassOptions {bypass!r} is not a documented value")
    identity = pull.identity
    if isinstance(identity, Unknown):
        return identity
    if identity.kind != "managedIdentity":
        return False  # the bypass authenticates the service instance by its managed identity
    if identity.label.startswith("user-assigned identity"):
        return True
    # Container Instances documents image pulls with a user-assigned identity only.
    return Unknown("container groups pull with a user-assigned identity; a system-assigned one is not documented")


def _from_vnets(inv: Inventory, reg: Registry, vnets: tuple[str, ...] | Unknown) -> tuple[_Path, list[_Path]]:
    """The pull's path from all its VNets (each must reach the registry), and the path from each."""
    if isinstance(vnets, Unknown):
        return _unknown(vnets), []
    if not vnets:
        return _Path(False, False, "it runs outside any virtual network, so it reaches only the public endpoint"), []
    paths = [_through(inv, reg, vnet) for vnet in vnets]
    reachable = _all(p.reachable for p in paths)
    reason = "; ".join(p.reason for p in paths if p.reachable is reachable or reachable is True)
    if isinstance(reachable, Unknown):
        reason = reachable.reason
    return _Path(_any(p.resolves_privately for p in paths), reachable, reason), paths


def _private(inv: Inventory, pull: Pull, reg: Registry) -> dict[str, Any]:
    vnets = pull.network.vnets
    trusted = _trusted(pull, reg)
    path, paths = _from_vnets(inv, reg, vnets)
    reachable: Verdict = path.reachable
    reason = path.reason
    via = "privateEndpoint" if reachable is True else None
    if reachable is not True and trusted is True and vnets == ():
        reachable, via = True, "trustedServices"
        reason = "the registry lets trusted services through its network rules (networkRuleBypassOptions AzureServices)"
    elif reachable is not True and trusted is not False:
        why = (
            trusted
            if isinstance(trusted, Unknown)
            else Unknown(
                "the registry's trusted-services bypass may let the container group through: Microsoft does not say "
                "whether one in a VNet pulls through it or through the VNet"
            )
        )
        reachable, reason = why, why.reason
    return {
        "vnets": list(vnets) if not isinstance(vnets, Unknown) else vnets,
        "resolvesPrivately": path.resolves_privately,
        "reachable": reachable,
        "via": via,
        "endpoints": sorted({name for p in paths for name in p.endpoints}),
        "trustedServices": trusted,
        "reason": reason,
    }


def _arm_audience(reg: Registry) -> Any:
    """The registry's azureADAuthenticationAsArmPolicy status (absent: ``enabled``, as Azure Policy reads it)."""
    value: Any = props(reg.raw).get("policies")
    for key in ("azureADAuthenticationAsArmPolicy", "status"):
        if isinstance(value, Unknown):
            return value
        value = as_map(value).get(key)
    return "enabled" if value is None else value


def pull_network_fields(inv: Inventory, pull: Pull, reg: Registry) -> Mapping[str, Any]:
    """The ``network`` and ``armAudienceTokens`` fields of one pull's document."""
    access = _access(reg)
    egress = pull.network.egress
    admits, refused = _admits(reg, access, egress)
    return {
        "network": {
            "public": {
                "access": access,
                "egress": list(egress) if not isinstance(egress, Unknown) else egress,
                "admitsWorkload": admits,
                "notAdmitted": refused,
            },
            "private": _private(inv, pull, reg),
        },
        "armAudienceTokens": _arm_audience(reg),
    }


def public_access(reg: Registry) -> str | Unknown:
    """The registry's public endpoint: ``disabled``, ``firewalled`` or ``open`` (for ``acr-scan probe``)."""
    return _access(reg)


def private_path_from(inv: Inventory, reg: Registry, vnet_id: str) -> tuple[Verdict, Verdict, str]:
    """From ``vnet_id``: whether the names resolve privately, whether the endpoint is reachable, and why
    (what ACR-051 predicts for a workload in that VNet; ``acr-scan probe --vnet`` shows it)."""
    path = _through(inv, reg, vnet_id)
    return path.resolves_privately, path.reachable, path.reason
