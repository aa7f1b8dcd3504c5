"""``acr-scan diff OLD NEW``: what is new, fixed and changed between two JSON results files."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import BinaryIO

import orjson

from scanner.atomic import write_atomic
from scanner.cli.options import EPILOG, add_size_option
from scanner.errors import ExitCode
from scanner.outputs.terminal import safe_bytes


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``diff`` and its options."""
    diff = commands.add_parser(
        "diff", help="compare two JSON results files: new, fixed and changed findings", epilog=EPILOG
    )
    diff.add_argument("old", type=Path, metavar="OLD.json", help="the earlier results (acr-scan scan --format json)")
    diff.add_argument("new", type=Path, metavar="NEW.json", help="the later results")
    diff.add_argument("--format", choices=["table", "json", "markdown", "html"], default="table")
    diff.add_argument("--output", "-o", type=Path, help="write the report here instead of stdout")
    add_size_option(diff)


def _write_bytes(data: bytes, stream: BinaryIO) -> None:
    stream.write(data)


def run(args: argparse.Namespace) -> int:
    """``acr-scan diff OLD NEW``: exit 1 when anything needs attention that did not before."""
    from scanner.baseline import compare, drift_document, drift_markdown, drift_table, load_results

    old, new = load_results(args.old, args.max_decompressed_size), load_results(args.new, args.max_decompressed_size)
    drift = compare(old.observations, new.observations)
    if args.format == "json":
        data = orjson.dumps(drift_document(drift, old, new), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
    elif args.format == "markdown":
        data = drift_markdown(drift, old, new).encode("utf-8", "replace")
    elif args.format == "html":
        from scanner.outputs.html_diff import drift_html

        data = drift_html(drift, old, new).encode("utf-8", "replace")
    else:
        data = drift_table(drift, old, new).encode("utf-8", "replace")
    if args.output is not None:
        write_atomic(args.output, partial(_write_bytes, data))
    else:
        if args.format != "table" and sys.stdout.isatty():  # (the table escapes its own text)
            data = safe_bytes(data)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return int(ExitCode.FINDINGS) if drift.new else 0
