"""The YAML loader's limits: exact at the boundaries, invisible to ordinary files (issue 11)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
import yaml

import scanner.safeyaml as safeyaml
from scanner.engine import loader, rule_cache
from scanner.engine.rule_cache import CACHE_ENV
from scanner.input_limits import ALIAS_BUDGET, MAX_DEPTH
from scanner.plain_data import DataProblem, json_data
from tests.conftest import ROOT


def _problem(text: str) -> tuple[int | None, str]:
    with pytest.raises(yaml.YAMLError) as refused:
        safeyaml.load_yaml(text)
    mark = getattr(refused.value, "problem_mark", None)
    return (mark.line + 1 if mark else None), str(getattr(refused.value, "problem", None) or refused.value)


def test_every_builtin_rule_parses_to_the_same_data_as_plain_safe_load() -> None:
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        text = path.read_text()
        assert safeyaml.load_yaml(text) == safeyaml._plain(yaml.safe_load(text)), path


def test_timestamps_become_iso_strings_and_merge_keys_still_merge() -> None:
    text = "base: &b {x: 1, when: 2027-03-31}\nat: 2027-03-31T08:00:00Z\nc: {<<: *b, z: 3}\n"
    assert safeyaml.load_yaml(text) == {
        "base": {"x": 1, "when": "2027-03-31"},
        "at": "2027-03-31T08:00:00Z",
        "c": {"x": 1, "when": "2027-03-31", "z": 3},
    }


def _fan_out(count: int) -> str:
    """A scalar anchor used ``count`` times: each use adds exactly one value."""
    return "a: &a x\nb: [" + ", ".join(["*a"] * count) + "]\n"


def test_alias_budget_is_exact() -> None:
    assert len(safeyaml.load_yaml(_fan_out(ALIAS_BUDGET))["b"]) == ALIAS_BUDGET
    assert _problem(_fan_out(ALIAS_BUDGET + 1)) == (2, "aliases expand to more than 10,000 values (the alias budget)")


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_depth_limit_is_exact_and_counts_what_aliases_add() -> None:
    assert safeyaml.load_yaml(_nested(MAX_DEPTH)) is not None
    assert _problem(_nested(MAX_DEPTH + 1)) == (1, f"nested deeper than {MAX_DEPTH} levels (the input limit)")
    inner = 40
    fits = f"a: &x {_nested(inner)}\nb: {'[' * (MAX_DEPTH - inner - 1)}*x{']' * (MAX_DEPTH - inner - 1)}\n"
    assert safeyaml.load_yaml(fits) is not None
    deeper = f"a: &x {_nested(inner)}\nb: {'[' * (MAX_DEPTH - inner)}*x{']' * (MAX_DEPTH - inner)}\n"
    assert _problem(deeper)[1] == f"an alias nests deeper than {MAX_DEPTH} levels (the input limit)"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: 9223372036854775807\n", None),
        ("a: -9223372036854775808\n", None),
        ("a: 9223372036854775808\n", "integer 9223372036854775808 is beyond 64 bits"),
        ("a: 0x1FFFFFFFFFFFFFFFF\n", "integer 0x1FFFFFFFFFFFFFFFF is beyond 64 bits"),
        ("a: -.inf\n", "-.inf is not a JSON number"),
        ("a: !!pairs [b: 1]\n", "!!pairs is not JSON data (rules and configuration hold only JSON values)"),
        ("? !!binary aGk=\n: x\n", "mapping key 'aGk=' is not a string (quote it)"),
        ("? [a]\n: x\n", "mapping key is not a string (quote it)"),
        ("yes: 1\n", "mapping key 'yes' is not a string (quote it)"),
        ("2027-03-31: x\n", "mapping key '2027-03-31' is not a string (quote it)"),
    ],
)
def test_what_json_cannot_carry_is_refused_with_its_line(text: str, problem: str | None) -> None:
    if problem is None:
        assert isinstance(safeyaml.load_yaml(text)["a"], int)
    else:
        assert _problem(text) == (1, problem)


def test_without_libyaml_the_limits_hold_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml, "CSafeLoader", None)
    safeyaml._loader.cache_clear()
    try:
        assert _problem(_nested(5000)) == (None, f"nested deeper than {MAX_DEPTH} levels (the input limit)")
        assert _problem(_fan_out(ALIAS_BUDGET + 1))[1].startswith("aliases expand")
        assert safeyaml.load_yaml("a: [1, {b: 2027-03-31}]\n") == {"a": [1, {"b": "2027-03-31"}]}
    finally:
        monkeypatch.undo()
        safeyaml._loader.cache_clear()


def test_a_refused_rule_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    rule = tmp_path / "ORG-1.yaml"
    rule.write_text("id: ORG-1\ntags: !!set {a}\n")
    with pytest.raises(Exception, match=r"ORG-1.yaml:2: invalid YAML: !!set"):
        loader.load_rule_file(rule)
    assert rule_cache.cached(rule.read_text()) is None


def test_toml_values_become_json_data_or_are_refused_with_their_path() -> None:
    from datetime import date, datetime, time

    assert json_data({"d": date(2027, 3, 31), "t": time(8, 0), "z": datetime(2027, 3, 31, 8, tzinfo=UTC)}) == {
        "d": "2027-03-31",
        "t": "08:00:00",
        "z": "2027-03-31T08:00:00Z",
    }
    with pytest.raises(DataProblem, match=r"^x\.a\.0: integer beyond 64 bits$"):
        json_data({"a": [2**64]}, "x")
    with pytest.raises(DataProblem, match="nested deeper than 64 levels"):
        json_data(_list_nest(MAX_DEPTH + 1))


def _list_nest(levels: int) -> list[object]:
    value: list[object] = []
    for _ in range(levels - 1):
        value = [value]
    return value
