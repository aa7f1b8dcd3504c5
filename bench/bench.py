"""Benchmark: wall time and peak memory of a full scan over synthetic tenants.

Each measurement is a fresh ``acr-scan scan`` process (what a pipeline pays), timed from
spawn to exit; its peak RSS comes from ``wait4``'s rusage of that one child. Snapshots are
generated once into ``out/bench`` (the generator is not part of the measured time).

    python bench/bench.py --sizes 1000 5000 50000 [--repeat 3] [--format table json] [--pure]

The scan runs compiled when ``make native`` (run by ``make bench``) built the hot modules
with mypyc; ``--pure`` measures the plain-Python path instead. The report says which ran.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"


def snapshot_for(size: int) -> Path:
    """Generate (once) the synthetic snapshot with ``size`` registries."""
    path = OUT / f"synthetic-{size}.json"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(ROOT / "fixtures" / "make_synthetic.py"), "--registries", str(size), "-o", str(path)],
            check=True,
        )
    return path


def scan_env(pure: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ACR_SCAN_PURE_PYTHON"}
    if pure:
        env["ACR_SCAN_PURE_PYTHON"] = "1"
    return env


def build_mode(pure: bool) -> str:
    """``compiled``, ``pure``, ``disabled`` (``--pure``) or ``stale``: what the scans will run."""
    code = "import scanner; print(scanner.NATIVE_STATE)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=scan_env(pure), capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def measure(snapshot: Path, fmt: str, pure: bool = False) -> tuple[float, float, int]:
    """One scan in a fresh process: (wall seconds, peak RSS MiB, findings written)."""
    output = OUT / f"result-{snapshot.stem}.{fmt}"
    cmd = [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "--snapshot",
        str(snapshot),
        "--format",
        fmt,
        "--output",
        str(output),
        "--quiet",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=scan_env(pure))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        raise SystemExit(f"scan of {snapshot} failed with exit code {code}")
    return wall, usage.ru_maxrss / 1024, _count_findings(output) if fmt == "json" else 0


def _count_findings(output: Path) -> int:
    """Read the total in a throwaway process: loading a large report here would inflate the
    peak RSS that the next measured child inherits at fork time."""
    code = "import json,sys; print(json.load(open(sys.argv[1]))['summary']['total'])"
    done = subprocess.run([sys.executable, "-c", code, str(output)], capture_output=True, text=True, check=True)
    return int(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 50000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size below 20,000 registries (median)")
    parser.add_argument("--format", nargs="+", default=["table", "json"], dest="formats")
    parser.add_argument("--pure", action="store_true", help="run the sources even if a mypyc build exists")
    args = parser.parse_args()
    mode = build_mode(args.pure)
    print(f"scanner build: {mode}", flush=True)
    rows = []
    for size in args.sizes:
        snapshot = snapshot_for(size)
        for fmt in args.formats:
            runs = [measure(snapshot, fmt, args.pure) for _ in range(args.repeat if size < 20_000 else 1)]
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            findings = max(r[2] for r in runs)
            rows.append(
                {
                    "registries": size,
                    "format": fmt,
                    "snapshot_mb": round(snapshot.stat().st_size / 2**20, 1),
                    "wall_s": round(wall, 2),
                    "peak_rss_mib": round(rss),
                    "findings": findings,
                    "runs": len(runs),
                }
            )
            print(
                f"{size:>6} registries  {fmt:<5}  snapshot {rows[-1]['snapshot_mb']:>6} MiB  "
                f"wall {wall:6.2f} s  peak {rss:6.0f} MiB",
                flush=True,
            )
    base = {r["format"]: r for r in rows if r["registries"] == min(args.sizes)}
    for row in rows:
        ref = base[row["format"]]
        row["wall_per_1000_registries_s"] = round(row["wall_s"] / row["registries"] * 1000, 3)
        row["scaling_vs_smallest"] = round((row["wall_s"] / ref["wall_s"]) / (row["registries"] / ref["registries"]), 2)
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "build": mode,
        "results": rows,
    }
    (OUT / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\n| registries | format | snapshot MiB | wall s | peak MiB | s per 1,000 registries |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['registries']:,} | {r['format']} | {r['snapshot_mb']} | {r['wall_s']} | {r['peak_rss_mib']} "
            f"| {r['wall_per_1000_registries_s']} |"
        )
    print(f"\nwritten: {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
