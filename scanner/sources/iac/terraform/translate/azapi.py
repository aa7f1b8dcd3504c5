"""``azapi_resource`` of a type this scanner reads → its row: the ``body`` is the ARM shape already.

``body`` may be an HCL object (azapi 2.x) or ``jsonencode({...})`` / a JSON string (1.x); the
id is ``parent_id`` plus type and name (docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown

# azapi_resource types translated into rows (the body is already the ARM shape).
AZAPI_TYPES = frozenset(
    t.lower()
    for t in (
        rows.REGISTRY_TYPE,
        rows.REGISTRY_TYPE + "/replications",
        rows.REGISTRY_TYPE + "/webhooks",
        rows.REGISTRY_TYPE + "/tokens",
        rows.REGISTRY_TYPE + "/scopeMaps",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/privateDnsZones/A",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Insights/diagnosticSettings",
        # the workloads that pull from registries and the identities they pull with
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.App/containerApps",
        "Microsoft.App/managedEnvironments",
        "Microsoft.Web/sites",
        "Microsoft.Web/sites/config",
        "Microsoft.ContainerInstance/containerGroups",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
    )
)


def translate_azapi_resource(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The row of an ``azapi_resource`` whose type is read (none for other types)."""
    a = inst.attrs
    arm_type_raw = a.get("type")
    if not isinstance(arm_type_raw, str):
        return []
    arm_type = arm_type_raw.split("@", 1)[0]
    if arm_type.lower() not in AZAPI_TYPES:
        return []
    body: Any = a.get("body")
    body_path: AttrPath = ("body",)
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = Unknown(f"{inst.address}.body is not JSON")
    if body is None:
        body = {}
    row: dict[str, Any] = {"id": rid, "name": a.get("name"), "type": arm_type}
    src: dict[str, AttrPath] = {"name": ("name",)}
    location = a.get("location")
    if isinstance(body, Mapping):
        for key, value in body.items():
            if key in ("id", "name", "type"):
                continue
            row[key] = value
            src[key] = (*body_path, key)
            if isinstance(value, Mapping):
                for sub in value:
                    src[f"{key}.{sub}"] = (*body_path, key, sub)
        if location is None:
            location = body.get("location")
    else:
        row["properties"] = body
    if location is not None or arm_type.lower() == rows.REGISTRY_TYPE.lower():
        row["location"] = rows.normalize_location(location)
        src["location"] = ("location",)
    if "tags" in a and a.get("tags") is not None:
        row["tags"] = rows.tags_of(a.get("tags"))
    identity = rows.identity_of(a.get("identity"))
    if identity is not None:
        row["identity"] = identity
    if arm_type.lower() == rows.REGISTRY_TYPE.lower():
        row.setdefault("tags", {})
        row.setdefault("properties", {})
        name = a.get("name")
        props = row["properties"]
        if isinstance(props, dict) and isinstance(name, str):
            props.setdefault("loginServer", f"{name.lower()}.azurecr.io")
    return [TranslatedRow(row, inst, src)]
