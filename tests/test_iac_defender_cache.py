"""Issue 14's declarable data in IaC: Defender plans (ACR-060, and ACR-031 through them), the
artifact cache (ACR-062) and connected registries (ACR-063), from ARM/Bicep JSON, Terraform
source and a Terraform plan, with the verdicts a deployed registry gets; what no file can
declare (assessments, a credential's health, an undeclared subscription's plan) is
``not_applicable`` with the live-only reason, never a guess (docs/iac.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.config import Config
from scanner.results import Finding
from scanner.scan import prepare_rules, run_scan
from scanner.sources.iac.source import IacSource
from tests.hostile import assert_contract, run_in_process

ROOT = Path(__file__).resolve().parent.parent
ARM = ROOT / "fixtures" / "iac" / "arm" / "defender-cache.json"
TF = ROOT / "fixtures" / "iac" / "terraform" / "defender-cache"
NOW = "2026-11-27T00:00:00Z"
RULES = ("ACR-031", "ACR-060", "ACR-061", "ACR-062", "ACR-063")
LIVE_ONLY = "before deployment"
# The fixtures' verdicts: the same registries give the same verdicts from ARM and Terraform.
EXPECTED = {
    ("ACR-060", "acrcachegood"): "pass",  # the subscription's Containers plan scans registries
    ("ACR-060", "acrcachebad"): "pass",
    ("ACR-061", "acrcachegood"): "not_applicable",  # assessments exist only once deployed
    ("ACR-061", "acrcachebad"): "not_applicable",
    ("ACR-062", "acrcachegood"): "not_applicable",  # authenticated; the credential's health is live-only
    ("ACR-062", "acrcachebad"): "fail",  # docker.io without a credential set
    ("ACR-063", "acrcachegood"): "pass",  # audit log on, its sync token declared and enabled
    ("ACR-063", "acrcachebad"): "fail",  # audit log left out: Disabled, as Azure and azurerm default it
    ("ACR-031", "acrcachegood"): "not_applicable",  # public: not network-restricted
    ("ACR-031", "acrcachebad"): "not_applicable",
}


def _scan(*paths: Path) -> dict[tuple[str, str], Finding]:
    config = Config()
    rules, pack = prepare_rules(config)
    root = paths[0].parent
    result = run_scan(IacSource(list(paths), root, collected_at=NOW), rules, pack, config, None)
    return {(f.rule_id, f.subject.name): f for f in result.findings if f.rule_id in RULES}


def _template(tmp_path: Path, doc: dict[str, Any], name: str = "main.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=1))
    return path


def _arm() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(ARM.read_text())
    return doc


def _status(found: dict[tuple[str, str], Finding]) -> dict[tuple[str, str], str]:
    return {key: str(f.status) for key, f in found.items()}


# --------------------------------------------------------------------------- ARM / Bicep JSON


def test_arm_fixture_verdicts() -> None:
    found = _scan(ARM)
    status = _status(found)
    for key, expected in EXPECTED.items():
        assert status[key] == expected, (key, found[key].message)
    # A resource-level plan (scope: the registry) overrides the subscription's: Free, so off.
    assert status[("ACR-060", "acrplanoff")] == "fail"
    assert LIVE_ONLY in found[("ACR-062", "acrcachegood")].message
    assert "credential set's health" in found[("ACR-062", "acrcachegood")].message


def test_arm_pricing_without_scope_is_the_subscriptions() -> None:
    """Declared in a resource-group template, the plan still has the subscription's id (not the group's)."""
    from scanner.sources.iac.arm.reader import read_template

    rows = [r.row for r in read_template(ARM, ARM.parent) if r.row["type"] == "Microsoft.Security/pricings"]
    ids = sorted(r["id"] for r in rows)
    assert (
        ids[0] == "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Security/pricings/Containers"
    )
    assert ids[1].endswith("/registries/acrplanoff/providers/Microsoft.Security/pricings/Containers")


def test_subscription_template_with_nested_registry(tmp_path: Path) -> None:
    """Bicep's targetScope = 'subscription': the plan at the subscription, the registry in a resource group."""
    doc = _arm()
    pricing, registry = doc["resources"][0], doc["resources"][1]
    sub = {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": doc["parameters"],
        "resources": [
            pricing,
            {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": "registry",
                "resourceGroup": "rg-acr",
                "properties": {
                    "mode": "Incremental",
                    "expressionEvaluationOptions": {"scope": "inner"},  # resourceId() in the group
                    "parameters": {"vaultUri": {"value": "[parameters('vaultUri')]"}},
                    "template": {
                        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                        "contentVersion": "1.0.0.0",
                        "parameters": {"vaultUri": {"type": "string"}},
                        "resources": [registry],
                    },
                },
            },
        ],
    }
    status = _status(_scan(_template(tmp_path, sub)))
    assert status[("ACR-060", "acrcachegood")] == "pass"
    assert status[("ACR-062", "acrcachegood")] == "not_applicable"
    assert status[("ACR-063", "acrcachegood")] == "pass"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("extension off", "fail"),
        ("free", "fail"),
        ("legacy plan", "pass"),
        ("no plan", "not_applicable"),
        ("other plans only", "not_applicable"),
        ("no extensions", "unknown"),
    ],
)
def test_arm_declared_plan(tmp_path: Path, change: str, expected: str) -> None:
    doc = _arm()
    pricing = doc["resources"][0]
    if change == "extension off":
        pricing["properties"]["extensions"][0]["isEnabled"] = "False"
    elif change == "free":
        pricing["properties"] = {"pricingTier": "Free"}
    elif change == "legacy plan":  # the deprecated ContainerRegistry plan scans registries by itself
        pricing["name"] = "ContainerRegistry"
        pricing["properties"] = {"pricingTier": "Standard"}
    elif change == "no plan":
        doc["resources"].remove(pricing)
    elif change == "other plans only":
        pricing["name"] = "VirtualMachines"
    elif change == "no extensions":  # which extensions Azure enables by default is not taken for granted
        del pricing["properties"]["extensions"]
    found = _scan(_template(tmp_path, doc))
    finding = found[("ACR-060", "acrcachegood")]
    assert str(finding.status) == expected, finding.message
    if expected == "not_applicable":
        assert "not in these files" in finding.message


def test_arm_declared_credential_health_is_not_believed(tmp_path: Path) -> None:
    """credentialHealth is Azure's read-only answer: a template saying Healthy does not make it so."""
    doc = _arm()
    credential = doc["resources"][1]["resources"][0]["properties"]["authCredentials"][0]
    credential["credentialHealth"] = {"status": "Healthy"}
    assert str(_scan(_template(tmp_path, doc))[("ACR-062", "acrcachegood")].status) == "not_applicable"


def test_arm_restricted_registry_needs_trusted_services_when_scanned(tmp_path: Path) -> None:
    """ACR-031 now judges a declared plan: a private registry Defender scans must let trusted services in."""
    doc = _arm()
    doc["resources"][1]["properties"].update({"publicNetworkAccess": "Disabled", "networkRuleBypassOptions": "None"})
    assert str(_scan(_template(tmp_path, doc))[("ACR-031", "acrcachegood")].status) == "fail"


# --------------------------------------------------------------------------- Terraform


def test_terraform_source_verdicts() -> None:
    found = _scan(TF)
    status = _status(found)
    assert {key: status[key] for key in EXPECTED} == EXPECTED


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('tier          = "Standard"', 'tier          = "Free"', "fail"),
        ('name = "ContainerRegistriesVulnerabilityAssessments"', 'name = "AgentlessVmScanning"', "fail"),
        ('resource_type = "Containers"', 'resource_type = "VirtualMachines"', "not_applicable"),
        ('resource_type = "Containers"', 'resource_type = "ContainerRegistry"', "pass"),
        ('tier          = "Standard"', "tier          = var.nosuch", "unknown"),
    ],
)
def test_terraform_declared_plan(tmp_path: Path, old: str, new: str, expected: str) -> None:
    module = tmp_path / "module"
    module.mkdir()
    text = (TF / "main.tf").read_text()
    assert old in text
    (module / "main.tf").write_text(text.replace(old, new, 1))
    finding = _scan(module)[("ACR-060", "acrcachegood")]
    assert str(finding.status) == expected, finding.message


def _change(address: str, after: dict[str, Any], unknown: dict[str, Any] | None = None) -> dict[str, Any]:
    tf_type, name = address.split(".")
    return {
        "address": address,
        "mode": "managed",
        "type": tf_type,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/azurerm",
        "change": {
            "actions": ["create"],
            "before": None,
            "after": after,
            "after_unknown": {"id": True, **(unknown or {})},
        },
    }


def _plan() -> dict[str, Any]:
    """``terraform show -json`` of a cut-down fixture: every child names its registry by a reference."""
    refs = {
        "container_registry_id": {"references": ["azurerm_container_registry.bad.id", "azurerm_container_registry.bad"]}
    }
    registry = {"name": "acrcachebad", "resource_group_name": "rg-acr", "location": "westeurope", "sku": "Premium"}
    changes = [
        _change(
            "azurerm_security_center_subscription_pricing.containers",
            {
                "tier": "Standard",
                "resource_type": "Containers",
                "subplan": None,
                "extension": [
                    {"name": "ContainerRegistriesVulnerabilityAssessments", "additional_extension_properties": None}
                ],
            },
        ),
        _change("azurerm_container_registry.bad", {**registry, "data_endpoint_enabled": True}),
        _change(
            "azurerm_container_registry_cache_rule.redis",
            {
                "name": "redis",
                "source_repo": "docker.io/library/redis",
                "target_repo": "hub/redis",
                "credential_set_id": None,
            },
            {"container_registry_id": True},
        ),
        _change(
            "azurerm_container_connected_registry.bad_edge",
            {
                "name": "edge",
                "audit_log_enabled": False,
                "mode": "ReadWrite",
                "log_level": "None",
                "client_token_ids": None,
            },
            {"container_registry_id": True, "sync_token_id": True},
        ),
    ]
    resources = [
        {"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"], "expressions": refs}
        for c in changes[2:]
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": resources}},
    }


def test_terraform_plan_verdicts(tmp_path: Path) -> None:
    found = _scan(_template(tmp_path, _plan(), "plan.json"))
    status = _status(found)
    assert status[("ACR-060", "acrcachebad")] == "pass"
    assert status[("ACR-062", "acrcachebad")] == "fail"
    assert status[("ACR-063", "acrcachebad")] == "fail"
    assert "redis" in found[("ACR-062", "acrcachebad")].message


# --------------------------------------------------------------------------- hostile input


def _contract(target: Path, tmp: Path) -> int:
    report = tmp / "out.json"
    outcome = run_in_process(["scan", "--iac", str(target), "--format", "json", "-o", str(report), "--quiet"])
    assert_contract(outcome, time_limit=10.0)
    return outcome.code


_MALFORMED: list[tuple[str, Any]] = [
    ("pricing properties", "x"),
    ("pricing extensions", "notalist"),
    ("pricing extension", [7, None, {"name": 5, "isEnabled": {"a": 1}}]),
    ("pricing name", 12),
    ("credential set properties", [1, 2]),
    ("credentials", "x"),
    ("credential", [7, None, "s"]),
    ("cache rule properties", 3),
    ("connected registry logging", 7),
    ("connected registry parent", [None]),
]


@pytest.mark.parametrize(("what", "value"), _MALFORMED, ids=[m[0] for m in _MALFORMED])
def test_malformed_arm_resources_keep_the_contract(tmp_path: Path, what: str, value: Any) -> None:
    doc = _arm()
    pricing, good = doc["resources"][0], doc["resources"][1]
    credential_set, cache_rule, connected = good["resources"][0], good["resources"][1], good["resources"][5]
    target = {
        "pricing properties": (pricing, "properties"),
        "pricing extensions": (pricing["properties"], "extensions"),
        "pricing extension": (pricing["properties"], "extensions"),
        "pricing name": (pricing, "name"),
        "credential set properties": (credential_set, "properties"),
        "credentials": (credential_set["properties"], "authCredentials"),
        "credential": (credential_set["properties"], "authCredentials"),
        "cache rule properties": (cache_rule, "properties"),
        "connected registry logging": (connected["properties"], "logging"),
        "connected registry parent": (connected["properties"], "parent"),
    }[what]
    target[0][target[1]] = copy.deepcopy(value)
    assert _contract(_template(tmp_path, doc), tmp_path) in (0, 1, 2, 3)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('    name = "AgentlessDiscoveryForKubernetes"', '    name = ["x"]'),
        ('  resource_type = "Containers"', "  resource_type = 7"),
        ('    username_secret_id = "${var.vault_uri}/dockerhub-user"', "    username_secret_id = {a = 1}"),
        ("  audit_log_enabled     = true", '  audit_log_enabled     = "maybe"'),
        ("  container_registry_id = azurerm_container_registry.good.id\n  sync_token_id", "  sync_token_id"),
        ('  source_repo           = "docker.io/library/nginx"', "  source_repo           = [1, 2]"),
    ],
)
def test_malformed_terraform_resources_keep_the_contract(tmp_path: Path, old: str, new: str) -> None:
    module = tmp_path / "module"
    module.mkdir()
    text = (TF / "main.tf").read_text()
    assert old in text
    (module / "main.tf").write_text(text.replace(old, new, 1))
    assert _contract(module, tmp_path) in (0, 1, 3)


def test_audit_log_that_is_not_a_bool_is_unknown(tmp_path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    text = (TF / "main.tf").read_text().replace("audit_log_enabled     = true", 'audit_log_enabled     = "maybe"')
    (module / "main.tf").write_text(text)
    finding = _scan(module)[("ACR-063", "acrcachegood")]
    assert str(finding.status) == "unknown"
    assert "is not a bool" in finding.message
