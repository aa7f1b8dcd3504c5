"""Collecting the registries' consumers live, against the HTTPS emulator with the real SDKs.

The tenant is the demo tenant plus the test workloads of ``tests/emulator/consumer_tenant.py``
(Microsoft's payload examples): every consumer list must come back exactly as served, the
container site's ``config/web`` must be read (and only that site's), the groups holding a
registry role must be expanded to their transitive members through ``$batch`` and
``@odata.nextLink``, and what cannot be read (a 403, a group too large) must be an ``errors``
entry with exit 3, never a silent gap or an empty list.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from scanner.azure.sections import CONSUMER_LISTS
from tests.conftest import refusal
from tests.emulator import AzureEmulator, EmulatorConfig
from tests.emulator.consumer_tenant import with_consumers
from tests.emulator.live import live_env
from tests.hostile import Outcome, run_in_process

LIMITS = ("--request-timeout", "5", "--max-retries", "1", "--max-retry-wait", "0.05")


@pytest.fixture(scope="module")
def tenant(demo_data: dict[str, Any]) -> dict[str, Any]:
    return with_consumers(demo_data, members=5)


def _collect(emu: AzureEmulator, tmp: Path, *scope: str) -> tuple[Outcome, dict[str, Any]]:
    out = tmp / "snapshot.json"
    with live_env(emu, tmp) as cloud:
        args = ["collect", *(scope or ("--tenant",)), "-o", str(out), "--auth", "environment", "--cloud", str(cloud)]
        outcome = run_in_process([*args, *LIMITS])
    snapshot: dict[str, Any] = json.loads(out.read_bytes()) if out.exists() else {}
    return outcome, snapshot


def _batch_urls(emu: AzureEmulator) -> list[str]:
    """The sub-request urls of every ``$batch`` the collector sent."""
    return [
        str(item["url"])
        for record in emu.requests
        if record.endpoint_kind == "graph_batch" and isinstance(record.body, dict)
        for item in record.body.get("requests", [])
    ]


def test_every_consumer_list_site_config_and_group_is_collected(tenant: dict[str, Any], tmp_path: Path) -> None:
    with AzureEmulator(tenant, EmulatorConfig(graph_page_size=2)) as emu:
        outcome, collected = _collect(emu, tmp_path)
        config_calls = [r.path for r in emu.requests if r.path.lower().endswith("/config/web")]
        member_urls = [url for url in _batch_urls(emu) if "/transitivemembers" in url.lower()]
    assert outcome.code == 0, outcome.describe()
    assert collected["errors"] == []
    for name in CONSUMER_LISTS:
        assert collected["resourceGraph"][name] == tenant["resourceGraph"][name], name
        assert collected["resourceGraph"][name], f"{name} must not be empty in the test tenant"
    # Only the container site is asked for its config/web; the plain site is not.
    sites = {row["id"].lower(): row for row in tenant["resourceGraph"]["webApps"]}
    container_site = next(key for key, row in sites.items() if "container" in row["kind"])
    assert [path.lower() for path in config_calls] == [container_site + "/config/web"]
    assert collected["arm"][container_site] == tenant["arm"][container_site]
    assert not any(key in collected["arm"] for key in sites if key != container_site)
    # Every group holding a role, expanded through three pages of two (5 members each).
    groups = tenant["graph"]["groupMembers"]
    assert len(groups) == 2
    assert collected["graph"]["groupMembers"] == groups
    assert len(member_urls) == len(groups) * math.ceil(5 / 2)
    assert sum("$skiptoken=" in url for url in member_urls) == len(groups) * 2
    # The users and groups holding roles keep their display names (and nothing else Graph has).
    assert collected["graph"]["directoryObjects"] == tenant["graph"]["directoryObjects"]
    lookups = [url for url in _batch_urls(emu) if url.lower().startswith("/directoryobjects/")]
    assert lookups and all(url.endswith("?$select=id,displayName") for url in lookups)


def test_a_consumer_list_larger_than_a_page_is_read_in_pages(demo_data: dict[str, Any], tmp_path: Path) -> None:
    tenant = with_consumers(demo_data, extra_public_ips=1500)
    with AzureEmulator(tenant) as emu:
        outcome, collected = _collect(emu, tmp_path)
        pages = [
            r
            for r in emu.requests
            if r.endpoint_kind == "arg" and "publicipaddresses" in str(r.body.get("query", "")).lower()
        ]
    assert outcome.code == 0, outcome.describe()
    assert len(tenant["resourceGraph"]["publicIpAddresses"]) > 1500
    assert collected["resourceGraph"]["publicIpAddresses"] == tenant["resourceGraph"]["publicIpAddresses"]
    assert len(pages) == 2 and "$skipToken" in pages[1].body["options"]


def test_a_403_on_a_consumer_query_is_recorded_and_the_collection_exits_3(
    tenant: dict[str, Any], tmp_path: Path
) -> None:
    subscriptions = sorted({row["subscriptionId"] for row in tenant["resourceGraph"]["registries"]})
    denied = tenant["resourceGraph"]["managedClusters"][0]["id"].split("/")[2]
    refusing = {
        **tenant,
        "errors": [
            refusal(
                denied,
                "managedClusters",
                message="The client does not have authorization to perform action "
                "'Microsoft.ResourceGraph/resources/read'.",
            )
        ],
    }
    scope = [arg for sub in subscriptions for arg in ("--subscription", sub)]
    with AzureEmulator(refusing) as emu:
        outcome, collected = _collect(emu, tmp_path, *scope)
    assert outcome.code == 3, outcome.describe()
    (error,) = collected["errors"]
    assert (error["source"], error["scope"], error["status"], error["affects"]) == (
        "resourceGraph",
        denied,
        403,
        ["managedClusters"],
    )
    assert "not collected" in outcome.stderr and "managedClusters" in outcome.stderr
    # The clusters of the denied subscription are a recorded gap, never an empty answer taken as "none".
    assert collected["resourceGraph"]["managedClusters"] == []
    assert collected["resourceGraph"]["containerApps"] == tenant["resourceGraph"]["containerApps"]


def test_a_forbidden_site_config_is_recorded_for_that_site(tenant: dict[str, Any], tmp_path: Path) -> None:
    site = next(row["id"] for row in tenant["resourceGraph"]["webApps"] if "container" in row["kind"])
    refusing = {
        **tenant,
        "errors": [
            {
                "source": "arm",
                "scope": site,
                "status": 403,
                "code": "AuthorizationFailed",
                "message": "no read access to the site's configuration",
                "affects": ["siteConfig"],
            }
        ],
    }
    with AzureEmulator(refusing) as emu:
        outcome, collected = _collect(emu, tmp_path)
    assert outcome.code == 3, outcome.describe()
    (error,) = collected["errors"]
    assert (error["source"], error["scope"], error["affects"]) == ("arm", site, ["siteConfig"])
    assert "Microsoft.Web/sites/config/read" in error["message"]
    assert site.lower() not in collected["arm"]


def test_a_group_over_the_member_limit_is_not_expanded_and_says_so(
    tenant: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scanner.sources.live.graph.MAX_GROUP_MEMBERS", 4)
    with AzureEmulator(tenant, EmulatorConfig(graph_page_size=2)) as emu:
        outcome, collected = _collect(emu, tmp_path)
    assert outcome.code == 3, outcome.describe()
    groups = sorted(tenant["graph"]["groupMembers"])
    assert collected["graph"]["groupMembers"] == {}
    errors = collected["errors"]
    assert sorted(e["scope"] for e in errors) == [f"group {gid}" for gid in groups]
    assert all(e["source"] == "graph" and e["affects"] == ["groupMembers"] for e in errors)
    assert all("more than 4 transitive members" in e["message"] for e in errors)


def test_a_consumer_row_carrying_a_registry_password_is_refused_never_stored(
    tenant: dict[str, Any], tmp_path: Path
) -> None:
    """Container groups never return their registry passwords; a row that does is refused, and the list is a gap."""
    leaking = copy.deepcopy(tenant)
    group = leaking["resourceGraph"]["containerGroups"][0]
    group["properties"]["imageRegistryCredentials"][0]["Password"] = "leaked-registry-password"
    with AzureEmulator(leaking) as emu:
        outcome, collected = _collect(emu, tmp_path)
    assert outcome.code == 3, outcome.describe()
    (error,) = collected["errors"]
    assert (error["source"], error["affects"]) == ("resourceGraph", ["containerGroups"])
    assert "carries secret material" in error["message"]
    assert "leaked-registry-password" not in (tmp_path / "snapshot.json").read_text()
    assert "leaked-registry-password" not in outcome.stderr
    assert collected["resourceGraph"]["containerGroups"] == []


def test_role_assignment_conditions_and_role_changing_registry_properties_are_kept(
    tenant: dict[str, Any], tmp_path: Path
) -> None:
    """What changes the meaning of a role stays in the raw rows: an ABAC condition and its version,
    the registry's role-assignment mode, its ARM-token policy and its network bypass."""
    conditional = copy.deepcopy(tenant)
    assignment = conditional["resourceGraph"]["roleAssignments"][0]["properties"]
    assignment["condition"] = (
        "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR "
        "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team-a/'))"
    )
    assignment["conditionVersion"] = "2.0"
    registry = conditional["resourceGraph"]["registries"][0]["properties"]
    registry["roleAssignmentMode"] = "AbacRepositoryPermissions"
    with AzureEmulator(conditional) as emu:
        outcome, collected = _collect(emu, tmp_path)
    assert outcome.code == 0, outcome.describe()
    kept = collected["resourceGraph"]["roleAssignments"][0]["properties"]
    assert (kept["condition"], kept["conditionVersion"]) == (assignment["condition"], "2.0")
    row = collected["resourceGraph"]["registries"][0]["properties"]
    assert row["roleAssignmentMode"] == "AbacRepositoryPermissions"
    arm_token_policy = "azureADAuthenticationAsArmPolicy"
    assert row["policies"][arm_token_policy] == registry["policies"][arm_token_policy]
    assert row["networkRuleBypassOptions"] == registry["networkRuleBypassOptions"]


def test_a_refused_member_list_is_a_gap_of_that_group_and_round_trips(tenant: dict[str, Any], tmp_path: Path) -> None:
    """Without GroupMember.Read.All Graph refuses each group's member list: the group is looked up,
    its members are recorded as not collected, and serving that snapshot again gives the same gap."""
    group = sorted(tenant["graph"]["groupMembers"])[0]
    refused = {
        "source": "graph",
        "scope": f"group {group}",
        "status": 403,
        "code": "Authorization_RequestDenied",
        "message": "Insufficient privileges to complete the operation.",
        "affects": ["groupMembers"],
    }
    with AzureEmulator({**tenant, "errors": [refused]}) as emu:
        outcome, collected = _collect(emu, tmp_path)
    assert outcome.code == 3, outcome.describe()
    (error,) = collected["errors"]
    assert {k: error[k] for k in ("source", "scope", "status", "code", "affects")} == {
        k: refused[k] for k in ("source", "scope", "status", "code", "affects")
    }
    assert group not in collected["graph"]["groupMembers"] and group not in collected["graph"]["missingPrincipals"]
    others = {gid: members for gid, members in tenant["graph"]["groupMembers"].items() if gid != group}
    assert collected["graph"]["groupMembers"] == others
