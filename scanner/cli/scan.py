"""``acr-scan scan``: a snapshot, a live tenant or IaC files in; reports, evidence and the gate's exit code out."""

from __future__ import annotations

import argparse
import io
import os
import sys
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from scanner.atomic import write_atomic
from scanner.cli.options import (
    EPILOG,
    add_fail_on_unknown,
    add_live_options,
    add_size_option,
    comma_list,
    config_for,
    format_names,
    parse_now,
)
from scanner.errors import InputError
from scanner.gate import gate
from scanner.outputs import FORMATS, OutputFormat, RenderOptions, TableFormat, make_format
from scanner.outputs.terminal import safe_bytes, safe_text
from scanner.results import Severity
from scanner.scan import prepare_rules, result_released, run_scan
from scanner.scan_result import ScanResult
from scanner.sources.base import Source
from scanner.sources.snapshot import SnapshotFileSource


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``scan`` and its options."""
    scan = commands.add_parser("scan", help="scan a snapshot and report findings", epilog=EPILOG)
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--snapshot", type=Path, help="scan a snapshot file (.json or .json.gz)")
    source.add_argument(
        "--subscription",
        action="append",
        default=[],
        metavar="ID",
        help="collect live from this subscription, then scan (repeatable)",
    )
    source.add_argument(
        "--management-group",
        action="append",
        default=[],
        metavar="ID",
        help="collect live from this management group, then scan (repeatable)",
    )
    source.add_argument("--tenant", action="store_true", help="collect live from every subscription you can read")
    source.add_argument(
        "--iac",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="scan IaC before deployment: ARM/Bicep JSON templates (+ parameters files), Terraform plan JSON "
        "or .tf source; files or folders, type detected from content",
    )
    scan.add_argument(
        "--changed-since",
        metavar="GIT_REF",
        help="with --iac: scan only templates and Terraform modules with a file changed since GIT_REF (merge base)",
    )
    add_live_options(scan)
    scan.add_argument(
        "--keep-snapshot",
        type=Path,
        metavar="FILE",
        help="where a live scan saves its snapshot (default: beside --output, else ./acr-snapshot.json.gz)",
    )
    scan.add_argument("--now", help="evaluate as of this time (default: the snapshot's collectedAt)")
    scan.add_argument("--config", type=Path, help="config file (default: ./acr-scan.yaml or [tool.acr-scan])")
    scan.add_argument(
        "--policies", type=Path, action="append", default=[], metavar="DIR", help="extra rule folder (repeatable)"
    )
    scan.add_argument(
        "--rules", type=comma_list, default=[], metavar="IDS", help="run only these rule ids (comma-separated)"
    )
    scan.add_argument(
        "--exclude", type=comma_list, default=[], metavar="IDS", help="skip these rule ids (comma-separated)"
    )
    scan.add_argument(
        "--enable",
        type=comma_list,
        default=[],
        metavar="IDS",
        help="also run these rules that are off by default (comma-separated)",
    )
    scan.add_argument(
        "--format",
        type=format_names,
        default=["table"],
        metavar="FORMATS",
        help=f"comma-separated, any of: {', '.join(sorted(FORMATS))} (default: table)",
    )
    scan.add_argument("--output", "-o", type=Path, help="write the (single) report here instead of stdout")
    scan.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="write every requested format into DIR under its default name (results.json, results.sarif, ...)",
    )
    scan.add_argument(
        "--sarif-profile",
        choices=["github", "audit"],
        default="github",
        help="github: only what code scanning accepts (default); audit: also suppressed results",
    )
    scan.add_argument("--no-links", action="store_true", help="Markdown summary without links")
    scan.add_argument(
        "--repo-root",
        type=Path,
        metavar="DIR",
        help="repository root that IaC file locations are made relative to (default: the git top level)",
    )
    scan.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default=None,
        help="lowest severity of a failing finding that fails the gate (default: low)",
    )
    add_fail_on_unknown(scan, None, "unknown findings (data not collected) fail the gate with exit 3 (default: yes)")
    scan.add_argument(
        "--evidence",
        type=Path,
        metavar="FILE.zip",
        help="write an audit evidence bundle: inputs, reports, exact rules and config, SHA-256 manifest",
    )
    scan.add_argument(
        "--sign-key",
        type=Path,
        metavar="KEY.pem",
        help="sign the evidence manifest with this Ed25519 private key (PEM)",
    )
    scan.add_argument(
        "--baseline",
        type=Path,
        metavar="RESULTS.json",
        help="fail the gate only on findings that are new since this earlier --format json results file",
    )
    scan.add_argument(
        "--history",
        type=Path,
        metavar="FILE.db",
        help="record this scan as the newest night of a history file (created if missing); every finding "
        "then carries first_seen, days_failing and regression (see acr-scan history)",
    )
    add_size_option(scan)
    scan.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="colour the table")
    scan.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Scan, write every report, print the gate's verdict; the exit code is the gate's."""
    with result_released():  # (the result is dropped when _scan_and_report returns)
        return _scan_and_report(args)


def _scan_and_report(args: argparse.Namespace) -> int:
    _check_outputs(args)
    baseline = None
    if args.baseline is not None:  # (imported only when used: a plain scan need not load it)
        from scanner.drift.results_file import load_results

        baseline = load_results(args.baseline, args.max_decompressed_size)  # bad input fails before work
    config = config_for(args.config)
    now = parse_now(args.now)
    rules, pack_hash = prepare_rules(config, args.policies, args.rules, args.exclude, args.enable)
    source, snapshot = _source(args)
    result = run_scan(source, rules, pack_hash, config, now)
    history = None
    if args.history is not None:  # (imported only when used)
        from scanner.cli.progress import Progress
        from scanner.history.record import record_to

        progress = Progress(enabled=sys.stderr.isatty() and not args.quiet, doing="history")
        progress(f"recording tonight's {len(result.findings)} findings in {args.history}")
        try:
            result, history = record_to(args.history, result, view="html" in args.format)
        finally:
            progress.done()
    fail_on = Severity(args.fail_on or config.fail_on or "low")
    fail_on_unknown = args.fail_on_unknown
    if fail_on_unknown is None:
        fail_on_unknown = config.fail_on_unknown if config.fail_on_unknown is not None else True
    baseline_note = ""
    if baseline is None:
        code = gate(result.findings, fail_on, fail_on_unknown)
    else:
        from scanner.drift.compare import compare, observe, partition

        new_findings, already = partition(result.findings, compare(baseline.observations, observe(result.findings)))
        code = gate(new_findings, fail_on, fail_on_unknown)
        baseline_note = (
            safe_text(
                f"baseline {args.baseline}: {len(new_findings)} finding(s) needing attention are new, "
                f"{already} already in the baseline (only new ones count for the exit code)"
            )
            + "\n"
        )
    _write_reports(args, result, history)
    if baseline_note and not args.quiet:
        to_stdout = args.output is not None or args.output_dir is not None or args.format[0] == "table"
        (sys.stdout if to_stdout else sys.stderr).write(baseline_note)
    if args.evidence is not None:
        _write_evidence(args, result, snapshot)
    if not args.quiet:
        sys.stderr.write(f"exit code {int(code)} ({code.name.lower()})\n")
    return int(code)


def _source(args: argparse.Namespace) -> tuple[Source, Path | None]:
    """What to scan: IaC files, a snapshot file, or a live collection saved as one first.

    Returns the source and the snapshot file it reads (``None`` for IaC), which the
    evidence bundle stores as the scan's input.
    """
    if args.iac:
        from scanner.sources.iac.detect import find_repo_root
        from scanner.sources.iac.source import IacSource

        if args.repo_root is None:
            args.repo_root = find_repo_root(args.iac)
        return IacSource(args.iac, args.repo_root, changed_since=args.changed_since), None
    snapshot: Path | None = args.snapshot
    if snapshot is None:
        snapshot = args.keep_snapshot or (
            args.output_dir / "snapshot.json.gz"
            if args.output_dir
            else args.output.parent / "snapshot.json.gz"
            if args.output
            else Path("acr-snapshot.json.gz")
        )
        from scanner.cli.live_collect import collect_to  # (the Azure SDKs: only for a live scan)

        collect_to(args, snapshot)
        return SnapshotFileSource(snapshot, max_decompressed=None), snapshot  # (written just now, by us)
    return SnapshotFileSource(snapshot, args.max_decompressed_size), snapshot


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse ambiguous output flags before any work is done."""
    if args.output is not None and args.output_dir is not None:
        raise InputError("--output and --output-dir cannot be combined")
    if len(args.format) > 1 and args.output_dir is None:
        raise InputError(f"--format {','.join(args.format)}: several formats need --output-dir DIR")
    if args.changed_since is not None and not args.iac:
        raise InputError("--changed-since selects IaC files: use it with --iac")
    if args.sign_key is not None:
        if args.evidence is None:
            raise InputError("--sign-key signs an evidence bundle: add --evidence FILE.zip")
        from scanner.evidence.signing import load_private_key

        load_private_key(args.sign_key)  # a bad key fails now, before any report is written


def _write_reports(args: argparse.Namespace, result: ScanResult, history: Any = None) -> None:
    """Render every requested format; each file is written atomically (nothing half-written)."""
    color = args.color if args.color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    options = RenderOptions(
        color=bool(color) and args.output is None and args.output_dir is None,
        sarif_profile=args.sarif_profile,
        links=not args.no_links,
        repo_root=args.repo_root,
        history=history,
    )
    formats = [make_format(name, options) for name in args.format]
    if args.output_dir is not None:
        targets = [(f, args.output_dir / f.default_filename) for f in formats]
    elif args.output is not None:
        targets = [(formats[0], args.output)]
    else:
        if not args.quiet:
            if formats[0].name != "table" and sys.stdout.isatty():  # (the table escapes its own text)
                _write_bytes(safe_bytes(_rendered(formats[0], result)), sys.stdout.buffer)
            else:
                formats[0].write(result, sys.stdout.buffer)
            sys.stdout.flush()
        return
    for formatter, path in targets:
        write_atomic(path, partial(formatter.write, result))
    if not args.quiet:
        sys.stdout.write("\n".join(TableFormat().summary_lines(result)) + "\n")
        for formatter, path in targets:
            sys.stdout.write(safe_text(f"wrote {formatter.name} report: {path}") + "\n")


def _write_evidence(args: argparse.Namespace, result: ScanResult, snapshot: Path | None) -> None:
    from scanner.evidence.bundle import BundleInput, build_bundle

    if snapshot is not None:
        inputs = [BundleInput(f"input/{snapshot.name}", snapshot, "snapshot")]
    else:  # an IaC scan: the files it read, under their repository paths
        files = [Path(label) for label in result.metadata.scope.get("iac", [])]
        inputs = [
            BundleInput(f"input/{f.name}", f, "iac")
            if f.is_absolute()
            else BundleInput(f"input/{f.as_posix()}", args.repo_root / f, "iac")
            for f in files
        ]
    if result.metadata.config_source:
        config = Path(result.metadata.config_source)
        inputs.append(BundleInput(f"config/{config.name}", config, "config"))
    count = build_bundle(result, inputs, args.evidence, args.sign_key)
    if not args.quiet:
        signed = " (manifest signed)" if args.sign_key else ""
        sys.stdout.write(safe_text(f"wrote evidence bundle: {args.evidence} ({count} files){signed}") + "\n")


def _write_bytes(data: bytes, stream: BinaryIO) -> None:
    stream.write(data)


def _rendered(formatter: OutputFormat, result: ScanResult) -> bytes:
    buffer = io.BytesIO()
    formatter.write(result, buffer)
    return buffer.getvalue()
