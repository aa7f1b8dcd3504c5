"""Write a snapshot: validated against the snapshot schema, sorted, gzip if asked, atomic.

Written snapshots go through the same schema the reader enforces, so the scanner never saves
a file it would later refuse (and never one carrying secret fields the schema forbids).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from scanner.atomic import write_atomic
from scanner.sources.snapshot import validate_snapshot


def snapshot_bytes(snapshot: dict[str, Any], gzipped: bool) -> bytes:
    """Canonical bytes: sorted keys, two-space indent; gzip with a fixed mtime (repeatable)."""
    data = orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
    return gzip.compress(data, mtime=0) if gzipped else data


def _write(handle: BinaryIO, data: bytes) -> None:
    handle.write(data)


def write_snapshot(snapshot: dict[str, Any], path: Path) -> None:
    """Validate and write ``snapshot`` to ``path`` (``.json`` or ``.json.gz``) atomically."""
    validate_snapshot(f"snapshot for {path}", snapshot)
    data = snapshot_bytes(snapshot, gzipped=path.name.endswith(".gz"))
    write_atomic(path, lambda handle: _write(handle, data))
