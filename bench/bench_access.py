"""Benchmark: what the access analysis (the ``pull_path`` rules, issue 13) adds to a scan, and how
it grows with the tenant.

For each size N, a synthetic tenant of N registries with 0.4 N workloads pulling from them, N
groups and 20 N role assignments (``fixtures/make_synthetic.py``: 5,000 registries come with
2,000 consumers, 5,000 groups and 100,000 role assignments) is generated once into
``out/bench``. Each measurement is a fresh ``acr-scan scan`` process, timed from spawn to exit:

- *with*: the whole rule pack;
- *without*: the same snapshot with ``--exclude`` the rules whose subject is ``pull_path`` (read
  from ``acr-scan policies list --format json``), so no workload is paired with a registry and
  the access model is never built.

The two alternate run by run (their order swapped every repeat), after one unmeasured warm-up
of each, so both see the same machine state; the added fraction is with / without - 1 of the
medians, with the range of the run-by-run pairs. Growth is the time per 1,000 registries at
each size against the smallest: 1.0 is linear.

Then ``access_phases.py`` splits the analysis in process (a fresh child per repeat): reading the
snapshot, ``build_inventory``, the access model of every registry (``every_access``) and the
``pull_path`` enumeration.

    python bench/bench_access.py [--sizes 1250 2500 5000] [--repeat 5] [--format table]
    python bench/bench_access.py --sizes 250 500 --repeat 5 --against /tmp/base   # A/B

``--against DIR`` measures another checkout too (``git worktree add /tmp/base <commit>``),
interleaved with this one, on the same snapshots.
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
from typing import Any

from scan_env import scan_env

from bench import measure

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"
# Issue 13's tenant (5,000 registries, 2,000 consumers, 5,000 groups, 100,000 role assignments),
# scaled with the number of registries.
CONSUMERS_PER_REGISTRY = 0.4
GROUPS_PER_REGISTRY = 1
ASSIGNMENTS_PER_REGISTRY = 20
PHASES = ("load", "build_inventory", "every_access", "pull_paths")


def tenant_for(registries: int, seed: int) -> tuple[Path, dict[str, int]]:
    """Generate (once) the snapshot of ``registries`` with its consumers, groups and assignments."""
    shape = {
        "registries": registries,
        "consumers": round(registries * CONSUMERS_PER_REGISTRY),
        "groups": registries * GROUPS_PER_REGISTRY,
        "role_assignments": registries * ASSIGNMENTS_PER_REGISTRY,
    }
    path = OUT / f"access-{registries}-{shape['consumers']}-{shape['groups']}-{shape['role_assignments']}-s{seed}.json"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(ROOT / "fixtures" / "make_synthetic.py"), "--seed", str(seed), "-o", str(path)]
        for key, value in shape.items():
            command += [f"--{key.replace('_', '-')}", str(value)]
        subprocess.run(command, check=True, env=scan_env(ROOT))
    return path, shape


def pull_path_rules(tree: Path) -> list[str]:
    """The ids of the rules of ``tree``'s pack whose subject is ``pull_path``."""
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "policies", "list", "--format", "json"],
        cwd=tree,
        env=scan_env(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(p["id"] for p in json.loads(done.stdout) if p.get("subject") == "pull_path")


def phases(tree: Path, snapshot: Path) -> dict[str, Any]:
    """One in-process split by ``access_phases.py`` with ``tree``'s scanner, in a fresh child."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "access_phases.py"), str(snapshot)],
        cwd=tree,
        env=scan_env(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


# One tree's runs at one size: variant ("with", "without") → measure (wall, cpu, rss) → values.
Runs = dict[str, dict[str, list[float]]]
MEASURES = ("wall", "cpu", "rss")


def _measure_size(
    trees: dict[str, Path], rules: dict[str, list[str]], snapshot: Path, fmt: str, repeat: int
) -> dict[str, Runs]:
    """Per tree, ``repeat`` interleaved (with, without) pairs: wall and CPU seconds, peak RSS MiB."""
    options = {tag: ["--exclude", ",".join(ids)] for tag, ids in rules.items()}
    for tag, tree in trees.items():  # warm-up, not counted: bytecode written, snapshot in the page cache
        measure(tree, snapshot, fmt, f"{tag}-with")
        measure(tree, snapshot, fmt, f"{tag}-without", options[tag])
    runs: dict[str, Runs] = {
        tag: {variant: {m: [] for m in MEASURES} for variant in ("with", "without")} for tag in trees
    }
    for run in range(repeat):
        for tag, tree in trees.items():
            order = ("with", "without") if run % 2 == 0 else ("without", "with")
            for variant in order:
                extra = options[tag] if variant == "without" else []
                wall, rss, _findings, cpu = measure(tree, snapshot, fmt, f"{tag}-{variant}", extra)
                for m, value in zip(MEASURES, (wall, cpu, rss), strict=True):
                    runs[tag][variant][m].append(value)
        print(f"  run {run + 1}/{repeat} done", file=sys.stderr, flush=True)
    return runs


def _row(tag: str, tree: Path, shape: dict[str, int], runs: Runs) -> dict[str, Any]:
    row: dict[str, Any] = {"tree": tag, "path": str(tree), **shape, "runs": runs}
    for m in ("wall", "cpu"):
        with_, without = runs["with"][m], runs["without"][m]
        row[f"with_{m}_s"], row[f"without_{m}_s"] = _spread(with_), _spread(without)
        row[f"added_{m}_s"] = statistics.median(with_) - statistics.median(without)
        row[f"added_{m}_fraction"] = statistics.median(with_) / statistics.median(without) - 1
        row[f"added_{m}_fraction_pairs"] = _spread([w / o - 1 for w, o in zip(with_, without, strict=True)])
    row["peak_rss_mib"] = {variant: max(runs[variant]["rss"]) for variant in ("with", "without")}
    return row


def _seconds(row: dict[str, Any], key: str) -> float:
    """A row's median seconds for ``key`` ("with_wall", "added_cpu", ...)."""
    found = row[f"{key}_s"]
    return float(found["median"] if isinstance(found, dict) else found)


def _growth(rows: list[dict[str, Any]]) -> None:
    """Seconds per 1,000 registries at each size, and that against the tree's smallest size
    (1.0: linear), for the whole scan and for what the access analysis adds."""
    for tag in {r["tree"] for r in rows}:
        mine = sorted((r for r in rows if r["tree"] == tag), key=lambda r: r["registries"])
        for key in ("with_wall", "with_cpu", "added_wall", "added_cpu"):
            per = [_seconds(r, key) / r["registries"] * 1000 for r in mine]
            for r, value in zip(mine, per, strict=True):
                r[f"{key}_per_1000_s"] = value
                r[f"{key}_growth"] = value / per[0] if per[0] > 0 else float("nan")


def _span(s: dict[str, float], unit: str = " s") -> str:
    return f"{s['median']:.2f}{unit} ({s['min']:.2f}-{s['max']:.2f})"


def _fraction(row: dict[str, Any], m: str) -> str:
    pairs = row[f"added_{m}_fraction_pairs"]
    return f"{row[f'added_{m}_fraction']:+.0%} ({pairs['min']:+.0%} to {pairs['max']:+.0%})"


def _print_tables(rows: list[dict[str, Any]], phase_rows: list[dict[str, Any]], fmt: str) -> None:
    print(f"\n`{fmt}` report, fresh processes, median (range); added: with / without - 1 of the medians")
    print("(range: of the run-by-run pairs)\n")
    print(
        "| tree | registries | consumers | role assignments | groups | without access analysis | with "
        "| added, wall | added, CPU | peak MiB without / with |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['tree']} | {r['registries']:,} | {r['consumers']:,} | {r['role_assignments']:,} | {r['groups']:,} "
            f"| {_span(r['without_wall_s'])} | {_span(r['with_wall_s'])} | {_fraction(r, 'wall')} "
            f"| {_fraction(r, 'cpu')} | {r['peak_rss_mib']['without']:.0f} / {r['peak_rss_mib']['with']:.0f} |"
        )
    print("\nGrowth: seconds per 1,000 registries (against the smallest size; 1.00 is linear)\n")
    print("| tree | registries | scan, wall | scan, CPU | added, wall | added, CPU |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        cells = " | ".join(
            f"{r[f'{key}_per_1000_s']:.3f} ({r[f'{key}_growth']:.2f})"
            for key in ("with_wall", "with_cpu", "added_wall", "added_cpu")
        )
        print(f"| {r['tree']} | {r['registries']:,} | {cells} |")
    if not phase_rows:
        return
    print("\nIn process (`access_phases.py`): wall seconds, median (range), and CPU seconds, median\n")
    print(f"| tree | registries | pull_path subjects | {' | '.join(PHASES)} |")
    print(f"|---|---|---|{'---|' * len(PHASES)}")
    for p in phase_rows:
        cells = " | ".join(f"{_span(p[name], '')}, CPU {p['cpu'][name]['median']:.2f}" for name in PHASES)
        print(f"| {p['tree']} | {p['registries']:,} | {p['pull_path_subjects']:,} | {cells} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1250, 2500, 5000], help="registries")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved (with, without) pairs per size")
    parser.add_argument("--phase-repeat", type=int, help="in-process splits per size (default: --repeat; 0: none)")
    parser.add_argument("--format", default="table", help="the scans' report format (default table)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--against", type=Path, metavar="DIR", help="another checkout, measured interleaved")
    args = parser.parse_args()
    trees = {"this": ROOT}
    if args.against is not None:
        trees["against"] = args.against.resolve()
    rules = {tag: pull_path_rules(tree) for tag, tree in trees.items()}
    phase_repeat = args.repeat if args.phase_repeat is None else args.phase_repeat
    rows: list[dict[str, Any]] = []
    phase_rows: list[dict[str, Any]] = []
    for size in sorted(args.sizes):
        snapshot, shape = tenant_for(size, args.seed)
        print(f"{size:,} registries: {snapshot.name} ({snapshot.stat().st_size / 2**20:.0f} MiB)", file=sys.stderr)
        runs = _measure_size(trees, rules, snapshot, args.format, args.repeat)
        rows.extend(_row(tag, tree, shape, runs[tag]) for tag, tree in trees.items())
        splits: dict[str, list[dict[str, Any]]] = {tag: [] for tag in trees}
        for _ in range(phase_repeat):
            for tag, tree in trees.items():
                splits[tag].append(phases(tree, snapshot))
        for tag, done in splits.items():
            if done:
                phase_rows.append(
                    {
                        "tree": tag,
                        "registries": size,
                        "pull_path_subjects": done[0]["pull_path_subjects"],
                        **{name: _spread([r["seconds"][name] for r in done]) for name in PHASES},
                        "cpu": {name: _spread([r["cpu_seconds"][name] for r in done]) for name in PHASES},
                    }
                )
    _growth(rows)
    report = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_end": os.getloadavg(),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        "format": args.format,
        "pull_path_rules": rules,
        "results": rows,
        "phases": phase_rows,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    written = OUT / "access-results.json"
    written.write_text(json.dumps(report, indent=2) + "\n")
    _print_tables(rows, phase_rows, args.format)
    print(f"\nexcluded for 'without': {rules}; written: {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
