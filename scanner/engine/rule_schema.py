"""The rule JSON Schema: the hand-written rule fields plus the operators, generated.

``scanner/schemas/rule.schema.json`` describes a rule file (id, messages, examples, the
junctions of the condition tree); the leaf and ``count`` conditions, which list the operators
and their arguments, are made here from :data:`scanner.engine.operators.OPERATORS`, so an
operator cannot exist without its schema or the other way round. ``acr-scan policies
schema`` prints the result; rule files are validated against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson

from scanner.engine.operators import COUNTING, OPERATORS
from scanner.inventory.subjects.kinds import ENUMERATORS
from scanner.resources import rule_schema_path

_NUMBER = {"oneOf": [{"type": "number"}, {"$ref": "#/$defs/param_ref"}, {"$ref": "#/$defs/field_ref"}]}

_LEAF_FIELDS: dict[str, Any] = {
    "field": {
        "type": "string",
        "minLength": 1,
        "description": "Dotted path into the subject document; "
        "`$.` prefix addresses the subject root from inside a `where`.",
    },
    "case_sensitive": {"type": "boolean", "default": False},
}

_LEAF_PARAM: dict[str, Any] = {
    "param": {"type": "string", "description": "Compare a rule parameter instead of a field (e.g. a feature switch)."}
}


def _one_of_required(names: list[str]) -> list[dict[str, Any]]:
    return [{"required": [name]} for name in names]


def leaf_schema() -> dict[str, Any]:
    """A leaf: a field (or parameter) and exactly one operator with its argument."""
    operators = {name: dict(spec.argument) for name, spec in OPERATORS.items()}
    return {
        "type": "object",
        "required": [],
        "additionalProperties": False,
        "properties": {**_LEAF_FIELDS, **operators, **_LEAF_PARAM},
        "oneOf": _one_of_required(list(OPERATORS)),
        "description": "Compare the value at `field` with exactly one operator.",
        "anyOf": [{"required": ["field"]}, {"required": ["param"]}],
        "not": {"required": ["field", "param"]},
    }


def count_schema() -> dict[str, Any]:
    """``count`` over a list, then exactly one comparison of the number of matches."""
    return {
        "type": "object",
        "required": ["count"],
        "additionalProperties": False,
        "properties": {
            "count": {"$ref": "#/$defs/quantifier"},
            **{name: {"$ref": "#/$defs/number"} for name in COUNTING},
        },
        "oneOf": _one_of_required(list(COUNTING)),
    }


@cache
def rule_schema() -> dict[str, Any]:
    """The whole rule schema (``acr-scan policies schema``)."""
    schema: dict[str, Any] = orjson.loads(rule_schema_path().read_bytes())
    schema["$defs"] = {**schema["$defs"], "number": _NUMBER, "count": count_schema(), "leaf": leaf_schema()}
    schema["properties"]["subject"] = {"enum": list(ENUMERATORS)}  # the subject kinds the inventory builds
    return schema


def rule_schema_bytes() -> bytes:
    """The rule schema as the indented JSON ``acr-scan policies schema`` prints."""
    return orjson.dumps(rule_schema(), option=orjson.OPT_INDENT_2) + b"\n"
