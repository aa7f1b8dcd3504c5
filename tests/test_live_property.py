"""Property tests of live collection end to end: the real CLI against the emulator, hostile on purpose.

Two generators: combinations of faults (any endpoint, any fault, any count, odd statuses and
``Retry-After`` values), and tenants whose payloads are mutated (a field of a registry, a token,
a service principal replaced by a value of any type). Whatever is generated, ``acr-scan collect``
ends with 0, 3 or 5, one line when it fails, no traceback, within a few seconds, and a snapshot it
writes is one the scanner reads back.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.sources.snapshot import validate_snapshot
from tests.emulator import FAULT_KINDS, AzureEmulator, Fault
from tests.emulator.live import live_env
from tests.hostile import assert_contract, run_in_process
from tests.test_live_faults import LIMITS, _small_tenant

FAULT_EXAMPLES = 25
TENANT_EXAMPLES = 20
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}

values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12,
)
#: Keys the emulator itself indexes by (changing them changes which tenant it serves, not its payloads).
KEPT = frozenset({"id", "type", "subscriptionId", "appId"})


def mutate_tenant(tenant: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """Replace one field of one payload (an ARG row's properties, an ARM item, a Graph object) with any value."""
    section = data.draw(st.sampled_from(["resourceGraph", "arm", "graph"]))
    if section == "resourceGraph":
        rows = [
            row for rows in tenant["resourceGraph"].values() for row in rows if isinstance(row.get("properties"), dict)
        ]
        target = data.draw(st.sampled_from(rows))["properties"]
    elif section == "arm":
        # Per-registry lists of items, and a container site's configuration (one object).
        items = [
            item
            for entry in tenant["arm"].values()
            for value in entry.values()
            for item in (value if isinstance(value, list) else [value["properties"]])
        ]
        target = data.draw(st.sampled_from(items))
    else:
        target = data.draw(st.sampled_from(tenant["graph"]["servicePrincipals"]))
    keys = sorted(set(target) - KEPT) or ["extra"]
    target[data.draw(st.sampled_from(keys))] = data.draw(values)
    return tenant


faults = st.builds(
    Fault,
    endpoint=st.sampled_from(["token", "arg", "arm", "graph", "graph_batch"]),
    kind=st.sampled_from(sorted(FAULT_KINDS)),
    times=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    status=st.sampled_from([400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504]),
    retry_after=st.one_of(st.none(), st.sampled_from([0, 1, 10**6])),
    stall_seconds=st.just(3.0),
    path_contains=st.sampled_from(["", "/tokens", "/listusages", "/serviceprincipals/"]),
)


@pytest.fixture(scope="module")
def tenant(demo_data: dict[str, Any]) -> dict[str, Any]:
    return _small_tenant(demo_data)


@pytest.fixture(scope="module")
def emulator(tenant: dict[str, Any]) -> Iterator[AzureEmulator]:
    with AzureEmulator(tenant) as emu:
        yield emu


def _collect(emu: AzureEmulator, directory: Path) -> tuple[Any, Path]:
    out = directory / "snapshot.json"
    out.unlink(missing_ok=True)
    with live_env(emu, directory) as cloud:
        args = ["collect", "--tenant", "-o", str(out), "--auth", "environment", "--cloud", str(cloud), *LIMITS]
        return run_in_process(args), out


def _check(outcome: Any, out: Path) -> None:
    assert_contract(outcome, allowed=frozenset({0, 3, 5}), time_limit=15.0)
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert all(line.startswith("acr-scan: ") for line in lines), outcome.describe()
    if outcome.code == 5:
        assert not out.exists()
    else:
        document = json.loads(out.read_bytes())
        validate_snapshot(str(out), document)
        assert bool(document["errors"]) is (outcome.code == 3)


@settings(max_examples=FAULT_EXAMPLES, **SETTINGS)  # type: ignore[arg-type]
@given(chosen=st.lists(faults, min_size=1, max_size=2))
def test_any_combination_of_faults_keeps_the_contract(
    emulator: AzureEmulator, tmp_path_factory: pytest.TempPathFactory, chosen: list[Fault]
) -> None:
    emulator.set_faults(*chosen)
    try:
        outcome, out = _collect(emulator, tmp_path_factory.mktemp("faults"))
    finally:
        emulator.set_faults()
    _check(outcome, out)


@settings(max_examples=TENANT_EXAMPLES, **SETTINGS)  # type: ignore[arg-type]
@given(data=st.data())
def test_a_tenant_with_payloads_of_any_shape_keeps_the_contract(
    tenant: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    served = mutate_tenant(copy.deepcopy(tenant), data)
    with AzureEmulator(served) as emu:
        outcome, out = _collect(emu, tmp_path_factory.mktemp("tenant"))
    _check(outcome, out)
