"""Typed role assignment rows accept exactly what the snapshot JSON Schema accepts."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from scanner.errors import InputError
from scanner.resources import snapshot_schema_path
from scanner.sources.snapshot import SnapshotFileSource
from scanner.sources.snapshot_types import RoleAssignmentRow

Mutation = Callable[[dict[str, Any]], None]


def _row(data: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = data["resourceGraph"]["roleAssignments"][0]
    return row


def _set(*path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = _row(data)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(*path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = _row(data)
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _section(key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["resourceGraph"][key] = value

    return mutate


def _replace_row(value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["resourceGraph"]["roleAssignments"][0] = value

    return mutate


MUTATIONS: dict[str, Mutation] = {
    "unchanged": lambda data: None,
    "extra row column": _set("etag", value="x"),
    "extra property": _set("properties", "description", value={"any": ["thing"]}),
    "principalType null": _set("properties", "principalType", value=None),
    "principalType absent": _drop("properties", "principalType"),
    "condition object": _set("properties", "condition", value={"not": "a string"}),
    "name absent": _drop("name"),
    "type absent": _drop("type"),
    "no rows": _section("roleAssignments", []),
    "id absent": _drop("id"),
    "id empty": _set("id", value=""),
    "id number": _set("id", value=5),
    "properties absent": _drop("properties"),
    "properties text": _set("properties", value="x"),
    "scope absent": _drop("properties", "scope"),
    "scope number": _set("properties", "scope", value=5),
    "principalId null": _set("properties", "principalId", value=None),
    "roleDefinitionId absent": _drop("properties", "roleDefinitionId"),
    "principalType number": _set("properties", "principalType", value=5),
    "name null": _set("name", value=None),
    "name number": _set("name", value=5),
    "type number": _set("type", value=5),
    "row not an object": _replace_row("row"),
    "rows not a list": _section("roleAssignments", {}),
    "unknown resourceGraph list": _section("somethingElse", []),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_typed_rows_and_schema_agree(name: str, demo_data: dict[str, Any], write_snapshot: Callable[..., Path]) -> None:
    data = copy.deepcopy(demo_data)
    MUTATIONS[name](data)
    path = write_snapshot(data)
    schema_accepts = jsonschema_rs.validator_for(json.loads(snapshot_schema_path().read_text())).is_valid(
        json.loads(path.read_text())
    )
    try:
        loaded = SnapshotFileSource(path).load()
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(f"{path}: $"), message
        assert not schema_accepts, f"{name}: the schema accepts what the typed rows reject: {message}"
        return
    assert schema_accepts, f"{name}: the typed rows accept what the schema rejects"
    rows = loaded.data["resourceGraph"]["roleAssignments"]
    assert all(type(row) is RoleAssignmentRow for row in rows)


def test_typed_error_names_the_row_and_field(demo_copy: dict[str, Any], write_snapshot: Callable[..., Path]) -> None:
    _set("properties", "scope", value=5)(demo_copy)
    path = write_snapshot(demo_copy)
    with pytest.raises(InputError) as caught:
        SnapshotFileSource(path).load()
    assert str(caught.value) == f"{path}: $.resourceGraph.roleAssignments[0].properties.scope: expected str, got int"
