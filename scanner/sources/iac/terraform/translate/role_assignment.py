"""``azurerm_role_assignment`` → a role assignment row, its role and principal type resolved.

A built-in ``role_definition_name`` becomes its ``roleDefinitionId``
(:data:`scanner.azure.facts.BUILTIN_ROLE_NAMES`); an unset ``principal_type`` is implied by what
``principal_id`` refers to (a managed identity is a ``ServicePrincipal``), as Azure fills it in
at deployment (docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.azure import facts
from scanner.sources.iac.ids import PLACEHOLDER_SUBSCRIPTION
from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown

_ROLE_GUIDS = {name.lower(): guid for guid, name in facts.BUILTIN_ROLE_NAMES.items()}


def translate_role_assignment(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The role assignment row, its name the last segment of its id."""
    a = inst.attrs
    row: dict[str, Any] = {
        "id": rid,
        "name": rid.rsplit("/", 1)[-1],
        "type": "Microsoft.Authorization/roleAssignments",
    }
    scope = a.get("scope")
    principal_type = a.get("principal_type")
    if principal_type is None:
        principal_type = Unknown(
            f"{inst.address} sets no principal_type; Azure fills it in from the principal at deployment"
        )
    props: dict[str, Any] = {
        "roleDefinitionId": _role_definition_id(inst, scope),
        "principalId": a.get("principal_id"),
        "principalType": principal_type,
        "scope": scope,
    }
    for attr, key in (("condition", "condition"), ("condition_version", "conditionVersion")):
        props[key] = a.get(attr)
    rows.put(props, "description", a.get("description"))
    row["properties"] = props
    src: dict[str, AttrPath] = {
        "properties.roleDefinitionId": ("role_definition_name",)
        if a.get("role_definition_name") is not None
        else ("role_definition_id",),
        "properties.principalId": ("principal_id",),
        "properties.principalType": ("principal_type",),
        "properties.scope": ("scope",),
    }
    src["role"] = src["properties.roleDefinitionId"]
    return [TranslatedRow(row, inst, src)]


def _role_definition_id(inst: TfInstance, scope: Any) -> Any:
    """``roleDefinitionId`` from ``role_definition_id`` or a built-in ``role_definition_name``."""
    a = inst.attrs
    given = a.get("role_definition_id")
    if given is not None:
        return given
    name = a.get("role_definition_name")
    if isinstance(name, Unknown):
        return name
    if not isinstance(name, str):
        return Unknown(f"{inst.address} sets neither role_definition_id nor role_definition_name")
    guid = _ROLE_GUIDS.get(name.lower())
    if guid is None:
        return Unknown(f"{inst.address}: role_definition_name {name!r} is not a built-in role this scanner knows")
    sub = PLACEHOLDER_SUBSCRIPTION
    if isinstance(scope, str) and scope.lower().startswith("/subscriptions/"):
        sub = scope.split("/")[2]
    return f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def _principal_type_for(reference: str) -> str | None:
    """The principal type implied by what ``principal_id`` refers to (``None`` when it says nothing).

    Managed identities (user- or system-assigned) and Entra service principals are
    ``ServicePrincipal`` in role assignments; groups and users are themselves.
    """
    parts = reference.split(".")
    if parts and parts[0] == "data":
        parts = parts[1:]
    while parts and parts[0] == "module" and len(parts) > 2:
        parts = parts[2:]
    if not parts:
        return None
    tf_type = parts[0]
    rest = ".".join(parts[1:])
    if tf_type in ("azurerm_user_assigned_identity", "azuread_service_principal"):
        return "ServicePrincipal"
    if tf_type == "azuread_group":
        return "Group"
    if tf_type == "azuread_user":
        return "User"
    if "identity" in rest and rest.endswith(("principal_id", "object_id")) and tf_type.startswith("azurerm_"):
        return "ServicePrincipal"
    return None


def with_implied_principal_type(instance: TfInstance, reference: Callable[[], str | None]) -> None:
    """Fill in an unset ``principal_type`` of a role assignment from what ``principal_id`` refers to.

    ``reference()`` gives that reference's text; it is asked only when the type is missing.
    """
    if instance.tf_type != "azurerm_role_assignment" or instance.attrs.get("principal_type") is not None:
        return
    text = reference()
    kind = _principal_type_for(text) if text else None
    if kind is not None:
        instance.attrs = {**instance.attrs, "principal_type": kind}
