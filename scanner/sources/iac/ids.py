"""Synthetic ARM ids for resources declared in IaC, so relations join before deployment.

Every IaC reader (ARM/Bicep, Terraform plan, Terraform .tf) builds the id of a declared
resource with :func:`resource_id`, so a private endpoint, a role assignment or a diagnostic
setting that points at a registry declared in the same change carries exactly the id the
registry row got. When the subscription is not known (always, before deployment) it is
:data:`PLACEHOLDER_SUBSCRIPTION`; when the resource group is not a literal it is
:data:`DEFAULT_RESOURCE_GROUP`.
"""

from __future__ import annotations

PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DEFAULT_RESOURCE_GROUP = "iac-rg"


def resource_group_id(subscription: str | None, resource_group: str | None) -> str:
    """``/subscriptions/{sub}/resourceGroups/{rg}`` with the placeholders filled in."""
    sub = subscription or PLACEHOLDER_SUBSCRIPTION
    return f"/subscriptions/{sub}/resourceGroups/{resource_group or DEFAULT_RESOURCE_GROUP}"


def resource_id(subscription: str | None, resource_group: str | None, provider_type: str, *names: str) -> str:
    """The ARM id of a resource group resource.

    ``provider_type`` is ``Namespace/type[/childType...]`` (``Microsoft.ContainerRegistry/registries/tokens``)
    and ``names`` one name per type segment (``"myacr", "mytoken"``).
    """
    namespace, *types = provider_type.split("/")
    if len(types) != len(names):
        raise ValueError(f"{provider_type} needs {len(types)} names, got {len(names)}")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"{resource_group_id(subscription, resource_group)}/providers/{namespace}/{path}"


def extension_id(scope: str, provider_type: str, name: str) -> str:
    """The id of an extension resource (role assignment, diagnostic setting) at ``scope``."""
    return f"{scope.rstrip('/')}/providers/{provider_type}/{name}"
