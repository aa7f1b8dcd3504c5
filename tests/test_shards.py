"""Sharded collection: ``collect --shard K/N`` in N jobs, ``merge``, then a scan equal to one collection's.

The demo tenant (Contoso's three subscriptions and a partner's, with private endpoints, DNS
zones and role assignments that cross them, and management-group assignments every part sees)
is collected from the HTTPS emulator whole and in N = 1, 2 and 5 parts (five parts of four
subscriptions: at least one part is empty). The merged snapshot scans to the same results as
the whole collection, byte for byte but for where and when it was collected.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.sources.live.collector import in_shard
from scanner.sources.merge import Input, merge
from tests.conftest import DEMO, refusal, run_cli
from tests.emulator import AzureEmulator, EmulatorConfig, FakeClock
from tests.emulator.consumer_tenant import with_consumers
from tests.emulator.live import collect_on
from tests.test_live_collect import run_live

NOW = "2026-11-27T02:00:00Z"


@pytest.fixture(scope="module")
def emulator() -> Any:
    with AzureEmulator(with_consumers(json.loads(DEMO.read_text()))) as emu:
        yield emu


@pytest.fixture(scope="module")
def whole(emulator: AzureEmulator, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    tmp = tmp_path_factory.mktemp("whole")
    out = tmp / "whole.json"
    assert run_live(emulator, tmp, "collect", "--tenant", "-o", str(out), "--quiet").returncode == 0
    return _results(out, tmp)


def _results(snapshot: Path, tmp: Path) -> bytes:
    """The scan's JSON results, with where and when the snapshot was collected taken out."""
    out = tmp / f"{snapshot.stem}.results.json"
    run = run_cli("scan", "--snapshot", str(snapshot), "--now", NOW, "--format", "json", "-o", str(out), "--quiet")
    assert run.returncode in (0, 1, 3), run.stderr
    results = json.loads(out.read_bytes())
    for key in ("source", "collected_at"):
        results["scan"].pop(key)
    return json.dumps(results, sort_keys=True).encode()


@pytest.mark.parametrize("parts", [1, 2, 5])
def test_merged_parts_scan_as_the_whole_collection(
    parts: int, emulator: AzureEmulator, whole: bytes, tmp_path: Path
) -> None:
    files = []
    for index in range(1, parts + 1):
        part = tmp_path / f"part-{index}.json.gz"
        run = run_live(emulator, tmp_path, "collect", "--tenant", "--shard", f"{index}/{parts}", "-o", str(part), "-q")
        assert run.returncode == 0, run.stderr
        files.append(part)
    # Every subscription in exactly one part.
    covered = [json.loads(gzip.decompress(f.read_bytes()))["scope"]["shard"]["subscriptions"] for f in files]
    flat = [s for part in covered for s in part]
    assert len(flat) == len(set(flat)) == 4  # (Contoso's three, and the partner's it reads through Lighthouse)
    # A part alone is refused: it would judge cross-part relations wrongly.
    alone = run_cli("scan", "--snapshot", str(files[0]), "--format", "json", "-o", str(tmp_path / "x.json"))
    assert alone.returncode == 2 and "acr-scan merge" in alone.stderr and not (tmp_path / "x.json").exists()
    merged = tmp_path / "merged.json"
    run = run_cli("merge", *map(str, files), "-o", str(merged), "--strict")
    assert run.returncode == 0, run.stderr
    assert "0 conflict(s)" in run.stderr
    assert _results(merged, tmp_path) == whole
    document = json.loads(merged.read_bytes())
    assert [m["file"] for m in document["merged"]] == list(map(str, files)) and "shard" not in document["scope"]


def test_the_split_is_stable_and_covers_each_subscription_once() -> None:
    subscriptions = [f"{n:08x}-0000-0000-0000-000000000000" for n in range(200)]
    for parts in (1, 2, 3, 7):
        owners = [[k for k in range(1, parts + 1) if in_shard(s, (k, parts))] for s in subscriptions]
        assert all(len(o) == 1 for o in owners)
        assert in_shard(subscriptions[5].upper(), (owners[5][0], parts))  # (case does not matter)


def test_conflicting_inputs_are_reported_and_strict_refuses(tmp_path: Path) -> None:
    demo = json.loads(DEMO.read_text())
    other = json.loads(DEMO.read_text())
    other["resourceGraph"]["registries"][0]["properties"]["adminUserEnabled"] = True
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(demo))
    b.write_text(json.dumps(other))
    run = run_cli("merge", str(a), str(b), "-o", str(tmp_path / "m.json"))
    assert run.returncode == 0 and "conflict: resourceGraph.registries" in run.stderr
    kept = json.loads((tmp_path / "m.json").read_bytes())["resourceGraph"]["registries"][0]["properties"]
    assert kept["adminUserEnabled"] is demo["resourceGraph"]["registries"][0]["properties"]["adminUserEnabled"]
    strict = run_cli("merge", str(a), str(b), "-o", str(tmp_path / "s.json"), "--strict")
    assert strict.returncode == 2 and not (tmp_path / "s.json").exists()
    # A list one input did not collect stays not collected.
    del other["resourceGraph"]["webhooks"]
    b.write_text(json.dumps(other))
    run = run_cli("merge", str(a), str(b), "-o", str(tmp_path / "w.json"))
    assert run.returncode == 0 and "webhooks" not in json.loads((tmp_path / "w.json").read_bytes())["resourceGraph"]


def _statuses(results: bytes, rule: str) -> dict[str, tuple[str, str]]:
    """Registry name → (its subscription, the rule's status) in a scan's JSON results."""
    findings = json.loads(results)["findings"]
    return {
        f["subject"]["name"]: (f["subject"]["subscription_id"], f["status"]) for f in findings if f["rule_id"] == rule
    }


def test_a_list_one_part_could_not_read_stays_a_gap_of_that_part(whole: bytes, tmp_path: Path) -> None:
    """In three parts the demo's dev subscription is read with contoso-lab (part 1), and prod
    with the partner's (part 3). Resource Graph keeps answering 503 to part 3's replications query, for
    either subscription: the request for both fails, and so does each half of it (the collector
    reads a failing request's halves to confine a failure to its subscription), so the error
    names neither. Merged, that error covers
    part 3's subscriptions only: part 1's registries are judged on their own replications (as in
    the whole collection), part 3's are ``unknown``."""
    demo = with_consumers(json.loads(DEMO.read_text()))
    listed = sorted(str(r["subscriptionId"]) for r in demo["resourceGraph"]["subscriptions"])
    part_of = {s: next(k for k in (1, 2, 3) if in_shard(s, (k, 3))) for s in listed}
    third = sorted(s for s, k in part_of.items() if k == 3)
    assert len(third) == 2 and sum(k == 1 for k in part_of.values()) == 2
    unavailable = "the service is temporarily unavailable"
    failing = [refusal(s, "replications", status=503, code="ServiceUnavailable", message=unavailable) for s in third]
    clock = FakeClock()
    with AzureEmulator(demo | {"errors": failing}, EmulatorConfig(clock=clock)) as emu:
        parts = [collect_on(emu, tmp_path, clock, shard=(k, 3)) for k in (1, 2, 3)]
    unscoped = [e for e in parts[2]["errors"] if "replications" in e["affects"]]
    assert [e.get("scope") for e in unscoped] == [None] and not parts[0]["errors"]
    merged = merge([Input(f"part-{k}.json", "0" * 64, doc) for k, doc in enumerate(parts, 1)]).document
    gaps = sorted(e["scope"] for e in merged["errors"] if "replications" in e["affects"])
    assert gaps == [f"/subscriptions/{s}" for s in third]
    path = tmp_path / "merged.json"
    path.write_text(json.dumps(merged))
    got, expected = _statuses(_results(path, tmp_path), "ACR-046"), _statuses(whole, "ACR-046")
    for name, (subscription, status) in expected.items():
        if subscription in third:
            assert got[name][1] in ("unknown", "not_applicable"), name
        else:
            assert got[name] == (subscription, status), name
    assert {got[n][1] for n, (s, _) in expected.items() if s in third} >= {"unknown"}
    assert "fail" in {got[n][1] for n, (s, _) in expected.items() if s not in third}
