"""``acr-scan``: the command line. Parses flags, calls the core, renders, sets the exit code.

Every expected failure is a :class:`ScannerError`: one line on stderr, a distinct exit code,
no traceback, and no half-written output file (outputs are written to a temporary file and
renamed into place).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

import orjson

from scanner import __version__
from scanner.atomic import write_atomic
from scanner.config import Config, find_config, load_config
from scanner.engine.loader import load_rule_file, load_rules, rule_files, rule_schema
from scanner.engine.rule import compile_rule
from scanner.errors import ExitCode, InputError, ScannerError
from scanner.gate import gate
from scanner.input_limits import DEFAULT_MAX_DECOMPRESSED, format_size, parse_size
from scanner.outputs import FORMATS, OutputFormat, RenderOptions, TableFormat, make_format
from scanner.outputs.terminal import safe_bytes, safe_multiline, safe_text
from scanner.results import Severity
from scanner.scan import ScanResult, prepare_rules, run_scan
from scanner.sources.base import Source
from scanner.sources.live.limits import add_limit_options, limits_of
from scanner.sources.snapshot import SnapshotFileSource
from scanner.timeutil import parse_datetime

EPILOG = """exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 incomplete data (unknown findings; for collect: parts not readable), 4 internal error,
5 live collection could not run (authentication, network, TLS)."""


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _formats(value: str) -> list[str]:
    names = _csv(value)
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


def _add_size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-decompressed-size",
        type=_size,
        default=DEFAULT_MAX_DECOMPRESSED,
        metavar="SIZE",
        help="refuse a compressed input (.gz snapshot or results, evidence members) that decompresses to "
        f"more than SIZE (default: {format_size(DEFAULT_MAX_DECOMPRESSED)})",
    )


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise InputError(f"--now: {value!r} is not an ISO 8601 timestamp (e.g. 2026-11-27T02:00:00Z)") from None


def _add_live_options(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument("--verbose", "-v", action="store_true", help="log every HTTP request (never tokens)")
    add_limit_options(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acr-scan",
        description="Policy-as-code compliance scanner for Azure Container Registry.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"acr-scan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    scan = sub.add_parser("scan", help="scan a snapshot and report findings", epilog=EPILOG)
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
    _add_live_options(scan)
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
    scan.add_argument("--rules", type=_csv, default=[], metavar="IDS", help="run only these rule ids (comma-separated)")
    scan.add_argument("--exclude", type=_csv, default=[], metavar="IDS", help="skip these rule ids (comma-separated)")
    scan.add_argument(
        "--format",
        type=_formats,
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
    scan.add_argument(
        "--fail-on-unknown",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="unknown findings (data not collected) fail the gate with exit 3 (default: yes)",
    )
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
    _add_size_option(scan)
    scan.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="colour the table")
    scan.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")

    collect = sub.add_parser("collect", help="read a live tenant and write a snapshot", epilog=EPILOG)
    where = collect.add_mutually_exclusive_group(required=True)
    where.add_argument("--subscription", action="append", default=[], metavar="ID", help="repeatable")
    where.add_argument("--management-group", action="append", default=[], metavar="ID", help="repeatable")
    where.add_argument("--tenant", action="store_true", help="every subscription the identity can read")
    collect.add_argument("--output", "-o", type=Path, required=True, help="snapshot file (.json or .json.gz)")
    _add_live_options(collect)
    collect.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")

    evidence = sub.add_parser("evidence", help="verify an audit evidence bundle")
    ev_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    ev_verify = ev_sub.add_parser(
        "verify", help="recompute every SHA-256 of a bundle (exit 1 on any mismatch)", epilog=EPILOG
    )
    ev_verify.add_argument("bundle", type=Path, metavar="FILE.zip")
    ev_verify.add_argument("--public-key", type=Path, metavar="KEY.pem", help="also verify the Ed25519 signature")
    _add_size_option(ev_verify)

    diff = sub.add_parser("diff", help="compare two JSON results files: new, fixed and changed findings", epilog=EPILOG)
    diff.add_argument("old", type=Path, metavar="OLD.json", help="the earlier results (acr-scan scan --format json)")
    diff.add_argument("new", type=Path, metavar="NEW.json", help="the later results")
    diff.add_argument("--format", choices=["table", "json", "markdown", "html"], default="table")
    diff.add_argument("--output", "-o", type=Path, help="write the report here instead of stdout")
    _add_size_option(diff)

    pol = sub.add_parser("policies", help="list, show, validate and test rules")
    pol_sub = pol.add_subparsers(dest="policies_command", required=True)
    p_list = pol_sub.add_parser("list", help="list the rules")
    p_list.add_argument("--policies", type=Path, action="append", default=[], metavar="DIR")
    p_list.add_argument("--format", choices=["table", "json"], default="table")
    p_show = pol_sub.add_parser("show", help="print one rule's YAML")
    p_show.add_argument("rule_id")
    p_show.add_argument("--policies", type=Path, action="append", default=[], metavar="DIR")
    p_validate = pol_sub.add_parser("validate", help="validate and compile every rule file in DIR")
    p_validate.add_argument("directory", type=Path)
    p_test = pol_sub.add_parser("test", help="run every rule's own examples (default: the built-in pack)")
    p_test.add_argument("directory", type=Path, nargs="?")
    p_test.add_argument("--verbose", "-v", action="store_true")
    pol_sub.add_parser("schema", help="print the rule JSON Schema")
    return parser


def _config(path: Path | None) -> Config:
    return load_config(find_config(path, Path.cwd()))


def cmd_scan(args: argparse.Namespace) -> int:
    _check_outputs(args)
    baseline = None
    if args.baseline is not None:  # (imported only when used: a plain scan need not load it)
        from scanner.baseline import load_results

        baseline = load_results(args.baseline, args.max_decompressed_size)  # bad input fails before work
    config = _config(args.config)
    now = _parse_now(args.now)
    rules, pack_hash = prepare_rules(config, args.policies, args.rules, args.exclude)
    source, snapshot = _source(args)
    result = run_scan(source, rules, pack_hash, config, now)
    fail_on = Severity(args.fail_on or config.fail_on or "low")
    fail_on_unknown = args.fail_on_unknown
    if fail_on_unknown is None:
        fail_on_unknown = config.fail_on_unknown if config.fail_on_unknown is not None else True
    baseline_note = ""
    if baseline is None:
        code = gate(result.findings, fail_on, fail_on_unknown)
    else:
        from scanner.baseline import compare, observe, partition

        new_findings, already = partition(result.findings, compare(baseline.observations, observe(result.findings)))
        code = gate(new_findings, fail_on, fail_on_unknown)
        baseline_note = (
            safe_text(
                f"baseline {args.baseline}: {len(new_findings)} finding(s) needing attention are new, "
                f"{already} already in the baseline (only new ones count for the exit code)"
            )
            + "\n"
        )
    _write_reports(args, result)
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
        _collect_to(args, snapshot)
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


def _write_reports(args: argparse.Namespace, result: ScanResult) -> None:
    """Render every requested format; each file is written atomically (nothing half-written)."""
    color = args.color if args.color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    options = RenderOptions(
        color=bool(color) and args.output is None and args.output_dir is None,
        sarif_profile=args.sarif_profile,
        links=not args.no_links,
        repo_root=args.repo_root,
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


def cmd_evidence(args: argparse.Namespace) -> int:
    from scanner.evidence.verify import verify_bundle

    report = verify_bundle(args.bundle, args.public_key, args.max_decompressed_size)
    for problem in report.problems:
        sys.stdout.write(safe_text(f"MISMATCH {problem}") + "\n")
    verdict = "OK" if report.ok else "FAILED"
    summary = f"{verdict}: {args.bundle}: {report.checked} files checked, signature {report.signature}"
    sys.stdout.write(safe_text(summary) + "\n")
    return 0 if report.ok else int(ExitCode.FINDINGS)


def _write_bytes(data: bytes, stream: BinaryIO) -> None:
    stream.write(data)


def _rendered(formatter: OutputFormat, result: ScanResult) -> bytes:
    buffer = io.BytesIO()
    formatter.write(result, buffer)
    return buffer.getvalue()


def cmd_diff(args: argparse.Namespace) -> int:
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


def _collect_to(args: argparse.Namespace, path: Path) -> int:
    """Collect live into ``path``; returns how many parts could not be read."""
    from scanner.sources.live.cli_support import collect_snapshot

    return collect_snapshot(
        limits=limits_of(args),
        subscriptions=args.subscription,
        management_groups=args.management_group,
        auth=args.auth,
        cloud_name=args.cloud,
        output=path,
        quiet=args.quiet,
        verbose=args.verbose,
    )


def cmd_collect(args: argparse.Namespace) -> int:
    gaps = _collect_to(args, args.output)
    return int(ExitCode.INCOMPLETE) if gaps else 0


def cmd_policies(args: argparse.Namespace) -> int:
    command = args.policies_command
    if command == "schema":
        sys.stdout.buffer.write(orjson.dumps(rule_schema(), option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    if command == "validate":
        files = rule_files(args.directory)
        for path in files:
            compile_rule(load_rule_file(path))
        print(safe_text(f"{len(files)} rule file(s) in {args.directory} are valid"))
        return 0
    if command == "test":
        from scanner.engine.examples import run_examples

        if args.directory is None:
            specs = load_rules()
        else:
            specs = [load_rule_file(p) for p in rule_files(args.directory)]
        failed = 0
        total = 0
        for spec in specs:
            for r in run_examples(spec):
                total += 1
                if not r.ok:
                    failed += 1
                    print(
                        safe_text(
                            f"FAIL {r.rule_id} {r.expected}[{r.index}] {r.description}: got {r.actual}: {r.detail}"
                        )
                    )
                elif args.verbose:
                    print(safe_text(f"ok   {r.rule_id} {r.expected}[{r.index}] {r.description}"))
        print(f"{len(specs)} rules, {total} examples: {total - failed} passed, {failed} failed")
        return int(ExitCode.FINDINGS) if failed else 0
    specs = load_rules(args.policies)
    if command == "list":
        if args.format == "json":
            rows = [
                {
                    "id": s.id,
                    "title": s.data["title"],
                    "severity": s.data["severity"],
                    "subject": s.data["subject"],
                    "path": str(s.path),
                }
                for s in specs
            ]
            data = orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n"
            sys.stdout.buffer.write(safe_bytes(data) if sys.stdout.isatty() else data)
        else:
            for s in specs:
                print(safe_text(f"{s.id}  {s.data['severity']:<8} {s.data['subject']:<16} {s.data['title']}"))
        return 0
    for s in specs:
        if s.id == args.rule_id:
            sys.stdout.write(safe_multiline(s.text))
            return 0
    raise InputError(f"unknown rule id {args.rule_id!r} (see 'acr-scan policies list')")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "collect":
            return cmd_collect(args)
        if args.command == "diff":
            return cmd_diff(args)
        if args.command == "evidence":
            return cmd_evidence(args)
        return cmd_policies(args)
    except ScannerError as exc:
        sys.stderr.write(f"acr-scan: error: {safe_text(exc.message)}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("acr-scan: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in the scanner, not bad input: still one line, no traceback
        if os.environ.get("ACR_SCAN_DEBUG"):
            raise
        sys.stderr.write(
            safe_text(f"acr-scan: internal error: {type(exc).__name__}: {exc} (set ACR_SCAN_DEBUG=1 for a traceback)")
            + "\n"
        )
        return int(ExitCode.INTERNAL)


def console_main() -> None:
    """The ``acr-scan`` command."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
