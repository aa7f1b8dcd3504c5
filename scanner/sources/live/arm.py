"""The ARM calls Resource Graph cannot answer: tokens, scope maps, usages, diagnostic settings.

Through ``azure-mgmt-containerregistry`` (one client per subscription). Lists are fetched as
raw JSON (the client's ``send_request`` with ``nextLink`` paging) so the snapshot holds the
payloads exactly as Azure returned them. Registries are read with bounded concurrency; a 403
or 404 on one registry becomes an ``errors`` entry and the others go on. Only GETs: never
``listCredentials``, ``generateCredentials`` or anything that writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from threading import Event, Lock
from typing import Any

from scanner.inventory.ids import norm, resource_group_of, subscription_of
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import error_code, forbidden_hint, short_message
from scanner.sources.secret_fields import scrub_lists

ACR_API_VERSION = "2025-11-01"  # azure-mgmt-containerregistry 15 default
DIAGNOSTIC_SETTINGS_API = "2021-05-01-preview"
PRIVATE_DNS_API = "2024-06-01"


class ArmReader:
    """Reads the per-registry ARM lists for the snapshot's ``arm`` section."""

    def __init__(
        self,
        credential: Any,
        cloud: Cloud,
        *,
        workers: int = 8,
        log: Callable[[str], None] | None = None,
        **client_kwargs: Any,
    ) -> None:
        self._credential = credential
        self._cloud = cloud
        self._workers = workers
        self._log = log or (lambda _m: None)
        self._client_kwargs = client_kwargs
        self._clients: dict[str, Any] = {}
        self._lock = Lock()
        self.requests = 0

    def _client(self, subscription: str) -> Any:
        from azure.mgmt.containerregistry import ContainerRegistryManagementClient

        with self._lock:
            client = self._clients.get(subscription)
            if client is None:
                client = self._clients[subscription] = ContainerRegistryManagementClient(
                    self._credential,
                    subscription,
                    base_url=self._cloud.resource_manager,
                    credential_scopes=[self._cloud.arm_scope],
                    retry_total=4,
                    retry_backoff_factor=0.5,
                    retry_backoff_max=30,
                    **self._client_kwargs,
                )
            return client

    def close(self) -> None:
        """Release every client's HTTP session."""
        for client in self._clients.values():
            client.close()

    def _get_list(self, client: Any, path: str, api_version: str | None) -> list[dict[str, Any]]:
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        items: list[dict[str, Any]] = []
        url: str | None = path
        params = {"api-version": api_version} if api_version else None
        while url:
            with self._lock:
                self.requests += 1
            response = client.send_request(HttpRequest("GET", url, params=params))
            if response.status_code >= 400:
                raise HttpResponseError(response=response)
            page = response.json()
            items.extend(page.get("value") or [])
            url = page.get("nextLink")
            params = None  # nextLink carries its own query string
        return items

    @staticmethod
    def _scrub_token(token: dict[str, Any]) -> dict[str, Any]:
        """Token passwords' ``value`` is secret material: never stored (SNAPSHOT.md)."""
        props = token.get("properties")
        creds = props.get("credentials") if isinstance(props, dict) else None
        if isinstance(creds, dict):
            scrub_lists(creds, frozenset({"passwords"}))  # (any letter case, as secret_fields explains)
        return token

    def _usages(self, client: Any, resource_group: str, name: str) -> list[dict[str, Any]]:
        with self._lock:
            self.requests += 1
        page = client.registries.list_usages(
            resource_group, name, cls=lambda pipeline_response, _d, _h: pipeline_response.http_response.json()
        )
        return list(page.get("value") or [])

    def registry(self, registry_id: str) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        """The four lists of one registry, and ``errors`` entries for what failed."""
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

        subscription = subscription_of(registry_id) or ""
        resource_group = resource_group_of(registry_id) or ""
        name = registry_id.rstrip("/").rsplit("/", 1)[-1]
        client = self._client(subscription)
        lists: dict[str, list[dict[str, Any]]] = {}
        errors: list[dict[str, Any]] = []
        fetchers: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "tokens": lambda: [
                self._scrub_token(t) for t in self._get_list(client, f"{registry_id}/tokens", ACR_API_VERSION)
            ],
            "scopeMaps": lambda: self._get_list(client, f"{registry_id}/scopeMaps", ACR_API_VERSION),
            "usages": lambda: self._usages(client, resource_group, name),
            "diagnosticSettings": lambda: self._get_list(
                client, f"{registry_id}/providers/Microsoft.Insights/diagnosticSettings", DIAGNOSTIC_SETTINGS_API
            ),
        }
        for key, fetch in fetchers.items():
            try:
                lists[key] = fetch()
            except ClientAuthenticationError:
                raise
            except HttpResponseError as exc:
                message = short_message(exc)
                if exc.status_code == 403:
                    message = f"{message} ({forbidden_hint(registry_id, 'read access to ' + key)})"
                errors.append(
                    {
                        "source": "arm",
                        "scope": registry_id,
                        "status": exc.status_code,
                        "code": error_code(exc),
                        "message": message,
                        "affects": [key],
                    }
                )
        return lists, errors

    def collect(
        self,
        registry_ids: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        cancel: Event | None = None,
    ) -> tuple[dict[str, dict[str, list[dict[str, Any]]]], list[dict[str, Any]]]:
        """``arm`` section (keyed by lower-cased registry id) and the errors met.

        Registries are read ``workers`` at a time. The first exception that is not scoped to
        one registry (authentication, network) stops the rest and is raised; so does ``cancel``
        being set by the caller (whatever was read so far is then returned).
        """
        stop = cancel if cancel is not None else Event()

        def one(registry_id: str) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]] | None:
            return None if stop.is_set() else self.registry(registry_id)

        arm: dict[str, dict[str, list[dict[str, Any]]]] = {}
        errors: list[dict[str, Any]] = []
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="arm") as pool:
            futures = [pool.submit(one, registry_id) for registry_id in registry_ids]
            try:
                for done, (registry_id, future) in enumerate(zip(registry_ids, futures, strict=True), start=1):
                    outcome = future.result()
                    if outcome is None:
                        break
                    arm[norm(registry_id)], failed = outcome
                    errors.extend(failed)
                    if progress is not None:
                        progress(done, len(registry_ids))
            except BaseException:
                stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return arm, errors

    def private_dns_records(self, zone_ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A record sets of the zones through the Private DNS ARM API (fallback for dnsresources)."""
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

        rows: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for zone_id in zone_ids:
            client = self._client(subscription_of(zone_id) or "")
            try:
                rows.extend(self._get_list(client, f"{zone_id}/A", PRIVATE_DNS_API))
            except ClientAuthenticationError:
                raise
            except HttpResponseError as exc:
                errors.append(
                    {
                        "source": "arm",
                        "scope": zone_id,
                        "status": exc.status_code,
                        "code": error_code(exc),
                        "message": short_message(exc),
                        "affects": ["privateDnsRecordSets"],
                    }
                )
        return rows, errors
