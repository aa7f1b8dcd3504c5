"""ISO 8601 parsing for Azure's timestamps (``Z``, offsets, 7-digit fractions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(value: str) -> datetime:
    """Parse an Azure/Graph timestamp into an aware UTC datetime.

    Azure writes up to 7 fractional digits (``2021-06-15T21:38:26.1537861Z``) which
    ``datetime.fromisoformat`` rejects before Python 3.11's relaxed parser in some forms;
    the fraction is cut to microseconds first. A naive timestamp is taken as UTC.
    """
    text = value.strip()
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """The canonical form used in every output: ``2026-11-27T02:00:00Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
