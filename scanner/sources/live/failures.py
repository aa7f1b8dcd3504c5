"""What went wrong with one call, in words: DNS, refused, TLS, timeout, reset, HTTP status, bad body.

A :class:`CallFailed` names the call (``POST https://management.azure.com/providers/...``) and
the cause, and says whether repeating the call could help. The SDKs wrap transport errors
several layers deep (azure-core around requests around urllib3 around the socket error), so
:func:`transport_cause` walks the whole chain and reports the innermost cause it recognises.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

#: Statuses worth repeating: the service says "not now", not "no".
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_MESSAGE = 300


class CallFailed(Exception):
    """One call could not be answered usefully (raised after, or instead of, its retries)."""

    def __init__(
        self,
        call: str,
        cause: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        timed_out: bool = False,
        unreachable: bool = False,
        detail: str | None = None,
        must_wait: bool = False,
    ) -> None:
        super().__init__(f"{call}: {cause}")
        self.call = call
        self.cause = cause
        self.status = status
        self.code = code
        self.detail = detail  # the service's own words (an error body's message), if it gave any
        self.must_wait = must_wait  # a retry sooner than retry_after is refused without being sent
        self.retryable = retryable
        self.retry_after = retry_after
        self.timed_out = timed_out
        self.unreachable = unreachable  # DNS, refused, TLS: the network, not this call

    @property
    def fatal(self) -> bool:
        """Nothing else will work either: the network or TLS is broken, or the token was refused (401)."""
        return self.unreachable or self.status == 401

    @property
    def message(self) -> str:
        """``<call>: <cause>``, one line."""
        return one_line(f"{self.call}: {self.cause}")

    def with_cause(self, cause: str) -> CallFailed:
        """The same failure, said differently (attempt counts, the wait that was refused)."""
        return CallFailed(
            self.call,
            cause,
            status=self.status,
            code=self.code,
            retry_after=self.retry_after,
            timed_out=self.timed_out,
            unreachable=self.unreachable,
            detail=self.detail,
        )

    def entry_message(self) -> str:
        """The ``message`` of a snapshot ``errors`` entry: a plain refusal (403, 404, other 4xx
        not worth repeating) in the service's words, anything else naming the call and cause."""
        if self.detail and self.status is not None and 400 <= self.status < 500 and self.status not in (408, 429):
            return self.detail
        return self.message


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """The first line of ``text``, at most ``limit`` characters."""
    stripped = text.strip()
    line = stripped.splitlines()[0] if stripped else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def call_name(method: str, url: str) -> str:
    """``GET https://host/path`` without the query string (api-version, $skipToken...)."""
    parts = urlsplit(url)
    return f"{method} {parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else f"{method} {parts.path}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps, breadth first, each once."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue and len(seen) < 64:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner: list[Any] = [
            current.__cause__,
            current.__context__,
            getattr(current, "inner_exception", None),
            getattr(current, "exc_value", None),
            getattr(current, "reason", None),
            *current.args,
        ]
        queue.extend(e for e in inner if isinstance(e, BaseException))


def _named(exc: BaseException, *names: str) -> bool:
    """Whether ``exc`` is of a class called one of ``names`` (urllib3 / requests without importing them)."""
    return any(cls.__name__ in names for cls in type(exc).__mro__)


def transport_cause(exc: BaseException) -> tuple[str, bool, bool]:
    """(cause, timed out, unreachable) of a connection-level failure."""
    chain = list(_chain(exc))
    for error in chain:
        if isinstance(error, ssl.SSLCertVerificationError) or (
            isinstance(error, ssl.SSLError) and "CERTIFICATE" in str(error).upper()
        ):
            return (
                "TLS verification failed (is REQUESTS_CA_BUNDLE set to the CA that signs this endpoint?)",
                False,
                True,
            )
    for error in chain:
        if isinstance(error, socket.gaierror) or _named(error, "NameResolutionError"):
            return "the host name does not resolve (check --cloud and DNS)", False, True
        if isinstance(error, ConnectionRefusedError):
            return "the connection was refused", False, True
    for error in chain:
        if _named(error, "ReadTimeoutError", "ReadTimeout", "ServiceResponseTimeoutError"):
            return "no answer within --request-timeout (read timed out)", True, False
        if _named(error, "ConnectTimeoutError", "ConnectTimeout", "ServiceRequestTimeoutError") or isinstance(
            error, TimeoutError | socket.timeout
        ):
            return "the connection timed out (--request-timeout)", True, False
    for error in chain:
        if _named(error, "BodyTooLarge"):
            return one_line(str(error)), False, False
        if _named(error, "ContentDecodingError") or isinstance(error, zlib.error):
            return "the body is not valid gzip although Content-Encoding says so", False, False
        if isinstance(error, http.client.IncompleteRead) or _named(error, "IncompleteRead", "ChunkedEncodingError"):
            return "the response was cut off before its end (truncated body)", False, False
        if isinstance(error, http.client.RemoteDisconnected):
            return "the server closed the connection without an answer", False, False
        if isinstance(error, ConnectionResetError):
            return "the connection was reset", False, False
        if isinstance(error, ssl.SSLError):
            return f"TLS failed: {one_line(str(error), 120)}", False, True
    return _fallback(exc)


def _fallback(exc: BaseException) -> tuple[str, bool, bool]:
    """Causes said only in text (an SDK that flattened the chain into its message)."""
    text = str(exc)
    lowered = text.lower()
    if "certificate" in lowered:
        return "TLS verification failed (is REQUESTS_CA_BUNDLE set to the CA that signs this endpoint?)", False, True
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        return "the host name does not resolve (check --cloud and DNS)", False, True
    if "refused" in lowered:
        return "the connection was refused", False, True
    if "timed out" in lowered or "timeout" in lowered:
        return "no answer within --request-timeout (timed out)", True, False
    if "remotedisconnected" in lowered or "without response" in lowered:
        return "the server closed the connection without an answer", False, False
    if "reset" in lowered:
        return "the connection was reset", False, False
    return one_line(text) or type(exc).__name__, False, False


def from_exception(call: str, exc: BaseException) -> CallFailed:
    """A transport failure (azure-core ``ServiceRequestError`` / ``ServiceResponseError`` / ``DecodeError``)."""
    cause, timed_out, unreachable = transport_cause(exc)
    # A refused connection may be a service restarting; DNS and TLS answers will not change.
    retryable = not unreachable or "refused" in cause
    return CallFailed(call, cause, retryable=retryable, timed_out=timed_out, unreachable=unreachable)


def parse_retry_after(value: Any) -> float | None:
    """``Retry-After`` in seconds (delta form; an HTTP date is not used by these services)."""
    text = str(value).strip() if value is not None else ""
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None


def error_fields(body: Any) -> tuple[str | None, str | None]:
    """(code, message) of an ARM, Resource Graph or Microsoft Graph error body, whatever its shape."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):  # OAuth: {"error": "invalid_client", "error_description": "..."}
        description = body.get("error_description") if isinstance(body, dict) else None
        return error, one_line(description) if isinstance(description, str) else None
    if not isinstance(error, dict):
        return None, None
    code = error.get("code")
    message = error.get("message")
    details = error.get("details")
    # Resource Graph puts a generic "please provide below info" message on top, the reason in details.
    if isinstance(details, list) and details and isinstance(details[0], dict):
        detail = details[0].get("message")
        if isinstance(detail, str) and detail.strip():
            message = detail
            if not isinstance(code, str) or code == "BadRequest":
                code = details[0].get("code") if isinstance(details[0].get("code"), str) else code
    return (
        code if isinstance(code, str) and code else None,
        one_line(message) if isinstance(message, str) and message.strip() else None,
    )


def from_status(call: str, status: int, headers: Any, body: Any) -> CallFailed:
    """An HTTP error answer (``body`` is the decoded JSON or None)."""
    code, message = error_fields(body)
    reason = http.client.responses.get(status, "")
    cause = f"HTTP {status}" + (f" {code}" if code else f" {reason}" if reason else "")
    if message:
        cause += f": {message}"
    retry_after = parse_retry_after(headers.get("Retry-After")) if headers is not None else None
    return CallFailed(
        call,
        cause,
        status=status,
        code=code,
        retryable=status in RETRYABLE_STATUSES,
        retry_after=retry_after,
        detail=message,
    )
