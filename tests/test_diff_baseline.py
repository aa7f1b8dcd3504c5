"""``acr-scan diff`` and ``acr-scan scan --baseline``: only what is new since a baseline counts."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO, run_cli
from tests.tools import require_tool

NOW = "2026-11-27T02:00:00Z"


def _scan_to_json(snapshot: Path, out: Path, *extra: str) -> int:
    proc = run_cli("scan", "--snapshot", str(snapshot), "--now", NOW, "--format", "json", "-o", str(out), *extra)
    assert proc.returncode in (0, 1, 3), proc.stderr
    return proc.returncode


def _diff_json(old: Path, new: Path) -> tuple[int, dict[str, Any]]:
    proc = run_cli("diff", str(old), str(new), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("baseline") / "baseline.json"
    assert _scan_to_json(DEMO, out) == 1  # the demo has failures: without a baseline the gate fails
    return out


def test_baseline_against_itself_finds_nothing_new(baseline: Path) -> None:
    proc = run_cli("scan", "--snapshot", str(DEMO), "--now", NOW, "--baseline", str(baseline))
    assert proc.returncode == 0, proc.stderr
    by_status = json.loads(baseline.read_text())["summary"]["by_status"]
    fails = by_status["fail"] + by_status.get("unknown", 0)  # both need attention
    assert (
        f"baseline {baseline}: 0 finding(s) needing attention are new, {fails} already in the baseline" in proc.stdout
    )


def test_admin_user_turned_on_is_exactly_one_new_finding(
    baseline: Path, demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    # (a registry no workload fails to pull from: a pull path's id carries the registry's name,
    # so renaming one with a failing pull path would add that finding as new too)
    registry = next(r for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "paymentsdevacr")
    assert registry["properties"]["adminUserEnabled"] is False
    registry["properties"]["adminUserEnabled"] = True
    changed = write_snapshot(demo_copy, "admin-on.json")

    out = tmp_path / "new.json"
    proc = run_cli(
        "scan", "--snapshot", str(changed), "--now", NOW, "--baseline", str(baseline),
        "--format", "json", "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "1 finding(s) needing attention are new" in proc.stdout

    code, drift = _diff_json(baseline, out)
    assert code == 1
    assert drift["summary"]["new"] == 1 and drift["summary"]["fixed"] == 0
    (new,) = drift["new"]
    assert new["rule_id"] == "ACR-001"
    assert new["subject"]["id"].lower() == registry["id"].lower()
    assert new["before"]["status"] == "pass" and new["after"]["status"] == "fail"

    table = run_cli("diff", str(baseline), str(out))
    assert table.returncode == 1
    assert "1 new, 0 fixed, 0 changed" in table.stdout and registry["name"] in table.stdout

    # and back: the same pair the other way round is one fixed finding, nothing new
    code, back = _diff_json(out, baseline)
    assert code == 0 and back["summary"]["new"] == 0 and back["summary"]["fixed"] == 1
    assert back["fixed"][0]["after"]["status"] == "pass"


def test_preexisting_unknowns_do_not_fail_the_gate(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    del demo_copy["graph"]  # credential rules become unknown
    snapshot = write_snapshot(demo_copy, "no-graph.json")
    rules = ("--rules", "ACR-010,ACR-011,ACR-012", "--fail-on", "critical")
    base = tmp_path / "base.json"
    assert _scan_to_json(snapshot, base, *rules) == 3  # unknowns fail the gate on their own
    proc = run_cli("scan", "--snapshot", str(snapshot), "--now", NOW, "--baseline", str(base), "--quiet", *rules)
    assert proc.returncode == 0, proc.stderr


def test_new_unknowns_do_fail_the_gate(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    rules = ("--rules", "ACR-010,ACR-011,ACR-012", "--fail-on", "critical")
    base = tmp_path / "base.json"
    _scan_to_json(write_snapshot(demo_copy, "complete.json"), base, *rules)
    del demo_copy["graph"]
    proc = run_cli(
        "scan", "--snapshot", str(write_snapshot(demo_copy, "partial.json")), "--now", NOW,
        "--baseline", str(base), "--quiet", *rules,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr


def test_diff_of_identical_files_is_empty(baseline: Path) -> None:
    code, drift = _diff_json(baseline, baseline)
    assert code == 0
    assert drift["new"] == drift["fixed"] == drift["changed"] == []
    by_status = json.loads(baseline.read_text())["summary"]["by_status"]
    assert drift["summary"]["existing"] == by_status["fail"] + by_status.get("unknown", 0)
    markdown = run_cli("diff", str(baseline), str(baseline), "--format", "markdown")
    assert markdown.returncode == 0 and markdown.stdout.startswith("## ✅ ACR policy drift: 0 new, 0 fixed, 0 changed")


def _edited(results: dict[str, Any], path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    doc = copy.deepcopy(results)
    edit(doc)
    path.write_text(json.dumps(doc))
    return path


def test_diff_fixed_changed_and_gone(baseline: Path, tmp_path: Path) -> None:
    results = json.loads(baseline.read_text())
    failing = [f for f in results["findings"] if f["status"] == "fail"]
    fixed, sev_changed, gone, msg_changed = failing[0], failing[1], failing[2], failing[3]
    other_severity = "critical" if sev_changed["severity"] != "critical" else "low"

    def edit(doc: dict[str, Any]) -> None:
        for f in doc["findings"]:
            key = (f["rule_id"], f["subject"]["id"])
            if key == (fixed["rule_id"], fixed["subject"]["id"]):
                f["status"] = "pass"
            elif key == (sev_changed["rule_id"], sev_changed["subject"]["id"]):
                f["severity"] = other_severity
            elif key == (msg_changed["rule_id"], msg_changed["subject"]["id"]):
                f["message"] += " (reworded)"
                f["subject"]["id"] = f["subject"]["id"].upper()  # ids compare case-insensitively
        doc["findings"] = [
            f for f in doc["findings"] if (f["rule_id"], f["subject"]["id"]) != (gone["rule_id"], gone["subject"]["id"])
        ]

    new = _edited(results, tmp_path / "new.json", edit)
    code, drift = _diff_json(baseline, new)
    assert code == 0  # nothing new
    fixed_ids = {(c["rule_id"], c["subject"]["id"]) for c in drift["fixed"]}
    assert fixed_ids == {(fixed["rule_id"], fixed["subject"]["id"]), (gone["rule_id"], gone["subject"]["id"])}
    assert next(c for c in drift["fixed"] if c["rule_id"] == gone["rule_id"] and c["after"] is None)
    changed = {(c["rule_id"], c["subject"]["id"].lower()): c for c in drift["changed"]}
    assert len(drift["changed"]) == 2
    assert (
        changed[(sev_changed["rule_id"], sev_changed["subject"]["id"].lower())]["after"]["severity"] == other_severity
    )
    assert changed[(msg_changed["rule_id"], msg_changed["subject"]["id"].lower())]["after"]["message"].endswith(
        "(reworded)"
    )


def test_a_failure_that_was_unknown_is_new(baseline: Path, tmp_path: Path) -> None:
    """Closing a collection gap must not hide a violation: unknown → fail is new, fail → unknown is changed."""
    results = json.loads(baseline.read_text())
    first, second = [f for f in results["findings"] if f["status"] == "fail"][:2]

    def was_unknown(doc: dict[str, Any]) -> None:
        for f in doc["findings"]:
            if (f["rule_id"], f["subject"]["id"]) == (first["rule_id"], first["subject"]["id"]):
                f["status"] = "unknown"

    old = _edited(results, tmp_path / "old.json", was_unknown)
    code, drift = _diff_json(old, baseline)
    assert code == 1
    assert [(c["rule_id"], c["before"]["status"]) for c in drift["new"]] == [(first["rule_id"], "unknown")]

    def now_unknown(doc: dict[str, Any]) -> None:
        for f in doc["findings"]:
            if (f["rule_id"], f["subject"]["id"]) == (second["rule_id"], second["subject"]["id"]):
                f["status"] = "unknown"

    new = _edited(results, tmp_path / "new.json", now_unknown)
    code, drift = _diff_json(baseline, new)
    assert code == 0 and drift["new"] == []
    assert [(c["rule_id"], c["after"]["status"]) for c in drift["changed"]] == [(second["rule_id"], "unknown")]


def test_diff_output_is_deterministic(baseline: Path, tmp_path: Path) -> None:
    results = json.loads(baseline.read_text())
    for f in results["findings"]:
        f["status"] = "fail" if f["status"] == "pass" else f["status"]
    new = tmp_path / "worse.json"
    new.write_text(json.dumps(results))
    runs = [run_cli("diff", str(baseline), str(new), "--format", fmt) for fmt in ("json", "json", "markdown")]
    assert runs[0].returncode == 1 and runs[0].stdout == runs[1].stdout
    assert len(runs[2].stdout) <= 65_000 and "http" not in runs[2].stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"{not json", "not valid JSON"),
        (b'{"kind": "acr-snapshot"}', "not an acr-scan results file"),
        (b'{"schema_version": "2.0", "findings": []}', "schema_version '2.0' is not supported"),
        (b'{"schema_version": "1.0", "findings": [{"rule_id": "ACR-001"}]}', "findings[0] is not a finding object"),
        (
            b'{"schema_version": "1.0", "findings": [{"rule_id": "ACR-001", "status": "bad", "subject": {"id": "x"}}]}',
            "findings[0].status must be one of",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(baseline: Path, tmp_path: Path, content: bytes | None, expected: str) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_bytes(content)
    for args in (("diff", str(baseline), str(bad)), ("scan", "--snapshot", str(DEMO), "--baseline", str(bad))):
        proc = run_cli(*args)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"acr-scan: error: {bad}: "), proc.stderr
        assert expected in lines[0]


def test_drift_html_in_a_browser(
    baseline: Path, demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    """The HTML drift page lists exactly the new finding, and a hostile name stays text."""

    from playwright.sync_api import sync_playwright

    # (a registry no workload fails to pull from: a pull path's id carries the registry's name,
    # so renaming one with a failing pull path would add that finding as new too)
    registry = next(r for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "paymentsdevacr")
    assert registry["properties"]["adminUserEnabled"] is False
    registry["properties"]["adminUserEnabled"] = True
    registry["name"] = "<img src=x onerror=alert(1)>"
    out = tmp_path / "new.json"
    _scan_to_json(write_snapshot(demo_copy, "hostile.json"), out)
    page_path = tmp_path / "drift.html"
    proc = run_cli("diff", str(baseline), str(out), "--format", "html", "-o", str(page_path))
    assert proc.returncode == 1, proc.stderr

    executable = str(require_tool("chromium"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_path.as_uri())
        assert page.locator("#new h2").inner_text() == "New (1)"
        row = page.locator("#new tbody tr")
        assert row.count() == 1
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == "ACR-001"
        assert "<img src=x onerror=alert(1)>" in cells[1]
        assert cells[2].startswith("pass") and cells[3].startswith("fail")
        assert page.locator("img").count() == 0 and page.locator("script").count() == 0
        assert page.locator("td.count-new").inner_text() == "1"
        browser.close()
    assert dialogs == []
