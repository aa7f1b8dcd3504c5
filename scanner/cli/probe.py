"""``acr-scan probe``: DNS, TLS, challenge and token checks from this machine, against the snapshot's prediction."""

from __future__ import annotations

import argparse
import io
import os
import ssl
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from scanner.atomic import write_atomic
from scanner.cli.options import add_auth_options, add_fail_on_unknown, add_size_option, comma_list
from scanner.errors import ExitCode, InputError, ScannerError
from scanner.outputs.terminal import safe_bytes
from scanner.probe.model import STEPS, ProbeReport

FORMATS = ("table", "json", "sarif", "junit")
HELP = "check DNS, TLS, the /v2/ challenge and a token from this machine (no Docker, no Azure CLI)"
DESCRIPTION = (
    "Probe each registry's data plane from this machine and compare with what the snapshot predicts: DNS (login "
    "server and data endpoints, privatelink CNAMEs, private or public answers), TLS (chain, name, expiry, "
    "interception proxies), the /v2/ challenge and the token exchange. See docs/probe.md."
)
EPILOG = """exit codes: 0 every step ok or skipped, 1 a step failed, 2 usage or input error,
3 a step is unknown (with --fail-on-unknown, the default), 4 internal error."""


def _steps(value: str) -> tuple[str, ...]:
    names = comma_list(value)
    wrong = [n for n in names if n not in STEPS]
    if wrong or not names:
        raise argparse.ArgumentTypeError(
            f"unknown step {', '.join(wrong) or repr(value)} (choose from {','.join(STEPS)})"
        )
    return tuple(s for s in STEPS if s in names)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 < seconds <= 300:
        raise argparse.ArgumentTypeError(f"{value!r}: expected seconds from 0 to 300")
    return seconds


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``probe`` and its options."""
    probe = commands.add_parser("probe", help=HELP, description=DESCRIPTION, epilog=EPILOG)
    probe.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="NAME|LOGIN_SERVER[:PORT]",
        help="a registry to probe (repeatable; default: every registry of --snapshot)",
    )
    probe.add_argument("--snapshot", type=Path, help="a snapshot: what the control plane expects and predicts")
    probe.add_argument(
        "--vnet",
        metavar="ID",
        help="resource id of the VNet this runner is in (predictions per VNet; needs --snapshot)",
    )
    add_auth_options(probe)
    probe.add_argument(
        "--token-scope",
        default=None,
        metavar="SCOPE",
        help="the Entra scope asked for (default: https://containerregistry.azure.net/.default)",
    )
    probe.add_argument(
        "--repository", metavar="REPO", help="ask for a pull token on this repository (else registry:catalog:*)"
    )
    probe.add_argument("--expect-private", action="store_true", help="every name must resolve to a private address")
    probe.add_argument(
        "--dns-server",
        default=os.environ.get("ACR_SCAN_DNS_SERVER") or None,
        metavar="HOST[:PORT]",
        help="send every lookup to this resolver (default: $ACR_SCAN_DNS_SERVER, else /etc/resolv.conf)",
    )
    probe.add_argument(
        "--steps",
        type=_steps,
        default=STEPS,
        metavar="dns,tls,challenge,token",
        help="run only these steps (dns alone connects to nothing but the resolver)",
    )
    probe.add_argument("--format", choices=FORMATS, default="table", help="(default: table)")
    probe.add_argument("--output", "-o", type=Path, help="write the report here (atomically) instead of stdout")
    probe.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="S",
        help="bound of each lookup and of each exchange, connect to last byte (default 10)",
    )
    add_fail_on_unknown(probe, True, "whether an unknown step fails (exit 3; default: yes)")
    add_size_option(probe)


def _inventory(args: argparse.Namespace) -> Any:
    if args.snapshot is None:
        if args.vnet:
            raise InputError("--vnet needs --snapshot: the prediction for a VNet comes from the snapshot")
        return None
    from scanner.inventory.build import build_inventory
    from scanner.sources.snapshot import SnapshotFileSource
    from scanner.timeutil import parse_datetime

    raw = SnapshotFileSource(args.snapshot, args.max_decompressed_size).load()
    return build_inventory(raw.data, parse_datetime(raw.data["collectedAt"]))


def entra_source(args: argparse.Namespace) -> Callable[[], str]:
    """What gives the Entra token when the first registry needs it (never before: ``--steps dns`` needs none)."""
    from scanner.probe.token_step import ACR_AUDIENCE, NoEntraToken
    from scanner.sources.live.clouds import load_cloud

    cloud = load_cloud(args.cloud)

    def token() -> str:
        from scanner.sources.live.credentials import make_credential
        from scanner.sources.live.limits import LiveLimits

        limits = LiveLimits(request_timeout=args.timeout, max_retries=1, max_retry_wait=args.timeout)
        try:
            credential = make_credential(args.auth, cloud, limits)
            try:
                return str(credential.get_token(args.token_scope or ACR_AUDIENCE).token)
            finally:
                credential.close()
        except ScannerError as exc:
            raise NoEntraToken(f"--auth {args.auth}: {exc.message}") from None
        except Exception as exc:  # azure-identity raises many kinds; each is a cause, not a crash
            raise NoEntraToken(f"--auth {args.auth}: {type(exc).__name__}: {str(exc)[:300]}") from None

    return token


def report_of(args: argparse.Namespace) -> ProbeReport:
    from scanner.probe.net import trust_bundle, trust_context
    from scanner.probe.resolve import make_resolver
    from scanner.probe.runner import Prober, ProbeSettings, probe_all
    from scanner.probe.targets import targets

    inventory = _inventory(args)
    chosen = targets(args.registry, inventory, args.vnet)
    try:
        context = trust_context()
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"the CA bundle {trust_bundle()} (REQUESTS_CA_BUNDLE / SSL_CERT_FILE) cannot be used: {exc}"
        ) from None
    resolver = make_resolver(args.dns_server, args.timeout)
    settings = ProbeSettings(args.steps, args.timeout, args.expect_private, args.repository, args.vnet)
    prober = Prober(settings, resolver, context, entra_source(args))
    snapshot = str(args.snapshot) if args.snapshot else None
    return probe_all(prober, chosen, snapshot=snapshot, vnet=args.vnet, dns_server=args.dns_server)


def exit_code(report: ProbeReport, fail_on_unknown: bool) -> int:
    statuses = report.statuses()
    if "fail" in statuses:
        return int(ExitCode.FINDINGS)
    if "unknown" in statuses and fail_on_unknown:
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.CLEAN)


def run(args: argparse.Namespace) -> int:
    from scanner.probe.formats import write

    report = report_of(args)
    if args.output is not None:
        write_atomic(args.output, partial(write, report, args.format))
    else:
        buffer = io.BytesIO()
        write(report, args.format, buffer)
        data = buffer.getvalue()
        sys.stdout.flush()
        sys.stdout.buffer.write(safe_bytes(data) if args.format != "table" and sys.stdout.isatty() else data)
        sys.stdout.flush()
    return exit_code(report, args.fail_on_unknown)
