"""``acr-scan diff OLD NEW``: what is new, fixed and changed between two JSON results files."""

from __future__ import annotations

import argparse
import io
import sys
from functools import partial
from pathlib import Path

from scanner.atomic import write_atomic
from scanner.cli.options import EPILOG, add_size_option
from scanner.drift import FORMATS
from scanner.errors import ExitCode
from scanner.outputs.terminal import safe_bytes


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``diff`` and its options."""
    diff = commands.add_parser(
        "diff", help="compare two JSON results files: new, fixed and changed findings", epilog=EPILOG
    )
    diff.add_argument("old", type=Path, metavar="OLD.json", help="the earlier results (acr-scan scan --format json)")
    diff.add_argument("new", type=Path, metavar="NEW.json", help="the later results")
    diff.add_argument("--format", choices=list(FORMATS), default=next(iter(FORMATS)))
    diff.add_argument("--output", "-o", type=Path, help="write the report here instead of stdout")
    add_size_option(diff)


def run(args: argparse.Namespace) -> int:
    """``acr-scan diff OLD NEW``: exit 1 when anything needs attention that did not before."""
    from scanner.drift.base import Comparison
    from scanner.drift.results_file import load_results

    old, new = load_results(args.old, args.max_decompressed_size), load_results(args.new, args.max_decompressed_size)
    comparison = Comparison.of(old, new)
    report = FORMATS[args.format]()
    if args.output is not None:
        write_atomic(args.output, partial(report.write, comparison))
    elif sys.stdout.isatty():  # names and messages come from the files: no control character reaches the terminal
        buffer = io.BytesIO()
        report.write(comparison, buffer)
        sys.stdout.buffer.write(safe_bytes(buffer.getvalue()))
    else:
        report.write(comparison, sys.stdout.buffer)
    sys.stdout.flush()
    return int(ExitCode.FINDINGS) if comparison.drift.new else 0
