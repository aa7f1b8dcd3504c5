"""How long live collection may wait, and for how many attempts (``--request-timeout`` and friends).

A collector meets dropped connections, stalled endpoints, 5xx storms and throttling with absurd
``Retry-After`` values; none of them may make it hang. Every bound is here:

* each HTTP request (the token endpoint's too) has a connect and a read timeout, and its body
  is read up to :data:`MAX_BODY_BYTES` after decompression (a gzip bomb stops there);
* a failed call is repeated a bounded number of times, with exponential backoff;
* no single wait (backoff, ``Retry-After``, a Resource Graph quota reset) is longer than
  ``max_retry_wait``: a service that asks for more is not waited for, and the part it serves
  is recorded as not collected once the retries are spent;
* each phase (Resource Graph, ARM, Microsoft Graph) has a deadline, after which what is left
  is recorded as not collected instead of being attempted;
* after a few calls in a row failed with every retry spent, a service is considered down and
  its remaining calls are not attempted (a dead endpoint costs seconds, not one timeout per call).

This module imports nothing from the Azure SDKs: the CLI builds its options from it.
"""

from __future__ import annotations

import argparse
import math
import threading
from collections.abc import Callable
from typing import Any

import msgspec

from scanner.sources.live.clock import SYSTEM_CLOCK, Clock

#: Defaults of the CLI options (documented in docs/live-collection.md and the README).
REQUEST_TIMEOUT = 60.0
MAX_RETRIES = 4
MAX_RETRY_WAIT = 60.0
PHASE_TIMEOUT = 1800.0
#: Backoff before retry n is BACKOFF_BASE * 2**(n-1) seconds, at most BACKOFF_MAX (and max_retry_wait).
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0
#: A call that timed out already waited a whole read timeout: it is repeated at most this often.
TIMEOUT_RETRIES = 1
#: Consecutive calls that failed with their retries spent before a service counts as down.
BREAKER_THRESHOLD = 3
#: Largest response body read, after decompression (Resource Graph's own limit is 16 MiB).
MAX_BODY_BYTES = 64 * 2**20


class LiveLimits(msgspec.Struct, frozen=True):
    """The bounds of one collection (``--request-timeout``, ``--max-retries``, ...)."""

    request_timeout: float = REQUEST_TIMEOUT
    max_retries: int = MAX_RETRIES
    max_retry_wait: float = MAX_RETRY_WAIT
    phase_timeout: float = PHASE_TIMEOUT

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based) when the service named none."""
        return float(min(BACKOFF_MAX, self.max_retry_wait, BACKOFF_BASE * 2 ** min(retry - 1, 16)))

    def retries_after(self, timed_out: bool) -> int:
        """How many retries a call gets, given how its last attempt failed."""
        return min(self.max_retries, TIMEOUT_RETRIES) if timed_out else self.max_retries

    def transport_options(self) -> dict[str, Any]:
        """The azure-core transport keywords that bound one request."""
        return {"connection_timeout": self.request_timeout, "read_timeout": self.request_timeout}


class Deadline:
    """The end of one phase, on ``clock``."""

    def __init__(self, seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock.now() + seconds

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self._end - self._clock.now())

    def passed(self) -> bool:
        """Whether the phase is out of time."""
        return self.remaining() <= 0


class Breaker:
    """Counts calls of one service that failed with their retries spent, with no success between."""

    def __init__(self, threshold: int = BREAKER_THRESHOLD) -> None:
        self._threshold = threshold
        self._failed_in_a_row = 0
        self.last_cause: str | None = None
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        """True once the service is considered down: its further calls are not attempted."""
        with self._lock:
            return self._failed_in_a_row >= self._threshold

    def failed(self, cause: str) -> None:
        """A call failed although every retry was spent."""
        with self._lock:
            self._failed_in_a_row += 1
            self.last_cause = cause

    def succeeded(self) -> None:
        """A call was answered: the service is up."""
        with self._lock:
            self._failed_in_a_row = 0


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{option}: expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{option}: expected a positive number of seconds, got {text!r}")
    return value


def seconds_option(option: str) -> Callable[[str], float]:
    """An argparse ``type`` for a positive, finite number of seconds."""
    return lambda text: _number(text, option)


def retries_option(text: str) -> int:
    """An argparse ``type`` for ``--max-retries`` (0 to 20)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-retries: expected a whole number, got {text!r}") from None
    if not 0 <= value <= 20:
        raise argparse.ArgumentTypeError(f"--max-retries: expected 0 to 20, got {value}")
    return value


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """``--request-timeout``, ``--max-retries``, ``--max-retry-wait`` and ``--phase-timeout``."""
    options: tuple[tuple[str, Callable[[str], float], float, str, str], ...] = (
        ("--request-timeout", seconds_option("--request-timeout"), REQUEST_TIMEOUT, "SECONDS",
         f"connect and read timeout of each HTTP request (default {REQUEST_TIMEOUT:g})"),
        ("--max-retries", retries_option, MAX_RETRIES, "N",
         f"retries of a call that failed in a way worth repeating (default {MAX_RETRIES}; a timeout: 1)"),
        ("--max-retry-wait", seconds_option("--max-retry-wait"), MAX_RETRY_WAIT, "SECONDS",
         f"longest single wait for Retry-After or a quota reset; longer asks fail that part "
         f"(default {MAX_RETRY_WAIT:g})"),
        ("--phase-timeout", seconds_option("--phase-timeout"), PHASE_TIMEOUT, "SECONDS",
         f"deadline of each collection phase; what is left is not collected (default {PHASE_TIMEOUT:g})"),
    )  # fmt: skip
    for flag, kind, default, metavar, help_text in options:
        parser.add_argument(flag, type=kind, default=default, metavar=metavar, help=help_text)


def limits_of(args: argparse.Namespace) -> LiveLimits:
    """The limits the CLI options ask for."""
    return LiveLimits(
        request_timeout=args.request_timeout,
        max_retries=args.max_retries,
        max_retry_wait=args.max_retry_wait,
        phase_timeout=args.phase_timeout,
    )
