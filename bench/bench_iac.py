"""Benchmark: ``acr-scan scan --iac`` over ARM templates with N registries, side by side with Checkov.

Each measurement is a fresh process (what a pull-request gate pays), timed from spawn to exit,
with its peak RSS from ``wait4``'s rusage of that one child. Templates are generated once
into ``out/bench/iac-N`` by ``fixtures/make_arm.py`` (not part of the measured time). Our scan
runs the whole rule pack; Checkov, when it is on PATH or given with ``--checkov``, runs its
six ACR ARM checks on the same folder:

    checkov -d DIR --framework arm --check CKV_AZURE_137,CKV_AZURE_138,CKV_AZURE_139,
            CKV_AZURE_163,CKV_AZURE_166,CKV_AZURE_233 -o json --quiet

    python bench/bench_iac.py --sizes 1000 5000 [--repeat 3] [--format table json] [--checkov PATH]

``--corpus`` times the pull-request gate instead (``scan --iac FILES --format table``, a fresh
process each run) on each real template of ``tests/data/corpus`` with its parameters file, and
on ``fixtures/iac/arm``; ``--against CHECKOUT`` runs the same gates with another checkout's
code, interleaved run by run, on the same files:

    python bench/bench_iac.py --corpus --repeat 9 [--against /tmp/base]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"
CHECKOV_CHECKS = "CKV_AZURE_137,CKV_AZURE_138,CKV_AZURE_139,CKV_AZURE_163,CKV_AZURE_166,CKV_AZURE_233"
# Checkov's wall time on the reference machine (issue 5), for when it is not installed here.
CHECKOV_REFERENCE_S = {1000: 6.8, 5000: 16.4}


def templates_for(size: int, per_file: int) -> Path:
    """Generate (once) the folder of templates declaring ``size`` registries."""
    folder = OUT / f"iac-{size}-{per_file}"
    if not folder.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "fixtures" / "make_arm.py"),
                "--registries",
                str(size),
                "--per-file",
                str(per_file),
                "-o",
                str(folder),
            ],
            check=True,
        )
    return folder


def timed(cmd: list[str], stdout: Path | None = None, checkout: Path = ROOT) -> tuple[float, float, int]:
    """Run ``cmd`` in a fresh process (in ``checkout``, with its code): (wall seconds, peak RSS MiB, exit code)."""
    sink = open(stdout, "wb") if stdout is not None else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if stdout is not None:
            sink.close()  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def ours(folder: Path, fmt: str) -> tuple[float, float]:
    output = OUT / f"iac-result-{folder.name}.{fmt}"
    cmd = [sys.executable, "-m", "scanner", "scan", "--iac", str(folder), "--format", fmt, "--output", str(output)]
    wall, rss, code = timed([*cmd, "--quiet", "--now", "2026-11-27T00:00:00Z"])
    if code not in (0, 1, 3):
        raise SystemExit(f"acr-scan scan --iac {folder} failed with exit code {code}")
    return wall, rss


def checkov(binary: str, folder: Path) -> tuple[float, float]:
    output = OUT / f"checkov-{folder.name}.json"
    cmd = [binary, "-d", str(folder), "--framework", "arm", "--check", CHECKOV_CHECKS, "-o", "json", "--quiet"]
    wall, rss, code = timed(cmd, stdout=output)
    if code not in (0, 1):
        raise SystemExit(f"checkov failed on {folder} with exit code {code}")
    return wall, rss


def corpus_gates() -> dict[str, list[Path]]:
    """The gates ``--corpus`` times: each corpus template with its parameters file(s), and the ARM fixtures."""
    corpus = ROOT / "tests" / "data" / "corpus"
    avm = corpus / "avm-bicep-registry"
    gates = {
        f"avm {p.name[len('main.parameters.') : -len('.json')]}": [avm / "main.json", p]
        for p in sorted(avm.glob("main.parameters.*.json"))
    }
    for template in sorted((corpus / "quickstarts").glob("*/azuredeploy.json")):
        gates[f"quickstart {template.parent.name}"] = [template, *sorted(template.parent.glob("*.parameters*.json"))]
    gates["fixtures/iac/arm"] = [ROOT / "fixtures" / "iac" / "arm"]
    return gates


def gate(paths: list[Path], checkout: Path) -> float:
    cmd = [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "--iac",
        *map(str, paths),
        "--format",
        "table",
        "--quiet",
        "--now",
        "2026-11-27T00:00:00Z",
        "--repo-root",
        str(ROOT),
    ]
    wall, _, code = timed(cmd, checkout=checkout)
    if code not in (0, 1, 3):
        raise SystemExit(f"{checkout}: acr-scan scan --iac {paths} failed with exit code {code}")
    return wall


def reading(paths: list[Path]) -> float:
    """Seconds this process takes to read the files into rows (the ARM reader alone, no start-up, no rules)."""
    from scanner.sources.iac.detect import discover
    from scanner.sources.iac.source import read_resources

    start = time.perf_counter()
    read_resources(discover(paths), ROOT, trees=[p for p in paths if p.is_dir()])
    return time.perf_counter() - start


def corpus(repeat: int, against: Path | None) -> int:
    """Median and range of the gate per corpus template (and against another checkout, interleaved)."""
    checkouts = [ROOT] if against is None else [ROOT, against.resolve()]
    columns = " | ".join(f"gate {c.name}: median (range) s" for c in checkouts)
    print(f"| files | reading, in process: median (range) ms | {columns} |")
    print(f"|---|---|{'---|' * len(checkouts)}")
    for name, paths in corpus_gates().items():
        runs: dict[Path, list[float]] = {c: [] for c in checkouts}
        read_ms = [1000 * reading(paths) for _ in range(repeat)]
        for _ in range(repeat):
            for checkout in checkouts:
                runs[checkout].append(gate(paths, checkout))
        cells = [f"{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})" for r in runs.values()]
        reads = f"{statistics.median(read_ms):.0f} ({min(read_ms):.0f}-{max(read_ms):.0f})"
        print(f"| {name} | {reads} | {' | '.join(cells)} |", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="store_true", help="time the gate on each corpus template instead")
    parser.add_argument("--against", type=Path, help="with --corpus: another checkout to time, interleaved")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--per-file", type=int, default=100, help="registries per template file")
    parser.add_argument("--format", nargs="+", default=["table", "json"], dest="formats")
    parser.add_argument("--checkov", help="the checkov executable (default: checkov on PATH, if any)")
    args = parser.parse_args()
    if args.corpus:
        return corpus(args.repeat, args.against)
    binary = args.checkov or shutil.which("checkov")
    rows = []
    for size in args.sizes:
        folder = templates_for(size, args.per_file)
        mib = sum(p.stat().st_size for p in folder.glob("*.json")) / 2**20
        measured: list[tuple[str, list[tuple[float, float]]]] = [
            (f"acr-scan ({fmt})", [ours(folder, fmt) for _ in range(args.repeat)]) for fmt in args.formats
        ]
        if binary:
            measured.append(("checkov", [checkov(binary, folder) for _ in range(args.repeat)]))
        for tool, runs in measured:
            wall = statistics.median(r[0] for r in runs)
            rows.append(
                {
                    "registries": size,
                    "per_file": args.per_file,
                    "files": len(list(folder.glob("*.json"))),
                    "templates_mib": round(mib, 1),
                    "tool": tool,
                    "wall_s": round(wall, 2),
                    "peak_rss_mib": round(max(r[1] for r in runs)),
                    "runs": len(runs),
                }
            )
            print(
                f"{size:>6} registries  {tool:<18} wall {wall:6.2f} s  peak {rows[-1]['peak_rss_mib']:5} MiB",
                flush=True,
            )
    for row in rows:
        reference = next(
            (r["wall_s"] for r in rows if r["registries"] == row["registries"] and r["tool"] == "checkov"),
            CHECKOV_REFERENCE_S.get(row["registries"]),
        )
        row["checkov_wall_s"] = reference
        row["checkov_measured_here"] = bool(binary)
        row["speedup_vs_checkov"] = (
            round(reference / row["wall_s"], 1) if reference and row["tool"] != "checkov" else None
        )
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "checkov": binary or f"not installed; reference wall times from issue 5: {CHECKOV_REFERENCE_S}",
        "results": rows,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    written = OUT / f"iac-results-{args.per_file}-per-file.json"
    written.write_text(json.dumps(report, indent=2) + "\n")
    print("\n| registries | tool | wall s | peak MiB | Checkov wall s | speed-up |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        checkov_note = f"{r['checkov_wall_s']}" + ("" if binary else " (reference)")
        speedup = f"{r['speedup_vs_checkov']}×" if r["speedup_vs_checkov"] else "–"
        print(
            f"| {r['registries']:,} | {r['tool']} | {r['wall_s']} | {r['peak_rss_mib']} | {checkov_note} | {speedup} |"
        )
    print(f"\nwritten: {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
