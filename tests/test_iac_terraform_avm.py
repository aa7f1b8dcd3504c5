"""The Azure Verified Module for container registries, scanned as its consumers call it.

Each vendored example calls the module with ``source = "../../"`` (tests/data/corpus/
terraform-avm-containerregistry, MIT). Its registry must be scanned with the example's
inputs, its findings must point into the module and name the call, and no example may give
an ``unknown`` its inputs determine: every unknown is listed below with its reason.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import ExitCode
from scanner.results import Finding, Status
from scanner.scan import prepare_rules, run_scan
from scanner.sources.iac.source import IacSource
from scanner.sources.iac.terraform.module import read_tf
from tests.conftest import ROOT, run_cli

AVM = ROOT / "tests" / "data" / "corpus" / "terraform-avm-containerregistry"
AVM_REL = AVM.relative_to(ROOT).as_posix()
EXAMPLES = sorted(p.name for p in (AVM / "examples").iterdir())
REGISTRY = "module.containerregistry.azurerm_container_registry.this"
NOW = "2026-11-27T00:00:00Z"
NAMING = 'module "naming" from Azure/naming/azurerm was not downloaded: run `terraform init` or scan a plan'

# (example, rule, subject name, the reason the unknown is justified, a text its message holds)
JUSTIFIED_UNKNOWNS = [
    *(
        (example, "*", "scope module.naming", "Azure/naming is a registry module, not vendored", NAMING)
        for example in EXAMPLES
    ),
    *(
        ("registry-token", "ACR-004", name, "expiry = timeadd(time_static.…): the apply time", "timeadd(")
        for name in ("devops-token1/password1", "devops-token1/password2", "readonly-token/password1")
    ),
]


def scan(path: Path) -> list[Finding]:
    config = Config()
    rules, pack = prepare_rules(config)
    return list(run_scan(IacSource([path], ROOT, collected_at=NOW), rules, pack, config, None).findings)


@pytest.fixture(scope="module")
def findings() -> dict[str, list[Finding]]:
    return {example: scan(AVM / "examples" / example) for example in EXAMPLES}


def verdicts(found: list[Finding], subject: str) -> dict[str, str]:
    return {f.rule_id: f.status.value for f in found if f.subject.name == subject}


def call_line(example: str) -> int:
    text = (AVM / "examples" / example / "main.tf").read_text().splitlines()
    return next(n for n, line in enumerate(text, start=1) if line.startswith('module "containerregistry"'))


def line_in(file: str, needle: str) -> int:
    return next(n for n, line in enumerate((AVM / file).read_text().splitlines(), start=1) if needle in line)


def test_default_example_scans_the_modules_registry(findings: dict[str, list[Finding]]) -> None:
    assert verdicts(findings["default"], REGISTRY) == {
        "ACR-001": "pass",
        "ACR-002": "pass",
        "ACR-003": "fail",  # ARM-audience tokens are not disabled (the module has no setting for it)
        "ACR-020": "fail",  # public network access, firewall Allow
        "ACR-021": "fail",
        "ACR-022": "not_applicable",
        "ACR-023": "pass",
        "ACR-024": "pass",
        "ACR-025": "not_applicable",
        "ACR-026": "fail",  # Premium (the module's default SKU) without a private endpoint
        "ACR-029": "pass",
        "ACR-030": "fail",  # export_policy_enabled defaults to true
        "ACR-032": "not_applicable",  # public: no network rules for ACR Tasks to bypass
        "ACR-035": "not_applicable",  # azurerm cannot declare the domain name label scope
        "ACR-040": "fail",  # no customer-managed key
        "ACR-041": "pass",
        "ACR-042": "pass",  # retention_policy_in_days defaults to 7 on Premium
        "ACR-043": "not_applicable",
        "ACR-044": "fail",  # no diagnostic settings
        "ACR-046": "fail",  # the default example declares no georeplications
        "ACR-047": "not_applicable",  # no allowed regions configured
        "ACR-048": "not_applicable",  # the retention policy is on
        "ACR-049": "pass",  # Premium
        "ACR-031": "not_applicable",  # Defender's plans are only known once deployed
        "ACR-033": "not_applicable",  # no approved private endpoint connection declared
        "ACR-060": "not_applicable",  # Defender's plans are only known once deployed
        "ACR-061": "not_applicable",  # assessments exist only for deployed registries
        "ACR-062": "not_applicable",  # no cache rule
        "ACR-063": "not_applicable",  # no connected registry
    }


def test_private_endpoint_example_closes_public_access(findings: dict[str, list[Finding]]) -> None:
    found = findings["private-endpoint"]
    registry = verdicts(found, REGISTRY)
    assert registry["ACR-020"] == registry["ACR-021"] == "pass"  # public_network_access_enabled = false
    assert registry["ACR-025"] == registry["ACR-026"] == "pass"  # the module's endpoint connects to it
    endpoint = 'module.containerregistry.azurerm_private_endpoint.this["primary"]'
    # The example links its privatelink zone to no VNet: clients would resolve the public IP.
    assert verdicts(found, endpoint) == {"ACR-027": "fail", "ACR-028": "not_applicable"}


@pytest.mark.parametrize("example", ["default", "private-endpoint"])
def test_findings_point_into_the_module_and_name_the_call(findings: dict[str, list[Finding]], example: str) -> None:
    suffix = f"(module.containerregistry, called at {AVM_REL}/examples/{example}/main.tf:{call_line(example)})"
    export = next(f for f in findings[example] if f.rule_id == "ACR-030" and f.subject.name == REGISTRY)
    assert export.status is Status.FAIL
    assert export.location is not None
    assert export.location.file == f"{AVM_REL}/main.tf"
    assert export.location.line == line_in("main.tf", "export_policy_enabled ")
    assert export.message.endswith(suffix)


def test_no_example_gives_an_unknown_its_inputs_determine(findings: dict[str, list[Finding]]) -> None:
    for example, found in findings.items():
        for finding in found:
            if finding.status is not Status.UNKNOWN:
                continue
            justified = [
                reason
                for where, rule, subject, reason, text in JUSTIFIED_UNKNOWNS
                if where == example
                and rule in ("*", finding.rule_id)
                and subject == finding.subject.name
                and text in finding.message
            ]
            assert justified, (example, finding.rule_id, finding.subject.name, finding.message)


def test_every_justified_unknown_still_occurs(findings: dict[str, list[Finding]]) -> None:
    for example, rule, subject, _, text in JUSTIFIED_UNKNOWNS:
        assert any(
            f.status is Status.UNKNOWN and f.subject.name == subject and rule in ("*", f.rule_id) and text in f.message
            for f in findings[example]
        ), (example, rule, subject)


def test_nested_modules_put_tokens_and_scope_maps_under_the_registry(findings: dict[str, list[Finding]]) -> None:
    token = next(f for f in findings["registry-token"] if f.rule_id == "ACR-005" and f.subject.name == "devops-token2")
    assert token.status is Status.FAIL
    assert token.subject.registry_name == REGISTRY
    assert token.location is not None and token.location.file == f"{AVM_REL}/modules/scope-map/main.registry_tokens.tf"
    scope_maps = [
        r for r in read_tf([AVM / "examples" / "scope-maps"], ROOT) if r.row["type"].endswith("registries/scopeMaps")
    ]
    assert sorted(r.address or "" for r in scope_maps) == [
        f'module.containerregistry.module.scope_maps["{key}"].azurerm_container_registry_scope_map.this'
        for key in ("cicd", "devops", "readonly")
    ]
    assert all(r.module_calls[-1].address.startswith("module.containerregistry.module.scope_maps[") for r in scope_maps)


def test_example_inputs_reach_the_module() -> None:
    low_cost = next(r for r in read_tf([AVM / "examples" / "low-cost"], ROOT) if r.address == REGISTRY)
    assert low_cost.row["sku"]["name"] == "Basic"
    geo = [r for r in read_tf([AVM / "examples" / "geo-replication"], ROOT) if r.row["type"].endswith("/replications")]
    assert sorted(r.row["location"] for r in geo) == ["australiacentral", "australiaeast"]
    zone = {r.row["location"]: r.row["properties"]["zoneRedundancy"] for r in geo}
    assert zone == {"australiaeast": "Enabled", "australiacentral": "Disabled"}  # optional(bool, true) applied


@pytest.mark.parametrize("example", ["default", "private-endpoint"])
def test_the_examples_fail_the_gate(example: str) -> None:
    done = run_cli("scan", "--iac", str(AVM / "examples" / example), "--quiet", "--now", NOW)
    assert done.returncode == ExitCode.FINDINGS, done.stderr


CONSUMER = """
module "acr" {
  source  = "Azure/avm-res-containerregistry-registry/azurerm"
  version = "0.4.0"

  name                          = "acrconsumer01"
  location                      = "westeurope"
  resource_group_name           = "rg-consumer"
  public_network_access_enabled = false
}
"""


def test_a_registry_module_that_was_not_downloaded_is_unknown_and_exits_3(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(CONSUMER)
    out = tmp_path / "results.json"
    done = run_cli("scan", "--iac", str(tmp_path), "--format", "json", "--output", str(out), "--quiet", cwd=tmp_path)
    assert done.returncode == ExitCode.INCOMPLETE, done.stderr
    results = json.loads(out.read_text())
    reason = (
        'module "acr" from Azure/avm-res-containerregistry-registry/azurerm was not downloaded: '
        "run `terraform init` or scan a plan"
    )
    assert [gap["message"] for gap in results["coverage"]] == [reason]
    unknown = [f for f in results["findings"] if f["status"] == "unknown"]
    assert unknown and all(reason in f["message"] for f in unknown)
    assert {(f["location"]["file"], f["location"]["line"]) for f in unknown} == {("main.tf", 2)}
    assert not [f for f in results["findings"] if f["status"] in ("pass", "fail")]


def test_a_downloaded_registry_module_is_scanned_like_a_local_one(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(CONSUMER)
    downloaded = tmp_path / ".terraform" / "modules" / "acr"
    shutil.copytree(AVM, downloaded, ignore=shutil.ignore_patterns("examples"))
    manifest = {
        "Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {
                "Key": "acr",
                "Source": "registry.terraform.io/Azure/avm-res-containerregistry-registry/azurerm",
                "Version": "0.4.0",
                "Dir": ".terraform/modules/acr",
            },
        ]
    }
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps(manifest))
    out = tmp_path / "results.json"
    done = run_cli("scan", "--iac", str(tmp_path), "--format", "json", "--output", str(out), "--quiet", cwd=tmp_path)
    assert done.returncode == ExitCode.FINDINGS, done.stderr
    results = json.loads(out.read_text())
    assert results["coverage"] == []
    by_rule = {f["rule_id"]: f for f in results["findings"] if f["subject"]["name"] == "acrconsumer01"}
    assert by_rule["ACR-021"]["status"] == "pass"
    assert by_rule["ACR-040"]["status"] == "fail"
    assert by_rule["ACR-040"]["location"]["file"] == ".terraform/modules/acr/main.tf"
    assert by_rule["ACR-040"]["message"].endswith("(module.acr, called at main.tf:2)")


def test_a_manifest_may_point_at_the_vendored_copy_inside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(CONSUMER)
    manifest = {"Modules": [{"Key": "acr", "Source": "Azure/avm", "Dir": os.path.relpath(AVM, tmp_path)}]}
    (tmp_path / ".terraform" / "modules").mkdir(parents=True)
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps(manifest))
    registry = next(r for r in read_tf([tmp_path], ROOT) if r.address == "module.acr.azurerm_container_registry.this")
    assert (registry.file, registry.row["name"]) == (f"{AVM_REL}/main.tf", "acrconsumer01")
