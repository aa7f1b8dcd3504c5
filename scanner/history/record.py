"""Recording a night: compare each finding with its last known state, write what changed.

A finding's *failing streak* starts the night it turns ``fail`` and lasts while it stays
``fail`` (a change of severity alone does not restart it). It is *fixed* when it goes from
``fail`` to ``pass``, ``not_applicable`` or ``suppressed``; a fixed finding that fails again is
a *regression*. A night on which a failing finding is ``unknown`` or ``error`` ends the streak
without fixing it (the data gap may hide a failure). A finding absent from a night is ``gone``
(its subject was deleted or left the scan's scope).

What each finding of the night gets (:class:`Mark`): ``first_seen``, the scan time of the night
its current status began (for ``fail``, of its failing streak), ``days_failing``, whole days of
the failing streak so far (0 unless ``fail``), and ``regression``.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import msgspec

from scanner.errors import InputError
from scanner.history.store import opened, transaction
from scanner.history.view import HistoryView, history_view
from scanner.results import Finding, Severity, Status, TrackedFinding
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime, parse_datetime

GONE = "gone"
FAIL = "fail"
FIXED_BY = frozenset({"pass", "not_applicable", "suppressed"})


class Mark(msgspec.Struct, frozen=True, gc=False):
    """What the history says of one finding of the night being recorded."""

    first_seen: str
    days_failing: int
    regression: bool


class _State(msgspec.Struct, gc=False):
    """A finding's latest state (a row of ``current``); times are scan times, ISO 8601."""

    status: str
    severity: str
    since: str
    failing_since: str | None
    was_fixed: bool
    regression: bool

    def row(self, key: int) -> tuple[object, ...]:
        fixed, regression = int(self.was_fixed), int(self.regression)
        return (key, self.status, self.severity, self.since, self.failing_since, fixed, regression)


def _next_state(state: _State | None, status: str, severity: str, at: str) -> tuple[_State, bool]:
    """The state after tonight's ``status`` (scanned ``at``), and whether a failing streak ended in a fix."""
    if state is None:
        return _State(status, severity, at, at if status == FAIL else None, False, False), False
    if state.status == status:
        kept = _State(status, severity, state.since, state.failing_since, state.was_fixed, state.regression)
        return kept, False
    if status == FAIL:
        return _State(status, severity, at, at, state.was_fixed, state.was_fixed), False
    fixed = state.status == FAIL and status in FIXED_BY
    return _State(status, severity, at, None, state.was_fixed or fixed, False), fixed


# A finding's stored row: (key id, status, severity, since, failing_since, was_fixed, regression);
# status is None for a key without a state yet.
Row = tuple[int, str | None, str, str, str | None, int, int]
_STATUS = {s: s.value for s in Status}  # (a dict lookup instead of the enum's value property)
_SEVERITY = {s: s.value for s in Severity}


def _load(db: sqlite3.Connection) -> dict[tuple[str, str], Row]:
    """Every known finding, (rule id, lower-cased subject id) → its row, in one query."""
    rows = db.execute(
        "SELECT k.rule_id, k.subject_id, k.id, c.status, c.severity, c.since, c.failing_since, c.was_fixed, "
        "c.regression FROM keys k LEFT JOIN current c ON c.key = k.id"
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def _state(row: Row) -> _State | None:
    status = row[1]
    return None if status is None else _State(status, row[2], row[3], row[4], bool(row[5]), bool(row[6]))


def _check_order(db: sqlite3.Connection, scanned_at: datetime, where: str) -> None:
    latest = db.execute("SELECT scanned_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    if latest is not None and parse_datetime(latest[0]) > scanned_at:
        raise InputError(
            f"{where}: the history already holds a later night ({latest[0]}) than this scan's "
            f"{format_datetime(scanned_at)}: nights are recorded in time order"
        )


def _insert_run(db: sqlite3.Connection, result: ScanResult) -> int:
    meta = result.metadata
    cursor = db.execute(
        "INSERT INTO runs (scanned_at, collected_at, source, tool_version, pack_hash, findings) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            format_datetime(meta.now),
            format_datetime(meta.collected_at),
            meta.source,
            meta.tool_version,
            meta.policy_pack_hash,
            len(result.findings),
        ),
    )
    return int(cursor.lastrowid or 0)


class _Night:
    """The work of recording one night: what changed, the fixes, each finding's mark, the counts."""

    def __init__(self, db: sqlite3.Connection, run: int, now: datetime) -> None:
        self.db, self.run, self.at = db, run, format_datetime(now)
        self.known = _load(db)
        self.changes: list[tuple[int, int, str, str, int]] = []
        self.changed: dict[int, _State] = {}
        self.fixes: list[tuple[int, str, int]] = []
        self.present: set[int] = set()
        self.marker = _Marker(now)
        # tonight's findings, column by column, for the counts
        self.statuses: list[str] = []
        self.severities: list[str] = []
        self.rules: list[str] = []
        self.registries: list[str] = []

    def read(self, findings: Iterable[Finding]) -> list[Mark]:
        marks: list[Mark] = []
        lowered: dict[str, str] = {}
        known, present, marker = self.known, self.present, self.marker
        for f in findings:
            subject = f.subject
            low = lowered.get(subject.id)
            if low is None:
                low = lowered[subject.id] = subject.id.lower()
            registry = subject.registry_id or ""
            reg_low = lowered.get(registry)
            if reg_low is None:
                reg_low = lowered[registry] = registry.lower()
            status, severity = _STATUS[f.status], _SEVERITY[f.severity]
            self.statuses.append(status)
            self.severities.append(severity)
            self.rules.append(f.rule_id)
            self.registries.append(reg_low)
            row = known.get((f.rule_id, low))
            if row is not None and row[1] == status and row[2] == severity:
                present.add(row[0])  # (most findings, most nights: unchanged, nothing to write)
                marks.append(marker.of_row(row))
                continue
            marks.append(self._changed(f, (f.rule_id, low), row, status, severity, reg_low))
        return marks

    def _changed(self, f: Finding, key: tuple[str, str], row: Row | None, status: str, severity: str, reg: str) -> Mark:
        if row is None:
            cursor = self.db.execute(
                "INSERT INTO keys (rule_id, subject_id, subject_name, registry) VALUES (?, ?, ?, ?)",
                (key[0], key[1], f.subject.name, reg),
            )
            row = (int(cursor.lastrowid or 0), None, severity, self.at, None, 0, 0)
        before = _state(row)
        state, fixed = _next_state(before, status, severity, self.at)
        regressed = int(state.regression and state.failing_since == self.at)
        self.changes.append((row[0], self.run, status, severity, regressed))
        self.changed[row[0]] = state
        self.present.add(row[0])
        if fixed and before is not None and before.failing_since is not None:
            self.fixes.append((row[0], before.failing_since, self.run))
        self.known[key] = state.row(row[0])  # type: ignore[assignment]
        return self.marker(state)

    def gone(self) -> None:
        """Findings known from earlier nights and absent tonight."""
        for row in self.known.values():
            if row[1] is not None and row[1] != GONE and row[0] not in self.present:
                self.changes.append((row[0], self.run, GONE, row[2], 0))
                self.changed[row[0]] = _State(GONE, row[2], self.at, None, bool(row[5]), False)

    def counts(
        self,
    ) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str, str]], Counter[tuple[str, str, str]]]:
        # (Counter over zipped columns counts in C: a Python loop here cost more than the rest)
        totals = Counter(zip(self.statuses, self.severities, strict=True))
        by_rule = Counter(zip(self.rules, self.statuses, self.severities, strict=True))
        by_registry = Counter(zip(self.registries, self.statuses, self.severities, strict=True))
        return totals, by_rule, by_registry


def record_night(db: sqlite3.Connection, result: ScanResult, where: str) -> tuple[int, list[Mark]]:
    """Record ``result`` as the newest night (one transaction); its id and each finding's mark."""
    with transaction(db):
        _check_order(db, result.metadata.now, where)
        night = _Night(db, _insert_run(db, result), result.metadata.now)
        marks = night.read(result.findings)
        night.gone()
        _write(db, night)
    return night.run, marks


def _write(db: sqlite3.Connection, night: _Night) -> None:
    run = night.run
    db.executemany("INSERT INTO changes VALUES (?, ?, ?, ?, ?)", night.changes)
    states = [state.row(key) for key, state in night.changed.items()]
    db.executemany("INSERT OR REPLACE INTO current VALUES (?, ?, ?, ?, ?, ?, ?)", states)
    db.executemany("INSERT INTO fixes VALUES (?, ?, ?)", night.fixes)
    totals, by_rule, by_registry = night.counts()
    db.executemany("INSERT INTO totals VALUES (?, ?, ?, ?)", [(run, *k, n) for k, n in totals.items()])
    rule_rows = [(k[0], run, *k[1:], n) for k, n in by_rule.items()]
    db.executemany("INSERT INTO rule_counts VALUES (?, ?, ?, ?, ?)", rule_rows)
    numbers = _registry_numbers(db, {k[0] for k in by_registry})
    rows = [(numbers[k[0]], run, *k[1:], n) for k, n in by_registry.items()]
    db.executemany("INSERT INTO registry_counts VALUES (?, ?, ?, ?, ?)", rows)


def _registry_numbers(db: sqlite3.Connection, registries: set[str]) -> dict[str, int]:
    """The number of each registry id (lower-cased; '' for findings outside any registry), added if new."""
    numbers = {registry: number for number, registry in db.execute("SELECT id, registry FROM registries")}
    for registry in sorted(registries - numbers.keys()):
        numbers[registry] = int(db.execute("INSERT INTO registries (registry) VALUES (?)", (registry,)).lastrowid or 0)
    return numbers


class _Marker:
    """The mark of a state on the night being recorded (one Mark per distinct state start)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.made: dict[tuple[str, str | None, bool], Mark] = {}

    def of_row(self, row: Row) -> Mark:
        """The mark of a stored row whose state tonight does not change."""
        failing = row[1] == FAIL and row[4] is not None
        key = (row[3], row[4] if failing else None, bool(row[6]) and failing)
        mark = self.made.get(key)
        if mark is None:
            state = _state(row)
            assert state is not None
            mark = self(state)
        return mark

    def __call__(self, state: _State) -> Mark:
        failing = state.status == FAIL and state.failing_since is not None
        key = (state.since, state.failing_since if failing else None, state.regression and failing)
        mark = self.made.get(key)
        if mark is None:
            if failing and state.failing_since is not None:
                days = max(0, (self.now - parse_datetime(state.failing_since)).days)
                mark = Mark(state.failing_since, days, state.regression)
            else:
                mark = Mark(state.since, 0, False)
            self.made[key] = mark
        return mark


def with_marks(result: ScanResult, marks: list[Mark]) -> ScanResult:
    """``result`` whose findings carry their marks (every report then shows them)."""
    tracked = tuple(
        TrackedFinding(
            **msgspec.structs.asdict(f),
            first_seen=mark.first_seen,
            days_failing=mark.days_failing,
            regression=mark.regression,
        )
        for f, mark in zip(result.findings, marks, strict=True)
    )
    return msgspec.structs.replace(result, findings=tracked)


def record_to(path: Path, result: ScanResult) -> tuple[ScanResult, HistoryView]:
    """Record ``result`` in the history at ``path`` (created if missing): ``result`` with its
    marks, and what the report shows of the history."""
    with opened(path, create=True) as db:
        run, marks = record_night(db, result, str(path))
        view = history_view(db, run)
    return with_marks(result, marks), view
