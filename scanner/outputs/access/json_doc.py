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
keys sorted, a trailing newline; the same input gives the same bytes. It is streamed registry
by registry (:func:`write_access_document`), with the same bytes as encoding it whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

from scanner.azure import rbac
from scanner.inventory.access_paths import Escalation, Grant, Hop
from scanner.outputs.access.report import AccessReport, RegistryView, per_object
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


def _holder(held: Grant | Escalation) -> dict[str, Any]:
    return {"principal": held.principal, "principalType": held.principal_type, "displayName": held.display_name}


def edge_document_of(grant: Grant) -> dict[str, Any]:
    """An edge without its registry."""
    return {
        **_holder(grant),
        "actions": list(grant.actions),
        "repositories": list(grant.repositories),
        "via": [hop_document(h) for h in grant.via],
        "unknown": list(grant.unknown),
    }


def escalation_document_of(escalation: Escalation) -> dict[str, Any]:
    """An escalation without its registry."""
    return {
        **_holder(escalation),
        "capability": escalation.capability,
        "meaning": rbac.ESCALATION_MEANING.get(escalation.capability, escalation.capability),
        "via": [hop_document(h) for h in escalation.via],
    }


def access_document(report: AccessReport) -> dict[str, Any]:
    """The whole document as plain data (what :func:`write_access_document` writes)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "registries": [registry_document(v) for v in report.registries],
        "edges": [{"registry": v.id, **edge_document_of(g)} for v in report.registries for g in v.grants],
        "escalations": [
            {"registry": v.id, **escalation_document_of(e)} for v in report.registries for e in v.escalations
        ],
    }


def _split(document: dict[str, Any], before: frozenset[str]) -> tuple[bytes, bytes]:
    """An edge or escalation document without ``registry``, encoded as the bytes before and
    after where ``"registry":…`` goes (keys are sorted: ``before`` are the keys that sort first)."""
    head = dumps({k: v for k, v in document.items() if k in before})[:-2]  # without "}\n"
    tail = dumps({k: v for k, v in document.items() if k not in before})[1:-1]  # without "{" and "\n"
    return head + b',"registry":', b"," + tail


_EDGE_HEAD = frozenset({"actions", "displayName", "principal", "principalType"})
_ESCALATION_HEAD = frozenset({"capability", "displayName", "meaning", "principal", "principalType"})


def _edge_parts(grant: Grant) -> tuple[bytes, bytes]:
    return _split(edge_document_of(grant), _EDGE_HEAD)


def _escalation_parts(escalation: Escalation) -> tuple[bytes, bytes]:
    return _split(escalation_document_of(escalation), _ESCALATION_HEAD)


def _write_items(stream: BinaryIO, per_registry: Iterable[tuple[bytes, Iterable[tuple[bytes, bytes]]]]) -> None:
    """A JSON list's items, one registry's at a time: each item's two halves around the registry id."""
    first = True
    for registry, parts in per_registry:
        chunk = b",".join(head + registry + tail for head, tail in parts)
        if chunk:
            stream.write(chunk if first else b"," + chunk)
            first = False


def write_access_document(report: AccessReport, stream: BinaryIO) -> None:
    """The same bytes as ``dumps(access_document(report))``, written registry by registry.

    A grant inherited from a subscription or management group is the same object in every
    registry below it, so each grant and escalation is encoded once and only the registry id
    is spliced in per edge: a 5,000-registry tenant has over a million edges but a few
    thousand distinct grants, and the document is never whole in memory.
    """
    edge = per_object(_edge_parts)
    escalation = per_object(_escalation_parts)
    stream.write(b'{"edges":[')
    _write_items(stream, ((dumps(v.id)[:-1], map(edge, v.grants)) for v in report.registries))
    stream.write(b'],"escalations":[')
    _write_items(stream, ((dumps(v.id)[:-1], map(escalation, v.escalations)) for v in report.registries))
    stream.write(b'],"registries":')
    stream.write(dumps([registry_document(v) for v in report.registries])[:-1])
    stream.write(b',"schema_version":' + dumps(SCHEMA_VERSION)[:-1] + b"}\n")


class AccessJson:
    """``--format json``."""

    name = "json"

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        write_access_document(report, stream)
