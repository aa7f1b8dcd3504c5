"""Typed decoding of the snapshot's largest section: the role assignment rows.

Role assignments are a third of a snapshot's bytes (15,000 rows of about 30 values each at
5,000 registries), and the inventory keeps six values of each row. msgspec decodes them
straight into these ``Struct`` rows, skipping the rest of each row without building it: a
scan decodes faster, allocates 25 MB less at 5,000 registries, and frees the rows cheaply
once the inventory has been built.

The types check what ``scanner/schemas/snapshot.schema.json`` requires of these rows (and
``tests/test_snapshot_types.py`` checks that both reject the same documents), so the JSON
Schema validation runs on the rest of the document. The top level and ``resourceGraph``
are decoded into structs too, only to reach the rows; :func:`as_plain` turns them back into
the mappings every reader expects. Other sources (IaC, a live collection) keep handing the
inventory plain dict rows, and the inventory reads both.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType


class RoleAssignmentProperties(msgspec.Struct, gc=False):
    """``properties`` of a role assignment row: what the schema requires, plus ``condition``."""

    roleDefinitionId: str
    principalId: str
    scope: str
    principalType: str | None = None
    condition: Any = None


class RoleAssignmentRow(msgspec.Struct, gc=False):
    """One ``resourceGraph.roleAssignments`` row (its other columns are skipped)."""

    id: Annotated[str, msgspec.Meta(min_length=1)]
    properties: RoleAssignmentProperties
    name: str | UnsetType = UNSET
    type: str | UnsetType = UNSET


class _ResourceGraph(msgspec.Struct, forbid_unknown_fields=True):
    """``resourceGraph``: the role assignments typed, every other list left as parsed."""

    registries: Any = UNSET
    replications: Any = UNSET
    webhooks: Any = UNSET
    privateEndpoints: Any = UNSET
    networkInterfaces: Any = UNSET
    privateDnsZones: Any = UNSET
    virtualNetworkLinks: Any = UNSET
    privateDnsRecordSets: Any = UNSET
    roleAssignments: list[RoleAssignmentRow] | UnsetType = UNSET
    roleDefinitions: Any = UNSET
    subscriptions: Any = UNSET


class SnapshotDocument(msgspec.Struct):
    """The top level of a snapshot, as far as the scanner reads it (SNAPSHOT.md)."""

    kind: Any = UNSET
    version: Any = UNSET
    collectedAt: Any = UNSET
    tenantId: Any = UNSET
    scope: Any = UNSET
    collector: Any = UNSET
    resourceGraph: _ResourceGraph | UnsetType = UNSET
    arm: Any = UNSET
    graph: Any = UNSET
    errors: Any = UNSET


def _fields(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields a document carried, as a mapping (absent ones stay absent)."""
    return {name: value for name in struct.__struct_fields__ if (value := getattr(struct, name)) is not UNSET}


def as_plain(document: SnapshotDocument) -> dict[str, Any]:
    """The snapshot as nested mappings, the role assignment rows still typed."""
    data = _fields(document)
    section = data.get("resourceGraph")
    if isinstance(section, _ResourceGraph):
        data["resourceGraph"] = _fields(section)
    return data


def without_typed_rows(data: Any) -> Any:
    """``data`` with typed rows (checked while decoding) left out, for the JSON Schema validator.

    Plain rows (a live collection about to be saved) stay in and are validated as usual.
    """
    section = data.get("resourceGraph") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return data
    rows = section.get("roleAssignments")
    if isinstance(rows, list) and rows and all(type(row) is RoleAssignmentRow for row in rows):
        return {**data, "resourceGraph": {**section, "roleAssignments": []}}
    return data
