"""Scan history: nights recorded with ``scan --history``, read with ``acr-scan history``.

The demo tenant is scanned on several nights, with one registry's admin user switched off and
on again between them, so a failure is fixed and then comes back (a regression); the findings
of each night carry first_seen, days_failing and regression, and the history answers with
the same numbers. A kill in the middle of a write leaves the earlier nights as they were.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from scanner.history.store import SCHEMA_VERSION
from tests.conftest import ROOT, run_cli

RESULTS_SCHEMA = json.loads((ROOT / "scanner" / "schemas" / "results.schema.json").read_text())
REGISTRY = "contosointernalacr"  # admin user off in the demo: ACR-001 passes there


def _with_admin(demo: dict[str, Any], enabled: bool) -> dict[str, Any]:
    data = copy.deepcopy(demo)
    for row in data["resourceGraph"]["registries"]:
        if row["name"] == REGISTRY:
            row["properties"]["adminUserEnabled"] = enabled
    return data


def _night(tmp: Path, history: Path, data: dict[str, Any], day: str) -> dict[str, Any]:
    snapshot = tmp / f"snapshot-{day}.json"
    snapshot.write_text(json.dumps(data))
    out = tmp / f"night-{day}"
    now = f"2026-06-{day}T02:00:00Z"
    run = run_cli("scan", "--snapshot", str(snapshot), "--now", now, "--history", str(history), "--format",
                  "json,html", "--output-dir", str(out), "--quiet")  # fmt: skip
    assert run.returncode == 1, run.stderr
    results: dict[str, Any] = json.loads((out / "results.json").read_text())
    results["html"] = str(out / "report.html")
    return results


def _admin_finding(results: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in results["findings"] if f["rule_id"] == "ACR-001" and f["subject"]["name"] == REGISTRY)


def _history(*args: str) -> Any:
    run = run_cli("history", *args, "--format", "json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def nights(demo_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Five nights: admin user on (01), on (03), off: fixed (04), on again: regression (06), on (09)."""
    tmp = tmp_path_factory.mktemp("history")
    history = tmp / "scans.db"
    plan = [("01", True), ("03", True), ("04", False), ("06", True), ("09", True)]
    return history, [_night(tmp, history, _with_admin(demo_data, on), day) for day, on in plan]


def test_findings_carry_first_seen_days_failing_and_regression(nights: tuple[Path, list[dict[str, Any]]]) -> None:
    _, results = nights
    marks = [{k: _admin_finding(r)[k] for k in ("status", "first_seen", "days_failing", "regression")} for r in results]
    assert marks == [
        {"status": "fail", "first_seen": "2026-06-01T02:00:00Z", "days_failing": 0, "regression": False},
        {"status": "fail", "first_seen": "2026-06-01T02:00:00Z", "days_failing": 2, "regression": False},
        {"status": "pass", "first_seen": "2026-06-04T02:00:00Z", "days_failing": 0, "regression": False},
        {"status": "fail", "first_seen": "2026-06-06T02:00:00Z", "days_failing": 0, "regression": True},
        {"status": "fail", "first_seen": "2026-06-06T02:00:00Z", "days_failing": 3, "regression": True},
    ]
    validator = jsonschema_rs.validator_for(RESULTS_SCHEMA)
    for r in results:
        assert validator.is_valid({k: v for k, v in r.items() if k != "html"})
        assert all({"first_seen", "days_failing", "regression"} <= set(f) for f in r["findings"])


def test_history_answers_nights_changes_trend_and_time_to_fix(nights: tuple[Path, list[dict[str, Any]]]) -> None:
    history, results = nights
    listed = _history("list", str(history))["nights"]
    assert [n["scanned_at"][:10] for n in listed] == [
        "2026-06-01",
        "2026-06-03",
        "2026-06-04",
        "2026-06-06",
        "2026-06-09",
    ]
    assert [n["findings"] for n in listed] == [len(r["findings"]) for r in results]
    # The trend's failing counts are the results' own, night by night.
    trend = _history("trend", str(history))
    for point, r in zip(trend["trend"], results, strict=True):
        assert point["failing_by_severity"] == {s: n for s, n in r["summary"]["failing_by_severity"].items()} | {
            s: 0 for s in ("critical", "high", "medium", "low", "info") if s not in r["summary"]["failing_by_severity"]
        }
        assert point["by_status"] == {s: n for s, n in r["summary"]["by_status"].items() if n}
    # Fixed after three days (01 → 04).
    assert {"rule_id": "ACR-001", "fixes": 1, "median_days": 3.0, "longest_days": 3.0} in trend["time_to_fix"]
    # Night 4 (06): the regression is listed as such.
    night4 = _history("show", str(history), "4")
    change = next(c for c in night4["changes"] if c["rule_id"] == "ACR-001" and c["subject_name"] == REGISTRY)
    assert change["status"] == "fail" and change["regression"] is True
    # One registry, one rule: rebuilt from the changes.
    narrow = _history("trend", str(history), "--rule", "acr-001", "--registry", REGISTRY)["trend"]
    assert [p["by_status"] for p in narrow] == [{"fail": 1}, {"fail": 1}, {"pass": 1}, {"fail": 1}, {"fail": 1}]
    # The oldest open failures start on the first night.
    latest = _history("show", str(history), "latest")
    assert latest["oldest_failing"][0]["since"] == "2026-06-01T02:00:00Z"


def test_prune_keeps_what_later_nights_say(nights: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    history, _ = nights
    copy_of = tmp_path / "pruned.db"
    with sqlite3.connect(history) as source, sqlite3.connect(copy_of) as target:
        source.backup(target)
    before = _history("trend", str(copy_of))["trend"][-2:]
    assert _history("prune", str(copy_of), "--keep", "2") == {"pruned_nights": 3, "kept": 2}
    after = _history("trend", str(copy_of))
    assert after["trend"] == before
    narrow = _history("trend", str(copy_of), "--rule", "ACR-001", "--registry", REGISTRY)["trend"]
    assert [p["by_status"] for p in narrow] == [{"fail": 1}, {"fail": 1}]
    assert _history("show", str(copy_of), "latest")["oldest_failing"][0]["since"] == "2026-06-01T02:00:00Z"


def test_a_night_older_than_the_latest_is_refused(nights: tuple[Path, list[dict[str, Any]]]) -> None:
    history, _ = nights
    run = run_cli("scan", "--snapshot", str(ROOT / "fixtures" / "demo-tenant.snapshot.json"), "--now",
                  "2026-06-02T02:00:00Z", "--history", str(history), "--format", "json", "-o", os.devnull)  # fmt: skip
    assert run.returncode == 2 and "later night" in run.stderr and "Traceback" not in run.stderr


def test_foreign_and_newer_files_are_refused_unchanged(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('application', 'acr-scan history'), ('schema_version', ?)",
                   (str(SCHEMA_VERSION + 1),))  # fmt: skip
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    for path, needle in (
        (foreign, "not an acr-scan history file"),
        (newer, "is newer than"),
        (text, "not an acr-scan"),
    ):
        before = path.read_bytes()
        run = run_cli("history", "list", str(path))
        assert run.returncode == 2 and needle in run.stderr and len(run.stderr.splitlines()) == 1, run.stderr
        scan = run_cli("scan", "--snapshot", str(ROOT / "fixtures" / "demo-tenant.snapshot.json"), "--history",
                       str(path), "--format", "json", "-o", str(tmp_path / "r.json"), "--quiet")  # fmt: skip
        assert scan.returncode == 2 and needle in scan.stderr
        assert path.read_bytes() == before and not (tmp_path / "r.json").exists()


KILLER = """
import sys, time
import scanner.history.record as record
from scanner.cli import main
original = record._write
def slow_write(*args):
    original(*args)            # every row of the night is written, the transaction still open
    sys.stderr.write("written\\n"); sys.stderr.flush()
    time.sleep(60)
record._write = slow_write
sys.exit(main(sys.argv[1:]))
"""


def test_a_kill_during_a_write_leaves_the_earlier_nights_intact(
    nights: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    history, _ = nights
    victim = tmp_path / "victim.db"
    with sqlite3.connect(history) as source, sqlite3.connect(victim) as target:
        source.backup(target)
    before = _history("trend", str(victim))
    demo = str(ROOT / "fixtures" / "demo-tenant.snapshot.json")
    args = ["scan", "--snapshot", demo, "--now", "2026-06-30T02:00:00Z", "--history", str(victim), "--format", "json",
            "-o", str(tmp_path / "r.json")]  # fmt: skip
    child = subprocess.Popen([sys.executable, "-c", KILLER, *args], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    deadline = time.monotonic() + 60
    while child.stderr.readline().strip() != "written":
        assert time.monotonic() < deadline and child.poll() is None, "the write never started"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert _history("trend", str(victim)) == before
    assert not (tmp_path / "r.json").exists()


def test_the_html_report_shows_the_trend_regressions_and_time_to_fix(
    browser: Any, nights: tuple[Path, list[dict[str, Any]]]
) -> None:
    from tests.test_html_report import opened

    _, results = nights
    regression_night = results[3]  # (06: ACR-001 fails again on the registry fixed on 04)
    with opened(browser, Path(regression_night["html"])) as o:
        page = o.page
        drawn = page.eval_on_selector_all(
            "figure[data-chart=trend] g.night", "gs => gs.map(g => Number(g.dataset.failing))"
        )
        assert drawn == [sum(r["summary"]["failing_by_severity"].values()) for r in results[:4]]
        assert page.locator("figure[data-chart=trend] polyline.rate").count() == 1
        regression = page.locator("#regressions li[data-rule=ACR-001]")
        assert REGISTRY in regression.inner_text() and "failing again" in regression.inner_text()
        fix = page.locator("#time-to-fix tr[data-rule=ACR-001] td").all_inner_texts()
        assert fix == ["ACR-001", "1", "3.0", "3.0"]
        assert page.locator("#oldest-failing tbody tr").first.locator("td").first.inner_text() == "2026-06-01T02:00:00Z"
        assert page.locator("nav.toc a[href='#history']").count() == 1
    # Without --history there is no history section.
    with opened(browser, Path(results[0]["html"]).parent.parent / "night-01" / "report.html") as o:
        assert o.page.locator("#history").count() == 1  # (night 01 was recorded too: its own one-night trend)


def test_the_demo_history_tells_its_story(tmp_path: Path) -> None:
    """``make scan`` records tonight after fixtures/demo_history.py's 14 nights: the report has a history."""
    import runpy

    demo_history = runpy.run_path(str(ROOT / "fixtures" / "demo_history.py"), run_name="demo_history")
    history = tmp_path / "history.db"
    demo_history["write_history"](history, 14)
    out = tmp_path / "demo"
    run = run_cli("scan", "--snapshot", str(ROOT / "fixtures" / "demo-tenant.snapshot.json"), "--config",
                  str(ROOT / "fixtures" / "demo-tenant.acr-scan.yaml"), "--history", str(history), "--format",
                  "json", "--output-dir", str(out), "--quiet")  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert len(_history("list", str(history))["nights"]) == 15
    tonight = _history("show", str(history), "latest")["changes"]
    assert any(c["rule_id"] == "ACR-001" and c["subject_name"] == "legacybuildacr" and c["regression"] for c in tonight)
    fixes = {f["rule_id"]: f for f in _history("trend", str(history))["time_to_fix"]}
    assert fixes["ACR-001"]["longest_days"] == 6.0  # (contosointernalacr: six nights to fix)
    results = json.loads((out / "results.json").read_text())
    sandbox = next(
        f for f in results["findings"] if f["rule_id"] == "ACR-001" and f["subject"]["name"] == "devsandboxacr"
    )
    assert (sandbox["first_seen"], sandbox["days_failing"]) == ("2026-11-23T02:00:00Z", 4)


V1_HISTORY = ROOT / "tests" / "data" / "history-v1.db.gz"
V1_ANSWERS = ROOT / "tests" / "data" / "history-v1.expected.json"


def test_a_version_1_history_is_migrated_and_answers_as_before(demo_data: dict[str, Any], tmp_path: Path) -> None:
    """``history-v1.db.gz``: three nights of the demo (ACR-001 on contosointernalacr fails on 06-01,
    is fixed on 06-04, fails again on 06-06) recorded by the version 1 schema, with what
    ``acr-scan history`` answered then (``history-v1.expected.json``). Migrated to version 2 the
    file answers the same, and the next night's marks continue the streaks it holds."""
    history = tmp_path / "old.db"
    history.write_bytes(gzip.decompress(V1_HISTORY.read_bytes()))
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    expected = json.loads(V1_ANSWERS.read_text())
    asked = {
        "list": ("list", str(history)),
        "show 2": ("show", str(history), "2"),
        "show 3": ("show", str(history), "3"),
        "trend": ("trend", str(history)),
        "trend --rule ACR-001 --registry contosointernalacr": (
            "trend", str(history), "--rule", "ACR-001", "--registry", REGISTRY,
        ),
    }  # fmt: skip
    assert {label: _history(*args) for label, args in asked.items()} == expected
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "keys" not in tables and {"subjects", "rules", "state"} <= tables
        assert db.execute("PRAGMA freelist_count").fetchone() == (0,)  # (compacted after the migration)
    night = _night(tmp_path, history, _with_admin(demo_data, True), "09")
    assert {k: _admin_finding(night)[k] for k in ("status", "first_seen", "days_failing", "regression")} == {
        "status": "fail",
        "first_seen": "2026-06-06T02:00:00Z",
        "days_failing": 3,
        "regression": True,
    }
    # The streak goes on: the new night records no change of ACR-001 there.
    changes = _history("show", str(history), "4")["changes"]
    assert not [c for c in changes if c["rule_id"] == "ACR-001" and c["subject_name"] == REGISTRY]
