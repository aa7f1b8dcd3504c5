"""Checkov's ACR ARM fixtures, scanned as Checkov's own tests scan them (one example folder per
check), must get the verdict Checkov's tests expect from our corresponding rule, except in the
deliberate differences documented in docs/iac.md ("Checkov ARM fixtures").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.config import Config
from scanner.results import Finding, Status
from scanner.scan import prepare_rules, run_scan
from scanner.sources.iac.source import IacSource
from tests.conftest import DATA

CHECKOV = DATA / "checkov"
EXPECTED = CHECKOV / "expected_results.json"

# Checkov check → our rule (None: we deliberately ship no corresponding rule).
RULE_FOR_CHECK: dict[str, str | None] = {
    "CKV_AZURE_137": "ACR-001",  # admin user
    "CKV_AZURE_138": "ACR-002",  # anonymous pull
    "CKV_AZURE_139": "ACR-021",  # public network access
    "CKV_AZURE_163": None,  # "container scanning" = a SKU proxy for Defender; Defender is not a registry setting
    "CKV_AZURE_166": None,  # image quarantine: a preview feature, no rule
    "CKV_AZURE_233": None,  # zone redundancy: deliberately not a rule (docs/iac.md, Checkov ARM fixtures)
}

# (check, Checkov resource key) → (our status, why). The same table is in docs/iac.md.
DIFFERENCES: dict[tuple[str, str], tuple[Status, str]] = {
    ("CKV_AZURE_138", "Microsoft.ContainerRegistry/registries.pass"): (
        Status.UNKNOWN,
        "sku.name is [] (malformed): the SKU decides whether the rule applies, so we cannot say",
    ),
    ("CKV_AZURE_138", "Microsoft.ContainerRegistry/registries.pass5"): (
        Status.NOT_APPLICABLE,
        "Basic does not offer anonymous pull: SKU-gated rules are not_applicable, not pass",
    ),
    ("CKV_AZURE_138", "Microsoft.ContainerRegistry/registries.pass6"): (
        Status.UNKNOWN,
        "no sku at all (Azure requires one): unknown, never a guessed pass",
    ),
}

VERDICT = {"PASSED": Status.PASS, "FAILED": Status.FAIL}


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    if not EXPECTED.exists():
        return []
    arm = json.loads(EXPECTED.read_text())["arm"]
    return [
        (check, key, entry) for check, spec in sorted(arm.items()) for key, entry in sorted(spec["expected"].items())
    ]


@pytest.fixture(scope="module")
def folder_findings() -> dict[str, list[Finding]]:
    """Findings per Checkov example folder, each scanned whole (as Checkov's tests do)."""
    config = Config()
    rules, pack = prepare_rules(config)
    arm = json.loads(EXPECTED.read_text())["arm"]
    out: dict[str, list[Finding]] = {}
    for spec in arm.values():
        folder = CHECKOV / spec["fixtures_dir"]
        source = IacSource([folder], repo_root=CHECKOV, collected_at="2026-11-27T00:00:00Z")
        out[spec["fixtures_dir"]] = list(run_scan(source, rules, pack, config, None).findings)
    return out


@pytest.mark.parametrize(("check", "key", "entry"), _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_checkov_fixture_verdict(
    check: str, key: str, entry: dict[str, Any], folder_findings: dict[str, list[Finding]]
) -> None:
    arm = json.loads(EXPECTED.read_text())["arm"]
    findings = folder_findings[arm[check]["fixtures_dir"]]
    resource_type, name = key.rsplit(".", 1)
    rule = RULE_FOR_CHECK[check]
    # Every fixture is read: no rule errors anywhere in the folder, and every finding has a location.
    assert not [f for f in findings if f.status is Status.ERROR]
    assert all(f.location.file and f.location.line for f in findings)
    if rule is None:
        assert (check, key) not in DIFFERENCES
        return
    assert resource_type == "Microsoft.ContainerRegistry/registries"
    ours = [f for f in findings if f.rule_id == rule and f.subject.name == name]
    assert len(ours) == 1, f"{rule} for {name}: {[f.status for f in ours]}"
    finding = ours[0]
    expected = DIFFERENCES.get((check, key), (VERDICT[entry["result"]], ""))[0]
    assert finding.status is expected, f"{check} {key}: {finding.status} ({finding.message})"
    assert finding.location.file == f"{arm[check]['fixtures_dir']}/{entry['file']}"


def test_every_difference_is_a_real_fixture() -> None:
    keys = {(check, key) for check, key, _ in _cases()}
    assert set(DIFFERENCES) <= keys


def test_differences_are_documented() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "iac.md").read_text()
    for (check, key), (status, _why) in DIFFERENCES.items():
        assert f"| {check} | {key.rsplit('.', 1)[1]}" in doc, (check, key)
        assert status.value in doc
    for check, rule in RULE_FOR_CHECK.items():
        assert check in doc
        if rule is None:
            assert f"| {check} | (all) |" in doc, check
