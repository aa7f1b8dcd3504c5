"""Issue 5, "Done when": one deployment written as an ARM template, a Terraform plan JSON, ``.tf``
source and a live snapshot gives the same findings for the same registries.

All four forms are built from ``fixtures/iac/equivalence/deployment.yaml`` by
``fixtures/make_equivalence.py`` and scanned through the real command line. Findings are matched
on (rule, subject kind, subject name): subject ids differ by design (IaC has the placeholder
subscription, the live snapshot a real one).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "fixtures"))
import equivalence_workloads
import make_equivalence

EQUIVALENCE = ROOT / "fixtures" / "iac" / "equivalence"
NOW = "2026-11-27T02:00:00Z"  # the live snapshot's collectedAt
FORMS: dict[str, tuple[str, str]] = {
    "arm": ("--iac", "arm"),
    "plan": ("--iac", "plan.json"),
    "terraform": ("--iac", "terraform"),
    "live": ("--snapshot", "live.snapshot.json"),
}
IAC_FORMS = ("arm", "plan", "terraform")
# Rules whose inputs only exist once deployed (docs/iac.md): not_applicable before deployment,
# a real verdict live. Their live subjects differ too (one per credential, not per principal).
LIVE_ONLY = {
    "ACR-010": "credential end dates (Entra ID)",
    "ACR-011": "credential end dates (Entra ID)",
    "ACR-012": "credential end dates (Entra ID)",
    "ACR-014": "whether the principal exists (Entra ID)",
    "ACR-015": "the principal's credentials (Entra ID)",
    "ACR-028": "the endpoint's IP addresses",
    "ACR-043": "storage usage",
    "ACR-061": "Defender's assessment of the deployed registry's images",
}
# Rules live-only for some subjects: ACR-051 for an AKS cluster whose pools name no subnet (it
# runs in the VNet AKS creates in its node resource group, which exists only once deployed);
# ACR-062 for the registry whose cache rule authenticates through a credential set, whose health
# Azure reports once it has read the Key Vault secrets. (The Defender plan is declared in every
# form, so ACR-060, and ACR-031 through it, are judged alike: no exception.)
PARTLY_LIVE_ONLY = {"ACR-051": ("aks-equiv → acrequivprem",), "ACR-062": ("acrequivprem",)}
Key = tuple[str, str, str]


def _placeholders() -> dict[str, str]:
    """Object id Azure gave a workload identity → the placeholder the IaC forms name it by."""
    d = make_equivalence.load()
    assert d.workloads is not None
    return equivalence_workloads.placeholders(
        d.workloads, resource_group=d.resource_group, subscription="00000000-0000-0000-0000-000000000000"
    )


def _key(finding: dict[str, Any], aliases: dict[str, str] | None = None) -> Key:
    """(rule, kind, name); ``aliases`` renames a deployed principal as the IaC forms name it (a role
    assignment's subject name ends with its principal id, which Azure assigns at deployment)."""
    name = finding["subject"]["name"]
    for live, placeholder in (aliases or {}).items():
        name = name.replace(live, placeholder)
    return finding["rule_id"], finding["subject"]["kind"], name


def _normalized(value: Any) -> str:
    """Text of a message or evidence without what differs by design between IaC and live:
    the subscription id (in ids and named), and the GUID Azure appends to a registry's private endpoint
    connection name (IaC names it ``<endpoint>.<connection>``)."""
    text = json.dumps(value, sort_keys=True)
    text = re.sub(r"/subscriptions/[0-9a-fA-F-]{36}", "/subscriptions/<subscription>", text)
    text = re.sub(r"subscription [0-9a-fA-F-]{36}", "subscription <subscription>", text)  # ACR-060's message
    return re.sub(r'"(pe-[^".]+)\.[^"]+"', r'"\1.<connection>"', text)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    """Exit code and findings of each form, generated into a fresh folder and scanned."""
    work = tmp_path_factory.mktemp("equivalence")
    written = make_equivalence.write(work)
    assert {p.relative_to(work).as_posix() for p in written} >= {
        "arm/main.json",
        "plan.json",
        "terraform/main.tf",
        "live.snapshot.json",
    }

    def scan(form: str) -> tuple[int, list[dict[str, Any]]]:
        flag, path = FORMS[form]
        out = work / f"{form}.results.json"
        extra = ("--repo-root", str(work)) if flag == "--iac" else ()
        proc = run_cli("scan", flag, str(work / path), *extra, "--format", "json", "-o", str(out), "--now", NOW)
        assert proc.returncode in (0, 1, 3), proc.stderr
        results = json.loads(out.read_text())
        assert results["coverage"] == [], form  # every form is complete: nothing "not collected"
        return proc.returncode, results["findings"]

    return {form: scan(form) for form in FORMS}


def test_committed_forms_are_generated_from_the_description() -> None:
    """fixtures/iac/equivalence holds exactly what the generator writes (rerun it after a change)."""
    for relative, text in make_equivalence.forms(make_equivalence.load()):
        assert (EQUIVALENCE / relative).read_text() == text, (
            f"regenerate: python fixtures/make_equivalence.py ({relative})"
        )


def test_all_four_forms_gate_alike(scans: dict[str, tuple[int, list[dict[str, Any]]]]) -> None:
    assert {form: code for form, (code, _) in scans.items()} == dict.fromkeys(FORMS, 1)


def test_live_only_rules_are_not_applicable_before_deployment_and_judged_live(
    scans: dict[str, tuple[int, list[dict[str, Any]]]],
) -> None:
    for form in IAC_FORMS:
        findings = scans[form][1]
        # exactly the documented rules (and subjects) rest on live-only data
        resting = {(f["rule_id"], f["subject"]["name"]) for f in findings if "liveOnly" in f["evidence"]}
        assert {rule for rule, _ in resting} == set(LIVE_ONLY) | set(PARTLY_LIVE_ONLY), form
        assert {(r, n) for r, n in resting if r in PARTLY_LIVE_ONLY} == {
            (rule, name) for rule, names in PARTLY_LIVE_ONLY.items() for name in names
        }, form
        for finding in findings:
            if finding["rule_id"] in LIVE_ONLY or (finding["rule_id"], finding["subject"]["name"]) in resting:
                assert finding["status"] == "not_applicable", (form, _key(finding))
                assert "before deployment" in finding["message"], (form, _key(finding))
    live = scans["live"][1]
    for rule, names in PARTLY_LIVE_ONLY.items():
        verdicts = [f["status"] for f in live if f["rule_id"] == rule and f["subject"]["name"] in names]
        assert verdicts and all(v in ("pass", "fail") for v in verdicts), (rule, verdicts)
    for rule in LIVE_ONLY:
        # (a workload's managed identity has no client secret: the credential rules do not apply to it)
        verdicts = [f["status"] for f in live if f["rule_id"] == rule and "is a managed identity" not in f["message"]]
        assert verdicts and all(v in ("pass", "fail") for v in verdicts), (rule, verdicts)
    # the live form is not a rubber stamp: the secret-holding principal fails ACR-015, the
    # workloads' managed identities pass
    acr015 = {f["subject"]["name"].rsplit(" ", 1)[-1]: f["status"] for f in live if f["rule_id"] == "ACR-015"}
    assert acr015.pop("8c2f4b1a-6d3e-4f70-9a15-3b7e9d0c2a64") == "fail"
    assert set(acr015) == set(_placeholders()) and set(acr015.values()) == {"pass"}


def test_every_other_finding_is_the_same_in_all_four_forms(
    scans: dict[str, tuple[int, list[dict[str, Any]]]],
) -> None:
    aliases = _placeholders()
    by_form = {
        form: {
            _key(f, aliases if form == "live" else None): f
            for f in findings
            if f["rule_id"] not in LIVE_ONLY and f["subject"]["name"] not in PARTLY_LIVE_ONLY.get(f["rule_id"], ())
        }
        for form, (_, findings) in scans.items()
    }
    reference = by_form["live"]
    assert len(reference) >= 40
    for form in IAC_FORMS:
        findings = by_form[form]
        assert sorted(findings) == sorted(reference), form
        for key, live in reference.items():
            got = findings[key]
            assert (got["status"], got["severity"]) == (live["status"], live["severity"]), (form, key)
            if key[1] == "registry":
                # a registry reads the same from every form, so do its messages and evidence
                # (an undeclared property has the value Azure gives it, not null)
                assert _normalized(got["evidence"]) == _normalized(live["evidence"]), (form, key)
                assert _normalized(got["message"]) == _normalized(live["message"]), (form, key)
    # the deployment exercises what the forms must agree on
    statuses = {key[::2]: f["status"] for key, f in reference.items()}
    assert statuses[("ACR-001", "acrequivstd")] == "fail"
    assert statuses[("ACR-001", "acrequivprem")] == "pass"
    assert statuses[("ACR-021", "acrequivstd")] == "fail"
    assert statuses[("ACR-023", "acrequivprem")] == "pass"
    assert statuses[("ACR-026", "acrequivprem")] == "pass"
    assert statuses[("ACR-027", "pe-acrequivprem")] == "pass"
    assert statuses[("ACR-013", "AcrPull → 8c2f4b1a-6d3e-4f70-9a15-3b7e9d0c2a64")] == "pass"
    assert statuses[("ACR-002", "acrequivbasic")] == "not_applicable"  # SKU-gated, in every form
    # workloads (issue 13): the kubelet identity and the app's identity are named through the
    # identities Azure creates (reference(), kubelet_identity[0].object_id, principal_id)
    assert statuses[("ACR-050", "aks-equiv → acrequivprem")] == "pass"
    assert statuses[("ACR-055", "aks-equiv → acrequivprem")] == "pass"
    assert statuses[("ACR-050", "ca-equiv → acrequivprem")] == "pass"
    assert statuses[("ACR-050", "ca-equiv → acrequivbasic")] == "fail"
    assert len({key[2] for key in reference if key[1] == "pull_path"}) == 3  # no other pairs in any form
    # issue 14: the declared Defender plan scans every registry (and the private one lets trusted
    # services in), the anonymous Docker Hub cache rule fails, a registry without cache has none
    assert {statuses[("ACR-060", r)] for r in ("acrequivprem", "acrequivstd", "acrequivbasic")} == {"pass"}
    assert statuses[("ACR-031", "acrequivprem")] == "pass"
    assert statuses[("ACR-062", "acrequivstd")] == "fail"
    assert statuses[("ACR-062", "acrequivbasic")] == "not_applicable"


def test_registry_defaults_fill_only_what_a_declaration_leaves_out() -> None:
    from scanner.sources.iac.deployed_defaults import REGISTRY_DEFAULTS, with_defaults
    from scanner.unknown import Unknown

    unresolved = Unknown("[parameters('policies')] could not be resolved")
    props = with_defaults(
        {"adminUserEnabled": True, "policies": unresolved, "networkRuleSet": {"ipRules": []}}, REGISTRY_DEFAULTS
    )
    assert props["adminUserEnabled"] is True
    assert props["policies"] is unresolved  # an unknown value is never replaced by a default
    assert props["networkRuleSet"] == {"defaultAction": "Allow", "ipRules": []}  # completed, not replaced
    assert props["publicNetworkAccess"] == "Enabled"
    partial = with_defaults({"policies": {"exportPolicy": {"status": "disabled"}}}, REGISTRY_DEFAULTS)["policies"]
    assert partial["exportPolicy"] == {"status": "disabled"}
    assert partial["azureADAuthenticationAsArmPolicy"] == {"status": "enabled"}
    defaulted = with_defaults({}, REGISTRY_DEFAULTS)
    defaulted["networkRuleSet"]["ipRules"].append({"value": "10.0.0.0/8"})  # rows never share the defaults
    assert with_defaults({}, REGISTRY_DEFAULTS)["networkRuleSet"]["ipRules"] == []
