"""Findings are frozen values: outputs cannot change what another output sees."""

from __future__ import annotations

import copy
import pickle

import msgspec
import orjson
import pytest

from scanner.results import Finding, Location, Remediation, Severity, Status, SubjectRef, SuppressionRef

REF = SubjectRef("/subscriptions/s/x", "x", "registry", "s", "rg", "/subscriptions/s/x", "x")
FINDING = Finding(
    "ACR-001",
    "Admin user",
    Status.FAIL,
    Severity.HIGH,
    "x has the admin user on",
    REF,
    {"properties.adminUserEnabled": True},
    Remediation("Turn it off.", "az acr update -n x"),
    Location("/subscriptions/s/x"),
    SuppressionRef("accepted", "2027-01-01"),
)


@pytest.mark.parametrize("value", [REF, Location("/subscriptions/s/x", "main.bicep", 12), FINDING], ids=repr)
def test_fields_cannot_be_changed(value: object) -> None:
    first = msgspec.structs.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="immutable"):
        setattr(value, first, None)


def test_a_changed_copy_leaves_the_original_alone() -> None:
    suppressed = msgspec.structs.replace(FINDING, status=Status.SUPPRESSED)
    assert suppressed.status is Status.SUPPRESSED and FINDING.status is Status.FAIL
    assert suppressed != FINDING


def test_findings_round_trip_through_pickle_and_copy() -> None:
    assert pickle.loads(pickle.dumps(FINDING)) == FINDING
    assert copy.copy(FINDING) == FINDING


def test_json_names_are_the_field_names() -> None:
    data = orjson.loads(msgspec.json.encode(FINDING))
    assert data["rule_id"] == "ACR-001" and data["status"] == "fail"
    assert data["subject"]["registry_name"] == "x" and data["location"] == {
        "resource_id": "/subscriptions/s/x",
        "file": None,
        "line": None,
    }
    assert data["suppression"] == {"justification": "accepted", "expires": "2027-01-01", "in_source": False}


def test_references_and_locations_are_hashable_keys() -> None:
    assert len({REF, SubjectRef(*msgspec.structs.astuple(REF)), Location("a"), Location("a")}) == 2
