"""Secret material never reaches a snapshot, whatever its letter case (issue 11, defect 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.sources.live.arm import scrub_token_passwords
from scanner.sources.live.graph import scrub_credentials
from scanner.sources.secret_fields import is_secret_field, without_secrets
from scanner.sources.snapshot_writer import write_snapshot

BASE: dict[str, Any] = {"kind": "acr-snapshot", "version": 1, "collectedAt": "2026-11-27T02:00:00Z"}
REGISTRY = "/subscriptions/s/resourcegroups/g/providers/microsoft.containerregistry/registries/r"


@pytest.mark.parametrize(
    "name", ["secretText", "SecretText", "SECRETTEXT", "hint", "Hint", "key", "KEY", "value", "vAlUe"]
)
def test_every_secret_field_name_in_any_case_is_secret(name: str) -> None:
    assert is_secret_field(name)


@pytest.mark.parametrize("name", ["keyId", "displayName", "endDateTime", "customKeyIdentifier", "type", 3, None])
def test_metadata_fields_are_not_secret(name: object) -> None:
    assert not is_secret_field(name)


def test_graph_scrub_drops_secrets_in_any_case_and_keeps_odd_items() -> None:
    body = {
        "@odata.context": "https://graph/$metadata",
        "id": "sp",
        "passwordCredentials": [
            {"keyId": "k", "SecretText": "s1", "HINT": "s2", "endDateTime": "2027-01-01"},
            "junk",
            None,
        ],
        "KeyCredentials": [{"keyId": "c", "Key": "MIIB", "type": "AsymmetricX509Cert"}],
        "keyCredentials": None,
    }
    scrubbed = scrub_credentials(body)
    assert scrubbed == {
        "id": "sp",
        "passwordCredentials": [{"keyId": "k", "endDateTime": "2027-01-01"}, "junk", None],
        "KeyCredentials": [{"keyId": "c", "type": "AsymmetricX509Cert"}],
        "keyCredentials": None,
    }
    assert "s1" not in json.dumps(scrubbed) and "MIIB" not in json.dumps(scrubbed)


def test_token_scrub_drops_password_values_in_any_case() -> None:
    token = {"properties": {"credentials": {"Passwords": [{"name": "password1", "VALUE": "v"}, 7]}}}
    assert scrub_token_passwords(token) == {"properties": {"credentials": {"Passwords": [{"name": "password1"}, 7]}}}
    assert scrub_token_passwords({"properties": None}) == {"properties": None}


def test_without_secrets_leaves_what_is_not_a_list() -> None:
    assert without_secrets({"secretText": "x"}) == {"secretText": "x"}  # (not a list: the schema refuses it)
    assert without_secrets([{"Value": 1, "name": "n"}]) == [{"name": "n"}]


def _snapshot(where: str, item: Any) -> dict[str, Any]:
    if where == "token":
        token = {"id": f"{REGISTRY}/tokens/t", "name": "t", "properties": {"credentials": {"passwords": [item]}}}
        return {**BASE, "arm": {REGISTRY: {"tokens": [token]}}}
    return {**BASE, "graph": {"applications": [{"id": "a", "appId": "b", where: [item]}]}}


@pytest.mark.parametrize(
    ("where", "item"),
    [
        ("keyCredentials", {"keyId": "k", "key": "MIIBsecret"}),
        ("passwordCredentials", {"keyId": "k", "SecretText": "MIIBsecret"}),
        ("PasswordCredentials", {"keyId": "k", "secretText": "MIIBsecret"}),
        ("keyCredentials", "MIIBsecret"),
        ("token", {"name": "password1", "Value": "MIIBsecret"}),
    ],
)
def test_a_collection_carrying_a_secret_is_never_written(where: str, item: Any, tmp_path: Path) -> None:
    target = tmp_path / "snapshot.json"
    with pytest.raises(InputError) as refused:
        write_snapshot(_snapshot(where, item), target)
    assert "MIIBsecret" not in str(refused.value)
    assert not target.exists()
