"""What a history answers: its nights, one night's changes, trends, time to fix; and pruning.

A night's *pass rate* is passing findings over passing plus failing ones (not-applicable,
unknown, error and suppressed findings neither help nor hurt it). Time to fix is measured
from the night a failing streak began to the night the finding was fixed.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

import msgspec

from scanner.errors import InputError
from scanner.history.store import (
    REGRESSION_SQL,
    RULE_BITS,
    RULE_MASK,
    SEVERITY_CODE,
    SEVERITY_SQL,
    SINCE_SQL,
    STATUS_CODE,
    STATUS_SQL,
    iso,
    transaction,
)
from scanner.timeutil import parse_datetime


def _named(key: str) -> str:
    """Joins naming a finding's subject ``s`` and rule ``u`` from a ``key`` column (``subject << RULE_BITS | rule``)."""
    return f"JOIN subjects s ON s.id = ({key} >> {RULE_BITS}) JOIN rules u ON u.id = ({key} & {RULE_MASK})"


SEVERITIES = ("critical", "high", "medium", "low", "info")


class Night(msgspec.Struct, frozen=True):
    """One recorded scan."""

    run: int
    scanned_at: str
    source: str
    tool_version: str
    findings: int


class TrendPoint(msgspec.Struct, frozen=True):
    """One night of a trend: counts by status and the failing ones by severity."""

    run: int
    scanned_at: str
    by_status: dict[str, int]
    failing_by_severity: dict[str, int]
    pass_rate: float | None


class FixTime(msgspec.Struct, frozen=True):
    """How long one rule's failures took to fix, over the fixes in a trend's range."""

    rule_id: str
    fixes: int
    median_days: float
    longest_days: float


class Change(msgspec.Struct, frozen=True):
    """A finding whose status changed on a night, or that is still failing."""

    rule_id: str
    subject_id: str
    subject_name: str
    status: str
    severity: str
    since: str
    regression: bool = False


def _change(row: tuple[Any, ...]) -> Change:
    rule_id, subject_id, subject_name, status, severity, since, regression = row
    return Change(rule_id, subject_id, subject_name, status, severity, since, bool(regression))


def nights(db: sqlite3.Connection) -> list[Night]:
    rows = db.execute("SELECT id, scanned_at, source, tool_version, findings FROM runs ORDER BY id")
    return [Night(*row) for row in rows]


def resolve_run(db: sqlite3.Connection, run: str) -> int:
    """A night by its number, or ``latest``."""
    if run == "latest":
        found = db.execute("SELECT max(id) FROM runs").fetchone()[0]
    else:
        number = int(run) if run.isdigit() else -1
        found = number if db.execute("SELECT 1 FROM runs WHERE id = ?", (number,)).fetchone() else None
    if found is None:
        raise InputError(f"history: no night {run!r} (acr-scan history list shows them)")
    return int(found)


def _since_clause(since: datetime | None) -> tuple[str, tuple[str, ...]]:
    return ("", ()) if since is None else (" AND r.scanned_at >= ?", (since.strftime("%Y-%m-%dT%H:%M:%SZ"),))


def _registry_ids(db: sqlite3.Connection, registry: str) -> list[str]:
    """The registry ids a ``--registry`` NAME or id means (ids are stored lower-cased)."""
    wanted = registry.lower()
    rows = db.execute("SELECT DISTINCT registry FROM subjects WHERE registry != ''").fetchall()
    found = [r for (r,) in rows if r == wanted or r.rsplit("/", 1)[-1] == wanted]
    if not found:
        raise InputError(f"history: no registry {registry!r} in any recorded night")
    return found


def trend(
    db: sqlite3.Connection, rule: str | None = None, registry: str | None = None, since: datetime | None = None
) -> list[TrendPoint]:
    """Night by night, oldest first: counts by status and failing ones by severity."""
    if registry is not None:
        return _trend_of_registries(db, rule, _registry_ids(db, registry), since)
    clause, args = _since_clause(since)
    extra: tuple[object, ...]
    if rule is not None:
        source, where, extra = "rule_counts", " AND c.rule_id = ?", (rule.upper(),)
    else:
        source, where, extra = "totals", "", ()
    query = (
        f"SELECT r.id, r.scanned_at, c.status, c.severity, sum(c.n) FROM runs r "  # (table names: ours)
        f"LEFT JOIN {source} c ON c.run = r.id{where} WHERE 1 = 1{clause} "
        "GROUP BY r.id, c.status, c.severity ORDER BY r.id"
    )
    counts: dict[tuple[int, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for run, at, status, severity, n in db.execute(query, (*extra, *args)):
        bucket = counts[(run, at)]
        if status is not None:
            bucket[(status, severity)] = n
    return [_point(run, at, bucket) for (run, at), bucket in counts.items()]


def _point(run: int, at: str, bucket: dict[tuple[str, str], int]) -> TrendPoint:
    by_status: dict[str, int] = defaultdict(int)
    failing = dict.fromkeys(SEVERITIES, 0)
    for (status, severity), n in bucket.items():
        by_status[status] += n
        if status == "fail":
            failing[severity] = failing.get(severity, 0) + n
    judged = by_status.get("pass", 0) + by_status.get("fail", 0)
    rate = round(by_status.get("pass", 0) / judged, 4) if judged else None
    return TrendPoint(run, at, dict(sorted(by_status.items())), failing, rate)


def _trend_of_registries(
    db: sqlite3.Connection, rule: str | None, registries: list[str], since: datetime | None
) -> list[TrendPoint]:
    """A registry's trend (of one rule, or all), rebuilt from its findings' changes, night by night."""
    marks = ",".join("?" * len(registries))
    wanted = rule.upper() if rule is not None else None
    # (one pass over the changes, in night order: the registry's subjects picked by the key's high bits)
    changes = db.execute(
        "SELECT ch.key, ch.run, ch.status, ch.severity FROM changes ch "  # (marks: ours)
        f"WHERE (ch.key >> {RULE_BITS}) IN (SELECT id FROM subjects WHERE registry IN ({marks})) "
        f"AND (? IS NULL OR (ch.key & {RULE_MASK}) = (SELECT id FROM rules WHERE rule_id = ?)) ORDER BY ch.run",
        (*registries, wanted, wanted),
    ).fetchall()
    by_run: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for key, run, status, severity in changes:
        by_run[run].append((key, status, severity))
    state: dict[int, tuple[str, str]] = {}
    points = []
    for night in nights(db):
        for key, status, severity in by_run.get(night.run, ()):
            state[key] = (status, severity)
        if since is not None and parse_datetime(night.scanned_at) < since:
            continue
        bucket: dict[tuple[str, str], int] = defaultdict(int)
        for status, severity in state.values():
            if status != "gone":
                bucket[(status, severity)] += 1
        points.append(_point(night.run, night.scanned_at, bucket))
    return points


def fix_times(db: sqlite3.Connection, rule: str | None = None, since: datetime | None = None) -> list[FixTime]:
    """Per rule: how many failures were fixed (in the range) and how long the fixes took, in days."""
    clause, args = _since_clause(since)
    wanted = rule.upper() if rule is not None else None
    rows = db.execute(
        # (the days counted by SQLite: a year of nights holds a hundred thousand fixes)
        "SELECT u.rule_id, julianday(r.scanned_at) - julianday(x.failed_at) FROM fixes x "
        f"JOIN rules u ON u.id = (x.key & {RULE_MASK}) JOIN runs r ON r.id = x.fixed_run "
        f"WHERE (? IS NULL OR u.rule_id = ?){clause}",
        (wanted, wanted, *args),
    )
    days: dict[str, list[float]] = defaultdict(list)
    for rule_id, elapsed in rows:
        days[rule_id].append(elapsed)
    return [FixTime(r, len(d), round(statistics.median(d), 2), round(max(d), 2)) for r, d in sorted(days.items())]


def _changes(db: sqlite3.Connection, query: str, args: tuple[object, ...]) -> list[Change]:
    """Findings as :class:`Change`: ``query`` selects status, severity, since and regression after the key."""
    rows = db.execute("SELECT u.rule_id, s.subject_id, s.name, " + query, args)
    return [_change(row) for row in rows]


def night_changes(db: sqlite3.Connection, run: int) -> list[Change]:
    """What changed on night ``run``: each finding whose status or severity changed."""
    return _changes(
        db,
        f"ch.status, ch.severity, r.scanned_at, ch.regression FROM changes ch {_named('ch.key')} "
        "JOIN runs r ON r.id = ch.run WHERE ch.run = ? ORDER BY u.rule_id, s.subject_id",
        (run,),
    )


def oldest_failing(db: sqlite3.Connection, limit: int = 20) -> list[Change]:
    """The findings failing longest, as of the latest night."""
    severity_of = {code: text for text, code in SEVERITY_CODE.items()}
    rows = db.execute(
        f"SELECT u.rule_id, s.subject_id, s.name, {SEVERITY_SQL}, {SINCE_SQL}, {REGRESSION_SQL} FROM state st "
        f"{_named('st.key')} WHERE {STATUS_SQL} = ? ORDER BY {SINCE_SQL}, u.rule_id, s.subject_id LIMIT ?",
        (STATUS_CODE["fail"], limit),
    )
    return [
        Change(rule, subject, name, "fail", severity_of[severity], iso(since), bool(regression))
        for rule, subject, name, severity, since, regression in rows
    ]


def prune(db: sqlite3.Connection, keep: int) -> int:
    """Keep the newest ``keep`` nights; fold what the older ones said into the oldest kept one.

    The state of every finding at the oldest kept night is written as a change on that night,
    so every later night still reads the same, and streaks keep the time they began; the
    counts of pruned nights go, and so do fixes made on them. Returns how many nights went.
    """
    if keep < 1:
        raise InputError("history prune: --keep must be at least 1")
    with transaction(db):
        ids = [r for (r,) in db.execute("SELECT id FROM runs ORDER BY id")]
        if len(ids) <= keep:
            return 0
        first = ids[-keep]
        # (each finding's last change before ``first``: SQLite takes the bare columns of an
        # aggregate with max() from the row holding the maximum)
        db.execute(
            "INSERT OR IGNORE INTO changes (run, key, status, severity, regression) "
            "SELECT ?, key, status, severity, 0 FROM "
            "(SELECT key, max(run), status, severity FROM changes WHERE run < ? GROUP BY key)",
            (first, first),
        )
        db.execute("DELETE FROM changes WHERE run < ?", (first,))
        db.execute("DELETE FROM changes WHERE run = ? AND status = 'gone'", (first,))
        db.execute("DELETE FROM fixes WHERE fixed_run < ?", (first,))
        for table in ("totals", "rule_counts"):
            db.execute(f"DELETE FROM {table} WHERE run < ?", (first,))  # (table names: ours)
        db.execute("DELETE FROM runs WHERE id < ?", (first,))
        return len(ids) - keep
