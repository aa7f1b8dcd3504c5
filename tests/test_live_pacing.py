"""Resource Graph quota pacing on a fake clock: no 429, and no more waiting than the quota needs.

ARG's ``x-ms-user-quota-resets-after`` is whole seconds, rounded up, read when the request
arrived. The reader keeps the earliest ``received + resets-after`` of a window, so it wakes
within one round trip of the real reset instead of up to a second late.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest

from scanner.sources.live.clouds import Cloud
from scanner.sources.live.exchange import Answer
from scanner.sources.live.resource_graph import PACE_MARGIN, ResourceGraphReader
from scanner.sources.live.settings import ReaderSettings
from tests.emulator.clock import FakeClock


class _FixedWindowService:
    """ARG's per-user quota: ``limit`` requests per ``window`` seconds from the first one, on ``clock``."""

    def __init__(self, clock: FakeClock, limit: int, window: float, latency: float, early_first: float = 0.0) -> None:
        self.clock, self.limit, self.window, self.latency = clock, limit, window, latency
        self.early_first = early_first  # the first answer of a window understates resets-after by this much
        self.start: float | None = None
        self.used = 0
        self.statuses: list[int] = []

    def __call__(self, body: dict[str, Any]) -> Answer:
        self.clock.advance(self.latency / 2)  # the request travels
        now = self.clock.now()
        resets_early = 0.0
        if self.start is None or now - self.start >= self.window:
            self.start, self.used, resets_early = now, 0, self.early_first
        resets = self.start + self.window - now - resets_early
        allowed = self.used < self.limit
        self.used += allowed
        seconds = max(0, math.ceil(resets))
        headers = {
            "x-ms-user-quota-remaining": str(self.limit - self.used),
            "x-ms-user-quota-resets-after": f"00:00:{seconds:02d}",
        }
        self.clock.advance(self.latency / 2)  # the response travels
        self.statuses.append(200 if allowed else 429)
        if not allowed:
            return Answer(429, headers, orjson.dumps({"error": {"code": "RateLimiting", "message": "throttled"}}))
        return Answer(200, headers, orjson.dumps({"data": [{"id": "x"}]}))


def _reader(clock: FakeClock) -> ResourceGraphReader:
    cloud = Cloud("test", "https://127.0.0.1:1", "https://127.0.0.1:1", "https://127.0.0.1:1", "", "", False)
    return ResourceGraphReader(object(), cloud, ReaderSettings(clock=clock))


@pytest.mark.parametrize("latency", [0.01, 0.15])
def test_waits_end_within_a_round_trip_of_the_reset(latency: float) -> None:
    clock = FakeClock()
    service = _FixedWindowService(clock, limit=15, window=5.0, latency=latency)
    reader = _reader(clock)
    reader._query = service  # type: ignore[method-assign]
    requests = 62
    for _ in range(requests):
        reader._send({"query": "resources"})
    assert 429 not in service.statuses and len(service.statuses) == requests
    unavoidable = (math.ceil(requests / 15) - 1) * 5.0
    # Each of the 4 waits ends at most a round trip (+ the margin) after its window resets.
    assert clock.now() <= unavoidable + 4 * (latency + PACE_MARGIN) + 2 * latency + 1e-9
    reader.close()


def test_headers_that_disagree_within_a_window_are_then_trusted_one_by_one() -> None:
    clock = FakeClock()
    # The first answer of each window says the window resets a second earlier than it does
    # (say, a front end whose clock is behind): the earliest bound is then wrong.
    service = _FixedWindowService(clock, limit=15, window=5.0, latency=0.05, early_first=1.0)
    reader = _reader(clock)
    reader._query = service  # type: ignore[method-assign]
    for _ in range(62):
        reader._send({"query": "resources"})
    assert service.statuses.count(429) == 1  # one surprise, then no more
    assert not reader._tighten and reader.throttled == 1
    reader.close()
