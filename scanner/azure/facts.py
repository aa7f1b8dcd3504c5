"""Facts about Azure that the inventory needs to resolve relations (built-in roles, SKU limits).

Kept in one place so a change in Azure (a new SKU limit, a new built-in role) is one edit.
"""

from __future__ import annotations

import msgspec


class BuiltinRole(msgspec.Struct, frozen=True):
    """A built-in role as Azure defines it: its GUID, its name and one permission block."""

    guid: str
    name: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()


# The built-in roles that bear on a registry, one record each so that a role's GUID, name and
# permissions cannot drift apart. An IaC scan has no roleDefinitions list, yet its role
# assignments name these roles by GUID.
BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", ("*",)),
    BuiltinRole(
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        ("*",),
        not_actions=(
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ),
    ),
    BuiltinRole("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", ("*/read",)),
    BuiltinRole(
        "7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", ("Microsoft.ContainerRegistry/registries/pull/read",)
    ),
    BuiltinRole(
        "8311e382-0749-4cb8-b61a-304f252e45ec",
        "AcrPush",
        ("Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"),
    ),
    BuiltinRole(
        "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
        "AcrDelete",
        ("Microsoft.ContainerRegistry/registries/artifacts/delete",),
    ),
    BuiltinRole(
        "6cef56e8-d556-48e5-a04f-b8e64114680f",
        "AcrImageSigner",
        ("Microsoft.ContainerRegistry/registries/sign/write",),
        data_actions=("Microsoft.ContainerRegistry/registries/trustedCollections/write",),
    ),
    BuiltinRole(
        "cdda3590-29a3-44f6-95f2-9f980659eb04",
        "AcrQuarantineReader",
        ("Microsoft.ContainerRegistry/registries/quarantine/read",),
        data_actions=("Microsoft.ContainerRegistry/registries/quarantinedArtifacts/read",),
    ),
    BuiltinRole(
        "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
        "AcrQuarantineWriter",
        (
            "Microsoft.ContainerRegistry/registries/quarantine/read",
            "Microsoft.ContainerRegistry/registries/quarantine/write",
        ),
        data_actions=(
            "Microsoft.ContainerRegistry/registries/quarantinedArtifacts/read",
            "Microsoft.ContainerRegistry/registries/quarantinedArtifacts/write",
        ),
    ),
)

# The same facts by GUID, as a role assignment or a roleDefinitions row refers to a role.
BUILTIN_ROLE_NAMES: dict[str, str] = {role.guid: role.name for role in BUILTIN_ROLES}
BUILTIN_ROLE_PERMISSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    role.guid: (role.actions, role.not_actions, role.data_actions) for role in BUILTIN_ROLES
}

# The GUIDs of the roles that code and fixtures name (the others are only ever met by GUID).
_GUID_OF = {role.name: role.guid for role in BUILTIN_ROLES}
OWNER = _GUID_OF["Owner"]
CONTRIBUTOR = _GUID_OF["Contributor"]
READER = _GUID_OF["Reader"]
ACR_PULL = _GUID_OF["AcrPull"]
ACR_PUSH = _GUID_OF["AcrPush"]
ACR_DELETE = _GUID_OF["AcrDelete"]

# The scope maps Azure creates on every registry (ScopeMaps_List returns them): name →
# (description, actions). Tokens in IaC refer to them without declaring them.
SYSTEM_SCOPE_MAPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "_repositories_admin": (
        "Can perform all read, write and delete operations on the registry",
        (
            "repositories/*/metadata/read",
            "repositories/*/metadata/write",
            "repositories/*/content/read",
            "repositories/*/content/write",
            "repositories/*/content/delete",
        ),
    ),
    "_repositories_pull": ("Can pull any repository of the registry", ("repositories/*/content/read",)),
    "_repositories_push": (
        "Can push to any repository of the registry",
        ("repositories/*/content/read", "repositories/*/content/write"),
    ),
}

# Limits per SKU, from learn.microsoft.com/azure/container-registry/container-registry-skus.
# Classic is retired; treat it like Basic.
SKU_LIMITS: dict[str, dict[str, int]] = {
    "basic": {"webhooks": 2, "tokens": 100, "scopeMaps": 100},
    "classic": {"webhooks": 2, "tokens": 100, "scopeMaps": 100},
    "standard": {"webhooks": 10, "tokens": 500, "scopeMaps": 500},
    "premium": {"webhooks": 500, "tokens": 50_000, "scopeMaps": 50_000},
}

REGISTRY_WRITE = "microsoft.containerregistry/registries/write"
LIST_CREDENTIALS = "microsoft.containerregistry/registries/listcredentials/action"


def action_matches(pattern: str, action: str) -> bool:
    """Whether an RBAC action pattern grants ``action``: case-insensitive, and ``*`` matches any
    run of characters, ``/`` included. Nothing else is special (unlike a shell glob, ``?`` and
    ``[`` are literal), so no pattern is compiled."""
    pattern, action = pattern.lower(), action.lower()
    if "*" not in pattern:
        return pattern == action
    first, *middle, last = pattern.split("*")
    if len(action) < len(first) + len(last) or not action.startswith(first) or not action.endswith(last):
        return False
    position, end = len(first), len(action) - len(last)
    for part in middle:
        found = action.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def grants(patterns: list[str], not_patterns: list[str], action: str) -> bool:
    """RBAC evaluation of one permission block for one concrete action."""
    return any(action_matches(p, action) for p in patterns) and not any(action_matches(p, action) for p in not_patterns)


def touches_container_registry(patterns: list[str]) -> bool:
    """Whether any action pattern can apply to ``Microsoft.ContainerRegistry/*`` (or is ``*``)."""
    for pattern in patterns:
        lowered = pattern.lower()
        if lowered.startswith("microsoft.containerregistry/") or lowered.startswith("*"):
            return True
    return False


#: Registry policies that only preview API versions of Microsoft.ContainerRegistry return: a
#: deployed registry's row without one does not say the policy is off.
#: https://learn.microsoft.com/azure/container-registry/container-registry-soft-delete-policy
PREVIEW_ONLY_POLICIES: tuple[str, ...] = ("softDeletePolicy",)


# The DNS suffix of registry login servers in each cloud (Azure CLI's cloud definitions,
# `suffixes.acrLoginServerEndpoint`: public, China, US Government). An image on such a host is
# pulled from some Azure container registry, even when the scan did not list that registry.
ACR_LOGIN_SUFFIXES: tuple[str, ...] = (".azurecr.io", ".azurecr.cn", ".azurecr.us")
