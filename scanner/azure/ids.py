"""ARM resource id helpers. ARM ids are case-insensitive; ARG lower-cases ``type`` but not ``id``."""

from __future__ import annotations


def norm(resource_id: str) -> str:
    """The comparison key of an id: lower-case, no trailing slash (``/`` stays ``/``)."""
    key = resource_id.strip().lower()
    return key.rstrip("/") or "/"


def segment_after(resource_id: str, name: str) -> str | None:
    """The path segment after ``name`` (case-insensitive), e.g. the resource group of an id."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        index = lowered.index(name.lower())
    except ValueError:
        return None
    return parts[index + 1] if index + 1 < len(parts) else None


def subscription_of(resource_id: str) -> str | None:
    """The subscription GUID of an id, or ``None`` for tenant-level ids."""
    sub = segment_after(resource_id, "subscriptions")
    return sub.lower() if sub else None


def resource_group_of(resource_id: str) -> str | None:
    """The resource group name of an id (original casing)."""
    return segment_after(resource_id, "resourceGroups")


def last_segment(resource_id: str) -> str:
    """The trailing name of an id (the GUID of a role definition id)."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def parent_vnet(subnet_id: str) -> str | None:
    """The virtual network id of a subnet id."""
    key = subnet_id.rstrip("/")
    marker = key.lower().rfind("/subnets/")
    return key[:marker] if marker > 0 else None


def scope_level(scope: str) -> str:
    """Classify a role-assignment scope: root, managementGroup, subscription, resourceGroup, resource."""
    key = norm(scope)
    if key == "/":
        return "root"
    if key.startswith("/providers/microsoft.management/managementgroups/"):
        return "managementGroup"
    parts = key.strip("/").split("/")
    if parts[0] == "subscriptions" and len(parts) == 2:
        return "subscription"
    if parts[0] == "subscriptions" and len(parts) == 4 and parts[2] == "resourcegroups":
        return "resourceGroup"
    return "resource"
