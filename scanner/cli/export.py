"""``acr-scan export log-analytics``: send a results file's findings to a Log Analytics workspace."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.cli.options import EPILOG, add_live_options, add_size_option
from scanner.errors import ExitCode

STREAM = "Custom-AcrScanFindings_CL"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export`` and its one target, ``log-analytics``."""
    export = commands.add_parser("export", help="send a scan's findings to Azure Monitor", epilog=EPILOG)
    targets = export.add_subparsers(dest="target", required=True)
    logs = targets.add_parser(
        "log-analytics",
        help="one record per finding into a Log Analytics table, through the Logs Ingestion API",
        description="Send every finding of a results file (acr-scan scan --format json) to a Log Analytics "
        "workspace through a data collection endpoint and rule (docs/log-analytics.md has the table, a "
        "Bicep template and KQL). Exit 3 when the API refused some records after its retries.",
        epilog=EPILOG,
    )
    logs.add_argument("--results", type=Path, required=True, help="a results file (.json or .json.gz)")
    logs.add_argument("--endpoint", required=True, metavar="URL", help="the data collection endpoint's ingestion URL")
    logs.add_argument("--rule-id", required=True, metavar="ID", help="the collection rule's immutable id (dcr-...)")
    logs.add_argument("--stream", default=STREAM, metavar="NAME", help=f"the rule's stream (default {STREAM})")
    logs.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    add_live_options(logs)
    add_size_option(logs)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every record was accepted, 3 when some were refused, 5 when the API was not reached."""
    from scanner.drift.results_file import results_document
    from scanner.errors import InputError
    from scanner.export.log_analytics import records, upload
    from scanner.outputs.terminal import safe_text
    from scanner.sources.live.clouds import load_cloud
    from scanner.sources.live.credentials import make_credential
    from scanner.sources.live.limits import limits_of

    if not args.endpoint.startswith("https://"):
        raise InputError(f"--endpoint {args.endpoint!r}: expected an https:// URL")
    rows = records(results_document(args.results, args.max_decompressed_size))
    cloud = load_cloud(args.cloud)
    limits = limits_of(args)
    credential = make_credential(args.auth, cloud, limits)
    try:
        report = upload(
            rows,
            endpoint=args.endpoint.rstrip("/"),
            rule_id=args.rule_id,
            stream=args.stream,
            credential=credential,
            audience=cloud.monitor_audience,
            max_retries=limits.max_retries,
        )
    finally:
        credential.close()
    for error in report.errors:
        sys.stderr.write(f"acr-scan: refused by the Logs Ingestion API: {safe_text(error)}\n")
    if not args.quiet:
        sent = report.records - report.refused
        sys.stderr.write(f"acr-scan: {sent} of {report.records} findings sent to {safe_text(args.stream)}\n")
    return int(ExitCode.INCOMPLETE) if report.refused else 0
