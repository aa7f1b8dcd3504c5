"""Registry children: ``azurerm_container_registry_token`` (and its passwords), scope maps, webhooks.

A token password is its own Terraform resource but part of the token's row in Azure, so it is
added to the token declared in the same read after every row is built
(docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def translate_token(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The token row (``enabled`` defaults to true)."""
    a = inst.attrs
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE + "/tokens", location=False)
    enabled = rows.as_bool(a.get("enabled"), True, f"{inst.address}.enabled")
    row["properties"] = {"scopeMapId": a.get("scope_map_id"), "status": rows.enabled_status(enabled)}
    src: dict[str, AttrPath] = {
        "properties.scopeMapId": ("scope_map_id",),
        "properties.status": ("enabled",),
    }
    return [TranslatedRow(row, inst, src)]


def add_token_password(inst: TfInstance, by_id: Mapping[str, TranslatedRow]) -> None:
    """Add the password resource to the token row it names (when the token is in this read)."""
    token_id = inst.attrs.get("container_registry_token_id")
    if not isinstance(token_id, str):
        return
    token = by_id.get(token_id.lower())
    if token is None:
        return
    passwords = []
    for name in ("password1", "password2"):
        block = rows.first_block(inst.attrs.get(name))
        if block is None:
            continue
        if isinstance(block, Unknown):
            passwords.append({"name": name, "expiry": block})
            continue
        entry: dict[str, Any] = {"name": name}
        rows.put(entry, "expiry", block.get("expiry"))
        passwords.append(entry)
    token.row["properties"].setdefault("credentials", {})["passwords"] = passwords


def translate_scope_map(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The user-defined scope map row."""
    a = inst.attrs
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE + "/scopeMaps", location=False)
    row["properties"] = {"type": "UserDefined", "actions": rows.str_list(a.get("actions"))}
    rows.put(row["properties"], "description", a.get("description"))
    return [TranslatedRow(row, inst, {"properties.actions": ("actions",)})]


def translate_webhook(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The webhook row (``service_uri`` and headers are not kept: Azure does not return them)."""
    a = inst.attrs
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE + "/webhooks")
    row.setdefault("tags", {})
    status = a.get("status")
    row["properties"] = {
        "status": "enabled" if status is None else status,
        "scope": "" if a.get("scope") is None else a.get("scope"),
        "actions": rows.str_list(a.get("actions")),
    }
    src: dict[str, AttrPath] = {
        "properties.status": ("status",),
        "properties.scope": ("scope",),
        "properties.actions": ("actions",),
    }
    return [TranslatedRow(row, inst, src)]
