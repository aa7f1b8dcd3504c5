"""``acr-scan policies list|show|validate|test|schema|subjects`` and packaging of the rule pack."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

BUILT_IN_RULES = sorted((ROOT / "policies").glob("ACR-*.yaml"))


def test_list_and_show() -> None:
    listed = run_cli("policies", "list", "--format", "json")
    assert listed.returncode == 0
    ids = [r["id"] for r in json.loads(listed.stdout)]
    assert ids[0] == "ACR-001" and len(ids) == len(BUILT_IN_RULES)
    shown = run_cli("policies", "show", "ACR-027")
    assert shown.returncode == 0 and "privatelink.azurecr.io" in shown.stdout
    missing = run_cli("policies", "show", "ACR-999")
    assert missing.returncode == 2 and "ACR-999" in missing.stderr


def test_schema_is_printed_and_valid() -> None:
    proc = run_cli("policies", "schema")
    schema = json.loads(proc.stdout)
    assert schema["title"] == "acr-policy-scanner rule"
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema)


def test_subjects_lists_every_kind_and_prints_its_schema() -> None:
    listed = run_cli("policies", "subjects")
    assert listed.returncode == 0, listed.stderr
    kinds = [line.split()[0] for line in listed.stdout.splitlines()]
    assert kinds == [
        "registry",
        "private_endpoint",
        "role_assignment",
        "credential",
        "token",
        "token_password",
        "pull_path",
    ]
    assert "A role assignment that reaches at least one registry" in listed.stdout
    shown = run_cli("policies", "subjects", "credential")
    assert shown.returncode == 0, shown.stderr
    schema = json.loads(shown.stdout)
    assert "endDateTime" in schema["properties"]["credential"]["properties"]
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema)


def test_subjects_refuses_an_unknown_kind() -> None:
    proc = run_cli("policies", "subjects", "registries")
    assert proc.returncode == 2
    assert "unknown subject kind 'registries' (one of: registry, private_endpoint" in proc.stderr


def test_validate_and_test_builtin_pack() -> None:
    assert run_cli("policies", "validate", str(ROOT / "policies")).returncode == 0
    tested = run_cli("policies", "test")
    assert tested.returncode == 0, tested.stdout
    assert f"{len(BUILT_IN_RULES)} rules" in tested.stdout and "0 failed" in tested.stdout


def test_policies_test_fails_on_a_wrong_example(tmp_path: Path) -> None:
    (tmp_path / "X-010.yaml").write_text(
        "id: X-010\ntitle: Wrong example\ndescription: test\nseverity: low\nsubject: registry\n"
        "fail_when: {field: properties.adminUserEnabled, equals: true}\nmessage: {pass: p, fail: f}\n"
        "remediation: {text: t}\n"
        "examples: {pass: [{subject: {properties: {adminUserEnabled: true}}}], fail: [{subject: {properties: {}}}]}\n"
    )
    proc = run_cli("policies", "test", str(tmp_path))
    assert proc.returncode == 1
    assert "FAIL X-010 pass[0]" in proc.stdout and "2 failed" in proc.stdout


@pytest.mark.slow
def test_wheel_ships_policies_and_reports(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("acr_policy_scanner-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert wheel.name.endswith("-py3-none-any.whl")
    assert not [n for n in names if n.endswith((".so", ".c", ".pyd"))]  # pure Python, one build
    assert "scanner/policies/ACR-001.yaml" in names
    assert "scanner/schemas/rule.schema.json" in names
    assert "scanner/schemas/snapshot.schema.json" in names
    assert "scanner/schemas/subjects/token_password.schema.json" in names
    assert "scanner/sources/live/queries/registries.kql" in names
    for asset in ("report.html.j2", "report.css", "report.js", "diff.html.j2", "report_access.html.j2", "access.css"):
        assert f"scanner/reports/{asset}" in names, asset
    # Installed elsewhere, the scanner finds its data without the source tree.
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    code = "import sys; sys.path.insert(0, sys.argv[1]); import scanner.resources as r; print(r.builtin_policies_dir())"
    located = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=tmp_path)
    assert located.stdout.strip() == str(target / "scanner" / "policies")
