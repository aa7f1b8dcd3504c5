"""The subject kinds rules can name: the function enumerating each, and its document's schema.

Each kind's JSON Schema (``scanner/schemas/subjects/<kind>.schema.json``) describes the fields
of its documents for rule authors; its ``title`` is the kind's one-line summary and its
``enum`` lists are the documented values :mod:`scanner.inventory.vocabulary` checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import orjson

from scanner.errors import InputError
from scanner.inventory.model import Inventory
from scanner.inventory.subjects.credential import credentials
from scanner.inventory.subjects.private_endpoint import private_endpoints
from scanner.inventory.subjects.pull_path import pull_paths
from scanner.inventory.subjects.registry import registries
from scanner.inventory.subjects.role_assignment import role_assignments
from scanner.inventory.subjects.subject import Subject
from scanner.inventory.subjects.token import tokens
from scanner.inventory.subjects.token_password import token_passwords
from scanner.resources import subject_schema_path

#: Subject kind → the function listing its subjects (placeholders included) in the inventory.
ENUMERATORS: dict[str, Callable[[Inventory], Iterator[Subject]]] = {
    "registry": registries,
    "private_endpoint": private_endpoints,
    "role_assignment": role_assignments,
    "credential": credentials,
    "token": tokens,
    "token_password": token_passwords,
    "pull_path": pull_paths,
}


@cache
def subject_schema(kind: str) -> Mapping[str, Any]:
    """The JSON Schema of ``kind``'s documents (an :class:`InputError` for an unknown kind)."""
    if kind not in ENUMERATORS:
        raise InputError(f"unknown subject kind {kind!r} (one of: {', '.join(ENUMERATORS)})")
    schema: Mapping[str, Any] = orjson.loads(subject_schema_path(kind).read_bytes())
    return schema


def resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """``node`` itself, or the definition its ``$ref`` (``#/$defs/name``) points at."""
    ref = node.get("$ref")
    if ref is None:
        return node
    definition: Mapping[str, Any] = schema["$defs"][ref.removeprefix("#/$defs/")]
    return definition
