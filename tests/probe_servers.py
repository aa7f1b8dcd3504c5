"""Local servers the probe tests talk to: a DNS server (dnslib) and a TLS server playing a registry.

Both bind 127.0.0.1 only. The DNS server answers like a recursive resolver in front of Azure DNS:
one answer holding the CNAME chain and the final A records, NXDOMAIN (with the chain) when the
last name has no record, SERVFAIL for names marked so. Addresses such as 10.x or 20.x it hands
out are only ever used by DNS-only probes; everything that connects gets 127.0.0.1.

The registry speaks just enough of the registry protocol: the ``/v2/`` challenge, ``/oauth2/exchange``
and ``/oauth2/token`` with JWT-shaped tokens (``access`` claim), and, per host name, failures: 403
with the firewall's message, 404, slow, drip-fed and huge answers, bad JSON. It records every token
it issued or received, so a test can check none of them appears in any output.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from dnslib import CNAME, QTYPE, RCODE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

_QUIET = "-recv,-send,-request,-reply,-truncated,-error,-data"

# ----------------------------------------------------------------------------- DNS


class _AzureLikeResolver(BaseResolver):  # type: ignore[misc]
    def __init__(self, records: Mapping[str, str | list[str]]) -> None:
        self.records = {k.lower().rstrip("."): v for k, v in records.items()}

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        for _ in range(8):
            value = self.records.get(name)
            if value == "SERVFAIL":
                reply.header.rcode = RCODE.SERVFAIL
                return reply
            if value is None:
                reply.header.rcode = RCODE.NXDOMAIN
                return reply
            if isinstance(value, str):  # a CNAME
                reply.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME(value), ttl=60))
                name = value.lower()
                continue
            for address in value:
                reply.add_answer(RR(name, QTYPE.A, rdata=A(address), ttl=60))
            return reply
        return reply


class LocalDns:
    """A DNS server on 127.0.0.1 (UDP and TCP, one port): ``records`` maps a name to a CNAME target,
    a list of A addresses, or ``"SERVFAIL"``; any other name is NXDOMAIN."""

    def __init__(self, records: Mapping[str, str | list[str]]) -> None:
        self.resolver = _AzureLikeResolver(records)
        self.udp = DNSServer(self.resolver, address="127.0.0.1", port=0, logger=DNSLogger(_QUIET))
        self.port = self.udp.server.server_address[1]
        self.tcp = DNSServer(self.resolver, address="127.0.0.1", port=self.port, tcp=True, logger=DNSLogger(_QUIET))

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LocalDns:
        self.udp.start_thread()
        self.tcp.start_thread()
        return self

    def __exit__(self, *_: object) -> None:
        for server in (self.udp, self.tcp):
            server.server.shutdown()
            server.server.server_close()


@dataclass
class SilentDns:
    """A UDP port that reads nothing and answers nothing: a DNS timeout."""

    sock: socket.socket = field(default_factory=lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))

    def __enter__(self) -> SilentDns:
        self.sock.bind(("127.0.0.1", 0))
        return self

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *_: object) -> None:
        self.sock.close()


# ----------------------------------------------------------------------------- certificates


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Authority:
    """A test CA that issues leaf certificates for any names and validity."""

    org: str = "acr-policy-scanner probe test CA"
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def __post_init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        public = self.key.public_key()
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{self.org} root", self.org))
            .issuer_name(_name(f"{self.org} root", self.org))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def write_ca(self, path: Path) -> Path:
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path

    def issue(self, names: list[str], directory: Path, days: float = 90, stem: str = "leaf") -> tuple[Path, Path]:
        """A server certificate for ``names`` valid ``days`` from now (negative: expired); its cert and key files."""
        now = dt.datetime.now(dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        end = now + dt.timedelta(days=days)
        start = min(now - dt.timedelta(days=2), end - dt.timedelta(days=1))
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0], "registry under test"))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return cert_path, key_path


# ----------------------------------------------------------------------------- registry


def jwt(claims: Mapping[str, Any]) -> str:
    """A JWT-shaped token (unsigned signature part of random bytes): what a registry hands out."""

    def part(data: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(32)}"


@dataclass
class RegistryBehaviour:
    """How the registry answers, by the first label of the Host header (``myacr`` of ``myacr.azurecr.io``)."""

    forbidden: set[str] = field(default_factory=set)  # 403 with the firewall message
    not_found: set[str] = field(default_factory=set)
    slow: set[str] = field(default_factory=set)  # /v2/ answers after 3 s
    drip: set[str] = field(default_factory=set)  # /v2/ headers drip forever, a byte every 0.2 s
    huge: set[str] = field(default_factory=set)  # /v2/ answers 401 with a body of 5 MB
    bad_json: set[str] = field(default_factory=set)  # /oauth2/exchange answers 200 with no JSON
    refuse_exchange: set[str] = field(default_factory=set)  # /oauth2/exchange answers 401
    pullable: dict[str, set[str]] = field(default_factory=dict)  # registry label → repositories it grants pull on
    client_ip: str = "203.0.113.7"


class RegistryServer:
    """A threaded HTTPS server on 127.0.0.1 presenting ``cert``/``key``; :attr:`tokens` are every token it saw."""

    def __init__(self, cert: Path, key: Path, behaviour: RegistryBehaviour | None = None) -> None:
        self.behaviour = behaviour or RegistryBehaviour()
        self.tokens: list[str] = []
        self.stop = threading.Event()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.handle(self, dict(parse_qsl(self.rfile.read(min(length, 65536)).decode())))

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def get_request(self) -> tuple[socket.socket, Any]:
                sock, address = self.socket.accept()
                sock.settimeout(5)
                return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

            def finish_request(self, request: Any, client_address: Any) -> None:
                try:
                    request.do_handshake()
                except (ssl.SSLError, OSError):
                    return
                super().finish_request(request, client_address)

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RegistryServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- answers

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name.replace("_", "-"), value)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)

    def handle(self, h: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        host = (h.headers.get("Host") or "").split(":")[0].lower()
        label = host.split(".")[0]
        b = self.behaviour
        path = h.path.split("?")[0]
        if path == "/v2/":
            self._v2(h, host, label)
        elif path == "/oauth2/exchange":
            self.tokens.append(form.get("access_token", ""))
            if label in b.refuse_exchange:
                self._send(h, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"invalid token"}]}')
            elif label in b.bad_json:
                self._send(h, 200, b"<html>proxy login</html>")
            else:
                refresh = jwt({"grant_type": "refresh_token", "aud": host})
                self.tokens.append(refresh)
                self._send(h, 200, json.dumps({"refresh_token": refresh}).encode(), Content_Type="application/json")
        elif path == "/oauth2/token":
            scope = form.get("scope", "")
            parts = scope.split(":")
            if parts[0] == "repository" and parts[1] not in b.pullable.get(label, set()):
                self._send(h, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
                return
            access = [{"type": parts[0], "name": parts[1], "actions": ["pull"] if parts[0] == "repository" else ["*"]}]
            token = jwt({"access": access, "aud": host})
            self.tokens.append(token)
            self._send(h, 200, json.dumps({"access_token": token}).encode(), Content_Type="application/json")
        else:
            self._send(h, 404, b"404 page not found")

    def _v2(self, h: BaseHTTPRequestHandler, host: str, label: str) -> None:
        b = self.behaviour
        if label in b.forbidden:
            message = f"client with IP '{b.client_ip}' is not allowed access. Refer https://aka.ms/acr/firewall"
            body = json.dumps({"errors": [{"code": "DENIED", "message": message}]}).encode()
            self._send(h, 403, body)
            return
        if label in b.not_found:
            self._send(h, 404, b"404 page not found")
            return
        if label in b.slow:
            self.stop.wait(3)
        if label in b.drip:
            h.wfile.write(b"HTTP/1.1 401 Unauthorized\r\n")
            while not self.stop.wait(0.2):
                try:
                    h.wfile.write(b"X")
                    h.wfile.flush()
                except OSError:
                    return
            return
        challenge = f'Bearer realm="https://{host}/oauth2/token",service="{host}"'
        body = b"x" * 5_000_000 if label in b.huge else b'{"errors":[{"code":"UNAUTHORIZED"}]}'
        self._send(h, 401, body, WWW_Authenticate=challenge)


def loopback(names: Iterator[str] | list[str]) -> dict[str, str | list[str]]:
    """Azure-like DNS for ``names``: each CNAMEs into privatelink.azurecr.io, which answers 127.0.0.1."""
    records: dict[str, str | list[str]] = {}
    for name in names:
        private = name.replace(".azurecr.io", ".privatelink.azurecr.io")
        records[name] = private
        records[private] = ["127.0.0.1"]
    return records
