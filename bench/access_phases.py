"""One in-process split of a scan's access analysis, run by ``bench_access.py`` in a fresh child.

    PYTHONPATH=CHECKOUT python bench/access_phases.py SNAPSHOT

Prints one JSON object: the seconds spent reading the snapshot, building the inventory, building
the access model of every registry (``every_access``) and enumerating the ``pull_path`` subjects
(which then finds every registry's access memoized), with the counts each phase produced. The
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
    times: dict[str, float] = {}
    start = time.perf_counter()
    raw = SnapshotFileSource(Path(sys.argv[1])).load()
    times["load"] = time.perf_counter() - start
    start = time.perf_counter()
    inv = build_inventory(raw.data)
    times["build_inventory"] = time.perf_counter() - start
    del raw
    start = time.perf_counter()
    registries = sum(1 for _ in every_access(inv))
    times["every_access"] = time.perf_counter() - start
    start = time.perf_counter()
    subjects = sum(1 for _ in pull_paths(inv))
    times["pull_paths"] = time.perf_counter() - start
    print(json.dumps({"seconds": times, "registries": registries, "pull_path_subjects": subjects}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
