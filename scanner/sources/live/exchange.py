"""One HTTP exchange through an azure-core client, with every way it can fail turned into :class:`CallFailed`.

Responses are streamed and read here (``stream=True``), at most :data:`MAX_BODY_BYTES` of them
after decompression, and :mod:`scanner.sources.live.bodies` decodes each body once, defensively.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from scanner.sources.live.bodies import decode_json
from scanner.sources.live.failures import CallFailed, from_exception, from_status, one_line
from scanner.sources.live.limits import MAX_BODY_BYTES


class Answer(msgspec.Struct, frozen=True):
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
            raw = _read_capped(response, call)
        finally:
            response.close()
    except ClientAuthenticationError as exc:  # the pipeline's bearer policy could not authenticate
        raise CallFailed(call, f"authentication failed: {one_line(str(exc))}", status=401) from None
    except AzureError as exc:
        raise from_exception(call, exc) from None
    return Answer(int(response.status_code), response.headers, bytes(raw or b""))


def _read_capped(response: Any, call: str) -> bytes:
    """The (decompressed) body, refused once it passes MAX_BODY_BYTES: a gzip bomb costs 64 MiB, not all memory."""
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            raise CallFailed(call, f"the body is larger than {MAX_BODY_BYTES // 2**20} MiB (decompressed)")
        chunks.append(chunk)
    return b"".join(chunks)


def json_answer(answer: Answer, call: str) -> Any:
    """The JSON of a 2xx answer; :class:`CallFailed` for an error status or a body that is not JSON."""
    if answer.status >= 400:
        raise from_status(call, answer.status, answer.headers, answer.error_body())
    try:
        return decode_json(answer.raw, answer.content_type)
    except ValueError as exc:
        raise CallFailed(call, f"HTTP {answer.status} answered {exc}", status=answer.status, retryable=True) from None
