"""The live-fault matrix: every fault of a flaky network or a broken service, on every endpoint.

The real CLI (``acr-scan collect``, in-process) runs against the HTTPS emulator with one fault
injected on one endpoint kind. A fault that hits every request of an endpoint must end with the
documented exit code: 5 and one line naming the call and the cause when nothing can be collected
(the token endpoint, Resource Graph's first list), 3 with the affected lists recorded as
``errors`` when the fault is scoped (a Resource Graph list after the registries, ARM lists, usages
and site configurations, Microsoft Graph ``$batch`` and the GETs inside it, group member lists).
A fault that hits only the first request is retried away: exit 0 and the same snapshot as a
healthy tenant gives. Small limits keep every case to about a second.
"""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.azure.sections import REGISTRY_CHILD_LISTS
from tests.emulator import FAULT_KINDS, ITEM_FAULTS, AzureEmulator, Fault
from tests.emulator.consumer_tenant import with_consumers
from tests.emulator.live import live_env
from tests.hostile import Outcome, assert_contract, run_in_process

#: Small limits: a stall is given up after 0.5 s, a backoff never waits more than 0.05 s.
LIMITS = ("--request-timeout", "0.5", "--max-retries", "1", "--max-retry-wait", "0.05", "--phase-timeout", "20")
CASE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a fault is injected, what it must end with and how the error names the call."""

    kind: str
    exit_code: int
    names: str  # in the one error line (exit 5) or in every gap line (exit 3)
    path_contains: str = ""
    source: str = ""  # the snapshot errors' source (exit 3)
    body_contains: str = ""  # one Resource Graph query among the others
    affects: frozenset[str] = frozenset()


ENDPOINTS = {
    "token": Endpoint("token", 5, "/oauth2/v2.0/token"),
    "resource-graph": Endpoint("arg", 5, "/providers/Microsoft.ResourceGraph/resources"),
    "resource-graph-consumers": Endpoint(
        "arg",
        3,
        "/providers/Microsoft.ResourceGraph/resources",
        source="resourceGraph",
        body_contains="microsoft.containerservice/managedclusters",
        affects=frozenset({"managedClusters"}),
    ),
    "arm-lists": Endpoint(
        "arm",
        3,
        "GET https://",
        source="arm",
        affects=frozenset(
            {"tokens", "scopeMaps", "usages", "diagnosticSettings", "siteConfig", *REGISTRY_CHILD_LISTS}
        ),
    ),
    "arm-usages": Endpoint(
        "arm", 3, "/listUsages", path_contains="/listusages", source="arm", affects=frozenset({"usages"})
    ),
    "arm-site-config": Endpoint(
        "arm", 3, "/config/web", path_contains="/config/web", source="arm", affects=frozenset({"siteConfig"})
    ),
    "graph-batch": Endpoint("graph_batch", 3, "POST https://", source="graph", affects=frozenset({"principal"})),
    "graph-get": Endpoint("graph", 3, "(in $batch)", source="graph", affects=frozenset({"principal"})),
    "graph-members": Endpoint(
        "graph", 3, "/transitiveMembers", "/transitivemembers", "graph", affects=frozenset({"groupMembers"})
    ),
}

#: What the error must say was wrong (any one of these, case-insensitive).
CAUSES: dict[str, tuple[str, ...]] = {
    "close": ("closed the connection",),
    "reset": ("closed the connection", "reset"),
    "stall": ("--request-timeout",),
    "truncated": ("cut off",),
    "status": ("HTTP 503",),
    "throttle": ("asked to retry in 999999 s, more than --max-retry-wait 0.05 s",),
    "html": ("HTML page",),
    "empty": ("empty body", "without a body"),
    "null": ("null",),
    "list": ("an array",),
    "wrong_shape": ("wrong shape", "without a usable access_token"),
    "wrong_items": ("wrong shape", "without a usable access_token"),
    "deep": ("nested more than 32 levels",),
    "bad_gzip": ("gzip",),
    "gzip_bomb": ("MiB (decompressed)",),
}
assert set(CAUSES) == FAULT_KINDS


def _cases() -> Iterator[Any]:
    for name, endpoint in ENDPOINTS.items():
        for kind in sorted(FAULT_KINDS):
            if endpoint.kind == "graph" and kind not in ITEM_FAULTS:
                continue  # a $batch item has no connection or raw body of its own (graph-batch covers them)
            yield pytest.param(name, kind, id=f"{name}-{kind}")


def _small_tenant(demo: dict[str, Any], registries: int = 3) -> dict[str, Any]:
    """The demo tenant cut to a few registries (each case then costs a few dozen requests), with
    the registries' consumers (a container site to read the configuration of, groups to expand)."""
    tenant = copy.deepcopy(demo)
    kept = tenant["resourceGraph"]["registries"][:registries]
    tenant["resourceGraph"]["registries"] = kept
    ids = {row["id"].lower() for row in kept}
    tenant["arm"] = {key: value for key, value in tenant["arm"].items() if key in ids}
    return with_consumers(tenant)


@pytest.fixture(scope="module")
def emulator(demo_data: dict[str, Any]) -> Iterator[AzureEmulator]:
    """One emulator for the whole matrix; each case sets its own fault."""
    with AzureEmulator(_small_tenant(demo_data)) as emu:
        yield emu


@pytest.fixture(autouse=True)
def small_body_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gzip bomb is refused at 1 MiB here, not 64 (the corpus in test_live_hostile uses the real cap)."""
    monkeypatch.setattr("scanner.sources.live.exchange.MAX_BODY_BYTES", 2**20)


@pytest.fixture(scope="module")
def healthy(emulator: AzureEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a collection of the healthy tenant gives (collectedAt aside)."""
    out = tmp_path_factory.mktemp("healthy") / "snapshot.json"
    with live_env(emulator, out.parent) as cloud:
        outcome = _collect(cloud, out)
    assert outcome.code == 0, outcome.describe()
    return _comparable(out)


def _collect(cloud: Path, out: Path, *extra: str) -> Outcome:
    args = ["collect", "--tenant", "-o", str(out), "--auth", "environment", "--cloud", str(cloud), *LIMITS, *extra]
    return run_in_process(args)


def _comparable(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_bytes())
    document.pop("collectedAt")
    return document


def _lines(outcome: Outcome) -> list[str]:
    return [line for line in outcome.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize(("endpoint_name", "kind"), list(_cases()))
def test_a_persistent_fault_ends_with_the_documented_exit_and_names_the_call(
    emulator: AzureEmulator, tmp_path: Path, endpoint_name: str, kind: str
) -> None:
    endpoint = ENDPOINTS[endpoint_name]
    if kind == "deep":
        # The earlier cases' clients are collected first: otherwise the garbage collector may run
        # their finalizers in the middle of MSAL's parse of a 100,000-level token body, where the
        # stack is nearly full and the finalizer (and pytest's report of it) fails for want of
        # stack, not because of anything this case tests.
        gc.collect()
    emulator.set_faults(
        Fault(
            endpoint.kind,
            kind,
            path_contains=endpoint.path_contains,
            body_contains=endpoint.body_contains,
            stall_seconds=5,
        )
    )
    out = tmp_path / "snapshot.json"
    try:
        with live_env(emulator, tmp_path) as cloud:
            outcome = _collect(cloud, out)
        injected = emulator.faults_injected
    finally:
        emulator.set_faults()
    assert injected > 0, "the fault was never injected"
    assert_contract(outcome, allowed=frozenset({endpoint.exit_code}), time_limit=CASE_SECONDS)
    lines = _lines(outcome)
    causes = CAUSES[kind]
    if endpoint.exit_code == 5:
        (line,) = lines
        assert line.startswith("acr-scan: error: ") and endpoint.names in line, line
        assert any(cause.lower() in line.lower() for cause in causes), (causes, line)
        assert "client id and secret" not in line  # not an authentication refusal
        assert not out.exists(), "nothing may be written when nothing could be collected"
        return
    # Exit 3: the snapshot is written, the gaps are recorded and said one line each.
    assert all(line.startswith("acr-scan: ") for line in lines), lines
    gaps = [line for line in lines if line.startswith("acr-scan: not collected")]
    assert gaps and len(gaps) == len(lines) - 1, lines
    assert all(endpoint.names in gap for gap in gaps), gaps
    assert any(any(cause.lower() in gap.lower() for cause in causes) for gap in gaps), (causes, gaps)
    errors = json.loads(out.read_bytes())["errors"]
    assert errors and {e["source"] for e in errors} == {endpoint.source}
    assert {a for e in errors for a in e["affects"]} == endpoint.affects


TRANSIENT = ("close", "stall", "truncated", "status", "throttle", "html", "bad_gzip")


def _transient_cases() -> Iterator[Any]:
    for name, endpoint in ENDPOINTS.items():
        for kind in TRANSIENT:
            if (endpoint.kind == "graph" and kind not in ITEM_FAULTS) or (endpoint.kind, kind) == ("token", "throttle"):
                continue
            yield pytest.param(name, kind, id=f"{name}-{kind}")


@pytest.mark.parametrize(("endpoint_name", "kind"), list(_transient_cases()))
def test_a_fault_on_the_first_request_is_retried_away(
    emulator: AzureEmulator, healthy: dict[str, Any], tmp_path: Path, endpoint_name: str, kind: str
) -> None:
    """GETs and the read-only POSTs (Resource Graph, Graph ``$batch``, the token request) are retried."""
    endpoint = ENDPOINTS[endpoint_name]
    # MSAL answers a token request repeated within 5 s of a 5xx from its cache unless Retry-After
    # says sooner; a real Entra ID outage gets that pause (see test_the_token_endpoint_...).
    retry_after = 0 if (endpoint.kind, kind) == ("token", "status") else None
    fault = Fault(
        endpoint.kind,
        kind,
        times=1,
        path_contains=endpoint.path_contains,
        body_contains=endpoint.body_contains,
        stall_seconds=5,
        retry_after=retry_after,
    )
    emulator.set_faults(fault)
    out = tmp_path / "snapshot.json"
    try:
        with live_env(emulator, tmp_path) as cloud:
            outcome = _collect(cloud, out)
        injected = emulator.faults_injected
    finally:
        emulator.set_faults()
    assert injected == 1
    assert_contract(outcome, allowed=frozenset({0}), time_limit=CASE_SECONDS)
    assert _comparable(out) == healthy


def test_the_token_endpoint_is_not_asked_again_sooner_than_it_allows(emulator: AzureEmulator, tmp_path: Path) -> None:
    """A 429 with an absurd Retry-After from Entra ID: no sleep, no retry MSAL would refuse; one line."""
    emulator.set_faults(Fault("token", "throttle", times=1))
    emulator.clear_requests()
    try:
        with live_env(emulator, tmp_path) as cloud:
            outcome = _collect(cloud, tmp_path / "snapshot.json")
        sent = emulator.count("token")
    finally:
        emulator.set_faults()
    assert_contract(outcome, allowed=frozenset({5}), time_limit=5.0)
    (line,) = _lines(outcome)
    assert "HTTP 429" in line and "asked to retry in 999999 s, more than --max-retry-wait 0.05 s (1 attempt)" in line
    assert sent == 1


def test_an_unregistered_provider_is_a_gap_never_a_registration(emulator: AzureEmulator, tmp_path: Path) -> None:
    """A 409 MissingSubscriptionRegistration on an ARM list is recorded as a gap. The management SDK's
    default pipeline answers it (on a read body) by registering the resource provider: a write the
    scanner must never make, which is why its clients run the read-only pipeline."""
    emulator.clear_requests()
    emulator.set_faults(Fault("arm", "status", status=409, path_contains="/tokens"))
    try:
        with live_env(emulator, tmp_path) as cloud:
            outcome = _collect(cloud, tmp_path / "snapshot.json")
    finally:
        emulator.set_faults()
    assert outcome.code == 3, outcome.describe()
    arm_methods = {r.method for r in emulator.requests if r.endpoint_kind == "arm"}
    assert arm_methods == {"GET"}, arm_methods
    assert not [r.path for r in emulator.requests if "/register" in r.path.lower()]
    errors = json.loads((tmp_path / "snapshot.json").read_bytes())["errors"]
    assert {e["code"] for e in errors if "tokens" in e["affects"]} == {"MissingSubscriptionRegistration"}
