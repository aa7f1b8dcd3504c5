"""Run one call with bounded retries, bounded waits and the phase's deadline.

Every call of the collector (Resource Graph and Microsoft Graph ``$batch`` POSTs included: both
only read) goes through :meth:`Retrier.run`. The SDKs' own retries are off, so the two never
stack and no SDK sleeps for a ``Retry-After`` it was never asked to cap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from scanner.sources.live.clock import SYSTEM_CLOCK, Clock
from scanner.sources.live.failures import CallFailed
from scanner.sources.live.limits import Breaker, Deadline, LiveLimits

T = TypeVar("T")


class Retrier:
    """Retries, waits and the deadline of one service's phase (``service`` names it in messages)."""

    def __init__(
        self,
        service: str,
        limits: LiveLimits,
        *,
        clock: Clock = SYSTEM_CLOCK,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.service = service
        self.limits = limits
        self._clock = clock
        self._log = log or (lambda _m: None)
        self._breakers: dict[str, Breaker] = {}
        self._breakers_lock = threading.Lock()
        self.deadline = Deadline(limits.phase_timeout, clock)
        self.waited = 0.0

    def restart(self) -> None:
        """The phase starts now: its deadline counts from here."""
        self.deadline = Deadline(self.limits.phase_timeout, self._clock)

    def breaker(self, kind: str = "") -> Breaker:
        """The breaker of one kind of call (one ARM list, say): a failing kind does not stop the others."""
        with self._breakers_lock:
            return self._breakers.setdefault(kind, Breaker())

    def check(self, call: str, kind: str = "") -> None:
        """Refuse to start ``call`` when the phase is out of time or its kind of call keeps failing."""
        if self.deadline.passed():
            raise CallFailed(
                call,
                f"not attempted: the {self.service} phase ran out of --phase-timeout ({self.limits.phase_timeout:g} s)",
            )
        breaker = self.breaker(kind)
        if breaker.open:
            raise CallFailed(
                call,
                f"not attempted: {self.service} failed such calls several times in a row (last: {breaker.last_cause})",
            )

    def wait(self, call: str, seconds: float, why: str) -> None:
        """Sleep ``seconds`` for ``why``, unless that exceeds ``--max-retry-wait`` or the deadline."""
        cap = self.limits.max_retry_wait
        if seconds > cap:
            raise CallFailed(
                call, f"{self.service} asked to wait {seconds:g} s ({why}), more than --max-retry-wait {cap:g} s"
            )
        left = self.deadline.remaining()
        if seconds > left:
            raise CallFailed(
                call,
                f"{self.service} asked to wait {seconds:g} s ({why}), past the --phase-timeout ({left:.0f} s left)",
            )
        self.waited += seconds
        self._clock.sleep(seconds)

    def run(self, call: str, attempt: Callable[[], T], kind: str = "") -> T:
        """``attempt()`` until it answers, a failure is not worth repeating, or the retries are spent.

        ``kind`` groups calls for the breaker: after a few calls of one kind failed in a row with
        their retries spent, further calls of that kind are not attempted.
        """
        retries = 0
        breaker = self.breaker(kind)
        while True:
            self.check(call, kind)
            try:
                result = attempt()
            except CallFailed as failed:
                if not failed.retryable:
                    raise
                retries += 1
                if failed.must_wait and (failed.retry_after or 0) > self.limits.max_retry_wait:
                    raise self.exhausted(failed, retries) from None
                if retries > self.limits.retries_after(failed.timed_out):
                    exhausted = self.exhausted(failed, retries)
                    breaker.failed(exhausted.cause)
                    raise exhausted from None
                delay = self._delay(failed, retries)
                if delay > self.deadline.remaining():
                    raise failed.with_cause(f"{failed.cause} (no time left for a retry: --phase-timeout)") from None
                self._log(f"{failed.message}; retry {retries} in {delay:.1f}s")
                self.waited += delay
                self._clock.sleep(delay)
                continue
            breaker.succeeded()
            return result

    def _delay(self, failed: CallFailed, retry: int) -> float:
        """The service's ``Retry-After`` when it is within the cap, else exponential backoff."""
        asked = failed.retry_after
        if asked is not None and asked <= self.limits.max_retry_wait:
            return asked
        return self.limits.backoff(retry)

    def exhausted(self, failed: CallFailed, attempts: int) -> CallFailed:
        """The last failure, saying how often it was tried and, if so, which wait was refused."""
        asked = failed.retry_after
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if asked is not None and asked > self.limits.max_retry_wait:
            cause = (
                f"{failed.cause}; {self.service} asked to retry in {asked:g} s, more than --max-retry-wait "
                f"{self.limits.max_retry_wait:g} s ({tries})"
            )
        else:
            cause = f"{failed.cause} ({tries})"
        return failed.with_cause(cause)
