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
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import msgspec

from scanner.errors import InputError
from scanner.history.store import GONE, SEVERITY_CODE, STATUS_CODE, epoch, iso, opened, transaction
from scanner.history.view import HistoryView, history_view
from scanner.results import Finding, Severity, Status, TrackedFinding
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime, parse_datetime

FAIL = "fail"
FIXED_BY = frozenset({"pass", "not_applicable", "suppressed"})


class Mark(msgspec.Struct, frozen=True, gc=False):
    """What the history says of one finding of the night being recorded."""

    first_seen: str
    days_failing: int
    regression: bool


class _State(msgspec.Struct, gc=False):
    """A finding's latest state (the state columns of its row in ``keys``); times are scan times, ISO 8601."""

    status: str
    severity: str
    since: str
    failing_since: str | None
    was_fixed: bool
    regression: bool

    def row(self, key: int) -> tuple[Any, ...]:
        """The stored form: status and severity as codes, times as epoch seconds (see :data:`Row`)."""
        failing = epoch(self.failing_since) if self.failing_since is not None else None
        codes = (STATUS_CODE[self.status], SEVERITY_CODE[self.severity])
        return (key, *codes, epoch(self.since), failing, int(self.was_fixed), int(self.regression))


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


# A finding's stored row: (key id, status code, severity code, since, failing_since, was_fixed,
# regression, the lookup key "rule id NUL lower-cased subject id"); status is None for a key
# without a state yet. Codes and epoch seconds rather than text: a night reads every finding's
# row, and small integers cost Python no allocation, where each text value would be a string.
Row = tuple[Any, ...]
_STATUS_TEXT = {code: text for text, code in STATUS_CODE.items()}
_SEVERITY_TEXT = {code: text for text, code in SEVERITY_CODE.items()}
_STATUS = {s: s.value for s in Status}  # (a dict lookup instead of the enum's value property)
_SEVERITY = {s: s.value for s in Severity}
_STATUS_OF = {s: STATUS_CODE[s.value] for s in Status}
_SEVERITY_OF = {s: SEVERITY_CODE[s.value] for s in Severity}


def _load(db: sqlite3.Connection) -> dict[str, Row]:
    """Every known finding, by its lookup key, in one query over one table (the dict built in C)."""
    rows = db.execute(
        "SELECT id, status, severity, since, failing_since, was_fixed, regression, "
        "rule_id || char(0) || subject_id FROM keys"
    ).fetchall()
    return dict(zip(map(itemgetter(7), rows), rows, strict=True))


def _state(row: Row) -> _State | None:
    if row[1] is None:
        return None
    failing = iso(row[4]) if row[4] is not None else None
    return _State(_STATUS_TEXT[row[1]], _SEVERITY_TEXT[row[2]], iso(row[3]), failing, bool(row[5]), bool(row[6]))


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
        self.findings: Sequence[Finding] = ()

    def read(self, findings: Sequence[Finding]) -> list[Mark]:
        self.findings = findings
        marks: list[Mark] = []
        lowered: dict[str, str] = {}
        known, present, marker = self.known, self.present, self.marker
        for f in findings:
            subject = f.subject
            low = lowered.get(subject.id)
            if low is None:
                low = lowered[subject.id] = subject.id.lower()
            key = f"{f.rule_id}\0{low}"
            row = known.get(key)
            if row is not None and row[1] == _STATUS_OF[f.status] and row[2] == _SEVERITY_OF[f.severity]:
                present.add(row[0])  # (most findings, most nights: unchanged, nothing to write)
                marks.append(marker.of_row(row))
                continue
            marks.append(self._changed(f, key, row, _STATUS[f.status], _SEVERITY[f.severity]))
        return marks

    def _changed(self, f: Finding, key: str, row: Row | None, status: str, severity: str) -> Mark:
        if row is None:
            registry = (f.subject.registry_id or "").lower()
            cursor = self.db.execute(
                "INSERT INTO keys (rule_id, subject_id, subject_name, registry) VALUES (?, ?, ?, ?)",
                (f.rule_id, key.split("\0", 1)[1], f.subject.name, registry),
            )
            row = (int(cursor.lastrowid or 0), None, SEVERITY_CODE[severity], epoch(self.at), None, 0, 0, key)
        before = _state(row)
        state, fixed = _next_state(before, status, severity, self.at)
        regressed = int(state.regression and state.failing_since == self.at)
        self.changes.append((row[0], self.run, status, severity, regressed))
        self.changed[row[0]] = state
        self.present.add(row[0])
        if fixed and before is not None and before.failing_since is not None:
            self.fixes.append((row[0], before.failing_since, self.run))
        self.known[key] = (*state.row(row[0]), key)
        return self.marker(state)

    def gone(self) -> None:
        """Findings known from earlier nights and absent tonight."""
        for row in self.known.values():
            if row[1] is not None and row[1] != STATUS_CODE[GONE] and row[0] not in self.present:
                severity = _SEVERITY_TEXT[row[2]]
                self.changes.append((row[0], self.run, GONE, severity, 0))
                self.changed[row[0]] = _State(GONE, severity, self.at, None, bool(row[5]), False)

    def counts(self) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str, str]]]:
        # (Counter over attrgetter counts in C: a Python loop here cost more than the rest; the
        # StrEnum keys become their text values, a few distinct ones, once counted)
        by_rule_enum = Counter(map(attrgetter("rule_id", "status", "severity"), self.findings))
        by_rule: Counter[tuple[str, str, str]] = Counter()
        totals: Counter[tuple[str, str]] = Counter()
        for (rule, status, severity), n in by_rule_enum.items():
            by_rule[(rule, _STATUS[status], _SEVERITY[severity])] += n
            totals[(_STATUS[status], _SEVERITY[severity])] += n
        return totals, by_rule


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
    states = [(*state.row(key)[1:], key) for key, state in night.changed.items()]
    db.executemany(
        "UPDATE keys SET status = ?, severity = ?, since = ?, failing_since = ?, was_fixed = ?, regression = ? "
        "WHERE id = ?",
        states,
    )
    db.executemany("INSERT INTO fixes VALUES (?, ?, ?)", night.fixes)
    totals, by_rule = night.counts()
    db.executemany("INSERT INTO totals VALUES (?, ?, ?, ?)", [(run, *k, n) for k, n in totals.items()])
    rule_rows = [(k[0], run, *k[1:], n) for k, n in by_rule.items()]
    db.executemany("INSERT INTO rule_counts VALUES (?, ?, ?, ?, ?)", rule_rows)


class _Marker:
    """The mark of a state on the night being recorded (one Mark per distinct state start)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.made: dict[tuple[Any, ...], Mark] = {}

    def of_row(self, row: Row) -> Mark:
        """The mark of a stored row whose state tonight does not change."""
        failing = row[1] == STATUS_CODE[FAIL] and row[4] is not None
        key = ("epoch", row[3], row[4] if failing else None, bool(row[6]) and failing)
        mark = self.made.get(key)
        if mark is None:
            state = _state(row)
            assert state is not None
            mark = self.made[key] = self(state)
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


def record_to(path: Path, result: ScanResult, view: bool = True) -> tuple[ScanResult, HistoryView | None]:
    """Record ``result`` in the history at ``path`` (created if missing): ``result`` with its
    marks, and (when ``view``: only the HTML report shows it) what a report shows of the history."""
    with opened(path, create=True) as db:
        run, marks = record_night(db, result, str(path))
        shown = history_view(db, run) if view else None
    return with_marks(result, marks), shown
