"""The engine's fast constructors build the very same frozen dataclass instances."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from scanner import results
from scanner.results import (
    Finding,
    Location,
    Remediation,
    Severity,
    Status,
    SubjectRef,
    SuppressionRef,
    new_finding,
    new_location,
    new_remediation,
    new_subject_ref,
)

REF_ARGS = ("/subscriptions/s/x", "x", "registry", "s", "rg", "/subscriptions/s/x", "x")
CASES: list[tuple[type, Callable[..., Any], type, tuple[Any, ...]]] = [
    (SubjectRef, new_subject_ref, results._SubjectRefFields, REF_ARGS),
    (Location, new_location, results._LocationFields, ("/subscriptions/s/x", "main.bicep", 12)),
    (Remediation, new_remediation, results._RemediationFields, ("Turn it off.", "az acr update -n x")),
    (
        Finding,
        new_finding,
        results._FindingFields,
        (
            "ACR-001",
            "Admin user",
            Status.FAIL,
            Severity.HIGH,
            "x has the admin user on",
            SubjectRef(*REF_ARGS),
            {"properties.adminUserEnabled": True},
            Remediation("Turn it off.", "az acr update -n x"),
            Location("/subscriptions/s/x"),
            SuppressionRef("accepted", "2027-01-01"),
        ),
    ),
]


@pytest.mark.parametrize(("cls", "factory", "twin", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_twin_matches_its_dataclass(cls: type, factory: Callable[..., Any], twin: type, args: tuple[Any, ...]) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    assert list(twin.__slots__) == list(cls.__slots__) == names
    assert list(inspect.signature(twin).parameters) == names
    assert list(inspect.signature(factory).parameters) == names


@pytest.mark.parametrize(("cls", "factory", "twin", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_built_object_is_the_frozen_dataclass(
    cls: type, factory: Callable[..., Any], twin: type, args: tuple[Any, ...]
) -> None:
    built = factory(*args)
    plain = cls(*args)
    assert type(built) is cls
    assert built == plain and repr(built) == repr(plain)
    if cls is not Finding:  # (a finding's evidence is a dict: findings are not hashable)
        assert hash(built) == hash(plain)
    assert orjson.dumps(built, option=orjson.OPT_SORT_KEYS) == orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)
    assert dataclasses.asdict(built) == dataclasses.asdict(plain)
    assert pickle.loads(pickle.dumps(built)) == plain
    assert copy.copy(built) == plain
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, first, None)
    assert dataclasses.replace(built, **{first: args[0]}) == plain
