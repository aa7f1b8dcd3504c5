"""``acr-scan access --format json``: the access model as one versioned JSON document.

Layout (``scanner/schemas/access.schema.json``, docs/access-json.md)::

    {"schema_version": 1,
     "registries": [{"id", "name", "roleAssignmentMode", "unknown"}],
     "edges": [{"registry", "principal", "principalType", "displayName", "actions",
                "repositories", "via": [{"kind", "id", "name"}], "unknown"}],
     "escalations": [{"registry", "principal", "principalType", "displayName",
                      "capability", "meaning", "via"}]}

One edge per (registry, grant), in the report's order (registry id, then principal, then
path). Written like the results JSON (:func:`scanner.outputs.json_format.dumps`): compact,
keys sorted, a trailing newline; the same input gives the same bytes.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from scanner.azure import rbac
from scanner.inventory.access_paths import Escalation, Grant, Hop
from scanner.outputs.access.report import AccessReport, RegistryView
from scanner.outputs.json_format import dumps

#: The layout's version: additive changes keep it, breaking ones raise it.
SCHEMA_VERSION = 1


def hop_document(hop: Hop) -> dict[str, str]:
    return {"kind": hop.kind, "id": hop.id, "name": hop.name}


def registry_document(view: RegistryView) -> dict[str, Any]:
    access = view.access
    return {
        "id": access.registry_id,
        "name": access.registry_name,
        "roleAssignmentMode": access.mode,
        "unknown": list(access.unknown),
    }


def edge_document(view: RegistryView, grant: Grant) -> dict[str, Any]:
    return {
        "registry": view.id,
        "principal": grant.principal,
        "principalType": grant.principal_type,
        "displayName": grant.display_name,
        "actions": list(grant.actions),
        "repositories": list(grant.repositories),
        "via": [hop_document(h) for h in grant.via],
        "unknown": list(grant.unknown),
    }


def escalation_document(view: RegistryView, escalation: Escalation) -> dict[str, Any]:
    return {
        "registry": view.id,
        "principal": escalation.principal,
        "principalType": escalation.principal_type,
        "displayName": escalation.display_name,
        "capability": escalation.capability,
        "meaning": rbac.ESCALATION_MEANING.get(escalation.capability, escalation.capability),
        "via": [hop_document(h) for h in escalation.via],
    }


def access_document(report: AccessReport) -> dict[str, Any]:
    """The whole document as plain data."""
    return {
        "schema_version": SCHEMA_VERSION,
        "registries": [registry_document(v) for v in report.registries],
        "edges": [edge_document(v, g) for v in report.registries for g in v.grants],
        "escalations": [escalation_document(v, e) for v in report.registries for e in v.escalations],
    }


class AccessJson:
    """``--format json``."""

    name = "json"

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        stream.write(dumps(access_document(report)))
