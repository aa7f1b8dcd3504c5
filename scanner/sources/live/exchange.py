"""One HTTP exchange through an azure-core client, with every way it can fail turned into :class:`CallFailed`.

Responses are streamed and read here (``stream=True``), so azure-core's ``ContentDecodePolicy``
never parses a body (it lets ``RecursionError`` escape on deep JSON, and parses every healthy
body a second time); :mod:`scanner.sources.live.bodies` decodes it once, defensively.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scanner.sources.live.bodies import decode_json
from scanner.sources.live.failures import CallFailed, from_exception, from_status, one_line


@dataclass(frozen=True, slots=True)
class Answer:
    """Status, headers and raw body of one response."""

    status: int
    headers: Any
    raw: bytes

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, if any."""
        value = self.headers.get("Content-Type")
        return str(value) if value is not None else None

    def error_body(self) -> Any:
        """The decoded body of an error answer, or None when it is not JSON."""
        try:
            return decode_json(self.raw, self.content_type)
        except ValueError:
            return None


def exchange(send: Callable[..., Any], request: Any, call: str) -> Answer:
    """Send ``request`` with ``send`` (a client's ``send_request``) and read the whole body."""
    from azure.core.exceptions import AzureError, ClientAuthenticationError

    try:
        response = send(request, stream=True)
        try:
            raw = response.read()
        finally:
            response.close()
    except ClientAuthenticationError as exc:  # the pipeline's bearer policy could not authenticate
        raise CallFailed(call, f"authentication failed: {one_line(str(exc))}", status=401) from None
    except AzureError as exc:
        raise from_exception(call, exc) from None
    return Answer(int(response.status_code), response.headers, bytes(raw or b""))


def json_answer(answer: Answer, call: str) -> Any:
    """The JSON of a 2xx answer; :class:`CallFailed` for an error status or a body that is not JSON."""
    if answer.status >= 400:
        raise from_status(call, answer.status, answer.headers, answer.error_body())
    try:
        return decode_json(answer.raw, answer.content_type)
    except ValueError as exc:
        raise CallFailed(call, f"HTTP {answer.status} answered {exc}", status=answer.status, retryable=True) from None
