"""Resource functions: the id family (``resourceId``, ``subscriptionResourceId``, ``tenantResourceId``,
``extensionResourceId``), and ``reference`` / ``resourceInfo`` of a symbolic name.

They always build an id, with placeholders for unresolved names, so
``resourceId('...registries', parameters('acrName'))`` and a registry named
``[parameters('acrName')]`` get the same id (``.../registries/<acrName>``) and their relation
still joins.

``reference('symbol')`` reads what the template declares of one of its own resources (its
``properties``; with ``'Full'`` also its id, name and type); a property it does not declare,
an ``existing`` resource's properties and ``reference()`` of anything else (a resource id, a
resource outside the template) are only known after deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.sources.iac.arm.expressions.context import Context, Family, Function, Target
from scanner.sources.iac.arm.expressions.values import Declared, Unresolved, fail, to_text

family = Family()
FUNCTIONS: dict[str, Function] = family.functions


def _id_parts(args: list[Any], text: str) -> tuple[list[str], str, list[str]] | Unresolved:
    """(scope arguments, resource type, names) of a resourceId-style call; placeholders stand in."""
    values = [a.placeholder if type(a) is Unresolved else to_text(a) for a in args]
    for index, value in enumerate(values):
        head = value.strip("/").split("/", 1)[0]
        if "/" in value.strip("/") and "." in head and type(args[index]) is not Unresolved:
            names = [n for v in values[index + 1 :] for n in v.strip("/").split("/") if n]
            return values[:index], value.strip("/"), names
    return fail(text, "needs a resource type such as 'Microsoft.ContainerRegistry/registries'")


def _provider_path(resource_type: str, names: list[str]) -> str:
    namespace, *types = resource_type.split("/")
    while len(names) < len(types):
        names = ["<missing name>", *names]
    pairs = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=False))
    return f"{namespace}/{pairs}"


def _provider_id(args: list[Any], text: str, prefix: Callable[[list[str]], str]) -> Any:
    """``{prefix}/providers/{type and names}``; ``prefix`` turns the scope arguments into the id's start."""
    parts = _id_parts(args, text)
    if isinstance(parts, Unresolved):
        return parts
    scope, resource_type, names = parts
    return f"{prefix(scope)}/providers/{_provider_path(resource_type, names)}"


def _group_scope(scope: list[str], target: Target) -> str:
    """``[subscriptionId, ][resourceGroupName]`` in front of the type, else the deployment's."""
    subscription, group = target.subscription_id, target.resource_group
    if len(scope) >= 2:
        subscription, group = scope[0], scope[1]
    elif len(scope) == 1:
        group = scope[0]
    if group is None:
        return f"/subscriptions/{subscription}"
    return f"/subscriptions/{subscription}/resourceGroups/{group}"


@family.plain("resourceId")
def _resource_id(args: list[Any], env: Context, text: str) -> Any:
    return _provider_id(args, text, lambda scope: _group_scope(scope, env.target))


@family.plain("subscriptionResourceId")
def _subscription_resource_id(args: list[Any], env: Context, text: str) -> Any:
    return _provider_id(args, text, lambda scope: f"/subscriptions/{scope[0] if scope else env.target.subscription_id}")


@family.plain("tenantResourceId")
def _tenant_resource_id(args: list[Any], env: Context, text: str) -> Any:
    return _provider_id(args, text, lambda scope: "")


@family.plain("extensionResourceId")
def _extension_resource_id(args: list[Any], env: Context, text: str) -> Any:
    if len(args) < 3:
        return fail(text, "expects a resource id, a type and names")
    base = args[0].placeholder if type(args[0]) is Unresolved else to_text(args[0])
    return _provider_id(args[1:], text, lambda scope: base.rstrip("/"))


def _runtime(text: str, resource_id: Any = None, full: bool = False) -> Unresolved:
    """Runtime state only Azure has; of a resource id, with where it is read (see ``Unresolved.runtime``)."""
    where = (resource_id, () if full else ("properties",)) if isinstance(resource_id, str) else None
    return Unresolved(f"{text} is only known after deployment", f"<{text}>", where)


@family.plain("reference")
def _reference(args: list[Any], env: Context, text: str) -> Any:
    if not args or len(args) > 3:
        return fail(text, f"expects 1 to 3 arguments, got {len(args)}")
    target = args[0]
    full = len(args) == 3 and isinstance(args[2], str) and args[2].lower() == "full"
    info = env.resource_symbol(target) if isinstance(target, str) and "/" not in target else None
    if info is None:
        return _runtime(text, target if isinstance(target, str) and "/" in target else None, full)
    if not full:
        return info.properties
    found = {
        "id": info.id,
        "name": info.name,
        "type": info.type,
        "apiVersion": info.api_version,
        "properties": info.properties,
    }
    # A top-level property the template does not declare (``identity.principalId``) is Azure's.
    return Declared(found, f"resource '{target}'", (info.id, ()) if isinstance(info.id, str) else None)


@family.strict("resourceInfo", arity=(1, 1))
def _resource_info(args: list[Any], env: Context, text: str) -> Any:
    info = env.resource_symbol(args[0]) if isinstance(args[0], str) else None
    if info is None:
        return fail(text, f"{args[0]!r} is not the symbolic name of a resource of this template")
    return {"id": info.id, "name": info.name, "type": info.type, "apiVersion": info.api_version}
