"""The Azure emulator, driven by the real azure-identity credential and the real SDK clients.

Nothing here is mocked: ``ClientSecretCredential`` discovers the emulator's authority and posts
to its token endpoint, ``ResourceGraphClient`` / ``ContainerRegistryManagementClient`` and an
``azure.core`` ``PipelineClient`` send real HTTPS requests to 127.0.0.1, exactly as the live
collector does (docs/live-collection.md, "Testing against faults"). If the emulator drifts from
what the SDKs accept (or from the Azure shapes the collector is written against), these tests
fail before the collector's own tests do.
"""

from __future__ import annotations

import copy
import io
import json
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, ContentDecodePolicy, HeadersPolicy, RetryPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from azure.mgmt.containerregistry import ContainerRegistryManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient

from tests.conftest import ROOT
from tests.emulator import AzureEmulator, EmulatorConfig

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

ARG_API = "2024-04-01"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
REGISTRIES = "resources | where type =~ 'microsoft.containerregistry/registries' | order by id asc"
ROLE_ASSIGNMENTS = "authorizationresources | where type =~ 'microsoft.authorization/roleassignments'"
ROLE_DEFINITIONS = "authorizationresources | where type == 'microsoft.authorization/roledefinitions'"
DNS_RECORDS = "dnsresources | where type =~ 'microsoft.network/privatednszones/a' | order by id asc"
SUBSCRIPTIONS = "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | order by id asc"
SP_FIELDS = "id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,passwordCredentials,keyCredentials"


# --------------------------------------------------------------------------- helpers


def credential(emu: AzureEmulator, secret: str | None = None) -> ClientSecretCredential:
    """The production credential pointed at the emulator's authority."""
    return ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        secret if secret is not None else emu.client_secret,
        authority=emu.base_url,
        disable_instance_discovery=True,
        connection_verify=emu.ca_path,
    )


@contextmanager
def running(snapshot: dict[str, Any], config: EmulatorConfig | None = None) -> Iterator[tuple[AzureEmulator, Any]]:
    """A started emulator and a credential for it; both closed on exit, and no emulator bug seen."""
    with AzureEmulator(snapshot, config) as emu, credential(emu) as cred:
        yield emu, cred
        assert emu.internal_errors == []


def arg_client(emu: AzureEmulator, cred: Any) -> ResourceGraphClient:
    """Resource Graph client as the collector builds it (SDK retries off: a 429 must surface)."""
    return ResourceGraphClient(
        cred,
        base_url=emu.base_url,
        connection_verify=emu.ca_path,
        credential_scopes=[emu.base_url + "/.default"],
        retry_total=0,
    )


def acr_client(emu: AzureEmulator, cred: Any, subscription: str) -> ContainerRegistryManagementClient:
    """ACR management client for one subscription, pointed at the emulator."""
    return ContainerRegistryManagementClient(
        cred,
        subscription,
        base_url=emu.base_url,
        connection_verify=emu.ca_path,
        credential_scopes=[emu.base_url + "/.default"],
        retry_total=0,
    )


def graph_client(emu: AzureEmulator, cred: Any | None, scope: str = GRAPH_SCOPE) -> PipelineClient[Any, Any]:
    """A bare azure.core pipeline for Microsoft Graph (no credential: no Authorization header)."""
    policies: list[Any] = [HeadersPolicy({"Accept": "application/json"}), RetryPolicy(retry_total=0)]
    if cred is not None:
        policies.append(BearerTokenCredentialPolicy(cred, scope))
    policies.append(ContentDecodePolicy())
    return PipelineClient(emu.base_url, policies=policies, transport=RequestsTransport(connection_verify=emu.ca_path))


def send(client: PipelineClient[Any, Any], method: str, url: str, **kwargs: Any) -> Any:
    """``send_request`` with the URL made absolute: a bare PipelineClient does not join base_url itself."""
    return client.send_request(HttpRequest(method, client.format_url(url), **kwargs))


def query(client: ResourceGraphClient, body: dict[str, Any], api_version: str = ARG_API) -> tuple[Any, Any]:
    """One ARG POST with a raw JSON body: (QueryResponse, response headers), as the collector sends it."""
    result = cast(
        "tuple[Any, Any]",
        client.resources(
            io.BytesIO(json.dumps(body).encode()),
            api_version=api_version,
            content_type="application/json",
            cls=lambda pr, d, _: (d, pr.http_response.headers),
        ),
    )
    return result


@dataclass(frozen=True)
class Failure:
    """An SDK HttpResponseError as the SDK parsed it (ARMErrorFormat): what the collector sees."""

    status: int | None
    code: str
    message: str
    details: list[tuple[str, str]]
    headers: Any


def failure(raised: pytest.ExceptionInfo[HttpResponseError]) -> Failure:
    """Unpack an expected HttpResponseError (its parsed ``error`` must exist)."""
    exc = raised.value
    assert exc.error is not None and exc.response is not None, "the SDK could not parse the error body"
    details = [(str(d.code), str(d.message)) for d in exc.error.details or []]
    headers = cast(Any, exc.response).headers
    return Failure(exc.status_code, str(exc.error.code), str(exc.error.message), details, headers)


def all_pages(client: ResourceGraphClient, body: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Follow ``$skipToken`` to the end: (rows, one QueryResponse per page)."""
    rows: list[Any] = []
    pages: list[Any] = []
    body = copy.deepcopy(body)
    while True:
        page, _ = query(client, body)
        pages.append(page)
        rows.extend(page.data)
        if not page.skip_token:
            return rows, pages
        body.setdefault("options", {})["$skipToken"] = page.skip_token


def seconds(hhmmss: str) -> int:
    """``x-ms-user-quota-resets-after`` → seconds."""
    hours, minutes, secs = (int(part) for part in hhmmss.split(":"))
    return hours * 3600 + minutes * 60 + secs


def ids(rows: list[Any]) -> list[str]:
    """Lower-cased ids, in the order given."""
    return [str(row["id"]).lower() for row in rows]


def sub_of(row: dict[str, Any]) -> str:
    """A row's subscription ('' for tenant / management-group rows)."""
    return str(row.get("subscriptionId") or "").lower()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo(demo_data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The demo tenant, without the Resource Graph failures it records (they would answer every
    tenant-wide query; test_snapshot_errors_are_replayed covers them). The emulator must hand
    it out without modifying it."""
    tenant = {**demo_data, "errors": [e for e in demo_data["errors"] if e["source"] != "resourceGraph"]}
    before = json.dumps(tenant, sort_keys=True)
    yield tenant
    assert json.dumps(tenant, sort_keys=True) == before, "the emulator modified the snapshot it serves"


@pytest.fixture(scope="module")
def synthetic() -> dict[str, Any]:
    """A generated tenant with 1,200 registries over three subscriptions (more than one ARG page)."""
    sys.path.insert(0, str(ROOT / "fixtures"))
    try:
        import make_synthetic
    finally:
        sys.path.remove(str(ROOT / "fixtures"))
    snapshot: dict[str, Any] = make_synthetic.SyntheticTenant(1200, 3).build()
    return snapshot


@pytest.fixture(scope="module")
def emu(demo: dict[str, Any]) -> Iterator[AzureEmulator]:
    """One healthy emulator of the demo tenant for the whole module."""
    with AzureEmulator(demo) as emulator:
        yield emulator
        assert emulator.internal_errors == []


@pytest.fixture(scope="module")
def cred(emu: AzureEmulator) -> Iterator[ClientSecretCredential]:
    """A credential for the shared emulator (tokens cached across tests, as in a real run)."""
    with credential(emu) as shared:
        yield shared


@pytest.fixture(scope="module")
def subs(demo: dict[str, Any]) -> list[str]:
    """The demo's two subscriptions that hold registries (its scope also has a partner's)."""
    return sorted({str(r["subscriptionId"]) for r in demo["resourceGraph"]["registries"]})


# --------------------------------------------------------------------------- Entra ID


def test_client_secret_credential_gets_arm_and_graph_tokens(emu: AzureEmulator) -> None:
    start = len(emu.requests)
    with credential(emu) as fresh:
        arm = fresh.get_token(emu.base_url + "/.default")
        public_arm = fresh.get_token("https://management.azure.com/.default")
        graph = fresh.get_token(GRAPH_SCOPE)
    assert len({arm.token, public_arm.token, graph.token}) == 3
    assert 3500 < arm.expires_on - time.time() <= 3600
    seen = emu.requests[start:]
    assert [r.endpoint_kind for r in seen] == ["oidc", "token", "token", "token"]
    assert seen[0].path == f"/{emu.tenant_id}/v2.0/.well-known/openid-configuration"
    token_bodies = [r.body for r in seen[1:]]
    assert [b["scope"] for b in token_bodies] == [
        emu.base_url + "/.default",
        "https://management.azure.com/.default",
        GRAPH_SCOPE,
    ]
    assert all(b["grant_type"] == "client_credentials" and "client_secret" not in b for b in token_bodies)
    assert emu.client_secret not in repr(emu.requests), "a secret was recorded"


def test_wrong_secret_is_refused_with_aadsts7000215(emu: AzureEmulator, demo: dict[str, Any]) -> None:
    with credential(emu, secret="not-the-secret") as wrong, pytest.raises(ClientAuthenticationError) as refused:
        wrong.get_token(emu.base_url + "/.default")
    assert "AADSTS7000215" in str(refused.value)
    assert emu.requests[-1].endpoint_kind == "token" and emu.requests[-1].status == 401
    with running(demo, EmulatorConfig(reject_client_secret=True)) as (strict, right):
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
            right.get_token(strict.base_url + "/.default")
        assert strict.count("token") == 1 and strict.requests[-1].status == 401


def test_requests_without_a_valid_bearer_token_are_401(emu: AzureEmulator, subs: list[str]) -> None:
    registry = (
        "/subscriptions/{}/resourceGroups/rg-acr-dev/providers/Microsoft.ContainerRegistry/registries/contosodevacr"
    )
    batch_body = {"requests": [{"id": "1", "method": "GET", "url": "/servicePrincipals/x"}]}
    with graph_client(emu, None) as anonymous:
        answers = [
            send(
                anonymous,
                "POST",
                f"/providers/Microsoft.ResourceGraph/resources?api-version={ARG_API}",
                json={"query": REGISTRIES},
            ),
            send(anonymous, "GET", registry.format(subs[1]) + "/tokens?api-version=2025-11-01"),
            send(anonymous, "POST", "/v1.0/$batch", json=batch_body),
            send(anonymous, "GET", "/v1.0/servicePrincipals/x", headers={"Authorization": "Bearer forged"}),
        ]
    assert [a.status_code for a in answers] == [401] * 4
    assert {a.json()["error"]["code"] for a in answers} == {"InvalidAuthenticationToken"}
    assert [r.endpoint_kind for r in emu.requests[-4:]] == ["arg", "arm", "graph_batch", "graph"]


def test_strict_audience_keeps_graph_and_arm_tokens_apart(demo: dict[str, Any], subs: list[str]) -> None:
    with running(demo, EmulatorConfig(strict_audience=True)) as (strict, cred):
        with graph_client(strict, cred, "https://management.azure.com/.default") as wrong_audience:
            answer = send(wrong_audience, "GET", "/v1.0/servicePrincipals/x")
        assert answer.status_code == 401 and "audience" in answer.json()["error"]["message"]
        with arg_client(strict, cred) as client:
            page, _ = query(client, {"subscriptions": subs, "query": REGISTRIES})  # {base}/.default fits both
        assert page.count == len(demo["resourceGraph"]["registries"])


# --------------------------------------------------------------------------- Resource Graph


def test_arg_pages_over_1000_rows_with_decreasing_quota_headers(synthetic: dict[str, Any]) -> None:
    expected = sorted(ids(synthetic["resourceGraph"]["registries"]))
    assert len(expected) > 1000
    with running(synthetic, EmulatorConfig(arg_quota=(100, 60.0))) as (emu, cred), arg_client(emu, cred) as client:
        body = {"subscriptions": synthetic["scope"]["subscriptions"], "query": REGISTRIES, "options": {"$top": 1000}}
        first, first_headers = query(client, body)
        assert (first.count, first.total_records, first.result_truncated) == (1000, len(expected), "false")
        assert first.skip_token
        body["options"]["$skipToken"] = first.skip_token
        second, second_headers = query(client, body)
        assert second.count == len(expected) - 1000 and second.skip_token is None
        assert ids(first.data) + ids(second.data) == expected
        remaining = [int(h["x-ms-user-quota-remaining"]) for h in (first_headers, second_headers)]
        assert remaining == [99, 98]
        assert 0 < seconds(second_headers["x-ms-user-quota-resets-after"]) <= 60
        default_page, _ = query(client, {"query": REGISTRIES})  # no $top: 100 rows, tenant scope
        assert default_page.count == 100 and default_page.total_records == len(expected)
        assert emu.count("arg") == 3


def test_arg_filters_by_subscription_and_authorization_scope(
    emu: AzureEmulator, cred: Any, demo: dict[str, Any], subs: list[str]
) -> None:
    graph = demo["resourceGraph"]
    with arg_client(emu, cred) as client:
        registries, _ = all_pages(client, {"subscriptions": [subs[0].upper()], "query": REGISTRIES})
        assert ids(registries) == sorted(ids([r for r in graph["registries"] if sub_of(r) == subs[0]]))

        def assignments(**options: Any) -> list[str]:
            rows, _ = all_pages(client, {"subscriptions": [subs[0]], "query": ROLE_ASSIGNMENTS, "options": options})
            return ids(rows)

        own = sorted(ids([r for r in graph["roleAssignments"] if sub_of(r) == subs[0]]))
        inherited = sorted(ids([r for r in graph["roleAssignments"] if not sub_of(r)]))
        assert inherited, "the demo has root and management-group assignments"
        assert assignments() == own
        assert assignments(authorizationScopeFilter="AtScopeAboveAndBelow") == sorted(own + inherited)
        old_api, _ = query(
            client,
            {
                "subscriptions": [subs[0]],
                "query": ROLE_ASSIGNMENTS,
                "options": {"authorizationScopeFilter": "AtScopeAboveAndBelow"},
            },
            api_version="2021-03-01",
        )
        assert ids(old_api.data) == own, "authorizationScopeFilter does not exist before 2022-10-01"
        definitions, _ = all_pages(client, {"subscriptions": [subs[1]], "query": ROLE_DEFINITIONS})
        assert ids(definitions) == sorted(ids([r for r in graph["roleDefinitions"] if not sub_of(r)]))
        tenant, _ = all_pages(client, {"query": ROLE_ASSIGNMENTS})
        assert ids(tenant) == sorted(ids(graph["roleAssignments"]))


def test_arg_quota_exhaustion_answers_429_until_the_window_resets(demo: dict[str, Any], subs: list[str]) -> None:
    with running(demo, EmulatorConfig(arg_quota=(3, 1.0))) as (emu, cred), arg_client(emu, cred) as client:
        body = {"subscriptions": subs, "query": REGISTRIES}
        remaining = [int(query(client, body)[1]["x-ms-user-quota-remaining"]) for _ in range(3)]
        assert remaining == [2, 1, 0]
        with pytest.raises(HttpResponseError) as throttled:
            query(client, body)
        error = failure(throttled)
        assert (error.status, error.code) == (429, "RateLimiting")
        assert error.details[0][0] == "RateLimiting" and "throttled" in error.details[0][1]
        headers = error.headers
        assert "Retry-After" not in headers and headers["x-ms-user-quota-remaining"] == "0"
        time.sleep(seconds(headers["x-ms-user-quota-resets-after"]))
        page, after = query(client, body)
        assert page.count == len(demo["resourceGraph"]["registries"]) and after["x-ms-user-quota-remaining"] == "2"
        assert [r.status for r in emu.requests if r.endpoint_kind == "arg"] == [200, 200, 200, 429, 200]


def test_arg_429_carries_retry_after_when_configured(demo: dict[str, Any]) -> None:
    config = EmulatorConfig(arg_quota=(1, 30.0), arg_429_retry_after=True, arg_quota_headers=False)
    with running(demo, config) as (emu, cred), arg_client(emu, cred) as client:
        _, headers = query(client, {"query": REGISTRIES})
        assert "x-ms-user-quota-remaining" not in headers
        with pytest.raises(HttpResponseError) as throttled:
            query(client, {"query": REGISTRIES})
        assert 1 <= int(failure(throttled).headers["Retry-After"]) <= 30


def test_forbidden_subscription_is_403_in_arg_and_arm(demo: dict[str, Any], subs: list[str]) -> None:
    allowed, denied = subs
    with running(demo, EmulatorConfig(forbidden_subscriptions=frozenset({denied.upper()}))) as (emu, cred):
        with arg_client(emu, cred) as client:
            with pytest.raises(HttpResponseError) as refused:
                query(client, {"subscriptions": [allowed, denied], "query": REGISTRIES})
            error = failure(refused)
            assert (error.status, error.code) == (403, "AuthorizationFailed")
            assert f"'/subscriptions/{denied}'" in error.message
            assert "Microsoft.ResourceGraph/resources/read" in error.message
            mine, _ = query(client, {"subscriptions": [allowed], "query": REGISTRIES})
            assert mine.count > 0 and {sub_of(r) for r in mine.data} == {allowed}
            tenant, _ = query(client, {"query": REGISTRIES})
            assert {sub_of(r) for r in tenant.data} == {allowed}, "tenant scope silently omits what you cannot read"
        with acr_client(emu, cred, denied) as acr, pytest.raises(HttpResponseError) as arm_refused:
            list(acr.tokens.list("rg-acr-dev", "contosodevacr"))
        arm_error = failure(arm_refused)
        assert (arm_error.status, arm_error.code) == (403, "AuthorizationFailed")
        assert "Microsoft.ContainerRegistry/registries/tokens/read" in arm_error.message
        with acr_client(emu, cred, allowed) as acr:
            assert [t.name for t in acr.tokens.list("rg-acr-prod", "contosoprodacr")] == ["aks-edge-pull"]


def test_forbidden_registry_is_403_on_its_arm_lists_only(demo: dict[str, Any], subs: list[str]) -> None:
    prod = next(r for r in demo["resourceGraph"]["registries"] if r["name"] == "contosoprodacr")
    config = EmulatorConfig(forbidden_registries=frozenset({prod["id"].upper()}))
    with running(demo, config) as (emu, cred), acr_client(emu, cred, prod["subscriptionId"]) as acr:
        group = prod["resourceGroup"]
        calls: dict[str, Callable[[], object]] = {
            "tokens": lambda: list(acr.tokens.list(group, "contosoprodacr")),
            "scopeMaps": lambda: list(acr.scope_maps.list(group, "contosoprodacr")),
            "listUsages": lambda: acr.registries.list_usages(group, "contosoprodacr"),
        }
        for action, call in calls.items():
            with pytest.raises(HttpResponseError) as refused:
                call()
            error = failure(refused)
            assert (error.status, error.code) == (403, "AuthorizationFailed")
            assert f"registries/{action}/read' over scope '{prod['id']}'" in error.message
            assert error.headers["x-ms-failure-cause"] == "gateway"
        neighbour = next(
            r
            for r in demo["resourceGraph"]["registries"]
            if r["subscriptionId"] == prod["subscriptionId"] and r["name"] != prod["name"]
        )
        assert acr.registries.list_usages(neighbour["resourceGroup"], neighbour["name"]).value
        with arg_client(emu, cred) as client:
            rows, _ = query(client, {"subscriptions": subs, "query": REGISTRIES})
            assert rows.count == len(demo["resourceGraph"]["registries"]), "ARG still lists the registry"


def test_resourcecontainers_serves_subscriptions_with_their_management_group_chain(
    emu: AzureEmulator, cred: Any, demo: dict[str, Any], subs: list[str]
) -> None:
    with arg_client(emu, cred) as client:
        every, _ = query(client, {"query": SUBSCRIPTIONS})
        assert every.data == demo["resourceGraph"]["subscriptions"]
        one, _ = query(client, {"subscriptions": subs[:1], "query": SUBSCRIPTIONS})
        assert [row["subscriptionId"] for row in one.data] == subs[:1]
        chain = one.data[0]["properties"]["managementGroupAncestorsChain"]
        assert [mg["name"] for mg in chain] == ["contoso-platform", demo["tenantId"]]


def test_oversized_page_is_response_payload_too_large(synthetic: dict[str, Any]) -> None:
    with (
        running(synthetic, EmulatorConfig(arg_max_rows_per_response=500)) as (emu, cred),
        arg_client(emu, cred) as client,
    ):
        everything = {
            "subscriptions": synthetic["scope"]["subscriptions"],
            "query": REGISTRIES,
            "options": {"$top": 1000},
        }
        with pytest.raises(HttpResponseError) as too_large:
            query(client, everything)
        error = failure(too_large)
        assert (error.status, error.code) == (400, "BadRequest")
        assert [code for code, _ in error.details] == ["ResponsePayloadTooLarge"]
        assert "exceeded the limit of 16777216" in error.details[0][1]
        smaller = {**everything, "options": {"$top": 500}}
        rows, pages = all_pages(client, smaller)
        assert len(rows) == len(synthetic["resourceGraph"]["registries"]) and max(p.count for p in pages) == 500


def test_unsupported_table_and_result_format_are_400(demo: dict[str, Any], subs: list[str]) -> None:
    with running(demo, EmulatorConfig(dns_table_available=False)) as (emu, cred), arg_client(emu, cred) as client:
        with pytest.raises(HttpResponseError) as no_table:
            query(client, {"subscriptions": subs, "query": "// A records\n" + DNS_RECORDS})
        error = failure(no_table)
        assert (error.status, error.code) == (400, "BadRequest")
        assert error.details == [
            ("DisallowedLogicalTableName", "Table dnsresources is invalid, unsupported or disallowed.")
        ]
        with pytest.raises(HttpResponseError) as table_format:
            query(client, {"query": REGISTRIES, "options": {"resultFormat": "table"}})
        assert table_format.value.status_code == 400
        still, _ = query(client, {"subscriptions": subs, "query": REGISTRIES})
        assert still.count == len(demo["resourceGraph"]["registries"])


def test_dns_records_come_from_arg_and_from_the_private_dns_fallback(
    emu: AzureEmulator, cred: Any, demo: dict[str, Any], subs: list[str]
) -> None:
    rows = demo["resourceGraph"]["privateDnsRecordSets"]
    with arg_client(emu, cred) as client:
        served, _ = all_pages(client, {"subscriptions": subs, "query": DNS_RECORDS})
    assert served == sorted(rows, key=lambda r: r["id"].lower())
    zone = next(z for z in demo["resourceGraph"]["privateDnsZones"] if z["name"] == "privatelink.azurecr.io")
    in_zone = sorted(
        (r for r in rows if r["id"].lower().startswith(zone["id"].lower() + "/a/")), key=lambda r: r["id"].lower()
    )
    assert in_zone
    with acr_client(emu, cred, sub_of(zone)) as arm:
        for suffix in ("A", "ALL"):
            answer = arm.send_request(
                HttpRequest("GET", f"{zone['id']}/{suffix}", params={"api-version": "2024-06-01"})
            )
            assert answer.status_code == 200, answer.text()
            records = answer.json()["value"]
            assert [r["id"] for r in records] == [r["id"] for r in in_zone]
            assert {r["type"] for r in records} == {"Microsoft.Network/privateDnsZones/A"}
            assert [r["properties"]["aRecords"] for r in records] == [r["properties"]["aRecords"] for r in in_zone]
            assert all(r["properties"]["fqdn"].endswith(".privatelink.azurecr.io.") and r["etag"] for r in records)
        paged = arm.send_request(
            HttpRequest("GET", f"{zone['id']}/A", params={"api-version": "2024-06-01", "$top": "1"})
        )
        assert len(paged.json()["value"]) == 1 and "$skipToken=1" in paged.json()["nextLink"]
        missing = arm.send_request(HttpRequest("GET", zone["id"] + "-nope/A", params={"api-version": "2024-06-01"}))
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceNotFound"


# --------------------------------------------------------------------------- ARM (ACR)


def test_acr_lists_through_the_sdk_match_the_snapshot(emu: AzureEmulator, cred: Any, demo: dict[str, Any]) -> None:
    throttled = {e["scope"].lower() for e in demo["errors"] if e["affects"] == ["tokens"]}
    assert throttled, "the demo records one registry whose tokens were throttled"
    for registry in demo["resourceGraph"]["registries"]:
        entry = demo["arm"][registry["id"].lower()]
        group, name = registry["resourceGroup"], registry["name"]
        with acr_client(emu, cred, registry["subscriptionId"]) as acr:
            if registry["id"].lower() in throttled:  # the snapshot's error is answered again
                with pytest.raises(HttpResponseError) as refused:
                    list(acr.tokens.list(group, name))
                assert refused.value.status_code == 429
                continue
            tokens = list(acr.tokens.list(group, name))
            assert [t.id for t in tokens] == [t["id"] for t in entry["tokens"]]
            expiries = [[p.expiry for p in t.credentials.passwords] if t.credentials else [] for t in tokens]
            expected = [
                [p.get("expiry") for p in (t["properties"].get("credentials") or {}).get("passwords", [])]
                for t in entry["tokens"]
            ]
            assert [[e.isoformat()[:19] if e else None for e in row] for row in expiries] == [
                [e[:19] if e else None for e in row] for row in expected
            ]
            assert [m.name for m in acr.scope_maps.list(group, name)] == [m["name"] for m in entry["scopeMaps"]]
            usages = acr.registries.list_usages(group, name).value or []
            assert [(u.name, u.current_value, u.limit) for u in usages] == [
                (u["name"], u["currentValue"], u["limit"]) for u in entry["usages"]
            ]
            diagnostics = acr.send_request(
                HttpRequest(
                    "GET",
                    registry["id"] + "/providers/Microsoft.Insights/diagnosticSettings",
                    params={"api-version": "2021-05-01-preview"},
                )
            )
            assert diagnostics.json() == {"value": entry["diagnosticSettings"]}
    with acr_client(emu, cred, demo["scope"]["subscriptions"][0]) as acr, pytest.raises(ResourceNotFoundError):
        list(acr.tokens.list("rg-acr-prod", "nosuchacr"))


def test_arm_lists_page_through_next_link(demo: dict[str, Any], subs: list[str]) -> None:
    with running(demo, EmulatorConfig(arm_page_size=1)) as (emu, cred), acr_client(emu, cred, subs[1]) as acr:
        tokens = list(acr.tokens.list("rg-acr-dev", "contosodevacr"))
        assert [t.name for t in tokens] == ["dev-cleanup", "old-ci"]
        pages = [r for r in emu.requests if r.endpoint_kind == "arm"]
        assert [r.query.get("$skipToken") for r in pages] == [None, "1"]
        assert all(r.query["api-version"] == "2025-11-01" for r in pages)


# --------------------------------------------------------------------------- Microsoft Graph


def batch(client: PipelineClient[Any, Any], urls: dict[str, str]) -> dict[str, dict[str, Any]]:
    """POST one ``$batch`` of GETs; the answers keyed by request id."""
    body = {"requests": [{"id": key, "method": "GET", "url": url} for key, url in urls.items()]}
    answer = send(client, "POST", "/v1.0/$batch", json=body)
    assert answer.status_code == 200, answer.text()
    return {item["id"]: item for item in answer.json()["responses"]}


def test_graph_batch_answers_objects_and_404_for_deleted_principals(
    emu: AzureEmulator, cred: Any, demo: dict[str, Any]
) -> None:
    graph = demo["graph"]
    principals = {sp["id"]: sp for sp in graph["servicePrincipals"]}
    app = graph["applications"][0]
    gone = graph["missingPrincipals"][0]
    user = next(
        r["properties"]["principalId"]
        for r in demo["resourceGraph"]["roleAssignments"]
        if r["properties"]["principalType"] == "User"
        and r["properties"]["principalId"] not in graph["missingPrincipals"]
    )
    urls = {f"sp{i}": f"/servicePrincipals/{pid}?$select={SP_FIELDS}" for i, pid in enumerate(principals)}
    urls |= {
        "gone": f"/servicePrincipals/{gone}?$select=id",
        "app": f"/applications(appId='{app['appId']}')?$select=id,appId,passwordCredentials",
    }
    urls["user"] = f"/directoryObjects/{user}?$select=id"
    assert len(urls) <= 20
    with graph_client(emu, cred) as client:
        answers = batch(client, urls)
        direct = send(client, "GET", f"/v1.0/servicePrincipals/{gone}")
    assert set(answers) == set(urls)
    for i, pid in enumerate(principals):
        item = answers[f"sp{i}"]
        assert item["status"] == 200 and item["headers"]["Content-Type"] == "application/json"
        body = {k: v for k, v in item["body"].items() if not k.startswith("@odata")}
        assert body == {k: v for k, v in principals[pid].items() if k in SP_FIELDS.split(",")}
    assert answers["gone"]["status"] == 404
    assert (
        answers["gone"]["body"]["error"]["code"] == "Request_ResourceNotFound"
        and gone in answers["gone"]["body"]["error"]["message"]
    )
    assert {k for k in answers["app"]["body"] if not k.startswith("@")} == {"id", "appId", "passwordCredentials"}
    assert answers["app"]["body"]["passwordCredentials"] == app["passwordCredentials"]
    assert answers["user"]["status"] == 200 and answers["user"]["body"]["@odata.type"] == "#microsoft.graph.user"
    assert "hint" not in json.dumps(answers) and "secretText" not in json.dumps(answers)
    assert direct.status_code == 404 and direct.json()["error"]["code"] == "Request_ResourceNotFound"


def test_graph_batch_limits_and_per_item_throttling(demo: dict[str, Any]) -> None:
    principals = [sp["id"] for sp in demo["graph"]["servicePrincipals"]][:5]
    urls = {str(n): f"/servicePrincipals/{pid}?$select=id" for n, pid in enumerate(principals)}
    with running(demo, EmulatorConfig(graph_throttle_first=3)) as (emu, cred), graph_client(emu, cred) as client:
        first = batch(client, urls)
        assert [first[k]["status"] for k in urls] == [429, 429, 429, 200, 200]
        assert all(first[k]["headers"]["Retry-After"] == "1" for k in ("0", "1", "2"))
        again = batch(client, urls)
        assert [again[k]["status"] for k in urls] == [200] * 5
        too_many = {"requests": [{"id": str(n), "method": "GET", "url": "/servicePrincipals/x"} for n in range(21)]}
        refused = send(client, "POST", "/v1.0/$batch", json=too_many)
        assert refused.status_code == 400
        assert [r.status for r in emu.requests if r.endpoint_kind == "graph_batch"] == [200, 200, 400]


def test_snapshot_errors_are_replayed(demo_copy: dict[str, Any], subs: list[str]) -> None:
    registry = next(r for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "contosodevacr")
    principal = demo_copy["graph"]["servicePrincipals"][0]["id"]
    demo_copy["errors"] = [
        {"source": "arm", "scope": registry["id"].upper(), "status": 403, "code": "AuthorizationFailed",
         "message": "no tokens for you", "affects": ["tokens"]},
        {"source": "resourceGraph", "scope": subs[1], "status": 403, "code": "AuthorizationFailed",
         "message": "no roles for you", "affects": ["roleAssignments"]},
        {"source": "graph", "scope": principal, "status": 403, "code": "Authorization_RequestDenied",
         "message": "Insufficient privileges to complete the operation.", "affects": ["principal"]},
    ]  # fmt: skip
    with running(demo_copy) as (emu, cred):
        with acr_client(emu, cred, subs[1]) as acr:
            with pytest.raises(HttpResponseError) as tokens:
                list(acr.tokens.list("rg-acr-dev", "contosodevacr"))
            assert (failure(tokens).status, failure(tokens).message) == (403, "no tokens for you")
            assert [m.name for m in acr.scope_maps.list("rg-acr-dev", "contosodevacr")]  # other lists unaffected
        with arg_client(emu, cred) as client:
            with pytest.raises(HttpResponseError) as roles:
                query(client, {"subscriptions": subs, "query": ROLE_ASSIGNMENTS})
            assert failure(roles).message == "no roles for you"
            assert query(client, {"subscriptions": subs, "query": REGISTRIES})[0].count > 0
            # A tenant-wide request covers that subscription too; one that leaves it out does not.
            with pytest.raises(HttpResponseError) as tenant_wide:
                query(client, {"query": ROLE_ASSIGNMENTS})
            assert failure(tenant_wide).message == "no roles for you"
            assert query(client, {"subscriptions": subs[:1], "query": ROLE_ASSIGNMENTS})[0].count > 0
        with graph_client(emu, cred) as graph:
            answers = batch(graph, {"1": f"/servicePrincipals/{principal}"})
        assert answers["1"]["status"] == 403 and answers["1"]["body"]["error"]["code"] == "Authorization_RequestDenied"


# --------------------------------------------------------------------------- lifecycle


def test_stop_closes_connections_threads_and_certificates(demo: dict[str, Any]) -> None:
    before = set(threading.enumerate())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emulator = AzureEmulator(demo).start()
        port, ca = emulator.port, Path(emulator.ca_path)
        cred = credential(emulator)
        client = arg_client(emulator, cred)
        query(client, {"query": REGISTRIES})  # leaves a keep-alive connection open
        started = time.monotonic()
        emulator.stop()
        assert time.monotonic() - started < 2.0, "stop() waited for an idle keep-alive connection"
        client.close()
        cred.close()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    leftover = [t for t in set(threading.enumerate()) - before if t.name.startswith("azure-emulator") and t.is_alive()]
    assert leftover == []
    assert not ca.exists()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert emulator.count("arg") == 1, "the record of what was asked survives stop()"
    with pytest.raises(RuntimeError):
        _ = emulator.base_url
