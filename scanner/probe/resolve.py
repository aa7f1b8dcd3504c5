"""Name resolution with dnspython: an explicit resolver, an explicit timeout, every record seen.

``--dns-server HOST[:PORT]`` (or ``ACR_SCAN_DNS_SERVER``) sends every lookup to that resolver;
otherwise the nameservers of ``/etc/resolv.conf`` are asked (the system resolver's servers;
``/etc/hosts`` is not read, since a registry name pinned there hides what DNS answers). The
answer section is kept whole, so the CNAME chain through ``privatelink.azurecr.io`` is evidence.
"""

from __future__ import annotations

import ipaddress
import socket

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver
import msgspec

from scanner.errors import InputError

MAX_RECORDS = 64  # a hostile resolver's answer is cut here
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


class Lookup(msgspec.Struct, frozen=True, gc=False):
    """One A lookup: every answer record, the addresses at the end of the chain, or the error."""

    name: str
    records: tuple[tuple[str, str, str], ...] = ()  # (owner name, type, value)
    addresses: tuple[str, ...] = ()
    error: str | None = None  # nxdomain | servfail | timeout | noanswer | unavailable
    detail: str = ""

    @property
    def via_privatelink(self) -> bool:
        """Whether the chain passes through a ``privatelink.azurecr.io`` name."""
        return any(
            ".privatelink." in f".{owner}." or ".privatelink." in f".{value}." for owner, _, value in self.records
        )

    def as_evidence(self) -> dict[str, object]:
        answers = [{"name": n, "type": t, "value": v} for n, t, v in self.records]
        found: dict[str, object] = {"name": self.name, "answers": answers, "addresses": list(self.addresses)}
        found["kinds"] = {a: address_kind(a) for a in self.addresses}
        if self.error:
            found["error"] = self.error
        return found


def address_kind(address: str) -> str:
    """``private`` (RFC 1918, RFC 6598 shared space, IPv6 ULA), ``public``, ``loopback`` or ``other``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "other"
    if any(ip in net for net in _PRIVATE if net.version == ip.version):
        return "private"
    if ip.is_loopback:
        return "loopback"
    return "public" if ip.is_global else "other"


def parse_server(value: str) -> tuple[str, int]:
    """``HOST[:PORT]`` or ``[V6]:PORT`` → (address, port); a host name is resolved once, here."""
    host, port = value.strip(), 53
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else port
    elif host.count(":") == 1:
        host, _, text = host.partition(":")
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise InputError(f"--dns-server {value!r}: the port must be a number from 1 to 65535")
        port = int(text)
    try:
        ipaddress.ip_address(host)
        return host, port
    except ValueError:
        pass
    try:
        return str(socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][4][0]), port
    except (OSError, IndexError):
        raise InputError(f"--dns-server {value!r}: {host!r} is not an address and does not resolve") from None


def make_resolver(server: str | None, timeout: float) -> dns.resolver.Resolver:
    """A resolver asking ``server`` (``HOST[:PORT]``), else the servers of /etc/resolv.conf."""
    if server:
        address, port = parse_server(server)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address]
        resolver.port = port
    else:
        try:
            resolver = dns.resolver.Resolver()
        except (dns.resolver.NoResolverConfiguration, OSError) as exc:
            raise InputError(f"no DNS resolver configured ({exc}); name one with --dns-server") from None
    resolver.timeout = resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def _records(response: dns.message.Message | None) -> tuple[tuple[str, str, str], ...]:
    if response is None:
        return ()
    found: list[tuple[str, str, str]] = []
    for rrset in response.answer:
        for rdata in rrset:
            if len(found) >= MAX_RECORDS:
                return tuple(found)
            kind = dns.rdatatype.to_text(rrset.rdtype)
            value = rdata.to_text().rstrip(".") if kind == "CNAME" else rdata.to_text()
            found.append((rrset.name.to_text(omit_final_dot=True).lower(), kind, value.lower()))
    return tuple(found)


def lookup(resolver: dns.resolver.Resolver, name: str) -> Lookup:
    """Resolve ``name`` (A records), following CNAMEs; every outcome is a :class:`Lookup`."""
    where = f"{resolver.nameservers[0]}:{resolver.port}" if resolver.nameservers else "the resolver"
    try:
        answer = resolver.resolve(name, "A", search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN as exc:
        responses = exc.responses()  # type: ignore[no-untyped-call]
        response = next(iter(responses.values()), None)
        return Lookup(name, _records(response), (), "nxdomain", f"{where} answered NXDOMAIN")
    except dns.resolver.NoNameservers as exc:
        return Lookup(name, (), (), "servfail", f"{where} failed to answer (SERVFAIL or refused): {_first(exc)}")
    except dns.exception.Timeout:
        return Lookup(name, (), (), "timeout", f"no answer from {where} within --timeout")
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        return Lookup(name, (), (), "unavailable", f"the lookup through {where} failed: {type(exc).__name__}: {exc}")
    records = _records(answer.response)
    addresses = tuple(v for _, kind, v in records if kind == "A")
    if not addresses:
        return Lookup(name, records, (), "noanswer", f"{where} answered with no A record")
    return Lookup(name, records, addresses)


def _first(exc: dns.resolver.NoNameservers) -> str:
    errors = exc.kwargs.get("errors") or []
    return str(errors[0][-1])[:200] if errors else "no usable answer"
