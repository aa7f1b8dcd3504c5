"""One in-process split of a scan's access analysis, run by ``bench_access.py`` in a fresh child.

    PYTHONPATH=CHECKOUT python bench/access_phases.py SNAPSHOT

Prints one JSON object: the seconds (wall and CPU) spent reading the snapshot, building the
inventory, building the access model of every registry (``every_access``) and enumerating the
``pull_path`` subjects (which then finds every registry's access memoized), with the counts each
phase produced. The
cyclic collector is paused as ``scanner.scan.run_scan`` pauses it, so the phases cost here what
they cost in a scan.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

from scanner.inventory.access_paths import every_access
from scanner.inventory.build import build_inventory
from scanner.inventory.subjects.pull_path import pull_paths
from scanner.sources.snapshot import SnapshotFileSource


def main() -> int:
    gc.disable()
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(phase: str, start: tuple[float, float]) -> None:
        wall[phase] = time.perf_counter() - start[0]
        cpu[phase] = time.process_time() - start[1]

    start = (time.perf_counter(), time.process_time())
    raw = SnapshotFileSource(Path(sys.argv[1])).load()
    timed("load", start)
    start = (time.perf_counter(), time.process_time())
    inv = build_inventory(raw.data)
    timed("build_inventory", start)
    del raw
    start = (time.perf_counter(), time.process_time())
    registries = sum(1 for _ in every_access(inv))
    timed("every_access", start)
    start = (time.perf_counter(), time.process_time())
    subjects = sum(1 for _ in pull_paths(inv))
    timed("pull_paths", start)
    print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "registries": registries, "pull_path_subjects": subjects}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
