"""Benchmark: a year of nights in a scan history (issue 16): the cost of a night, and of a trend.

One synthetic tenant of N registries (``fixtures/make_synthetic.py``, default 1,000) is scanned
once, in process. Then 365 nights are recorded into a fresh history file, one a day: each
night is that scan with about 2 % of its findings changed (status and severity drawn from a
fixed seed: failures appear, get fixed, come back), the way a real estate drifts. Measured:

- *night*: recording one night (``record_night``: compare, write the changes and the counts,
  commit), against writing the same night's ``--format json`` report to a file, both in
  process, on nights spread over the year (the history grows while it is measured);
- *trend*: ``acr-scan history trend FILE`` as a user runs it, a fresh process each time, on the
  full year: all findings, ``--rule``, ``--registry``, and both (rebuilt from the changes).

    python bench/bench_history.py [--registries 1000] [--nights 365] [--repeat 7]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402

from bench import snapshot_for  # noqa: E402  (bench/ is on the path: this script is in it)
from scanner.config import Config  # noqa: E402
from scanner.history.record import record_night  # noqa: E402
from scanner.history.store import opened  # noqa: E402
from scanner.outputs.json_format import JsonFormat  # noqa: E402
from scanner.results import Severity, Status  # noqa: E402
from scanner.scan import prepare_rules, run_scan  # noqa: E402
from scanner.scan_result import ScanResult  # noqa: E402
from scanner.sources.snapshot import SnapshotFileSource  # noqa: E402

STATUSES = (Status.PASS, Status.FAIL, Status.FAIL, Status.UNKNOWN, Status.NOT_APPLICABLE)


def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def drifted(base: ScanResult, night: int, rng: random.Random) -> ScanResult:
    """``base`` as scanned ``night`` days later, with about 2 % of its findings changed."""
    findings = list(base.findings)
    for i in rng.sample(range(len(findings)), len(findings) // 50):
        f = findings[i]
        findings[i] = msgspec.structs.replace(f, status=rng.choice(STATUSES), severity=rng.choice(list(Severity)))
    meta = _replace(base.metadata, now=base.metadata.now + timedelta(days=night))
    drifted_result: ScanResult = _replace(base, findings=tuple(findings), metadata=meta)
    return drifted_result


def _replace(record: Any, **changes: object) -> Any:
    """A copy of a frozen record (a dataclass or a msgspec Struct) with ``changes``."""
    if isinstance(record, msgspec.Struct):
        return msgspec.structs.replace(record, **changes)
    return dataclasses.replace(record, **changes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registries", type=int, default=1000)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7, help="trend runs per query (median)")
    args = parser.parse_args()

    rules, pack_hash = prepare_rules(Config())
    base = run_scan(SnapshotFileSource(snapshot_for(args.registries)), rules, pack_hash, Config(), None)
    base = _replace(base, inventory=None)
    history = OUT / f"history-{args.registries}-{args.nights}.db"
    for leftover in OUT.glob(f"{history.name}*"):
        leftover.unlink()
    rng = random.Random(16)
    measured = set(range(0, args.nights, max(1, args.nights // 12)))
    night_s, json_s = [], []
    started = time.perf_counter()
    with opened(history, create=True) as db:
        for night in range(args.nights):
            result = drifted(base, night, rng)
            start = time.perf_counter()
            record_night(db, result, str(history))
            if night in measured:
                night_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                with open(OUT / "history-night.json", "wb") as handle:
                    JsonFormat().write(result, handle)
                json_s.append(time.perf_counter() - start)
    total = time.perf_counter() - started
    print(f"{args.registries:,} registries, {len(base.findings):,} findings a night, {args.nights} nights "
          f"recorded in {total:.1f} s; history file {history.stat().st_size / 2**20:.1f} MiB")  # fmt: skip
    print("| what | median (range) s |\n|---|---|")
    print(f"| record one night | {_stats(night_s)} |")
    print(f"| write the night's JSON report | {_stats(json_s)} |")
    print(f"| ratio night / JSON report (medians) | {statistics.median(night_s) / statistics.median(json_s):.2f} |")
    registry = base.findings[0].subject.registry_name or ""
    rule = base.findings[0].rule_id
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPATH": str(ROOT)}
    for label, extra in (
        ("trend", []),
        ("trend --rule", ["--rule", rule]),
        ("trend --registry", ["--registry", registry]),
        ("trend --rule --registry", ["--rule", rule, "--registry", registry]),
    ):
        cmd = [sys.executable, "-m", "scanner", "history", "trend", str(history), "--format", "json", *extra]
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)  # (warm-up: bytecode, page cache)
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
            runs.append(time.perf_counter() - start)
        print(f"| `acr-scan history {label}` (a fresh process) | {_stats(runs)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
