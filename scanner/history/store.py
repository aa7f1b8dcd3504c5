"""The history file: one SQLite database (standard library), its schema and its migrations.

A history holds every night a scan recorded, stored as changes rather than copies: a finding
(rule + subject) gets a row in ``changes`` only on the nights its status or severity changed,
appeared or disappeared (status ``gone``). So a year of nights in which most findings stay the
same costs little more than the first night, and the status of any finding on any night is the
last change at or before it. ``state`` holds each finding's latest state (what the next night
is compared with); ``totals`` and ``rule_counts`` cache each night's counts, so a trend reads a
few rows per night (a registry's trend is rebuilt from its few findings' changes instead:
per-registry counts of every night would outweigh the rest).

A finding is named by one integer, its *key*: its subject's number in ``subjects`` shifted
left by :data:`RULE_BITS`, or-ed with its rule's number in ``rules``. A
night looks up every finding it recorded before, and integers are what a dictionary hashes
and compares fastest; the 160-character subject ids are read once per subject, not once per
finding (schema version 2; version 1 keyed findings by text, and is migrated in place).

Every night is written in one transaction (WAL journal): a crash or a kill during a write
leaves the nights before it intact, and readers never see half a night. The schema carries a
version (``meta``); an older file is migrated in place, in one transaction; a newer one is
refused (exit 2) without being changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from scanner.errors import InputError
from scanner.results import Severity, Status
from scanner.timeutil import format_datetime

#: A finding absent from a night (its subject deleted, or out of the scan's scope).
GONE = "gone"
#: How a finding's state stores its status and severity (3 bits each).
STATUS_CODE: dict[str, int] = {**{s.value: i for i, s in enumerate(Status)}, GONE: len(Status)}
SEVERITY_CODE: dict[str, int] = {s.value: i for i, s in enumerate(Severity)}
assert max(STATUS_CODE.values()) < 8 and max(SEVERITY_CODE.values()) < 8


def iso(seconds: int) -> str:
    """A stored scan time as ISO 8601 text again."""
    return format_datetime(datetime.fromtimestamp(seconds, UTC))


#: A finding's key is ``subject << RULE_BITS | rule``: room for 65,535 rules over a history's life.
RULE_BITS = 16
RULE_MASK = (1 << RULE_BITS) - 1


# A finding's latest state is one integer (column ``state.packed``), from the low bits up:
# severity (3 bits), status (3), was_fixed (1), regression (1), then ``since``, the epoch
# seconds of the scan on which its status began. A failing finding's streak began then too
# (only a change of status starts or ends one), so that time is not stored twice. One integer
# a finding: a night reads every finding's state, and the dict of 45,000 such pairs is built
# in C from two-column rows, half the time of a row of columns.
STATUS_SHIFT, FIXED_BIT, REGRESSION_BIT, SINCE_SHIFT = 3, 1 << 6, 1 << 7, 8
#: The bits a finding's night-to-night comparison reads: status and severity.
VERDICT_MASK = (1 << 6) - 1


def pack_state(status: int, severity: int, since: int, was_fixed: bool, regression: bool) -> int:
    """The stored form of a state (status and severity as codes, ``since`` in epoch seconds)."""
    flags = (FIXED_BIT if was_fixed else 0) | (REGRESSION_BIT if regression else 0)
    return (since << SINCE_SHIFT) | flags | (status << STATUS_SHIFT) | severity


#: SQL for the parts of ``packed`` (the queries that list findings read them).
STATUS_SQL = f"((packed >> {STATUS_SHIFT}) & 7)"
SEVERITY_SQL = "(packed & 7)"
SINCE_SQL = f"(packed >> {SINCE_SHIFT})"
REGRESSION_SQL = f"((packed & {REGRESSION_BIT}) != 0)"

#: The schema version this scanner writes; each entry of MIGRATIONS brings a file one version up.
SCHEMA_VERSION = 2
APPLICATION = "acr-scan history"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # version 1
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            scanned_at TEXT NOT NULL,
            collected_at TEXT NOT NULL,
            source TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            pack_hash TEXT NOT NULL,
            findings INTEGER NOT NULL
        )""",
        # One row per finding ever seen, with its latest state (what the next night is compared
        # with): status and severity as codes (STATUS_CODE, SEVERITY_CODE above),
        # times as epoch seconds, not night numbers, so pruning old nights cannot move when a
        # streak began.
        """CREATE TABLE keys (
            id INTEGER PRIMARY KEY,
            rule_id TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            subject_name TEXT NOT NULL,
            registry TEXT NOT NULL,
            status INTEGER,
            severity INTEGER,
            since INTEGER,
            failing_since INTEGER,
            was_fixed INTEGER NOT NULL DEFAULT 0,
            regression INTEGER NOT NULL DEFAULT 0,
            UNIQUE (rule_id, subject_id)
        )""",
        "CREATE INDEX keys_by_registry ON keys (registry)",
        """CREATE TABLE changes (
            key INTEGER NOT NULL,
            run INTEGER NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            regression INTEGER NOT NULL,
            PRIMARY KEY (key, run)
        ) WITHOUT ROWID""",
        "CREATE INDEX changes_by_run ON changes (run)",
        """CREATE TABLE fixes (
            key INTEGER NOT NULL,
            failed_at TEXT NOT NULL,
            fixed_run INTEGER NOT NULL,
            PRIMARY KEY (key, fixed_run)
        ) WITHOUT ROWID""",
        """CREATE TABLE totals (
            run INTEGER NOT NULL, status TEXT NOT NULL, severity TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (run, status, severity)
        ) WITHOUT ROWID""",
        """CREATE TABLE rule_counts (
            rule_id TEXT NOT NULL, run INTEGER NOT NULL, status TEXT NOT NULL, severity TEXT NOT NULL,
            n INTEGER NOT NULL, PRIMARY KEY (rule_id, run, status, severity)
        ) WITHOUT ROWID""",
    ),
    (  # version 2: findings keyed by one integer (subject and rule numbers), their state apart
        "CREATE TABLE subjects (id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL UNIQUE, "
        "name TEXT NOT NULL, registry TEXT NOT NULL)",
        "CREATE INDEX subjects_by_registry ON subjects (registry)",
        "CREATE TABLE rules (id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL UNIQUE)",
        # The latest state only, one integer a finding (pack_state): the rows a night updates
        # (a few percent of them, scattered) sit hundreds to a page, so a commit writes few pages.
        "CREATE TABLE state (key INTEGER PRIMARY KEY, packed INTEGER NOT NULL)",
        # Version 1's rows, renumbered: subjects and rules in the order of their text.
        "INSERT INTO subjects (subject_id, name, registry) "
        "SELECT subject_id, min(subject_name), min(registry) FROM keys GROUP BY subject_id ORDER BY subject_id",
        "INSERT INTO rules (rule_id) SELECT DISTINCT rule_id FROM keys ORDER BY rule_id",
        f"""CREATE TEMP TABLE renumbered AS SELECT k.id AS old, (s.id << {RULE_BITS}) | r.id AS new
            FROM keys k JOIN subjects s ON s.subject_id = k.subject_id JOIN rules r ON r.rule_id = k.rule_id""",
        f"""INSERT INTO state SELECT n.new, (k.since << {SINCE_SHIFT}) | (k.regression * {REGRESSION_BIT})
            | (k.was_fixed * {FIXED_BIT}) | (k.status << {STATUS_SHIFT}) | k.severity
            FROM keys k JOIN renumbered n ON n.old = k.id WHERE k.status IS NOT NULL""",
        "ALTER TABLE changes RENAME TO changes_v1",
        "ALTER TABLE fixes RENAME TO fixes_v1",
        # A night's changes and fixes are appended in key order under its run: a night's rows
        # are neighbours, where version 1's (key, run) order scattered them over the whole table.
        """CREATE TABLE changes (
            run INTEGER NOT NULL,
            key INTEGER NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            regression INTEGER NOT NULL,
            PRIMARY KEY (run, key)
        ) WITHOUT ROWID""",
        """CREATE TABLE fixes (
            fixed_run INTEGER NOT NULL,
            key INTEGER NOT NULL,
            failed_at TEXT NOT NULL,
            PRIMARY KEY (fixed_run, key)
        ) WITHOUT ROWID""",
        "INSERT INTO changes SELECT c.run, n.new, c.status, c.severity, c.regression "
        "FROM changes_v1 c JOIN renumbered n ON n.old = c.key",
        "INSERT INTO fixes SELECT x.fixed_run, n.new, x.failed_at FROM fixes_v1 x JOIN renumbered n ON n.old = x.key",
        "DROP TABLE changes_v1",  # (its index changes_by_run goes with it)
        "DROP TABLE fixes_v1",
        "DROP TABLE keys",
        "DROP TABLE renumbered",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


def _version(db: sqlite3.Connection, path: Path) -> int:
    """The file's schema version: 0 for an empty database, else what its ``meta`` says."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    if "meta" not in tables:
        raise InputError(f"{path}: not an acr-scan history file (a SQLite database without its tables)")
    found = dict(db.execute("SELECT key, value FROM meta").fetchall())
    if found.get("application") != APPLICATION or not str(found.get("schema_version", "")).isdigit():
        raise InputError(f"{path}: not an acr-scan history file")
    return int(found["schema_version"])


def _check_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{path}: history schema version {version} is newer than this acr-scan reads "
            f"({SCHEMA_VERSION}); upgrade acr-scan (the file was not changed)"
        )


def _migrate(db: sqlite3.Connection, path: Path) -> int:
    """Bring the file to SCHEMA_VERSION in one transaction; the version it had (0: a new file)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db, path)
        _check_newer(version, path)
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement)
        if version < SCHEMA_VERSION:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('application', ?)", (APPLICATION,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return version


@contextmanager
def opened(path: Path, create: bool = False) -> Iterator[sqlite3.Connection]:
    """The history at ``path``, migrated to this version (created first when ``create``)."""
    if not create and not path.is_file():
        raise InputError(f"{path}: no such history file")
    if path.exists() and not path.is_file():
        raise InputError(f"{path}: not a file")
    try:
        # (autocommit mode: transactions are opened explicitly, BEGIN IMMEDIATE for writers)
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open the history: {exc}") from None
    try:
        try:
            _check_newer(_version(db, path), path)  # (before anything writes: a foreign file stays as it was)
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # (WAL: a commit survives a crash of the process)
            if 0 < _migrate(db, path) < SCHEMA_VERSION:
                # (a migration rewrites the tables it renumbers: give the old pages back, once,
                # rather than leave the file half empty; VACUUM is all or nothing too)
                db.execute("VACUUM")
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not an acr-scan history file ({exc})") from None
        yield db
    finally:
        db.close()


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of it is committed, or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
