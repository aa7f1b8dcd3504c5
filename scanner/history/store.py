"""The history file: one SQLite database (standard library), its schema and its migrations.

A history holds every night a scan recorded, stored as changes rather than copies: a finding
(rule id + subject id) gets a row in ``changes`` only on the nights its status or severity
changed, appeared or disappeared (status ``gone``). So a year of nights in which most
findings stay the same costs little more than the first night, and the status of any finding
on any night is the last change at or before it. ``keys`` holds each finding's latest state
(what the next night is compared with); ``totals`` and ``rule_counts`` cache each
night's counts, so a trend reads a few rows per night (a registry's trend is rebuilt from its
few findings' changes instead: per-registry counts of every night would outweigh the rest).

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
from scanner.timeutil import format_datetime, parse_datetime

#: A finding absent from a night (its subject deleted, or out of the scan's scope).
GONE = "gone"
#: How ``keys`` stores a finding's latest status and severity.
STATUS_CODE: dict[str, int] = {**{s.value: i for i, s in enumerate(Status)}, GONE: len(Status)}
SEVERITY_CODE: dict[str, int] = {s.value: i for i, s in enumerate(Severity)}


def epoch(at: str) -> int:
    """How ``keys`` stores a scan time (ISO 8601 text in, whole epoch seconds out)."""
    return int(parse_datetime(at).timestamp())


def iso(seconds: int) -> str:
    """A stored scan time as ISO 8601 text again."""
    return format_datetime(datetime.fromtimestamp(seconds, UTC))

#: The schema version this scanner writes; each entry of MIGRATIONS brings a file one version up.
SCHEMA_VERSION = 1
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


def _migrate(db: sqlite3.Connection, path: Path) -> None:
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
            _migrate(db, path)
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
