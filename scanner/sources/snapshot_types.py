"""Typed decoding of the snapshot's largest section, the role assignment rows, made from its schema.

Role assignments are a third of a snapshot's bytes, and the inventory keeps six values of each
row. msgspec decodes each row straight into a ``Struct`` holding only the fields that
``scanner/schemas/snapshot.schema.json`` declares for a row, skipping the other columns
without building them. The structs are made from that schema when this module is loaded, so
the schema stays the one definition of a row: msgspec checks the typed rows as the schema
would, and the JSON Schema validator checks the rest of the document. The top level and
``resourceGraph`` are decoded into structs too, only to reach the rows; :func:`as_plain`
turns them back into the mappings every reader expects. Other sources (IaC, a live
collection) keep handing the inventory plain dict rows, and the inventory reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import GenericAlias
from typing import Annotated, Any

import msgspec
import orjson
from msgspec import UNSET, UnsetType

from scanner.resources import snapshot_schema_path

ROWS_PATH = ("resourceGraph", "roleAssignments")  # where the typed rows sit in a snapshot


# The keywords the row schema may use; any other would be a check the typed rows skip.
_TRANSLATED = frozenset({"type", "minLength", "properties", "required", "additionalProperties", "description"})


def _value_type(where: str, schema: Mapping[str, Any]) -> Any:
    """The msgspec type that accepts what ``schema`` accepts (the few keywords a row uses)."""
    untranslated = set(schema) - _TRANSLATED
    if untranslated or isinstance(schema.get("additionalProperties"), Mapping):
        raise ValueError(f"snapshot schema at {where}: no typed decoding for {sorted(untranslated) or schema}")
    kinds = schema.get("type")
    if kinds is None:
        return Any
    if isinstance(kinds, list):
        types = tuple(_value_type(where, {**schema, "type": kind}) for kind in kinds)
        union: Any = types[0]
        for other in types[1:]:
            union = union | other
        return union
    if kinds == "string":
        return Annotated[str, msgspec.Meta(min_length=schema["minLength"])] if "minLength" in schema else str
    if kinds == "null":
        return None
    if kinds == "object":
        return _struct(where, schema)
    raise ValueError(f"snapshot schema at {where}: no typed decoding for type {kinds!r}")


def _struct(name: str, schema: Mapping[str, Any]) -> type[msgspec.Struct]:
    """A struct with the object's declared properties (required or not) and no others."""
    required = set(schema.get("required", ()))
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for key, field in schema.get("properties", {}).items():
        value = _value_type(f"{name}_{key}", field)
        if key in required:
            fields.append((key, value))
        else:
            fields.append((key, value if value is Any else value | UnsetType, UNSET))
    forbid = schema.get("additionalProperties") is False
    return msgspec.defstruct(name, fields, kw_only=True, gc=False, forbid_unknown_fields=forbid)


def _skeleton(name: str, schema: Mapping[str, Any], path: tuple[str, ...], leaf: Any) -> Any:
    """The type of a section on the way to ``leaf``: every property untyped but the next one."""
    if not path:
        return leaf
    fields = [
        (key, _skeleton(f"{name}_{key}", field, path[1:], leaf) | UnsetType if key == path[0] else Any, UNSET)
        for key, field in schema["properties"].items()
    ]
    forbid = schema.get("additionalProperties") is False
    return msgspec.defstruct(name, fields, forbid_unknown_fields=forbid)


_SCHEMA = orjson.loads(snapshot_schema_path().read_bytes())
_ROWS = _SCHEMA["properties"]["resourceGraph"]["properties"]["roleAssignments"]
if set(_ROWS) - {"type", "items", "description"}:
    raise ValueError(f"snapshot schema at roleAssignments: no typed decoding for {sorted(_ROWS)}")

# (Both are made at run time from the schema, so the type checker cannot know their fields.)
#: One ``resourceGraph.roleAssignments`` row: the columns the schema declares, the others skipped.
RoleAssignmentRow: Any = _struct("RoleAssignmentRow", _ROWS["items"])

#: The snapshot as far as the decoder types it: only along the path to the role assignment rows.
SnapshotDocument: Any = _skeleton("SnapshotDocument", _SCHEMA, ROWS_PATH, GenericAlias(list, (RoleAssignmentRow,)))


def _fields(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields a document carried, as a mapping (absent ones stay absent)."""
    return {name: value for name in struct.__struct_fields__ if (value := getattr(struct, name)) is not UNSET}


def as_plain(document: msgspec.Struct) -> dict[str, Any]:
    """The snapshot as nested mappings, the role assignment rows still typed."""
    data = _fields(document)
    section = data.get("resourceGraph")
    if isinstance(section, msgspec.Struct):
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
