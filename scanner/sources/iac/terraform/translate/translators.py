"""Terraform resource type → its translator, and the translation of one read's instances into rows.

Adding a resource type is one translator module (a function ``(instance, id) → rows``, helpers
in :mod:`.rows`) plus one line in :data:`TRANSLATORS`; its id shape goes in
:mod:`.resource_ids` when it is not there yet. Types not listed are not read (docs/iac-terraform.md,
"Resources and their rows").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from scanner.sources.iac.ids import resource_group_id
from scanner.sources.iac.terraform.translate.artifact_cache import (
    translate_cache_rule,
    translate_connected_registry,
    translate_credential_set,
)
from scanner.sources.iac.terraform.translate.azapi import translate_azapi_resource
from scanner.sources.iac.terraform.translate.container_registry import translate_registry
from scanner.sources.iac.terraform.translate.defender_pricing import translate_pricing
from scanner.sources.iac.terraform.translate.diagnostic_setting import translate_diagnostic_setting
from scanner.sources.iac.terraform.translate.private_dns import (
    translate_a_record,
    translate_dns_zone,
    translate_vnet_link,
)
from scanner.sources.iac.terraform.translate.private_endpoint import translate_private_endpoint
from scanner.sources.iac.terraform.translate.registry_children import (
    add_token_password,
    translate_scope_map,
    translate_token,
    translate_webhook,
)
from scanner.sources.iac.terraform.translate.resource_ids import natural_id
from scanner.sources.iac.terraform.translate.role_assignment import translate_role_assignment
from scanner.sources.iac.terraform.translate.rows import TfInstance, TranslatedRow
from scanner.sources.iac.terraform.translate.web_apps import translate_web_app
from scanner.sources.iac.terraform.translate.workloads import (
    translate_container_app,
    translate_container_app_environment,
    translate_container_group,
    translate_kubernetes_cluster,
    translate_user_assigned_identity,
)

Translate = Callable[[TfInstance, str], list[TranslatedRow]]

TRANSLATORS: dict[str, Translate] = {
    "azurerm_container_registry": translate_registry,
    "azurerm_container_registry_token": translate_token,
    "azurerm_container_registry_scope_map": translate_scope_map,
    "azurerm_container_registry_webhook": translate_webhook,
    "azurerm_container_registry_cache_rule": translate_cache_rule,
    "azurerm_container_registry_credential_set": translate_credential_set,
    "azurerm_container_connected_registry": translate_connected_registry,
    "azurerm_security_center_subscription_pricing": translate_pricing,
    "azurerm_private_endpoint": translate_private_endpoint,
    "azurerm_private_dns_zone": translate_dns_zone,
    "azurerm_private_dns_zone_virtual_network_link": translate_vnet_link,
    "azurerm_private_dns_a_record": translate_a_record,
    "azurerm_role_assignment": translate_role_assignment,
    "azurerm_monitor_diagnostic_setting": translate_diagnostic_setting,
    "azapi_resource": translate_azapi_resource,
    # the workloads that pull from registries and the identities they pull with
    "azurerm_kubernetes_cluster": translate_kubernetes_cluster,
    "azurerm_container_app": translate_container_app,
    "azurerm_container_app_environment": translate_container_app_environment,
    "azurerm_container_group": translate_container_group,
    "azurerm_linux_web_app": translate_web_app,
    "azurerm_windows_web_app": translate_web_app,
    "azurerm_user_assigned_identity": translate_user_assigned_identity,
}

# Resources that are part of another one's row in Azure: applied to the rows once all are built.
ADDITIONS: dict[str, Callable[[TfInstance, Mapping[str, TranslatedRow]], None]] = {
    "azurerm_container_registry_token_password": add_token_password,
}


def translate(instances: Iterable[TfInstance], ids: Mapping[str, str]) -> list[TranslatedRow]:
    """The rows of one read (a plan, or one module's source), in instance order.

    ``ids`` maps every instance address to its (unique) id; rows of child resources use it for
    their parent's id when the parent is declared in the same read.
    """
    rows: list[TranslatedRow] = []
    additions: list[TfInstance] = []
    for inst in instances:
        if inst.mode != "managed":
            continue
        translator = TRANSLATORS.get(inst.tf_type)
        if translator is not None:
            rows.extend(translator(inst, _id(inst, ids)))
        elif inst.tf_type in ADDITIONS:
            additions.append(inst)
    by_id = {r.row["id"].lower(): r for r in rows if isinstance(r.row.get("id"), str)}
    for inst in additions:
        ADDITIONS[inst.tf_type](inst, by_id)
    return rows


def _id(inst: TfInstance, ids: Mapping[str, str]) -> str:
    known = inst.attrs.get("id")
    if inst.address in ids:
        return ids[inst.address]
    if isinstance(known, str) and known.startswith("/"):
        return known
    rid = natural_id(inst.tf_type, lambda a: inst.attrs.get(a), inst.address)
    return rid if rid is not None else resource_group_id(None, None) + "/unknown/" + inst.address
