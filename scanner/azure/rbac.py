"""What a role definition grants over a container registry, in each role assignment mode.

A registry's ``properties.roleAssignmentMode`` changes what roles mean (docs/access-model.md
cites Microsoft's documentation for every statement here):

- ``LegacyRegistryPermissions`` ("RBAC Registry Permissions"): data access comes from the
  registry-level *actions* ``registries/pull/read``, ``registries/push/write`` and
  ``registries/artifacts/delete``, so wildcards count (Owner's and Contributor's ``*``,
  Reader's ``*/read``).
- ``AbacRepositoryPermissions`` ("RBAC Registry + ABAC Repository Permissions"): data access
  comes only from the repository *data actions* ``registries/repositories/content/*``, which
  a role assignment's condition can narrow to some repositories. AcrPull, AcrPush, AcrDelete,
  Owner, Contributor and Reader grant no data access there.

Escalations are control-plane actions that lead to data access without holding it: turning
on the admin user or anonymous pull (``registries/write``), reading the admin credentials
(``listCredentials``), creating tokens, or writing role assignments over the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from scanner.azure.facts import action_matches

PULL, PUSH, DELETE = "pull", "push", "delete"
#: The data-plane actions the access model reports, in display order.
ACTIONS = (PULL, PUSH, DELETE)

LEGACY = "LegacyRegistryPermissions"
ABAC = "AbacRepositoryPermissions"
#: The modes, and what an absent property means (registries created before the setting existed).
MODES = (LEGACY, ABAC)
DEFAULT_MODE = LEGACY

_ACR = "microsoft.containerregistry/registries/"
#: Legacy mode: the registry action granting each data-plane action.
LEGACY_ACTIONS: Mapping[str, str] = {
    PULL: _ACR + "pull/read",
    PUSH: _ACR + "push/write",
    DELETE: _ACR + "artifacts/delete",
}
#: ABAC mode: the repository data action granting each data-plane action.
ABAC_DATA_ACTIONS: Mapping[str, str] = {
    PULL: _ACR + "repositories/content/read",
    PUSH: _ACR + "repositories/content/write",
    DELETE: _ACR + "repositories/content/delete",
}

ENABLE_CREDENTIALS = "enableAdminOrAnonymous"
LIST_CREDENTIALS = "listCredentials"
WRITE_TOKENS = "writeTokens"
WRITE_ROLE_ASSIGNMENTS = "writeRoleAssignments"
#: Escalation → the control-plane action that allows it.
ESCALATION_ACTIONS: Mapping[str, str] = {
    ENABLE_CREDENTIALS: _ACR + "write",
    LIST_CREDENTIALS: _ACR + "listcredentials/action",
    WRITE_TOKENS: _ACR + "tokens/write",
    WRITE_ROLE_ASSIGNMENTS: "microsoft.authorization/roleassignments/write",
}
#: What each escalation leads to, for a reader.
ESCALATION_MEANING: Mapping[str, str] = {
    ENABLE_CREDENTIALS: "can turn on the admin user or anonymous pull (registries/write)",
    LIST_CREDENTIALS: "can read the admin user's passwords (listCredentials)",
    WRITE_TOKENS: "can create repository tokens (tokens/write)",
    WRITE_ROLE_ASSIGNMENTS: "can grant any role over the registry (roleAssignments/write)",
}


class Permission(msgspec.Struct, frozen=True, gc=False):
    """One entry of a role definition's ``permissions`` list."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()


class RegistryGrants(msgspec.Struct, frozen=True, gc=False):
    """What one role definition grants over a registry, decided once per role."""

    legacy: frozenset[str]  # data-plane actions in legacy mode
    abac: frozenset[str]  # data-plane actions in ABAC mode (before conditions)
    escalations: frozenset[str]

    def actions(self, mode: str) -> frozenset[str]:
        return self.abac if mode == ABAC else self.legacy

    @property
    def anything(self) -> bool:
        return bool(self.legacy or self.abac or self.escalations)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if type(v) is str) if isinstance(value, list | tuple) else ()


def permissions_of(raw: Iterable[Any]) -> tuple[Permission, ...]:
    """The ``permissions`` entries of a role definition's properties, as given (bad entries skipped)."""
    out = []
    for entry in raw:
        if isinstance(entry, Mapping):
            out.append(
                Permission(
                    _strings(entry.get("actions")),
                    _strings(entry.get("notActions")),
                    _strings(entry.get("dataActions")),
                    _strings(entry.get("notDataActions")),
                )
            )
    return tuple(out)


def allows(permissions: Iterable[Permission], action: str, *, data: bool = False) -> bool:
    """Azure RBAC for one concrete action: some entry lists it and that entry does not exclude it.

    ``notActions`` subtract from the ``actions`` of their own entry only (they are not denies).
    """
    for perm in permissions:
        granted, excluded = (perm.data_actions, perm.not_data_actions) if data else (perm.actions, perm.not_actions)
        if any(action_matches(p, action) for p in granted) and not any(action_matches(p, action) for p in excluded):
            return True
    return False


def registry_grants(permissions: tuple[Permission, ...]) -> RegistryGrants:
    """Every data-plane action and escalation ``permissions`` allows, in each mode."""
    return RegistryGrants(
        legacy=frozenset(a for a, action in LEGACY_ACTIONS.items() if allows(permissions, action)),
        abac=frozenset(a for a, action in ABAC_DATA_ACTIONS.items() if allows(permissions, action, data=True)),
        escalations=frozenset(e for e, action in ESCALATION_ACTIONS.items() if allows(permissions, action)),
    )


def mode_of(registry_properties: Mapping[str, Any]) -> str | None:
    """The registry's role assignment mode; ``None`` when the value is not one Azure documents."""
    mode = registry_properties.get("roleAssignmentMode")
    if mode is None:
        return DEFAULT_MODE
    for known in MODES:
        if type(mode) is str and mode.lower() == known.lower():
            return known
    return None
