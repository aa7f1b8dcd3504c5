"""A small HTTPS client with hard bounds, for talking to a registry that may not be one.

The probe talks to whatever answers at the login server's address: a registry, a firewall, a
TLS-inspecting proxy, or something hostile. Every exchange is one connection (``Connection:
close``) under one deadline (``--timeout``) that covers connect, handshake, headers and body,
so a server that drips a byte at a time is cut off at the deadline, not at each read's
timeout; headers and bodies are capped in size. Failures are :class:`NetError` with a kind
the steps turn into a cause, never an exception escaping to the CLI.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from typing import NamedTuple

MAX_HEADER_BYTES = 32 * 1024
MAX_BODY_BYTES = 256 * 1024  # registry challenge and token answers are a few KiB
_CHUNK = 16 * 1024


class NetError(Exception):
    """A failed exchange: ``kind`` is one of timeout, refused, reset, unreachable, tls, too_large, malformed."""

    def __init__(self, kind: str, message: str, tls_error: ssl.SSLError | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.tls_error = tls_error


class Response(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-cased names; a repeated header keeps its first value
    body: bytes


def trust_bundle() -> str | None:
    """The CA bundle to trust instead of the system store: ``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE``."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or None


def trust_context() -> ssl.SSLContext:
    """A verifying client context (chain and host name) with the trust the rest of the scanner uses.

    Raises ``OSError`` or ``ssl.SSLError`` when the bundle named by the environment cannot be read.
    """
    return ssl.create_default_context(cafile=trust_bundle())


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise NetError("timeout", "no complete answer within --timeout")
    return left


def open_tls(address: str, port: int, server_name: str, context: ssl.SSLContext, deadline: float) -> ssl.SSLSocket:
    """A TLS connection to ``address:port`` with SNI ``server_name``, verified by ``context``."""
    try:
        raw = socket.create_connection((address, port), timeout=_remaining(deadline))
    except TimeoutError:
        raise NetError("timeout", f"no TCP connection to {address}:{port} within --timeout") from None
    except ConnectionRefusedError:
        raise NetError("refused", f"{address}:{port} refused the connection") from None
    except OSError as exc:
        raise NetError("unreachable", f"cannot connect to {address}:{port}: {exc.strerror or exc}") from None
    try:
        raw.settimeout(_remaining(deadline))
        return context.wrap_socket(raw, server_hostname=server_name)
    except ssl.SSLError as exc:
        raw.close()
        raise NetError("tls", f"TLS handshake failed: {exc.reason or exc}", exc) from None
    except TimeoutError:
        raw.close()
        raise NetError("timeout", f"no TLS handshake with {address}:{port} within --timeout") from None
    except OSError as exc:
        raw.close()
        raise NetError("reset", f"the connection closed during the TLS handshake: {exc.strerror or exc}") from None
    except NetError:
        raw.close()
        raise


def _recv(sock: ssl.SSLSocket, deadline: float) -> bytes:
    sock.settimeout(_remaining(deadline))
    try:
        return sock.recv(_CHUNK)
    except TimeoutError:
        raise NetError("timeout", "no complete answer within --timeout") from None
    except ssl.SSLError as exc:
        raise NetError("reset", f"the TLS connection failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise NetError("reset", f"the connection was reset: {exc.strerror or exc}") from None


def _head(data: bytes) -> tuple[int, dict[str, str]]:
    lines = data.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise NetError("malformed", "the answer is not HTTP")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), value.strip())
    return int(parts[1]), headers


def _dechunk(data: bytes) -> bytes | None:
    """The body of a chunked transfer, or None while it is incomplete."""
    out, at = bytearray(), 0
    while True:
        end = data.find(b"\r\n", at)
        if end < 0:
            return None
        try:
            size = int(data[at:end].split(b";")[0].strip() or b"x", 16)
        except ValueError:
            raise NetError("malformed", "a chunked body with a bad chunk size") from None
        if size == 0:
            return bytes(out)
        if len(data) < end + 2 + size + 2:
            return None
        out += data[end + 2 : end + 2 + size]
        at = end + 2 + size + 2


def _body(sock: ssl.SSLSocket, headers: dict[str, str], data: bytes, deadline: float) -> bytes:
    length = headers.get("content-length", "")
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    want = int(length) if length.isdigit() else None
    if want is not None and want > MAX_BODY_BYTES:
        raise NetError("too_large", f"a body of {want} bytes, more than the {MAX_BODY_BYTES} read")
    while True:
        if want is not None and len(data) >= want:
            return data[:want]
        if chunked:
            done = _dechunk(data)
            if done is not None:
                return done
        if len(data) > MAX_BODY_BYTES:
            raise NetError("too_large", f"a body of more than {MAX_BODY_BYTES} bytes")
        more = _recv(sock, deadline)
        if not more:
            if want is not None or chunked:
                raise NetError("reset", "the connection closed before the whole body arrived")
            return data
        data += more


def request(
    sock: ssl.SSLSocket, host: str, method: str, path: str, deadline: float, form: str | None = None
) -> Response:
    """Send one request on ``sock`` and read the answer, within ``deadline`` and the size caps."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: acr-scan-probe", "Connection: close"]
    payload = b""
    if form is not None:
        payload = form.encode()
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(payload)}"]
    try:
        sock.settimeout(_remaining(deadline))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    except TimeoutError:
        raise NetError("timeout", "the request could not be sent within --timeout") from None
    except OSError as exc:
        raise NetError("reset", f"the connection was reset: {exc.strerror or exc}") from None
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEADER_BYTES:
            raise NetError("too_large", f"headers of more than {MAX_HEADER_BYTES} bytes")
        more = _recv(sock, deadline)
        if not more:
            raise NetError("reset", "the connection closed before an HTTP answer" if not data else "cut-off headers")
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    status, headers = _head(head)
    return Response(status, headers, _body(sock, headers, rest, deadline) if method != "HEAD" else b"")


def fetch(
    address: str,
    port: int,
    host: str,
    context: ssl.SSLContext,
    timeout: float,
    method: str,
    path: str,
    form: str | None = None,
) -> Response:
    """One exchange on a new connection: connect, verify, send, read; all within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    sock = open_tls(address, port, host, context, deadline)
    try:
        return request(sock, host if port == 443 else f"{host}:{port}", method, path, deadline, form)
    finally:
        sock.close()
