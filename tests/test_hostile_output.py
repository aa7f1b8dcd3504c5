"""Terminal output never passes control sequences from data (issue 11, defect 7).

The seed corpus under ``tests/data/hostile/output/`` carries registry names, tags, token
names, collection errors, results files and rule packs whose text holds clear-screen, window
title, OSC 8 hyperlink, BEL, CR, forged-newline, C1 and bidi-override sequences. Every
command that prints them (scan table, ``summary.txt``, ``diff``, ``policies list/show/test/
validate``, the error line, any format printed to a terminal) must show them as escapes.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.config import Config
from scanner.drift.base import Comparison
from scanner.drift.compare import Observation, compare
from scanner.drift.results_file import ResultsFile
from scanner.drift.table import DriftTable
from scanner.outputs.table import _COLORS, _RESET, TableFormat
from scanner.outputs.terminal import UNSAFE, safe_bytes, safe_multiline, safe_text
from scanner.scan import prepare_rules, run_scan
from scanner.scan_result import ScanResult
from scanner.sources.snapshot import SnapshotFileSource
from tests.hostile import HOSTILE, ROOT, assert_contract, run_contained

CORPUS = HOSTILE / "output"
SNAPSHOT = CORPUS / "control-characters.snapshot.json"
POLICIES = CORPUS / "policies"
OLD, NEW = CORPUS / "diff-old.results.json", CORPUS / "diff-new.results.json"
#: Every character class the escaping must catch, one of each.
DANGEROUS = "\x00\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x85\x9b\x9d\u061c\u200e\u200f\u2028\u2029" + "".join(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
_OUR_COLOURS = re.compile("|".join(re.escape(c) for c in (*_COLORS.values(), _RESET)))
#: Lines the corpus tries to forge with an embedded newline.
FORGED = ("== registry forged", "ORG-902  high", "  ACR-001  registry forged")


def raw_controls(text: str, *, colour: bool = False) -> list[str]:
    """The unsafe characters left in ``text`` (line feeds are the output's own)."""
    if colour:
        text = _OUR_COLOURS.sub("", text)
    return sorted({c for c in UNSAFE.findall(text) if c != "\n"})


def assert_inert(text: str, *, colour: bool = False) -> None:
    assert raw_controls(text, colour=colour) == [], text[:2000]
    for line in text.splitlines():
        assert not line.startswith(FORGED), line


# --------------------------------------------------------------------------- the helper


@pytest.mark.parametrize("char", DANGEROUS)
def test_every_dangerous_character_is_shown_as_an_escape(char: str) -> None:
    shown = safe_text(f"a{char}b")
    assert char not in shown and shown.startswith("a\\") and shown.endswith("b")
    assert UNSAFE.search(shown) is None


def test_plain_text_is_returned_unchanged() -> None:
    text = "contosoprodacr → Premium (西日本) ✓ C:\\temp\\x"
    assert safe_text(text) is text
    assert safe_text("non\u00a0breaking") == "non\u00a0breaking"  # not printable, not dangerous


def test_multiline_text_keeps_its_lines_and_tabs_but_not_a_lone_cr() -> None:
    assert safe_multiline("a: 1\r\n\tb: 2\nc\rd\x1b[2J\u202e\n") == "a: 1\r\n\tb: 2\nc\\rd\\x1b[2J\\u202e\n"
    assert safe_bytes(b"ok \xff\x1b]0;t\x07\n") == b"ok \\xff\\x1b]0;t\\x07\n"


# --------------------------------------------------------------------------- the seed corpus

CASES: dict[str, tuple[Sequence[str], frozenset[int], bool]] = {
    "scan table, no colour": (
        ["scan", "--snapshot", str(SNAPSHOT), "--policies", str(POLICIES), "--no-color"],
        frozenset({1}),
        False,
    ),
    "scan table, colour": (
        ["scan", "--snapshot", str(SNAPSHOT), "--policies", str(POLICIES), "--color"],
        frozenset({1}),
        True,
    ),
    "diff table": (["diff", str(OLD), str(NEW)], frozenset({1}), False),
    "policies list": (["policies", "list", "--policies", str(POLICIES)], frozenset({0}), False),
    "policies show escapes": (["policies", "show", "ORG-901", "--policies", str(POLICIES)], frozenset({0}), False),
    "policies show raw bidi": (["policies", "show", "ORG-902", "--policies", str(POLICIES)], frozenset({0}), False),
    "policies test": (["policies", "test", str(POLICIES), "--verbose"], frozenset({0}), False),
    "policies validate": (["policies", "validate", str(POLICIES)], frozenset({0}), False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_corpus_output_is_inert(case: str) -> None:
    args, codes, colour = CASES[case]
    outcome = run_contained(args)
    assert_contract(outcome, allowed=codes)
    assert_inert(outcome.stdout, colour=colour)
    assert_inert(outcome.stderr)


def test_scan_table_shows_the_escaped_names_and_keeps_our_colours() -> None:
    outcome = run_contained(["scan", "--snapshot", str(SNAPSHOT), "--policies", str(POLICIES), "--color"])
    assert (
        "\x1b[31mHIGH    \x1b[0m ACR-001  Admin user is enabled on prod\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07"
        in outcome.stdout
    )
    assert "\\n== registry forged (0)" in outcome.stdout
    assert "owned by team\\x1b[2J" in outcome.stdout  # a tag through a custom rule's message
    assert "coverage gap: arm HTTP 403 Forbidden\\x1b[2J" in outcome.stdout


def test_summary_file_and_the_lines_printed_when_writing_files_are_inert(tmp_path: Path) -> None:
    out = tmp_path / "out\x1b]0;t\x07"
    outcome = run_contained(
        [
            "scan",
            "--snapshot",
            str(SNAPSHOT),
            "--policies",
            str(POLICIES),
            "--format",
            "table,json",
            "--output-dir",
            str(out),
        ]
    )
    assert_contract(outcome, allowed=frozenset({1}))
    assert_inert(outcome.stdout)
    assert "wrote table report: " in outcome.stdout and "out\\x1b]0;t\\x07" in outcome.stdout
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert_inert(summary)
    assert "Admin user is enabled on prod\\x1b[2J" in summary


def test_the_error_line_is_one_inert_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "evil\x1b[2J\nacr-scan: forged\u202e.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    outcome = run_contained(["policies", "validate", str(rules)])
    assert_contract(outcome, allowed=frozenset({2}), needles=["evil\\x1b[2J\\nacr-scan: forged\\u202e.yaml:"])
    assert_inert(outcome.stderr)


def _on_a_terminal(args: Sequence[str]) -> str:
    """Run the CLI with stdout on a pseudo-terminal; what the terminal received."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", *args], cwd=ROOT, stdout=follower, stderr=subprocess.DEVNULL
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) in (0, 1)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # (the terminal's own CRLF)


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--snapshot", str(SNAPSHOT), "--policies", str(POLICIES), "--format", "markdown"],
        ["diff", str(OLD), str(NEW), "--format", "markdown"],
        ["policies", "list", "--policies", str(POLICIES), "--format", "json"],
    ],
    ids=["scan markdown", "diff markdown", "policies list json"],
)
def test_any_format_printed_on_a_terminal_is_inert(args: list[str]) -> None:
    assert_inert(_on_a_terminal(args))


def test_csv_printed_on_a_terminal_has_no_escape_sequences() -> None:
    """CSV keeps its own line breaks (CRLF rows, a quoted field may span lines) and tabs;
    everything else that could drive the terminal is escaped."""
    shown = _on_a_terminal(["scan", "--snapshot", str(SNAPSHOT), "--policies", str(POLICIES), "--format", "csv"])
    assert sorted(set(raw_controls(shown.replace("\r\n", "\n"))) - {"\t"}) == []
    assert "\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07" in shown


def test_json_printed_on_a_terminal_is_inert_and_still_the_same_json() -> None:
    args = ["scan", "--snapshot", str(SNAPSHOT), "--policies", str(POLICIES), "--format", "json"]
    shown = _on_a_terminal(args)
    assert_inert(shown)
    piped = subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, capture_output=True, check=False)
    assert json.loads(shown) == json.loads(piped.stdout)
    assert "\u202e".encode() in piped.stdout  # (a pipe or a file gets the report's own bytes)


# --------------------------------------------------------------------------- property tests

HOSTILE_TEXT = st.text(alphabet=st.sampled_from([*DANGEROUS, "a", "Z", " ", "=", "[", "\\", "é", "→"]), max_size=40)


@pytest.fixture(scope="module")
def corpus_result() -> ScanResult:
    config = Config()
    rules, pack_hash = prepare_rules(config, [POLICIES])
    return run_scan(SnapshotFileSource(SNAPSHOT), rules, pack_hash, config, None)


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=HOSTILE_TEXT, message=HOSTILE_TEXT, command=HOSTILE_TEXT, colour=st.booleans())
def test_no_control_character_survives_the_table(
    corpus_result: ScanResult, name: str, message: str, command: str, colour: bool
) -> None:
    findings = []
    for f in corpus_result.findings:
        subject = msgspec.structs.replace(f.subject, name=name, registry_name=name or None)
        remediation = msgspec.structs.replace(f.remediation, command=command) if f.remediation else None
        changed = msgspec.structs.replace(f, message=message + f.message, subject=subject, remediation=remediation)
        findings.append(changed)
    result = msgspec.structs.replace(corpus_result, findings=tuple(findings))
    text = TableFormat(color=colour).render(result).decode("utf-8")
    assert raw_controls(text, colour=colour) == []
    assert safe_text(message) in text


def _observation(rule: str, status: str, name: str, message: str) -> Observation:
    return Observation(rule, "title", status, "high", message, f"/x/{rule}/{name}", name, "registry")


@settings(max_examples=100, deadline=None, derandomize=True)
@given(name=HOSTILE_TEXT, message=HOSTILE_TEXT, when=HOSTILE_TEXT)
def test_no_control_character_survives_the_drift_table(name: str, message: str, when: str) -> None:
    old = [_observation("ACR-001", "pass", name, message), _observation("ACR-002", "fail", name, message)]
    new = [_observation("ACR-001", "fail", name, message + "!"), _observation("ACR-003", "unknown", name, message)]
    text = DriftTable().render(
        Comparison(
            ResultsFile(Path(f"old{name}.json"), when, tuple(old)),
            ResultsFile(Path("new.json"), None, tuple(new)),
            compare(old, new),
        )
    )
    assert raw_controls(text) == []
    lines = text.splitlines()
    assert len(lines) == 9  # header, counts, then two blocks: nothing forged a line


def test_every_corpus_file_is_exercised() -> None:
    used = {SNAPSHOT, OLD, NEW, *POLICIES.iterdir(), *WIDE_INTEGER_RULES.iterdir()}
    assert {p for p in CORPUS.rglob("*") if p.is_file()} == used


WIDE_INTEGER_RULES = HOSTILE / "output" / "wide-integer-rule"


@pytest.mark.parametrize("fmt", ["json", "sarif", "html", "junit"])
def test_an_integer_beyond_64_bits_in_evidence_is_written_as_text(fmt: str, tmp_path: Path) -> None:
    """orjson refuses integers outside 64 bits; a rule that reads one still gets its report."""
    data = json.loads((ROOT / "fixtures" / "demo-tenant.snapshot.json").read_text())
    data["resourceGraph"]["registries"][0]["properties"]["policies"]["retentionPolicy"]["days"] = 2**70
    snapshot = tmp_path / "wide.json"
    snapshot.write_text(json.dumps(data))
    report = tmp_path / f"report.{fmt}"
    rules = WIDE_INTEGER_RULES
    outcome = run_contained(
        ["scan", "--snapshot", str(snapshot), "--policies", str(rules), "--format", fmt, "-o", str(report), "--quiet"]
    )
    assert_contract(outcome, allowed=frozenset({1}))
    assert str(2**70) in report.read_text()
