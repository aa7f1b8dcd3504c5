"""Hostile rule packs and hostile values for rules (issue 11, defects 12 and 13).

Seed corpus: ``tests/data/hostile/rules/<case>/`` — a folder per case, with the rule file(s)
and, for enum cases, the snapshot that shows the verdict.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.compiler import Leaf, compile_condition
from scanner.engine.evaluate import evaluate_subject
from scanner.engine.examples import DEFAULT_EXAMPLE_NOW, EXPECTED, materialize, run_examples
from scanner.engine.getters import Context
from scanner.engine.loader import load_rules
from scanner.engine.regex import PatternError, compile_pattern
from scanner.engine.rule import Rule, compile_rule
from scanner.inventory.subjects.subject import Subject
from scanner.inventory.vocabulary import documented
from scanner.results import SubjectRef
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown
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


def test_catastrophic_patterns_give_the_right_answer() -> None:
    """(A backtracking engine would not return from these; the CLI test below bounds the time.)"""
    hostile = "a" * 50_000 + "!"
    assert _matches("^(a+)+$", hostile) is False
    assert _matches("^(a|aa)+$", hostile) is False
    assert _matches("(x+x+)+y", "x" * 50_000) is False
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


# --------------------------------------------------------------------------- documented values (defect 12)

ENUM = CORPUS / "unknown-enum"


def test_an_undocumented_value_makes_acr_023_unknown_not_pass() -> None:
    """The reproducer: a Standard registry with ``publicNetworkAccess: "x"`` passed ACR-023."""
    snapshot = ENUM / "public-network-access.snapshot.json"
    outcome = run_contained(
        ["scan", "--snapshot", str(snapshot), "--rules", "ACR-023,ACR-020,ACR-021", "--format", "json"]
    )
    assert_contract(outcome, allowed=frozenset({3}))
    findings = {f["rule_id"]: f for f in json.loads(outcome.stdout)["findings"]}
    for rule_id in ("ACR-020", "ACR-021", "ACR-023"):
        finding = findings[rule_id]
        assert finding["status"] == "unknown", finding
        assert finding["evidence"]["properties.publicNetworkAccess"] == "x"
        assert finding["evidence"]["missing"] == (
            "properties.publicNetworkAccess is 'x', not one of the documented values (Enabled, Disabled)"
        )


def test_an_undocumented_value_in_a_template_is_unknown_at_its_line() -> None:
    template = ENUM / "registry.json"
    outcome = run_contained(["scan", "--iac", str(template), "--rules", "ACR-021,ACR-023", "--format", "json"])
    assert_contract(outcome, allowed=frozenset({3}))
    for finding in json.loads(outcome.stdout)["findings"]:
        assert finding["status"] == "unknown"
        assert finding["evidence"]["properties.publicNetworkAccess"] == "Disabeld"
        assert finding["location"]["line"] == 13 and finding["location"]["file"].endswith("unknown-enum/registry.json")


def _documented_fields(rule: Rule) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Leaf) and node.vocabulary is not None:
            found.add(node.field)
        for child in (
            *getattr(node, "children", ()),
            getattr(node, "child", None),
            getattr(node, "where", None),
        ):
            if child is not None:
                walk(child)

    for condition in (rule.fail_when, rule.applies_when, *(case[0] for case in rule.severity_when)):
        if condition is not None:
            walk(condition)
    return found


def _value_at(node: Any, parts: list[str]) -> list[Any]:
    """Every value at a vocabulary path (``a.b[].c``) of an example subject."""
    if not parts:
        return [node]
    part, rest = parts[0], parts[1:]
    if not isinstance(node, dict):
        return []
    if part.endswith("[]"):
        items = node.get(part[:-2])
        return [v for item in items for v in _value_at(item, rest)] if isinstance(items, list) else []
    return _value_at(node[part], rest) if part in node else []


def _set_at(node: Any, parts: list[str], value: Any) -> bool:
    """Set a vocabulary path in an example subject (creating missing objects); False if it has no place."""
    if not isinstance(node, dict):
        return False
    part, rest = parts[0], parts[1:]
    if part.endswith("[]"):
        items = node.get(part[:-2])
        if not rest or not isinstance(items, list) or not items:
            return False
        return all(_set_at(item, rest, value) for item in items)
    if not rest:
        node[part] = value
        return True
    if part not in node or node[part] is None:
        node[part] = {}
    return _set_at(node[part], rest, value)


RULES = {spec.id: (spec, compile_rule(spec)) for spec in load_rules()}
AFFECTED = {
    rule_id: sorted(_documented_fields(rule)) for rule_id, (_, rule) in RULES.items() if _documented_fields(rule)
}


def test_the_check_covers_the_rules_it_should() -> None:
    assert len(AFFECTED) >= 20
    assert "properties.publicNetworkAccess" in AFFECTED["ACR-023"]
    assert "privateEndpointConnections[].status" in AFFECTED["ACR-025"]
    assert "diagnosticSettings[].properties.logs[].categoryGroup" in AFFECTED["ACR-044"]


@pytest.mark.parametrize("rule_id", sorted(AFFECTED))
def test_every_affected_rule_carries_a_failing_closed_example(rule_id: str) -> None:
    spec, _ = RULES[rule_id]
    undocumented = []
    for example in spec.data["examples"].get("unknown") or ():
        subject = materialize(example["subject"])
        for field in AFFECTED[rule_id]:
            vocabulary = documented(spec.data["subject"], field)
            assert vocabulary is not None
            values = _value_at(subject, field.split("."))
            if any(v is not None and not isinstance(v, Unknown) and not vocabulary.admits(v) for v in values):
                undocumented.append(example.get("description"))
    assert undocumented, f"{rule_id} has no unknown example with a value outside a documented set"
    results = run_examples(spec)
    assert all(r.ok for r in results), [r for r in results if not r.ok]


def _verdict(rule: Rule, doc: dict[str, Any], now: datetime) -> str:
    ref = SubjectRef(id=str(doc.get("id", "example")), name=str(doc.get("name", "example")), kind=rule.subject)
    return evaluate_subject(rule, Subject(rule.subject, ref, doc), now).status.value


def _cases() -> list[tuple[str, str, int]]:
    """(rule, field, example) where the example has a place for the field's value."""
    cases = []
    for rule_id, fields in AFFECTED.items():
        spec, _ = RULES[rule_id]
        examples = [e for kind in EXPECTED for e in spec.data["examples"].get(kind) or ()]
        for field in fields:
            for index, example in enumerate(examples):
                probe = materialize(example["subject"])
                if _set_at(probe, field.split("."), "probe"):
                    cases.append((rule_id, field, index))
    return cases


CASES = _cases()
UNDOCUMENTED = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["x", "", " Enabled", "Enabled ", "enabledd", "Disabeld", "true", "false", "0", "1", "None"]),
    st.integers(min_value=-2, max_value=2),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.sampled_from(["Enabled", "Deny", "Premium"]), max_size=2),
    st.dictionaries(st.sampled_from(["name", "value"]), st.sampled_from(["Enabled", "Premium"]), max_size=1),
)


def _example(rule_id: str, index: int) -> tuple[Rule, dict[str, Any], datetime]:
    spec, rule = RULES[rule_id]
    examples = [e for kind in EXPECTED for e in spec.data["examples"].get(kind) or ()]
    example = examples[index]
    if example.get("params"):
        rule = compile_rule(spec, example["params"])
    now = parse_datetime(spec.data["examples"].get("now", DEFAULT_EXAMPLE_NOW))
    return rule, example, now


def _with(example: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    doc = materialize(copy.deepcopy(example["subject"]))
    assert _set_at(doc, field.split("."), value)
    return doc


@settings(max_examples=600, deadline=None, derandomize=True)
@given(case=st.sampled_from(CASES), value=UNDOCUMENTED)
def test_a_value_outside_the_documented_set_never_decides_a_verdict(case: tuple[str, str, int], value: Any) -> None:
    """Fail closed: with an undocumented value the verdict is ``unknown``, or the one every
    documented value gives too (the field did not matter for this subject)."""
    rule_id, field, index = case
    rule, example, now = _example(rule_id, index)
    vocabulary = documented(rule.subject, field)
    assert vocabulary is not None
    if vocabulary.admits(value):
        return  # (a documented value in another spelling: see the test below)
    verdict = _verdict(rule, _with(example, field, value), now)
    documented_verdicts = {_verdict(rule, _with(example, field, v), now) for v in vocabulary.values or (True, False)}
    assert verdict == "unknown" or documented_verdicts == {verdict}, (verdict, documented_verdicts)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=st.sampled_from(CASES), spelling=st.sampled_from([str.upper, str.lower, str.swapcase, str.title]))
def test_documented_values_are_case_insensitive(case: tuple[str, str, int], spelling: Any) -> None:
    rule_id, field, index = case
    rule, example, now = _example(rule_id, index)
    vocabulary = documented(rule.subject, field)
    assert vocabulary is not None
    for value in vocabulary.values or ():
        expected = _verdict(rule, _with(example, field, value), now)
        assert _verdict(rule, _with(example, field, spelling(value)), now) == expected


def test_every_corpus_case_is_exercised() -> None:
    assert {p.name for p in CORPUS.iterdir()} == {*REFUSED, "catastrophic-regex", "unknown-enum"}
    assert {p.name for p in ENUM.iterdir()} == {"public-network-access.snapshot.json", "registry.json"}
