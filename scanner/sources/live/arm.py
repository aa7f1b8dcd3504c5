"""The ARM calls Resource Graph cannot answer: tokens, scope maps, usages, diagnostic settings,
cache rules, credential sets, connected registries, and the ``config/web`` of container sites.

Through one read-only azure-core client (:mod:`scanner.sources.live.pipelines`). Lists are
fetched as raw JSON (``nextLink`` paging) so the snapshot holds the payloads exactly as Azure
returned them; the api-versions are those of ``azure-mgmt-containerregistry`` 15. Registries
are read with bounded concurrency; a 403 or 404 on one registry becomes an ``errors`` entry and
the others go on, and so does a list that still fails after its retries (a dropped connection,
a 5xx storm, a body that is not the list it should be): its rules report ``unknown``. Only
GETs: never ``listCredentials``, ``generateCredentials`` or anything that writes; a credential
set's list holds Key Vault secret *identifiers*, and no secret is ever fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from threading import Event, Lock
from typing import Any

from scanner.azure.ids import norm, subscription_of
from scanner.azure.sections import SITE_CONFIG
from scanner.sources.live.bodies import kind_of, wrong_shape
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import forbidden_hint
from scanner.sources.live.exchange import Answer, exchange, json_answer
from scanner.sources.live.failures import CallFailed, call_name
from scanner.sources.live.pipelines import registry_client
from scanner.sources.live.settings import ReaderSettings
from scanner.sources.live.shapes import items_problem, site_config_problem
from scanner.sources.secret_fields import scrub_lists

ACR_API_VERSION = "2025-11-01"  # azure-mgmt-containerregistry 15 default
DIAGNOSTIC_SETTINGS_API = "2021-05-01-preview"
PRIVATE_DNS_API = "2024-06-01"
WEB_API_VERSION = "2024-11-01"  # Microsoft.Web sites/config/web
#: Snapshot list → the path under a registry id that lists it, and its api-version.
REGISTRY_LISTS: dict[str, tuple[str, str]] = {
    "tokens": ("/tokens", ACR_API_VERSION),
    "scopeMaps": ("/scopeMaps", ACR_API_VERSION),
    "usages": ("/listUsages", ACR_API_VERSION),
    "diagnosticSettings": ("/providers/Microsoft.Insights/diagnosticSettings", DIAGNOSTIC_SETTINGS_API),
    "cacheRules": ("/cacheRules", ACR_API_VERSION),
    "credentialSets": ("/credentialSets", ACR_API_VERSION),
    "connectedRegistries": ("/connectedRegistries", ACR_API_VERSION),
}


def scrub_token_passwords(token: Any) -> Any:
    """Token passwords' ``value`` is secret material: never stored (any letter case: :mod:`secret_fields`)."""
    properties = token.get("properties") if isinstance(token, dict) else None
    creds = properties.get("credentials") if isinstance(properties, dict) else None
    if isinstance(creds, dict):
        scrub_lists(creds, frozenset({"passwords"}))
    return token


def error_entry(scope: str, failed: CallFailed, affects: str, hint: str | None = None) -> dict[str, Any]:
    """The snapshot ``errors`` entry of one ARM list that could not be read."""
    message = failed.entry_message()
    if failed.status == 403 and hint:
        message = f"{message} ({hint})"
    return {
        "source": "arm",
        "scope": scope,
        "status": failed.status,
        "code": failed.code,
        "message": message,
        "affects": [affects],
    }


def is_container_site(row: Any) -> bool:
    """Whether an App Service site runs a container image (kind or ``linuxFxVersion`` says so).

    Resource Graph rows of sites carry ``kind`` but leave most of ``siteConfig`` empty, so either
    sign is enough to ask ARM for the site's ``config/web``.
    """
    if not isinstance(row, dict):
        return False
    kind = row.get("kind")
    properties = row.get("properties")
    config = properties.get("siteConfig") if isinstance(properties, dict) else None
    fx = config.get("linuxFxVersion") if isinstance(config, dict) else None
    return (isinstance(kind, str) and "container" in kind.lower()) or (
        isinstance(fx, str) and fx.upper().startswith("DOCKER|")
    )


def site_config_body(call: str, answer: Answer, site_id: str) -> dict[str, Any]:
    """A site's ``config/web`` resource: an object that fits the snapshot schema, of that site."""
    body = json_answer(answer, call)
    if not isinstance(body, dict):
        raise wrong_shape(call, answer.status, f"{kind_of(body)} where a site configuration object belongs")
    problem = site_config_problem(body)
    if problem is not None:
        raise wrong_shape(call, answer.status, problem)
    if norm(str(body["id"])) != norm(f"{site_id}/config/web"):
        raise wrong_shape(call, answer.status, "the configuration's 'id' is not the site's config/web")
    return body


def list_page(call: str, answer: Answer, name: str, section: str = "arm") -> dict[str, Any]:
    """One page of an ARM list (``value`` and ``nextLink``), its items checked against the snapshot schema."""
    page = json_answer(answer, call)
    if not isinstance(page, dict):
        raise wrong_shape(call, answer.status, f"{kind_of(page)} where an object with 'value' belongs")
    value = page.get("value")
    if value is None:
        value = page["value"] = []
    if not isinstance(value, list):
        raise wrong_shape(call, answer.status, f"'value' is {kind_of(value)}, not an array")
    if not isinstance(page.get("nextLink"), str | None):
        raise wrong_shape(call, answer.status, f"'nextLink' is {kind_of(page.get('nextLink'))}")
    if name == "tokens":
        page["value"] = [scrub_token_passwords(t) for t in value]
    problem = items_problem(section, name, page["value"])
    if problem is not None:
        raise wrong_shape(call, answer.status, problem)
    return page


class ArmReader:
    """Reads the per-registry ARM lists for the snapshot's ``arm`` section."""

    def __init__(
        self,
        credential: Any,
        cloud: Cloud,
        settings: ReaderSettings,
        *,
        workers: int = 8,
    ) -> None:
        self._cloud = cloud
        self._workers = workers
        self._settings = settings
        self._credential = credential
        self._clients: dict[str, Any] = {}  # subscription id -> azure-mgmt-containerregistry client
        self._lock = Lock()
        self.retrier = settings.retrier("ARM")
        self.requests = 0

    def _client(self, url: str) -> Any:
        """The SDK client of the subscription ``url`` is under (one per subscription, as Azure's SDK wants)."""
        subscription = subscription_of(url) or ""
        with self._lock:
            client = self._clients.get(subscription)
            if client is None:
                cloud = self._cloud
                client = self._clients[subscription] = registry_client(
                    self._credential,
                    subscription,
                    cloud.resource_manager,
                    cloud.arm_scope,
                    self._settings.limits,
                    self._settings.per_call_policies,
                )
            return client

    def close(self) -> None:
        """Release every client's HTTP session."""
        for client in self._clients.values():
            client.close()

    def _page(self, url: str, params: dict[str, str] | None, name: str, section: str) -> dict[str, Any]:
        """One page of a list, retried; its ``value`` checked against the snapshot schema."""
        from azure.core.rest import HttpRequest

        call = call_name("GET", url if "://" in url else self._cloud.resource_manager + url)

        def attempt() -> dict[str, Any]:
            with self._lock:
                self.requests += 1
            client = self._client(url)
            request = HttpRequest("GET", url, params=params)
            answer = exchange(client.send_request, request, call)
            return list_page(call, answer, name, section)

        return self.retrier.run(call, attempt, kind=name)

    def _get_list(self, path: str, api_version: str | None, name: str, section: str = "arm") -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: str | None = path
        params = {"api-version": api_version} if api_version else None
        seen: set[str] = set()
        while url:
            page = self._page(url, params, name, section)
            items.extend(page["value"])
            url = page.get("nextLink") or None
            if url is not None and url in seen:
                raise CallFailed(call_name("GET", url), "nextLink points back to a page already read (a paging loop)")
            if url is not None:
                seen.add(url)
            params = None  # nextLink carries its own query string
        return items

    def registry(self, registry_id: str) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        """The lists of one registry (:data:`REGISTRY_LISTS`), and ``errors`` entries for what failed."""
        lists: dict[str, list[dict[str, Any]]] = {}
        errors: list[dict[str, Any]] = []
        for key, (suffix, api_version) in REGISTRY_LISTS.items():
            try:
                lists[key] = self._get_list(f"{registry_id}{suffix}", api_version, key)
            except CallFailed as failed:
                if failed.fatal:
                    raise
                errors.append(
                    error_entry(registry_id, failed, key, forbidden_hint(registry_id, "read access to " + key))
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
        self.retrier.restart()

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

    def _site_config(self, site_id: str) -> dict[str, Any]:
        """One GET of ``{site id}/config/web``, retried."""
        from azure.core.rest import HttpRequest

        url = f"{site_id}/config/web"
        call = call_name("GET", self._cloud.resource_manager + url)

        def attempt() -> dict[str, Any]:
            with self._lock:
                self.requests += 1
            request = HttpRequest("GET", url, params={"api-version": WEB_API_VERSION})
            return site_config_body(call, exchange(self._client(url).send_request, request, call), site_id)

        return self.retrier.run(call, attempt, kind="siteConfig")

    def site_configs(self, site_ids: Sequence[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """``arm`` entries of container sites (lower-cased site id → ``{"siteConfig": body}``) and the errors met.

        A site that cannot be read (a 403, a 404, a body of the wrong shape after its retries)
        gets an ``errors`` entry scoped to it, and its configuration stays unknown.
        """

        def one(site_id: str) -> dict[str, Any] | CallFailed:
            try:
                return self._site_config(site_id)
            except CallFailed as failed:
                if failed.fatal:
                    raise
                return failed

        entries: dict[str, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="arm-sites") as pool:
            for site_id, outcome in zip(site_ids, pool.map(one, site_ids), strict=True):
                if isinstance(outcome, CallFailed):
                    hint = forbidden_hint(site_id, "Microsoft.Web/sites/config/read")
                    errors.append(error_entry(site_id, outcome, SITE_CONFIG, hint))
                else:
                    entries[norm(site_id)] = {SITE_CONFIG: outcome}
        return entries, errors

    def private_dns_records(self, zone_ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A record sets of the zones through the Private DNS ARM API (fallback for dnsresources)."""
        rows: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for zone_id in zone_ids:
            try:
                rows.extend(self._get_list(f"{zone_id}/A", PRIVATE_DNS_API, "privateDnsRecordSets", "resourceGraph"))
            except CallFailed as failed:
                if failed.fatal:
                    raise
                errors.append(error_entry(zone_id, failed, "privateDnsRecordSets"))
        return rows, errors
