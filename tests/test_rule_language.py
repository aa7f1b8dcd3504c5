"""The operator registry is the one definition: the schema, the docs and the compiler follow it."""

from __future__ import annotations

import copy
import runpy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from scanner.engine.compiler import compile_condition
from scanner.engine.loader import load_rule_file
from scanner.engine.operators import COUNTING, OPERATORS
from scanner.engine.rule_schema import rule_schema
from scanner.errors import RuleError
from tests.conftest import ROOT, run_cli

RULE = ROOT / "policies" / "ACR-001.yaml"


def _rule_with(fail_when: Any) -> dict[str, Any]:
    rule = yaml.safe_load(RULE.read_text())
    rule["fail_when"] = copy.deepcopy(fail_when)
    rule.setdefault("parameters", {})["min_days"] = {"type": "integer", "default": 7, "description": "d"}
    rule["parameters"]["warn_days"] = {"type": "integer", "default": 30, "description": "d"}
    return rule


@pytest.mark.parametrize("name", list(OPERATORS))
def test_each_operator_example_is_a_valid_rule_condition_that_compiles(name: str) -> None:
    example = OPERATORS[name].example
    assert name in example
    rule = _rule_with(example)
    jsonschema.Draft202012Validator(rule_schema()).validate(rule)
    compile_condition(example, {"min_days": 7, "warn_days": 30}, ("fail_when",), rule["subject"])


@pytest.mark.parametrize("name", list(OPERATORS))
def test_the_schema_refuses_a_leaf_with_two_operators_or_none(name: str) -> None:
    validator = jsonschema.Draft202012Validator(rule_schema())
    other = "exists" if name != "exists" else "empty"
    two = {**OPERATORS[name].example, other: True}
    assert not validator.is_valid(_rule_with(two))
    assert not validator.is_valid(_rule_with({"field": "name"}))


def test_schema_lists_exactly_the_registry() -> None:
    schema = rule_schema()
    leaf, count = schema["$defs"]["leaf"], schema["$defs"]["count"]
    assert {name for name in leaf["properties"] if name not in ("field", "param", "case_sensitive")} == set(OPERATORS)
    assert [branch["required"][0] for branch in leaf["oneOf"]] == list(OPERATORS)
    assert [branch["required"][0] for branch in count["oneOf"]] == list(COUNTING)
    jsonschema.Draft202012Validator.check_schema(schema)


def test_policies_schema_prints_the_generated_schema() -> None:
    import json

    proc = run_cli("policies", "schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == rule_schema()


def test_the_docs_table_is_generated_from_the_registry() -> None:
    page = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    script = runpy.run_path(str(ROOT / "scripts" / "rule_language_docs.py"), run_name="rule_language_docs")
    assert script["updated"](page) == page, "run: python scripts/rule_language_docs.py"
    for name in OPERATORS:
        assert f"| `{name}` |" in page


@pytest.mark.parametrize(
    ("fail_when", "expected"),
    [
        ({"field": "x", "equalz": 1}, "fail_when: Additional properties are not allowed ('equalz' was unexpected)"),
        ({"count": {"over": "x"}, "greter": 1}, "fail_when: Additional properties are not allowed ('greter' was"),
        (
            {"all": [{"field": "a", "exists": True}, {"field": "b", "in": "x"}]},
            'fail_when/all/1/in: "x" is not of type',
        ),
        ({"any": {"over": "x", "where": {"field": "y", "greater": "3"}}}, 'fail_when/any/where/greater: "3" is not'),
    ],
)
def test_a_schema_error_names_the_place_and_the_problem(fail_when: Any, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "ORG-001.yaml"
    text = yaml.safe_dump(_rule_with(fail_when), sort_keys=False)
    path.write_text(text)
    line = text.splitlines().index("fail_when:") + 1
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    where, _, message = str(info.value).removeprefix(f"{path}:").partition(": ")
    assert int(where) >= line and message.startswith(expected)  # (the line of the node at fault)
