"""The objects Azure creates with every deployment, which IaC files never declare.

The IaC core (:mod:`.assemble`) adds them to the snapshot document so relations join as live:
the built-in role definitions role assignments name by GUID, and the system scope maps of every
registry.
"""

from __future__ import annotations

from typing import Any

from scanner.azure import facts


def builtin_roles() -> list[dict[str, Any]]:
    """The built-in role definition rows (role assignments name them by GUID; Azure has them everywhere)."""
    rows = []
    for role in facts.BUILTIN_ROLES:
        rows.append(
            {
                "id": f"/providers/Microsoft.Authorization/roleDefinitions/{role.guid}",
                "name": role.guid,
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": role.name,
                    "type": "BuiltInRole",
                    "assignableScopes": ["/"],
                    "permissions": [
                        {
                            "actions": list(role.actions),
                            "notActions": list(role.not_actions),
                            "dataActions": list(role.data_actions),
                            "notDataActions": [],
                        }
                    ],
                },
            }
        )
    return rows


def system_scope_maps(registry_id: str) -> list[dict[str, Any]]:
    """The scope map rows Azure creates with every registry (``_repositories_pull`` ...)."""
    return [
        {
            "id": f"{registry_id}/scopeMaps/{name}",
            "name": name,
            "type": "Microsoft.ContainerRegistry/registries/scopeMaps",
            "properties": {"description": description, "type": "SystemDefined", "actions": list(actions)},
        }
        for name, (description, actions) in facts.SYSTEM_SCOPE_MAPS.items()
    ]
