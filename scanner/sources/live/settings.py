"""What every reader of one live collection is handed: its bounds, its clock and where its lines go.

The collector builds one :class:`ReaderSettings` and gives the same one to the Resource Graph,
ARM and Microsoft Graph readers, so the three cannot disagree on a bound or a clock, and a
setting every reader needs is added in one place rather than as a keyword of each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from scanner.sources.live.clock import SYSTEM_CLOCK, Clock
from scanner.sources.live.limits import LiveLimits
from scanner.sources.live.retrying import Retrier

Log = Callable[[str], None]


def silent(line: str) -> None:
    """A log that drops its lines (``--quiet``, or no ``--verbose``)."""


class ReaderSettings(msgspec.Struct, frozen=True):
    """The bounds, clock, logs and extra pipeline policies of one collection's readers."""

    limits: LiveLimits = msgspec.field(default_factory=LiveLimits)
    clock: Clock = SYSTEM_CLOCK  # what waits and deadlines are measured on (a fake one in tests)
    log: Log = silent  # what the user is told (a query split because its answer was too large)
    verbose: Log = silent  # ``--verbose``: each wait and retry
    per_call_policies: tuple[Any, ...] = ()  # azure-core policies added to every request (``--verbose``'s request log)

    def retrier(self, service: str) -> Retrier:
        """The retries, waits and deadline of ``service``'s phase, its waits told on :attr:`verbose`."""
        return Retrier(service, self.limits, clock=self.clock, log=self.verbose)
