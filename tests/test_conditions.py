"""The condition language: operators, three-valued logic, parameters and field references."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.engine.compiler import CompileError, Context, compile_condition
from scanner.unknown import Unknown

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def check(cond: Any, doc: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
    compiled = compile_condition(cond, params or {}, ())
    return compiled(doc, Context(NOW, doc))


@pytest.mark.parametrize(
    ("cond", "doc", "expected"),
    [
        ({"field": "a", "equals": "Enabled"}, {"a": "enabled"}, True),
        ({"field": "a", "equals": "Enabled", "case_sensitive": True}, {"a": "enabled"}, False),
        ({"field": "a", "equals": True}, {"a": 1}, False),
        ({"field": "a", "equals": None}, {}, True),
        ({"field": "a", "not_equals": "Disabled"}, {}, True),
        ({"field": "a.b", "equals": 3}, {"a": {"b": 3}}, True),
        ({"field": "a", "in": ["X", "y"]}, {"a": "x"}, True),
        ({"field": "a", "not_in": ["x"]}, {}, True),
        ({"field": "a", "exists": True}, {"a": None}, False),
        ({"field": "a", "exists": False}, {}, True),
        ({"field": "a", "empty": True}, {"a": []}, True),
        ({"field": "a", "empty": False}, {"a": [1]}, True),
        ({"field": "a", "greater": 2}, {"a": 3}, True),
        ({"field": "a", "greater": 2}, {}, False),
        ({"field": "a", "less_or_equal": 2}, {"a": 2}, True),
        ({"field": "a", "contains": "AcrPush"}, {"a": ["acrpush", "x"]}, True),
        ({"field": "a", "contains": "Push"}, {"a": ["acrpush", "x"]}, False),
        ({"field": "a", "contains": "ell"}, {"a": "Hello"}, True),
        ({"field": "a", "not_contains": "z"}, {"a": ["x"]}, True),
        ({"field": "a", "matches": "^prod-"}, {"a": "PROD-acr"}, True),
        ({"field": "a", "cidr_addresses_greater": 65536}, {"a": "10.0.0.0/8"}, True),
        ({"field": "a", "cidr_addresses_greater": 65536}, {"a": "10.1.0.0/16"}, False),
        ({"field": "a", "cidr_addresses_greater": 65536}, {"a": "203.0.113.7"}, False),
        ({"field": "a", "private_ip": True}, {"a": "10.1.2.3"}, True),
        ({"field": "a", "private_ip": True}, {"a": "20.1.2.3"}, False),
        ({"field": "a", "before_now": True}, {"a": "2026-11-01T00:00:00Z"}, True),
        ({"field": "a", "before_now": True}, {"a": "2027-01-01T00:00:00.1234567Z"}, False),
        ({"field": "a", "within_days": 30}, {"a": "2026-12-10T00:00:00+00:00"}, True),
        ({"field": "a", "within_days": 30}, {"a": "2026-11-01T00:00:00Z"}, False),
        ({"field": "a", "older_than_days": 90}, {"a": "2026-01-01T00:00:00Z"}, True),
        (
            {"field": "end", "duration_days_greater": {"since": "start", "days": 365}},
            {"start": "2025-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"},
            True,
        ),
        ({"all": [{"field": "a", "equals": 1}, {"field": "b", "equals": 2}]}, {"a": 1, "b": 2}, True),
        ({"any": [{"field": "a", "equals": 0}, {"field": "b", "equals": 2}]}, {"a": 1, "b": 2}, True),
        ({"not": {"field": "a", "equals": 1}}, {"a": 1}, False),
        ({"field": "a", "equals": {"field": "b"}}, {"a": 5, "b": 5}, True),
        ({"field": "a", "greater": {"field": "b"}}, {"a": 5, "b": 4}, True),
    ],
)
def test_operators(cond: Any, doc: dict[str, Any], expected: bool) -> None:
    assert check(cond, doc) is expected


def test_quantifiers_and_bindings() -> None:
    doc = {"rules": [{"value": "10.0.0.0/8"}, {"value": "1.2.3.4"}], "name": "r"}
    cond = {"any": {"over": "rules", "as": "wide", "where": {"field": "value", "cidr_addresses_greater": 256}}}
    compiled = compile_condition(cond, {}, ())
    ctx = Context(NOW, doc)
    assert compiled(doc, ctx) is True
    assert ctx.bindings["wide"] == ["10.0.0.0/8"]
    assert ctx.evidence == {"rules": {"total": 2, "matched": ["10.0.0.0/8"]}}
    assert check({"all": {"over": "rules", "where": {"field": "value", "exists": True}}}, doc) is True
    assert check({"all": {"over": "missing"}}, doc) is True  # vacuous truth over an absent list
    assert check({"count": {"over": "rules"}, "equals": 2}, doc) is True
    root_ref = {"any": {"over": "rules", "where": {"field": "$.name", "equals": "r"}}}
    assert check(root_ref, doc) is True


def test_three_valued_logic() -> None:
    gap = Unknown("not collected")
    doc = {"a": gap, "b": 1}
    assert check({"field": "a", "equals": 1}, doc) is gap
    assert check({"all": [{"field": "b", "equals": 2}, {"field": "a", "equals": 1}]}, doc) is False
    assert check({"all": [{"field": "b", "equals": 1}, {"field": "a", "equals": 1}]}, doc) is gap
    assert check({"any": [{"field": "b", "equals": 1}, {"field": "a", "equals": 1}]}, doc) is True
    assert check({"any": [{"field": "b", "equals": 2}, {"field": "a", "equals": 1}]}, doc) is gap
    assert check({"not": {"field": "a", "equals": 1}}, doc) is gap
    assert check({"count": {"over": "a"}, "greater": 0}, doc) is gap
    assert check({"field": "a.deeper", "exists": True}, doc) is gap
    with pytest.raises(TypeError):
        bool(gap)


def test_unparseable_values_are_unknown_not_false() -> None:
    assert isinstance(check({"field": "a", "before_now": True}, {"a": "yesterday"}), Unknown)
    assert isinstance(check({"field": "a", "cidr_addresses_greater": 1}, {"a": "not-an-ip"}), Unknown)
    assert isinstance(check({"field": "a", "greater": 1}, {"a": "three"}), Unknown)


def test_parameters_are_bound_at_compile_time() -> None:
    cond = {"field": "a", "within_days": {"param": "warn"}}
    doc = {"a": "2027-01-15T00:00:00Z"}
    assert check(cond, doc, {"warn": 30}) is False
    assert check(cond, doc, {"warn": 60}) is True
    assert check({"param": "strict", "equals": True}, {}, {"strict": True}) is True
    with pytest.raises(CompileError, match="unknown parameter"):
        compile_condition({"field": "a", "equals": {"param": "nope"}}, {}, ())


def test_compile_errors_point_at_the_node() -> None:
    with pytest.raises(CompileError) as info:
        compile_condition({"all": [{"field": "a", "matches": "("}]}, {}, ("fail_when",))
    assert info.value.pointer == ("fail_when", "all", 0, "matches")


SAMPLES: list[Any] = [True, False, 1, 0, 1.0, "1", "true", "Enabled", "enabled", None, [1], [True], {"a": 1}]


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
@pytest.mark.parametrize("other", SAMPLES, ids=repr)
def test_every_equality_form_agrees(value: Any, other: Any) -> None:
    """A literal, a field, a list member and a list item are compared the same way."""
    doc = {"a": value, "other": other, "listed": [value]}
    expected = check({"field": "a", "equals": other}, doc)
    assert check({"field": "a", "equals": {"field": "other"}}, doc) is expected
    assert check({"field": "a", "in": [other]}, doc) is expected
    assert check({"field": "listed", "contains": other}, doc) is expected
    assert check({"field": "a", "not_equals": other}, doc) is (not expected)
    assert check({"field": "a", "not_in": [other]}, doc) is (not expected)


@pytest.mark.parametrize(
    ("cond", "doc"),
    [
        ({"field": "a", "equals": 1}, {"a": True}),
        ({"field": "a", "equals": {"field": "x"}}, {"a": True, "x": 1}),
        ({"field": "a", "in": [1]}, {"a": True}),
        ({"field": "a", "in": [True]}, {"a": 1}),
        ({"field": "a", "contains": 0}, {"a": [False]}),
        ({"count": {"over": "a"}, "equals": True}, {"a": [1]}),
    ],
)
def test_a_boolean_never_equals_a_number(cond: Any, doc: dict[str, Any]) -> None:
    assert check(cond, doc) is False


def test_missing_equals_null_and_numbers_compare_by_value() -> None:
    assert check({"field": "a", "equals": {"field": "b"}}, {}) is True
    assert check({"field": "a", "in": [None]}, {}) is True
    assert check({"field": "a", "equals": 1}, {"a": 1.0}) is True
    assert check({"field": "a", "equals": ["X", {"k": "Y"}]}, {"a": ["x", {"k": "y"}]}) is True
    assert check({"field": "a", "equals": ["X"], "case_sensitive": True}, {"a": ["x"]}) is False


def test_membership_needs_a_list() -> None:
    with pytest.raises(CompileError, match="in needs a list"):
        compile_condition({"field": "a", "in": {"param": "p"}}, {"p": "text"}, ())
