"""Benchmark live collection against the local emulator under a Resource Graph quota.

Builds a synthetic tenant (default 2,000 registries, padded to 50,000 role assignments),
serves it from tests/emulator with a 15-requests-per-5-seconds quota, and collects it with
the real credential and SDK clients in this process. Reports requests, the Resource Graph
phase against the time the quota makes unavoidable, total wall time and peak memory.

    python bench/bench_collect.py [--registries 2000] [--assignments 50000]
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "fixtures")]

from make_synthetic import SyntheticTenant  # noqa: E402

from scanner.sources.live.clouds import Cloud  # noqa: E402
from scanner.sources.live.collector import CollectStats, collect  # noqa: E402
from scanner.sources.live.resource_graph import Scope  # noqa: E402
from tests.emulator import AzureEmulator, EmulatorConfig  # noqa: E402


def pad_assignments(snapshot: dict, target: int) -> None:  # type: ignore[type-arg]
    """Copy resource-group scoped role assignments under new ids until ``target`` rows."""
    rows = snapshot["resourceGraph"]["roleAssignments"]
    seeds = [r for r in rows if "/resourcegroups/" in r["id"].lower()] or rows
    index = 0
    while len(rows) < target:
        row = copy.deepcopy(seeds[index % len(seeds)])
        new = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pad-{index}"))
        row["id"] = row["id"].rsplit("/", 1)[0] + "/" + new
        row["name"] = new
        rows.append(row)
        index += 1
    rows.sort(key=lambda r: r["id"].lower())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registries", type=int, default=2000)
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--quota", type=int, default=15)
    parser.add_argument("--window", type=float, default=5.0)
    args = parser.parse_args()
    snapshot = SyntheticTenant(args.registries, 11).build()
    pad_assignments(snapshot, args.assignments)
    pages = sum(max(1, math.ceil(len(v) / 1000)) for v in snapshot["resourceGraph"].values())
    unavoidable = (math.ceil(pages / args.quota) - 1) * args.window
    from azure.identity import ClientSecretCredential

    with AzureEmulator(snapshot, EmulatorConfig(arg_quota=(args.quota, args.window))) as emu:
        os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_path
        cloud = Cloud("emulator", emu.base_url, emu.base_url, emu.base_url, emu.base_url, emu.base_url, False)
        credential = ClientSecretCredential(
            emu.tenant_id, emu.client_id, emu.client_secret, authority=emu.base_url, disable_instance_discovery=True
        )
        stats = CollectStats()
        started = time.perf_counter()
        collected = collect(credential, cloud, Scope(), tenant_id=emu.tenant_id, stats=stats)
        wall = time.perf_counter() - started
        throttled = sum(1 for r in emu.requests if r.endpoint_kind == "arg" and r.status == 429)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"registries {args.registries:,}, role assignments {len(collected['resourceGraph']['roleAssignments']):,}")
    print(
        f"resource graph: {stats.resource_graph_requests} requests (minimum {pages}), {throttled} answered 429, "
        f"{stats.resource_graph_seconds:.1f}s vs {unavoidable:.1f}s the quota makes unavoidable "
        f"({args.quota} per {args.window:g}s)"
    )
    print(f"arm: {stats.arm_requests} requests; microsoft graph: {stats.graph_requests} $batch requests")
    print(f"total wall {wall:.1f}s, peak RSS {peak:.0f} MiB (emulator in the same process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
