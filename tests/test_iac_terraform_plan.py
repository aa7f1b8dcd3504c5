"""The Terraform plan JSON reader: after/after_unknown, configuration references, modules, lines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import ExitCode, InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac.terraform.json_lines import fast_key_lines, key_lines
from scanner.sources.iac.terraform.module import read_tf
from scanner.sources.iac.terraform.plan import read_plan
from scanner.sources.iac.workloads import Workloads
from scanner.unknown import Unknown

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENCE = ROOT / "fixtures" / "iac" / "equivalence"
MODULES_PLAN = ROOT / "fixtures" / "iac" / "terraform" / "plans" / "modules.plan.json"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
MOD_REGISTRY = f"{SUB}/resourceGroups/rg-app/providers/Microsoft.ContainerRegistry/registries/acrmodapp"


def by_address(resources: list[IacResource]) -> dict[str, IacResource]:
    out: dict[str, IacResource] = {}
    for res in resources:
        assert res.address is not None
        out.setdefault(res.address, res)
    return out


def plan(
    tmp_path: Path, changes: list[dict[str, Any]], configuration: Mapping[str, Any] | None = None
) -> list[IacResource]:
    doc: dict[str, Any] = {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes}
    if configuration is not None:
        doc["configuration"] = configuration
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(doc, indent=2))
    return read_plan(path, tmp_path)


def change(
    address: str,
    tf_type: str,
    after: dict[str, Any],
    unknown: dict[str, Any] | None = None,
    actions: tuple[str, ...] = ("create",),
) -> dict[str, Any]:
    return {
        "address": address,
        "mode": "managed",
        "type": tf_type,
        "name": address.rsplit(".", 1)[-1],
        "change": {"actions": list(actions), "before": None, "after": after, "after_unknown": unknown or {}},
    }


@pytest.fixture(scope="module")
def modules() -> dict[str, IacResource]:
    return by_address(read_plan(MODULES_PLAN, ROOT))


def _settled(resources: list[IacResource]) -> dict[str, Any]:
    """Id → row as the IaC core hands it on: the workload identities' stand-ins resolved (each
    reader words an unresolved one differently: the plan names the attribute, source the reference)."""
    return {r.row["id"]: r.row for r in Workloads(resources).settle(resources)}


def test_equivalence_plan_and_source_give_the_same_rows() -> None:
    from_plan = _settled(read_plan(EQUIVALENCE / "plan.json", ROOT))
    from_source = _settled(read_tf([EQUIVALENCE / "terraform"], ROOT))
    assert sorted(from_plan) == sorted(from_source)
    for rid, row in from_plan.items():
        other = dict(from_source[rid])
        if row["type"] == "Microsoft.Network/privateDnsZones/virtualNetworkLinks":
            # resolutionPolicy is computed by the provider in the plan
            other["properties"] = {**other["properties"], "resolutionPolicy": "Default"}
        if row["type"] == "Microsoft.App/containerApps":
            # an image "${azurerm_container_registry.x.login_server}/..." is known only after apply in
            # a plan, which does not say the expression is a template around the reference
            planned = row["properties"]["template"]["containers"]
            assert all(isinstance(c["image"], Unknown) for c in planned)
            template = {
                "containers": [
                    {**c, "image": p["image"]}
                    for c, p in zip(other["properties"]["template"]["containers"], planned, strict=True)
                ]
            }
            other["properties"] = {**other["properties"], "template": template}
        assert row == other, rid


def test_module_addresses_and_actions(modules: dict[str, IacResource]) -> None:
    assert "module.acr.azurerm_container_registry.this[0]" in modules
    assert "azurerm_container_registry.replaced" in modules  # delete + create: exists after the apply
    assert "azurerm_container_registry.legacy" in modules  # no-op: still part of the deployment
    assert "azurerm_container_registry.gone" not in modules  # delete only
    assert not any(a.startswith("data.") for a in modules)
    assert modules["azurerm_container_registry.replaced"].row["sku"]["name"] == "Basic"  # the after value


def test_after_unknown_is_unknown_and_unconfigured_computed_attributes_take_defaults(
    modules: dict[str, IacResource],
) -> None:
    row = modules["module.acr.azurerm_container_registry.this[0]"].row
    admin = row["properties"]["adminUserEnabled"]
    assert isinstance(admin, Unknown)
    assert admin.reason == "module.acr.azurerm_container_registry.this[0].admin_enabled is known only after apply"
    # network_rule_set / encryption are unknown in the plan only because the provider computes them
    assert row["properties"]["networkRuleSet"] == {"defaultAction": "Allow", "ipRules": []}
    assert row["properties"]["encryption"] == {"status": "disabled"}
    assert row["id"] == MOD_REGISTRY


def test_known_ids_of_existing_resources_are_kept(modules: dict[str, IacResource]) -> None:
    row = modules["azurerm_container_registry.legacy"].row
    assert row["id"] == (
        "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-legacy"
        "/providers/Microsoft.ContainerRegistry/registries/acrlegacy"
    )
    assert row["properties"]["adminUserEnabled"] is True


def test_references_resolve_through_configuration(modules: dict[str, IacResource]) -> None:
    pe = modules["module.acr.azurerm_private_endpoint.this"].row
    conn = pe["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert conn["privateLinkServiceId"] == MOD_REGISTRY  # azurerm_container_registry.this[0].id inside the module
    # var.subnet_id → the module call's argument → azurerm_subnet.pe.id in the root module
    assert pe["properties"]["subnet"]["id"] == (
        f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-pe"
    )
    assignment = modules["azurerm_role_assignment.pull"].row
    assert assignment["properties"]["scope"] == MOD_REGISTRY  # module.acr.registry_id (a module output)
    assert assignment["id"].startswith(MOD_REGISTRY + "/providers/Microsoft.Authorization/roleAssignments/")
    assert assignment["properties"]["principalType"] == "ServicePrincipal"  # principal_id is an identity's
    assert isinstance(assignment["properties"]["principalId"], Unknown)
    diag = modules["azurerm_monitor_diagnostic_setting.acr"].row
    assert diag["id"] == f"{MOD_REGISTRY}/providers/Microsoft.Insights/diagnosticSettings/acr-logins"
    assert diag["properties"]["logs"] == [
        {"category": "ContainerRegistryLoginEvents", "categoryGroup": None, "enabled": True}
    ]


def test_unresolvable_reference_stays_unknown(tmp_path: Path) -> None:
    rows = plan(
        tmp_path,
        [
            change(
                "azurerm_private_endpoint.pe",
                "azurerm_private_endpoint",
                {
                    "name": "pe",
                    "resource_group_name": "rg",
                    "location": "eastus",
                    "private_service_connection": [{"name": "c", "is_manual_connection": False}],
                },
                {"subnet_id": True, "private_service_connection": [{"private_connection_resource_id": True}]},
            )
        ],
        {
            "root_module": {
                "resources": [
                    {
                        "address": "azurerm_private_endpoint.pe",
                        "mode": "managed",
                        "expressions": {
                            "subnet_id": {"references": ["data.azurerm_subnet.x.id", "data.azurerm_subnet.x"]},
                            "private_service_connection": [
                                {"private_connection_resource_id": {"references": ["var.registry_id"]}}
                            ],
                        },
                    }
                ]
            }
        },
    )
    props = rows[0].row["properties"]
    assert isinstance(props["subnet"]["id"], Unknown)
    assert isinstance(props["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"], Unknown)


def test_without_configuration_unknowns_stay_unknown(tmp_path: Path) -> None:
    rows = plan(
        tmp_path,
        [
            change(
                "azurerm_container_registry.r",
                "azurerm_container_registry",
                {"name": "acr1", "sku": "Premium", "resource_group_name": "rg", "location": "eastus"},
                {"network_rule_set": True, "public_network_access_enabled": True},
            )
        ],
    )
    props = rows[0].row["properties"]
    assert isinstance(props["networkRuleSet"], Unknown)
    assert isinstance(props["publicNetworkAccess"], Unknown)


def test_lines_point_into_the_plan(modules: dict[str, IacResource]) -> None:
    lines = MODULES_PLAN.read_text().splitlines()
    res = modules["module.acr.azurerm_container_registry.this[0]"]
    assert res.file == "fixtures/iac/terraform/plans/modules.plan.json"
    assert lines[res.line - 1].strip() == '"address": "module.acr.azurerm_container_registry.this[0]",'
    assert lines[res.property_lines["sku.name"] - 1].strip().startswith('"sku": "Premium"')
    assert res.suppressions == ()


def test_key_lines() -> None:
    text = (
        '{\n  "a": 1,\n  "resource_changes": [\n    {"x": "y\\"}"},\n'
        '    {\n      "z": [true, {"k": null}]\n    }\n  ]\n}'
    )
    lines = key_lines(text)
    assert lines[("a",)] == 2
    assert lines[("resource_changes", 0)] == 4
    assert lines[("resource_changes", 0, "x")] == 4
    assert lines[("resource_changes", 1, "z")] == 6
    assert lines[("resource_changes", 1, "z", 1, "k")] == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{\n  "format_version": "1.2",\n  "resource_changes": [\n    {"address": }\n  ]\n}',
            "tfplan.json:4:17: malformed plan JSON",
        ),
        ('{"format_version": "1.2", "resource_changes": [', "tfplan.json:1:48: malformed plan JSON"),
        ("[]", "tfplan.json:1:1: not a Terraform plan"),
        ('{\n "format_version": "1.2",\n "resource_changes": {}\n}', "tfplan.json:3:1: resource_changes is not a list"),
        (
            '{\n "format_version": "1.2",\n "resource_changes": [\n  {"address": "a.b"}\n ]\n}',
            "tfplan.json:4:1: resource_changes[0] lacks",
        ),
        (
            '{"format_version": "1.2", "resource_changes": '
            '[{"address": "a.b", "type": "a", "change": {"actions": "create"}}]}',
            "tfplan.json:1:1: a.b: change.actions is not a list",
        ),
    ],
)
def test_malformed_plans_are_one_line_input_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "tfplan.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_plan(path, tmp_path)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.USAGE


def test_fast_key_lines_agree_and_fall_back_on_duplicate_keys() -> None:
    text = (EQUIVALENCE / "plan.json").read_text()
    fast = fast_key_lines(text, json.loads(text))
    assert fast is not None
    slow = key_lines(text)
    assert all(slow[path] == line for path, line in fast.items())
    assert fast[("resource_changes", 3, "address")] == slow[("resource_changes", 3, "address")]
    duplicated = '{"format_version": "1.2", "a": 1, "a": 2, "resource_changes": []}'
    assert fast_key_lines(duplicated, json.loads(duplicated)) is None


def test_every_supported_type_from_a_plan(tmp_path: Path) -> None:
    registry = f"{SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1"
    rows = plan(
        tmp_path,
        [
            change(
                "azurerm_container_registry.r",
                "azurerm_container_registry",
                {
                    "name": "acr1",
                    "sku": "Premium",
                    "resource_group_name": "rg",
                    "location": "East US",
                    "admin_enabled": True,
                    "georeplications": [
                        {
                            "location": "westus",
                            "zone_redundancy_enabled": False,
                            "regional_endpoint_enabled": True,
                            "tags": {},
                        }
                    ],
                    "network_rule_set": [
                        {"default_action": "Deny", "ip_rule": [{"action": "Allow", "ip_range": "1.2.3.4/32"}]}
                    ],
                    "trust_policy": [{"enabled": True}],
                    "retention_policy": [{"days": 30, "enabled": True}],
                },
            ),
            change(
                "azurerm_container_registry_token.t",
                "azurerm_container_registry_token",
                {
                    "name": "t",
                    "container_registry_name": "acr1",
                    "resource_group_name": "rg",
                    "enabled": False,
                    "scope_map_id": registry + "/scopeMaps/_repositories_admin",
                },
            ),
            change(
                "azurerm_container_registry_scope_map.s",
                "azurerm_container_registry_scope_map",
                {
                    "name": "s",
                    "container_registry_name": "acr1",
                    "resource_group_name": "rg",
                    "actions": ["repositories/*/content/delete"],
                },
            ),
            change(
                "azurerm_container_registry_webhook.w",
                "azurerm_container_registry_webhook",
                {
                    "name": "w",
                    "registry_name": "acr1",
                    "resource_group_name": "rg",
                    "location": "eastus",
                    "actions": ["push"],
                    "status": "disabled",
                    "scope": "",
                },
            ),
            change(
                "azurerm_private_dns_zone.z",
                "azurerm_private_dns_zone",
                {"name": "privatelink.azurecr.io", "resource_group_name": "dns"},
            ),
            change(
                "azurerm_private_dns_a_record.a",
                "azurerm_private_dns_a_record",
                {"name": "acr1", "zone_name": "privatelink.azurecr.io", "resource_group_name": "dns", "ttl": 10},
                {"records": True},
            ),
            change(
                "azapi_resource.acr",
                "azapi_resource",
                {
                    "type": "Microsoft.ContainerRegistry/registries@2023-07-01",
                    "name": "acr2",
                    "location": "eastus",
                    "parent_id": f"{SUB}/resourceGroups/rg",
                    "body": {"sku": {"name": "Basic"}, "properties": {"adminUserEnabled": False}},
                },
            ),
            change(
                "azapi_resource.acr3",
                "azapi_resource",
                {
                    "type": "Microsoft.ContainerRegistry/registries@2021-09-01",
                    "name": "acr3",
                    "location": "eastus",
                    "parent_id": f"{SUB}/resourceGroups/rg",
                    "body": json.dumps(
                        {"sku": {"name": "Standard"}, "properties": {"publicNetworkAccess": "Disabled"}}
                    ),
                },
            ),
        ],
    )
    found = by_address(rows)
    registry_row = found["azurerm_container_registry.r"].row
    assert registry_row["location"] == "eastus"
    assert registry_row["properties"]["adminUserEnabled"] is True
    assert registry_row["properties"]["networkRuleSet"]["ipRules"] == [{"action": "Allow", "value": "1.2.3.4/32"}]
    assert registry_row["properties"]["policies"]["trustPolicy"]["status"] == "enabled"
    assert registry_row["properties"]["policies"]["retentionPolicy"] == {"days": 30, "status": "enabled"}
    replication = [r.row for r in rows if r.row["type"].endswith("/replications")]
    assert replication[0]["id"] == registry + "/replications/westus"
    assert found["azurerm_container_registry_token.t"].row["properties"]["status"] == "disabled"
    assert found["azurerm_container_registry_token.t"].row["id"] == registry + "/tokens/t"
    assert found["azurerm_container_registry_scope_map.s"].row["id"] == registry + "/scopeMaps/s"
    assert found["azurerm_container_registry_webhook.w"].row["properties"]["status"] == "disabled"
    assert isinstance(found["azurerm_private_dns_a_record.a"].row["properties"]["aRecords"], Unknown)
    assert found["azapi_resource.acr"].row["sku"] == {"name": "Basic"}
    assert found["azapi_resource.acr3"].row["properties"]["publicNetworkAccess"] == "Disabled"
    assert found["azapi_resource.acr3"].row["id"].endswith("/registries/acr3")


def test_replications_known_only_after_apply_make_acr_024_unknown(tmp_path: Path) -> None:
    from scanner.config import Config
    from scanner.scan import prepare_rules, run_scan
    from scanner.sources.iac.source import IacSource

    after = {"name": "acrgeo", "sku": "Standard", "location": "westeurope", "resource_group_name": "rg"}
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            change("azurerm_container_registry.geo", "azurerm_container_registry", after, {"georeplications": True})
        ],
    }
    (tmp_path / "tfplan.json").write_text(json.dumps(doc))
    config = Config()
    rules, pack = prepare_rules(config, only=["ACR-024"])
    result = run_scan(IacSource([tmp_path], tmp_path, collected_at="2026-11-27T00:00:00Z"), rules, pack, config, None)
    [finding] = result.findings
    assert finding.status.value == "unknown"
    assert "georeplications is known only after apply" in finding.message


def test_equivalence_plan_and_source_give_the_same_findings() -> None:
    source_module = pytest.importorskip("scanner.sources.iac.source")
    from scanner.config import Config
    from scanner.scan import prepare_rules, run_scan

    config = Config()
    rules, pack = prepare_rules(config)

    def verdicts(path: Path) -> set[tuple[str, str, str]]:
        source = source_module.IacSource([path], repo_root=ROOT, collected_at="2026-11-27T00:00:00Z")
        return {
            (f.rule_id, f.subject.name, f.status.value) for f in run_scan(source, rules, pack, config, None).findings
        }

    from_plan = verdicts(EQUIVALENCE / "plan.json")
    assert from_plan == verdicts(EQUIVALENCE / "terraform")
    assert ("ACR-001", "acrequivstd", "fail") in from_plan
    assert ("ACR-023", "acrequivprem", "pass") in from_plan
    assert ("ACR-027", "pe-acrequivprem", "pass") in from_plan  # the zone is linked to the endpoint's VNet
    assert ("ACR-013", "AcrPull → 8c2f4b1a-6d3e-4f70-9a15-3b7e9d0c2a64", "pass") in from_plan
