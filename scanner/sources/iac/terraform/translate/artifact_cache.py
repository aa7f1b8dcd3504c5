"""The registry children of issue 14: cache rules, credential sets, connected registries.

Each is its own azurerm resource naming its registry by ``container_registry_id``, and one row of
the registry's ARM list in Azure (``cacheRules``, ``credentialSets``, ``connectedRegistries``, API
2025-11-01 shapes). Provider defaults apply to what the configuration leaves out; a credential's
health is the IaC core's to add (unknown until deployed). Arguments: docs/iac-terraform.md.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown

_CACHE_RULE = {
    "sourceRepository": "source_repo",
    "targetRepository": "target_repo",
    "credentialSetResourceId": "credential_set_id",
}


def translate_cache_rule(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_container_registry_cache_rule``: upstream, target repository, credential set (absent: anonymous)."""
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE + "/cacheRules", location=False)
    row["properties"], src = rows.renamed(inst.attrs, _CACHE_RULE)
    return [TranslatedRow(row, inst, src)]


def translate_credential_set(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_container_registry_credential_set``: the upstream and its Key Vault secret ids (never a secret)."""
    a = inst.attrs
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE + "/credentialSets", location=False)
    rows.put(row, "identity", rows.identity_of(a.get("identity")))
    block = rows.first_block(a.get("authentication_credentials"))
    credentials: list[Any] | Unknown
    if isinstance(block, Unknown):
        credentials = block
    elif block is None:
        credentials = []
    else:  # azurerm sends its one block as Azure's only credential name, Credential1
        credentials = [
            {
                "name": "Credential1",
                "usernameSecretIdentifier": block.get("username_secret_id"),
                "passwordSecretIdentifier": block.get("password_secret_id"),
            }
        ]
    row["properties"] = {"loginServer": a.get("login_server"), "authCredentials": credentials}
    src: dict[str, AttrPath] = {
        "properties.loginServer": ("login_server",),
        "properties.authCredentials": ("authentication_credentials",),
    }
    return [TranslatedRow(row, inst, src)]


def translate_connected_registry(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_container_connected_registry`` with the provider's defaults.

    ``mode`` ReadWrite, ``log_level`` None, ``audit_log_enabled`` false, sync schedule every
    minute with a one-day message TTL.
    """
    a = inst.attrs
    row = rows.base_row(inst, rid, rows.REGISTRY_TYPE + "/connectedRegistries", location=False)
    audit = rows.as_bool(a.get("audit_log_enabled"), False, f"{inst.address}.audit_log_enabled")
    sync: dict[str, Any] = {
        "tokenId": a.get("sync_token_id"),
        "schedule": rows.or_default(a.get("sync_schedule"), "* * * * *"),
        "messageTtl": rows.or_default(a.get("sync_message_ttl"), "P1D"),
    }
    rows.put(sync, "syncWindow", a.get("sync_window"))
    parent: dict[str, Any] = {"syncProperties": sync}
    rows.put(parent, "id", a.get("parent_registry_id"))
    row["properties"] = {
        "mode": rows.or_default(a.get("mode"), "ReadWrite"),
        "parent": parent,
        "clientTokenIds": rows.str_list(a.get("client_token_ids")),
        "logging": {
            "logLevel": rows.or_default(a.get("log_level"), "None"),
            "auditLogStatus": rows.enabled_status(audit, "Enabled", "Disabled"),
        },
    }
    src: dict[str, AttrPath] = {
        "properties.mode": ("mode",),
        "properties.parent.syncProperties.tokenId": ("sync_token_id",),
        "properties.clientTokenIds": ("client_token_ids",),
        "properties.logging.logLevel": ("log_level",),
        "properties.logging.auditLogStatus": ("audit_log_enabled",),
    }
    return [TranslatedRow(row, inst, src)]
