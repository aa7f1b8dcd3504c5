"""``acr-scan collect``: read a live tenant and write a snapshot (also the first step of a live ``scan``).

The collection itself is :mod:`scanner.cli.live_collect`, imported only when a command collects,
so that parsing the command line of a snapshot or IaC scan does not load the Azure SDKs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scanner.cli.options import EPILOG, add_live_options
from scanner.errors import ExitCode


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``collect`` and its options."""
    collect = commands.add_parser("collect", help="read a live tenant and write a snapshot", epilog=EPILOG)
    where = collect.add_mutually_exclusive_group(required=True)
    where.add_argument("--subscription", action="append", default=[], metavar="ID", help="repeatable")
    where.add_argument("--management-group", action="append", default=[], metavar="ID", help="repeatable")
    where.add_argument("--tenant", action="store_true", help="every subscription the identity can read")
    collect.add_argument("--output", "-o", type=Path, required=True, help="snapshot file (.json or .json.gz)")
    collect.add_argument(
        "--shard",
        type=shard_of,
        metavar="K/N",
        help="collect only part K of N of the scope's subscriptions (a stable split: N jobs with K = 1..N "
        "cover every subscription once); join the parts with acr-scan merge",
    )
    add_live_options(collect)
    collect.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def shard_of(value: str) -> tuple[int, int]:
    """``--shard 2/5`` → (2, 5)."""
    index, _, of = value.partition("/")
    if not (index.isdigit() and of.isdigit() and 1 <= int(index) <= int(of)):
        raise argparse.ArgumentTypeError(f"{value!r} is not K/N with 1 <= K <= N (for example 2/5)")
    return int(index), int(of)


def run(args: argparse.Namespace) -> int:
    """Exit 3 when some part could not be collected (the snapshot records which)."""
    from scanner.cli.live_collect import collect_to  # (the Azure SDKs: only when collecting)

    gaps = collect_to(args, args.output)
    return int(ExitCode.INCOMPLETE) if gaps else 0
