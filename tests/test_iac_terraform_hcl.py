"""The Terraform ``.tf`` reader: rows in the live shape, references, variables, lines, suppressions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import ExitCode, InputError
from scanner.sources.declarations import IacResource, InlineSuppression
from scanner.sources.iac.terraform.module import read_tf
from scanner.unknown import Unknown

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "fixtures" / "iac" / "terraform" / "features"
EQUIVALENCE = ROOT / "fixtures" / "iac" / "equivalence" / "terraform"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = f"{SUB}/resourceGroups/rg-prod-acr"
MAIN_ID = f"{RG}/providers/Microsoft.ContainerRegistry/registries/acrprodmain"


def by_address(resources: list[IacResource], arm_type: str | None = None) -> dict[str, IacResource]:
    out = {}
    for res in resources:
        if arm_type is None or str(res.row["type"]).lower() == arm_type.lower():
            assert res.address is not None
            out.setdefault(res.address, res)
    return out


def module(tmp_path: Path, text: str, **extra: str) -> list[IacResource]:
    (tmp_path / "main.tf").write_text(text)
    for name, content in extra.items():
        (tmp_path / name.replace("__", ".")).write_text(content)
    return read_tf([tmp_path], tmp_path)


def registry(tmp_path: Path, body: str, prelude: str = "", **extra: str) -> Mapping[str, Any]:
    text = prelude + '\nresource "azurerm_container_registry" "r" {\n  name = "acr1"\n  ' + body + "\n}\n"
    rows = [r for r in module(tmp_path, text, **extra) if r.row["type"] == "Microsoft.ContainerRegistry/registries"]
    assert len(rows) == 1
    return rows[0].row


@pytest.fixture(scope="module")
def features() -> list[IacResource]:
    return read_tf([FEATURES], ROOT)


# --------------------------------------------------------------------------- registry attributes


def test_registry_row_has_the_live_shape(features: list[IacResource]) -> None:
    res = by_address(features, "Microsoft.ContainerRegistry/registries")["azurerm_container_registry.main"]
    row = res.row
    assert row["id"] == MAIN_ID
    assert row["name"] == "acrprodmain"
    assert row["location"] == "westeurope"  # "West Europe" normalized as ARM returns it
    assert row["sku"] == {"name": "Premium", "tier": "Premium"}  # z.auto.tfvars wins over terraform.tfvars
    assert row["tags"] == {"env": "prod", "owner": "platform", "tier": "premium"}
    props = row["properties"]
    assert props["adminUserEnabled"] is False
    assert props["publicNetworkAccess"] == "Disabled"  # env == "prod" from terraform.tfvars
    assert props["networkRuleSet"] == {
        "defaultAction": "Deny",
        "ipRules": [
            {"action": "Allow", "value": "203.0.113.0/24"},
            {"action": "Allow", "value": "198.51.100.7/32"},
        ],
    }
    assert props["networkRuleBypassOptions"] == "None"
    assert props["dataEndpointEnabled"] is True  # local.premium
    assert props["policies"]["quarantinePolicy"] == {"status": "enabled"}
    assert props["policies"]["trustPolicy"] == {"type": "Notary", "status": "disabled"}
    assert props["policies"]["exportPolicy"] == {"status": "enabled"}
    assert props["policies"]["retentionPolicy"] == {"status": "disabled"}
    assert props["encryption"]["status"] == "enabled"
    assert isinstance(props["encryption"]["keyVaultProperties"]["keyIdentifier"], Unknown)
    assert "azurerm_key_vault_key.cmk.id" in props["encryption"]["keyVaultProperties"]["keyIdentifier"].reason
    identity_id = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr-cmk"
    assert row["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}}
    assert props["loginServer"] == "acrprodmain.azurecr.io"


def test_registry_defaults_follow_the_provider(tmp_path: Path) -> None:
    row = registry(tmp_path, 'sku = "Standard"\n  location = "eastus"\n  resource_group_name = "rg"')
    props = row["properties"]
    assert row["id"] == f"{SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1"
    assert props["adminUserEnabled"] is False
    assert props["publicNetworkAccess"] == "Enabled"
    assert props["anonymousPullEnabled"] is False
    assert props["dataEndpointEnabled"] is False
    assert props["zoneRedundancy"] == "Disabled"
    assert props["networkRuleSet"] == {"defaultAction": "Allow", "ipRules": []}
    assert props["networkRuleBypassOptions"] == "AzureServices"
    assert props["networkRuleBypassAllowedForTasks"] is False
    assert props["policies"]["exportPolicy"] == {"status": "enabled"}
    assert props["encryption"] == {"status": "disabled"}


@pytest.mark.parametrize(
    ("body", "path", "expected"),
    [
        ("admin_enabled = true", ("adminUserEnabled",), True),
        ('admin_enabled = "true"', ("adminUserEnabled",), True),
        ("public_network_access_enabled = false", ("publicNetworkAccess",), "Disabled"),
        ('public_network_access_enabled = "Disabled"', ("publicNetworkAccess",), "Disabled"),
        ("anonymous_pull_enabled = true", ("anonymousPullEnabled",), True),
        ("data_endpoint_enabled = true", ("dataEndpointEnabled",), True),
        ("zone_redundancy_enabled = true", ("zoneRedundancy",), "Enabled"),
        ("quarantine_policy_enabled = true", ("policies", "quarantinePolicy", "status"), "enabled"),
        ("trust_policy_enabled = true", ("policies", "trustPolicy", "status"), "enabled"),
        ("trust_policy {\n enabled = true\n }", ("policies", "trustPolicy", "status"), "enabled"),
        ("retention_policy_in_days = 14", ("policies", "retentionPolicy"), {"days": 14, "status": "enabled"}),
        ("retention_policy_in_days = 0", ("policies", "retentionPolicy"), {"status": "disabled"}),
        (
            "retention_policy {\n days = 3\n enabled = true\n }",
            ("policies", "retentionPolicy"),
            {"days": 3, "status": "enabled"},
        ),
        ("retention_policy {\n enabled = false\n }", ("policies", "retentionPolicy", "status"), "disabled"),
        ("export_policy_enabled = false", ("policies", "exportPolicy", "status"), "disabled"),
        ('network_rule_bypass_option = "None"', ("networkRuleBypassOptions",), "None"),
        ("network_rule_bypass_for_tasks_enabled = true", ("networkRuleBypassAllowedForTasks",), True),
        (
            'network_rule_set = [{ default_action = "Deny",\n'
            '  ip_rule = [{ action = "Allow", ip_range = "10.0.0.0/8" }] }]',
            ("networkRuleSet",),
            {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "10.0.0.0/8"}]},
        ),
        (
            'network_rule_set {\n virtual_network {\n action = "Allow"\n subnet_id = "/s/1"\n }\n }',
            ("networkRuleSet", "virtualNetworkRules"),
            [{"action": "Allow", "id": "/s/1"}],
        ),
        (
            'encryption {\n key_vault_key_id = "https://kv.vault.azure.net/keys/k"\n identity_client_id = "c"\n }',
            ("encryption",),
            {
                "status": "enabled",
                "keyVaultProperties": {"keyIdentifier": "https://kv.vault.azure.net/keys/k", "identity": "c"},
            },
        ),
        ("encryption {\n enabled = false\n }", ("encryption",), {"status": "disabled"}),
    ],
)
def test_registry_attribute_forms(tmp_path: Path, body: str, path: tuple[str, ...], expected: Any) -> None:
    value: Any = registry(tmp_path, 'sku = "Premium"\n  ' + body)["properties"]
    for key in path:
        value = value[key]
    assert value == expected


def test_unresolvable_admin_flag_is_unknown_with_the_expression(tmp_path: Path) -> None:
    row = registry(tmp_path, 'sku = "Basic"\n  admin_enabled = var.admin', prelude='variable "admin" {}')
    value = row["properties"]["adminUserEnabled"]
    assert isinstance(value, Unknown)
    assert "var.admin" in value.reason and "no default" in value.reason


def test_functions_and_data_sources_stay_unknown(tmp_path: Path) -> None:
    row = registry(
        tmp_path,
        'sku = "Premium"\n  admin_enabled = data.external.flag.result\n  anonymous_pull_enabled = timeadd("x", "1h")\n'
        "  public_network_access_enabled = module.net.public",
    )
    props = row["properties"]
    assert "data.external.flag.result" in props["anonymousPullEnabled"].reason or isinstance(
        props["anonymousPullEnabled"], Unknown
    )
    assert "timeadd" in props["anonymousPullEnabled"].reason
    assert "data.external.flag.result" in props["adminUserEnabled"].reason
    assert "module.net.public" in props["publicNetworkAccess"].reason


def test_missing_or_malformed_sku_is_unknown(tmp_path: Path) -> None:
    assert isinstance(registry(tmp_path, "")["sku"]["name"], Unknown)
    assert "is not a SKU name" in registry(tmp_path, "sku = []")["sku"]["name"].reason


def test_georeplications_become_replication_rows(features: list[IacResource]) -> None:
    replications = [r for r in features if r.row["type"] == "Microsoft.ContainerRegistry/registries/replications"]
    assert [r.row["id"] for r in replications] == [f"{MAIN_ID}/replications/northeurope"]
    row = replications[0].row
    assert row["location"] == "northeurope"
    assert row["properties"] == {"regionEndpointEnabled": True, "zoneRedundancy": "Enabled"}


def test_unresolvable_dynamic_georeplications_mark_the_registry(tmp_path: Path) -> None:
    row = registry(
        tmp_path,
        'sku = "Premium"\n  dynamic "georeplications" {\n    for_each = var.replicas\n'
        "    content {\n      location = georeplications.value\n    }\n  }",
    )
    assert isinstance(row["replications"], Unknown)
    assert "var.replicas" in row["replications"].reason


def test_unresolvable_replications_make_replica_rules_unknown(tmp_path: Path) -> None:
    """The marker becomes a coverage gap scoped to that registry: ACR-024 is unknown, not a guessed pass."""
    from scanner.config import Config
    from scanner.results import Status
    from scanner.scan import prepare_rules, run_scan
    from scanner.sources.iac.source import IacSource

    dynamic = (
        '  dynamic "georeplications" {\n    for_each = var.replicas\n'
        "    content {\n      location = georeplications.value\n    }\n  }\n"
    )
    text = 'variable "replicas" {\n  type = list(string)\n}\n'
    for name, sku, geo in (("geostd", "Standard", True), ("geoprem", "Premium", True), ("plain", "Standard", False)):
        text += (
            f'resource "azurerm_container_registry" "{name}" {{\n  name = "{name}"\n  resource_group_name = "rg"\n'
            f'  location = "westeurope"\n  sku = "{sku}"\n{dynamic if geo else ""}}}\n'
        )
    (tmp_path / "main.tf").write_text(text)
    config = Config()
    rules, pack = prepare_rules(config, only=["ACR-024"])
    result = run_scan(IacSource([tmp_path], tmp_path, collected_at="2026-11-27T00:00:00Z"), rules, pack, config, None)
    found = {f.subject.name: f for f in result.findings}
    assert found["geostd"].status is Status.UNKNOWN  # replicas on Standard would fail, none would pass
    assert "var.replicas" in found["geostd"].message
    assert found["geoprem"].status is Status.PASS  # Premium allows any replicas: nothing to guess
    assert found["plain"].status is Status.PASS  # other registries keep their (empty) replica list
    assert sorted((e.source, e.affects, str(e.scope).rsplit("/", 1)[-1]) for e in result.coverage_errors) == [
        ("iac", ("replications",), "geoprem"),
        ("iac", ("replications",), "geostd"),
    ]


def test_dynamic_georeplications_resolve(tmp_path: Path) -> None:
    text = (
        'variable "replicas" {\n  default = ["East US", "North Europe"]\n}\n'
        'resource "azurerm_container_registry" "r" {\n  name = "acr1"\n  sku = "Premium"\n'
        '  dynamic "georeplications" {\n    for_each = var.replicas\n    iterator = geo\n'
        "    content {\n      location = geo.value\n    }\n  }\n}\n"
    )
    rows = module(tmp_path, text)
    assert sorted(r.row["name"] for r in rows if r.row["type"].endswith("/replications")) == ["eastus", "northeurope"]


# --------------------------------------------------------------------------- instances


def test_for_each_and_count_expand(features: list[IacResource]) -> None:
    registries = by_address(features, "Microsoft.ContainerRegistry/registries")
    assert registries['azurerm_container_registry.team["alpha"]'].row["properties"]["adminUserEnabled"] is False
    assert registries['azurerm_container_registry.team["beta"]'].row["properties"]["adminUserEnabled"] is True
    assert registries["azurerm_container_registry.scratch[1]"].row["name"] == "acrprodscratch1"
    assert not any(a.startswith("azurerm_container_registry.disabled") for a in registries)  # count = 0


def test_unknown_count_gives_one_instance_with_unknown_index(tmp_path: Path) -> None:
    rows = module(
        tmp_path,
        'resource "azurerm_container_registry" "r" {\n  count = var.n\n'
        '  name = "acr${count.index}"\n  sku = "Basic"\n}\n',
    )
    assert len(rows) == 1
    assert isinstance(rows[0].row["name"], Unknown)
    assert rows[0].row["id"].endswith("/registries/azurerm_container_registry.r")


def test_unknown_for_each_gives_one_instance(tmp_path: Path) -> None:
    rows = module(
        tmp_path,
        'resource "azurerm_container_registry" "r" {\n  for_each = var.m\n  name = each.key\n  sku = each.value\n}\n',
    )
    assert len(rows) == 1
    assert isinstance(rows[0].row["sku"]["name"], Unknown)


# --------------------------------------------------------------------------- references and relations


def test_private_endpoint_relates_to_the_registry(features: list[IacResource]) -> None:
    pe = by_address(features, "Microsoft.Network/privateEndpoints")["azurerm_private_endpoint.manual"].row
    conn = pe["properties"]["manualPrivateLinkServiceConnections"][0]
    assert conn["properties"]["privateLinkServiceId"] == MAIN_ID
    assert conn["properties"]["privateLinkServiceConnectionState"]["status"] == "Pending"
    assert pe["properties"]["privateLinkServiceConnections"] == []
    # a data source looked up by name gets the synthetic id of what it names
    assert pe["properties"]["subnet"]["id"] == (
        f"{SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe"
    )
    assert pe["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.1.2.10"


def test_equivalence_module_relations() -> None:
    rows = read_tf([EQUIVALENCE], ROOT)
    types: dict[str, list[Mapping[str, Any]]] = {}
    for res in rows:
        types.setdefault(str(res.row["type"]), []).append(res.row)
    premium = next(r for r in types["Microsoft.ContainerRegistry/registries"] if r["name"] == "acrequivprem")
    pe = types["Microsoft.Network/privateEndpoints"][0]
    conn = pe["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert conn["privateLinkServiceId"] == premium["id"]
    assert conn["privateLinkServiceConnectionState"]["status"] == "Approved"
    vnet = pe["properties"]["subnet"]["id"].rsplit("/subnets/", 1)[0]
    link = types["Microsoft.Network/privateDnsZones/virtualNetworkLinks"][0]
    assert link["properties"]["virtualNetwork"]["id"] == vnet
    assert link["properties"]["virtualNetworkLinkState"] == "Completed"
    zone = types["Microsoft.Network/privateDnsZones"][0]
    assert link["id"].lower().startswith(zone["id"].lower() + "/virtualnetworklinks/")
    group = types["Microsoft.Network/privateEndpoints/privateDnsZoneGroups"][0]
    assert group["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"] == zone["id"]
    assignment = types["Microsoft.Authorization/roleAssignments"][0]
    assert assignment["properties"]["scope"] == premium["id"]
    assert assignment["properties"]["roleDefinitionId"].endswith("/7f951dda-4ed3-4680-a7ca-43fe172d538d")
    assert assignment["properties"]["principalId"] == "8c2f4b1a-6d3e-4f70-9a15-3b7e9d0c2a64"  # terraform.tfvars


def test_children_of_the_registry(features: list[IacResource]) -> None:
    token = by_address(features, "Microsoft.ContainerRegistry/registries/tokens")["azurerm_container_registry_token.ci"]
    assert token.row["id"] == f"{MAIN_ID}/tokens/ci"
    assert token.row["properties"]["scopeMapId"] == f"{MAIN_ID}/scopeMaps/pull-app"
    assert token.row["properties"]["status"] == "enabled"
    assert token.row["properties"]["credentials"]["passwords"] == [
        {"name": "password1", "expiry": "2027-01-31T00:00:00Z"}
    ]
    scope_map = by_address(features, "Microsoft.ContainerRegistry/registries/scopeMaps")
    assert scope_map["azurerm_container_registry_scope_map.pull"].row["properties"]["actions"] == [
        "repositories/app/content/read",
        "repositories/app/metadata/read",
    ]
    hook = by_address(features, "Microsoft.ContainerRegistry/registries/webhooks")[
        "azurerm_container_registry_webhook.deploy"
    ]
    assert hook.row["id"] == f"{MAIN_ID}/webhooks/deploy"
    assert hook.row["properties"] == {"status": "enabled", "scope": "app:*", "actions": ["push"]}
    record = by_address(features, "Microsoft.Network/privateDnsZones/A")["azurerm_private_dns_a_record.registry"].row
    assert record["id"].endswith("/privateDnsZones/privatelink.azurecr.io/A/acrprodmain")
    assert record["properties"]["aRecords"] == [{"ipv4Address": "10.1.2.10"}]


def test_role_assignments(features: list[IacResource]) -> None:
    assignments = by_address(features, "Microsoft.Authorization/roleAssignments")
    push = assignments["azurerm_role_assignment.push"].row
    assert push["properties"]["scope"] == MAIN_ID
    assert push["id"].startswith(MAIN_ID + "/providers/Microsoft.Authorization/roleAssignments/")
    assert push["properties"]["roleDefinitionId"].endswith("/8311e382-0749-4cb8-b61a-304f252e45ec")  # AcrPush
    assert push["properties"]["principalType"] == "ServicePrincipal"  # a user-assigned identity
    assert isinstance(push["properties"]["principalId"], Unknown)
    owner = assignments["azurerm_role_assignment.owner_sub"].row
    assert owner["properties"]["roleDefinitionId"].endswith("/8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    assert owner["id"].startswith("/subscriptions/11111111-1111-1111-1111-111111111111/providers/")
    custom = assignments["azurerm_role_assignment.custom"].row["properties"]
    assert "Registry Janitor" in custom["roleDefinitionId"].reason
    assert isinstance(custom["principalType"], Unknown)
    # the generated assignment name is stable across runs
    again = by_address(read_tf([FEATURES], ROOT), "Microsoft.Authorization/roleAssignments")
    assert again["azurerm_role_assignment.push"].row["name"] == push["name"]


def test_diagnostic_setting(features: list[IacResource]) -> None:
    diag = by_address(features, "Microsoft.Insights/diagnosticSettings")["azurerm_monitor_diagnostic_setting.main"].row
    assert diag["id"] == f"{MAIN_ID}/providers/Microsoft.Insights/diagnosticSettings/acr-audit"
    assert diag["properties"]["logs"] == [{"category": None, "categoryGroup": "audit", "enabled": True}]
    assert diag["properties"]["workspaceId"].endswith("/workspaces/law")


def test_azapi_object_and_jsonencode_bodies(features: list[IacResource]) -> None:
    rows = by_address(features, "Microsoft.ContainerRegistry/registries")
    obj = rows["azapi_resource.object_body"].row
    assert obj["id"] == f"{RG}/providers/Microsoft.ContainerRegistry/registries/acrprodazapi"
    assert obj["sku"] == {"name": "Premium"}
    assert obj["properties"]["publicNetworkAccess"] == "Disabled"
    assert obj["properties"]["anonymousPullEnabled"] is False
    encoded = rows["azapi_resource.json_body"].row
    assert encoded["properties"]["adminUserEnabled"] is True
    assert encoded["location"] == "westeurope"
    assert not any(r.address == "azapi_resource.not_acr" for r in features)


def test_azapi_body_with_unknown_inside_jsonencode(tmp_path: Path) -> None:
    rows = module(
        tmp_path,
        'resource "azapi_resource" "r" {\n  type = "Microsoft.ContainerRegistry/registries@2025-04-01"\n'
        '  name = "acr1"\n  parent_id = "/subscriptions/s/resourceGroups/g"\n  location = "eastus"\n'
        '  body = jsonencode({ sku = { name = "Basic" }, properties = { adminUserEnabled = var.x } })\n}\n',
    )
    row = rows[0].row
    assert row["id"] == "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/acr1"
    assert isinstance(row["properties"]["adminUserEnabled"], Unknown)


# --------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"${var.p}-x"', "pre-x"),
        ('upper("${var.p}")', "PRE"),
        ('format("%s-%03d", var.p, 7)', "pre-007"),
        ('join(",", ["a", "b"])', "a,b"),
        ('lookup({ a = "1" }, "b", "dflt")', "dflt"),
        ('coalesce("", var.p)', "pre"),
        ('replace("a-b-c", "-", "")', "abc"),
        ('substr("abcdef", 1, 3)', "bcd"),
        ('try(var.missing, "fallback")', "fallback"),
        ('element(["x", "y"], 3)', "y"),
        ('length([1, 2, 3]) > 2 ? "big" : "small"', "big"),
        ('!false && (1 + 2 * 3 == 7) ? "ok" : "no"', "ok"),
        ('[for s in ["a", "b"] : upper(s) if s != "b"][0]', "A"),
        ('{ for k, v in { a = 1 } : k => v * 2 }["a"] == 2 ? "yes" : "no"', "yes"),
        ("local.m.inner[1]", "q"),
        ('"$${literal}"', "${literal}"),
        ('"tab\\there"', "tab\there"),
        ("trimspace(<<-EOT\n    hello\n  EOT\n)", "hello"),
        ('jsondecode("{\\"a\\": \\"b\\"}").a', "b"),
        ("keys({ b = 1, a = 2 })[0]", "a"),
        ('var.p == "pre" || var.missing ? "short" : "no"', "short"),
        ('one([for x in ["only"] : x])', "only"),
    ],
)
def test_expressions(tmp_path: Path, expr: str, expected: Any) -> None:
    prelude = 'variable "p" {\n  default = "pre"\n}\nvariable "missing" {}\nlocals {\n  m = { inner = ["p", "q"] }\n}\n'
    rows = module(
        tmp_path,
        prelude + 'resource "azurerm_container_registry_webhook" "w" {\n  name = "w"\n  registry_name = "r"\n'
        f"  scope = {expr}\n}}\n",
    )
    assert rows[0].row["properties"]["scope"] == expected


def test_explicit_var_files_win(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "admin" {\n  default = false\n}\n'
        'resource "azurerm_container_registry" "r" {\n  name = "acr1"\n  sku = "Basic"\n'
        "  admin_enabled = var.admin\n}\n"
    )
    (tmp_path / "terraform.tfvars").write_text("admin = false\n")
    (tmp_path / "a.auto.tfvars.json").write_text('{"admin": false}')
    extra = tmp_path / "prod.tfvars"
    extra.write_text("admin = true\n")
    assert read_tf([tmp_path], tmp_path)[0].row["properties"]["adminUserEnabled"] is False
    assert read_tf([tmp_path], tmp_path, var_files=[extra])[0].row["properties"]["adminUserEnabled"] is True


def test_files_are_grouped_by_directory(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text('locals {\n  n = "acrfromlocal"\n}\n')
    (tmp_path / "b.tf").write_text(
        'resource "azurerm_container_registry" "r" {\n  name = local.n\n  sku = "Basic"\n}\n'
    )
    rows = read_tf([tmp_path / "a.tf", tmp_path / "b.tf"], tmp_path)
    assert rows[0].row["name"] == "acrfromlocal"
    assert rows[0].file == "b.tf"


def test_duplicate_names_stay_separate_subjects(tmp_path: Path) -> None:
    text = "".join(
        f'resource "azurerm_container_registry" "{n}" {{\n  name = "same"\n  sku = "Basic"\n}}\n' for n in ("a", "b")
    )
    ids = [r.row["id"] for r in module(tmp_path, text)]
    assert len(set(ids)) == 2
    assert ids[1].endswith("/registries/same~azurerm_container_registry.b")


# --------------------------------------------------------------------------- locations and suppressions


def test_lines_point_at_the_resource_and_the_attribute(features: list[IacResource]) -> None:
    res = by_address(features, "Microsoft.ContainerRegistry/registries")["azurerm_container_registry.main"]
    lines = (FEATURES / "main.tf").read_text().splitlines()
    assert res.file == "fixtures/iac/terraform/features/main.tf"
    assert lines[res.line - 1].startswith('resource "azurerm_container_registry" "main"')
    assert "admin_enabled" in lines[res.property_lines["properties.adminUserEnabled"] - 1]
    assert "default_action" in lines[res.property_lines["properties.networkRuleSet.defaultAction"] - 1]
    assert "sku" in lines[res.property_lines["sku.name"] - 1]
    azapi = by_address(features)["azapi_resource.object_body"]
    assert "publicNetworkAccess" in lines[azapi.property_lines["properties.publicNetworkAccess"] - 1]


def test_suppressions_above_and_inside_the_block(features: list[IacResource]) -> None:
    res = by_address(features, "Microsoft.ContainerRegistry/registries")["azurerm_container_registry.main"]
    assert res.suppressions == (
        InlineSuppression("ACR-021", "public access is needed until the build agents move into the VNet", 9),
        InlineSuppression("ACR-001", "break-glass account for the legacy deployer", 15),
    )
    other = by_address(features, "Microsoft.ContainerRegistry/registries")['azurerm_container_registry.team["alpha"]']
    assert other.suppressions == ()


def test_suppression_forms(tmp_path: Path) -> None:
    rows = module(
        tmp_path,
        "// acr-scan:ignore ACR-001, acr-020: shared lab registry\n# unrelated comment\n"
        'resource "azurerm_container_registry" "r" {\n  name = "acr1"\n  sku = "Basic"\n'
        "  /* acr-scan:ignore ACR-041 — content trust kept until Notation lands */\n}\n",
    )
    assert [(s.rule_id, s.reason, s.line) for s in rows[0].suppressions] == [
        ("ACR-001", "shared lab registry", 1),
        ("ACR-020", "shared lab registry", 1),
        ("ACR-041", "content trust kept until Notation lands", 6),
    ]


def test_suppression_text_inside_a_string_or_prose_is_not_a_suppression(tmp_path: Path) -> None:
    rows = module(
        tmp_path,
        "# Findings can be silenced with acr-scan:ignore ACR-001 and a reason.\n\n"
        'resource "azurerm_container_registry" "r" {\n  name = "acr1"\n  sku = "Basic"\n'
        '  tags = { note = "# acr-scan:ignore ACR-001" }\n}\n',
    )
    assert rows[0].suppressions == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'resource "azurerm_container_registry" "r" {\n  admin_enabled = true # acr-scan:ignore ACR-001\n}\n',
            "main.tf:2: acr-scan:ignore ACR-001 has no reason",
        ),
        (
            '# acr-scan:ignore because\nresource "azurerm_container_registry" "r" {\n}\n',
            "main.tf:1: acr-scan:ignore needs a rule id",
        ),
        (
            '# acr-scan:ignore ACR-001 not above a resource\n\nresource "azurerm_container_registry" "r" {\n}\n',
            "main.tf:1: acr-scan:ignore is not attached to a resource",
        ),
    ],
)
def test_bad_suppressions_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        module(tmp_path, text)
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('resource "azurerm_container_registry" "r" {\n  name = \n}\n', "main.tf:2:"),
        ('resource "azurerm_container_registry" "r" {\n  name = "x"\n', "main.tf:3:"),
        ('resource "a" "b" {\n  x = "unterminated\n}\n', "main.tf:"),
        ('resource "a" "b" {\n  x = 1 +\n}\n', "main.tf:"),
    ],
)
def test_malformed_hcl_is_one_line_with_a_position(tmp_path: Path, text: str, position: str) -> None:
    with pytest.raises(InputError) as caught:
        module(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(position)
    assert "malformed HCL" in message
    assert "\n" not in message


def test_malformed_tfvars(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(InputError, match=r"^terraform\.tfvars:1:\d+: malformed HCL"):
        module(tmp_path / "a", 'resource "a" "b" {\n}\n', terraform__tfvars="x = = 1\n")
    with pytest.raises(InputError, match=r"^x\.auto\.tfvars\.json:1:\d+: malformed tfvars JSON"):
        module(tmp_path / "b", 'resource "a" "b" {\n}\n', x__auto__tfvars__json="{nope")


def test_terraform_json_syntax() -> None:
    folder = ROOT / "fixtures" / "iac" / "terraform" / "json"
    rows = by_address(read_tf([folder], ROOT), "Microsoft.ContainerRegistry/registries")
    res = rows["azurerm_container_registry.main"]
    assert res.file == "fixtures/iac/terraform/json/main.tf.json"
    assert res.row["name"] == "acrjsonmain"
    assert res.row["properties"]["adminUserEnabled"] is True
    assert res.row["tags"] == {"lit": "${not-interpolated}"}  # a variable default is a literal, not a template
    assert res.row["properties"]["networkRuleSet"]["ipRules"] == [{"action": "Allow", "value": "1.2.3.4/32"}]
    lines = (folder / "main.tf.json").read_text().splitlines()
    assert '"main"' in lines[res.line - 1]
    assert '"admin_enabled"' in lines[res.property_lines["properties.adminUserEnabled"] - 1]
    assert res.suppressions == (InlineSuppression("ACR-001", "the JSON form suppresses too", 10),)


def test_malformed_terraform_json(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n')
    with pytest.raises(InputError, match=r"^main\.tf\.json:3:1: malformed Terraform JSON"):
        read_tf([tmp_path], tmp_path)


def test_tfvars_paths_are_not_module_sources(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "s" {}\nresource "azurerm_container_registry" "r" {\n  sku = var.s\n}\n'
    )
    (tmp_path / "terraform.tfvars").write_text('s = "Basic"\n')
    rows = read_tf([tmp_path / "main.tf", tmp_path / "terraform.tfvars"], tmp_path)
    assert [r.row["sku"]["name"] for r in rows] == ["Basic"]
