"""Microsoft Graph: credential metadata of the principals that hold a role over a registry.

Through ``$batch`` (20 requests each) with ``$select`` of only the needed fields, using an
``azure.core`` pipeline with the same credential. Service principals by object id, their
applications by ``appId`` (only for apps owned by this tenant), and a bare existence check
for users and groups. A 404 puts the id in ``missingPrincipals`` (a deleted principal); a
429 item is retried after its ``Retry-After``. ``hint``, ``secretText`` and ``key`` are never
selected, and are dropped again before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import short_message
from scanner.sources.secret_fields import scrub_lists

BATCH_SIZE = 20
MAX_ROUNDS = 6
WORKERS = 4  # $batch requests in flight at once (each already carries 20 lookups)
SP_FIELDS = "id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,passwordCredentials,keyCredentials"
APP_FIELDS = "id,appId,displayName,passwordCredentials,keyCredentials"
CREDENTIAL_LISTS = frozenset({"passwordcredentials", "keycredentials"})


def scrub_credentials(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop secret material from a Graph object's credential lists (never stored), and the
    ``@odata.*`` annotations, which describe the response rather than the object.

    Secret fields (``secretText``, ``hint``, ``key``, ``value``) go in any letter case, from
    ``passwordCredentials`` and ``keyCredentials`` in any letter case; items that are not
    objects are left for the snapshot schema to refuse.
    """
    for key in [k for k in obj if isinstance(k, str) and k.startswith("@odata.")]:
        del obj[key]
    scrub_lists(obj, CREDENTIAL_LISTS)
    return obj


@dataclass(slots=True)
class GraphResult:
    """The snapshot's ``graph`` section plus the errors met."""

    service_principals: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


class GraphReader:
    """Batched, read-only Microsoft Graph v1.0 lookups."""

    def __init__(
        self,
        credential: Any,
        cloud: Cloud,
        *,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
        per_call_policies: Iterable[Any] = (),
        workers: int = WORKERS,
    ) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import (
            BearerTokenCredentialPolicy,
            ContentDecodePolicy,
            HeadersPolicy,
            RetryPolicy,
            UserAgentPolicy,
        )

        self._client: Any = PipelineClient(
            base_url=cloud.microsoft_graph,
            policies=[
                HeadersPolicy({"Accept": "application/json"}),
                UserAgentPolicy("acr-policy-scanner"),
                RetryPolicy(retry_total=4, retry_backoff_factor=0.5, retry_backoff_max=30),
                BearerTokenCredentialPolicy(credential, cloud.graph_scope),
                ContentDecodePolicy(),
                *per_call_policies,
            ],
        )
        self._sleep = sleep
        self._log = log or (lambda _m: None)
        self._workers = max(1, workers)
        self._lock = Lock()
        self.requests = 0

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.close()

    def _post_batch(self, chunk: dict[str, str]) -> list[Any]:
        """One ``$batch`` POST (id → relative url); its ``responses``."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        body = {"requests": [{"id": k, "method": "GET", "url": url} for k, url in chunk.items()]}
        with self._lock:
            self.requests += 1
        response = self._client.send_request(HttpRequest("POST", self._client.format_url("/v1.0/$batch"), json=body))
        if response.status_code >= 400:
            raise HttpResponseError(response=response)
        return list(response.json().get("responses") or [])

    def _batch(self, urls: dict[str, str]) -> dict[str, tuple[int, Any]]:
        """GET every url (id → relative url) through $batch, a few batches at once; 429 items are retried."""
        results: dict[str, tuple[int, Any]] = {}
        pending = dict(urls)
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="graph") as pool:
            for _round in range(MAX_ROUNDS):
                if not pending:
                    break
                throttled: dict[str, str] = {}
                delay = 0.0
                keys = list(pending)
                chunks = [
                    {k: pending[k] for k in keys[start : start + BATCH_SIZE]}
                    for start in range(0, len(keys), BATCH_SIZE)
                ]
                for items in pool.map(self._post_batch, chunks):
                    for item in items:
                        key = str(item.get("id"))
                        status = int(item.get("status") or 0)
                        if status == 429 and key in pending:
                            throttled[key] = pending[key]
                            retry_after = (item.get("headers") or {}).get("Retry-After", "1")
                            delay = max(delay, float(retry_after) if str(retry_after).isdigit() else 1.0)
                        else:
                            results[key] = (status, item.get("body"))
                pending = throttled
                if pending:
                    self._log(f"microsoft graph throttled {len(pending)} request(s); retrying in {delay:.0f}s")
                    self._sleep(delay)
        for key in pending:
            results[key] = (429, {"error": {"code": "TooManyRequests", "message": "still throttled after retries"}})
        return results

    def collect(self, principals: dict[str, str], tenant_id: str | None) -> GraphResult:
        """Look up ``principals`` (object id → principalType from the role assignments)."""
        result = GraphResult()
        sp_urls = {
            pid: f"/servicePrincipals/{pid}?$select={SP_FIELDS}"
            for pid, kind in principals.items()
            if kind.lower() == "serviceprincipal"
        }
        other_urls = {
            pid: f"/directoryObjects/{pid}?$select=id"
            for pid, kind in principals.items()
            if kind.lower() != "serviceprincipal"
        }
        answers = self._batch({**sp_urls, **other_urls})
        app_urls: dict[str, str] = {}
        for pid in sorted(answers):
            status, body = answers[pid]
            if status == 404:
                result.missing.append(pid)
            elif status == 200 and pid in sp_urls and isinstance(body, dict):
                result.service_principals.append(scrub_credentials(dict(body)))
                owner = str(body.get("appOwnerOrganizationId") or "").lower()
                app_id = body.get("appId")
                if app_id and (tenant_id is None or owner == str(tenant_id).lower()):
                    app_urls[str(app_id)] = f"/applications(appId='{app_id}')?$select={APP_FIELDS}"
            elif status != 200:
                result.errors.append(self._error(pid, status, body))
        for app_id, (status, body) in sorted(self._batch(app_urls).items()):
            if status == 200 and isinstance(body, dict):
                result.applications.append(scrub_credentials(dict(body)))
            elif status != 404:  # 404: an app registered in another tenant
                result.errors.append(self._error(f"application {app_id}", status, body))
        return result

    @staticmethod
    def _error(what: str, status: int, body: Any) -> dict[str, Any]:
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return {
            "source": "graph",
            "scope": what,
            "status": status,
            "code": code,
            "message": short_message(Exception(message or f"HTTP {status}")),
            "affects": ["principal"],
        }
