"""Hostile rule packs and hostile values for rules (issue 11, defects 12 and 13).

Seed corpus: ``tests/data/hostile/rules/<case>/`` — a folder per case, with the rule file(s)
and, for enum cases, the snapshot that shows the verdict.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.conditions import Context, compile_condition
from scanner.engine.loader import load_rules
from scanner.engine.regex import PatternError, compile_pattern
from scanner.timeutil import parse_datetime
from tests.hostile import HOSTILE, ROOT, assert_contract, run_contained

CORPUS = HOSTILE / "rules"
NOW = parse_datetime("2026-11-27T00:00:00Z")

# --------------------------------------------------------------------------- regexes (defect 13)

REFUSED = {
    "backreference": "backreferences are not supported",
    "lookahead": "lookaround is not supported",
    "lookbehind": "lookaround is not supported",
    "huge-pattern": "pattern too large",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
@pytest.mark.parametrize("command", ["validate", "scan"])
def test_a_pattern_re2_cannot_compile_is_refused_with_file_line_and_why(case: str, command: str) -> None:
    folder = CORPUS / case
    (rule_file,) = folder.glob("*.yaml")
    if command == "validate":
        args = ["policies", "validate", str(folder)]
    else:
        args = ["scan", "--snapshot", str(ROOT / "fixtures" / "demo-tenant.snapshot.json"), "--policies", str(folder)]
    outcome = run_contained(args)
    assert outcome.code == 2
    assert_contract(outcome, needles=[f"{rule_file}:9:", "invalid regular expression", "RE2", REFUSED[case]])
    assert len(outcome.stderr) < 500  # (a huge pattern is clipped in the message)


def _matches(pattern: str, text: str, case_sensitive: bool = False) -> Any:
    condition = compile_condition({"field": "a", "matches": pattern, "case_sensitive": case_sensitive}, {}, ())
    return condition.test({"a": text}, Context(NOW, {}))


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    hostile = "a" * 50_000 + "!"
    started = time.monotonic()
    assert _matches("^(a+)+$", hostile) is False
    assert _matches("^(a|aa)+$", hostile) is False
    assert _matches("(x+x+)+y", "x" * 50_000) is False
    assert time.monotonic() - started < 1.0
    assert _matches("^(a+)+$", "a" * 50_000) is True


def test_catastrophic_pattern_through_the_cli(tmp_path: Path) -> None:
    snapshot = json.loads((HOSTILE / "output" / "control-characters.snapshot.json").read_text())
    (registry,) = snapshot["resourceGraph"]["registries"]
    registry["name"] = "a" * 50_000 + "!"
    path = tmp_path / "long-name.snapshot.json"
    path.write_text(json.dumps(snapshot))
    args = ["scan", "--snapshot", str(path), "--policies", str(CORPUS / "catastrophic-regex"), "--rules", "ORG-910"]
    outcome = run_contained([*args, "--format", "json"], timeout=20)
    assert_contract(outcome, allowed=frozenset({0}), time_limit=20)
    (finding,) = json.loads(outcome.stdout)["findings"]
    assert finding["status"] == "pass"


def test_matches_is_case_insensitive_unless_asked() -> None:
    assert _matches("^prod-", "PROD-acr") is True
    assert _matches("^prod-", "PROD-acr", case_sensitive=True) is False
    assert _matches("(?i)^prod-", "PROD-acr", case_sensitive=True) is True
    assert _matches("^é", "Éa") is True


def _pack_patterns() -> list[str]:
    """Every ``matches`` pattern of the built-in pack and of the documentation's examples."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("matches"), str):
                found.append(node["matches"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for spec in load_rules():
        walk(dict(spec.data))
    return found


PATTERNS = [*_pack_patterns(), "^prod-", "-(dev|test)$", r"^[a-z0-9]{5,50}$", r"\.azurecr\.io$", "acr", "^$", "a.c"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pack_patterns_compile_under_re2(pattern: str) -> None:
    compile_pattern(pattern, case_sensitive=False)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    pattern=st.sampled_from(PATTERNS),
    text=st.text(alphabet=st.sampled_from("abcdeprodtsvACRz019-._/ \n"), max_size=30),
    case_sensitive=st.booleans(),
)
def test_re2_gives_the_same_verdicts_as_python_re(pattern: str, text: str, case_sensitive: bool) -> None:
    # (the one documented difference: Python's ``$`` also matches before a final newline, RE2's
    # only at the very end, which is Python's ``\Z``)
    python = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
    expected = re.search(python, text, 0 if case_sensitive else re.IGNORECASE) is not None
    assert (compile_pattern(pattern, case_sensitive).search(text) is not None) is expected


def test_refused_patterns_say_why() -> None:
    with pytest.raises(PatternError, match="backreferences are not supported"):
        compile_pattern(r"(a)\1", False)
    with pytest.raises(PatternError, match="lookaround is not supported"):
        compile_pattern(r"a(?=b)", False)
    with pytest.raises(PatternError, match="missing \\)"):
        compile_pattern("(unclosed", False)
