"""End to end over ARM templates: relations (ACR-013/023/027), unknown values, live-only rules,
file/line locations, inline suppressions, and the ``scan --iac`` command line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.engine.compiler import compile_condition
from scanner.engine.getters import Context
from scanner.results import Finding, Status
from scanner.scan import prepare_rules, run_scan
from scanner.sources.iac.source import IacSource
from scanner.sources.snapshot import SnapshotFileSource
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown
from tests.conftest import DEMO, ROOT, run_cli
from tests.sarif_tools import assert_valid_sarif

ARM = ROOT / "fixtures" / "iac" / "arm"
NOW = "2026-11-27T00:00:00Z"


def scan(*paths: Path) -> list[Finding]:
    config = Config()
    rules, pack = prepare_rules(config)
    return list(run_scan(IacSource(list(paths), ROOT, collected_at=NOW), rules, pack, config, None).findings)


def one(findings: list[Finding], rule: str, subject: str) -> Finding:
    found = [f for f in findings if f.rule_id == rule and subject in f.subject.name]
    assert len(found) == 1, (rule, subject, [(f.subject.name, f.status) for f in found])
    return found[0]


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if needle in text)


@pytest.fixture(scope="module")
def private_link() -> list[Finding]:
    return scan(ARM / "private-link.json")


# --------------------------------------------------------------------------- relations


def test_private_link_requires_premium_acr_023(private_link: list[Finding]) -> None:
    standard = one(private_link, "ACR-023", "contosostdacr")
    assert standard.status is Status.FAIL
    assert (
        standard.evidence["privateEndpointConnections"]["total"] == 1
    )  # the endpoint's connection, added as Azure would
    assert one(private_link, "ACR-023", "contosopremacr").status is Status.PASS
    assert one(private_link, "ACR-026", "contosopremacr").status is Status.PASS  # approved connection
    assert one(private_link, "ACR-025", "contosopremacr").status is Status.PASS


def test_zone_linked_to_every_endpoint_vnet_acr_027(private_link: list[Finding]) -> None:
    linked = one(private_link, "ACR-027", "pe-premium")
    assert linked.status is Status.PASS
    assert linked.evidence["zoneLinks"]["total"] == 1
    unlinked = one(private_link, "ACR-027", "pe-standard")
    assert unlinked.status is Status.FAIL
    assert "vnet-b" in unlinked.message
    assert unlinked.location.file == "fixtures/iac/arm/private-link.json"
    assert unlinked.location.line == line_of(ARM / "private-link.json", '"copy"') - 1


def test_service_principal_contributor_acr_013(private_link: list[Finding]) -> None:
    broad = one(private_link, "ACR-013", "Contributor")
    assert broad.status is Status.FAIL
    assert broad.subject.registry_name == "contosopremacr"
    narrow = one(private_link, "ACR-013", "AcrPull")
    assert narrow.status is Status.PASS
    assert narrow.subject.registry_name == "contosostdacr"


def test_live_only_rules_are_not_applicable_with_the_reason(private_link: list[Finding]) -> None:
    usage = one(private_link, "ACR-043", "contosopremacr")
    assert usage.status is Status.NOT_APPLICABLE
    assert "only known once the registry is deployed" in usage.message
    records = one(private_link, "ACR-028", "pe-premium")
    assert records.status is Status.NOT_APPLICABLE and "IP addresses" in records.message
    credentials = [f for f in private_link if f.rule_id in ("ACR-010", "ACR-011", "ACR-012")]
    assert credentials and {f.status for f in credentials} == {Status.NOT_APPLICABLE}
    assert all("Microsoft Entra ID" in f.message for f in credentials)
    assert all(f.location.file == "fixtures/iac/arm/private-link.json" for f in credentials)
    assert not [f for f in private_link if f.status in (Status.UNKNOWN, Status.ERROR)]


def test_a_real_gap_wins_over_a_live_only_one() -> None:
    both = compile_condition({"any": [{"field": "a", "equals": 1}, {"field": "b", "equals": 1}]}, {}, ())
    live, gap = Unknown("after deployment", live_only=True), Unknown("not resolved")
    doc = {"a": live, "b": gap}
    assert both(doc, Context(parse_datetime(NOW), doc)) is gap


# --------------------------------------------------------------------------- unknown values and locations


def test_unresolvable_admin_user_is_unknown_with_the_expression() -> None:
    finding = one(scan(ARM / "unresolved-admin.json"), "ACR-001", "unresolvedacr")
    assert finding.status is Status.UNKNOWN
    assert "[parameters('admin')]" in finding.evidence["properties.adminUserEnabled"]
    assert "[parameters('admin')] could not be resolved" in finding.message
    assert finding.location.file == "fixtures/iac/arm/unresolved-admin.json"
    assert finding.location.line == line_of(ARM / "unresolved-admin.json", '"adminUserEnabled"')


def test_findings_point_at_the_offending_property_or_the_resource() -> None:
    findings = scan(ARM / "nested.json", ARM / "nested.parameters.json")
    path = ARM / "nested.json"
    admin = one(findings, "ACR-001", "fabrikamacrteam2")
    assert (admin.status, admin.location.file) == (Status.FAIL, "fixtures/iac/arm/nested.json")
    assert admin.location.line == line_of(path, '"adminUserEnabled"')
    anonymous = one(findings, "ACR-002", "fabrikamacrshared")
    assert anonymous.status is Status.FAIL
    assert anonymous.location.line == line_of(path, '"anonymousPullEnabled"')
    passing = one(findings, "ACR-001", "fabrikamacrouter")
    assert passing.status is Status.PASS
    assert passing.location.line == line_of(path, "'outer')]") - 3  # the "{" of the resource in the nested template
    assert all(f.location.file and f.location.line for f in findings)


def test_inline_suppressions_apply_to_their_resource_and_rule() -> None:
    findings = scan(ARM / "suppressed.json")
    admin = one(findings, "ACR-001", "breakglassacr")
    assert admin.status is Status.SUPPRESSED
    assert admin.suppression is not None and admin.suppression.in_source
    assert admin.suppression.justification.startswith("break-glass registry")
    assert one(findings, "ACR-044", "breakglassacr").status is Status.SUPPRESSED
    assert one(findings, "ACR-021", "breakglassacr").status is Status.FAIL  # not suppressed


def test_undeclared_principal_type_and_declared_tokens(tmp_path: Path) -> None:
    acr = "Microsoft.ContainerRegistry/registries"
    doc = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": acr,
                "name": "tok",
                "sku": {"name": "Premium"},
                "resources": [
                    {
                        "type": "tokens",
                        "name": "ci",
                        "properties": {
                            "status": "enabled",
                            "scopeMapId": f"[resourceId('{acr}/scopeMaps', 'tok', '_repositories_admin')]",
                        },
                    }
                ],
            },
            {
                "type": "Microsoft.Authorization/roleAssignments",
                "name": "33333333-3333-3333-3333-333333333333",
                "scope": f"{acr}/tok",
                "properties": {
                    "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                    "b24988ac-6180-42a0-ab88-20f7382dd24c",
                    "principalId": "[reference('identity').principalId]",
                },
            },
        ],
    }
    (tmp_path / "t.json").write_text(json.dumps(doc, indent=1))
    config = Config()
    rules, pack = prepare_rules(config)
    findings = run_scan(IacSource([tmp_path], tmp_path, collected_at=NOW), rules, pack, config, None).findings
    assignment = next(f for f in findings if f.rule_id == "ACR-013")
    assert assignment.status is Status.UNKNOWN
    assert "declares no principalType" in assignment.message
    assert next(f for f in findings if f.rule_id == "ACR-005").status is Status.FAIL  # the admin scope map
    password = next(f for f in findings if f.rule_id == "ACR-004")
    assert password.status is Status.NOT_APPLICABLE  # passwords are generated after deployment
    assert next(f for f in findings if f.rule_id == "ACR-024").status is Status.PASS


def test_snapshot_scans_carry_no_declarations() -> None:
    assert SnapshotFileSource(DEMO).load().declarations is None
    loaded = IacSource([ARM], repo_root=ROOT).load()
    assert loaded.declarations is not None and "iac" not in loaded.data
    assert set(loaded.declarations.live_only) >= {"usages", "servicePrincipals"}


# --------------------------------------------------------------------------- command line


def test_cli_unknown_gates_with_exit_3(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = run_cli(
        "scan", "--iac", str(ARM / "unresolved-admin.json"), "--rules", "ACR-001", "--format", "json", "-o", str(out)
    )
    assert done.returncode == 3, done.stderr
    finding = json.loads(out.read_text())["findings"][0]
    assert finding["status"] == "unknown"


def test_cli_malformed_template_exit_2_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "main.json"
    schema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
    bad.write_text(f'{{\n  "$schema": "{schema}",\n  "resources": [\n    {{"type": "x" "name": "y"}}\n  ]\n}}\n')
    done = run_cli("scan", "--iac", str(tmp_path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"acr-scan: error: {bad}:4:")


def test_cli_sarif_locations_are_relative_to_the_git_root(tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    done = run_cli(
        "scan", "--iac", "iac/arm/unresolved-admin.json", "--format", "sarif", "-o", str(out), cwd=ROOT / "fixtures"
    )
    assert done.returncode == 1, done.stderr  # failing findings (ACR-020 ...) outrank the unknown one
    results = json.loads(out.read_text())["runs"][0]["results"]
    admin = next(r for r in results if r["ruleId"] == "ACR-001")
    physical = admin["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "fixtures/iac/arm/unresolved-admin.json", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == line_of(ARM / "unresolved-admin.json", '"adminUserEnabled"')
    assert_valid_sarif([out], tmp_path, multitool=False)  # (test_sarif: "iac")


def test_cli_evidence_bundle_holds_the_iac_files(tmp_path: Path) -> None:
    bundle = tmp_path / "evidence.zip"
    done = run_cli("scan", "--iac", str(ARM / "suppressed.json"), "--evidence", str(bundle), "--quiet", "--now", NOW)
    assert done.returncode == 1, done.stderr
    assert "input/fixtures/iac/arm/suppressed.json" in zipfile.ZipFile(bundle).namelist()


def test_cli_iac_and_snapshot_are_exclusive() -> None:
    done = run_cli("scan", "--iac", str(ARM), "--snapshot", str(DEMO))
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr
