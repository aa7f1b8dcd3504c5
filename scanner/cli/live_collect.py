"""Collect a live tenant into a snapshot file: credential, cloud, progress on stderr, writing, and
the one-line report of what could not be collected (``acr-scan collect`` and the first step of a
live ``scan``).

The Azure SDKs are imported here and below only: the command-line modules import this one when
they collect, so a snapshot or IaC scan never loads them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner.cli.progress import Progress
from scanner.inventory.principals import principals_holding_registry_roles
from scanner.outputs.terminal import safe_text
from scanner.sources.live.clouds import load_cloud
from scanner.sources.live.collector import CollectStats, collect
from scanner.sources.live.credentials import make_credential
from scanner.sources.live.limits import LiveLimits, limits_of
from scanner.sources.live.query_results import Scope
from scanner.sources.live.sdk_logging import quiet_sdk_logs
from scanner.sources.snapshot_writer import write_snapshot


def _stderr(message: str) -> None:
    sys.stderr.write(f"acr-scan: {safe_text(message)}\n")


def collect_snapshot(
    *,
    subscriptions: Sequence[str],
    management_groups: Sequence[str],
    auth: str,
    cloud_name: str,
    output: Path,
    quiet: bool,
    verbose: bool,
    limits: LiveLimits | None = None,
    shard: tuple[int, int] | None = None,
) -> int:
    """Collect, write ``output``, report what is missing; return the number of gaps."""
    cloud = load_cloud(cloud_name)
    bounds = limits or LiveLimits()
    progress = Progress(enabled=sys.stderr.isatty() and not quiet)
    stats = CollectStats()
    with quiet_sdk_logs():
        credential = make_credential(auth, cloud, bounds)
        try:
            snapshot = collect(
                credential,
                cloud,
                Scope(tuple(s.lower() for s in subscriptions), tuple(management_groups)),
                principals_of=principals_holding_registry_roles,
                tenant_id=os.environ.get("AZURE_TENANT_ID"),
                log=None if quiet else _stderr,
                verbose=_stderr if verbose else None,
                progress=progress,
                stats=stats,
                limits=bounds,
                shard=shard,
            )
        finally:
            progress.done()
            credential.close()
    write_snapshot(snapshot, output)
    gaps = snapshot["errors"]
    if not quiet:
        registries = len(snapshot["resourceGraph"]["registries"])
        _stderr(
            f"wrote {output}: {registries} registries; {stats.resource_graph_requests} Resource Graph, "
            f"{stats.arm_requests} ARM and {stats.graph_requests} Microsoft Graph requests in {stats.seconds:.1f}s"
        )
        for gap in gaps:
            status = (
                f"HTTP {gap['status']} " if gap.get("status") and f"HTTP {gap['status']}" not in gap["message"] else ""
            )
            _stderr(
                f"not collected ({', '.join(gap.get('affects') or [])}) at {gap.get('scope')}: {status}{gap['message']}"
            )
    return len(gaps)


def collect_to(args: argparse.Namespace, path: Path) -> int:
    """Collect live, as ``args`` say, into ``path``; returns how many parts could not be read."""
    return collect_snapshot(
        limits=limits_of(args),
        subscriptions=args.subscription,
        management_groups=args.management_group,
        auth=args.auth,
        cloud_name=args.cloud,
        output=path,
        quiet=args.quiet,
        verbose=args.verbose,
        shard=getattr(args, "shard", None),  # (collect --shard; a live scan collects whole)
    )
