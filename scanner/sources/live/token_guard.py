"""The token endpoint, guarded: bounded, retried, and every failure said in one line with its cause.

azure-identity reports a token endpoint that answered HTML as "Expecting value: line 1 column 1",
a dropped connection as an authentication failure, and logs a warning (with MSAL's traceback)
for each. :class:`GuardedCredential` wraps the credential the SDK clients use: it watches the
credential's own HTTP traffic through azure-core's request and response hooks (status, content
type and whether the body is a JSON object; never the body itself, which holds the token), so a
failure can be told apart: the network (retried, then "cannot reach"), a refusal by Entra ID
(an ``AADSTS`` code: not retried, "check the secret"), or an answer that is not a token (HTML,
empty, the wrong shape: retried, then said as such).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec

from scanner.sources.live.bodies import decode_json, kind_of
from scanner.sources.live.clock import SYSTEM_CLOCK, Clock
from scanner.sources.live.diagnostics import CollectionFailed, explain_authentication
from scanner.sources.live.failures import RETRYABLE_STATUSES, CallFailed, call_name, error_fields, from_exception
from scanner.sources.live.failures import parse_retry_after as retry_after_of
from scanner.sources.live.limits import LiveLimits
from scanner.sources.live.retrying import Retrier

TOKEN_SERVICE = "the token endpoint"
#: MSAL answers a repeated token request from its cache for this long after a 429 or 5xx
#: without Retry-After (its throttling of Entra ID), so a retry must wait at least as long.
MSAL_THROTTLE_SECONDS = 5.0


class _Exchange(msgspec.Struct):
    """What the credential last sent and got back in this thread (no body, no headers but one)."""

    url: str | None = None
    method: str = "POST"
    status: int | None = None
    content_type: str | None = None
    body_problem: str | None = None  # None: a JSON object
    oauth_error: bool = False  # the body is an OAuth error ({"error": "...", "error_description": ...})
    error_code: str | None = None
    error_message: str | None = None
    retry_after: float | None = None


class TrafficNotes(threading.local):
    """The credential's exchanges of one attempt, per thread (a token request runs in the calling thread)."""

    def __init__(self) -> None:
        self.exchanges: list[_Exchange] = []

    @property
    def last(self) -> _Exchange:
        """The latest exchange (an empty one when nothing was sent)."""
        return self.exchanges[-1] if self.exchanges else _Exchange()

    def last_with(self, host: str) -> _Exchange:
        """The latest exchange with ``host`` (an empty one when there was none)."""
        return next((e for e in reversed(self.exchanges) if e.url and urlsplit(e.url).netloc == host), _Exchange())

    def clear(self) -> None:
        """Forget the previous attempt."""
        self.exchanges = []

    def on_request(self, pipeline_request: Any) -> None:
        """azure-core ``raw_request_hook``: a request is about to leave."""
        request = pipeline_request.http_request
        self.exchanges = [*self.exchanges[-7:], _Exchange(url=str(request.url), method=str(request.method))]

    def on_response(self, pipeline_response: Any) -> None:
        """azure-core ``raw_response_hook``: classify the answer without keeping it."""
        response = pipeline_response.http_response
        if not self.exchanges:  # a response to a request the hook did not see
            self.exchanges = [_Exchange()]
        note = self.exchanges[-1]
        note.status = int(response.status_code)
        note.content_type = response.headers.get("Content-Type")
        note.retry_after = retry_after_of(response.headers.get("Retry-After"))
        raw = _body(response)
        try:
            data = decode_json(raw, note.content_type)
        except ValueError as exc:
            note.body_problem = str(exc)
            return
        if not isinstance(data, dict):
            note.body_problem = f"{kind_of(data)}, not a JSON object"
            return
        note.oauth_error = "error" in data
        note.error_code, note.error_message = error_fields(data)

    def hooks(self) -> dict[str, Callable[[Any], None]]:
        """The keyword arguments that install both hooks in an azure-identity credential."""
        return {"raw_request_hook": self.on_request, "raw_response_hook": self.on_response}


def _body(response: Any) -> bytes:
    """The body of a response that was read in full (legacy or ``azure.core.rest`` response)."""
    try:
        body = response.body() if hasattr(response, "body") else response.content
    except Exception:  # a response whose body could not be read: treat as empty
        return b""
    return bytes(body or b"")


class GuardedCredential:
    """A ``TokenCredential`` whose failures are :class:`CollectionFailed` with the real cause."""

    def __init__(
        self,
        inner: Any,
        authority: str,
        limits: LiveLimits,
        notes: TrafficNotes,
        *,
        chained: bool = False,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._inner = inner
        self._authority = authority
        self._notes = notes
        self._chained = chained  # DefaultAzureCredential: only its exchanges with the authority count
        self._retrier = Retrier(TOKEN_SERVICE, limits, clock=clock)

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """A token from the inner credential; on failure, one clear :class:`CollectionFailed`."""
        try:
            return self._retrier.run(f"{TOKEN_SERVICE} of {self._authority}", lambda: self._attempt(scopes, kwargs))
        except CallFailed as failed:
            raise CollectionFailed(failed.message) from None

    def _attempt(self, scopes: tuple[str, ...], kwargs: dict[str, Any]) -> Any:
        previous = self._notes.exchanges
        self._notes.clear()
        try:
            token = self._inner.get_token(*scopes, **kwargs)
        except CollectionFailed:
            raise
        except Exception as exc:
            if not self._notes.exchanges:
                self._notes.exchanges = previous  # MSAL answered from its throttling cache: the same failure
            raise self._failure(exc) from None
        text = getattr(token, "token", None)
        expires = getattr(token, "expires_on", None)
        if not isinstance(text, str) or not text or not isinstance(expires, int) or isinstance(expires, bool):
            note = self._notes.last
            raise CallFailed(self._call(note), "answered without a usable access_token", retryable=True)
        return token

    def _call(self, note: _Exchange) -> str:
        if not note.url:
            return f"{TOKEN_SERVICE} of {self._authority}"
        who = TOKEN_SERVICE if "/token" in note.url else "the login authority"  # discovery, instance metadata
        return f"{who} {call_name(note.method, note.url)}"

    def _failure(self, exc: Exception) -> Exception:
        """What one failed attempt means: retry it, or stop with the cause."""
        # A chain's probes of other endpoints (the VM metadata service off Azure) are expected to fail.
        note = self._notes.last_with(urlsplit(self._authority).netloc) if self._chained else self._notes.last
        call = self._call(note)
        if note.url is not None and note.status is None:  # the request left and no answer came back
            failed = from_exception(call, exc)
            return failed
        if note.status is None:  # no HTTP at all: Azure CLI, an unavailable managed identity, ...
            return explain_authentication(exc, self._authority)
        if note.status >= 400 and note.oauth_error and note.status not in RETRYABLE_STATUSES:
            return explain_authentication(exc, self._authority)  # Entra ID said no: AADSTS code and hint
        if note.status >= 400:
            cause = f"HTTP {note.status}" + (f" {note.error_code}" if note.error_code else "")
            if note.error_message:
                cause += f": {note.error_message}"
            elif note.body_problem:
                cause += f", whose body is {note.body_problem}"
            throttled = note.status == 429 or note.status >= 500
            wait = note.retry_after
            if throttled and wait is None:
                wait = MSAL_THROTTLE_SECONDS
                cause += f" (MSAL holds a repeated request back {wait:g} s)"
            return CallFailed(
                call,
                cause,
                status=note.status,
                code=note.error_code,
                retryable=note.status in RETRYABLE_STATUSES,
                retry_after=wait if throttled else None,
                must_wait=throttled,
            )
        what = note.body_problem or "JSON without a usable access_token"
        return CallFailed(call, f"HTTP {note.status} answered {what}", status=note.status, retryable=True)

    def close(self) -> None:
        """Close the inner credential's HTTP session."""
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> GuardedCredential:
        """Context manager support, as azure-identity credentials have."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close on exit."""
        self.close()
