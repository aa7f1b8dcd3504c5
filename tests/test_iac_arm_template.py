"""The ARM template reader: resources, children, copy loops, conditions, parameters files, nested and
linked deployments, ids, lines, inline suppressions, and its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac.arm.json_doc import load_json
from scanner.sources.iac.arm.template import read_template
from scanner.sources.iac.detect import discover
from scanner.sources.iac.source import IacSource, read_resources
from scanner.unknown import Unknown
from tests.conftest import ROOT

ARM = ROOT / "fixtures" / "iac" / "arm"
SUB = "00000000-0000-0000-0000-000000000000"
RG = f"/subscriptions/{SUB}/resourceGroups/iac-rg"
ACR = "Microsoft.ContainerRegistry/registries"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(resources: Any, **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra, "resources": resources}


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) if not isinstance(doc, str) else doc)
    return path


def read(path: Path, *params: Path, root: Path | None = None) -> list[IacResource]:
    return read_template(path, root or path.parent, parameter_files=params)


def by_name(resources: list[IacResource]) -> dict[str, IacResource]:
    return {str(r.row["name"]): r for r in resources}


def line_of(path: Path, needle: str, after: int = 0) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if number > after and needle in text:
            return number
    raise AssertionError(needle)


# --------------------------------------------------------------------------- nested.json


def test_parameters_file_copy_condition_and_nested_deployments() -> None:
    resources = by_name(read(ARM / "nested.json", ARM / "nested.parameters.json", root=ROOT))
    assert sorted(resources) == [
        "fabrikamacrouter",
        "fabrikamacrpremiumonly",
        "fabrikamacrshared",
        "fabrikamacrteam1",
        "fabrikamacrteam2",
    ]
    team1, team2 = resources["fabrikamacrteam1"].row, resources["fabrikamacrteam2"].row
    assert team1["id"] == f"{RG}/providers/{ACR}/fabrikamacrteam1"
    assert team1["sku"] == {"name": "Premium"}  # from the parameters file
    assert team1["properties"]["adminUserEnabled"] is False and team2["properties"]["adminUserEnabled"] is True
    assert team1["properties"]["networkRuleSet"] == {
        "defaultAction": "Deny",
        "ipRules": [{"action": "Allow", "value": "203.0.110.0/24"}, {"action": "Allow", "value": "203.0.111.0/24"}],
    }
    shared = resources["fabrikamacrshared"].row  # inner scope, another resource group
    assert shared["id"] == f"/subscriptions/{SUB}/resourceGroups/rg-shared/providers/{ACR}/fabrikamacrshared"
    assert shared["resourceGroup"] == "rg-shared"
    assert shared["properties"] == {"anonymousPullEnabled": True, "publicNetworkAccess": "Disabled"}
    outer = resources["fabrikamacrouter"].row  # outer scope: the parent's parameters
    assert outer["sku"] == {"name": "Premium"}
    assert all(r.file == "fixtures/iac/arm/nested.json" for r in resources.values())


def test_without_parameters_names_keep_placeholders_and_false_conditions_skip() -> None:
    resources = by_name(read(ARM / "nested.json", root=ROOT))
    assert "<prefix>acrteam1" in resources  # toLower(concat(parameters('prefix'), ...)): a placeholder name
    assert not any("premiumonly" in name for name in resources)  # condition: sku defaults to Basic
    team = resources["<prefix>acrteam1"].row
    assert team["id"].endswith("/registries/<prefix>acrteam1")


def test_parameters_file_is_paired_by_name_when_walking_a_folder(tmp_path: Path) -> None:
    write(
        tmp_path / "main.json",
        template(
            [{"type": ACR, "name": "[parameters('n')]", "sku": {"name": "Basic"}}], parameters={"n": {"type": "string"}}
        ),
    )
    write(
        tmp_path / "main.parameters.json",
        {"$schema": "x/deploymentParameters.json#", "parameters": {"n": {"value": "paired"}}},
    )
    write(
        tmp_path / "main.parameters.prod.json",
        {"$schema": "x/deploymentParameters.json#", "parameters": {"n": {"value": "prod"}}},
    )
    names = [r.row["name"] for r in read_resources(discover([tmp_path]), tmp_path)]
    assert names == ["paired"]  # environment files apply only when named explicitly
    explicit = discover([tmp_path / "main.json", tmp_path / "main.parameters.prod.json"])
    assert [r.row["name"] for r in read_resources(explicit, tmp_path)] == ["prod"]
    write(tmp_path / "other" / "a.json", template([]))
    write(tmp_path / "other" / "b.json", template([]))
    write(tmp_path / "other" / "values.json", {"$schema": "x/deploymentParameters.json#", "parameters": {}})
    with pytest.raises(InputError, match="cannot tell which template"):
        read_resources(discover([tmp_path / "other" / "values.json", tmp_path / "other"]), tmp_path)


def test_key_vault_references_are_unknown(tmp_path: Path) -> None:
    write(
        tmp_path / "t.json",
        template(
            [
                {
                    "type": ACR,
                    "name": "kv",
                    "sku": {"name": "Basic"},
                    "properties": {"adminUserEnabled": "[parameters('flag')]"},
                }
            ],
            parameters={"flag": {"type": "bool"}},
        ),
    )
    params = write(
        tmp_path / "t.parameters.json",
        {
            "$schema": "x/deploymentParameters.json#",
            "parameters": {"flag": {"reference": {"keyVault": {"id": "/kv"}, "secretName": "s"}}},
        },
    )
    value = read(tmp_path / "t.json", params)[0].row["properties"]["adminUserEnabled"]
    assert isinstance(value, Unknown) and "Key Vault reference" in value.reason


def test_linked_template_by_relative_path() -> None:
    resources = read_resources(discover([ARM / "linked"]), ROOT)
    assert [(r.row["name"], r.file) for r in resources] == [
        ("linkedacr", "fixtures/iac/arm/linked/modules/registry.json")
    ]
    module = ARM / "linked" / "modules" / "registry.json"
    assert resources[0].line == line_of(module, "{", after=line_of(module, '"resources"'))


# --------------------------------------------------------------------------- children, extensions, ids


def test_child_resources_and_extension_forms(tmp_path: Path) -> None:
    doc = template(
        [
            {
                "type": ACR,
                "name": "parent",
                "sku": {"name": "Premium"},
                "resources": [
                    {"type": "replications", "name": "westus", "location": "westus"},
                    {"type": f"{ACR}/webhooks", "name": "parent/hook", "properties": {"status": "enabled"}},
                    {
                        "type": "tokens",
                        "name": "ci",
                        "properties": {
                            "scopeMapId": "[resourceId('Microsoft.ContainerRegistry/registries/scopeMaps', "
                            "'parent', '_repositories_pull')]"
                        },
                    },
                    {
                        "type": "providers/diagnosticSettings",
                        "name": "Microsoft.Insights/audit",
                        "properties": {"workspaceId": "/w", "logs": [{"categoryGroup": "audit", "enabled": True}]},
                    },
                ],
            },
            {
                "type": f"{ACR}/providers/roleAssignments",
                "name": "parent/Microsoft.Authorization/11111111-1111-1111-1111-111111111111",
                "properties": {
                    "roleDefinitionId": "/x/7f951dda-4ed3-4680-a7ca-43fe172d538d",
                    "principalId": "p",
                    "principalType": "User",
                },
            },
            {"type": f"{ACR}/replications", "name": "parent/eastus2", "location": "eastus2"},
            {"type": "Microsoft.Storage/storageAccounts", "name": "ignored"},
        ]
    )
    rows = {r.row["id"]: r.row for r in read(write(tmp_path / "t.json", doc))}
    parent = f"{RG}/providers/{ACR}/parent"
    assert set(rows) == {
        parent,
        f"{parent}/replications/westus",
        f"{parent}/webhooks/hook",
        f"{parent}/tokens/ci",
        f"{parent}/providers/Microsoft.Insights/diagnosticSettings/audit",
        f"{parent}/providers/Microsoft.Authorization/roleAssignments/11111111-1111-1111-1111-111111111111",
        f"{parent}/replications/eastus2",
    }
    assignment = rows[
        f"{parent}/providers/Microsoft.Authorization/roleAssignments/11111111-1111-1111-1111-111111111111"
    ]
    assert assignment["type"] == "Microsoft.Authorization/roleAssignments"
    assert assignment["properties"]["scope"] == parent
    assert rows[f"{parent}/tokens/ci"]["properties"]["scopeMapId"] == f"{parent}/scopeMaps/_repositories_pull"


def test_symbolic_resources_existing_and_subscription_scope(tmp_path: Path) -> None:
    doc = {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "languageVersion": "2.0",
        "contentVersion": "1.0.0.0",
        "resources": {
            "old": {"existing": True, "type": ACR, "name": "old"},
            "ra": {
                "type": "Microsoft.Authorization/roleAssignments",
                "name": "22222222-2222-2222-2222-222222222222",
                "properties": {
                    "roleDefinitionId": "/x/b24988ac-6180-42a0-ab88-20f7382dd24c",
                    "principalId": "p",
                    "principalType": "ServicePrincipal",
                },
            },
        },
    }
    [ra] = read(write(tmp_path / "sub.json", doc))
    assignments = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments"
    assert ra.row["id"] == f"{assignments}/22222222-2222-2222-2222-222222222222"
    assert ra.row["properties"]["scope"] == f"/subscriptions/{SUB}"
    assert ra.address == "ra"


def test_unresolved_copy_count_keeps_one_representative(tmp_path: Path) -> None:
    doc = template(
        [
            {
                "copy": {"name": "c", "count": "[parameters('n')]"},
                "type": ACR,
                "name": "[concat('acr', copyIndex())]",
                "sku": {"name": "Basic"},
            }
        ],
        parameters={"n": {"type": "int"}},
    )
    [only] = read(write(tmp_path / "t.json", doc))
    assert only.row["name"] == "acr<copyIndex()>"


def test_unresolved_condition_keeps_the_resource(tmp_path: Path) -> None:
    doc = template(
        [{"condition": "[parameters('on')]", "type": ACR, "name": "maybe", "sku": {"name": "Basic"}}],
        parameters={"on": {"type": "bool"}},
    )
    assert [r.row["name"] for r in read(write(tmp_path / "t.json", doc))] == ["maybe"]


def test_property_names_are_canonicalized(tmp_path: Path) -> None:
    doc = template([{"Type": ACR, "Name": "cased", "SKU": {"Name": "Basic"}, "Properties": {"AdminUserEnabled": True}}])
    [row] = [r.row for r in read(write(tmp_path / "t.json", doc))]
    assert row["properties"] == {"adminUserEnabled": True}
    assert row["sku"] == {"name": "Basic"}


def test_unresolved_values_become_unknown_with_the_expression(tmp_path: Path) -> None:
    doc = template(
        [
            {
                "type": ACR,
                "name": "u",
                "sku": {"name": "Basic"},
                "properties": {"adminUserEnabled": "[parameters('admin')]", "x": "[reference('y').z]"},
            }
        ],
        parameters={"admin": {"type": "bool"}},
    )
    props = read(write(tmp_path / "t.json", doc))[0].row["properties"]
    assert props["adminUserEnabled"] == Unknown(
        "[parameters('admin')] could not be resolved: "
        "parameter 'admin' has no value (no defaultValue and no parameters file)"
    )
    assert isinstance(props["x"], Unknown) and "only known after deployment" in props["x"].reason


# --------------------------------------------------------------------------- lines and suppressions


def test_resource_and_property_lines() -> None:
    path = ARM / "private-link.json"
    resources = by_name(read(path, root=ROOT))
    premium = resources["contosopremacr"]
    start = line_of(path, '"type": "Microsoft.ContainerRegistry/registries"')
    assert premium.line == start - 1  # the "{" that opens the resource
    assert premium.property_lines["properties.publicNetworkAccess"] == line_of(path, '"publicNetworkAccess"')
    assert premium.property_lines["properties.policies.exportPolicy.status"] == line_of(path, '"exportPolicy"')
    assert premium.property_lines["sku.name"] == line_of(path, '"Premium"')
    assert "properties.encryption" not in premium.property_lines
    assert "properties.publicNetworkAccess" in set(premium.property_lines)
    endpoints = [r for r in resources.values() if r.row["type"] == "Microsoft.Network/privateEndpoints"]
    assert {e.line for e in endpoints} == {line_of(path, '"copy"') - 1}  # both copies: the same declaration


def test_inline_suppressions() -> None:
    [registry] = read(ARM / "suppressed.json", root=ROOT)
    assert [(s.rule_id, s.reason) for s in registry.suppressions] == [
        ("ACR-001", "break-glass registry for the on-call team, reviewed 2026-10"),
        ("ACR-044", "diagnostics are configured by the platform team's policy"),
    ]
    assert registry.suppressions[0].line == line_of(ARM / "suppressed.json", "acr-scan:ignore")


@pytest.mark.parametrize("entry", [["ACR-001"], [{"rule": "ACR-001"}], {"ACR-001": ""}])
def test_a_suppression_needs_a_reason(tmp_path: Path, entry: Any) -> None:
    doc = template([{"type": ACR, "name": "r", "sku": {"name": "Basic"}, "metadata": {"acr-scan:ignore": entry}}])
    with pytest.raises(InputError, match=r"t\.json:\d+: acr-scan:ignore ACR-001 needs a reason"):
        read(write(tmp_path / "t.json", doc))


# --------------------------------------------------------------------------- malformed input


def test_malformed_json_is_one_line_with_position(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.json", '{\n  "resources": [\n    {"type": "x",,}\n  ]\n}\n')
    with pytest.raises(InputError) as err:
        read(bad)
    assert str(err.value).startswith(f"{bad}:3:")
    assert "\n" not in str(err.value)


def test_comments_and_bom_are_accepted(tmp_path: Path) -> None:
    resource = json.dumps({"type": ACR, "name": "c", "sku": {"name": "Basic"}})
    text = (
        '\ufeff{\n  // a comment\n  "$schema": "https://x/deploymentTemplate.json#", /* block */\n'
        f'  "resources": [{resource}]\n}}\n'
    )
    [resource] = read(write(tmp_path / "c.json", text))
    assert resource.line == 4


def test_invalid_expression_names_the_line(tmp_path: Path) -> None:
    doc = template(
        [{"type": ACR, "name": "r", "sku": {"name": "Basic"}, "properties": {"adminUserEnabled": "[concat('a']"}}]
    )
    path = write(tmp_path / "t.json", doc)
    with pytest.raises(InputError) as err:
        read(path)
    assert str(err.value).startswith(f"t.json:{line_of(path, 'concat')}: invalid template expression")


def test_duplicate_keys_fall_back_to_the_slow_parser() -> None:
    doc = load_json("d.json", b'{"a": 1,\n "a": {"b": 2},\n "c": [{"d": 3}]}')
    assert doc.data == {"a": {"b": 2}, "c": [{"d": 3}]}
    assert doc.key_line(doc.data["c"][0], "d") == 3
    assert doc.key_line(doc.data, "a") == 2


def test_same_id_declared_differently_in_two_files_keeps_both(tmp_path: Path) -> None:
    for name, admin in (("a", True), ("b", False)):
        resource = {"type": ACR, "name": "same", "sku": {"name": "Basic"}, "properties": {"adminUserEnabled": admin}}
        write(tmp_path / f"{name}.json", template([resource]))
    zone = {"type": "Microsoft.Network/privateDnsZones", "name": "privatelink.azurecr.io", "location": "global"}
    write(tmp_path / "c.json", template([zone]))
    write(tmp_path / "d.json", template([zone]))  # the same declaration twice: one zone
    data = IacSource([tmp_path], tmp_path, collected_at="2026-01-01T00:00:00Z").load().data
    ids = [r["id"] for r in data["resourceGraph"]["registries"]]
    assert ids == [f"{RG}/providers/{ACR}/same", f"{RG}/providers/{ACR}/same#2"]
    assert len(data["resourceGraph"]["privateDnsZones"]) == 1
