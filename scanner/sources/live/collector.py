"""Collect a snapshot from a live tenant: Resource Graph, ARM and Microsoft Graph, overlapped.

The result is a snapshot document exactly as docs/snapshot-format.md specifies: raw rows sorted by
lower-cased id, ARM lists keyed by lower-cased registry id, Graph objects without secret
material, and an ``errors`` entry for every part that could not be read (the affected rules
then report ``unknown``). Authentication and network failures stop the collection with one
clear line; everything scoped (a 403 on one subscription or registry) is recorded and the
collection goes on.

Resource Graph is paced by its per-user quota (15 requests per 5 s), so most of its phase is
waiting. The other two services have their own limits and do not wait for it: the per-registry
ARM calls start as soon as the registry list is in, and the Microsoft Graph lookups as soon as
the lists that decide who holds a role over a registry (registries, subscriptions with their
management-group chain, role definitions, role assignments) are in, while Resource Graph goes
on with the remaining lists. A collection then takes about as long as the quota makes
unavoidable.

Faults are bounded by :class:`~scanner.sources.live.limits.LiveLimits` (timeouts, retries,
waits, a deadline per phase). A list, registry or principal that still cannot be read becomes
an ``errors`` entry; the collection stops with :class:`CollectionFailed` (exit 5) only when
nothing can be collected: no token, a network or TLS failure, or no registry list.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import msgspec

from scanner import __version__
from scanner.azure.sections import CONSUMER_LISTS, DEFENDER_LISTS, GROUP_MEMBERS, RESOURCE_GRAPH_LISTS
from scanner.sources.live.arm import ArmReader, is_container_site
from scanner.sources.live.clock import SYSTEM_CLOCK, Clock
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import CollectionFailed, explain_authentication, explain_unreachable
from scanner.sources.live.failures import CallFailed
from scanner.sources.live.graph import GraphReader, GraphResult
from scanner.sources.live.limits import LiveLimits
from scanner.sources.live.logging_policy import RequestLogPolicy
from scanner.sources.live.query_results import QueryResult, Scope
from scanner.sources.live.resource_graph import ResourceGraphReader
from scanner.sources.live.settings import Log, ReaderSettings, silent
from scanner.timeutil import format_datetime

T = TypeVar("T")

#: Every Resource Graph list of a snapshot, in the order the snapshot writes them.
SNAPSHOT_LISTS = (*RESOURCE_GRAPH_LISTS, "subscriptions", *CONSUMER_LISTS, *DEFENDER_LISTS)
#: What decides which principals hold a role over a registry (and so what Graph is asked).
ACCESS_LISTS = ("registries", "subscriptions", "roleDefinitions", "roleAssignments")
#: Query order: what the ARM and Graph phases wait for comes first.
QUERY_ORDER = (*ACCESS_LISTS, *(name for name in SNAPSHOT_LISTS if name not in ACCESS_LISTS))


class CollectStats(msgspec.Struct):
    """What the collection cost, for the progress line and the benchmark."""

    resource_graph_requests: int = 0
    resource_graph_throttled: int = 0
    resource_graph_waited: float = 0.0
    arm_requests: int = 0
    graph_requests: int = 0
    resource_graph_seconds: float = 0.0
    arm_seconds: float = 0.0
    graph_seconds: float = 0.0
    seconds: float = 0.0
    per_list: dict[str, int] = msgspec.field(default_factory=dict)


def _dns_table_unavailable(failures: list[Any]) -> bool:
    return bool(failures) and all(f.status == 400 for f in failures)


def _rg_error(name: str, failure: Any) -> dict[str, Any]:
    return {
        "source": "resourceGraph",
        "scope": failure.scope,
        "status": failure.status,
        "code": failure.code,
        "message": failure.message,
        "affects": [name],
    }


class _Status:
    """The progress line when several phases run at once: one part per phase."""

    def __init__(self, progress: Log) -> None:
        self._progress = progress
        self._parts: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, phase: str, text: str | None) -> None:
        with self._lock:
            if text is None:
                self._parts.pop(phase, None)
            else:
                self._parts[phase] = text
            if self._parts:
                self._progress("; ".join(f"{name}: {part}" for name, part in self._parts.items()))


def _explained(work: Callable[[], T], cloud: Cloud, endpoint: str) -> Callable[[], T]:
    """``work`` with authentication and network failures turned into one clear line."""
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    def run() -> T:
        try:
            return work()
        except CallFailed as failed:  # a failure that is not scoped: the network, TLS, a refused token
            raise CollectionFailed(failed.message) from None
        except ClientAuthenticationError as exc:
            raise explain_authentication(exc, cloud.authority_host) from None
        except ServiceRequestError as exc:
            raise explain_unreachable(exc, endpoint) from None

    return run


def _require_registries(result: QueryResult) -> None:
    """No registry list means nothing can be collected: stop with the reason (exit 5).

    Subscriptions that refuse (403) are scoped gaps and the others are still read, as are the
    subscriptions a failure was narrowed down to while others answered (with registries or
    without); a list that failed everywhere for any other reason (the endpoint down, every
    answer malformed) is not.
    """
    if result.answered or not result.failures or all(f.status == 403 for f in result.failures):
        return
    first = next(f for f in result.failures if f.status != 403)
    raise CollectionFailed(f"Resource Graph could not list the registries, so nothing was collected: {first.line}")


def _raise_if_failed(*futures: Future[Any] | None) -> None:
    """Stop early when a background phase already failed (its exception is raised here)."""
    for future in futures:
        if future is not None and future.done():
            future.result()


def _scope_doc(scope: Scope) -> dict[str, Any]:
    scope_doc: dict[str, Any] = {}
    if scope.subscriptions:
        scope_doc["subscriptions"] = sorted(scope.subscriptions)
    if scope.management_groups:
        scope_doc["managementGroups"] = sorted(scope.management_groups)
    if not scope_doc:
        scope_doc["tenant"] = True
    return scope_doc


def in_shard(subscription: str, shard: tuple[int, int]) -> bool:
    """Whether ``subscription`` falls to part K of N: a stable hash of its lower-cased id, so every
    job of a matrix computes the same split without talking to the others."""
    index, of = shard
    return int(hashlib.sha256(subscription.lower().encode()).hexdigest(), 16) % of == index - 1


def shard_subscriptions(rg: ResourceGraphReader, scope: Scope, shard: tuple[int, int]) -> list[str]:
    """The subscriptions of ``scope`` that fall to ``shard`` (listed through Resource Graph first
    when the scope is management groups or the tenant)."""
    if scope.subscriptions:
        listed = list(scope.subscriptions)
    else:
        result = rg.query("subscriptions", scope)
        if result.failures:
            failure = result.failures[0]
            raise CollectionFailed(f"listing the subscriptions to split into shards: {failure.line}")
        listed = [str(row.get("subscriptionId") or "").lower() for row in result.rows if row.get("subscriptionId")]
    return [s.lower() for s in listed if in_shard(s, shard)]


def _empty_shard(collected_at: str, scope_doc: dict[str, Any], tenant_id: str | None) -> dict[str, Any]:
    return _document(collected_at, scope_doc, tenant_id, {name: [] for name in SNAPSHOT_LISTS}, {}, GraphResult(), [])


def collect(
    credential: Any,
    cloud: Cloud,
    scope: Scope,
    *,
    principals_of: Callable[[Mapping[str, Any]], Mapping[str, str]],
    tenant_id: str | None = None,
    log: Log | None = None,
    verbose: Log | None = None,
    progress: Log | None = None,
    stats: CollectStats | None = None,
    clock: Clock = SYSTEM_CLOCK,
    limits: LiveLimits | None = None,
    shard: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Read the tenant and return a snapshot document (with ``shard`` = (K, N): only the K-th of N
    disjoint parts of the scope's subscriptions, :func:`in_shard`; ``acr-scan merge`` joins them).

    ``principals_of`` maps the lists that decide who holds a role over a registry (a partial
    snapshot) to the principals Microsoft Graph is then asked about (object id → principalType):
    the inventory's business, handed in by the caller.
    """
    say = log or silent
    status = _Status(progress or silent)
    stats = stats if stats is not None else CollectStats()
    policies = (RequestLogPolicy(verbose),) if verbose else ()
    started = clock.now()
    collected_at = format_datetime(datetime.now(UTC))
    settings = ReaderSettings(
        limits or LiveLimits(), clock, log=say, verbose=verbose or silent, per_call_policies=policies
    )
    rg = ResourceGraphReader(credential, cloud, settings)
    scope_doc = _scope_doc(scope)
    if shard is not None:
        mine = shard_subscriptions(rg, scope, shard)
        scope_doc["shard"] = {"index": shard[0], "of": shard[1], "subscriptions": sorted(mine)}
        if not mine:  # (this part of the split holds no subscription: nothing to read)
            rg.close()
            return _empty_shard(collected_at, scope_doc, tenant_id)
        scope = Scope(tuple(mine), ())
    arm = ArmReader(credential, cloud, settings)
    graph = GraphReader(credential, cloud, settings)
    cancel = threading.Event()
    resource_graph: dict[str, list[dict[str, Any]]] = {}
    rg_errors: dict[str, list[dict[str, Any]]] = {}

    def arm_phase(registries: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        status("arm", f"0/{len(registries)} registries")
        section, errors = arm.collect(
            registries, progress=lambda done, total: status("arm", f"{done}/{total} registries"), cancel=cancel
        )
        stats.arm_seconds = clock.now() - started
        status("arm", None)
        return section, errors

    def graph_phase(access: dict[str, Any]) -> GraphResult:
        principals = dict(principals_of(access))
        status("microsoft graph", f"{len(principals)} principals")
        result = graph.collect(principals, tenant_id)
        stats.graph_seconds = clock.now() - started
        status("microsoft graph", None)
        return result

    futures: dict[str, Future[Any]] = {}

    def resource_graph_phase() -> None:
        for name in QUERY_ORDER:
            _raise_if_failed(*futures.values())
            status("resource graph", name)
            result = rg.query(name, scope)
            if name == "privateDnsRecordSets" and _dns_table_unavailable(result.failures):
                say("the dnsresources table could not be queried; reading A records through the Private DNS API")
                rows, dns_errors = arm.private_dns_records([row["id"] for row in resource_graph["privateDnsZones"]])
                resource_graph[name] = sorted(rows, key=lambda r: str(r.get("id", "")).lower())
                rg_errors[name] = dns_errors
            else:
                resource_graph[name] = result.rows
                rg_errors[name] = [_rg_error(name, f) for f in result.failures]
            stats.per_list[name] = len(resource_graph[name])
            if name == "registries":
                _require_registries(result)
                ids = [row["id"] for row in result.rows]
                futures["arm"] = phases.submit(_explained(partial(arm_phase, ids), cloud, cloud.resource_manager))
            if "graph" not in futures and all(n in resource_graph for n in ACCESS_LISTS):
                access = {
                    "kind": "acr-snapshot",
                    "version": 1,
                    "collectedAt": collected_at,
                    "resourceGraph": {n: resource_graph[n] for n in ACCESS_LISTS},
                    "errors": [e for n in ACCESS_LISTS for e in rg_errors[n]],
                }
                futures["graph"] = phases.submit(_explained(partial(graph_phase, access), cloud, cloud.microsoft_graph))
        stats.resource_graph_seconds = clock.now() - started
        status("resource graph", None)

    phases = ThreadPoolExecutor(max_workers=2, thread_name_prefix="collect")
    try:
        _explained(resource_graph_phase, cloud, cloud.resource_manager)()
        sites = [row["id"] for row in resource_graph["webApps"] if is_container_site(row)]
        site_section, site_errors = _explained(partial(arm.site_configs, sites), cloud, cloud.resource_manager)()
        arm_section, arm_errors = futures["arm"].result()
        arm_section, arm_errors = {**arm_section, **site_section}, arm_errors + site_errors
        graph_result: GraphResult = futures["graph"].result()
    except BaseException:
        cancel.set()
        raise
    finally:
        phases.shutdown(wait=True, cancel_futures=True)
        rg.close()
        arm.close()
        graph.close()
        stats.resource_graph_requests = rg.requests
        stats.resource_graph_throttled = rg.throttled
        stats.resource_graph_waited = rg.waited
        stats.arm_requests = arm.requests
        stats.graph_requests = graph.requests
        stats.seconds = clock.now() - started
    errors = [e for name in SNAPSHOT_LISTS for e in rg_errors[name]] + arm_errors + graph_result.errors
    return _document(collected_at, scope_doc, tenant_id, resource_graph, arm_section, graph_result, errors)


def _document(
    collected_at: str,
    scope_doc: dict[str, Any],
    tenant_id: str | None,
    resource_graph: dict[str, list[dict[str, Any]]],
    arm_section: dict[str, Any],
    graph_result: GraphResult,
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """The snapshot document, each list in the order a reader expects (by lower-cased id)."""
    snapshot: dict[str, Any] = {
        "kind": "acr-snapshot",
        "version": 1,
        "collectedAt": collected_at,
        "scope": scope_doc,
        "collector": {"name": "acr-policy-scanner", "version": __version__},
        "resourceGraph": {name: resource_graph[name] for name in SNAPSHOT_LISTS},
        "arm": arm_section,
        "graph": {
            "servicePrincipals": sorted(graph_result.service_principals, key=lambda o: str(o.get("id", "")).lower()),
            "applications": sorted(graph_result.applications, key=lambda o: str(o.get("id", "")).lower()),
            "missingPrincipals": sorted(graph_result.missing),
            GROUP_MEMBERS: {key: graph_result.group_members[key] for key in sorted(graph_result.group_members)},
            "directoryObjects": sorted(graph_result.directory_objects, key=lambda o: str(o["id"]).lower()),
        },
        "errors": errors,
    }
    if tenant_id:
        snapshot["tenantId"] = tenant_id
    return snapshot


__all__ = ["CollectStats", "CollectionFailed", "Scope", "collect"]
