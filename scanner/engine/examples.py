"""Run the passing, failing, not-applicable and unknown examples each rule carries.

A rule cannot ship without proof (sqlfluff/Semgrep style): ``acr-scan policies test`` and the
test suite both run every example through the same evaluation path as a real scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.engine.evaluate import evaluate_subject
from scanner.engine.loader import RuleSpec
from scanner.engine.rule import compile_rule
from scanner.inventory.subjects.subject import Subject
from scanner.results import Status, SubjectRef
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown

DEFAULT_EXAMPLE_NOW = "2026-01-01T00:00:00Z"
EXPECTED = {
    "pass": Status.PASS,
    "fail": Status.FAIL,
    "not_applicable": Status.NOT_APPLICABLE,
    "unknown": Status.UNKNOWN,
}


class ExampleResult(msgspec.Struct, frozen=True):
    """Outcome of one example."""

    rule_id: str
    expected: str
    index: int
    description: str
    actual: str
    ok: bool
    detail: str


def materialize(value: Any) -> Any:
    """Turn ``{$unknown: reason}`` markers in an example into :class:`Unknown` values."""
    if isinstance(value, Mapping):
        if set(value) == {"$unknown"}:
            return Unknown(str(value["$unknown"]))
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(v) for v in value]
    return value


def run_examples(spec: RuleSpec) -> list[ExampleResult]:
    """Evaluate every example of one rule and compare with the expected status."""
    examples = spec.data["examples"]
    now = parse_datetime(examples.get("now", DEFAULT_EXAMPLE_NOW))
    results = []
    for expected, status in EXPECTED.items():
        for index, example in enumerate(examples.get(expected) or ()):
            rule = compile_rule(spec, example.get("params"))
            doc = materialize(example["subject"])
            ref = SubjectRef(
                id=str(doc.get("id", f"example-{index}")), name=str(doc.get("name", "example")), kind=rule.subject
            )
            finding = evaluate_subject(rule, Subject(rule.subject, ref, doc), now)
            ok = finding.status is status
            detail = finding.message
            if ok and "severity" in example and finding.severity.value != example["severity"]:
                ok = False
                detail = f"severity {finding.severity.value}, expected {example['severity']}: {finding.message}"
            results.append(
                ExampleResult(
                    spec.id, expected, index, example.get("description", ""), finding.status.value, ok, detail
                )
            )
    return results
