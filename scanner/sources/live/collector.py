"""Collect a snapshot from a live tenant: Resource Graph, then ARM, then Microsoft Graph.

The result is a snapshot document exactly as SNAPSHOT.md specifies: raw rows sorted by
lower-cased id, ARM lists keyed by lower-cased registry id, Graph objects without secret
material, and an ``errors`` entry for every part that could not be read (the affected rules
then report ``unknown``). Authentication and network failures stop the collection with one
clear line; everything scoped (a 403 on one subscription or registry) is recorded and the
collection goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scanner import __version__
from scanner.inventory.build import build_inventory
from scanner.inventory.coverage import RESOURCE_GRAPH_LISTS
from scanner.inventory.subjects import principals_with_access
from scanner.sources.live.arm import ArmReader
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import CollectionFailed, explain_authentication, explain_unreachable
from scanner.sources.live.graph import GraphReader
from scanner.sources.live.logging_policy import RequestLogPolicy
from scanner.sources.live.resource_graph import ResourceGraphReader, Scope
from scanner.timeutil import format_datetime

Log = Callable[[str], None]


@dataclass(slots=True)
class CollectStats:
    """What the collection cost, for the progress line and the benchmark."""

    resource_graph_requests: int = 0
    resource_graph_throttled: int = 0
    resource_graph_waited: float = 0.0
    arm_requests: int = 0
    graph_requests: int = 0
    resource_graph_seconds: float = 0.0
    seconds: float = 0.0
    per_list: dict[str, int] = field(default_factory=dict)


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


def collect(
    credential: Any,
    cloud: Cloud,
    scope: Scope,
    *,
    tenant_id: str | None = None,
    log: Log | None = None,
    verbose: Log | None = None,
    progress: Log | None = None,
    stats: CollectStats | None = None,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Read the tenant and return a snapshot document."""
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    say = log or (lambda _m: None)
    step = progress or (lambda _m: None)
    stats = stats if stats is not None else CollectStats()
    policies = [RequestLogPolicy(verbose)] if verbose else []
    started = time.monotonic()
    collected_at = format_datetime(datetime.now(UTC))
    extra: dict[str, Any] = {"per_call_policies": policies} if policies else {}
    rg = ResourceGraphReader(credential, cloud, log=say, sleep=sleep or time.sleep, **extra)
    arm = ArmReader(credential, cloud, log=say, **extra)
    graph = GraphReader(credential, cloud, log=say, sleep=sleep or time.sleep, per_call_policies=policies)
    endpoint = cloud.resource_manager
    try:
        resource_graph: dict[str, list[dict[str, Any]]] = {}
        errors: list[dict[str, Any]] = []
        for name in RESOURCE_GRAPH_LISTS:
            step(f"resource graph: {name}")
            result = rg.query(name, scope)
            if name == "privateDnsRecordSets" and _dns_table_unavailable(result.failures):
                say("the dnsresources table could not be queried; reading A records through the Private DNS API")
                zones = [row["id"] for row in resource_graph.get("privateDnsZones", [])]
                rows, dns_errors = arm.private_dns_records(zones)
                resource_graph[name] = sorted(rows, key=lambda r: str(r.get("id", "")).lower())
                errors.extend(dns_errors)
                continue
            resource_graph[name] = result.rows
            stats.per_list[name] = len(result.rows)
            errors.extend(_rg_error(name, f) for f in result.failures)
        stats.resource_graph_seconds = time.monotonic() - started
        registries = [row["id"] for row in resource_graph["registries"]]
        step(f"arm: {len(registries)} registries")
        arm_section, arm_errors = arm.collect(
            registries, progress=lambda done, total: step(f"arm: {done}/{total} registries")
        )
        errors.extend(arm_errors)
        partial = {
            "kind": "acr-snapshot",
            "version": 1,
            "collectedAt": collected_at,
            "resourceGraph": resource_graph,
            "errors": errors,
        }
        principals = principals_with_access(build_inventory(partial))
        endpoint = cloud.microsoft_graph
        step(f"microsoft graph: {len(principals)} principals")
        graph_result = graph.collect(principals, tenant_id)
        errors.extend(graph_result.errors)
    except ClientAuthenticationError as exc:
        raise explain_authentication(exc, cloud.authority_host) from None
    except ServiceRequestError as exc:
        raise explain_unreachable(exc, endpoint) from None
    finally:
        rg.close()
        arm.close()
        graph.close()
        stats.resource_graph_requests = rg.requests
        stats.resource_graph_throttled = rg.throttled
        stats.resource_graph_waited = rg.waited
        stats.arm_requests = arm.requests
        stats.graph_requests = graph.requests
        stats.seconds = time.monotonic() - started
    scope_doc: dict[str, Any] = {}
    if scope.subscriptions:
        scope_doc["subscriptions"] = sorted(scope.subscriptions)
    if scope.management_groups:
        scope_doc["managementGroups"] = sorted(scope.management_groups)
    if not scope_doc:
        scope_doc["tenant"] = True
    snapshot: dict[str, Any] = {
        "kind": "acr-snapshot",
        "version": 1,
        "collectedAt": collected_at,
        "scope": scope_doc,
        "collector": {"name": "acr-policy-scanner", "version": __version__},
        "resourceGraph": resource_graph,
        "arm": arm_section,
        "graph": {
            "servicePrincipals": sorted(graph_result.service_principals, key=lambda o: str(o.get("id", "")).lower()),
            "applications": sorted(graph_result.applications, key=lambda o: str(o.get("id", "")).lower()),
            "missingPrincipals": sorted(graph_result.missing),
        },
        "errors": errors,
    }
    if tenant_id:
        snapshot["tenantId"] = tenant_id
    return snapshot


__all__ = ["CollectStats", "CollectionFailed", "Scope", "collect"]
