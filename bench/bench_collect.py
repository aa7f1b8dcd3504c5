"""Benchmark live collection against the local emulator under a Resource Graph quota.

Builds a synthetic tenant (default 2,000 registries, padded to 50,000 role assignments, its
subscriptions under one management group), serves it from tests/emulator with a
15-requests-per-5-seconds quota, and collects it with the real credential and SDK clients.
The emulator runs in a child process (Azure is not in the collector's process either), so the
peak RSS reported is the collector's own; ``--in-process`` keeps both in one process.

"Unavoidable" is what the quota alone imposes on the minimum number of Resource Graph
requests (one per 1,000 rows per list): with R requests and Q per W-second window, request
Q*k+1 cannot be sent before k windows have passed, so the last one leaves at the earliest
(ceil(R / Q) - 1) * W seconds after the first.

    python bench/bench_collect.py [--registries 2000] [--assignments 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import math
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "fixtures")]

import tenantgen  # noqa: E402
from make_synthetic import MG, SyntheticTenant  # noqa: E402

from scanner.inventory.principals import principals_holding_registry_roles  # noqa: E402
from scanner.sources.live.clouds import Cloud  # noqa: E402
from scanner.sources.live.collector import SNAPSHOT_LISTS, CollectStats, collect  # noqa: E402
from scanner.sources.live.query_results import Scope  # noqa: E402
from scanner.sources.live.resource_graph import PAGE_SIZE  # noqa: E402
from tests.emulator import AzureEmulator, EmulatorConfig  # noqa: E402


def pad_assignments(snapshot: dict[str, Any], target: int) -> None:
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


def add_subscriptions(snapshot: dict[str, Any]) -> None:
    """The ``resourcecontainers`` rows: every subscription under the tenant's management group."""
    tenant = snapshot["tenantId"]
    chain = [(MG, "Synthetic Root"), (tenant, "Tenant Root Group")]
    snapshot["resourceGraph"]["subscriptions"] = [
        tenantgen.subscription_row(sub, display_name=f"synthetic-{n}", tenant_id=tenant, management_groups=chain)
        for n, sub in enumerate(sorted(snapshot["scope"]["subscriptions"]))
    ]


def build_tenant(registries: int, assignments: int) -> dict[str, Any]:
    """The synthetic tenant the emulator serves."""
    snapshot: dict[str, Any] = SyntheticTenant(registries, 11).build()
    pad_assignments(snapshot, assignments)
    add_subscriptions(snapshot)
    return snapshot


def minimum_requests(snapshot: dict[str, Any]) -> int:
    """One Resource Graph request per 1,000 rows per list the collector queries (an empty or
    absent list still costs one)."""
    lists = snapshot["resourceGraph"]
    return sum(max(1, math.ceil(len(lists.get(name, [])) / PAGE_SIZE)) for name in SNAPSHOT_LISTS)


@dataclass
class Endpoint:
    """Where a running emulator listens and how to sign in to it."""

    base_url: str
    ca_path: str
    tenant_id: str
    client_id: str
    client_secret: str


class LocalEmulator:
    """The emulator in this process (``--in-process``)."""

    def __init__(self, snapshot: dict[str, Any], config: EmulatorConfig) -> None:
        self._snapshot, self._config = snapshot, config
        self._emu: AzureEmulator | None = None

    def start(self) -> Endpoint:
        emu = self._emu = AzureEmulator(self._snapshot, self._config).start()
        return Endpoint(emu.base_url, emu.ca_path, emu.tenant_id, emu.client_id, emu.client_secret)

    def stop(self) -> tuple[int, int]:
        """(Resource Graph requests, of which 429) seen by the emulator."""
        assert self._emu is not None
        statuses = [r.status for r in self._emu.requests if r.endpoint_kind == "arg"]
        self._emu.stop()
        return len(statuses), statuses.count(429)

    def close(self) -> None:
        pass


def _serve(conn: Connection, registries: int, assignments: int, quota: tuple[int, float]) -> None:
    """Child process: build the tenant once, then start / stop an emulator on request."""
    server = LocalEmulator(build_tenant(registries, assignments), EmulatorConfig(arg_quota=quota))
    conn.send(minimum_requests(server._snapshot))
    while True:
        command = conn.recv()
        if command == "start":
            conn.send(server.start())
        elif command == "stop":
            conn.send(server.stop())
        else:
            return


class ChildEmulator:
    """The emulator in a child process (the default)."""

    def __init__(self, registries: int, assignments: int, quota: tuple[int, float]) -> None:
        context = mp.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, registries, assignments, quota), daemon=True)
        self._process.start()
        self.minimum: int = self._conn.recv()

    def start(self) -> Endpoint:
        self._conn.send("start")
        endpoint: Endpoint = self._conn.recv()
        return endpoint

    def stop(self) -> tuple[int, int]:
        self._conn.send("stop")
        counts: tuple[int, int] = self._conn.recv()
        return counts

    def close(self) -> None:
        self._conn.send("exit")
        self._process.join(10)


def run_once(server: LocalEmulator | ChildEmulator) -> tuple[CollectStats, float, int, int, int]:
    """One collection: (stats, wall seconds, ARG requests seen, of which 429, role assignments)."""
    from azure.identity import ClientSecretCredential

    endpoint = server.start()
    try:
        os.environ["REQUESTS_CA_BUNDLE"] = endpoint.ca_path
        url = endpoint.base_url
        cloud = Cloud("emulator", url, url, url, url, url, False)
        credential = ClientSecretCredential(
            endpoint.tenant_id,
            endpoint.client_id,
            endpoint.client_secret,
            authority=url,
            disable_instance_discovery=True,
        )
        stats = CollectStats()
        started = time.perf_counter()
        collected = collect(
            credential,
            cloud,
            Scope(),
            principals_of=principals_holding_registry_roles,
            tenant_id=endpoint.tenant_id,
            stats=stats,
        )
        wall = time.perf_counter() - started
        credential.close()
    finally:
        seen, throttled = server.stop()
    return stats, wall, seen, throttled, len(collected["resourceGraph"]["roleAssignments"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registries", type=int, default=2000)
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--quota", type=int, default=15)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=1, help="collections in a row (fresh emulator each)")
    parser.add_argument("--in-process", action="store_true", help="run the emulator in this process")
    args = parser.parse_args()
    quota = (args.quota, args.window)
    server: LocalEmulator | ChildEmulator
    if args.in_process:
        snapshot = build_tenant(args.registries, args.assignments)
        minimum = minimum_requests(snapshot)
        server = LocalEmulator(snapshot, EmulatorConfig(arg_quota=quota))
    else:
        child = server = ChildEmulator(args.registries, args.assignments, quota)
        minimum = child.minimum
    unavoidable = (math.ceil(minimum / args.quota) - 1) * args.window
    walls: list[float] = []
    try:
        for run in range(1, args.repeat + 1):
            stats, wall, seen, throttled, assignments = run_once(server)
            walls.append(wall)
            if run == 1:
                print(f"registries {args.registries:,}, role assignments {assignments:,}")
            print(
                f"run {run}: resource graph {stats.resource_graph_requests} requests (minimum {minimum}, "
                f"emulator saw {seen}, {throttled} answered 429), done at {stats.resource_graph_seconds:.1f}s; "
                f"arm {stats.arm_requests} requests, done at {stats.arm_seconds:.1f}s; "
                f"microsoft graph {stats.graph_requests} $batch requests, done at {stats.graph_seconds:.1f}s; "
                f"total wall {wall:.1f}s = {100 * (wall / unavoidable - 1):+.1f}% over the {unavoidable:.1f}s "
                f"the quota makes unavoidable ({args.quota} per {args.window:g}s)"
            )
    finally:
        server.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    where = "emulator in the same process" if args.in_process else "collector only; emulator in a child process"
    print(
        f"median total wall {statistics.median(walls):.1f}s over {len(walls)} run(s); peak RSS {peak:.0f} MiB ({where})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
