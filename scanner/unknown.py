"""The value of data that was not collected.

The inventory puts an :class:`Unknown` wherever a rule's input is missing (a section absent
from the snapshot, a 403 on a subscription, a principal Graph did not return). The engine's
three-valued logic propagates it, so a rule that needs the value reports ``unknown`` with
this reason instead of guessing ``pass``.

``live_only`` marks data that cannot exist before deployment (an IaC scan has no credential
end dates, no storage usage, no endpoint IP addresses). It propagates like any unknown, but
a rule whose verdict rests on it reports ``not_applicable`` with the reason: there is nothing
to fix in the change, and nothing to guess either.
"""

from __future__ import annotations

import msgspec


class Unknown(msgspec.Struct, frozen=True):
    """A missing input, with the reason a reader needs to go and fix the collection."""

    reason: str
    live_only: bool = False

    def __bool__(self) -> bool:
        raise TypeError("Unknown has no truth value; handle it explicitly")
