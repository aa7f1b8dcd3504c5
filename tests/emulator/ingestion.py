"""Azure Monitor's Logs Ingestion API, as ``acr-scan export log-analytics`` meets it.

``POST /dataCollectionRules/{immutable id}/streams/{stream}?api-version=2023-01-01`` with a
bearer token, ``Content-Type: application/json`` and a gzip-compressed JSON array of records:
204 when accepted. The request shape is checked as the service checks it (a wrong one is a 400
or 415 with the service's error body); a scripted list of statuses (503, 429, 413) answers the
first requests, so the client's retries and error handling are exercised. Only accepted
requests' records are kept: a record is "received" once, whatever was retried.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterable
from typing import Any

_PATH = re.compile(r"^/datacollectionrules/([^/]+)/streams/([^/]+)$")
API_VERSION = "2023-01-01"


def _error(status: int, code: str, message: str, **headers: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, {"error": {"code": code, "message": message}}, headers


class LogsIngestion:
    """The emulated API: what it received, per (rule, stream), and the statuses still scripted."""

    def __init__(self, answers: Iterable[int] = ()) -> None:
        self.received: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.answers = list(answers)
        self.requests = 0
        self._lock = threading.Lock()

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, raw: bytes
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """(status, JSON body or None, extra headers) for one request."""
        match = _PATH.match(path.lower())
        if method != "POST" or match is None:
            return _error(404, "NotFound", f"No route for {method} {path}")
        if query.get("api-version") != API_VERSION:
            return _error(400, "InvalidApiVersion", f"api-version {query.get('api-version')!r} is not supported")
        if "application/json" not in (headers.get("Content-Type") or ""):
            return _error(415, "UnsupportedMediaType", "Content-Type must be application/json")
        with self._lock:
            self.requests += 1
            scripted = self.answers.pop(0) if self.answers else None
        if scripted == 503:
            return _error(503, "ServiceUnavailable", "The service is temporarily unavailable.", **{"Retry-After": "0"})
        if scripted == 429:
            return _error(429, "TooManyRequests", "Too many requests.", **{"Retry-After": "1"})
        if scripted == 413:
            return _error(413, "ContentLengthLimitExceeded", "Maximum request size is 1 MB.")
        body = gzip.decompress(raw) if (headers.get("Content-Encoding") or "").lower() == "gzip" else raw
        try:
            records = json.loads(body)
        except ValueError:
            return _error(400, "InvalidContent", "The body is not JSON.")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return _error(400, "InvalidContent", "The body must be an array of objects.")
        with self._lock:
            self.received.setdefault((match.group(1), match.group(2)), []).extend(records)
        return 204, None, {}
