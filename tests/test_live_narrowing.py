"""A Resource Graph request for several subscriptions that keeps failing is narrowed down to the
subscriptions whose data fails, so their gap does not become everyone's (and, for the registry
list, does not stop the collection when the others can be read)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.sources.live.diagnostics import CollectionFailed
from scanner.sources.live.limits import LiveLimits
from scanner.sources.live.query_results import Scope
from tests.conftest import refusal
from tests.emulator import AzureEmulator, EmulatorConfig, FakeClock
from tests.emulator.faults import Fault
from tests.emulator.live import collect_on

#: Only the registry list's query holds this text (its comment line).
REGISTRIES_QUERY = "Container registries, whole rows"
ATTEMPTS = LiveLimits().max_retries + 1


@pytest.fixture
def demo(demo_data: dict[str, Any]) -> dict[str, Any]:
    """The demo tenant without its own recorded failures (the emulator would answer them again)."""
    return {**demo_data, "errors": []}


def _subscriptions(demo: dict[str, Any]) -> list[str]:
    return sorted({str(row["subscriptionId"]).lower() for row in demo["resourceGraph"]["subscriptions"]})


def _registry_queries(emu: AzureEmulator) -> list[int]:
    """The statuses of the requests of the registry list (the emulator keeps the bodies it answered)."""
    return [r.status for r in emu.requests if r.endpoint_kind == "arg" and REGISTRIES_QUERY in json.dumps(r.body)]


@pytest.mark.parametrize("which", ["fabrikam-distribution", "contoso-prod", "contoso-dev"])
def test_one_subscription_whose_registries_keep_failing_is_the_only_gap(
    demo: dict[str, Any], tmp_path: Path, which: str
) -> None:
    """Any one of the demo's three subscriptions fails alone (the partner's sorts first, into the
    first half; the two with registries into the second): its registries are its gap, the
    others' are read."""
    subs = _subscriptions(demo)
    names = {str(r["subscriptionId"]).lower(): r["name"] for r in demo["resourceGraph"]["subscriptions"]}
    failing = next(s for s in subs if names[s] == which)
    broken = refusal(failing, "registries", status=503, code="ServiceUnavailable")
    clock = FakeClock()
    with AzureEmulator({**demo, "errors": [broken]}, EmulatorConfig(clock=clock)) as emu:
        snapshot = collect_on(emu, tmp_path, clock, Scope(subscriptions=tuple(subs)))
        statuses = _registry_queries(emu)
    expected = [r for r in demo["resourceGraph"]["registries"] if r["subscriptionId"].lower() != failing]
    assert snapshot["resourceGraph"]["registries"] == expected
    gaps = [e for e in snapshot["errors"] if "registries" in e["affects"]]
    assert [(e["scope"], e["status"]) for e in gaps] == [(failing, 503)]
    # The other lists of that subscription were read as usual.
    assert snapshot["resourceGraph"]["replications"] == demo["resourceGraph"]["replications"]
    # Three subscriptions: the whole chunk, then [first] and [second, third], then (when the
    # failing one is in the second half) those two alone. A failing request is tried ATTEMPTS
    # times, one that answers once; every failed chunk but the last had a half that answered.
    failed_chunks, remainder = divmod(statuses.count(503), ATTEMPTS)
    assert remainder == 0 and failed_chunks in (2, 3) and statuses.count(200) == failed_chunks - 1


def test_a_registry_list_read_empty_for_one_subscription_and_failed_for_the_other_is_a_gap(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """The partner's subscription holds no registry and answers; contoso-dev's registries keep
    failing. Nothing is listed, yet the list was read where it could be: a gap of contoso-dev
    (exit 3), not "nothing could be collected"."""
    names = {str(r["subscriptionId"]).lower(): r["name"] for r in demo["resourceGraph"]["subscriptions"]}
    by_name = {name: sub for sub, name in names.items()}
    dev, partner = by_name["contoso-dev"], by_name["fabrikam-distribution"]
    broken = refusal(dev, "registries", status=503, code="ServiceUnavailable")
    clock = FakeClock()
    with AzureEmulator({**demo, "errors": [broken]}, EmulatorConfig(clock=clock)) as emu:
        snapshot = collect_on(emu, tmp_path, clock, Scope(subscriptions=(partner, dev)))
    assert snapshot["resourceGraph"]["registries"] == []
    assert [(e["scope"], e["affects"]) for e in snapshot["errors"]] == [(dev, ["registries"])]


@pytest.mark.parametrize("scope", [Scope(), Scope(management_groups=("contoso-platform",))], ids=["tenant", "group"])
def test_a_tenant_or_group_request_is_asked_again_by_subscription(
    demo: dict[str, Any], tmp_path: Path, scope: Scope
) -> None:
    """A request for the tenant or a management group names no subscription: when it keeps
    failing, the subscriptions it covers are listed and the failure narrowed among them."""
    subs = _subscriptions(demo)
    names = {str(r["subscriptionId"]).lower(): r["name"] for r in demo["resourceGraph"]["subscriptions"]}
    failing = next(s for s in subs if names[s] == "contoso-dev")
    broken = refusal(failing, "registries", status=503, code="ServiceUnavailable")
    clock = FakeClock()
    with AzureEmulator({**demo, "errors": [broken]}, EmulatorConfig(clock=clock)) as emu:
        snapshot = collect_on(emu, tmp_path, clock, scope)
    expected = [r for r in demo["resourceGraph"]["registries"] if r["subscriptionId"].lower() != failing]
    assert expected and snapshot["resourceGraph"]["registries"] == expected
    assert [(e["scope"], e["affects"]) for e in snapshot["errors"]] == [(failing, ["registries"])]


def test_an_outage_of_the_registry_list_still_stops_the_collection_after_a_bounded_try(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """Every request fails: the narrowing gives up when the breaker counts Resource Graph as down
    (three failed calls in a row), and the collection stops as it did without it (exit 5)."""
    clock = FakeClock()
    outage = Fault("arg", "status", body_contains=REGISTRIES_QUERY)
    subs = _subscriptions(demo)
    with AzureEmulator(demo, EmulatorConfig(clock=clock, faults=(outage,))) as emu:
        with pytest.raises(CollectionFailed, match=r"could not list the registries.*HTTP 503"):
            collect_on(emu, tmp_path, clock, Scope(subscriptions=tuple(subs)))
        injected = emu.faults_injected
    assert injected == 3 * ATTEMPTS


def test_a_chunk_whose_halves_both_fail_keeps_one_gap_and_no_rows(demo: dict[str, Any], tmp_path: Path) -> None:
    """Two subscriptions of three fail, one in each half: narrowing cannot confine the failure
    to a half, so the whole chunk's error is recorded (no scope: it covered every subscription)
    and rows read by the third alone are not kept on their own (the list is a whole gap)."""
    subs = _subscriptions(demo)
    entries = [refusal(s, "replications", status=503, code="ServiceUnavailable") for s in subs[::2]]
    clock = FakeClock()
    with AzureEmulator({**demo, "errors": entries}, EmulatorConfig(clock=clock)) as emu:
        snapshot = collect_on(emu, tmp_path, clock, Scope(subscriptions=tuple(subs)))
    gaps = [e for e in snapshot["errors"] if "replications" in e["affects"]]
    assert [(e["scope"], e["status"]) for e in gaps] == [(None, 503)]
    assert snapshot["resourceGraph"]["replications"] == []


def test_one_subscription_answering_unusable_rows_is_its_gap_in_every_list(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """Every request that names one subscription is answered with rows that are not objects: each
    list is narrowed to it, and Resource Graph is never taken to be down for the other lists
    (each narrowing that finds readable halves counts as Resource Graph answering)."""
    subs = _subscriptions(demo)
    names = {str(r["subscriptionId"]).lower(): r["name"] for r in demo["resourceGraph"]["subscriptions"]}
    partner = next(s for s in subs if names[s] == "fabrikam-distribution")
    clock = FakeClock()
    garbled = Fault("arg", "wrong_items", body_contains=partner)
    with AzureEmulator(demo, EmulatorConfig(clock=clock, faults=(garbled,))) as emu:
        snapshot = collect_on(emu, tmp_path, clock, Scope(subscriptions=tuple(subs)))
    assert {e["scope"] for e in snapshot["errors"]} == {partner}
    assert {a for e in snapshot["errors"] for a in e["affects"]} == set(snapshot["resourceGraph"])
    assert all("not attempted" not in e["message"] for e in snapshot["errors"])
    assert snapshot["resourceGraph"]["registries"] == demo["resourceGraph"]["registries"]


def test_a_request_that_times_out_is_not_read_again_in_halves(demo: dict[str, Any], tmp_path: Path) -> None:
    """A stalled registry list is a slow service, not a subscription's fault: it fails after its
    one retry, without halves that would each wait as long again (and stops the collection)."""
    clock = FakeClock()
    stall = Fault("arg", "stall", body_contains=REGISTRIES_QUERY, stall_seconds=3)
    limits = LiveLimits(request_timeout=0.5)
    with AzureEmulator(demo, EmulatorConfig(clock=clock, faults=(stall,))) as emu:
        with pytest.raises(CollectionFailed, match="could not list the registries"):
            collect_on(emu, tmp_path, clock, Scope(subscriptions=tuple(_subscriptions(demo))), limits)
        injected = emu.faults_injected
    assert injected == 2  # the request and its one retry after a timeout
