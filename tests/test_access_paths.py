"""The access model: who can pull, push and delete on a registry, and through what."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.azure import rbac
from scanner.azure.abac_conditions import repository_condition
from scanner.inventory.access_paths import ANONYMOUS, RegistryAccess, access_of
from scanner.inventory.build import build_inventory
from scanner.unknown import Unknown

SUB = "11111111-1111-1111-1111-111111111111"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-acr"
REG = f"{RG}/providers/Microsoft.ContainerRegistry/registries/prodacr"
MG = "/providers/Microsoft.Management/managementGroups/platform"
ACR = "Microsoft.ContainerRegistry/registries"

ROLES: dict[str, tuple[str, list[dict[str, list[str]]]]] = {
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": ("AcrPull", [{"actions": [f"{ACR}/pull/read"]}]),
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": ("Owner", [{"actions": ["*"]}]),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": ("Reader", [{"actions": ["*/read"]}]),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": (
        "Contributor",
        [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"]}],
    ),
    "b93aa761-3e63-49ed-ac28-beffa264f7ac": (
        "Container Registry Repository Reader",
        [{"dataActions": [f"{ACR}/repositories/content/read", f"{ACR}/repositories/metadata/read"]}],
    ),
    "2efddaa5-3f1f-4df3-97df-af3f13818f4c": (
        "Container Registry Repository Writer",
        [{"dataActions": [f"{ACR}/repositories/content/read", f"{ACR}/repositories/content/write"]}],
    ),
    "00000000-0000-0000-0000-00000000c0de": (
        "Everything but delete",
        [{"actions": [f"{ACR}/*"], "notActions": [f"{ACR}/artifacts/delete"]}],
    ),
}
ROLE = {name: guid for guid, (name, _) in ROLES.items()}
TEAM1_READ = (
    "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND "
    "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR "
    "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team1/'))"
)


def _assignment(n: int, scope: str, role: str, principal: str, kind: str = "ServicePrincipal", **extra: Any) -> Any:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/a{n}",
        "name": f"a{n}",
        "properties": {
            "scope": scope,
            "principalId": principal,
            "principalType": kind,
            "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{ROLE[role]}",
            **extra,
        },
    }


def _snapshot(assignments: list[Any], registry: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    graph = {"servicePrincipals": [], "applications": [], "missingPrincipals": [], **sections.pop("graph", {})}
    return {
        "collectedAt": "2026-06-01T00:00:00Z",
        "resourceGraph": {
            "registries": [
                {
                    "id": REG,
                    "name": "prodacr",
                    "subscriptionId": SUB,
                    "resourceGroup": "rg-acr",
                    "sku": {"name": "Premium"},
                    "properties": {"adminUserEnabled": False, **(registry or {})},
                }
            ],
            "roleDefinitions": [
                {
                    "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                    "properties": {"roleName": name, "permissions": perms},
                }
                for guid, (name, perms) in ROLES.items()
            ],
            "roleAssignments": assignments,
            "subscriptions": [
                {"id": f"/subscriptions/{SUB}", "properties": {"managementGroupAncestorsChain": [{"name": "platform"}]}}
            ],
        },
        "graph": graph,
        "arm": sections.pop(
            "arm", {REG.lower(): {"tokens": [], "scopeMaps": [], "usages": [], "diagnosticSettings": []}}
        ),
        **sections,
    }


def _access(snapshot: dict[str, Any]) -> RegistryAccess:
    inv = build_inventory(snapshot)
    return access_of(inv, next(iter(inv.registries.values())))


def _actions(access: RegistryAccess) -> dict[str, set[tuple[tuple[str, ...], tuple[str, ...]]]]:
    found: dict[str, set[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for grant in access.grants():
        found.setdefault(grant.principal, set()).add((grant.actions, grant.repositories))
    return found


def test_legacy_mode_counts_registry_actions_and_wildcards_at_every_scope() -> None:
    access = _access(
        _snapshot(
            [
                _assignment(1, REG, "AcrPull", "kubelet"),
                _assignment(2, f"/subscriptions/{SUB}", "Owner", "owner", "User"),
                _assignment(3, "/", "Reader", "auditor"),
                _assignment(4, MG, "Everything but delete", "ci"),
                _assignment(5, "/subscriptions/22222222-2222-2222-2222-222222222222", "Owner", "elsewhere"),
            ]
        )
    )
    assert access.mode == rbac.LEGACY and access.unknown == ()
    assert _actions(access) == {
        "kubelet": {(("pull",), ("*",))},
        "owner": {(("pull", "push", "delete"), ("*",))},
        "auditor": {(("pull",), ("*",))},
        "ci": {(("pull", "push"), ("*",))},
    }
    owner = next(g for g in access.grants() if g.principal == "owner")
    assert [h.name for h in owner.via] == [f"Owner at /subscriptions/{SUB}"]
    escalations = {(e.principal, e.capability) for e in access.escalations}
    assert ("owner", rbac.WRITE_ROLE_ASSIGNMENTS) in escalations and ("owner", rbac.LIST_CREDENTIALS) in escalations
    assert ("ci", rbac.ENABLE_CREDENTIALS) in escalations and ("auditor", rbac.LIST_CREDENTIALS) not in escalations


def test_abac_mode_honours_only_repository_data_actions_and_their_conditions() -> None:
    access = _access(
        _snapshot(
            [
                _assignment(1, REG, "AcrPull", "kubelet"),
                _assignment(2, f"/subscriptions/{SUB}", "Owner", "owner", "User"),
                _assignment(3, REG, "Container Registry Repository Reader", "team1", condition=TEAM1_READ),
                _assignment(4, REG, "Container Registry Repository Writer", "ci"),
                _assignment(
                    5, REG, "Container Registry Repository Reader", "odd", condition="@Resource[x] StringEquals 'y'"
                ),
            ],
            {"roleAssignmentMode": "AbacRepositoryPermissions"},
        )
    )
    assert access.mode == rbac.ABAC
    grants = _actions(access)
    assert "kubelet" not in grants and "owner" not in grants  # AcrPull and Owner grant no data access here
    assert grants["team1"] == {(("pull",), ("team1/*",))}
    assert grants["ci"] == {(("pull", "push"), ("*",))}
    odd = next(g for g in access.grants() if g.principal == "odd")
    assert odd.repositories == ("*",) and "condition not understood" in odd.unknown[0]
    assert ("owner", rbac.WRITE_ROLE_ASSIGNMENTS) in {(e.principal, e.capability) for e in access.escalations}


def test_a_condition_narrows_only_the_actions_its_guard_names() -> None:
    guard_read_only = TEAM1_READ.replace(
        " AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})", ""
    )
    access = _access(
        _snapshot(
            [_assignment(1, REG, "Container Registry Repository Writer", "ci", condition=guard_read_only)],
            {"roleAssignmentMode": "AbacRepositoryPermissions"},
        )
    )
    assert _actions(access) == {"ci": {(("pull",), ("team1/*",)), (("push",), ("*",))}}


def test_group_members_inherit_through_the_group_and_unexpanded_groups_say_so() -> None:
    members = {"grp": [{"id": "Alice", "@odata.type": "#microsoft.graph.user", "displayName": "Alice"}]}
    expanded = _access(_snapshot([_assignment(1, REG, "AcrPull", "grp", "Group")], graph={"groupMembers": members}))
    alice = next(g for g in expanded.grants() if g.principal == "alice")
    assert alice.principal_type == "User" and alice.display_name == "Alice"
    assert [h.kind for h in alice.via] == ["group", "roleAssignment"]
    group = next(g for g in expanded.grants() if g.principal == "grp")
    assert group.unknown == ()
    unexpanded = _access(_snapshot([_assignment(1, REG, "AcrPull", "grp", "Group")]))
    (grant,) = unexpanded.grants()
    assert "members of group grp are unknown" in grant.unknown[0]


def test_a_role_definition_not_collected_is_an_unknown_grant_not_no_grant() -> None:
    snapshot = _snapshot([_assignment(1, REG, "AcrPull", "kubelet")])
    snapshot["resourceGraph"]["roleDefinitions"] = []
    (grant,) = _access(snapshot).grants()
    assert grant.actions == () and "may grant pull, push and delete" in grant.unknown[0]


def test_role_assignments_not_collected_leave_the_picture_unknown() -> None:
    snapshot = _snapshot([_assignment(1, REG, "AcrPull", "kubelet")])
    del snapshot["resourceGraph"]["roleAssignments"]
    access = _access(snapshot)
    assert list(access.grants()) == [] and access.unknown[0].startswith("role assignments:")


def test_a_subscription_without_its_management_group_chain_counts_under_every_group() -> None:
    snapshot = _snapshot([_assignment(1, MG, "AcrPull", "platform-readers")])
    other = {"id": "/subscriptions/other", "properties": {"managementGroupAncestorsChain": [{"name": "x"}]}}
    snapshot["resourceGraph"]["subscriptions"] = [other]  # the registry's own subscription row is missing
    (grant,) = _access(snapshot).grants()
    assert grant.principal == "platform-readers" and "management groups of subscription" in grant.unknown[0]


def test_credentials_anonymous_pull_admin_user_and_tokens() -> None:
    scope_maps = [
        {
            "id": f"{REG}/scopeMaps/team1-read",
            "name": "team1-read",
            "properties": {
                "actions": [
                    "repositories/team1/app/content/read",
                    "repositories/team1/app/metadata/read",
                    "repositories/base/content/read",
                    "repositories/base/content/write",
                ]
            },
        },
    ]
    tokens = [
        {
            "id": f"{REG}/tokens/ci",
            "name": "ci",
            "properties": {"status": "enabled", "scopeMapId": f"{REG}/scopeMaps/team1-read"},
        },
        {
            "id": f"{REG}/tokens/off",
            "name": "off",
            "properties": {"status": "disabled", "scopeMapId": f"{REG}/scopeMaps/team1-read"},
        },
        {
            "id": f"{REG}/tokens/pull",
            "name": "pull",
            "properties": {"scopeMapId": f"{REG}/scopeMaps/_repositories_pull"},
        },
    ]
    arm = {REG.lower(): {"tokens": tokens, "scopeMaps": scope_maps, "usages": [], "diagnosticSettings": []}}
    access = _access(
        _snapshot(
            [_assignment(1, f"/subscriptions/{SUB}", "Owner", "owner", "User")],
            {"anonymousPullEnabled": True, "adminUserEnabled": True},
            arm=arm,
        )
    )
    grants = _actions(access)
    assert grants[ANONYMOUS] == {(("pull",), ("*",))}
    assert grants["owner"] == {(("pull", "push", "delete"), ("*",))}  # its role, and the admin user
    assert {g.via[-1].kind for g in access.grants() if g.principal == "owner"} == {"roleAssignment", "adminUser"}
    assert grants[f"{REG}/tokens/ci"] == {(("pull",), ("team1/app",)), (("pull", "push"), ("base",))}
    assert f"{REG}/tokens/off" not in grants
    assert grants[f"{REG}/tokens/pull"] == {(("pull",), ("*",))}
    assert any("admin user is enabled" in note for note in access.unknown)


def test_tokens_not_collected_are_named_in_unknown() -> None:
    snapshot = _snapshot([])
    del snapshot["arm"]
    assert any(note.startswith("tokens:") for note in _access(snapshot).unknown)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (TEAM1_READ, ("team1/*",)),
        (
            TEAM1_READ.replace("StringStartsWithIgnoreCase 'team1/'", "StringEqualsIgnoreCase 'team1/app'"),
            ("team1/app",),
        ),
        (
            TEAM1_READ.replace(
                "StringStartsWithIgnoreCase 'team1/'",
                "StringStartsWithIgnoreCase 'a/' OR @Request[Microsoft.ContainerRegistry/registries/repositories:name] "
                "StringLikeIgnoreCase 'b/*/x'",
            ),
            ("a/*", "b/*/x"),
        ),
        (
            TEAM1_READ.replace(
                ") OR (@Request",
                ") OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] "
                "StringEquals 'x' AND @Request",
            ),
            None,
        ),
        ("", None),
        ("@Resource[Microsoft.ContainerRegistry/registries/repositories:name] StringEquals 'x'", None),
        ("x" * 9000, None),
    ],
)
def test_repository_conditions(condition: str, expected: tuple[str, ...] | None) -> None:
    parsed = repository_condition(condition)
    if expected is None:
        assert isinstance(parsed, Unknown)
    else:
        assert not isinstance(parsed, Unknown) and parsed.patterns == expected


def _role_assignment_docs(snapshot: dict[str, Any]) -> dict[str, Any]:
    from scanner.inventory.subjects.role_assignment import role_assignments

    return {s.doc["principalId"]: s.doc for s in role_assignments(build_inventory(snapshot)) if s.doc}


def test_role_assignment_documents_say_what_abac_mode_and_groups_change() -> None:
    members = {"grp": [{"id": "mi-1", "@odata.type": "#microsoft.graph.servicePrincipal", "displayName": "id-deploy"}]}
    docs = _role_assignment_docs(
        _snapshot(
            [
                _assignment(1, REG, "AcrPull", "kubelet"),
                _assignment(2, f"/subscriptions/{SUB}", "Owner", "grp", "Group"),
                _assignment(3, REG, "Container Registry Repository Reader", "team1"),
                _assignment(4, "/", "Reader", "auditor"),
            ],
            {"roleAssignmentMode": "AbacRepositoryPermissions"},
            graph={"groupMembers": members},
        )
    )
    assert docs["kubelet"]["abacRegistriesWithoutEffect"] == ["prodacr"]  # AcrPull is not honoured here
    assert docs["team1"]["abacRegistriesWithoutEffect"] == [] and docs["team1"]["abacRegistries"] == ["prodacr"]
    assert docs["auditor"]["abacRegistriesWithoutEffect"] == []  # Reader keeps its control-plane use
    assert docs["grp"]["servicePrincipalMembers"] == ["id-deploy"]
    assert docs["grp"]["replacementCommands"] == (
        f'az role assignment create --assignee grp --role "Container Registry Repository Writer" --scope {REG}'
    )
    assert docs["kubelet"]["replacementCommands"] is None  # AcrPull cannot write the registry
    assert docs["kubelet"]["role"]["dataActionsInLegacyMode"] == ["pull"]
    assert docs["kubelet"]["role"]["dataActionsInAbacMode"] == []


def test_expected_pulls_add_the_pairs_control_plane_data_does_not_show(tmp_path: Any) -> None:
    import json

    from tests.conftest import DEMO, run_cli

    config = tmp_path / "acr-scan.yaml"
    config.write_text(
        "access:\n"
        "  expected_pulls:\n"
        "    - {consumer: aks-prod, registry: mlmodelsacr}\n"  # AcrPull via a group: not honoured in ABAC mode
        "    - {consumer: ci-runner, registry: contosoprodacr}\n"  # a username that is no credential there
        "    - {consumer: aks-prod, registry: contosoprodacr}\n"  # already attached: not twice
        "    - {consumer: nowhere, registry: contosoprodacr}\n"
    )
    out = tmp_path / "results.json"
    ran = run_cli(
        "scan",
        "--snapshot",
        str(DEMO),
        "--config",
        str(config),
        "--rules",
        "ACR-050",
        "--format",
        "json",
        "--output",
        str(out),
        "--quiet",
    )
    assert ran.returncode == 1, ran.stderr
    listed = json.loads(out.read_text())["findings"]
    findings = {f["subject"]["name"]: f for f in listed}
    assert findings["aks-prod → mlmodelsacr"]["status"] == "fail"
    assert findings["ci-runner → contosoprodacr"]["status"] == "fail"
    assert "username legacybuildacr holds no pull permission" in findings["ci-runner → contosoprodacr"]["message"]
    assert sum(1 for f in listed if f["subject"]["name"] == "aks-prod → contosoprodacr") == 1
    missing = findings["nowhere → contosoprodacr (access.expected_pulls)"]
    assert missing["status"] == "unknown" and "was not found among the workloads" in missing["message"]
