"""What several subcommands share: the exit-code epilog, argument types and common options."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from scanner.config import Config, find_config, load_config
from scanner.errors import InputError
from scanner.input_limits import DEFAULT_MAX_DECOMPRESSED, format_size, parse_size
from scanner.outputs import FORMATS
from scanner.sources.live.limits import add_limit_options
from scanner.timeutil import parse_datetime

EPILOG = """exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 incomplete data (unknown findings; for collect: parts not readable; for export: records refused),
4 internal error, 5 Azure could not be reached (authentication, network, TLS)."""


def comma_list(value: str) -> list[str]:
    """``a, b,c`` → ``["a", "b", "c"]``."""
    return [v.strip() for v in value.split(",") if v.strip()]


def format_names(value: str) -> list[str]:
    """``--format json,sarif``: known format names, without repeats."""
    names = comma_list(value)
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or repr(value)} (choose from {', '.join(sorted(FORMATS))})"
        )
    return list(dict.fromkeys(names))


def _size(value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_size_option(parser: argparse.ArgumentParser) -> None:
    """``--max-decompressed-size``: the bound on what a compressed input may inflate to."""
    parser.add_argument(
        "--max-decompressed-size",
        type=_size,
        default=DEFAULT_MAX_DECOMPRESSED,
        metavar="SIZE",
        help="refuse a compressed input (.gz snapshot or results, evidence members) that decompresses to "
        f"more than SIZE (default: {format_size(DEFAULT_MAX_DECOMPRESSED)})",
    )


def add_auth_options(parser: argparse.ArgumentParser) -> None:
    """The credential and the cloud its authority is in (``collect``, ``scan`` live, ``probe``)."""
    parser.add_argument(
        "--auth",
        default="default",
        choices=["default", "cli", "managed-identity", "environment", "workload-identity"],
        help="how to authenticate (default: DefaultAzureCredential)",
    )
    parser.add_argument(
        "--cloud",
        default="AzureCloud",
        metavar="NAME|FILE",
        help="AzureCloud, AzureChinaCloud, AzureUSGovernment, or a YAML file of endpoints",
    )


def add_fail_on_unknown(parser: argparse.ArgumentParser, default: bool | None, help: str) -> None:
    """``--fail-on-unknown`` / ``--no-fail-on-unknown``: whether an unknown verdict fails with exit 3."""
    parser.add_argument("--fail-on-unknown", action=argparse.BooleanOptionalAction, default=default, help=help)


def add_live_options(parser: argparse.ArgumentParser) -> None:
    """How to reach Azure: credential, cloud, request logging, and the bounds of every call."""
    add_auth_options(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="log every HTTP request (never tokens)")
    add_limit_options(parser)


def parse_now(value: str | None) -> datetime | None:
    """``--now``: an ISO 8601 timestamp, or None for the snapshot's own time."""
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise InputError(f"--now: {value!r} is not an ISO 8601 timestamp (e.g. 2026-11-27T02:00:00Z)") from None


def config_for(path: Path | None) -> Config:
    """The configuration of ``--config``, else the one found from the working directory."""
    return load_config(find_config(path, Path.cwd()))
