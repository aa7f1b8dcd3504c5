"""Benchmark: wall time and peak memory of a full scan over synthetic tenants.

Each measurement is a fresh ``acr-scan scan`` process (what a pipeline pays), timed from
spawn to exit; its peak RSS comes from ``wait4``'s rusage of that one child. Snapshots are
generated once into ``out/bench`` (the generator is not part of the measured time).

    python bench/bench.py --sizes 1000 5000 50000 [--repeat 3] [--format table json]
    python bench/bench.py --sizes 5000 --repeat 9 --against /tmp/base   # interleaved A/B

``--against DIR`` names another checkout of the repository (``git worktree add /tmp/base
<commit>``): every run of this tree is followed by a run of that one on the same snapshot,
so both see the same machine state, and the report gives each one's median and range.
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
from collections.abc import Sequence
from pathlib import Path

from scan_env import scan_env

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


def measure(
    tree: Path, snapshot: Path, fmt: str, tag: str, options: Sequence[str] = ()
) -> tuple[float, float, int, float]:
    """One scan by the scanner of ``tree`` in a fresh process, with ``options`` added to its
    command line: (wall seconds, peak RSS MiB, findings, CPU seconds). The CPU time (user and
    system, from the same rusage) moves less than the wall time when other jobs share the cores."""
    output = OUT / f"result-{tag}-{snapshot.stem}.{fmt}"
    cmd = [sys.executable, "-m", "scanner", "scan", "--snapshot", str(snapshot), "--format", fmt]
    cmd += ["--output", str(output), "--quiet", *options]
    env = scan_env(tree)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        raise SystemExit(f"scan of {snapshot} by {tree} failed with exit code {code}")
    findings = _count_findings(output) if fmt == "json" else 0
    return wall, usage.ru_maxrss / 1024, findings, usage.ru_utime + usage.ru_stime


def _count_findings(output: Path) -> int:
    """Read the total in a throwaway process: loading a large report here would inflate the
    peak RSS that the next measured child inherits at fork time."""
    code = "import json,sys; print(json.load(open(sys.argv[1]))['summary']['total'])"
    done = subprocess.run([sys.executable, "-c", code, str(output)], capture_output=True, text=True, check=True)
    return int(done.stdout)


def _summary(runs: list[tuple[float, float, int, float]]) -> dict[str, float]:
    walls = [r[0] for r in runs]
    return {
        "wall_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "wall_max_s": round(max(walls), 3),
        "peak_rss_mib": round(max(r[1] for r in runs)),
        "findings": max(r[2] for r in runs),
        "runs": len(runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 50000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size below 20,000 registries (median)")
    parser.add_argument("--format", nargs="+", default=["table", "json"], dest="formats")
    parser.add_argument("--against", type=Path, metavar="DIR", help="another checkout, measured interleaved")
    parser.add_argument(
        "--rules",
        metavar="IDS",
        help="run only these rule ids in both trees (comma-separated): the same work when the packs differ",
    )
    args = parser.parse_args()
    options = ("--rules", args.rules) if args.rules else ()
    trees = {"this": ROOT}
    if args.against is not None:
        trees["against"] = args.against.resolve()
    rows = []
    for size in args.sizes:
        snapshot = snapshot_for(size)
        for fmt in args.formats:
            runs: dict[str, list[tuple[float, float, int, float]]] = {tag: [] for tag in trees}
            for tag, tree in trees.items():
                measure(tree, snapshot, fmt, tag, options)  # warm-up, not counted: bytecode written, files cached
            for _ in range(args.repeat if size < 20_000 else 1):
                for tag, tree in trees.items():
                    runs[tag].append(measure(tree, snapshot, fmt, tag, options))
            for tag, tree in trees.items():
                row = {"tree": str(tree), "registries": size, "format": fmt, **_summary(runs[tag])}
                row["snapshot_mb"] = round(snapshot.stat().st_size / 2**20, 1)
                row["wall_per_1000_registries_s"] = round(row["wall_s"] / size * 1000, 3)
                rows.append(row)
                print(
                    f"{tag:<8} {size:>6} registries  {fmt:<5}  wall median {row['wall_s']:6.2f} s "
                    f"(range {row['wall_min_s']:.2f}-{row['wall_max_s']:.2f}, {row['runs']} runs)  "
                    f"peak {row['peak_rss_mib']:6.0f} MiB",
                    flush=True,
                )
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "results": rows,
    }
    (OUT / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\n| tree | registries | format | wall median s | range s | peak MiB | s per 1,000 registries |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['tree']} | {r['registries']:,} | {r['format']} | {r['wall_s']} "
            f"| {r['wall_min_s']}-{r['wall_max_s']} | {r['peak_rss_mib']} | {r['wall_per_1000_registries_s']} |"
        )
    print(f"\nwritten: {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
