"""Live collection end to end against the local HTTPS Azure emulator (tests/emulator).

The real azure-identity credential and the real SDK clients talk TLS to 127.0.0.1; nothing
in the SDKs is mocked. The CLI runs in this process with the credential's environment variables
set (one end-to-end case runs it as a subprocess, as a pipeline would); the throttling cases run
the collector on a fake clock shared with the emulator, so their quota and ``Retry-After`` waits
are checked without being waited.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.azure.sections import DEFENDER_LISTS
from scanner.sources.live.resource_graph import PACE_MARGIN
from scanner.sources.merge import Input, merge
from tests.cli import CliRun
from tests.conftest import DEMO, ROOT, run_cli
from tests.emulator import AzureEmulator, EmulatorConfig, FakeClock
from tests.emulator.consumer_tenant import with_consumers
from tests.emulator.live import collect_on, live_env

NOW = "2026-11-27T02:00:00Z"


def run_live(emu: AzureEmulator, tmp: Path, *args: str, trust: bool = True) -> CliRun:
    """``acr-scan <args> --auth environment --cloud <emulator>`` in this process."""
    with live_env(emu, tmp, trust) as cloud:
        return run_cli(*args, "--auth", "environment", "--cloud", str(cloud))


def run_live_process(emu: AzureEmulator, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same in a subprocess whose environment alone says where Azure is, as a pipeline runs it."""
    cloud = tmp / "emulator-cloud.yaml"
    cloud.write_text(
        f"name: emulator\nresource_manager: {emu.base_url}\nmicrosoft_graph: {emu.base_url}\n"
        f"authority_host: {emu.base_url}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "REQUESTS_CA", "SSL_CERT"))}
    env.update(AZURE_TENANT_ID=emu.tenant_id, AZURE_CLIENT_ID=emu.client_id, AZURE_CLIENT_SECRET=emu.client_secret)
    env["REQUESTS_CA_BUNDLE"] = emu.ca_path
    command = [sys.executable, "-m", "scanner", *args, "--auth", "environment", "--cloud", str(cloud)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)


def _subscriptions(snapshot: dict[str, Any]) -> list[str]:
    """The subscriptions the snapshot was collected from: those holding registries first (the
    demo's scope also holds a partner's, delegated, with nothing but a private endpoint in it)."""
    registries = sorted({r["subscriptionId"] for r in snapshot["resourceGraph"]["registries"]})
    return registries + sorted(set(snapshot["scope"]["subscriptions"]) - set(registries))


def _gaps(errors: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """What ``errors`` entries say was not collected, list by list (the messages are the collector's own)."""
    return {(e["source"], e["scope"].lower(), e["status"], name) for e in errors for name in e["affects"]}


def _load(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    loaded: dict[str, Any] = json.loads(gzip.decompress(raw) if path.name.endswith(".gz") else raw)
    return loaded


def _findings(snapshot: Path, tmp: Path) -> list[dict[str, Any]]:
    out = tmp / f"{snapshot.stem}-results.json"
    proc = run_cli(
        "scan", "--snapshot", str(snapshot), "--now", NOW, "--format", "json", "--output", str(out), "--quiet"
    )
    assert proc.returncode in (0, 1, 3), proc.stderr
    return json.loads(out.read_text())["findings"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def demo_findings(demo: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The findings of the emulated tenant's snapshot, which every faithful collection must reproduce."""
    folder = tmp_path_factory.mktemp("demo")
    (folder / "tenant.json").write_text(json.dumps(demo))
    return _findings(folder / "tenant.json", folder)


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    """The demo tenant with the test workloads in place of its own."""
    loaded: dict[str, Any] = with_consumers(json.loads(DEMO.read_text()))
    return loaded


@pytest.fixture
def emulator(demo: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[AzureEmulator]:
    config = getattr(request, "param", None) or EmulatorConfig()
    with AzureEmulator(demo, config) as emu:
        yield emu


def test_collect_demo_tenant_gives_the_same_findings(
    emulator: AzureEmulator, demo: dict[str, Any], tmp_path: Path, demo_findings: list[dict[str, Any]]
) -> None:
    out = tmp_path / "collected.json.gz"
    subs = _subscriptions(demo)
    proc = run_live(emulator, tmp_path, "collect", *[a for s in subs for a in ("--subscription", s)], "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    collected = _load(out)
    assert collected["errors"] == []
    assert collected["resourceGraph"] == demo["resourceGraph"]
    assert collected["arm"] == demo["arm"]
    assert sorted(collected["graph"]["missingPrincipals"]) == sorted(demo["graph"]["missingPrincipals"])
    assert _findings(out, tmp_path) == demo_findings
    # Exactly one Resource Graph request per list: every list fits in one 1,000-row page.
    assert "subscriptions" in collected["resourceGraph"]
    assert collected["graph"]["groupMembers"] == demo["graph"]["groupMembers"]
    assert emulator.count("arg") == len(demo["resourceGraph"]) == 21


def test_the_demo_tenant_with_its_refused_lists_round_trips(demo_data: dict[str, Any], tmp_path: Path) -> None:
    """The demo records a refusal (qaregistryacr's artifact-cache lists), a list ARM kept
    throttling (paymentsdevacr's tokens) and two Resource Graph queries that kept failing for one
    subscription each (contoso-dev's replications and contoso-lab's registries, both read by one
    part of a nightly collection in three parts). Collected again in three parts and merged, each
    fails again and is recorded the same way: the part narrows each failing request down to the
    subscription it fails for, and keeps the other's rows. (A fake clock: the retries wait on it,
    not on the wall.)"""
    clock = FakeClock()
    with AzureEmulator(with_consumers(demo_data) | {"errors": demo_data["errors"]}, EmulatorConfig(clock=clock)) as emu:
        parts = [collect_on(emu, tmp_path, clock, shard=(k, 3)) for k in (1, 2, 3)]
        call = f"POST {emu.base_url}/providers/Microsoft.ResourceGraph/resources"
    collected = merge([Input(f"part-{k}.json", "0" * 64, part) for k, part in enumerate(parts, 1)]).document
    assert _gaps(collected["errors"]) == _gaps(demo_data["errors"]) != set()
    assert {e["status"] for e in collected["errors"]} == {403, 429, 503}
    unavailable = [e for e in collected["errors"] if e["status"] == 503]
    assert sorted(a for e in unavailable for a in e["affects"]) == ["registries", "replications"]
    assert all(e["message"].startswith(f"{call}: HTTP 503 ServiceUnavailable") for e in unavailable)
    for name in ("registries", "replications"):
        assert collected["resourceGraph"][name] == demo_data["resourceGraph"][name], name
    refused = demo_data["errors"][0]["scope"].lower()
    assert not {"cacheRules", "credentialSets", "connectedRegistries"} & set(collected["arm"][refused])


def test_quota_headers_are_honoured_before_any_429(demo: dict[str, Any], tmp_path: Path) -> None:
    """Four requests per 5 s of the shared fake clock: the collector waits out each window, never a 429."""
    clock = FakeClock()
    with AzureEmulator(demo, EmulatorConfig(arg_quota=(4, 5.0), clock=clock)) as emu:
        snapshot = collect_on(emu, tmp_path, clock)
        statuses = [r.status for r in emu.requests if r.endpoint_kind == "arg"]
    assert len(statuses) == len(demo["resourceGraph"]) == 21 and 429 not in statuses
    assert snapshot["resourceGraph"] == demo["resourceGraph"]
    # 21 requests, 4 per window: five waits for a window to reset, each at most a window plus the
    # header's rounding up to whole seconds.
    assert len(clock.sleeps) == 5 and all(0 < s <= 5.0 + 1 + PACE_MARGIN + 1e-9 for s in clock.sleeps), clock.sleeps


def test_429_without_warning_headers_is_recovered(demo: dict[str, Any], tmp_path: Path) -> None:
    """No quota headers: the 429s' Retry-After (whole seconds of the fake clock) is what the collector waits."""
    clock = FakeClock()
    config = EmulatorConfig(arg_quota=(4, 5.0), arg_quota_headers=False, arg_429_retry_after=True, clock=clock)
    with AzureEmulator(demo, config) as emu:
        snapshot = collect_on(emu, tmp_path, clock)
        throttled = [r for r in emu.requests if r.endpoint_kind == "arg" and r.status == 429]
    assert throttled
    assert snapshot["resourceGraph"] == demo["resourceGraph"]
    assert len(clock.sleeps) == len(throttled) and all(1 <= s <= 5 for s in clock.sleeps), clock.sleeps


def test_forbidden_subscription_gives_a_partial_snapshot(
    demo: dict[str, Any], tmp_path: Path, demo_findings: list[dict[str, Any]]
) -> None:
    subs = _subscriptions(demo)
    denied = subs[1]
    with AzureEmulator(demo, EmulatorConfig(forbidden_subscriptions=frozenset({denied}))) as emu:
        out = tmp_path / "partial.json"
        proc = run_live(emu, tmp_path, "collect", *[a for s in subs for a in ("--subscription", s)], "-o", str(out))
    assert proc.returncode == 3, proc.stderr
    assert "403" in proc.stderr and denied in proc.stderr
    snapshot = _load(out)
    assert {e["scope"] for e in snapshot["errors"] if e["source"] == "resourceGraph"} == {denied}
    findings = _findings(out, tmp_path)
    unknown = [f for f in findings if f["status"] == "unknown"]
    assert unknown, "rules over the denied subscription must be unknown, not pass"
    readable = [f for f in findings if f["subject"]["subscription_id"] == subs[0]]
    assert any(f["status"] == "pass" for f in readable)
    # A role definition is the same whichever subscription returned it: the refusal does not hide
    # the roles of the readable subscription's assignments (ACR-013 judges them as before).
    before = {(f["rule_id"], f["subject"]["id"]): f["status"] for f in demo_findings}
    roles = [f for f in findings if f["rule_id"] == "ACR-013"]
    assert roles and all(before[("ACR-013", f["subject"]["id"])] == f["status"] for f in roles)
    assert not [f for f in findings if "<role.name>" in f["subject"]["name"]]
    # An assignment above the refused subscription may reach its unlisted registries: whether it
    # reaches one in ABAC mode (ACR-054) is unknown, never "not applicable".
    abac = {f["subject"]["id"]: f["status"] for f in findings if f["rule_id"] == "ACR-054"}
    judged = [k for (rule, k), status in before.items() if rule == "ACR-054" and status in ("pass", "fail")]
    assert judged and {abac[k] for k in judged if k in abac} == {"unknown"}


def test_forbidden_registry_becomes_arm_errors_and_the_scan_goes_on(
    demo: dict[str, Any], tmp_path: Path, demo_findings: list[dict[str, Any]]
) -> None:
    registry = next(r["id"] for r in demo["resourceGraph"]["registries"] if r["name"] == "paymentsprodacr")
    key = registry.lower()
    subs = _subscriptions(demo)
    with AzureEmulator(demo, EmulatorConfig(forbidden_registries=frozenset({key}))) as emu:
        out = tmp_path / "partial.json"
        proc = run_live(emu, tmp_path, "collect", *[a for s in subs for a in ("--subscription", s)], "-o", str(out))
        denied = [r for r in emu.requests if r.endpoint_kind == "arm" and r.status == 403]
    assert proc.returncode == 3, proc.stderr
    assert "403" in proc.stderr and "paymentsprodacr" in proc.stderr and "Traceback" not in proc.stderr
    assert {r.path.lower().removeprefix(key) for r in denied} == {
        "/tokens",
        "/scopemaps",
        "/listusages",
        "/providers/microsoft.insights/diagnosticsettings",
        "/cacherules",
        "/credentialsets",
        "/connectedregistries",
    }
    snapshot = _load(out)
    errors = snapshot["errors"]
    assert {e["source"] for e in errors} == {"arm"}
    assert {e["scope"] for e in errors} == {registry} and {e["status"] for e in errors} == {403}
    assert {e["code"] for e in errors} == {"AuthorizationFailed"}
    assert sorted(a for e in errors for a in e["affects"]) == [
        "cacheRules",
        "connectedRegistries",
        "credentialSets",
        "diagnosticSettings",
        "scopeMaps",
        "tokens",
        "usages",
    ]
    assert all("Microsoft.ContainerRegistry" in e["message"] or "Insights" in e["message"] for e in errors)
    # Every other registry's ARM data is there, exactly as Azure has it; the denied one has none.
    assert snapshot["arm"][key] == {}
    assert {k: v for k, v in snapshot["arm"].items() if k != key} == {k: v for k, v in demo["arm"].items() if k != key}
    assert snapshot["resourceGraph"] == demo["resourceGraph"]
    # Scanning it: the rules that read tokens, scope maps, usages or diagnostic settings are unknown
    # on that registry only; every other finding is the bundled demo's.
    findings, expected = _findings(out, tmp_path), demo_findings
    changed = [f for f in findings if f not in expected]
    assert changed and all(f["status"] == "unknown" for f in changed)
    assert {f["subject"]["registry_id"] for f in changed} == {registry}
    # ACR-004 token passwords and ACR-005 scope maps (tokens), ACR-043 storage (usages), ACR-044 audit logs.
    assert {f["rule_id"] for f in changed} >= {"ACR-004", "ACR-005", "ACR-043", "ACR-044"}
    others = [f for f in findings if f["subject"].get("registry_id") != registry]
    assert others == [f for f in expected if f["subject"].get("registry_id") != registry]


def test_management_group_assignments_reach_only_the_subscriptions_below_them(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """The subscriptions' management-group chain is collected and decides what an MG assignment reaches."""
    tenant = copy.deepcopy(demo)
    prod, dev, *_ = (row for row in tenant["resourceGraph"]["subscriptions"] if "fabrikam" not in row["name"])
    assert "prod" in prod["name"] and "dev" in dev["name"]
    root = dev["properties"]["managementGroupAncestorsChain"][-1]
    dev["properties"]["managementGroupAncestorsChain"] = [{"displayName": "Sandbox", "name": "contoso-sandbox"}, root]
    with AzureEmulator(tenant, EmulatorConfig()) as emu:
        out = tmp_path / "s.json"
        proc = run_live(emu, tmp_path, "collect", "--tenant", "-o", str(out))
        queries = [r.body["query"] for r in emu.requests if r.endpoint_kind == "arg"]
    assert proc.returncode == 0, proc.stderr
    assert sum("\nresourcecontainers\n" in q for q in queries) == 1
    assert _load(out)["resourceGraph"]["subscriptions"] == tenant["resourceGraph"]["subscriptions"]
    in_prod = sum(1 for r in demo["resourceGraph"]["registries"] if r["subscriptionId"] == prod["subscriptionId"])
    assert 0 < in_prod < len(demo["resourceGraph"]["registries"])
    operator = next(
        f
        for f in _findings(out, tmp_path)
        if f["rule_id"] == "ACR-013"
        and "/managementgroups/contoso-platform/" in f["subject"]["id"].lower()
        and f["status"] == "fail"
    )
    assert f"reaching {in_prod} registries" in operator["message"]


def test_wrong_secret_is_one_clear_line(demo: dict[str, Any], tmp_path: Path) -> None:
    with AzureEmulator(demo, EmulatorConfig(reject_client_secret=True)) as emu:
        proc = run_live(emu, tmp_path, "collect", "--tenant", "-o", str(tmp_path / "s.json"))
    assert proc.returncode == 5
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "authentication" in line and "AADSTS7000215" in line and "az login" in line
    assert not (tmp_path / "s.json").exists()


def test_untrusted_tls_is_one_clear_line(emulator: AzureEmulator, tmp_path: Path) -> None:
    proc = run_live(emulator, tmp_path, "collect", "--tenant", "-o", str(tmp_path / "s.json"), trust=False)
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "REQUESTS_CA_BUNDLE" in proc.stderr.strip().splitlines()[-1]


def test_payload_too_large_is_split(demo: dict[str, Any], tmp_path: Path) -> None:
    biggest = max(len(v) for v in demo["resourceGraph"].values())
    config = EmulatorConfig(arg_max_rows_per_response=max(1, biggest // 2))
    subs = _subscriptions(demo)
    with AzureEmulator(demo, config) as emu:
        out = tmp_path / "s.json"
        proc = run_live(emu, tmp_path, "collect", *[a for s in subs for a in ("--subscription", s)], "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert any(r.status == 400 for r in emu.requests if r.endpoint_kind == "arg")
    assert _load(out)["resourceGraph"] == demo["resourceGraph"]


def test_dns_table_fallback_reads_records_through_arm(
    demo: dict[str, Any], tmp_path: Path, demo_findings: list[dict[str, Any]]
) -> None:
    with AzureEmulator(demo, EmulatorConfig(dns_table_available=False)) as emu:
        out = tmp_path / "s.json"
        proc = run_live(emu, tmp_path, "collect", "--tenant", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
    records = _load(out)["resourceGraph"]["privateDnsRecordSets"]
    assert {r["id"].lower() for r in records} == {
        r["id"].lower() for r in demo["resourceGraph"]["privateDnsRecordSets"]
    }
    rules = {"ACR-027", "ACR-028"}
    assert [f for f in _findings(out, tmp_path) if f["rule_id"] in rules] == [
        f for f in demo_findings if f["rule_id"] in rules
    ]


def test_graph_throttling_is_retried(demo: dict[str, Any], tmp_path: Path) -> None:
    """Per-item 429s inside ``$batch`` with ``Retry-After: 1``: retried after that second, then complete."""
    clock = FakeClock()
    with AzureEmulator(demo, EmulatorConfig(graph_throttle_first=3, clock=clock)) as emu:
        snapshot = collect_on(emu, tmp_path, clock)
    assert snapshot["errors"] == []
    assert sorted(snapshot["graph"]["missingPrincipals"]) == sorted(demo["graph"]["missingPrincipals"])
    assert 1 in clock.sleeps


def _synthetic(registries: int, seed: int) -> dict[str, Any]:
    """A synthetic tenant whose subscriptions (resourcecontainers rows) sit under its management group."""
    sys.path.insert(0, str(ROOT / "fixtures"))
    import make_synthetic
    import tenantgen

    snapshot: dict[str, Any] = make_synthetic.SyntheticTenant(registries, seed).build()
    tenant = snapshot["tenantId"]
    chain = [(make_synthetic.MG, "Synthetic Root"), (tenant, "Tenant Root Group")]
    snapshot["resourceGraph"]["subscriptions"] = [
        tenantgen.subscription_row(sub, display_name=f"synthetic-{n}", tenant_id=tenant, management_groups=chain)
        for n, sub in enumerate(sorted(snapshot["scope"]["subscriptions"]))
    ]
    # A live collection reads the Defender lists too (a generated tenant has none of them).
    snapshot["resourceGraph"].update({name: [] for name in DEFENDER_LISTS})
    return snapshot


def test_paging_uses_the_minimum_number_of_requests(tmp_path: Path) -> None:
    snapshot = with_consumers(_synthetic(400, 7), extra_public_ips=1001)  # about 1,200 role assignments
    with AzureEmulator(snapshot, EmulatorConfig()) as emu:
        out = tmp_path / "s.json.gz"
        proc = run_live(emu, tmp_path, "collect", "--tenant", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        sent = emu.count("arg")
    # One request per 1,000 rows per list (subscriptions with their MG chain and the consumers too).
    assert len(snapshot["resourceGraph"]) == 21
    expected = sum(max(1, math.ceil(len(rows) / 1000)) for rows in snapshot["resourceGraph"].values())
    assert sent == expected
    assert any(len(rows) > 1000 for rows in snapshot["resourceGraph"].values())
    assert _load(out)["resourceGraph"] == snapshot["resourceGraph"]


def test_scan_collects_then_scans_and_keeps_the_snapshot(
    emulator: AzureEmulator, demo: dict[str, Any], tmp_path: Path, demo_findings: list[dict[str, Any]]
) -> None:
    results = tmp_path / "reports" / "results.json"
    subs = _subscriptions(demo)
    proc = run_live_process(
        emulator,
        tmp_path,
        "scan",
        *[a for s in subs for a in ("--subscription", s)],
        "--now",
        NOW,
        "--format",
        "json",
        "--output",
        str(results),
        "--quiet",
        "--verbose",
    )
    assert proc.returncode == 1, proc.stderr  # the demo tenant has failing findings
    kept = results.parent / "snapshot.json.gz"
    assert kept.exists()
    assert json.loads(results.read_text())["findings"] == demo_findings
    # --verbose logs each request without ever printing a token or the secret.
    assert "POST https://127.0.0.1" in proc.stderr and "/providers/Microsoft.ResourceGraph/resources" in proc.stderr
    assert emulator.client_secret not in proc.stderr and "Bearer" not in proc.stderr
