"""Benchmark: the gate time of ``acr-scan scan --iac`` on the vendored AVM container registry examples.

Each example calls the module with ``source = "../../"`` (and the scope-map examples a nested
module). A measurement is a fresh ``acr-scan scan --iac EXAMPLE --quiet`` process, timed from
spawn to exit (what a pipeline pays, interpreter start-up and rule loading included), with its
exit code; the ``.tf`` reading alone (``read_tf`` in this process, after one warm-up) is given
beside it.

    python bench/bench_tf_modules.py [--repeat 7] [--examples default private-endpoint]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scan_env import scan_env

ROOT = Path(__file__).resolve().parent.parent
AVM = ROOT / "tests" / "data" / "corpus" / "terraform-avm-containerregistry"


def gate_once(example: Path) -> tuple[float, int]:
    """One scan in a fresh process: (wall seconds, exit code)."""
    cmd = [sys.executable, "-m", "scanner", "scan", "--iac", str(example), "--quiet", "--format", "table"]
    env = scan_env(ROOT)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, done.returncode


def read_once(example: Path) -> tuple[float, int]:
    """The ``.tf`` reader alone, in this process: (seconds, resources read)."""
    from scanner.sources.iac.terraform.module import read_tf

    start = time.perf_counter()
    resources = read_tf([example], ROOT)
    return time.perf_counter() - start, len(resources)


def shown(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--examples", nargs="*", default=sorted(p.name for p in (AVM / "examples").iterdir()))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"{args.repeat} runs each, median (min-max); Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("| example | resources | exit | gate (whole process) | .tf read (in process) |")
    print("|---|---|---|---|---|")
    for name in args.examples:
        example = AVM / "examples" / name
        read_once(example)  # warm-up: imports and first parse
        gate_once(example)  # warm-up, not counted: bytecode written, files cached
        reads = [read_once(example) for _ in range(args.repeat)]
        gates = [gate_once(example) for _ in range(args.repeat)]
        codes = sorted({code for _, code in gates})
        row = [name, str(reads[0][1]), "/".join(map(str, codes))]
        row += [shown([t for t, _ in gates]), shown([t for t, _ in reads])]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
