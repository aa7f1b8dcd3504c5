"""Collecting issue 14's lists live, against the HTTPS emulator: Defender plans and assessments
(Resource Graph ``securityresources``) and each registry's cache rules, credential sets and
connected registries (ARM). A 403 on one subscription's plans is a gap there only (exit 3), and
ACR-060 is unknown for that subscription's registries and for no other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.azure.sections import DEFENDER_LISTS, REGISTRY_CHILD_LISTS
from tests.conftest import refusal, scan_json
from tests.emulator import AzureEmulator
from tests.emulator.consumer_tenant import healthy
from tests.emulator.live import live_env
from tests.hostile import Outcome, run_in_process

LIMITS = ("--request-timeout", "5", "--max-retries", "1", "--max-retry-wait", "0.05")


def _collect(emu: AzureEmulator, tmp: Path, *scope: str) -> tuple[Outcome, dict[str, Any], Path]:
    out = tmp / "snapshot.json"
    with live_env(emu, tmp) as cloud:
        args = ["collect", *scope, "-o", str(out), "--auth", "environment", "--cloud", str(cloud)]
        outcome = run_in_process([*args, *LIMITS])
    return outcome, (json.loads(out.read_bytes()) if out.exists() else {}), out


def test_defender_lists_and_registry_children_are_collected(demo_data: dict[str, Any], tmp_path: Path) -> None:
    with AzureEmulator(healthy(demo_data)) as emu:
        outcome, collected, _ = _collect(emu, tmp_path, "--tenant")
        security_queries = [r for r in emu.requests if r.endpoint_kind == "arg" and "securityresources" in str(r.body)]
    assert outcome.code == 0, outcome.describe()
    assert len(security_queries) == len(DEFENDER_LISTS)
    for name in DEFENDER_LISTS:
        assert collected["resourceGraph"][name] == healthy(demo_data)["resourceGraph"][name], name
    for key, entry in healthy(demo_data)["arm"].items():
        for name in REGISTRY_CHILD_LISTS:
            if name in entry:
                assert collected["arm"][key][name] == entry[name], (key, name)
    sets = [s for e in collected["arm"].values() for s in e.get("credentialSets", [])]
    assert sets and all("passwordSecretIdentifier" in c for s in sets for c in s["properties"]["authCredentials"])


def test_a_403_on_one_subscriptions_plans_makes_acr_060_unknown_there_only(
    demo_data: dict[str, Any], tmp_path: Path
) -> None:
    registries = demo_data["resourceGraph"]["registries"]
    subscriptions = sorted({row["subscriptionId"] for row in registries})
    # prod: its registries pass or fail ACR-060 in the demo; deny it and they become unknown, while
    # dev's verdicts (unknown by the demo's own data) do not change.
    denied = next(row["subscriptionId"] for row in registries if row["name"] == "contosoprodacr")
    refusing = {
        **demo_data,
        "errors": [
            refusal(
                denied,
                "securityPricings",
                message="The client does not have authorization to read Microsoft.Security/pricings.",
            )
        ],
    }
    scope = [arg for sub in subscriptions for arg in ("--subscription", sub)]
    with AzureEmulator(refusing) as emu:
        outcome, collected, out = _collect(emu, tmp_path, *scope)
    assert outcome.code == 3, outcome.describe()
    (error,) = collected["errors"]
    assert (error["scope"], error["status"], error["affects"]) == (denied, 403, ["securityPricings"])
    assert all(denied not in row["id"] for row in collected["resourceGraph"]["securityPricings"])
    _, results = scan_json(out, "--rules", "ACR-060", tmp=tmp_path / "scan")
    by_sub: dict[str, set[str]] = {}
    for finding in results["findings"]:
        by_sub.setdefault(finding["subject"]["subscription_id"], set()).add(finding["status"])
    assert by_sub[denied] == {"unknown"}
    _, plain = scan_json(
        Path(__file__).parents[1] / "fixtures" / "demo-tenant.snapshot.json",
        "--rules",
        "ACR-060",
        tmp=tmp_path / "plain",
    )
    # (the demo's registries only: this collection leaves out contoso-lab, whose registries the
    # demo could not list)
    before = {f["subject"]["id"]: f["status"] for f in plain["findings"] if f["subject"]["kind"] == "registry"}
    assert {k: v for k, v in before.items() if denied in k} and all(
        v != "unknown" for k, v in before.items() if denied in k
    )
    after = {f["subject"]["id"]: f["status"] for f in results["findings"]}
    assert {k: v for k, v in after.items() if denied not in k} == {k: v for k, v in before.items() if denied not in k}
