"""What to probe: ``--registry`` names and login servers, and what a snapshot says about each.

The snapshot is read through the inventory (the same private endpoints, NIC addresses, zones
and replicas the rules ACR-027/028/051 judge), never from raw JSON again: the expected address
of every name is :func:`~scanner.inventory.subjects.private_endpoint.expected_records` of each
approved private endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.errors import InputError
from scanner.inventory.model import Inventory, Registry
from scanner.inventory.pull_network import public_access
from scanner.inventory.rows import as_list, as_map, props, text
from scanner.inventory.subjects.private_endpoint import approved_endpoints, expected_records
from scanner.inventory.subjects.registry import geo_replica_regions, region_name
from scanner.probe.model import Expected, Target
from scanner.probe.predict import predict
from scanner.unknown import Unknown

SUFFIX = ".azurecr.io"


def parse_registry(value: str) -> tuple[str, int]:
    """``NAME`` → ``name.azurecr.io``; ``LOGIN_SERVER[:PORT]`` → (host, port)."""
    text_value = value.strip().lower().removeprefix("https://").rstrip("/")
    host, _, port_text = text_value.partition(":")
    if port_text and (not port_text.isdigit() or not 0 < int(port_text) < 65536):
        raise InputError(f"--registry {value!r}: the port must be a number from 1 to 65535")
    if not host or any(c.isspace() or c in "/@?#" for c in host):
        raise InputError(f"--registry {value!r}: expected a registry name or LOGIN_SERVER[:PORT]")
    if "." not in host and host != "localhost":
        host += SUFFIX
    return host, int(port_text) if port_text else 443


def login_server(reg: Registry) -> str:
    return (text(props(reg.raw).get("loginServer")) or f"{reg.name}{SUFFIX}").lower()


def _data_endpoints(reg: Registry, private: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The data endpoint names a pull resolves, and a note when they are not known."""
    p = props(reg.raw)
    listed = [text(h).lower() for h in as_list(p.get("dataEndpointHostNames")) if text(h)]
    if listed:
        return tuple(listed), ()
    if p.get("dataEndpointEnabled") is not True and not private:
        return (), ("data endpoints are storage blob names ACR does not publish (no dedicated data endpoints)",)
    regions = geo_replica_regions(reg)
    if isinstance(regions, Unknown):
        return (), (f"the replica regions are not known ({regions.reason}): data endpoints not resolved",)
    base = reg.name.lower()
    return tuple(f"{base}.{r}.data{SUFFIX}" for r in [region_name(reg.location), *regions]), ()


def expected_of(inv: Inventory, reg: Registry) -> Expected:
    """The data-plane facts of ``reg`` from the snapshot."""
    server = login_server(reg)
    ips: dict[str, set[str]] = {}
    if not isinstance(inv.private_endpoints, Unknown):
        for key in approved_endpoints(inv, reg):
            pe = inv.private_endpoints.get(key)
            for record, ip in (expected_records(inv, reg, pe) if pe else {}).items():
                if not isinstance(ip, Unknown):
                    fqdn = server if record == reg.name.lower() else f"{record}{SUFFIX}"
                    ips.setdefault(fqdn, set()).add(ip)
    zone_rg = ""
    if not isinstance(inv.zones, Unknown):
        zone_rg = next((z.resource_group or "" for z in inv.zones.values()), "")
    access = public_access(reg)
    rules = as_map(props(reg.raw).get("networkRuleSet")).get("ipRules")
    return Expected(
        known=True,
        registry_name=reg.name,
        resource_group=reg.resource_group or "",
        public_access=access if isinstance(access, str) else "unknown",
        ip_rules=tuple(text(as_map(r).get("value")) for r in as_list(rules)),
        private_ips={name: tuple(sorted(v)) for name, v in sorted(ips.items())},
        zone_resource_group=zone_rg,
        anonymous_pull=props(reg.raw).get("anonymousPullEnabled") is True,
    )


def _target(inv: Inventory, reg: Registry, port: int, vnet: str | None) -> Target:
    expected = expected_of(inv, reg)
    data, notes = _data_endpoints(reg, bool(approved_endpoints(inv, reg)))
    return Target(login_server(reg), port, data, expected, predict(inv, reg, expected, vnet), notes)


def targets(requested: Sequence[str], inv: Inventory | None, vnet: str | None = None) -> list[Target]:
    """One target per ``--registry`` (every registry of the snapshot when none is named)."""
    if inv is None:
        if not requested:
            raise InputError("name a registry (--registry NAME|LOGIN_SERVER[:PORT]) or give a --snapshot")
        alone = ("no snapshot: nothing to compare with",)
        return _unique([Target(host, port, notes=alone) for host, port in map(parse_registry, requested)])
    by_host = {login_server(reg): reg for reg in inv.registries.values()}
    if not requested:
        return [_target(inv, reg, 443, vnet) for reg in by_host.values()]
    found = []
    for value in requested:
        host, port = parse_registry(value)
        name = host.removesuffix(SUFFIX)
        reg = by_host.get(host) or next((r for r in inv.registries.values() if r.name.lower() == name), None)
        if reg is None:
            found.append(Target(host, port, notes=("not in the snapshot: nothing to compare with",)))
        else:
            found.append(_target(inv, reg, port, vnet))
    return _unique(found)


def _unique(found: list[Target]) -> list[Target]:
    """Each host and port once, in the order named."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for target in found:
        if (target.login_server, target.port) not in seen:
            seen.add((target.login_server, target.port))
            kept.append(target)
    return kept
