"""A clock on which waiting takes no time, for the collector and the emulator alike.

The collector waits on a :class:`scanner.sources.live.clock.Clock` (quota pacing, ``Retry-After``,
backoff, the phase deadline); the emulator's Resource Graph quota windows read the same clock
(``EmulatorConfig(clock=...)``). Handing both one :class:`FakeClock` lets a test throttle the
collector for minutes of clock time in milliseconds, and check every wait it asked for.
"""

from __future__ import annotations

import threading


class FakeClock:
    """Seconds that pass only when someone sleeps on the clock or advances it; thread-safe."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []
        """Every wait asked for, in order."""

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"sleep length must be non-negative, got {seconds}")  # as time.sleep says
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass without anyone waiting (a request in flight, say)."""
        with self._lock:
            self._now += seconds

    @property
    def slept(self) -> float:
        """Seconds waited in all."""
        with self._lock:
            return sum(self.sleeps)
