"""Check collected items against the snapshot schema as they arrive, not when the snapshot is written.

The writer validates the whole snapshot, so a single odd row from a misbehaving endpoint used to
fail the whole collection at the very end, as an input error. Checked per page instead, the call
that brought the row fails (and is retried, then recorded as not collected) while the rest of the
collection goes on. The schemas are the snapshot schema's own item schemas, so what passes here
is exactly what the writer accepts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson

from scanner.resources import snapshot_schema_path
from scanner.sources.live.bodies import kind_of
from scanner.sources.snapshot import json_path


@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(snapshot_schema_path().read_bytes())
    return loaded


@cache
def _array_validator(section: str, name: str) -> Any:
    """A validator of a list of ``name`` items of snapshot ``section`` (resourceGraph, arm, graph)."""
    import jsonschema_rs

    properties = _schema()["properties"][section]
    if section == "arm":
        properties = properties["additionalProperties"]
    items = properties["properties"][name]["items"]
    # (the item schemas refer to the snapshot schema's shared definitions by "#/$defs/...")
    return jsonschema_rs.validator_for({"type": "array", "items": items, "$defs": _schema().get("$defs", {})})


@cache
def _value_validator(*path: str) -> Any:
    """A validator of the snapshot schema's subschema at ``path`` (keys from the root schema)."""
    import jsonschema_rs

    schema: Any = _schema()
    for key in path:
        schema = schema[key]
    return jsonschema_rs.validator_for({**schema, "$defs": _schema().get("$defs", {})})


def site_config_problem(body: Any) -> str | None:
    """The first way a site's ``config/web`` body breaks the snapshot schema, or None."""
    validator = _value_validator("properties", "arm", "additionalProperties", "properties", "siteConfig")
    return _problem(validator, "siteConfig", body)


def members_problem(members: list[Any]) -> str | None:
    """The first way a page of group members breaks the snapshot schema, or None."""
    validator = _value_validator("properties", "graph", "properties", "groupMembers", "additionalProperties")
    return _problem(validator, "groupMembers", members)


def items_problem(section: str, name: str, items: list[Any]) -> str | None:
    """The first way ``items`` break the schema of ``section``.``name`` items, or None."""
    return _problem(_array_validator(section, name), name, items)


def _problem(validator: Any, name: str, items: Any) -> str | None:
    if validator.is_valid(items):
        return None
    first = min(validator.iter_errors(items), key=lambda e: [str(p) for p in e.instance_path])
    where = json_path(list(first.instance_path)).replace("$[", "item [", 1)
    return f"{name} {where} {_what(first)}"


def _what(error: Any) -> str:
    """What is wrong, in words taken from the schema, never from the payload (it may hold secrets)."""
    kind = error.kind
    name = type(kind).__name__
    if name == "Required":
        return f"lacks '{kind.property}'"
    if name == "Type":
        return f"is {kind_of(error.instance)}, not {' or '.join(str(t) for t in kind.types)}"
    if name in ("Not", "PropertyNames"):  # the schema's only negations and name rules refuse secret fields
        return "carries secret material that is never stored"
    if name == "MinLength":
        return "is an empty string"
    return f"does not fit the snapshot schema ({name})"
