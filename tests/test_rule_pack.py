"""The built-in pack is exactly what the README's rule table documents, with the severities it specifies."""

from __future__ import annotations

import re

from scanner.engine.loader import load_rules
from tests.conftest import ROOT

EXPECTED_SEVERITY = {
    "ACR-001": "high", "ACR-002": "high", "ACR-003": "medium", "ACR-004": "medium", "ACR-005": "medium",
    "ACR-006": "medium", "ACR-010": "high", "ACR-011": "medium", "ACR-012": "low", "ACR-013": "medium",
    "ACR-014": "low", "ACR-015": "info", "ACR-020": "high", "ACR-021": "medium", "ACR-022": "medium",
    "ACR-023": "high", "ACR-024": "high", "ACR-025": "medium", "ACR-026": "medium", "ACR-027": "high",
    "ACR-028": "high", "ACR-029": "low", "ACR-030": "medium", "ACR-031": "medium", "ACR-032": "medium",
    "ACR-033": "medium", "ACR-035": "medium",
    "ACR-040": "low", "ACR-041": "info", "ACR-042": "low", "ACR-043": "low", "ACR-044": "medium",
    "ACR-046": "low", "ACR-047": "medium", "ACR-048": "low", "ACR-049": "low", "ACR-050": "high",
    "ACR-051": "high", "ACR-052": "high", "ACR-053": "high", "ACR-054": "medium", "ACR-055": "medium",
    "ACR-060": "high", "ACR-061": "high", "ACR-062": "medium", "ACR-063": "medium",
}  # fmt: skip
# Rules that are off by default (default_enabled: false): they run only when a scan asks for them.
OFF_BY_DEFAULT = {"ACR-006"}


def test_pack_has_every_rule_the_readme_documents() -> None:
    ids = {spec.id for spec in load_rules()}
    assert ids == set(EXPECTED_SEVERITY)
    documented = set(re.findall(r"^\| (ACR-\d{3}) \|", (ROOT / "README.md").read_text(), re.MULTILINE))
    assert documented == ids


def test_severities_match_the_documented_ones() -> None:
    for spec in load_rules():
        assert spec.data["severity"] == EXPECTED_SEVERITY[spec.id], spec.id


def test_file_name_is_rule_id() -> None:
    for spec in load_rules():
        assert spec.path.stem == spec.id


def test_every_rule_maps_frameworks_and_remediation() -> None:
    for spec in load_rules():
        frameworks = spec.data.get("frameworks") or {}
        assert frameworks.get("mcsb") and frameworks.get("nist_800_53"), spec.id
        assert spec.data["remediation"].get("az", "").startswith("az "), spec.id


def test_only_the_documented_rules_are_off_by_default() -> None:
    off = {spec.id for spec in load_rules() if spec.data.get("default_enabled", True) is False}
    assert off == OFF_BY_DEFAULT
    readme = (ROOT / "README.md").read_text()
    for rule_id in off:
        (row,) = re.findall(rf"^\| {rule_id} \|.*$", readme, re.MULTILINE)
        assert "off by default" in row, row


def test_every_azure_policy_definition_of_the_pack_has_its_display_name() -> None:
    from scanner.azure.policy_definitions import display_name

    mapped = {g for spec in load_rules() for g in spec.data.get("frameworks", {}).get("azure_policy", ())}
    assert mapped and {g for g in mapped if display_name(g) is None} == set()
