"""Fault injection for the Azure emulator: what a flaky network or a broken service answers.

A :class:`Fault` names an endpoint kind (``token``, ``arg``, ``arm``, ``graph``,
``graph_batch``), what goes wrong and how many matching requests it hits (``times=None``: every
one, so "N × 5xx then OK" is ``Fault("arm", "status", times=N)`` and a storm is
``times=None``). The faults are:

* transport: ``close`` (the request is read, then the connection closes without an answer),
  ``reset`` (closed with ``SO_LINGER`` 0, so the client gets a TCP reset), ``stall`` (nothing is
  sent for ``stall_seconds``, longer than the client's read timeout, then the connection
  closes), ``truncated`` (a ``Content-Length`` promise broken halfway);
* status: ``status`` (``status``, 503 by default, in the endpoint's error envelope, with
  ``Retry-After`` only when ``retry_after`` is set) and ``throttle`` (429 with
  ``Retry-After: retry_after``, an absurd 999999 s unless set);
* a 200 whose body is wrong: ``html`` (an HTML error page), ``empty``, ``null``, ``list`` (a JSON
  array where an object belongs), ``wrong_shape`` (an object whose expected fields have the wrong
  types), ``wrong_items`` (the lists hold non-objects), ``deep`` (100,000 nested arrays),
  ``bad_gzip`` (``Content-Encoding: gzip`` over bytes that are not gzip) and ``gzip_bomb``
  (80 KiB of gzip that inflates to 80 MiB).

``graph`` faults hit the GETs the collector makes *inside* a ``$batch`` (a direct
``GET /v1.0/...`` too): there a status, throttle or body fault becomes that item's answer, since
an item has no connection of its own; transport faults and ``deep``, ``truncated`` and
``bad_gzip`` apply only to direct GETs. ``path_contains`` narrows a fault to requests whose
lower-cased path (or batch item URL) contains it, e.g. ``"/listusages"``.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import socket
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal, get_args

FaultKind = Literal[
    "close",
    "reset",
    "stall",
    "truncated",
    "status",
    "throttle",
    "html",
    "empty",
    "null",
    "list",
    "wrong_shape",
    "wrong_items",
    "deep",
    "bad_gzip",
    "gzip_bomb",
]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
FAULT_ENDPOINTS = frozenset({"token", "arg", "arm", "graph", "graph_batch"})
#: Faults a ``$batch`` item can carry (the rest need a connection or raw bytes of their own).
ITEM_FAULTS = frozenset({"status", "throttle", "html", "empty", "null", "list", "wrong_shape", "wrong_items"})
DEEP_LEVELS = 100_000
THROTTLE_RETRY_AFTER = 999_999
BOMB_BYTES = 80 * 2**20
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1><p>The gateway could not reach the service.</p></body></html>"
)
#: Every field a collector reads from a 200, with the wrong type.
WRONG_SHAPE: dict[str, Any] = {
    "access_token": 42,
    "token_type": ["Bearer"],
    "expires_in": "soon",
    "data": "rows",
    "$skipToken": {"next": 1},
    "value": {"not": "a list"},
    "nextLink": 7,
    "responses": {"1": {"status": 200}},
    "id": ["x"],
    "appId": {"id": 1},
    "passwordCredentials": "none",
    "keyCredentials": 5,
}
#: Lists of the right name whose items are not objects (or objects with odd fields).
WRONG_ITEMS: dict[str, Any] = {
    "data": [1, "x", None, ["id"]],
    "value": [1, "x", None, ["id"]],
    "responses": [1, "x", None, {"id": 5, "status": "ok", "body": [1]}, {"id": None, "status": None}],
}


@dataclass(frozen=True, slots=True)
class Fault:
    """One way an endpoint misbehaves, for ``times`` matching requests (None: all of them)."""

    endpoint: str
    kind: FaultKind
    times: int | None = None
    status: int = 503
    retry_after: int | None = None
    stall_seconds: float = 30.0
    path_contains: str = ""
    body_contains: str = ""
    """Only requests whose body holds this text (any case): one Resource Graph query among the others."""

    def __post_init__(self) -> None:
        """Refuse a fault that cannot be emulated, so a typo fails at construction."""
        if self.endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"fault endpoint {self.endpoint!r}: expected one of {sorted(FAULT_ENDPOINTS)}")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind {self.kind!r}: expected one of {sorted(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("fault times must be >= 1 (or None for every request)")
        if not 400 <= self.status <= 599 or self.stall_seconds <= 0 or (self.retry_after or 0) < 0:
            raise ValueError("fault status must be 4xx/5xx, stall_seconds > 0 and retry_after >= 0")

    def retry_after_header(self) -> dict[str, str]:
        """The ``Retry-After`` header this fault's answer carries (none for a plain status)."""
        if self.kind == "throttle":
            return {"Retry-After": str(THROTTLE_RETRY_AFTER if self.retry_after is None else self.retry_after)}
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class FaultInjector:
    """Hands each request the first fault that matches it and still has uses left."""

    def __init__(self, faults: Sequence[Fault]) -> None:
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # ends every stall when the emulator stops
        self.replace(faults)

    def replace(self, faults: Sequence[Fault]) -> None:
        """Inject ``faults`` from now on instead (their counts start afresh)."""
        if not all(isinstance(fault, Fault) for fault in faults):
            raise TypeError("faults must be tests.emulator.faults.Fault")
        if any(fault.kind == "gzip_bomb" for fault in faults):
            gzip_bomb()  # compressed now, not while a client's read timeout runs
        with self._lock:
            self._faults = list(faults)
            self._left = [f.times for f in self._faults]
            self.injected = 0

    def take(self, endpoint: str, path: str, kinds: frozenset[str] = FAULT_KINDS, body: bytes = b"") -> Fault | None:
        """The fault of one of ``kinds`` for a request of ``endpoint`` at ``path``, spending one use."""
        lowered = path.lower()
        text = body.decode("utf-8", "replace").lower()
        with self._lock:
            for n, fault in enumerate(self._faults):
                left = self._left[n]
                if fault.endpoint != endpoint or fault.kind not in kinds or (left is not None and left <= 0):
                    continue
                if fault.path_contains and fault.path_contains.lower() not in lowered:
                    continue
                if fault.body_contains and fault.body_contains.lower() not in text:
                    continue
                if left is not None:
                    self._left[n] = left - 1
                self.injected += 1
                return fault
        return None


@functools.cache
def gzip_bomb() -> bytes:
    """BOMB_BYTES of zeros, gzip-compressed once per test run (about 80 KiB)."""
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9, mtime=0)


def error_body(endpoint: str, status: int, message: str) -> Any:
    """The error envelope of ``endpoint`` (OAuth for the token endpoint, ARM/Graph otherwise)."""
    if endpoint == "token":
        return {"error": "temporarily_unavailable", "error_description": f"AADSTS50196: {message}"}
    codes = {429: "TooManyRequests", 409: "MissingSubscriptionRegistration"}
    return {"error": {"code": codes.get(status, "ServiceUnavailable"), "message": message}}


def body_bytes(kind: str) -> tuple[str, bytes]:
    """(Content-Type, body) of a 200 whose body is the fault."""
    if kind == "html":
        return "text/html; charset=utf-8", HTML_PAGE.encode()
    if kind == "empty":
        return "application/json", b""
    if kind == "null":
        return "application/json", b"null"
    if kind == "list":
        return "application/json", b'[{"id": "x"}]'
    if kind == "wrong_shape":
        return "application/json", json.dumps(WRONG_SHAPE).encode()
    if kind == "wrong_items":
        return "application/json", json.dumps(WRONG_ITEMS).encode()
    if kind == "deep":
        return "application/json", b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS
    raise ValueError(f"{kind!r} is not a body fault")


def item_answer(fault: Fault, item_id: str) -> dict[str, Any]:
    """A ``$batch`` item that carries ``fault`` instead of the object asked for."""
    headers = {"Content-Type": "application/json", **fault.retry_after_header()}
    if fault.kind in ("status", "throttle"):
        status = 429 if fault.kind == "throttle" else fault.status
        return {"id": item_id, "status": status, "headers": headers, "body": error_body("graph", status, "injected")}
    body: Any = {
        "html": HTML_PAGE,
        "empty": None,
        "null": None,
        "list": [{"id": item_id}],
        "wrong_shape": WRONG_SHAPE,
        "wrong_items": WRONG_ITEMS,
    }[fault.kind]
    answer: dict[str, Any] = {"id": item_id, "status": 200, "headers": headers}
    if fault.kind != "empty":
        answer["body"] = body
    return answer


def _drop(handler: BaseHTTPRequestHandler, *, reset: bool) -> None:
    """Close the connection without a word; with ``reset``, as a TCP RST (SO_LINGER 0)."""
    handler.close_connection = True
    connection: socket.socket = handler.connection
    with contextlib.suppress(OSError):
        if reset:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Closing the descriptor itself, now: the handler's file objects would otherwise keep the
        # socket open until they are closed, and the server then ends it with a polite FIN (and
        # a TLS socket with close_notify), never a reset.
        os.close(connection.detach())


def fault_status(fault: Fault) -> int:
    """The status a request answered by ``fault`` is recorded with (0: no answer at all)."""
    if fault.kind in ("close", "reset", "stall"):
        return 0
    if fault.kind == "throttle":
        return 429
    return fault.status if fault.kind == "status" else 200


def write_fault(handler: BaseHTTPRequestHandler, fault: Fault, stopping: threading.Event) -> None:
    """Answer (or refuse to answer) one request as ``fault`` says."""
    if fault.kind in ("close", "reset"):
        _drop(handler, reset=fault.kind == "reset")
        return
    if fault.kind == "stall":
        stopping.wait(fault.stall_seconds)
        _drop(handler, reset=False)
        return
    if fault.kind in ("status", "throttle"):
        status = 429 if fault.kind == "throttle" else fault.status
        payload = json.dumps(error_body(fault.endpoint, status, "injected fault")).encode()
        _head(handler, status, "application/json; charset=utf-8", len(payload), fault.retry_after_header())
        handler.wfile.write(payload)
        return
    if fault.kind == "truncated":
        payload = json.dumps({"value": [{"id": "x" * 64}] * 32, "data": [], "responses": []}).encode()
        _head(handler, 200, "application/json; charset=utf-8", len(payload), {})
        handler.wfile.write(payload[: len(payload) // 2])
        handler.wfile.flush()
        _drop(handler, reset=False)
        return
    if fault.kind in ("bad_gzip", "gzip_bomb"):
        payload = b"this is not gzip data, whatever the header says" if fault.kind == "bad_gzip" else gzip_bomb()
        _head(handler, 200, "application/json; charset=utf-8", len(payload), {"Content-Encoding": "gzip"})
        handler.wfile.write(payload)
        return
    content_type, payload = body_bytes(fault.kind)
    _head(handler, 200, content_type, len(payload), {})
    handler.wfile.write(payload)


def _head(handler: BaseHTTPRequestHandler, status: int, content_type: str, length: int, extra: dict[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(length))
    for name, value in extra.items():
        handler.send_header(name, value)
    handler.end_headers()
