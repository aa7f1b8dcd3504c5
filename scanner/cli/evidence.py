"""``acr-scan evidence verify``: recompute every digest of an audit evidence bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.cli.options import EPILOG, add_size_option
from scanner.errors import ExitCode
from scanner.outputs.terminal import safe_text


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``evidence verify`` and its options."""
    evidence = commands.add_parser("evidence", help="verify an audit evidence bundle")
    ev_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    ev_verify = ev_sub.add_parser(
        "verify", help="recompute every SHA-256 of a bundle (exit 1 on any mismatch)", epilog=EPILOG
    )
    ev_verify.add_argument("bundle", type=Path, metavar="FILE.zip")
    ev_verify.add_argument("--public-key", type=Path, metavar="KEY.pem", help="also verify the Ed25519 signature")
    add_size_option(ev_verify)


def run(args: argparse.Namespace) -> int:
    """Exit 1 when any member, the manifest or the signature does not match."""
    from scanner.evidence.verify import verify_bundle

    report = verify_bundle(args.bundle, args.public_key, args.max_decompressed_size)
    for problem in report.problems:
        sys.stdout.write(safe_text(f"MISMATCH {problem}") + "\n")
    verdict = "OK" if report.ok else "FAILED"
    summary = f"{verdict}: {args.bundle}: {report.checked} files checked, signature {report.signature}"
    sys.stdout.write(safe_text(summary) + "\n")
    return 0 if report.ok else int(ExitCode.FINDINGS)
