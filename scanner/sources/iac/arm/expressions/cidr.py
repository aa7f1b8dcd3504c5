"""CIDR functions: ``parseCidr``, ``cidrSubnet``, ``cidrHost`` (IPv4 and IPv6, as ARM computes them).

An IPv4 range reserves its network and broadcast addresses: usable hosts start one after the
network; an IPv6 range has no broadcast and its first usable address is the network itself,
yet ``cidrHost`` counts hosts from one after it in both. Out-of-range arguments are refused as
ARM refuses them (the value is unknown here, see :func:`~.values.fail`).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from scanner.sources.iac.arm.expressions.context import Context, Family, Function
from scanner.sources.iac.arm.expressions.values import require_str, whole_number

family = Family()
FUNCTIONS: dict[str, Function] = family.functions

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(value: Any) -> _Network:
    text = require_str(value, "a CIDR function")
    if "/" not in text:
        raise ValueError(f"{text!r} is not in CIDR notation")
    return ipaddress.ip_network(text, strict=False)


@family.strict("parseCidr", arity=(1, 1))
def _parse_cidr(args: list[Any], env: Context, text: str) -> Any:
    net = _network(args[0])
    out: dict[str, Any] = {"network": str(net.network_address), "netmask": str(net.netmask)}
    if net.version == 4:
        out["broadcast"] = str(net.broadcast_address)
        small = net.prefixlen >= 31
        out["firstUsable"] = str(net.network_address if small else net.network_address + 1)
        out["lastUsable"] = str(net.broadcast_address if small else net.broadcast_address - 1)
    else:
        out["firstUsable"] = str(net.network_address)
        out["lastUsable"] = str(net.broadcast_address)
    out["cidr"] = net.prefixlen
    return out


@family.strict("cidrSubnet", arity=(3, 3))
def _cidr_subnet(args: list[Any], env: Context, text: str) -> Any:
    net = _network(args[0])
    prefix, index = whole_number(args[1], "cidrSubnet()"), whole_number(args[2], "cidrSubnet()")
    if not net.prefixlen <= prefix <= net.max_prefixlen:
        raise ValueError(f"the new prefix /{prefix} is not between /{net.prefixlen} and /{net.max_prefixlen}")
    if not 0 <= index < 2 ** (prefix - net.prefixlen):
        raise ValueError(f"subnet index {index} is outside the {2 ** (prefix - net.prefixlen)} subnets")
    size = 2 ** (net.max_prefixlen - prefix)
    start = net.network_address + index * size
    return f"{start}/{prefix}"


@family.strict("cidrHost", arity=(2, 2))
def _cidr_host(args: list[Any], env: Context, text: str) -> Any:
    net = _network(args[0])
    index = whole_number(args[1], "cidrHost()")
    usable = net.num_addresses - (2 if net.version == 4 and net.prefixlen < 31 else 1)
    if not 0 <= index < max(usable, 1):
        raise ValueError(f"host index {index} is outside the {usable} usable addresses of {net}")
    return str(net.network_address + 1 + index)
