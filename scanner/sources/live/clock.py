"""The one place live collection reads the time and waits.

Quota pacing, ``Retry-After`` waits, backoff and the phase deadline all go through a
:class:`Clock`, so a test can hand the collector a clock that advances instantly and check the
waits it asked for, without waiting them.
"""

from __future__ import annotations

import time
from typing import Final, Protocol


class Clock(Protocol):
    """Monotonic seconds and a way to let them pass."""

    def now(self) -> float:
        """Seconds on a monotonic scale (only differences mean anything)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Return after ``seconds`` have passed on this clock."""
        ...


class SystemClock:
    """The real time: ``time.monotonic`` and ``time.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Final[Clock] = SystemClock()
