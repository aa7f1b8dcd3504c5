"""``acr-scan access``: who can pull, push and delete on each registry, and through what path."""

from __future__ import annotations

import argparse
import io
import os
import sys
from functools import partial
from pathlib import Path

from scanner.atomic import write_atomic
from scanner.azure import rbac
from scanner.cli.options import EPILOG, add_size_option
from scanner.errors import InputError
from scanner.inventory.access_paths import every_access
from scanner.inventory.build import build_inventory
from scanner.outputs.access import FORMATS, AccessFilter, AccessReport, select, unmatched_registries
from scanner.outputs.terminal import safe_bytes
from scanner.sources.base import RawSnapshot
from scanner.sources.snapshot import SnapshotFileSource
from scanner.timeutil import parse_datetime


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``access`` and its options."""
    access = commands.add_parser(
        "access",
        help="who can pull, push and delete on each registry, and through what path",
        description="List every grant of data access to each registry (role assignments at every scope, "
        "group membership, the admin user, anonymous pull, repository tokens) with its path, and the "
        "escalations that could open one. What could not be read is listed as unknown.",
        epilog=EPILOG,
    )
    source = access.add_mutually_exclusive_group(required=True)
    source.add_argument("--snapshot", type=Path, help="a snapshot file (.json or .json.gz)")
    source.add_argument(
        "--iac",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="IaC files or folders: ARM/Bicep JSON templates (+ parameters files), Terraform plan JSON or .tf",
    )
    access.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="NAME_OR_ID",
        help="only this registry: its name or resource id, any case (repeatable)",
    )
    access.add_argument(
        "--principal",
        action="append",
        default=[],
        metavar="ID_OR_NAME",
        help="only this principal: object id, display name, 'anonymous', or a token's resource id or name, "
        "any case (repeatable)",
    )
    access.add_argument(
        "--action",
        action="append",
        default=[],
        choices=list(rbac.ACTIONS),
        help="only grants that include this action (repeatable; escalations are always listed)",
    )
    access.add_argument("--format", choices=list(FORMATS), default=next(iter(FORMATS)), help="(default: table)")
    access.add_argument("--output", "-o", type=Path, help="write the report here (atomically) instead of stdout")
    add_size_option(access)
    access.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="colour the table")


def _load(args: argparse.Namespace) -> RawSnapshot:
    if args.iac:
        from scanner.sources.iac.detect import find_repo_root  # (the IaC readers: only for --iac)
        from scanner.sources.iac.source import IacSource

        return IacSource(args.iac, find_repo_root(args.iac)).load()
    return SnapshotFileSource(args.snapshot, args.max_decompressed_size).load()


def report_of(args: argparse.Namespace) -> AccessReport:
    """Read the input, build the inventory and its access model, apply the filters."""
    raw = _load(args)
    declarations = raw.declarations
    inventory = build_inventory(
        raw.data,
        parse_datetime(raw.data["collectedAt"]),
        declarations.live_only if declarations else None,
        declarations.co_declared if declarations else None,
    )
    accesses = list(every_access(inventory))
    missing = unmatched_registries(accesses, args.registry)
    if missing:
        raise InputError(
            f"{raw.origin}: no registry named {', '.join(map(repr, missing))} "
            f"(--registry takes a registry's name or resource id; {len(accesses)} registries in the input)"
        )
    filters = AccessFilter(tuple(args.registry), tuple(args.principal), tuple(dict.fromkeys(args.action)))
    return select(raw.origin, accesses, filters)


def run(args: argparse.Namespace) -> int:
    """Print or write the report; 0 whenever it could be made (an empty answer included)."""
    report = report_of(args)
    color = args.color if args.color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    formatter = FORMATS[args.format](bool(color) and args.output is None)
    if args.output is not None:
        write_atomic(args.output, partial(formatter.write, report))
        return 0
    if args.format != "table" and sys.stdout.isatty():  # (the table escapes its own text)
        buffer = io.BytesIO()
        formatter.write(report, buffer)
        sys.stdout.buffer.write(safe_bytes(buffer.getvalue()))
    else:
        sys.stdout.flush()
        formatter.write(report, sys.stdout.buffer)
    sys.stdout.flush()
    return 0
