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
from operator import attrgetter
from pathlib import Path

import msgspec

from scanner.errors import InputError
from scanner.history.store import (
    FIXED_BIT,
    GONE,
    REGRESSION_BIT,
    RULE_BITS,
    RULE_MASK,
    SEVERITY_CODE,
    SINCE_SHIFT,
    STATUS_CODE,
    STATUS_SHIFT,
    VERDICT_MASK,
    iso,
    opened,
    pack_state,
    transaction,
)
from scanner.history.view import HistoryView, history_view
from scanner.results import Finding, Severity, Status, SubjectRef, TrackedFinding
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
    """A finding's latest state: status and severity as text, ``since`` in epoch seconds (the scan
    on which its status, and for ``fail`` its failing streak, began)."""

    status: str
    severity: str
    since: int
    was_fixed: bool
    regression: bool

    def packed(self) -> int:
        """The stored form (store.pack_state)."""
        return pack_state(
            STATUS_CODE[self.status], SEVERITY_CODE[self.severity], self.since, self.was_fixed, self.regression
        )


def _next_state(state: _State | None, status: str, severity: str, at: int) -> tuple[_State, bool]:
    """The state after tonight's ``status`` (scanned ``at``), and whether a failing streak ended in a fix."""
    if state is None:
        return _State(status, severity, at, False, False), False
    if state.status == status:
        return _State(status, severity, state.since, state.was_fixed, state.regression), False
    if status == FAIL:
        return _State(status, severity, at, state.was_fixed, state.was_fixed), False
    fixed = state.status == FAIL and status in FIXED_BY
    return _State(status, severity, at, state.was_fixed or fixed, False), fixed


_STATUS_TEXT = {code: text for text, code in STATUS_CODE.items()}
_SEVERITY_TEXT = {code: text for text, code in SEVERITY_CODE.items()}
_STATUS = {s: s.value for s in Status}  # (a dict lookup instead of the enum's value property)
_SEVERITY = {s: s.value for s in Severity}
#: A status and a severity in the stored state's bits (VERDICT_MASK), or-ed together.
_STATUS_BITS = {s: STATUS_CODE[s.value] << STATUS_SHIFT for s in Status}
_SEVERITY_BITS = {s: SEVERITY_CODE[s.value] for s in Severity}
_FAIL_CODE = STATUS_CODE[FAIL]
_GONE_CODE = STATUS_CODE[GONE]
#: The bits of a state a finding's mark depends on (not severity, not was_fixed): the marks cache's key.
_MARK_BITS = ~(FIXED_BIT | 7)


def _load(db: sqlite3.Connection) -> dict[int, int]:
    """Every known finding's packed state by its key: two-column rows, the dict built in C."""
    return dict(db.execute("SELECT key, packed FROM state").fetchall())


def _status_code(packed: int) -> int:
    return (packed >> STATUS_SHIFT) & 7


def _state(packed: int) -> _State:
    return _State(
        _STATUS_TEXT[_status_code(packed)],
        _SEVERITY_TEXT[packed & 7],
        packed >> SINCE_SHIFT,
        bool(packed & FIXED_BIT),
        bool(packed & REGRESSION_BIT),
    )


class _Numbers:
    """The numbers of subjects and rules (tables ``subjects`` and ``rules``), read once a night;
    one met for the first time is numbered then."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.subjects: dict[str, int] = dict(db.execute("SELECT subject_id, id FROM subjects").fetchall())
        self.rules: dict[str, int] = dict(db.execute("SELECT rule_id, id FROM rules").fetchall())
        #: A finding's subject id, as the scan spells it, → the subject's number shifted into a key.
        self.shifted: dict[str, int] = {}

    def subject(self, subject: SubjectRef) -> int:
        """``subject``'s number shifted left by RULE_BITS (ids compare case-insensitively)."""
        low = subject.id.lower()
        number = self.subjects.get(low)
        if number is None:
            cursor = self.db.execute(
                "INSERT INTO subjects (subject_id, name, registry) VALUES (?, ?, ?)",
                (low, subject.name, (subject.registry_id or "").lower()),
            )
            number = self.subjects[low] = int(cursor.lastrowid or 0)
        shifted = self.shifted[subject.id] = number << RULE_BITS
        return shifted

    def rule(self, rule_id: str) -> int:
        number = self.rules.get(rule_id)
        if number is None:
            if len(self.rules) >= RULE_MASK:
                raise InputError(f"history: more than {RULE_MASK:,} distinct rule ids recorded; start a new history")
            cursor = self.db.execute("INSERT INTO rules (rule_id) VALUES (?)", (rule_id,))
            number = self.rules[rule_id] = int(cursor.lastrowid or 0)
        return number


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
        self.db, self.run, self.at = db, run, int(now.timestamp())
        self.known = _load(db)
        self.numbers = _Numbers(db)
        self.changes: list[tuple[int, int, str, str, int]] = []
        self.changed: dict[int, _State] = {}
        self.fixes: list[tuple[int, int, str]] = []
        self.present: set[int] = set()
        self.marker = _Marker(self.at)
        self.findings: Sequence[Finding] = ()

    def read(self, findings: Sequence[Finding]) -> list[Mark]:
        self.findings = findings
        marks: list[Mark] = []
        known, present, numbers = self.known, self.present, self.numbers
        shifted, rules = numbers.shifted, numbers.rules
        made, mark_of = self.marker.made, self.marker.of_packed
        status_bits, severity_bits = _STATUS_BITS, _SEVERITY_BITS
        for f in findings:
            subject = shifted.get(f.subject.id)
            if subject is None:
                subject = numbers.subject(f.subject)
            rule = rules.get(f.rule_id)
            if rule is None:
                rule = numbers.rule(f.rule_id)
            key = subject | rule
            packed = known.get(key)
            if packed is not None and packed & VERDICT_MASK == status_bits[f.status] | severity_bits[f.severity]:
                present.add(key)  # (most findings, most nights: unchanged, nothing to write)
                mark = made.get(packed & _MARK_BITS)
                marks.append(mark if mark is not None else mark_of(packed))
                continue
            marks.append(self._changed(key, packed, _STATUS[f.status], _SEVERITY[f.severity]))
        return marks

    def _changed(self, key: int, packed: int | None, status: str, severity: str) -> Mark:
        before = _state(packed) if packed is not None else None
        state, fixed = _next_state(before, status, severity, self.at)
        regressed = int(state.regression and state.since == self.at)
        self.changes.append((self.run, key, status, severity, regressed))
        self.changed[key] = state
        self.present.add(key)
        if fixed and before is not None:
            self.fixes.append((self.run, key, iso(before.since)))
        now_packed = self.known[key] = state.packed()
        return self.marker.of_packed(now_packed)

    def gone(self) -> None:
        """Findings known from earlier nights and absent tonight."""
        for key in self.known.keys() - self.present:
            packed = self.known[key]
            if _status_code(packed) != _GONE_CODE:
                severity = _SEVERITY_TEXT[packed & 7]
                self.changes.append((self.run, key, GONE, severity, 0))
                self.changed[key] = _State(GONE, severity, self.at, bool(packed & FIXED_BIT), False)

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
    db.executemany("INSERT INTO changes VALUES (?, ?, ?, ?, ?)", sorted(night.changes))
    states = [(key, state.packed()) for key, state in sorted(night.changed.items())]
    db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", states)
    db.executemany("INSERT INTO fixes VALUES (?, ?, ?)", night.fixes)
    totals, by_rule = night.counts()
    db.executemany("INSERT INTO totals VALUES (?, ?, ?, ?)", [(run, *k, n) for k, n in totals.items()])
    rule_rows = [(k[0], run, *k[1:], n) for k, n in by_rule.items()]
    db.executemany("INSERT INTO rule_counts VALUES (?, ?, ?, ?, ?)", rule_rows)


class _Marker:
    """The mark of a state on the night being recorded: one Mark per distinct start of a status
    (and for a failing finding, whether it is a regression), cached by those bits of the state."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.made: dict[int, Mark] = {}

    def of_packed(self, packed: int) -> Mark:
        key = packed & _MARK_BITS
        mark = self.made.get(key)
        if mark is None:
            since = packed >> SINCE_SHIFT
            if _status_code(packed) == _FAIL_CODE:
                mark = Mark(iso(since), max(0, (self.now - since) // 86400), bool(packed & REGRESSION_BIT))
            else:
                mark = Mark(iso(since), 0, False)
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
