"""Where a declared resource lands: its full type and name, its id, and the level a template deploys at.

Ids are built as Azure builds them, so relations between resources declared in the same
change join (see :mod:`scanner.sources.iac.ids`). A child resource extends its parent's type
and name; the old extension form ``.../registries/providers/roleAssignments`` named
``acr/Microsoft.Authorization/<guid>`` and a ``scope`` property both put an extension
resource under the resource it extends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.sources.iac.arm.expressions.context import Target
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.properties import as_text

# Extension resources that, declared without a scope, extend the deployment scope itself.
_EXTENSIONS = frozenset({"microsoft.authorization/roleassignments", "microsoft.insights/diagnosticsettings"})
# Types Azure keeps per subscription (or, with ``scope``, per resource), never per resource group:
# declared without a scope, even in a resource-group template, they are the subscription's.
_SUBSCRIPTION_TYPES = frozenset({"microsoft.security/pricings"})


class Parent(msgspec.Struct, frozen=True):
    """The resource a nested child resource is declared in."""

    type: str
    name: str
    id: str


class Placed(msgspec.Struct, frozen=True):
    """A resource's id, type and name as Azure knows them; ``scope_id``: the resource an extension extends."""

    id: str
    type: str
    name: str
    scope_id: str | None


def place(target: Target, full_type: str, full_name: str, fields: Mapping[str, Any], env: Env) -> Placed:
    """Where a resource of ``full_type`` named ``full_name`` lands (``fields``: its declaration, keys lower-cased)."""
    scope_id: str | None = None
    ext_type, ext_name = full_type, full_name
    if "/providers/" in full_type.lower():
        scope_id, ext_type, ext_name = _split_extension(target, full_type, full_name)
    elif "scope" in fields:
        scope_id = _absolute_scope(target, as_text(fields["scope"], env))
    elif full_type.lower() in _EXTENSIONS:
        scope_id = target.scope_id()
    elif full_type.lower() in _SUBSCRIPTION_TYPES and target.level in ("resourceGroup", "subscription"):
        scope_id = f"/subscriptions/{target.subscription_id}"
    return Placed(_resource_id(target, ext_type, ext_name, scope_id), ext_type, ext_name, scope_id)


def symbols_located(scope: Scope) -> Scope:
    """``scope`` with the ids of its symbolic resources built here, as :func:`place` builds them."""
    env = Env(scope)
    scope.symbols.locate = lambda fields, rtype, name: place(scope.target, rtype, name, fields, env).id
    return scope


def template_level(template: Mapping[str, Any]) -> str:
    """``resourceGroup``, ``subscription``, ``managementGroup`` or ``tenant``, from the template's ``$schema``."""
    schema = str(template.get("$schema") or "").lower()
    for marker, level in (
        ("subscriptiondeploymenttemplate", "subscription"),
        ("managementgroupdeploymenttemplate", "managementGroup"),
        ("tenantdeploymenttemplate", "tenant"),
    ):
        if marker in schema:
            return level
    return "resourceGroup"


def qualify(parent: Parent | None, rtype: str, name: str) -> tuple[str, str]:
    """Full type and name of a resource (a child's are its parent's plus its own segments)."""
    rtype = rtype.strip("/")
    name = name.strip("/")
    if parent is None:
        return rtype, name
    if rtype.lower().startswith(parent.type.lower() + "/"):
        full_type = rtype
    elif "/" not in rtype or rtype.lower().startswith("providers/"):
        full_type = f"{parent.type}/{rtype}"
    else:
        return rtype, name  # a full type of its own: not really a child
    if full_type.lower().startswith(parent.type.lower() + "/providers/"):
        return full_type, f"{parent.name}/{name}"
    expected = len(full_type.split("/")) - 1
    if len(name.split("/")) == expected:
        return full_type, name
    return full_type, f"{parent.name}/{name}"


def _split_extension(target: Target, full_type: str, full_name: str) -> tuple[str, str, str]:
    """``Ns/base/providers/type`` named ``base/Ns2/name`` → (base id, ``Ns2/type``, ``name``)."""
    cut = full_type.lower().find("/providers/")
    base_type, ext = full_type[:cut], full_type[cut + len("/providers/") :]
    names = full_name.split("/")
    base_count = len(base_type.split("/")) - 1
    base_names, rest = names[:base_count], names[base_count:]
    namespace = rest[0] if rest else "<namespace>"
    ext_name = "/".join(rest[1:]) or "<name>"
    base_id = _resource_id(target, base_type, "/".join(base_names), None)
    return base_id, f"{namespace}/{ext}", ext_name


def _absolute_scope(target: Target, scope: str) -> str:
    """A ``scope`` property: absolute ids as they are; Bicep's relative ones under the deployment."""
    if scope.startswith("/"):
        return scope.rstrip("/") or "/"
    prefix = (
        target.resource_group_id() if target.level == "resourceGroup" else f"/subscriptions/{target.subscription_id}"
    )
    return f"{prefix}/providers/{scope.strip('/')}"


def _resource_id(target: Target, rtype: str, name: str, scope_id: str | None) -> str:
    namespace, *types = rtype.split("/")
    names = [n for n in name.split("/") if n] or ["<name>"]
    while len(names) < len(types):
        names.insert(0, "<missing parent name>")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=False))
    if len(names) > len(types):
        path += "/" + "/".join(names[len(types) :])
    provider = f"providers/{namespace}/{path}"
    if scope_id is not None:
        return f"{scope_id.rstrip('/')}/{provider}"
    if target.level == "resourceGroup" and target.resource_group is not None:
        return f"{target.resource_group_id()}/{provider}"
    if target.level in ("resourceGroup", "subscription"):
        return f"/subscriptions/{target.subscription_id}/{provider}"
    return f"/{provider}"
