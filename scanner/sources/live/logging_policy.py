"""``--verbose``: one line per HTTP request (method, URL without query, status, time).

A pipeline policy added to every SDK client. It never prints headers or bodies, so bearer
tokens and anything secret stay out of logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.policies import SansIOHTTPPolicy


class RequestLogPolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Log each request's outcome through ``log``."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self._log = log

    def on_request(self, request: Any) -> None:
        request.context["acr_scan_started"] = time.monotonic()

    def on_response(self, request: Any, response: Any) -> None:
        started = request.context.get("acr_scan_started", time.monotonic())
        url = urlsplit(request.http_request.url)
        elapsed = (time.monotonic() - started) * 1000
        status = response.http_response.status_code
        self._log(f"{request.http_request.method} {url.scheme}://{url.netloc}{url.path} -> {status} ({elapsed:.0f} ms)")
