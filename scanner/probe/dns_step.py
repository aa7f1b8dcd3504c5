"""Step 1, DNS: resolve the login server and every data endpoint, and judge each answer.

An answer is compared with what the snapshot expects (the approved private endpoints'
addresses), and a wrong one is named by its likely cause: the ``privatelink.azurecr.io`` zone
is not linked to this VNet (the chain goes through ``privatelink`` yet ends at a public
address), the record is missing (NXDOMAIN after the ``privatelink`` CNAME), the record points
at another address, or the answer is public while public access is disabled.
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

import dns.resolver

from scanner.probe.model import StepResult, Target
from scanner.probe.resolve import Lookup, address_kind, lookup

_ZONE = "privatelink.azurecr.io"
_AZURE_DNS = "168.63.129.16"


class Judged(NamedTuple):
    status: str
    cause: str
    fix: str | None = None


def _record(name: str) -> str:
    return name.removesuffix(".azurecr.io")


def _link_fix(target: Target, vnet: str | None) -> str:
    group = target.expected.zone_resource_group or "<zone-resource-group>"
    return (
        f"az network private-dns link vnet create --resource-group {group} --zone-name {_ZONE} "
        f"--name {target.name}-runner-link --virtual-network {vnet or '<runner-vnet-id>'} --registration-enabled false"
    )


def _record_fix(target: Target, name: str, add: str, remove: str | None = None) -> str:
    group = target.expected.zone_resource_group or "<zone-resource-group>"
    base = (
        f"az network private-dns record-set a {{}} --resource-group {group} --zone-name {_ZONE} "
        f"--record-set-name {_record(name)}"
    )
    fix = base.format("add-record") + f" --ipv4-address {add}"
    return f"{base.format('remove-record')} --ipv4-address {remove} && {fix}" if remove else fix


def _public(target: Target, name: str, found: Lookup, expect_private: bool, vnet: str | None) -> Judged:
    address = found.addresses[0]
    expected = target.expected
    if expected.public_access == "disabled":
        why = (
            "the privatelink.azurecr.io zone is not linked to this VNet"
            if found.via_privatelink
            else "no privatelink CNAME"
        )
        return Judged(
            "fail",
            f"{name} resolves to the public address {address} while public access is disabled ({why}, or this "
            f"runner's DNS server does not forward {_ZONE} to Azure DNS {_AZURE_DNS}): pulls will get 403",
            _link_fix(target, vnet),
        )
    if expect_private:
        if expected.private_ips or found.via_privatelink:
            return Judged(
                "fail",
                f"{name} resolves to the public address {address}: the {_ZONE} zone is not linked to this VNet "
                f"(or the DNS server does not forward {_ZONE} to Azure DNS {_AZURE_DNS})",
                _link_fix(target, vnet),
            )
        return Judged(
            "fail",
            f"{name} resolves to the public address {address} and --expect-private was given: "
            "the registry has no private endpoint this runner's DNS knows of",
            f"az network private-endpoint create --name pe-{target.name} --connection-name {target.name} "
            f"--private-connection-resource-id <registry-id> --group-id registry --vnet-name <vnet> --subnet <subnet> "
            f"--resource-group {expected.resource_group or '<resource-group>'}",
        )
    return Judged("ok", f"{name} resolves publicly to {address}")


def judge(target: Target, name: str, found: Lookup, expect_private: bool, vnet: str | None) -> Judged:
    """The verdict for one name."""
    wanted = target.expected.private_ips.get(name, ())
    if found.error == "nxdomain":
        if found.via_privatelink:
            return Judged(
                "fail",
                f"{name} is a CNAME into {_ZONE}, but the zone answering here has no A record "
                f"{_record(name)} (NXDOMAIN): the record is missing",
                _record_fix(target, name, wanted[0] if wanted else "<private-endpoint-ip>"),
            )
        if wanted:
            return Judged(
                "fail",
                f"{name} does not exist here (NXDOMAIN), but the registry's private endpoint serves it at "
                f"{', '.join(wanted)}: the record is missing from the zone this DNS server answers from",
                _record_fix(target, name, wanted[0]),
            )
        return Judged(
            "fail",
            f"{name} does not exist (NXDOMAIN): a wrong registry name or login server",
            f"az acr show --name {target.name} --query loginServer",
        )
    if found.error in ("servfail", "timeout", "unavailable"):
        return Judged(
            "fail",
            f"{name}: {found.detail}: the DNS server (or its forwarder) is failing",
            f"az network vnet show --ids {vnet or '<runner-vnet-id>'} --query dhcpOptions.dnsServers",
        )
    if found.error == "noanswer":
        return Judged("fail", f"{name}: {found.detail}", None)
    kinds = {address_kind(a) for a in found.addresses}
    if "public" in kinds:
        return _public(target, name, found, expect_private, vnet)
    stray = [a for a in found.addresses if wanted and a not in wanted]
    if stray:
        return Judged(
            "fail",
            f"{name} resolves to {stray[0]}, but the registry's private endpoint has {', '.join(wanted)}: "
            "the record points at another IP",
            _record_fix(target, name, wanted[0], stray[0]),
        )
    if target.expected.known and not wanted and "private" in kinds:
        return Judged(
            "fail",
            f"{name} resolves to the private address {found.addresses[0]}, but the snapshot knows no private endpoint "
            "address for it: a stale record, or an endpoint outside the snapshot",
            None,
        )
    return Judged("ok", f"{name} resolves to {', '.join(found.addresses)} ({'/'.join(sorted(kinds))})")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def resolve_all(target: Target, resolver: dns.resolver.Resolver) -> list[Lookup]:
    """Every name of ``target`` resolved (an IP literal needs no lookup)."""
    names = [target.login_server, *target.data_endpoints]
    return [Lookup(n, (), (n,)) if _is_address(n) else lookup(resolver, n) for n in names]


def dns_step(target: Target, found: list[Lookup], expect_private: bool, vnet: str | None) -> StepResult:
    """The DNS verdict over every name: the worst name decides, every answer is evidence."""
    verdicts = [(f, judge(target, f.name, f, expect_private, vnet)) for f in found]
    failed = [(f, v) for f, v in verdicts if v.status == "fail"]
    evidence = {"names": [{**f.as_evidence(), "status": v.status, "cause": v.cause} for f, v in verdicts]}
    predicted, agrees = target.prediction.dns, None
    kinds = {address_kind(a) for f in found for a in f.addresses}
    if target.prediction.dns_private is True:  # every name should resolve, privately
        agrees = not any(f.error for f in found) and kinds <= {"private", "loopback"}
    elif target.prediction.dns_private is False:
        agrees = "private" not in kinds
    if failed:
        verdict = failed[0][1]
        more = f" (and {len(failed) - 1} more names)" if len(failed) > 1 else ""
        cause = verdict.cause + more
        if agrees is False:
            cause += "; the control plane predicted otherwise: drift since the snapshot, or custom DNS on this runner"
        return StepResult("dns", "fail", cause, verdict.fix, evidence, predicted, agrees, target.notes)
    cause = f"{len(found)} name{'s' if len(found) != 1 else ''} resolved" + (
        "; the control plane predicted otherwise: drift since the snapshot, or custom DNS on this runner"
        if agrees is False
        else ""
    )
    return StepResult("dns", "ok", cause, None, evidence, predicted, agrees, target.notes)
