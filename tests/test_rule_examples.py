"""Every example every rule carries is a test case (a rule cannot ship without proof)."""

from __future__ import annotations

import pytest

from scanner.engine.examples import run_examples
from scanner.engine.loader import load_rules

SPECS = load_rules()
CASES = [(spec, r) for spec in SPECS for r in run_examples(spec)]


@pytest.mark.parametrize(("spec", "result"), CASES, ids=[f"{r.rule_id}-{r.expected}-{r.index}" for _, r in CASES])
def test_example(spec: object, result: object) -> None:
    assert result.ok, (
        f"{result.rule_id} {result.expected}[{result.index}] {result.description}: got {result.actual}: {result.detail}"
    )  # type: ignore[attr-defined]


def test_every_rule_has_pass_and_fail_examples() -> None:
    for spec in SPECS:
        examples = spec.data["examples"]
        assert examples["pass"] and examples["fail"], spec.id


def test_rules_with_applicability_have_not_applicable_examples() -> None:
    for spec in SPECS:
        if "applies_when" in spec.data:
            assert spec.data["examples"].get("not_applicable"), f"{spec.id} declares applies_when but no N/A example"
