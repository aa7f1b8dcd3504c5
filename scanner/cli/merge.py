"""``acr-scan merge``: join snapshots (the parts of ``collect --shard K/N``) into one."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from scanner.cli.options import EPILOG, add_size_option
from scanner.errors import InputError

_DESCRIPTION = (
    "Join snapshots into one that scans as one collection would: every list the union of the inputs' rows "
    "(tenant-level rows once), errors kept, scope the union, the earliest collection time, and every input "
    "recorded. Rows that differ between inputs are conflicts: listed on stderr (and exit 2 with --strict)."
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``merge`` and its options."""
    text = "join snapshots (the parts of collect --shard K/N) into one snapshot"
    merge = commands.add_parser("merge", help=text, description=_DESCRIPTION, epilog=EPILOG)
    merge.add_argument("snapshots", nargs="+", type=Path, metavar="SNAPSHOT", help="snapshot files (.json or .json.gz)")
    merge.add_argument("--output", "-o", type=Path, required=True, help="the merged snapshot (.json or .json.gz)")
    merge.add_argument("--strict", action="store_true", help="refuse (exit 2, nothing written) when inputs conflict")
    merge.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors and conflicts")
    add_size_option(merge)


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def run(args: argparse.Namespace) -> int:
    """Write the merged snapshot; exit 0 (2 on bad input, or on conflicts with --strict)."""
    from scanner.cli.progress import Progress
    from scanner.outputs.terminal import safe_text
    from scanner.sources.merge import Input, merge
    from scanner.sources.snapshot import SnapshotFileSource
    from scanner.sources.snapshot_writer import write_snapshot

    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet, doing="merging")
    inputs = []
    try:
        for number, path in enumerate(args.snapshots, 1):
            progress(f"reading {number}/{len(args.snapshots)} {path}")
            document = SnapshotFileSource(path, args.max_decompressed_size, shards=True).load().data
            inputs.append(Input(str(path), _digest(path), dict(document)))
        progress(f"joining {len(inputs)} snapshots")
        merged = merge(inputs)
        progress(f"writing {args.output}")
    finally:
        progress.done()
    for conflict in merged.conflicts:
        sys.stderr.write(f"acr-scan: conflict: {safe_text(conflict)}\n")
    if merged.conflicts and args.strict:
        raise InputError(f"merge: {len(merged.conflicts)} conflict(s) between the inputs (--strict): nothing written")
    write_snapshot(merged.document, args.output)
    if not args.quiet:
        registries = len(merged.document["resourceGraph"].get("registries", ()))
        sys.stderr.write(
            f"acr-scan: wrote {safe_text(str(args.output))}: {len(inputs)} snapshots, {registries} registries, "
            f"{len(merged.conflicts)} conflict(s)\n"
        )
    return 0
