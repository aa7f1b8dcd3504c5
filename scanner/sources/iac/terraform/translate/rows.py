"""What every Terraform translator shares: the instance it reads, the row it writes, value helpers.

A translator reads a :class:`TfInstance` (the attribute map as Terraform sees it: nested blocks
are lists of maps, values that cannot be known are :class:`~scanner.unknown.Unknown`) and
writes :class:`TranslatedRow` s in the live ARM shape, applying the provider's defaults to what
the configuration leaves out (azurerm 3.x/4.x). ``sources`` maps a row property path to the
attribute path that sets it, from which a reader derives the line. See docs/iac-terraform.md
("Resources and their rows").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from scanner.unknown import Unknown

AttrPath = tuple[str | int, ...]
Getter = Callable[[str], Any]

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


class TfInstance(msgspec.Struct):
    """One resource instance as a Terraform reader sees it."""

    address: str
    tf_type: str
    attrs: Mapping[str, Any]
    mode: str = "managed"


class TranslatedRow(msgspec.Struct):
    """A row in its live shape, the instance it came from and where its properties were set."""

    row: dict[str, Any]
    instance: TfInstance
    sources: dict[str, AttrPath] = msgspec.field(default_factory=dict)


def normalize_location(value: Any) -> Any:
    """``"West Europe"`` → ``"westeurope"`` (what ARM returns); other values pass through."""
    if isinstance(value, str):
        return value.replace(" ", "").lower()
    return value


def as_bool(value: Any, default: bool | None, what: str) -> bool | Unknown | None:
    """A Terraform bool, with its string spellings, or ``default`` when unset."""
    if value is None:
        return default
    if isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return Unknown(f"{what} = {json.dumps(value, default=str)} is not a bool")


def as_int(value: Any, what: str) -> int | Unknown | None:
    """A Terraform whole number, with its string spelling (``None`` when unset)."""
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(f"{what} = {value} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return Unknown(f"{what} = {json.dumps(value, default=str)} is not a whole number")


def or_default(value: Any, default: Any) -> Any:
    """``value``, or ``default`` when it is not set."""
    return default if value is None else value


def enabled_status(flag: Any, enabled: str = "enabled", disabled: str = "disabled") -> Any:
    """A bool as ARM's status text (an unknown stays unknown)."""
    if isinstance(flag, Unknown):
        return flag
    return enabled if flag else disabled


def first_block(value: Any) -> Mapping[str, Any] | Unknown | None:
    """The single nested block of a ``MaxItems: 1`` block attribute (or an object)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list) and value:
        first = value[0]
        if isinstance(first, Mapping | Unknown):
            return first
    return None


def block_list(value: Any) -> list[Mapping[str, Any]] | Unknown:
    """Every nested block of a repeated block attribute (``ip_rule``, ``georeplications``)."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        out: list[Mapping[str, Any]] = []
        for item in value:
            if isinstance(item, Unknown):
                return item
            if isinstance(item, Mapping):
                out.append(item)
        return out
    return Unknown(f"{json.dumps(value, default=str)} is not a list of blocks")


def str_list(value: Any) -> list[Any] | Unknown:
    """A list or set attribute as a list (unset → empty, a single value → a list of one)."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


class UnknownName(Unknown, frozen=True):
    """A declared resource's name that is not known, read through a reference (``acr.name``).

    ``stand_in`` is what that resource's synthetic id holds in its place (its address), so a
    token or scope map naming its registry by that reference still gets an id under it.
    """

    stand_in: str = ""


def plain_unknowns(value: Any) -> Any:
    """``value`` with every :class:`UnknownName` made a plain :class:`Unknown` (the same object when none is).

    The stand-in only serves ids inside the reader; the rule engine knows unknowns by their exact type.
    """
    if isinstance(value, UnknownName):
        return Unknown(value.reason, value.live_only)
    if isinstance(value, Mapping):
        items = {k: plain_unknowns(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    if isinstance(value, list):
        elements = [plain_unknowns(v) for v in value]
        return value if all(a is b for a, b in zip(elements, value, strict=True)) else elements
    return value


def name_segment(value: Any, address: str) -> str:
    """A name segment of a synthetic id: the literal name, or the Terraform address."""
    if isinstance(value, UnknownName) and value.stand_in:
        return value.stand_in
    return value if isinstance(value, str) and value else address


def tags_of(value: Any) -> Any:
    """``tags`` as a new map (unset → empty; an unknown stays unknown)."""
    if isinstance(value, Mapping):
        return dict(value)
    return {} if value is None else value


def put(row: dict[str, Any], path: str, value: Any) -> None:
    """Set ``row[a][b][c]`` for ``path == "a.b.c"`` (only when ``value`` is not ``None``)."""
    if value is None:
        return
    keys = path.split(".")
    target = row
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def renamed(attrs: Mapping[str, Any], names: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, AttrPath]]:
    """The attributes ``names`` maps (ARM property → attribute) that are set, under their ARM names,
    and the ``sources`` entry of each (``properties.<name>`` → the attribute)."""
    props = {arm: attrs[tf] for arm, tf in names.items() if attrs.get(tf) is not None}
    return props, {f"properties.{arm}": (tf,) for arm, tf in names.items()}


def base_row(inst: TfInstance, rid: str, arm_type: str, location: bool = True) -> dict[str, Any]:
    """``id``, ``name``, ``type`` (and ``location``, ``resourceGroup``, ``tags`` when set) of a row."""
    a = inst.attrs
    row: dict[str, Any] = {"id": rid, "name": a.get("name"), "type": arm_type}
    if location:
        row["location"] = normalize_location(a.get("location"))
    rg = a.get("resource_group_name")
    if isinstance(rg, str):
        row["resourceGroup"] = rg
    if "tags" in a:
        row["tags"] = tags_of(a.get("tags"))
    return row


def identity_of(value: Any) -> Any:
    """The ``identity`` block → ARM's ``identity`` object (``None`` when not set)."""
    block = first_block(value)
    if block is None or isinstance(block, Unknown):
        return block
    out: dict[str, Any] = {"type": block.get("type")}
    ids = str_list(block.get("identity_ids"))
    if isinstance(ids, Unknown):
        out["userAssignedIdentities"] = ids
    elif ids:
        out["userAssignedIdentities"] = {str(i): {} for i in ids if isinstance(i, str)}
    return out
