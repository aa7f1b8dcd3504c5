"""A requests session that stops reading a body at MAX_BODY_BYTES, for azure-identity's pipeline.

The collector's own calls stream and cap their bodies (:mod:`scanner.sources.live.exchange`),
but azure-identity reads the token endpoint's answer whole, and requests inflates a gzip body
as it goes: 80 KiB of hostile gzip would become gigabytes in memory. The credential's transport
gets this session instead, which reads every body as a stream and gives up past the limit.
"""

from __future__ import annotations

import importlib
from typing import Any

from scanner.sources.live.limits import MAX_BODY_BYTES

CHUNK = 64 * 1024


def capped_session(limit: int = MAX_BODY_BYTES) -> Any:
    """A ``requests.Session`` whose non-streamed responses hold at most ``limit`` bytes (decompressed)."""
    requests: Any = importlib.import_module("requests")  # no type stubs; an azure-core dependency

    class BodyTooLarge(requests.exceptions.RequestException):  # type: ignore[misc]
        """The body passed the limit (failures.transport_cause recognises this name)."""

    class CappedSession(requests.Session):  # type: ignore[misc]
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            streamed = bool(kwargs.pop("stream", False))
            response = super().request(method, url, *args, stream=True, **kwargs)
            if streamed:
                return response
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_content(CHUNK):
                total += len(chunk)
                if total > limit:
                    response.close()
                    raise BodyTooLarge(f"the body is larger than {limit // 2**20} MiB (decompressed)")
                chunks.append(chunk)
            response._content = b"".join(chunks)
            response._content_consumed = True
            return response

    return CappedSession()
