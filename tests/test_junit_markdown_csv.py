"""JUnit XML, Markdown summary and CSV: run through the real CLI and checked against the JSON."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner.config import Config
from scanner.outputs.markdown_format import MarkdownFormat
from scanner.scan import prepare_rules, run_scan
from scanner.sources.snapshot import SnapshotFileSource
from tests.conftest import DEMO, ROOT, run_cli

NOW = "2026-11-27T02:00:00Z"
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
HOSTILE = "<img src=x onerror=alert(1)>|**bold**|[x](https://evil.example)|`tick`|@octocat|#1\x07"
FORMULA = '=HYPERLINK("https://evil.example","click")'


def _scan(snapshot: Path, out: Path, formats: str, *extra: str) -> int:
    proc = run_cli(
        "scan", "--snapshot", str(snapshot), "--now", NOW, "--format", formats, "--output-dir", str(out), "--quiet",
        *extra,
    )  # fmt: skip
    assert proc.returncode in (0, 1, 3), proc.stderr
    return proc.returncode


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    _scan(DEMO, out, "json,junit,markdown,csv")
    return out


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The demo with one registry named like an attack and one like a spreadsheet formula, and no Graph data."""
    data = json.loads(DEMO.read_text())
    registries = data["resourceGraph"]["registries"]
    by_name = {r["name"]: r for r in registries}
    by_name["devsandboxacr"]["name"] = HOSTILE
    by_name["legacybuildacr"]["name"] = FORMULA
    del data["graph"]  # credential rules become unknown: the error/unknown paths get exercised
    tmp = tmp_path_factory.mktemp("hostile")
    snapshot = tmp / "hostile.json"
    snapshot.write_text(json.dumps(data))
    _scan(snapshot, tmp, "json,junit,markdown,csv")
    return tmp, json.loads((tmp / "results.json").read_text())


def _junit_checks(path: Path, results: dict[str, Any]) -> None:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    statuses = Counter(f["status"] for f in results["findings"])
    assert len(cases) == len(results["findings"]) == int(root.attrib["tests"])
    assert sum(1 for c in cases if c.find("failure") is not None) == statuses["fail"] == int(root.attrib["failures"])
    errors = statuses["unknown"] + statuses["error"]
    assert sum(1 for c in cases if c.find("error") is not None) == errors == int(root.attrib["errors"])
    skipped = statuses["not_applicable"] + statuses["suppressed"]
    assert sum(1 for c in cases if c.find("skipped") is not None) == skipped == int(root.attrib["skipped"])
    for suite in root.findall("testsuite"):
        own = suite.findall("testcase")
        assert int(suite.attrib["tests"]) == len(own)
        assert int(suite.attrib["failures"]) == sum(1 for c in own if c.find("failure") is not None)
        assert int(suite.attrib["errors"]) == sum(1 for c in own if c.find("error") is not None)
        assert int(suite.attrib["skipped"]) == sum(1 for c in own if c.find("skipped") is not None)
        assert {c.attrib["classname"] for c in own} == {suite.attrib["name"].split()[0]}
        names = [c.attrib["name"] for c in own]
        assert len(names) == len(set(names)), "test names within a rule must be unique"


def test_junit_counts_match_json(demo_reports: Path) -> None:
    results = json.loads((demo_reports / "results.json").read_text())
    _junit_checks(demo_reports / "junit.xml", results)
    root = ET.parse(demo_reports / "junit.xml").getroot()
    failure = root.find("./testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert failure.attrib["type"] in SEVERITY_RANK
    assert failure.attrib["message"] in failure.text
    assert "fix: az " in failure.text and "evidence:" in failure.text
    passed = [c for c in root.iter("testcase") if len(c) == 0]
    assert len(passed) == sum(1 for f in results["findings"] if f["status"] == "pass")


def test_junit_hostile_names_and_unknowns(hostile_reports: tuple[Path, dict[str, Any]]) -> None:
    out, results = hostile_reports
    assert any(f["status"] == "unknown" for f in results["findings"])
    _junit_checks(out / "junit.xml", results)
    raw = (out / "junit.xml").read_bytes()
    assert b"\x07" not in raw and b"<img" not in raw
    names = {c.attrib["name"] for c in ET.parse(out / "junit.xml").getroot().iter("testcase")}
    assert HOSTILE.replace("\x07", "") + " (registry)" in names


def test_junit_is_deterministic(demo_reports: Path, tmp_path: Path) -> None:
    _scan(DEMO, tmp_path, "junit,csv,markdown")
    for name in ("junit.xml", "findings.csv", "summary.md"):
        assert (tmp_path / name).read_bytes() == (demo_reports / name).read_bytes(), name


def _headings(markdown: str) -> list[tuple[int, int]]:
    """(status rank, -severity rank) of each rule group heading, in document order."""
    keys = []
    for m in re.finditer(r"^#### (CRITICAL|HIGH|MEDIUM|LOW|INFO)(?: · (unknown|error))? · ", markdown, re.M):
        keys.append(({None: 0, "unknown": 1, "error": 2}[m.group(2)], -SEVERITY_RANK[m.group(1).lower()]))
    return keys


def test_markdown_demo(demo_reports: Path) -> None:
    text = (demo_reports / "summary.md").read_text()
    results = json.loads((demo_reports / "results.json").read_text())
    fails = results["summary"]["by_status"]["fail"]
    assert text.startswith(f"## ❌ ACR policy scan: {fails} failing findings")
    by_status = results["summary"]["by_status"]
    order = ("fail", "unknown", "error", "suppressed", "not_applicable", "pass")
    assert "| " + " | ".join(f"{by_status[s]:,}" for s in order) + " |" in text
    keys = _headings(text)
    assert keys and keys == sorted(keys)
    assert "fix: `az acr update --name devsandboxacr" in text
    assert "](https://learn.microsoft.com/" in text  # links on by default
    # contoso-lab, whose registries could not be listed, is one line for every rule it left unknown.
    (lab,) = re.findall(r"\n- \*\*subscription contoso-lab\*\*: (\d+) rules unknown \(ACR-001, ", text)
    placeholders = [f for f in results["findings"] if f["subject"]["kind"] == "scope" and f["status"] == "unknown"]
    assert int(lab) == len(placeholders) > 20
    # Every finding needing attention is accounted for: one line each, a scope's line for all of
    # its rules, and what did not fit in one comment counted at the end.
    assert len(text) <= 65_000
    more = re.search(r"\*\*… and ([\d,]+) more findings\*\*", text)
    left_out = int(more.group(1).replace(",", "")) if more else 0
    accounted = text.count("\n- **") - 1 + int(lab) + left_out
    assert accounted == fails + by_status["unknown"] + by_status["error"]


@pytest.mark.parametrize("limit", [4_000, 12_000, 30_000, 50_000])
def test_a_cut_comment_counts_every_finding_it_leaves_out(limit: int) -> None:
    """Cut anywhere, the comment accounts for every finding needing attention: the lines shown
    (a scope's line for all the rules it left unknown) plus the "… and N more" count."""
    config = Config()
    rules, pack_hash = prepare_rules(config)
    result = run_scan(SnapshotFileSource(DEMO), rules, pack_hash, config, datetime(2026, 11, 27, 2, tzinfo=UTC))
    text = MarkdownFormat(limit=limit).render(result)
    assert len(text) <= limit
    attention = sum(1 for f in result.findings if f.status.value in ("fail", "unknown", "error"))
    scopes = [int(n) for n in re.findall(r"\n- \*\*subscription contoso-lab\*\*: (\d+) rules unknown", text)]
    more = re.search(r"\*\*… and ([\d,]+) more findings\*\*", text)
    assert more is not None
    shown = text.count("\n- **") - len(scopes) + sum(scopes)
    assert shown + int(more.group(1).replace(",", "")) == attention


def test_markdown_no_links(tmp_path: Path) -> None:
    _scan(DEMO, tmp_path, "markdown", "--no-links")
    text = (tmp_path / "summary.md").read_text()
    # (the demo's messages quote a URL the collector called: it is written so no renderer links it)
    assert "://" not in text and "](" not in text and "https:&#8203;//management.azure.com" in text
    assert "fix: `az acr update --name devsandboxacr" in text


def test_markdown_escapes_hostile_names(hostile_reports: tuple[Path, dict[str, Any]]) -> None:
    out = hostile_reports[0]
    text = (out / "summary.md").read_text()
    assert "\x07" not in text
    # Inside a code span nothing is interpreted (the fence is longer than any backtick run
    # in the command); outside, the name is entity- and backslash-escaped.
    assert "fix: ``az acr update --name <img src=x onerror=alert(1)>|**bold**|" in text
    prose = re.sub(r"(?<![\\`])(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    assert "<img" not in prose and "&lt;img src=x onerror=alert(1)&gt;" in prose
    assert "\\|" in prose and "\\*\\*bold\\*\\*" in prose and "\\[x\\]" in prose and "@&#8203;octocat" in prose
    links = re.findall(r"(?<!\\)\]\((\S+?)\)", prose)
    assert links and all(url.startswith("https://learn.microsoft.com/") for url in links)
    assert "https://evil" not in prose and "\\`tick\\`" in prose
    # every table row still has exactly the columns of its header
    for line in text.splitlines():
        if line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) in (6, 7), line
    keys = _headings(text)
    assert any(k[0] == 1 for k in keys)  # unknown groups, after every failing one
    assert keys == sorted(keys)


def test_markdown_big_tenant_fits_a_comment(write_snapshot: Callable[..., Path], tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "fixtures"))
    try:
        import make_synthetic
    finally:
        sys.path.remove(str(ROOT / "fixtures"))
    snapshot = write_snapshot(make_synthetic.SyntheticTenant(600, 5).build(), "big.json.gz")
    _scan(snapshot, tmp_path, "markdown,csv")
    text = (tmp_path / "summary.md").read_text()
    assert len(text) <= 65_000
    more = re.search(r"\*\*… and ([\d,]+) more findings\*\*", text)
    assert more is not None
    rows = list(csv.reader(io.StringIO((tmp_path / "findings.csv").read_text(), newline="")))
    attention = sum(1 for r in rows[1:] if r[2] in ("fail", "unknown", "error"))
    shown = text.count("\n- **")
    assert shown + int(more.group(1).replace(",", "")) == attention
    keys = _headings(text)
    assert keys == sorted(keys)
    assert keys[0] == (0, -SEVERITY_RANK["critical"]) or keys[0] == (0, -SEVERITY_RANK["high"])


def test_csv_round_trip(demo_reports: Path) -> None:
    results = json.loads((demo_reports / "results.json").read_text())
    raw = (demo_reports / "findings.csv").read_bytes()
    assert raw.count(b"\r\n") >= len(results["findings"]) + 1
    rows = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert rows[0][:4] == ["rule_id", "title", "status", "severity"]
    assert len(rows) == len(results["findings"]) + 1
    assert all(len(r) == len(rows[0]) for r in rows)
    header = rows[0]
    for row, finding in zip(rows[1:], results["findings"], strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["rule_id"] == finding["rule_id"] and cells["status"] == finding["status"]
        assert cells["subject_id"] == finding["subject"]["id"]
        command = (finding["remediation"] or {}).get("command") or ""
        assert cells["remediation_command"] == command


def test_csv_neutralizes_formulas(hostile_reports: tuple[Path, dict[str, Any]]) -> None:
    out, results = hostile_reports
    rows = list(csv.reader(io.StringIO((out / "findings.csv").read_text(), newline="")))
    assert len(rows) == len(results["findings"]) + 1
    names = {r[rows[0].index("subject_name")] for r in rows[1:]}
    assert "'" + FORMULA in names and FORMULA not in names
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", cell
