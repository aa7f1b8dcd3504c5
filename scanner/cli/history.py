"""``acr-scan history``: the nights a history file holds, what changed, trends and time to fix.

``scan --history FILE.db`` records the nights; this command only reads them (``prune`` aside,
which removes the oldest). Tables by default, ``--format json`` for machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec

from scanner.cli.options import EPILOG, parse_now
from scanner.outputs.terminal import safe_text


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``history`` and its actions."""
    history = commands.add_parser(
        "history",
        help="what a scan history (scan --history FILE.db) says: nights, changes, trends, time to fix",
        epilog=EPILOG,
    )
    actions = history.add_subparsers(dest="action", required=True)
    for name, text in (
        ("list", "the recorded nights"),
        ("show", "one night: its counts, what changed (new failures, fixes, regressions) and the oldest failures"),
        ("trend", "night by night: counts, failing findings by severity, pass rate; and time to fix per rule"),
        ("prune", "keep only the newest nights"),
    ):
        action = actions.add_parser(name, help=text, description=text, epilog=EPILOG)
        action.add_argument("file", type=Path, metavar="FILE.db", help="the history file")
        action.add_argument("--format", choices=["table", "json"], default="table")
        if name == "show":
            action.add_argument("run", metavar="NIGHT", help="a night's number (history list) or 'latest'")
        if name == "trend":
            action.add_argument("--rule", metavar="ID", help="only this rule")
            action.add_argument("--registry", metavar="NAME_OR_ID", help="only the findings of this registry")
            action.add_argument("--since", metavar="TIME", help="only nights scanned at or after this ISO 8601 time")
        if name == "prune":
            action.add_argument("--keep", type=int, required=True, metavar="N", help="how many newest nights to keep")


def run(args: argparse.Namespace) -> int:
    """Answer from the history file; exit 0 (2 for a missing, foreign or newer file)."""
    from scanner.history import queries
    from scanner.history.store import opened

    with opened(args.file) as db:
        if args.action == "list":
            answer: Any = {"nights": queries.nights(db)}
        elif args.action == "show":
            run_id = queries.resolve_run(db, args.run)
            night = next(n for n in queries.nights(db) if n.run == run_id)
            answer = {"night": night, "changes": queries.night_changes(db, run_id)}
            if run_id == queries.nights(db)[-1].run:
                answer["oldest_failing"] = queries.oldest_failing(db)
        elif args.action == "trend":
            since = parse_now(args.since)
            answer = {
                "trend": queries.trend(db, args.rule, args.registry, since),
                "time_to_fix": queries.fix_times(db, args.rule, since),
            }
        else:
            answer = {"pruned_nights": queries.prune(db, args.keep), "kept": args.keep}
    if args.format == "json":
        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(answer), indent=2) + b"\n")
    else:
        sys.stdout.write("".join(safe_text(line) + "\n" for line in _table(answer)))
    return 0


def _table(answer: dict[str, Any]) -> list[str]:
    from scanner.history.queries import SEVERITIES

    lines: list[str] = []
    if "nights" in answer:
        lines.append(f"{'NIGHT':>5}  {'SCANNED AT':<20}  {'FINDINGS':>8}  SOURCE")
        lines += [f"{n.run:>5}  {n.scanned_at:<20}  {n.findings:>8}  {n.source}" for n in answer["nights"]]
    if "night" in answer:
        n = answer["night"]
        lines.append(f"night {n.run}, scanned at {n.scanned_at} ({n.source}): {n.findings} findings")
        lines.append(f"changes ({len(answer['changes'])}):")
        for c in answer["changes"]:
            flag = "  REGRESSION" if c.regression else ""
            lines.append(f"  {c.rule_id}  {c.status:<14} {c.severity:<8} {c.subject_name}{flag}")
    if "oldest_failing" in answer:
        lines.append("failing longest:")
        for c in answer["oldest_failing"]:
            lines.append(f"  since {c.since}  {c.rule_id}  {c.severity:<8} {c.subject_name}")
    if "trend" in answer:
        head = "  ".join(f"{s:>8}" for s in SEVERITIES)
        lines.append(f"{'NIGHT':>5}  {'SCANNED AT':<20}  {'PASS RATE':>9}  failing: {head}")
        for p in answer["trend"]:
            rate = "-" if p.pass_rate is None else f"{p.pass_rate:.1%}"
            counts = "  ".join(f"{p.failing_by_severity.get(s, 0):>8}" for s in SEVERITIES)
            lines.append(f"{p.run:>5}  {p.scanned_at:<20}  {rate:>9}           {counts}")
        lines.append("time to fix (days):")
        for f in answer["time_to_fix"]:
            lines.append(f"  {f.rule_id}  {f.fixes} fixed, median {f.median_days}, longest {f.longest_days}")
    if "pruned_nights" in answer:
        lines.append(f"removed {answer['pruned_nights']} night(s); the newest {answer['kept']} are kept")
    return lines
