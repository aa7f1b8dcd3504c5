"""A local HTTPS emulator of the Azure endpoints the live collector talks to, serving a snapshot.

The tenant it serves *is* a snapshot document (docs/snapshot-format.md): Resource Graph answers
with the snapshot's rows (``resourceGraph.subscriptions`` are the ``resourcecontainers`` table's
subscription rows, with their management-group chain), the ACR ARM lists with its ``arm``
section, Microsoft Graph with its ``graph`` section. The real ``azure-identity`` credential and
the real SDK clients run against it unchanged (``authority=`` / ``base_url=`` pointed here,
``connection_verify=`` the emulator's CA), so the collector's tests exercise the same wire
behaviour as production: OAuth client credentials, ARG paging with ``$skipToken``, per-user ARG
quota headers and 429s, 403s on subscriptions and on single registries,
``ResponsePayloadTooLarge``, ARM ``nextLink`` paging, Graph ``$batch`` with per-item 404/429.
Payload shapes and error bodies are those the Azure REST APIs document and return (the snapshot
keeps raw payloads, docs/decisions/0001-raw-payload-snapshots.md); what the collector does with
each fault is docs/live-collection.md.

The emulator does not run KQL. It reads the table (the query's first word) and the resource
type (the first ``type =~ '...'`` / ``type == '...'``) and returns those rows whole; the
collector's projections are not applied. Only 127.0.0.1 is ever bound or contacted.

Besides ``EmulatorConfig`` knobs, a snapshot's own ``errors`` entries are replayed: an entry
``{"source": "arm", "scope": <registry or zone id>, "status": 403, ...}`` makes the matching ARM
calls answer that status (likewise ``resourceGraph`` entries scoped to a subscription, and
``graph`` entries scoped to a principal id), so a snapshot round-trips through a collector.

``EmulatorConfig(faults=(Fault(...), ...))`` makes an endpoint misbehave as a flaky network or a
broken service would: closed or reset connections, stalls, 5xx storms, absurd ``Retry-After``,
and 200s whose body is HTML, empty, the wrong shape, 100,000 levels deep, truncated or falsely
gzipped (``tests/emulator/faults.py``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import math
import re
import secrets
import shutil
import socket
import socketserver
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from scanner.sources.live.clock import SYSTEM_CLOCK, Clock
from tests.emulator.certs import CertificatePaths, make_certificates
from tests.emulator.consumers import CONSUMER_LIST_TYPES, MEMBERS_PATH, SITE_CONFIG_PATH, members_page, site_config
from tests.emulator.faults import ITEM_FAULTS, Fault, FaultInjector, fault_status, item_answer, write_fault
from tests.emulator.ingestion import LogsIngestion

JSON = Any
EndpointKind = Literal["oidc", "token", "arg", "arm", "graph_batch", "graph", "ingestion"]
ENDPOINT_KINDS: frozenset[str] = frozenset({"oidc", "token", "arg", "arm", "graph_batch", "graph", "ingestion"})

DEFAULT_TENANT_ID = "3f1c2a7e-5b8d-4c61-9e2f-0a4b6c8d1e27"
CLIENT_ID = "6c0d9a4e-2f71-4b3a-8e55-1d7f0b9c3a62"
CLIENT_OBJECT_ID = "b81e4f0a-7c2d-4e93-a5f6-3d9c0e1b7a48"
CLIENT_SECRET = "emu8Q~test-only-secret-not-a-credential"  # a fixed test value, never a real secret

ARG_API_VERSIONS = ("2021-03-01", "2022-10-01", "2024-04-01")
SCOPE_FILTER_API_VERSIONS = frozenset({"2022-10-01", "2024-04-01"})  # authorizationScopeFilter exists
ARG_DEFAULT_PAGE = 100
ARG_MAX_PAGE = 1000
ARG_PAYLOAD_LIMIT = 16_777_216
NOMINAL_QUOTA = (15, 5.0)  # what the headers say when no arg_quota is configured (never enforced)
GRAPH_BATCH_MAX = 20
DNS_DEFAULT_PAGE = 100
TOKEN_LIFETIME = 3599
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#: Resource Graph tables that exist in Azure; only the first five hold snapshot rows.
SERVED_TABLES = frozenset(
    {"resources", "authorizationresources", "dnsresources", "resourcecontainers", "securityresources"}
)
OTHER_ARG_TABLES = frozenset(
    {
        "advisorresources",
        "alertsmanagementresources",
        "extendedlocationresources",
        "guestconfigurationresources",
        "healthresources",
        "kubernetesconfigurationresources",
        "maintenanceresources",
        "patchassessmentresources",
        "policyresources",
        "servicehealthresources",
    }
)
#: A query may start with an operator instead of a table; ARG then reads ``Resources``.
KQL_OPERATORS = frozenset({"where", "project", "extend", "order", "sort", "take", "limit", "summarize", "count"})
DNS_RECORD_TYPES = frozenset({"a", "aaaa", "cname", "mx", "ptr", "soa", "srv", "txt"})

#: Snapshot list name → the ARG type its rows carry (used for ``errors`` replay and defaults).
LIST_TYPES: dict[str, str] = {
    "registries": "microsoft.containerregistry/registries",
    "replications": "microsoft.containerregistry/registries/replications",
    "webhooks": "microsoft.containerregistry/registries/webhooks",
    "privateEndpoints": "microsoft.network/privateendpoints",
    "networkInterfaces": "microsoft.network/networkinterfaces",
    "privateDnsZones": "microsoft.network/privatednszones",
    "virtualNetworkLinks": "microsoft.network/privatednszones/virtualnetworklinks",
    "privateDnsRecordSets": "microsoft.network/privatednszones/a",
    "roleAssignments": "microsoft.authorization/roleassignments",
    "roleDefinitions": "microsoft.authorization/roledefinitions",
    "subscriptions": "microsoft.resources/subscriptions",
    **CONSUMER_LIST_TYPES,
    "securityPricings": "microsoft.security/pricings",
    "securityAssessments": "microsoft.security/assessments",
}
LIST_OF_TYPE: dict[str, str] = {kind: name for name, kind in LIST_TYPES.items()}

ROLE_ASSIGNMENTS = "microsoft.authorization/roleassignments"
ROLE_DEFINITIONS = "microsoft.authorization/roledefinitions"
SCOPE_FILTERS = frozenset({"AtScopeAndBelow", "AtScopeAndAbove", "AtScopeExact", "AtScopeAboveAndBelow"})

#: Error texts as Resource Graph sends them (so the collector is tested against the real wording).
RATE_LIMIT_DETAIL = (
    "Client application has been throttled and should not attempt to repeat the request until an amount of "
    "time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."
)
PAYLOAD_DETAIL = (
    "Response payload size is {size}, and has exceeded the limit of {limit}. Please consider querying less "
    "data at a time and make paginated call if needed."
)
INVALID_QUERY_DETAIL = (
    "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the "
    "error before retrying."
)
NOT_FOUND_DETAIL = "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
AADSTS_BAD_SECRET = (
    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client "
    "secret value, not the client secret ID, for a secret added to app '{client}'."
)


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """Failure modes and limits to emulate; the defaults are a healthy, unthrottled tenant."""

    arg_quota: tuple[int, float] | None = None
    """(requests, seconds): per-caller fixed window; past it ARG answers 429 RateLimiting."""
    arg_429_retry_after: bool = False
    """Add ``Retry-After`` to ARG 429s (whether real ARG sends it is unverified)."""
    arg_quota_headers: bool = True
    """Send ``x-ms-user-quota-remaining`` / ``x-ms-user-quota-resets-after`` on ARG responses."""
    forbidden_subscriptions: frozenset[str] = frozenset()
    """ARG requests naming these, and ARM calls under them, answer 403 AuthorizationFailed."""
    forbidden_registries: frozenset[str] = frozenset()
    """Registry ids (any casing) whose tokens, scope maps, usages and diagnostic settings answer
    403 AuthorizationFailed, as when the caller's Reader role stops above them (a deny assignment)."""
    arg_max_rows_per_response: int | None = None
    """A page holding more rows than this answers 400 ResponsePayloadTooLarge."""
    reject_client_secret: bool = False
    """The token endpoint refuses every client secret with AADSTS7000215 (HTTP 401)."""
    graph_throttle_first: int = 0
    """The first N ``$batch`` sub-requests answer a per-item 429 with ``Retry-After: 1``."""
    dns_table_available: bool = True
    """False: ``dnsresources`` queries answer 400 DisallowedLogicalTableName (a cloud without it)."""
    strict_audience: bool = False
    """True: a Graph token is refused by ARM/ARG and an ARM token by Graph (``{base}/.default`` fits both)."""
    arm_page_size: int = 50
    """Items per ARM list page for tokens, scope maps (later pages through ``nextLink``)."""
    graph_odata_context: bool = True
    """Add ``@odata.context`` to Graph object bodies, as Graph does."""
    graph_page_size: int = 999
    """Most members per page of ``/groups/{id}/transitiveMembers`` (later pages through ``@odata.nextLink``)."""
    ingestion_answers: tuple[int, ...] = ()
    """Statuses (503, 429, 413) the Logs Ingestion API answers its first requests with."""
    faults: tuple[Fault, ...] = ()
    """Transport, status and body faults per endpoint kind (``tests/emulator/faults.py``); the first
    matching fault with uses left answers a request instead of the emulated service."""
    clock: Clock = SYSTEM_CLOCK
    """The time ARG quota windows are measured on: a ``tests.emulator.clock.FakeClock`` shared with
    the collector makes quota waits instant (``Retry-After`` values are sent as configured either way)."""

    def __post_init__(self) -> None:
        """Refuse settings that cannot describe a tenant, so a typo fails at construction."""
        if self.arg_quota is not None and (self.arg_quota[0] < 1 or self.arg_quota[1] <= 0):
            raise ValueError(f"arg_quota must be (requests >= 1, seconds > 0), got {self.arg_quota!r}")
        if self.arg_max_rows_per_response is not None and self.arg_max_rows_per_response < 1:
            raise ValueError("arg_max_rows_per_response must be >= 1")
        if self.graph_throttle_first < 0 or self.arm_page_size < 1:
            raise ValueError("graph_throttle_first must be >= 0 and arm_page_size >= 1")
        if isinstance(self.forbidden_subscriptions, str) or isinstance(self.forbidden_registries, str):
            raise TypeError("forbidden_subscriptions and forbidden_registries must be sets of ids, not strings")
        if not all(isinstance(fault, Fault) for fault in self.faults):
            raise TypeError("faults must be a tuple of tests.emulator.faults.Fault")


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the emulator answered (secrets and the Authorization header are never kept)."""

    method: str
    path: str
    query: dict[str, str]
    body: JSON
    status: int
    endpoint_kind: EndpointKind


# --------------------------------------------------------------------------- small helpers


def _support_message() -> str:
    """The top-level message every ARG/ARM error carries in Azure."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    return f"Please provide below info when asking for support: timestamp = {stamp}, correlationId = {uuid.uuid4()}."


def _arm_error(code: str, message: str) -> JSON:
    """The ARM error envelope ``{"error": {"code", "message"}}`` the SDKs parse."""
    return {"error": {"code": code, "message": message}}


def _arg_error(code: str, detail_code: str, detail: str) -> JSON:
    """ARG's error envelope: a generic top-level message, the real reason in ``details``."""
    return {
        "error": {"code": code, "message": _support_message(), "details": [{"code": detail_code, "message": detail}]}
    }


def _graph_error(code: str, message: str) -> JSON:
    """Microsoft Graph's error envelope with the ``innerError`` it always adds."""
    inner = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4()),
    }
    return {"error": {"code": code, "message": message, "innerError": inner}}


def _hhmmss(seconds: float) -> str:
    """``x-ms-user-quota-resets-after`` format, rounded up so a client never wakes too early."""
    total = max(0, math.ceil(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _subscription_of(resource_id: str) -> str:
    """The lower-cased ``/subscriptions/<id>`` segment of a resource id, or ''."""
    match = re.match(r"^/subscriptions/([^/]+)", resource_id, re.IGNORECASE)
    return match.group(1).lower() if match else ""


def _forbidden_message(action: str, scope: str) -> str:
    """ARM's AuthorizationFailed text, naming the emulator's client."""
    return (
        f"The client '{CLIENT_ID}' with object id '{CLIENT_OBJECT_ID}' does not have authorization to perform "
        f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, "
        "please refresh your credentials."
    )


# --------------------------------------------------------------------------- request / reply


@dataclass(slots=True)
class _Call:
    """A parsed HTTP request, independent of the socket it came from."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    raw_body: bytes
    body: JSON

    @property
    def lower_path(self) -> str:
        """The path lower-cased without a trailing slash: ARM and Graph match case-insensitively."""
        return self.path.lower().rstrip("/") or "/"


@dataclass(slots=True)
class _Reply:
    """Status, JSON body and extra headers of one answer."""

    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(status: int, body: JSON, **headers: str) -> _Reply:
    """Shorthand that keeps handler code to one line per outcome."""
    return _Reply(status, body, dict(headers))


# --------------------------------------------------------------------------- snapshot index


@dataclass(frozen=True, slots=True)
class _Row:
    """One Resource Graph row with the keys the emulator filters and sorts on."""

    key: str  # lower-cased id (sort key)
    subscription: str  # lower-cased subscription id, '' for tenant / management-group rows
    scope: str  # lower-cased assignment scope (role assignments) or ''
    data: JSON


@dataclass(frozen=True, slots=True)
class _ReplayedError:
    """A snapshot ``errors`` entry to answer again: where, what it affects, what to send."""

    source: str
    scope: str
    affects: frozenset[str]
    status: int
    code: str
    message: str

    def applies(self, list_name: str) -> bool:
        """An entry with no ``affects`` covers every list of its scope."""
        return not self.affects or list_name in self.affects


RESOURCE_CONTAINER_TYPES = frozenset(
    {
        "microsoft.resources/subscriptions",
        "microsoft.resources/subscriptions/resourcegroups",
        "microsoft.management/managementgroups",
    }
)


def _table_of(row_type: str) -> str:
    """The Resource Graph table a resource type lives in, as Resource Graph's table reference assigns them."""
    if row_type.startswith("microsoft.authorization/"):
        return "authorizationresources"
    if row_type.startswith("microsoft.security/"):
        return "securityresources"
    if row_type in RESOURCE_CONTAINER_TYPES:
        return "resourcecontainers"
    parts = row_type.split("/")
    if len(parts) == 3 and parts[1] in ("privatednszones", "dnszones") and parts[2] in DNS_RECORD_TYPES:
        return "dnsresources"
    return "resources"


def _make_row(data: JSON, default_type: str) -> tuple[str, str, _Row]:
    """(table, type, row) for one snapshot row; the row's own ``type`` wins over its list's."""
    row_type = str(data.get("type") or default_type).lower()
    row_id = str(data.get("id") or "")
    subscription = str(data.get("subscriptionId") or "").lower() or _subscription_of(row_id)
    scope = ""
    if row_type == ROLE_ASSIGNMENTS:
        scope = str((data.get("properties") or {}).get("scope") or "").lower().rstrip("/") or "/"
    return _table_of(row_type), row_type, _Row(row_id.lower(), subscription, scope, data)


class _TenantIndex:
    """The snapshot, indexed once so every request is a dictionary lookup and a slice."""

    def __init__(self, snapshot: Mapping[str, JSON]) -> None:
        self.rows: dict[tuple[str, str], list[_Row]] = {}
        for list_name, rows in (snapshot.get("resourceGraph") or {}).items():
            for data in rows or []:
                table, row_type, row = _make_row(data, LIST_TYPES.get(list_name, ""))
                self.rows.setdefault((table, row_type), []).append(row)
        for bucket in self.rows.values():
            bucket.sort(key=lambda row: row.key)
        self.arm: dict[str, JSON] = {str(k).lower(): v for k, v in (snapshot.get("arm") or {}).items()}
        graph = snapshot.get("graph") or {}
        self.service_principals = self._by(graph.get("servicePrincipals"), "id")
        self.sp_by_app = self._by(graph.get("servicePrincipals"), "appId")
        self.applications = self._by(graph.get("applications"), "id")
        self.app_by_app = self._by(graph.get("applications"), "appId")
        self.missing = frozenset(str(i).lower() for i in graph.get("missingPrincipals") or [])
        self.group_members = {str(k).lower(): list(v) for k, v in (graph.get("groupMembers") or {}).items()}
        self.directory_objects = {str(o["id"]).lower(): o for o in graph.get("directoryObjects") or []}
        self.principal_types = {
            str((row.data.get("properties") or {}).get("principalId") or "").lower(): str(
                (row.data.get("properties") or {}).get("principalType") or ""
            )
            for row in self.rows.get(("authorizationresources", ROLE_ASSIGNMENTS), [])
        }
        self.zones = {row.key for row in self.rows.get(("resources", "microsoft.network/privatednszones"), [])}
        self.replayed = [self._replayed(e) for e in snapshot.get("errors") or [] if isinstance(e, dict)]
        # Every subscription the tenant's rows name: what a tenant or management-group request covers.
        self.subscriptions = tuple(sorted({row.subscription for rows in self.rows.values() for row in rows} - {""}))

    @staticmethod
    def _by(objects: Iterable[JSON] | None, key: str) -> dict[str, JSON]:
        """Graph objects by a lower-cased key (Graph ids compare case-insensitively)."""
        return {str(o[key]).lower(): o for o in objects or [] if isinstance(o, dict) and o.get(key)}

    @staticmethod
    def _replayed(entry: Mapping[str, JSON]) -> _ReplayedError:
        """An ``errors`` entry as something to answer again."""
        return _ReplayedError(
            source=str(entry.get("source") or ""),
            scope=str(entry.get("scope") or "").lower().rstrip("/"),
            affects=frozenset(str(a) for a in entry.get("affects") or []),
            status=int(entry.get("status") or 500),
            code=str(entry.get("code") or "InternalServerError"),
            message=str(entry.get("message") or "replayed from the snapshot's errors"),
        )

    def replay(self, source: str, scopes: Iterable[str], list_name: str) -> _ReplayedError | None:
        """The first snapshot error of ``source`` at one of ``scopes`` that affects ``list_name``."""
        wanted = {s.lower().rstrip("/") for s in scopes}
        for error in self.replayed:
            if error.source == source and error.scope in wanted and error.applies(list_name):
                return error
        return None


# --------------------------------------------------------------------------- identity


@dataclass(frozen=True, slots=True)
class _Grant:
    """What an issued access token stands for."""

    client_id: str
    audience: Literal["arm", "graph", "any"]


class _Identity:
    """Entra ID for one confidential client: OIDC discovery, client credentials, bearer checks."""

    def __init__(self, base_url: str, tenant_id: str, config: EmulatorConfig) -> None:
        self.base = base_url
        self.tenant = tenant_id
        self.config = config
        self._tokens: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def openid_configuration(self, tenant: str) -> _Reply:
        """The discovery document MSAL reads to find the token endpoint."""
        if tenant.lower() != self.tenant.lower():
            return self._tenant_not_found(tenant)
        root = f"{self.base}/{self.tenant}"
        return _json_reply(
            200,
            {
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{root}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{root}/v2.0",
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": f"{self.base}/oidc/userinfo",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "tenant_region_scope": None,
                "cloud_instance_name": "microsoftonline.com",
            },
        )

    def jwks(self, tenant: str) -> _Reply:
        """An empty key set: tokens are opaque, nothing verifies signatures."""
        if tenant.lower() != self.tenant.lower():
            return self._tenant_not_found(tenant)
        return _json_reply(200, {"keys": []})

    def token(self, tenant: str, form: Mapping[str, str]) -> _Reply:
        """``POST /{tenant}/oauth2/v2.0/token`` for the client credentials grant."""
        if tenant.lower() != self.tenant.lower():
            return self._tenant_not_found(tenant)
        if form.get("grant_type") != "client_credentials":
            return self._oauth_error(
                400, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant type."
            )
        client = form.get("client_id", "")
        if client != CLIENT_ID:
            text = (
                f"AADSTS700016: Application with identifier '{client}' was not found in the directory '{self.tenant}'."
            )
            return self._oauth_error(400, "unauthorized_client", 700016, text)
        refused = self._check_client_credential(form)
        if refused is not None:
            return refused
        audience = self._audience(form.get("scope", ""))
        if isinstance(audience, _Reply):
            return audience
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[access_token] = _Grant(client, audience)
        body = {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME}
        return _json_reply(200, {**body, "access_token": access_token})

    def _check_client_credential(self, form: Mapping[str, str]) -> _Reply | None:
        """A secret must match (and not be refused by config); an assertion must look like a JWT."""
        if "client_secret" in form:
            if self.config.reject_client_secret or not secrets.compare_digest(form["client_secret"], CLIENT_SECRET):
                return self._oauth_error(401, "invalid_client", 7000215, AADSTS_BAD_SECRET.format(client=CLIENT_ID))
            return None
        assertion = form.get("client_assertion", "")
        if form.get("client_assertion_type") == JWT_BEARER and assertion.count(".") == 2:
            return None  # certificate / workload identity: accepted without checking the signature
        text = (
            "AADSTS7000218: The request body must contain the following parameter: "
            "'client_assertion' or 'client_secret'."
        )
        return self._oauth_error(401, "invalid_client", 7000218, text)

    def _audience(self, scope: str) -> Literal["arm", "graph", "any"] | _Reply:
        """Which API a ``<resource>/.default`` scope is for; anything else is an Entra error."""
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            text = (
                f"AADSTS1002012: The provided value for scope {scope} is not valid. Client credential flows must have "
                "a scope value with /.default suffixed to the resource identifier (application ID URI)."
            )
            return self._oauth_error(400, "invalid_scope", 1002012, text)
        resource = scopes[0].removesuffix("/.default").rstrip("/").lower()
        if resource == self.base.lower():
            return "any"
        if resource in ("https://containerregistry.azure.net", "https://monitor.azure.com"):
            return "any"  # (acr-scan probe's registry audience; the Logs Ingestion API's)
        if resource in ("https://management.azure.com", "https://management.core.windows.net"):
            return "arm"
        if resource == "https://graph.microsoft.com":
            return "graph"
        text = f"AADSTS500011: The resource principal named {resource} was not found in the tenant named {self.tenant}."
        return self._oauth_error(400, "invalid_resource", 500011, text)

    def _tenant_not_found(self, tenant: str) -> _Reply:
        """Entra's answer for a tenant it does not know (MSAL raises ValueError on it)."""
        text = f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
        return self._oauth_error(400, "invalid_tenant", 90002, text)

    def _oauth_error(self, status: int, error: str, code: int, description: str) -> _Reply:
        """An OAuth 2 error body shaped like Entra's (error_codes, trace and correlation ids)."""
        trace, correlation = uuid.uuid4(), uuid.uuid4()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return _json_reply(
            status,
            {
                "error": error,
                "error_description": (
                    f"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
                ),
                "error_codes": [code],
                "timestamp": stamp,
                "trace_id": str(trace),
                "correlation_id": str(correlation),
                "error_uri": f"{self.base}/error?code={code}",
            },
        )

    def authorize(self, call: _Call, kind: EndpointKind) -> _Grant | _Reply:
        """The grant behind a valid ``Authorization: Bearer`` header, or the 401 to send."""
        header = call.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        with self._lock:
            grant = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            message = "Access token is empty." if not header else "The access token is invalid."
            return self._unauthorized(message)
        wanted = "graph" if kind in ("graph", "graph_batch") else "arm"
        if self.config.strict_audience and grant.audience not in ("any", wanted):
            return self._unauthorized("Access token validation failure. Invalid audience.")
        return grant

    def _unauthorized(self, message: str) -> _Reply:
        """401 with the challenge header ARM sends (no claims, so no CAE retry)."""
        challenge = (
            f'Bearer authorization_uri="{self.base}/{self.tenant}", error="invalid_token", '
            f'error_description="{message}"'
        )
        return _json_reply(401, _arm_error("InvalidAuthenticationToken", message), **{"WWW-Authenticate": challenge})


# --------------------------------------------------------------------------- Resource Graph


@dataclass(frozen=True, slots=True)
class _QuotaVerdict:
    """Whether one ARG request fits the caller's window, and what the headers should say."""

    allowed: bool
    remaining: int
    resets_after: float


class _QuotaMeter:
    """Per-caller fixed windows: ``limit`` requests per ``window`` seconds (ARG's user quota)."""

    def __init__(self, quota: tuple[int, float] | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.quota = quota
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # caller → (window start, used)
        self._lock = threading.Lock()

    def take(self, caller: str) -> _QuotaVerdict:
        """Spend one unit if the window has one left; a refused request spends nothing."""
        if self.quota is None:
            return _QuotaVerdict(True, NOMINAL_QUOTA[0], NOMINAL_QUOTA[1])
        limit, window = self.quota
        with self._lock:
            now = self._clock()
            start, used = self._windows.get(caller, (now, 0))
            if now - start >= window:
                start, used = now, 0
            resets = start + window - now
            if used >= limit:
                self._windows[caller] = (start, used)
                return _QuotaVerdict(False, 0, resets)
            self._windows[caller] = (start, used + 1)
            return _QuotaVerdict(True, limit - used - 1, resets)


@dataclass(frozen=True, slots=True)
class _ArgQuery:
    """What an ARG request asks for, after validation."""

    table: str
    row_type: str | None
    subscriptions: tuple[str, ...]
    management_groups: tuple[str, ...]
    scope_filter: str
    page_size: int
    offset: int
    fingerprint: str


class _ResourceGraph:
    """``POST /providers/Microsoft.ResourceGraph/resources``: snapshot rows, paged and metered."""

    def __init__(self, index: _TenantIndex, config: EmulatorConfig, meter: _QuotaMeter) -> None:
        self.index = index
        self.config = config
        self.meter = meter
        self.forbidden = frozenset(s.lower() for s in config.forbidden_subscriptions)

    def handle(self, call: _Call, grant: _Grant) -> _Reply:
        """Meter first (every page costs a unit), then answer and attach the quota headers."""
        verdict = self.meter.take(grant.client_id)
        headers: dict[str, str] = {}
        if self.config.arg_quota_headers:
            headers["x-ms-user-quota-remaining"] = str(verdict.remaining)
            headers["x-ms-user-quota-resets-after"] = _hhmmss(verdict.resets_after)
        if not verdict.allowed:
            if self.config.arg_429_retry_after:
                headers["Retry-After"] = str(max(1, math.ceil(verdict.resets_after)))
            return _Reply(429, _arg_error("RateLimiting", "RateLimiting", RATE_LIMIT_DETAIL), headers)
        reply = self._answer(call)
        reply.headers.update(headers)
        return reply

    def _answer(self, call: _Call) -> _Reply:
        """Validate the request, pick the rows, cut the page."""
        if call.method != "POST":
            return _json_reply(
                405, _arm_error("MethodNotAllowed", f"The HTTP method '{call.method}' is not supported.")
            )
        checked = self._check_request(call)
        if isinstance(checked, _Reply):
            return checked
        query = self._parse(call, checked)
        if isinstance(query, _Reply):
            return query
        refused = self._refusal(query)
        if refused is not None:
            return refused
        rows = self._select(query)
        return self._page(query, rows)

    def _check_request(self, call: _Call) -> JSON | _Reply:
        """api-version, Content-Type (ARG answers 500 to text/plain) and a JSON object with a query."""
        version = call.query.get("api-version")
        if version is None:
            message = "The api-version query parameter (?api-version=) is required for all requests."
            return _json_reply(400, _arm_error("MissingApiVersionParameter", message))
        if version not in ARG_API_VERSIONS:
            message = (
                f"The resource type 'resources' could not be found in the namespace 'Microsoft.ResourceGraph' for api "
                f"version '{version}'. The supported api-versions are '{','.join(ARG_API_VERSIONS)}'."
            )
            return _json_reply(400, _arm_error("InvalidResourceType", message))
        if not (call.headers.get("Content-Type") or "").lower().startswith("application/json"):
            return _json_reply(500, _arm_error("InternalServerError", "Encountered internal server error."))
        body = call.body
        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            return _json_reply(400, _arg_error("BadRequest", "InvalidQuery", INVALID_QUERY_DETAIL))
        return body

    def _parse(self, call: _Call, body: JSON) -> _ArgQuery | _Reply:
        """Table, type, scopes and paging of one request body."""
        options = body.get("options") or {}
        if not isinstance(options, dict):
            return _json_reply(400, _arg_error("BadRequest", "InvalidQueryOptions", "options must be an object."))
        if str(options.get("resultFormat") or "objectArray") != "objectArray":
            detail = "The emulator serves resultFormat 'objectArray' only."
            return _json_reply(400, _arg_error("BadRequest", "UnsupportedResultFormat", detail))
        table, row_type = self._table_and_type(body["query"])
        if table not in SERVED_TABLES | OTHER_ARG_TABLES or (
            table == "dnsresources" and not self.config.dns_table_available
        ):
            detail = f"Table {table} is invalid, unsupported or disallowed."
            return _json_reply(400, _arg_error("BadRequest", "DisallowedLogicalTableName", detail))
        subscriptions = tuple(str(s).lower() for s in body.get("subscriptions") or [])
        groups = tuple(str(g).lower() for g in body.get("managementGroups") or [])
        scope_filter = str(options.get("authorizationScopeFilter") or "AtScopeAndBelow")
        if scope_filter not in SCOPE_FILTERS:
            return _json_reply(
                400,
                _arg_error("BadRequest", "InvalidQueryOptions", f"Invalid authorizationScopeFilter '{scope_filter}'."),
            )
        if call.query.get("api-version") not in SCOPE_FILTER_API_VERSIONS:
            scope_filter = "AtScopeAndBelow"  # the property does not exist before 2022-10-01: silently ignored
        fingerprint = hashlib.sha256(
            json.dumps([body["query"], sorted(subscriptions), sorted(groups), scope_filter]).encode()
        ).hexdigest()[:16]
        paging = self._paging(options, fingerprint)
        if isinstance(paging, _Reply):
            return paging
        page_size, offset = paging
        return _ArgQuery(table, row_type, subscriptions, groups, scope_filter, page_size, offset, fingerprint)

    @staticmethod
    def _table_and_type(query: str) -> tuple[str, str | None]:
        """First word (after ``//`` comments) is the table; the first ``type =~ '...'`` is the type."""
        text = re.sub(r"//[^\n]*", "", query)
        first = re.match(r"\s*([A-Za-z_]+)", text)
        table = first.group(1).lower() if first else ""
        if table in KQL_OPERATORS:
            table = "resources"
        kind = re.search(r"\btype\s*(?:=~|==)\s*['\"]([^'\"]+)['\"]", text, re.IGNORECASE)
        return table, kind.group(1).lower() if kind else None

    @staticmethod
    def _paging(options: Mapping[str, JSON], fingerprint: str) -> tuple[int, int] | _Reply:
        """(page size, offset) from ``$top``, ``$skip`` and an opaque ``$skipToken``."""
        try:
            top = int(options.get("$top") or ARG_DEFAULT_PAGE)
            skip = int(options.get("$skip") or 0)
        except (TypeError, ValueError):
            return _json_reply(400, _arg_error("BadRequest", "InvalidQueryOptions", "$top and $skip must be integers."))
        if top < 1 or skip < 0:
            return _json_reply(
                400, _arg_error("BadRequest", "InvalidQueryOptions", "$top must be >= 1 and $skip >= 0.")
            )
        token = options.get("$skipToken")
        if not token:
            return min(top, ARG_MAX_PAGE), skip
        try:
            state = json.loads(base64.b64decode(str(token), validate=True))
            offset = int(state["offset"])
            valid = state["query"] == fingerprint
        except (binascii.Error, ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            detail = "The $skipToken does not belong to this query and scope; resend the first page's query."
            return _json_reply(400, _arg_error("BadRequest", "InvalidSkipToken", detail))
        return min(top, ARG_MAX_PAGE), offset

    def _refusal(self, query: _ArgQuery) -> _Reply | None:
        """403 for a named forbidden subscription; a replayed snapshot error for a named scope."""
        for sub in query.subscriptions:
            if sub in self.forbidden:
                message = _forbidden_message("Microsoft.ResourceGraph/resources/read", f"/subscriptions/{sub}")
                return _json_reply(403, _arm_error("AuthorizationFailed", message))
        list_name = LIST_OF_TYPE.get(query.row_type or "", "")
        # (a request for the tenant or a management group covers every subscription, so a
        # subscription's recorded failure answers it too, as a broken part of the service would)
        covered = query.subscriptions or self.index.subscriptions
        error = self.index.replay("resourceGraph", covered, list_name) if list_name else None
        if error is not None:
            return _json_reply(error.status, _arm_error(error.code, error.message))
        return None

    def _select(self, query: _ArgQuery) -> list[JSON]:
        """Rows of the table/type visible to the request's scope, in lower-cased id order."""
        if query.table not in SERVED_TABLES:
            return []
        if query.row_type is None:
            buckets = [rows for (table, _), rows in self.index.rows.items() if table == query.table]
            candidates = sorted((row for rows in buckets for row in rows), key=lambda row: row.key)
        else:
            candidates = self.index.rows.get((query.table, query.row_type), [])
        if not query.subscriptions:  # tenant or management-group scope: all visible subscriptions
            return [row.data for row in candidates if row.subscription not in self.forbidden]
        wanted = set(query.subscriptions)
        return [row.data for row in candidates if self._in_scope(row, wanted, query)]

    @staticmethod
    def _in_scope(row: _Row, wanted: set[str], query: _ArgQuery) -> bool:
        """Subscription filter, widened by ``authorizationScopeFilter`` for authorizationresources."""
        if query.table != "authorizationresources":
            return row.subscription in wanted
        if not row.subscription:
            position = "above"
        elif row.subscription not in wanted:
            return False
        elif row.data.get("type", "").lower() == ROLE_DEFINITIONS or row.scope == f"/subscriptions/{row.subscription}":
            position = "at"
        else:
            position = "below"
        if position == "above" and query.row_type == ROLE_DEFINITIONS:
            return True  # built-in and management-group role definitions are always visible
        allowed = {
            "AtScopeAndBelow": {"at", "below"},
            "AtScopeAndAbove": {"above", "at"},
            "AtScopeExact": {"at"},
            "AtScopeAboveAndBelow": {"above", "at", "below"},
        }[query.scope_filter]
        return position in allowed

    def _page(self, query: _ArgQuery, rows: list[JSON]) -> _Reply:
        """One page of ``rows``, a ``$skipToken`` while more remain, or ResponsePayloadTooLarge."""
        page = rows[query.offset : query.offset + query.page_size]
        limit = self.config.arg_max_rows_per_response
        if limit is not None and len(page) > limit:
            size = max(len(json.dumps(page)), ARG_PAYLOAD_LIMIT + 1)  # the tenant is "big": say so consistently
            detail = PAYLOAD_DETAIL.format(size=size, limit=ARG_PAYLOAD_LIMIT)
            return _json_reply(400, _arg_error("BadRequest", "ResponsePayloadTooLarge", detail))
        body: dict[str, JSON] = {"totalRecords": len(rows), "count": len(page), "resultTruncated": "false"}
        end = query.offset + len(page)
        if end < len(rows):
            state = json.dumps({"offset": end, "query": query.fingerprint}).encode()
            body["$skipToken"] = base64.b64encode(state).decode()
        body["data"] = page
        body["facets"] = []
        return _json_reply(200, body)


# --------------------------------------------------------------------------- ARM

_REGISTRY_PATH = re.compile(
    r"^(/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.containerregistry/registries/([^/]+))(/.*)?$"
)
_DNS_PATH = re.compile(
    r"^(/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.network/privatednszones/([^/]+))/(a|all)$"
)


@dataclass(frozen=True, slots=True)
class _ArmList:
    """One per-registry list: its snapshot key, the RBAC action it needs, whether it pages."""

    key: str
    action: str
    paged: bool


REGISTRY_LISTS: dict[str, _ArmList] = {
    "/tokens": _ArmList("tokens", "Microsoft.ContainerRegistry/registries/tokens/read", True),
    "/scopemaps": _ArmList("scopeMaps", "Microsoft.ContainerRegistry/registries/scopeMaps/read", True),
    "/listusages": _ArmList("usages", "Microsoft.ContainerRegistry/registries/listUsages/read", False),
    "/providers/microsoft.insights/diagnosticsettings": _ArmList(
        "diagnosticSettings", "Microsoft.Insights/diagnosticSettings/read", False
    ),
    "/cacherules": _ArmList("cacheRules", "Microsoft.ContainerRegistry/registries/cacheRules/read", True),
    "/credentialsets": _ArmList("credentialSets", "Microsoft.ContainerRegistry/registries/credentialSets/read", True),
    "/connectedregistries": _ArmList(
        "connectedRegistries", "Microsoft.ContainerRegistry/registries/connectedRegistries/read", True
    ),
}


class _Arm:
    """Read-only Azure Resource Manager: the ACR lists of the snapshot and Private DNS A records."""

    def __init__(self, index: _TenantIndex, config: EmulatorConfig, base_url: str) -> None:
        self.index = index
        self.config = config
        self.base = base_url
        self.forbidden = frozenset(s.lower() for s in config.forbidden_subscriptions)
        self.forbidden_registries = frozenset(r.lower().rstrip("/") for r in config.forbidden_registries)

    def handle(self, call: _Call) -> _Reply:
        """Route one ARM GET; writes are refused, as a read-only scanner must never send them."""
        if call.method != "GET":
            return _json_reply(
                405, _arm_error("MethodNotAllowed", f"The emulator is read-only: {call.method} refused.")
            )
        if "api-version" not in call.query:
            message = "The api-version query parameter (?api-version=) is required for all requests."
            return _json_reply(400, _arm_error("MissingApiVersionParameter", message))
        path = call.lower_path
        registry = _REGISTRY_PATH.match(path)
        if registry is not None and (registry.group(5) or "") in REGISTRY_LISTS:
            return self._registry_list(call, registry)
        dns = _DNS_PATH.match(path)
        if dns is not None:
            return self._dns_records(call, dns)
        site = SITE_CONFIG_PATH.match(path)
        if site is not None:
            replayed = self.index.replay("arm", [site.group(1)], "siteConfig")
            return _json_reply(*site_config(self.index.arm, site, call.path, self.forbidden, replayed))
        sub = _subscription_of(path)
        if sub in self.forbidden:
            return _json_reply(403, _arm_error("AuthorizationFailed", _forbidden_message("*/read", call.path)))
        return _json_reply(404, _arm_error("NotFound", f"The emulator has no handler for GET {call.path}."))

    def _registry_list(self, call: _Call, match: re.Match[str]) -> _Reply:
        """Tokens, scope maps, usages or diagnostic settings of one registry."""
        registry_id, sub, _group, _name, suffix = match.groups()
        wanted = REGISTRY_LISTS[suffix]
        if sub in self.forbidden or registry_id in self.forbidden_registries:
            scope = call.path[: len(registry_id)]
            body = _arm_error("AuthorizationFailed", _forbidden_message(wanted.action, scope))
            return _json_reply(403, body, **{"x-ms-failure-cause": "gateway"})
        error = self.index.replay("arm", [registry_id], wanted.key)
        if error is not None:
            return _json_reply(error.status, _arm_error(error.code, error.message))
        entry = self.index.arm.get(registry_id)
        if entry is None:
            return self._not_found("Microsoft.ContainerRegistry/registries", call.path[: len(registry_id)])
        items = list(entry.get(wanted.key) or [])
        if not wanted.paged:
            return _json_reply(200, {"value": items})
        return self._paged(call, items, self.config.arm_page_size)

    def _dns_records(self, call: _Call, match: re.Match[str]) -> _Reply:
        """Private DNS ``.../privateDnsZones/{zone}/A`` (or ``/ALL``) from the snapshot's A rows."""
        zone_id, sub, _group, _zone, _record = match.groups()
        if sub in self.forbidden:
            scope = call.path[: len(zone_id)]
            action = "Microsoft.Network/privateDnsZones/A/read"
            return _json_reply(403, _arm_error("AuthorizationFailed", _forbidden_message(action, scope)))
        error = self.index.replay("arm", [zone_id], "privateDnsRecordSets")
        if error is not None:
            return _json_reply(error.status, _arm_error(error.code, error.message))
        rows = self.index.rows.get(("dnsresources", "microsoft.network/privatednszones/a"), [])
        records = [self._record_set(row.data) for row in rows if row.key.startswith(zone_id + "/a/")]
        if not records and zone_id not in self.index.zones:
            return self._not_found("Microsoft.Network/privateDnsZones", call.path[: len(zone_id)])
        try:
            top = int(call.query.get("$top") or DNS_DEFAULT_PAGE)
        except ValueError:
            return _json_reply(400, _arm_error("InvalidParameter", "$top must be an integer."))
        return self._paged(call, records, max(1, top))

    @staticmethod
    def _record_set(row: JSON) -> JSON:
        """An ARG ``dnsresources`` row in the ARM RecordSet shape (privatedns 2024-06-01)."""
        return {
            "id": row.get("id"),
            "etag": row.get("etag") or hashlib.sha256(str(row.get("id")).encode()).hexdigest()[:32],
            "name": row.get("name"),
            "type": "Microsoft.Network/privateDnsZones/A",
            "properties": row.get("properties") or {},
        }

    def _paged(self, call: _Call, items: list[JSON], size: int) -> _Reply:
        """One page of ``items``; ``nextLink`` (absolute, own query string) while more remain."""
        try:
            offset = int(call.query.get("$skipToken") or 0)
        except ValueError:
            return _json_reply(400, _arm_error("InvalidSkipToken", "The $skipToken is not valid."))
        body: dict[str, JSON] = {"value": items[offset : offset + size]}
        if offset + size < len(items):
            version = call.query.get("api-version", "")
            top = f"&$top={size}" if "$top" in call.query else ""
            body["nextLink"] = f"{self.base}{call.path}?api-version={version}{top}&$skipToken={offset + size}"
        return _json_reply(200, body)

    @staticmethod
    def _not_found(kind: str, resource_id: str) -> _Reply:
        """ARM's ResourceNotFound for a registry or zone the snapshot does not hold (original casing)."""
        parts = resource_id.split("/")
        message = (
            f"The Resource '{kind}/{parts[-1]}' under resource group '{parts[4]}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )
        return _json_reply(404, _arm_error("ResourceNotFound", message))


# --------------------------------------------------------------------------- Microsoft Graph

_GRAPH_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/serviceprincipals/([^/()]+)$"), "servicePrincipals"),
    (re.compile(r"^/serviceprincipals\(appid='([^']+)'\)$"), "servicePrincipals(appId)"),
    (re.compile(r"^/applications/([^/()]+)$"), "applications"),
    (re.compile(r"^/applications\(appid='([^']+)'\)$"), "applications(appId)"),
    (re.compile(r"^/directoryobjects/([^/()]+)$"), "directoryObjects"),
)
_DIRECTORY_TYPES = {"user": "user", "group": "group", "foreigngroup": "group", "device": "device"}


class _Graph:
    """Microsoft Graph v1.0: service principals, applications, directory objects, ``$batch``."""

    def __init__(self, index: _TenantIndex, config: EmulatorConfig, base_url: str, faults: FaultInjector) -> None:
        self.index = index
        self.config = config
        self.base = base_url
        self.faults = faults
        self._throttle_left = config.graph_throttle_first
        self._lock = threading.Lock()

    def handle(self, call: _Call) -> _Reply:
        """A direct ``GET /v1.0/...`` (the same lookups ``$batch`` items make)."""
        if call.method != "GET":
            return _json_reply(
                405, _graph_error("Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
            )
        status, body = self.get(call.path.removeprefix("/v1.0"), call.query)
        return _json_reply(status, body)

    def batch(self, call: _Call) -> _Reply:
        """``POST /v1.0/$batch``: at most 20 GETs, answered in reverse order, items throttled first."""
        requests = call.body.get("requests") if isinstance(call.body, dict) else None
        if call.method != "POST" or not isinstance(requests, list) or not requests:
            return _json_reply(400, _graph_error("BadRequest", "Invalid batch payload format."))
        if len(requests) > GRAPH_BATCH_MAX:
            return _json_reply(400, _graph_error("BadRequest", "Number of requests inside batch exceeds the limit."))
        ids = [str(r.get("id")) if isinstance(r, dict) else "" for r in requests]
        if "" in ids or len(set(ids)) != len(ids):
            return _json_reply(400, _graph_error("BadRequest", "Batch request ids must be present and unique."))
        responses = [self._item(item) for item in requests]
        return _json_reply(200, {"responses": list(reversed(responses))})

    def _item(self, item: JSON) -> JSON:
        """One sub-request: maybe throttled, else the same answer as a direct GET."""
        headers = {"Content-Type": "application/json"}
        with self._lock:
            throttled = self._throttle_left > 0
            self._throttle_left -= 1 if throttled else 0
        if throttled:
            body = _graph_error("TooManyRequests", "Too many requests.")
            return {"id": str(item["id"]), "status": 429, "headers": {**headers, "Retry-After": "1"}, "body": body}
        fault = self.faults.take("graph", str(item.get("url") or ""), ITEM_FAULTS)
        if fault is not None:
            return item_answer(fault, str(item["id"]))
        if str(item.get("method") or "").upper() != "GET":
            status, body = (
                405,
                _graph_error("Request_BadRequest", "Specified HTTP method is not allowed for the request target."),
            )
        else:
            parts = urlsplit(str(item.get("url") or ""))
            status, body = self.get("/" + unquote(parts.path).lstrip("/"), dict(parse_qsl(parts.query)))
        return {"id": str(item["id"]), "status": status, "headers": headers, "body": body}

    def get(self, path: str, query: Mapping[str, str]) -> tuple[int, JSON]:
        """(status, body) of a Graph GET relative to ``/v1.0``."""
        lowered = path.lower().rstrip("/")
        members = MEMBERS_PATH.match(lowered)
        if members is not None:
            groups = frozenset(k for k, kind in self.index.principal_types.items() if kind.lower() == "group")
            group_id = unquote(path.rstrip("/")[members.start(1) : members.end(1)])
            replayed = self.index.replay("graph", [f"group {group_id}"], "groupMembers")
            if replayed is not None:
                return replayed.status, _graph_error(replayed.code, replayed.message)
            return members_page(
                self.index.group_members, groups, group_id, query, self.base, self.config.graph_page_size
            )
        for pattern, collection in _GRAPH_ROUTES:
            match = pattern.match(lowered)
            if match is not None:
                key = unquote(path.rstrip("/")[match.start(1) : match.end(1)])
                return self._lookup(collection, key, query)
        segment = lowered.strip("/").split("/")[0] if lowered.strip("/") else ""
        return 400, _graph_error("BadRequest", f"Resource not found for the segment '{segment}'.")

    def _lookup(self, collection: str, key: str, query: Mapping[str, str]) -> tuple[int, JSON]:
        """Find the object (deleted principals and unknown ids are 404), then apply ``$select``."""
        lowered = key.lower()
        error = next(
            (
                e
                for e in self.index.replayed
                if e.source == "graph" and e.scope.endswith(lowered) and e.affects != {"groupMembers"}
            ),
            None,
        )
        if error is not None:
            return error.status, _graph_error(error.code, error.message)
        found = None if lowered in self.index.missing else self._find(collection, lowered)
        if found is None:
            return 404, _graph_error("Request_ResourceNotFound", NOT_FOUND_DETAIL.format(id=key))
        entity = collection.split("(")[0]
        return 200, self._select(found, entity, query.get("$select") or query.get("select"))

    def _find(self, collection: str, key: str) -> JSON | None:
        """The snapshot object behind one Graph address."""
        if collection == "servicePrincipals":
            return self.index.service_principals.get(key)
        if collection == "servicePrincipals(appId)":
            return self.index.sp_by_app.get(key)
        if collection == "applications":
            return self.index.applications.get(key)
        if collection == "applications(appId)":
            return self.index.app_by_app.get(key)
        principal = self.index.service_principals.get(key)
        if principal is not None:
            return {"@odata.type": "#microsoft.graph.servicePrincipal", **principal}
        stored = self.index.directory_objects.get(key)
        if stored is not None:  # (a user or group with its display name)
            return stored
        kind = _DIRECTORY_TYPES.get(self.index.principal_types.get(key, "").lower())
        return {"@odata.type": f"#microsoft.graph.{kind}", "id": key} if kind else None

    def _select(self, obj: JSON, entity: str, select: str | None) -> JSON:
        """Keep only the selected top-level properties (case-insensitive), as Graph does."""
        fields = [f.strip() for f in (select or "").split(",") if f.strip()]
        if fields:
            wanted = {f.lower() for f in fields}
            body = {k: v for k, v in obj.items() if k.lower() in wanted or k == "@odata.type"}
        else:
            body = dict(obj)
        if not self.config.graph_odata_context:
            return body
        projection = f"({','.join(fields)})" if fields else ""
        return {"@odata.context": f"{self.base}/v1.0/$metadata#{entity}{projection}/$entity", **body}


# --------------------------------------------------------------------------- router

_OIDC_PATH = re.compile(r"^/([^/]+)/v2\.0/\.well-known/openid-configuration$")
_JWKS_PATH = re.compile(r"^/([^/]+)/discovery/v2\.0/keys$")
_TOKEN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
_ARG_PATH = "/providers/microsoft.resourcegraph/resources"


def _kind_of(path: str) -> EndpointKind:
    """Which service a request path belongs to."""
    if _OIDC_PATH.match(path) or _JWKS_PATH.match(path):
        return "oidc"
    if _TOKEN_PATH.match(path):
        return "token"
    if path == _ARG_PATH:
        return "arg"
    if path == "/v1.0/$batch":
        return "graph_batch"
    if path.startswith("/datacollectionrules/"):
        return "ingestion"
    if path.startswith("/v1.0/"):
        return "graph"
    return "arm"


class _App:
    """Routes a parsed request to the emulated service and says what to record."""

    def __init__(self, snapshot: Mapping[str, JSON], config: EmulatorConfig, base_url: str, tenant_id: str) -> None:
        index = _TenantIndex(snapshot)
        self.faults = FaultInjector(config.faults)
        self.identity = _Identity(base_url, tenant_id, config)
        self.resource_graph = _ResourceGraph(index, config, _QuotaMeter(config.arg_quota, config.clock.now))
        self.arm = _Arm(index, config, base_url)
        self.graph = _Graph(index, config, base_url, self.faults)
        self.ingestion = LogsIngestion(config.ingestion_answers)

    def dispatch(self, call: _Call) -> tuple[EndpointKind, _Reply]:
        """(endpoint kind, reply) for one request."""
        path = call.lower_path
        kind = _kind_of(path)
        if kind == "oidc":
            oidc = _OIDC_PATH.match(path)
            if oidc is not None:
                return kind, self.identity.openid_configuration(oidc.group(1))
            jwks = _JWKS_PATH.match(path)
            return kind, self.identity.jwks(jwks.group(1) if jwks else "")
        if kind == "token":
            token_match = _TOKEN_PATH.match(path)
            form = call.body if isinstance(call.body, dict) else {}
            return kind, self.identity.token(token_match.group(1) if token_match else "", form)
        grant = self.identity.authorize(call, kind)
        if isinstance(grant, _Reply):
            return kind, grant
        if kind == "arg":
            return kind, self.resource_graph.handle(call, grant)
        if kind == "graph_batch":
            return kind, self.graph.batch(call)
        if kind == "graph":
            return kind, self.graph.handle(call)
        if kind == "ingestion":
            answer = self.ingestion.handle(call.method, call.path, call.query, call.headers, call.raw_body)
            return kind, _Reply(*answer)
        return kind, self.arm.handle(call)


# --------------------------------------------------------------------------- HTTP server

SECRET_FORM_FIELDS = frozenset({"client_secret", "client_assertion"})


def _parse_body(raw: bytes, content_type: str) -> JSON:
    """Form fields (token endpoint), parsed JSON, or None for an empty / unparsable body."""
    if "application/x-www-form-urlencoded" in content_type.lower():
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler: parse, dispatch, record, answer JSON."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is dropped after this (seconds)

    def version_string(self) -> str:
        """The ``Server`` header: plainly not Azure."""
        return "azure-emulator"

    def do_GET(self) -> None:
        """Every method goes through the same path; the services decide what is allowed."""
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        """The request body by Content-Length or chunked transfer encoding."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        """Answer one request; the record is written before the response so callers see it."""
        emulator = cast("_Server", self.server)
        raw = self._read_body()
        parts = urlsplit(self.path)
        call = _Call(
            method=self.command,
            path=unquote(parts.path),
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=self.headers,
            raw_body=raw,
            body=_parse_body(raw, self.headers.get("Content-Type") or ""),
        )
        fault = emulator.app.faults.take(_kind_of(call.lower_path), call.lower_path, body=raw)
        if fault is not None:  # recorded first: a stalled request must not land in a later test's log
            kind = _kind_of(call.lower_path)
            emulator.log.append(RequestRecord(call.method, call.path, call.query, None, fault_status(fault), kind))
            write_fault(self, fault, emulator.app.faults.stopping)
            return
        try:
            kind, reply = emulator.app.dispatch(call)
        except Exception as exc:  # an emulator bug: answer 500 and keep it for the test to see
            emulator.internal_errors.append(f"{call.method} {call.path}: {exc!r}")
            kind, reply = _kind_of(call.lower_path), _json_reply(500, _arm_error("InternalServerError", repr(exc)))
        body = call.body
        if kind == "token" and isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in SECRET_FORM_FIELDS}
        emulator.log.append(RequestRecord(call.method, call.path, call.query, body, reply.status, kind))
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        """Status line, headers (JSON, length, request id) and body."""
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry nothing useful, and a test log must never hold secrets."""


class _RequestLog:
    """Thread-safe append-only list of RequestRecord."""

    def __init__(self) -> None:
        self._items: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Add one record (called from handler threads)."""
        with self._lock:
            self._items.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy, safe to iterate while requests are still arriving."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every record (between phases of one test)."""
        with self._lock:
            self._items.clear()


class _Server(ThreadingHTTPServer):
    """Threaded TLS server on 127.0.0.1 that can close its keep-alive connections on stop."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # a collector opens many connections at once; the default backlog is 5

    def __init__(self, context: ssl.SSLContext, app_factory: Callable[[str], _App]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        # The handshake happens lazily in the connection's own thread, never in the accept loop.
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.base_url = f"https://127.0.0.1:{self.server_address[1]}"
        self.app = app_factory(self.base_url)
        self.log = _RequestLog()
        self.internal_errors: list[str] = []
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the address (slow where DNS is broken)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, remembered so ``close_connections`` can end it."""
        # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms each.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name="azure-emulator-conn", daemon=True
        )
        with self._lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        """Serve a keep-alive connection until the client or ``stop()`` closes it."""
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._connections.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Transport errors (handshake refused, client gone) are the client's business: stay quiet."""

    def close_connections(self, timeout: float = 5.0) -> None:
        """Shut every open connection down and wait for its thread, so no socket outlives stop()."""
        with self._lock:
            open_now = list(self._connections.items())
        for connection, _ in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in open_now:
            thread.join(timeout)


def _server_context(certs: CertificatePaths) -> ssl.SSLContext:
    """TLS 1.2+ server context with the emulator's leaf certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certs.server_cert, certs.server_key)
    return context


# --------------------------------------------------------------------------- public emulator


class AzureEmulator:
    """Entra ID + Resource Graph + ARM + Microsoft Graph on ``https://127.0.0.1:<port>``.

    Use as a context manager (``with AzureEmulator(snapshot) as emu: ...``) or call
    ``start()`` / ``stop()``. The snapshot is read, never modified.
    """

    def __init__(self, snapshot: Mapping[str, JSON], config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.tenant_id = str(snapshot.get("tenantId") or DEFAULT_TENANT_ID)
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self._snapshot = snapshot
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._certs: CertificatePaths | None = None
        self._last_log: _RequestLog | None = None  # kept after stop() so a test can still assert

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> AzureEmulator:
        """Make the certificates, bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._certs = make_certificates()
        try:
            self._server = _Server(
                _server_context(self._certs),
                lambda base: _App(self._snapshot, self.config, base, self.tenant_id),
            )
        except BaseException:
            shutil.rmtree(self._certs.directory, ignore_errors=True)
            self._certs = None
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="azure-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection, join the threads, delete the certificates."""
        server, thread, certs = self._server, self._thread, self._certs
        self._server = self._thread = self._certs = None
        if server is not None:
            server.app.faults.stopping.set()
            server.shutdown()
            server.server_close()
            server.close_connections()
            self._last_log = server.log
        if thread is not None:
            thread.join(5.0)
        if certs is not None:
            shutil.rmtree(certs.directory, ignore_errors=True)

    def __enter__(self) -> AzureEmulator:
        """Start, and hand the running emulator to the ``with`` block."""
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        """Always stop, even when the block failed."""
        self.stop()

    # -- where it listens ------------------------------------------------------------------
    def _running(self) -> _Server:
        """The live server, or a clear error for use before ``start()`` / after ``stop()``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running: use 'with AzureEmulator(...) as emu' or start()")
        return self._server

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT``: the authority, the ARM/ARG base and the Graph host."""
        return self._running().base_url

    @property
    def ingestion(self) -> LogsIngestion:
        """The emulated Logs Ingestion API: what it received."""
        return self._running().app.ingestion

    @property
    def port(self) -> int:
        """The TCP port the emulator listens on."""
        return int(self._running().server_address[1])

    @property
    def ca_path(self) -> str:
        """PEM of the CA that signed the server certificate (``connection_verify=`` / REQUESTS_CA_BUNDLE)."""
        self._running()
        assert self._certs is not None
        return str(self._certs.ca_cert)

    # -- what it saw -----------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered so far, oldest first (a copy; secrets never recorded)."""
        if self._server is not None:
            return self._server.log.snapshot()
        return self._last_log.snapshot() if self._last_log is not None else []

    def count(self, kind: str) -> int:
        """How many requests of one endpoint kind ("oidc", "token", "arg", "arm", "graph_batch", "graph")."""
        if kind not in ENDPOINT_KINDS:
            raise ValueError(f"unknown endpoint kind {kind!r}; expected one of {sorted(ENDPOINT_KINDS)}")
        return sum(1 for record in self.requests if record.endpoint_kind == kind)

    def clear_requests(self) -> None:
        """Forget the recorded requests (e.g. after warming up a credential)."""
        self._running().log.clear()

    def set_faults(self, *faults: Fault) -> None:
        """Replace the configured faults while running (a test matrix shares one emulator)."""
        self._running().app.faults.replace(faults)

    @property
    def faults_injected(self) -> int:
        """How many requests (or ``$batch`` items) a configured fault answered so far."""
        return self._running().app.faults.injected

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions raised inside the emulator (answered as 500); a test can assert it is empty."""
        return list(self._server.internal_errors) if self._server is not None else []
