"""Missing data is ``unknown``, never ``pass``; an empty list is real data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.inventory.build import build_inventory
from scanner.inventory.model import RoleAssignment
from scanner.inventory.subjects.access import unlisted_in_reach
from tests.conftest import refusal, scan_json

CREDENTIAL_RULES = ("ACR-010", "ACR-011", "ACR-012")


def _statuses(results: dict[str, Any], *rules: str) -> set[str]:
    return {f["status"] for f in results["findings"] if f["rule_id"] in rules}


def test_without_graph_credential_rules_are_unknown(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    del demo_copy["graph"]
    code, results = scan_json(write_snapshot(demo_copy), tmp=tmp_path)
    assert _statuses(results, *CREDENTIAL_RULES) == {"unknown"}
    assert "pass" not in _statuses(results, "ACR-014")
    assert "unknown" in _statuses(results, "ACR-014", "ACR-015")
    assert code == 1  # the demo also has known failures, which take precedence
    reasons = {f["message"] for f in results["findings"] if f["rule_id"] == "ACR-010"}
    assert any("graph" in r for r in reasons)


def test_exit_code_reflects_unknowns(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    rules = ",".join(CREDENTIAL_RULES)
    complete = write_snapshot(demo_copy, "complete.json")
    code_complete, _ = scan_json(complete, "--rules", rules, "--fail-on", "critical", tmp=tmp_path)
    del demo_copy["graph"]
    partial = write_snapshot(demo_copy, "partial.json")
    code_partial, _ = scan_json(partial, "--rules", rules, "--fail-on", "critical", tmp=tmp_path)
    code_allowed, _ = scan_json(
        partial, "--rules", rules, "--fail-on", "critical", "--no-fail-on-unknown", tmp=tmp_path
    )
    assert (code_complete, code_partial, code_allowed) == (0, 3, 0)


def test_without_arm_token_and_usage_rules_are_unknown(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    del demo_copy["arm"]
    _, results = scan_json(write_snapshot(demo_copy), tmp=tmp_path)
    for rule in ("ACR-004", "ACR-005", "ACR-043", "ACR-044"):
        assert _statuses(results, rule) == {"unknown"}, rule
    assert "pass" in _statuses(results, "ACR-001")  # unrelated rules still evaluate


def test_one_registry_missing_from_arm_is_unknown_only_there(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    victim = sorted(demo_copy["arm"])[0]
    del demo_copy["arm"][victim]
    _, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-044", tmp=tmp_path)
    listed = [f for f in results["findings"] if f["subject"]["kind"] == "registry"]  # (not contoso-lab's gap)
    by_registry = {f["subject"]["registry_id"].lower(): f["status"] for f in listed}
    assert by_registry[victim] == "unknown"
    assert {s for k, s in by_registry.items() if k != victim} <= {"pass", "fail"}


def test_empty_lists_are_real_data(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    for block in demo_copy["arm"].values():
        block["diagnosticSettings"] = []
    _, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-044", tmp=tmp_path)
    listed = {"findings": [f for f in results["findings"] if f["subject"]["kind"] == "registry"]}
    assert _statuses(listed, "ACR-044") == {"fail"}


def test_403_on_a_subscription_makes_its_role_rules_unknown(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    sub = demo_copy["scope"]["subscriptions"][0]
    demo_copy["errors"] = [refusal(sub, "roleAssignments")]
    _, results = scan_json(write_snapshot(demo_copy), tmp=tmp_path)
    assert results["coverage"][0]["status"] == 403
    role = [f for f in results["findings"] if f["rule_id"] == "ACR-013"]
    in_sub = {f["status"] for f in role if f["subject"]["kind"] == "registry"}
    assert in_sub == {"unknown"}
    unknown_registries = {f["subject"]["id"].lower() for f in role if f["status"] == "unknown"}
    assert all(f"/subscriptions/{sub}/" in r for r in unknown_registries)
    assert any(f["status"] in ("pass", "fail") for f in role)  # the other subscription still evaluates
    del demo_copy["resourceGraph"]["roleAssignments"]
    _, gone = scan_json(write_snapshot(demo_copy, "gone.json"), tmp=tmp_path)
    assert _statuses(gone, "ACR-013", "ACR-010") == {"unknown"}


def test_registries_section_missing_is_unknown_not_clean(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    del demo_copy["resourceGraph"]["registries"]
    code, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-001", tmp=tmp_path)
    assert _statuses(results, "ACR-001") == {"unknown"}
    assert code == 3


def test_private_endpoint_outside_scope_is_unknown(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    demo_copy["resourceGraph"]["privateEndpoints"] = []
    _, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-027,ACR-028", tmp=tmp_path)
    assert _statuses(results, "ACR-027", "ACR-028") == {"unknown"}


def test_missing_role_definitions_make_role_rules_unknown(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    del demo_copy["resourceGraph"]["roleDefinitions"]
    _, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-013,ACR-015", tmp=tmp_path)
    statuses = _statuses(results, "ACR-013", "ACR-015")
    assert "pass" not in statuses and "unknown" in statuses


def test_one_unknown_role_definition_is_unknown_only_where_used(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    rows = demo_copy["resourceGraph"]["roleDefinitions"]
    demo_copy["resourceGraph"]["roleDefinitions"] = [
        r for r in rows if not r["id"].lower().endswith("8311e382-0749-4cb8-b61a-304f252e45ec")
    ]
    _, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-013", tmp=tmp_path)
    unknown = [f for f in results["findings"] if f["status"] == "unknown"]
    assert unknown and all("8311e382" in f["message"] for f in unknown)
    assert any(f["status"] == "pass" for f in results["findings"])


def test_failed_graph_lookup_of_a_user_is_unknown_not_pass(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    rows = demo_copy["resourceGraph"]["roleAssignments"]
    user = next(
        r
        for r in rows
        if r["properties"]["principalType"] == "User"
        and r["properties"]["principalId"].lower() not in {p.lower() for p in demo_copy["graph"]["missingPrincipals"]}
        and "/resourcegroups/" in r["properties"]["scope"].lower()
    )
    pid = user["properties"]["principalId"]
    demo_copy["errors"] = [
        {
            "source": "graph",
            "scope": pid,
            "status": 503,
            "code": "ServiceUnavailable",
            "message": "try later",
            "affects": ["principal"],
        }
    ]
    _, results = scan_json(write_snapshot(demo_copy), "--rules", "ACR-014", tmp=tmp_path)
    mine = [f for f in results["findings"] if f["subject"]["id"].lower() == user["id"].lower()]
    assert [f["status"] for f in mine] == ["unknown"]


def test_a_missing_management_group_chain_does_not_hide_access(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    """One subscription's chain missing: MG assignments still count as reaching its registries."""
    registries = demo_copy["resourceGraph"]["registries"]

    def reach(data: dict[str, Any], name: str) -> str:
        _, results = scan_json(write_snapshot(data, name), "--rules", "ACR-013", tmp=tmp_path)
        operator = next(
            f
            for f in results["findings"]
            if "/managementgroups/contoso-platform/" in f["subject"]["id"].lower() and f["status"] == "fail"
        )
        return str(operator["message"])

    assert f"reaching {len(registries)} registries" in reach(demo_copy, "full.json")
    # The dev subscription moves under another group: the assignment no longer reaches it...
    rows = demo_copy["resourceGraph"]["subscriptions"]
    prod, dev = (next(r for r in rows if r["name"] == name) for name in ("contoso-prod", "contoso-dev"))
    others = [r for r in rows if r is not prod and r is not dev]  # (the partner's, delegated)
    root = dev["properties"]["managementGroupAncestorsChain"][-1]
    dev["properties"]["managementGroupAncestorsChain"] = [{"name": "contoso-sandbox"}, root]
    in_prod = sum(1 for r in registries if r["subscriptionId"] == prod["subscriptionId"])
    assert f"reaching {in_prod} registries" in reach(demo_copy, "moved.json")
    # ...but when the dev subscription's chain was simply not collected, it must not vanish.
    demo_copy["resourceGraph"]["subscriptions"] = [prod, *others]
    assert f"reaching {len(registries)} registries" in reach(demo_copy, "partial.json")


def test_a_pull_from_an_azure_registry_that_may_be_unlisted_is_unknown(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    """The prod subscription refused the registry list: its registries are not in the snapshot.
    payments-api and nightly-etl pull from *.azurecr.io servers that were not listed: they may be
    registries in the refused subscription, so those pulls are unknown, not skipped as a foreign
    registry's (Docker Hub's or another tenant's) would be."""
    prod = next(r["subscriptionId"] for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "contosoprodacr")
    rows = demo_copy["resourceGraph"]["registries"]
    demo_copy["resourceGraph"]["registries"] = [r for r in rows if r["subscriptionId"] != prod]
    demo_copy["errors"] = [refusal(prod, "registries")]
    _, results = scan_json(write_snapshot(demo_copy), tmp=tmp_path)
    pulls = [f for f in results["findings"] if f["subject"]["kind"] == "pull_path" and f["rule_id"] == "ACR-050"]
    unlisted = {f["subject"]["name"]: f for f in pulls if "not among the registries listed" in f["message"]}
    assert {"payments-api → contosoprodacr.azurecr.io", "nightly-etl → analyticsprodacr.azurecr.io"} <= set(unlisted)
    assert {f["status"] for f in unlisted.values()} == {"unknown"}
    # aks-prod pulls with its kubelet identity from wherever that identity holds AcrPull: the
    # registries it reaches in prod were not listed, so beside the pulls it can be shown, one
    # more is unknown.
    held = [f for f in pulls if f["subject"]["name"].startswith("aks-prod") and "not listed" in f["message"]]
    assert [f["status"] for f in held] == ["unknown"] and "kubelet" in held[0]["message"]


def test_which_assignments_may_reach_registries_that_were_not_listed(demo_copy: dict[str, Any]) -> None:
    """A registry list failed for one resource group of prod: an assignment inside that group,
    around it (prod itself), above it (the root, a management group) may reach registries that
    were not listed; one in another resource group or subscription cannot."""
    prod = next(r["subscriptionId"] for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "contosoprodacr")
    dev = next(r["subscriptionId"] for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "contosodevacr")
    group = f"/subscriptions/{prod}/resourcegroups/rg-hidden"
    demo_copy["errors"] = [refusal(group, "registries", message="refused")]
    gap = unlisted_in_reach(build_inventory(demo_copy))

    def at(scope: str, level: str) -> RoleAssignment:
        return RoleAssignment("a", "a", scope, scope.lower(), level, "p", "User", "r", None, "a")

    mg = "/providers/microsoft.management/managementgroups/contoso-platform"
    reaching = [at(group + "/providers/x/y/z", "resource"), at(group, "resourceGroup"),
                at(f"/subscriptions/{prod}", "subscription"), at("/", "root")]  # fmt: skip
    assert all(gap(a) is not None for a in reaching)
    apart = [at(f"/subscriptions/{prod}/resourcegroups/rg-other", "resourceGroup"),
             at(f"/subscriptions/{dev}", "subscription")]  # fmt: skip
    assert all(gap(a) is None for a in apart)
    assert gap(at(mg, "managementGroup")) is not None  # (prod is under it, or its chain is unknown)
