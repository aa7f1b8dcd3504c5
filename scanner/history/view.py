"""What a report shows of the history beside tonight's scan (``scan --history`` with HTML)."""

from __future__ import annotations

import sqlite3

import msgspec

from scanner.history.queries import Change, FixTime, TrendPoint, fix_times, night_changes, oldest_failing, trend


class HistoryView(msgspec.Struct, frozen=True):
    """The last nights' trend, the time to fix per rule, the oldest failures, tonight's regressions."""

    trend: tuple[TrendPoint, ...]
    fixes: tuple[FixTime, ...]
    oldest: tuple[Change, ...]
    regressions: tuple[Change, ...]


def history_view(db: sqlite3.Connection, run: int, nights: int = 30) -> HistoryView:
    """The view as of night ``run`` (the one just recorded), over its last ``nights`` nights."""
    points = tuple(trend(db)[-nights:])
    tonight = night_changes(db, run)
    return HistoryView(
        trend=points,
        fixes=tuple(fix_times(db)),
        oldest=tuple(oldest_failing(db, limit=10)),
        regressions=tuple(c for c in tonight if c.regression),
    )
