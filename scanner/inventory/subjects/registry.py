"""The ``registry`` subject: a container registry with everything that hangs off it.

Besides the raw Azure resource, the document carries the registry's child lists (replications,
webhooks, tokens, scope maps, diagnostic settings), its private endpoints as the network side
reports them, its usages by name, the counts of its child lists and its SKU's limits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from scanner.azure import facts
from scanner.azure.ids import norm
from scanner.inventory.model import Inventory, Raw, Registry
from scanner.inventory.registry_consumers import registry_consumers
from scanner.inventory.subjects.registry_extras import connection_docs, extras_fields
from scanner.inventory.subjects.subject import Subject, registry_ref, scope_placeholder
from scanner.unknown import Unknown


def _count(value: list[Raw] | Unknown, usages: Sequence[Raw] | Unknown, usage: str) -> int | Unknown:
    """How many items a child list holds; when the list itself was not read, the registry's
    usage of the same name (ARM counts tokens, scope maps and webhooks there too)."""
    if not isinstance(value, Unknown):
        return len(value)
    if usage and not isinstance(usages, Unknown):
        for row in usages:
            current = row.get("currentValue")
            if str(row.get("name", "")).lower() == usage and isinstance(current, int) and not isinstance(current, bool):
                return current
    return value


def _usage_doc(usages: list[Raw] | Unknown, rid: str) -> Mapping[str, Any] | Unknown:
    if isinstance(usages, Unknown):
        return usages
    by_name: dict[str, Any] = {}
    for usage in usages:
        name, limit, current = usage.get("name"), usage.get("limit"), usage.get("currentValue")
        ratio: Any
        if current is not None and isinstance(limit, int | float) and limit > 0:
            ratio = round(current / limit, 4)
        else:
            ratio = Unknown(f"usage {name} has no limit")
        unit = usage.get("unit")
        by_name[str(usage.get("name", "")).lower()] = {
            "name": name,
            "currentValue": current,
            "limit": limit,
            "unit": unit,
            "ratio": ratio,
        }
    if "size" not in by_name:
        by_name["size"] = Unknown(f"registry {rid} reported no Size usage")
    return by_name


def region_name(location: str) -> str:
    """A region as Azure names it in ids and ARG rows: ``"West Europe"`` → ``westeurope``."""
    return location.replace(" ", "").lower()


def geo_replica_regions(reg: Registry) -> list[str] | Unknown:
    """The regions a registry is replicated to besides its home region, as Azure names them
    (a template may write a display name, ``West Europe``, for ``westeurope``)."""
    if isinstance(reg.replications, Unknown):
        return reg.replications
    home = region_name(reg.location)
    return sorted(
        {region_name(r["location"]) if type(r.get("location")) is str else _location(r) for r in reg.replications}
        - {home, ""}
    )


def _location(row: Raw) -> str:
    location = row.get("location", "")
    if type(location) is str:
        return location
    # IaC: a replica whose region is an unresolved expression is still a replica.
    return "<unresolved region>" if isinstance(location, Unknown) else str(location or "")


def _sku_limits(reg: Registry) -> Mapping[str, int] | Unknown:
    limits = facts.SKU_LIMITS.get(reg.sku.lower())
    if limits is not None:
        return limits
    sku = reg.raw.get("sku")
    name = sku.get("name") if isinstance(sku, Mapping) else sku
    if isinstance(name, Unknown):
        return name  # IaC: the SKU is an unresolved expression, so are its limits
    return facts.SKU_LIMITS["basic"]


def _endpoints(inv: Inventory, reg: Registry) -> list[Any] | Unknown:
    """The private endpoints connecting to ``reg``, as the network side reports them."""
    if isinstance(inv.private_endpoints, Unknown):
        return inv.private_endpoints
    endpoints = []
    for pe in inv.endpoints_by_registry.get(reg.key, ()):
        for target, status in pe.targets:
            if target == reg.key:
                endpoints.append({"id": pe.id, "name": pe.name, "status": status})
    return endpoints


def _with_preview_policies(inv: Inventory, reg: Registry, props: Any) -> Any:
    """A deployed registry's properties with each policy only preview API versions return marked
    unknown where the row lacks it: its absence says which API version answered, not that the
    policy is off. (IaC documents are filled with Azure's defaults before they get here.)"""
    if inv.origin != "deployed" or not isinstance(props, Mapping):
        return props
    policies = props.get("policies")
    policies = {} if policies is None else policies
    if not isinstance(policies, Mapping):
        return props
    missing = [name for name in facts.PREVIEW_ONLY_POLICIES if name not in policies]
    if not missing:
        return props
    reason = "'s data holds no {}: only preview API versions of the registry return it"
    marked = {name: Unknown(f"registry {reg.name}{reason.format(name)}") for name in missing}
    return {**props, "policies": {**policies, **marked}}


def registry_doc(inv: Inventory, reg: Registry) -> dict[str, Any]:
    """The document of a registry subject (docs/subject-documents.md lists its fields)."""
    arm = reg.arm
    raw = reg.raw
    tags, sku, props = raw.get("tags"), raw.get("sku"), raw.get("properties")
    return {
        "id": reg.id,
        "name": reg.name,
        "origin": inv.origin,
        "type": reg.raw.get("type"),
        "location": reg.location,
        "resourceGroup": reg.resource_group,
        "subscriptionId": reg.subscription_id,
        "tags": {} if tags is None else tags,  # (not ``or {}``: an IaC value may be Unknown)
        "sku": {} if sku is None else sku,
        "identity": reg.raw.get("identity"),
        "properties": {} if props is None else _with_preview_policies(inv, reg, props),
        "replications": reg.replications,
        "geoReplicaRegions": geo_replica_regions(reg),
        "webhooks": reg.webhooks,
        "privateEndpointConnections": connection_docs(reg),
        "privateEndpoints": _endpoints(inv, reg),
        "tokens": arm.tokens,
        "scopeMaps": arm.scope_maps,
        "diagnosticSettings": arm.diagnostic_settings,
        "usage": _usage_doc(arm.usages, reg.id),
        "counts": {
            "webhooks": _count(reg.webhooks, arm.usages, "webhooks"),
            "tokens": _count(arm.tokens, arm.usages, "tokens"),
            "scopeMaps": _count(arm.scope_maps, arm.usages, "scopemaps"),
        },
        "skuLimits": _sku_limits(reg),
        "consumers": registry_consumers(inv, reg),
        **extras_fields(reg),
    }


def _subscription_scope(scope: str | None) -> str | None:
    """The subscription an error's scope is (Resource Graph names one by its bare GUID), or None."""
    key = norm(scope or "")
    if key.startswith("/subscriptions/") and key.count("/") == 2:
        return key.rsplit("/", 1)[1]
    try:
        return str(uuid.UUID(key)) if len(key) == 36 else None
    except ValueError:
        return None


def registries(inv: Inventory) -> Iterator[Subject]:
    """One subject per registry (placeholders for scopes whose registries were not listed)."""
    missing = inv.coverage.missing("resourceGraph", "registries")
    if missing is not None and not inv.coverage.has_section("resourceGraph", "registries"):
        yield scope_placeholder("registry", missing)
        return
    for error in inv.coverage.scope_errors("registries"):
        sub = _subscription_scope(error.scope)
        if sub is None:  # (a management group, an IaC module: named as the error names it)
            yield scope_placeholder("registry", Unknown(error.describe()), error.scope)
            continue
        label = f"subscription {inv.subscription_names.get(sub) or sub}"
        yield scope_placeholder("registry", Unknown(error.describe()), f"/subscriptions/{sub}", label, sub)
    for reg in inv.registries.values():
        yield Subject("registry", registry_ref(reg), registry_doc(inv, reg))
