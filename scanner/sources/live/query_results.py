"""What a Resource Graph query is asked for and what it gives back: the scope, the rows of one
list and the parts that could not be read (each becomes a snapshot ``errors`` entry)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from scanner.sources.live.failures import RETRYABLE_STATUSES, CallFailed


class Scope(msgspec.Struct, frozen=True):
    """What to query: subscriptions, management groups, or (both empty) the whole tenant."""

    subscriptions: tuple[str, ...] = ()
    management_groups: tuple[str, ...] = ()


class QueryFailure(msgspec.Struct):
    """A part of a query that could not be answered (becomes a snapshot ``errors`` entry)."""

    scope: str | None
    status: int | None
    code: str | None
    message: str
    line: str = ""  # the call and the cause, for a one-line error when nothing could be read

    def __post_init__(self) -> None:
        """A refusal's message already says everything."""
        self.line = self.line or self.message


class QueryResult(msgspec.Struct):
    """Rows of one list plus the scopes that failed (``answered``: some request for part of
    the scope was answered, even with no rows, so the failures do not cover all of it)."""

    rows: list[dict[str, Any]] = msgspec.field(default_factory=list)
    failures: list[QueryFailure] = msgspec.field(default_factory=list)
    answered: bool = False


def narrowable(failed: CallFailed) -> bool:
    """A failure that may belong to part of a request's subscriptions: a 5xx, throttling, a
    dropped connection or an unusable answer (the retries spent), not a 4xx refusal of the
    query, nor a timeout (a slow service, and each narrowing request would wait as long again)."""
    if failed.timed_out:
        return False
    return failed.status is None or failed.status < 400 or failed.status in RETRYABLE_STATUSES


def per_subscription(failures: list[QueryFailure], subscriptions: Sequence[str]) -> list[QueryFailure]:
    """``failures`` of a request for ``subscriptions``, one per subscription where they name none."""
    out: list[QueryFailure] = []
    for failure in failures:
        if failure.scope is not None:
            out.append(failure)
        else:
            out.extend(msgspec.structs.replace(failure, scope=s) for s in subscriptions)
    return out
