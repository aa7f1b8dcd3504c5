"""Checkov's Terraform ACR fixtures, read by our ``.tf`` reader.

Row fidelity: for every fixture resource, Checkov's own check logic applied to the row our
reader produced gives the verdict Checkov's tests expect. That proves the reader carries every
attribute those checks look at (both azurerm 3.x blocks and 4.x flat attributes, defaults,
dynamic blocks). Where our *rules* judge differently, the difference is deliberate and listed
in docs/iac-terraform.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from scanner.sources.declarations import IacResource
from scanner.sources.iac.terraform.module import read_tf
from scanner.unknown import Unknown
from tests.conftest import DATA

CHECKOV = DATA / "checkov"

REGISTRY = "Microsoft.ContainerRegistry/registries"


def _expected() -> dict[str, Any]:
    return dict(json.loads((CHECKOV / "expected_results.json").read_text())["terraform"])


def _sku(row: Mapping[str, Any]) -> Any:
    return (row.get("sku") or {}).get("name")


def _props(row: Mapping[str, Any]) -> Mapping[str, Any]:
    return row["properties"]


def _replications(rows: list[IacResource], registry: Mapping[str, Any]) -> list[Mapping[str, Any]] | Unknown:
    if isinstance(registry.get("replications"), Unknown):
        return registry["replications"]  # type: ignore[no-any-return]
    prefix = registry["id"].lower() + "/replications/"
    return [r.row for r in rows if r.row["id"].lower().startswith(prefix)]


def _verdict(passed: bool) -> str:
    return "PASSED" if passed else "FAILED"


# Checkov's logic per check (expected_results.json "logic"), applied to our rows.
CHECKS: dict[str, Callable[[Mapping[str, Any], list[IacResource]], str]] = {
    "CKV_AZURE_137": lambda row, _: _verdict(_props(row)["adminUserEnabled"] is not True),
    "CKV_AZURE_138": lambda row, _: _verdict(
        not (_sku(row) in ("Standard", "Premium") and _props(row)["anonymousPullEnabled"] is True)
    ),
    "CKV_AZURE_139": lambda row, _: _verdict(_props(row)["publicNetworkAccess"] == "Disabled"),
    "CKV_AZURE_163": lambda row, _: _verdict(_sku(row) in ("Standard", "Premium")),
    "CKV_AZURE_164": lambda row, _: _verdict(_props(row)["policies"]["trustPolicy"]["status"] == "enabled"),
    "CKV_AZURE_165": lambda row, rows: _verdict(
        _sku(row) == "Premium"
        and not isinstance(_replications(rows, row), Unknown)
        and len(_replications(rows, row)) > 0  # type: ignore[arg-type]
    ),
    "CKV_AZURE_166": lambda row, _: _verdict(_props(row)["policies"]["quarantinePolicy"]["status"] == "enabled"),
    "CKV_AZURE_167": lambda row, _: _verdict(_props(row)["policies"]["retentionPolicy"]["status"] == "enabled"),
    "CKV_AZURE_233": lambda row, rows: _verdict(
        _props(row)["zoneRedundancy"] == "Enabled"
        and not isinstance(_replications(rows, row), Unknown)
        and all(r["properties"]["zoneRedundancy"] == "Enabled" for r in _replications(rows, row))  # type: ignore[union-attr]
    ),
    "CKV_AZURE_237": lambda row, _: _verdict(_props(row)["dataEndpointEnabled"] is True),
}

CASES = (
    [
        (check, resource, verdict)
        for check, spec in _expected().items()
        if check in CHECKS
        for resource, verdict in spec["expected"].items()
    ]
    if (CHECKOV / "expected_results.json").is_file()
    else []
)


def _read(check: str) -> list[IacResource]:
    fixture = CHECKOV / _expected()[check]["fixture"]
    return read_tf([fixture.parent], CHECKOV)


@pytest.mark.parametrize(("check", "resource", "expected"), CASES, ids=[f"{c}:{r}" for c, r, _ in CASES])
def test_row_carries_what_checkov_checks(check: str, resource: str, expected: str) -> None:
    rows = _read(check)
    registry = next(r.row for r in rows if r.address == resource and r.row["type"] == REGISTRY)
    assert CHECKS[check](registry, rows) == expected


def test_every_fixture_registry_is_a_row_of_its_own() -> None:
    for check in CHECKS:
        rows = [r for r in _read(check) if r.row["type"] == REGISTRY]
        assert sorted(r.address for r in rows) == sorted(_expected()[check]["expected"]), check
        assert len({r.row["id"] for r in rows}) == len(rows), check  # same literal names, distinct subjects
        for res in rows:
            assert res.file.startswith("terraform/checks/resource/azure/")
            lines = (CHECKOV / res.file).read_text().splitlines()
            assert lines[res.line - 1].startswith('resource "azurerm_container_registry"')


def test_rows_keep_unknowns_where_the_fixture_is_unresolvable() -> None:
    rows = {r.address: r.row for r in _read("CKV_AZURE_165") if r.row["type"] == REGISTRY}
    fail = rows["azurerm_container_registry.fail"]
    assert isinstance(fail["replications"], Unknown)  # dynamic georeplications over an undeclared variable
    assert isinstance(fail["name"], Unknown)  # var.acr.name
    assert isinstance(fail["properties"]["anonymousPullEnabled"], Unknown)
    anonymous = {r.address: r.row for r in _read("CKV_AZURE_138")}
    assert isinstance(_sku(anonymous["azurerm_container_registry.ckv_unittest_pass_5"]), Unknown)  # no sku
    assert isinstance(_sku(anonymous["azurerm_container_registry.ckv_unittest_pass_6"]), Unknown)  # sku = []


def test_webhook_fixture_is_read() -> None:
    spec = _expected()["CKV2_AZURE_30"]
    rows = read_tf([(CHECKOV / spec["fixture"]).parent], CHECKOV)
    hooks = {r.address: r.row for r in rows}
    assert sorted(hooks) == sorted(spec["expected"])
    for row in hooks.values():
        assert row["type"] == REGISTRY + "/webhooks"
        assert row["properties"] == {"status": "enabled", "scope": "prx:*", "actions": ["push"]}
        assert "serviceUri" not in row["properties"]  # Azure never returns it (may carry a secret)


_REGISTRY_HCL = """
resource "azurerm_container_registry" "acr" {
  name                = "acr86"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Standard"
}
"""


def test_defender_pricing_gives_checkovs_verdict_through_acr_060(tmp_path: Path) -> None:
    """CKV_AZURE_86's inline cases (the deprecated ContainerRegistry plan, Free or Standard) read as the
    subscription's plan row; with a registry beside them, ACR-060 passes and fails where Checkov does."""
    from scanner.config import Config
    from scanner.scan import prepare_rules, run_scan
    from scanner.sources.iac.source import IacSource

    config = Config()
    rules, pack = prepare_rules(config)
    for case in _expected()["CKV_AZURE_86"]["expected_inline"]:
        (tmp_path / "main.tf").write_text(case["hcl"] + "\n" + _REGISTRY_HCL)
        rows = [r.row for r in read_tf([tmp_path], tmp_path) if r.row["type"] == "Microsoft.Security/pricings"]
        assert [(r["id"], r["name"]) for r in rows] == [
            (
                "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Security/pricings/ContainerRegistry",
                "ContainerRegistry",
            )
        ]
        source = IacSource([tmp_path], tmp_path, collected_at="2026-11-27T00:00:00Z")
        [finding] = [f for f in run_scan(source, rules, pack, config, None).findings if f.rule_id == "ACR-060"]
        assert finding.status.value == {"PASSED": "pass", "FAILED": "fail"}[case["result"]], case


# --------------------------------------------------------------------------- rule verdicts

# Checkov check → our rule (None: we deliberately ship no corresponding rule).
RULE_FOR_CHECK: dict[str, str | None] = {
    "CKV_AZURE_137": "ACR-001",
    "CKV_AZURE_138": "ACR-002",
    "CKV_AZURE_139": "ACR-021",
    "CKV_AZURE_163": None,  # a SKU proxy for Defender scanning; Defender is a subscription plan
    "CKV_AZURE_164": "ACR-041",  # inverse: Checkov requires content trust, we flag relying on it
    "CKV_AZURE_165": None,  # geo-replication is not required
    "CKV_AZURE_166": None,  # quarantine is not required
    "CKV_AZURE_167": "ACR-042",
    "CKV_AZURE_233": None,  # zone redundancy is deliberately not a rule
    "CKV_AZURE_237": "ACR-029",
}

# (check, resource) → our status where it deliberately differs (docs/iac-terraform.md).
DIFFERENCES: dict[tuple[str, str], str] = {
    ("CKV_AZURE_138", "azurerm_container_registry.ckv_unittest_pass_4"): "not_applicable",  # Basic
    ("CKV_AZURE_138", "azurerm_container_registry.ckv_unittest_pass_5"): "unknown",  # no sku
    ("CKV_AZURE_138", "azurerm_container_registry.ckv_unittest_pass_6"): "unknown",  # sku = []
    ("CKV_AZURE_164", "azurerm_container_registry.pass_new"): "fail",  # content trust on: ACR-041 info finding
    ("CKV_AZURE_164", "azurerm_container_registry.pass_old"): "fail",
    ("CKV_AZURE_164", "azurerm_container_registry.fail"): "pass",
    ("CKV_AZURE_164", "azurerm_container_registry.fail2_new"): "pass",
    ("CKV_AZURE_164", "azurerm_container_registry.fail2_old"): "pass",
    ("CKV_AZURE_237", "azurerm_container_registry.fail"): "pass",  # no firewall, so no data endpoints needed
    ("CKV_AZURE_237", "azurerm_container_registry.fail2"): "not_applicable",  # Standard
}

RULE_CASES = [(c, r, v) for c, r, v in CASES if RULE_FOR_CHECK.get(c)]


@pytest.fixture(scope="module")
def rule_verdicts() -> dict[tuple[str, str, str], tuple[str, str, int | None]]:
    """(fixture folder, rule, Terraform address) → (status, file, line), each folder scanned whole."""
    from scanner.config import Config
    from scanner.scan import prepare_rules, run_scan
    from scanner.sources.iac import source as source_module

    config = Config()
    rules, pack = prepare_rules(config)
    out: dict[tuple[str, str, str], tuple[str, str, int | None]] = {}
    for check, rule in RULE_FOR_CHECK.items():
        if rule is None:
            continue
        folder = (CHECKOV / _expected()[check]["fixture"]).parent
        addresses = {r.row["id"].lower(): r.address for r in read_tf([folder], CHECKOV) if r.row["type"] == REGISTRY}
        source = source_module.IacSource([folder], repo_root=CHECKOV, collected_at="2026-11-27T00:00:00Z")
        for finding in run_scan(source, rules, pack, config, None).findings:
            address = addresses.get(finding.subject.id.lower())
            if finding.rule_id == rule and address is not None:
                key = (str(folder), rule, address)
                assert key not in out, key
                out[key] = (finding.status.value, str(finding.location.file), finding.location.line)
    return out


@pytest.mark.parametrize(("check", "resource", "expected"), RULE_CASES, ids=[f"{c}:{r}" for c, r, _ in RULE_CASES])
def test_rule_verdict_matches_checkov_or_a_documented_difference(
    check: str, resource: str, expected: str, rule_verdicts: dict[tuple[str, str, str], tuple[str, str, int | None]]
) -> None:
    fixture = CHECKOV / _expected()[check]["fixture"]
    rule = RULE_FOR_CHECK[check]
    assert rule is not None
    status, file, line = rule_verdicts[(str(fixture.parent), rule, resource)]
    wanted = DIFFERENCES.get((check, resource), {"PASSED": "pass", "FAILED": "fail"}[expected])
    assert status == wanted, f"{check} {resource}: {rule} is {status}"
    assert file == fixture.relative_to(CHECKOV).as_posix()
    assert line is not None and line > 0


def test_differences_are_documented() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "iac-terraform.md").read_text()
    for check, resource in DIFFERENCES:
        assert check in doc
        assert resource.split(".", 1)[1] in doc or check == "CKV_AZURE_164", (check, resource)
    for check in RULE_FOR_CHECK:
        assert f"| {check}" in doc, check
