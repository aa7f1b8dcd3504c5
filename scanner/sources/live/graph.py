"""Microsoft Graph: credential metadata of the principals that hold a role over a registry.

Through ``$batch`` (20 requests each) with ``$select`` of only the needed fields, using an
``azure.core`` pipeline with the same credential. Service principals by object id, their
applications by ``appId`` (only for apps owned by this tenant), a bare existence check
for users and groups that keeps their display names (``directoryObjects``), and the transitive
members of those groups (``groupMembers``, paged
through ``@odata.nextLink``, at most :data:`MAX_GROUP_MEMBERS` per group). A 404 puts the id in
``missingPrincipals`` (a deleted principal); a 429 or 5xx item, or one whose body is not the
object asked for, is asked again after its ``Retry-After`` (within ``--max-retry-wait``), and a
lookup still unanswered after the retries becomes an ``errors`` entry for that principal.
``hint``, ``secretText`` and ``key`` are never selected, and are dropped again before anything
is written.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Lock
from typing import Any

import msgspec

from scanner.azure.sections import GROUP_MEMBERS
from scanner.sources.live.bodies import kind_of, wrong_shape
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.exchange import Answer, exchange, json_answer
from scanner.sources.live.failures import CallFailed, call_name, from_status, one_line
from scanner.sources.live.pipelines import read_only_client
from scanner.sources.live.settings import ReaderSettings
from scanner.sources.live.shapes import items_problem, members_problem
from scanner.sources.secret_fields import scrub_lists

BATCH_SIZE = 20
WORKERS = 4  # $batch requests in flight at once (each already carries 20 lookups)
SP_FIELDS = "id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,passwordCredentials,keyCredentials"
APP_FIELDS = "id,appId,displayName,passwordCredentials,keyCredentials"
CREDENTIAL_LISTS = frozenset({"passwordcredentials", "keycredentials"})
MEMBER_FIELDS = "id,displayName,servicePrincipalType"
#: What a user or group holding a role is looked up with (Graph adds ``@odata.type``).
DIRECTORY_FIELDS = "id,displayName"
MEMBER_PAGE = 999  # Graph's largest $top for directory object collections
#: Transitive members read per group at most; a larger group is recorded as not expanded.
MAX_GROUP_MEMBERS = 5000


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


class GraphResult(msgspec.Struct):
    """The snapshot's ``graph`` section plus the errors met."""

    service_principals: list[dict[str, Any]] = msgspec.field(default_factory=list)
    applications: list[dict[str, Any]] = msgspec.field(default_factory=list)
    missing: list[str] = msgspec.field(default_factory=list)
    errors: list[dict[str, Any]] = msgspec.field(default_factory=list)
    group_members: dict[str, list[dict[str, Any]]] = msgspec.field(default_factory=dict)
    directory_objects: list[dict[str, Any]] = msgspec.field(default_factory=list)


#: What one lookup ended with: (status, checked body), or why it could not be answered.
Outcome = tuple[int, Any] | CallFailed
#: Checks a 200 item's body and returns what to keep; ValueError says what is wrong with it.
Check = Callable[[Any], Any]


def _credential_object(entity: str) -> Check:
    """The check of a service principal or application body: an object that fits the snapshot schema."""

    def check(body: Any) -> Any:
        if not isinstance(body, dict):
            raise ValueError(f"{kind_of(body)} where a {entity} object belongs")
        for name in ("passwordCredentials", "keyCredentials"):
            creds = body.get(name)
            if creds is not None and not (isinstance(creds, list) and all(isinstance(c, dict) for c in creds)):
                raise ValueError(f"'{name}' is {kind_of(creds)}, not an array of objects")
        kept = scrub_credentials(dict(body))
        problem = items_problem("graph", entity, [kept])
        if problem is not None:
            raise ValueError(problem)
        return kept

    return check


def _directory_object(body: Any) -> Any:
    """A user or group: its id, type and display name (a group's members are then expanded)."""
    if not isinstance(body, dict):
        raise ValueError(f"{kind_of(body)} where a directory object belongs")
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise ValueError(f"'id' is {kind_of(body.get('id'))}, not a string")
    for key in ("@odata.type", "displayName"):
        if not isinstance(body.get(key), str | None):
            raise ValueError(f"'{key}' is {kind_of(body.get(key))}, not a string")
    return {key: body[key] for key in ("id", "@odata.type", "displayName") if key in body}


def _members_page(body: Any) -> Any:
    """A page of a group's transitive members: ``value`` objects that fit the snapshot schema, maybe a nextLink."""
    if not isinstance(body, dict):
        raise ValueError(f"{kind_of(body)} where a page of members belongs")
    value = body.get("value")
    if not isinstance(value, list):
        raise ValueError(f"'value' is {kind_of(value)}, not an array of members")
    if not isinstance(body.get("@odata.nextLink"), str | None):
        raise ValueError(f"'@odata.nextLink' is {kind_of(body.get('@odata.nextLink'))}")
    problem = members_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return body


def batch_answers(call: str, answer: Answer) -> dict[str, dict[str, Any]]:
    """The answers of a ``$batch`` response by request id (each an object with a string id and an int status)."""
    data = json_answer(answer, call)
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise wrong_shape(call, answer.status, f"{kind_of(data)} where an object with 'responses' belongs")
    if not isinstance(responses, list):
        raise wrong_shape(call, answer.status, f"'responses' is {kind_of(responses)}, not an array")
    answered: dict[str, dict[str, Any]] = {}
    for n, item in enumerate(responses):
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
            raise wrong_shape(call, answer.status, f"responses[{n}] is not an object with a string id")
        status = item.get("status")
        if not isinstance(status, int) or isinstance(status, bool):
            raise wrong_shape(call, answer.status, f"responses[{n}].status is {kind_of(status)}")
        answered[item["id"]] = item
    return answered


class GraphReader:
    """Batched, read-only Microsoft Graph v1.0 lookups."""

    def __init__(
        self,
        credential: Any,
        cloud: Cloud,
        settings: ReaderSettings,
        *,
        workers: int = WORKERS,
    ) -> None:
        self._limits = settings.limits
        self._client = read_only_client(
            credential, cloud.microsoft_graph, cloud.graph_scope, self._limits, settings.per_call_policies
        )
        self._base = cloud.microsoft_graph
        self.call = call_name("POST", cloud.microsoft_graph + "/v1.0/$batch")
        self._verbose = settings.verbose
        self.retrier = settings.retrier("Microsoft Graph")
        self._workers = max(1, workers)
        self._lock = Lock()
        self.requests = 0

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.close()

    def _post_batch(self, chunk: dict[str, str]) -> dict[str, dict[str, Any]]:
        """One ``$batch`` POST (id → relative url), retried; its answers by id."""
        from azure.core.rest import HttpRequest

        body = {"requests": [{"id": k, "method": "GET", "url": url} for k, url in chunk.items()]}

        def attempt() -> dict[str, dict[str, Any]]:
            with self._lock:
                self.requests += 1
            request = HttpRequest("POST", self._client.format_url("/v1.0/$batch"), json=body)
            return batch_answers(self.call, exchange(self._client.send_request, request, self.call))

        return self.retrier.run(self.call, attempt)

    def _post_or_failure(self, chunk: dict[str, str]) -> dict[str, dict[str, Any]] | CallFailed:
        """A batch's answers, or (scoped to its principals) why it failed after its retries."""
        try:
            return self._post_batch(chunk)
        except CallFailed as failed:
            if failed.fatal:
                raise
            return failed

    def _item_call(self, url: str) -> str:
        return f"{call_name('GET', self._base + '/v1.0' + url)} (in $batch)"

    def _item(self, url: str, item: dict[str, Any] | None, check: Check) -> tuple[Outcome, bool]:
        """(outcome, worth another round) of one lookup's answer."""
        call = self._item_call(url)
        if item is None:
            return CallFailed(call, "the $batch response has no answer for it", retryable=True), True
        status, body = int(item["status"]), item.get("body")
        if status == 200 and "body" not in item:
            return CallFailed(call, "HTTP 200 answered without a body", status=200), True
        if status == 200:
            try:
                return (200, check(body)), False
            except ValueError as exc:
                return CallFailed(call, f"HTTP 200 answered JSON of the wrong shape: {exc}", status=200), True
        headers = item.get("headers") if isinstance(item.get("headers"), dict) else {}
        failed = from_status(call, status, headers, body)
        if failed.retryable:
            return failed, True
        return (status, body), False

    def _batch(self, urls: dict[str, str], check: Callable[[str], Check]) -> dict[str, Outcome]:
        """GET every url (id → relative url) through $batch, a few batches at once.

        Lookups answered 429, 5xx, not at all, or with a body of the wrong shape are asked again
        in the next round, at most ``--max-retries`` rounds, after the longest ``Retry-After``
        within ``--max-retry-wait`` (else backoff).
        """
        results: dict[str, Outcome] = {}
        pending = dict(urls)
        last: dict[str, CallFailed] = {}
        rounds = 0
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="graph") as pool:
            while pending:
                rounds += 1
                if rounds > 1 + self._limits.max_retries:
                    break
                try:
                    if rounds > 1:
                        self._between_rounds(last, pending, rounds - 1)
                    self.retrier.check(self.call)
                except CallFailed as stopped:
                    results.update({key: stopped for key in pending})
                    return results
                keys = list(pending)
                chunks = [
                    {k: pending[k] for k in keys[start : start + BATCH_SIZE]}
                    for start in range(0, len(keys), BATCH_SIZE)
                ]
                again: dict[str, str] = {}
                for chunk, outcome in zip(chunks, pool.map(self._post_or_failure, chunks), strict=True):
                    for key, url in chunk.items():
                        if isinstance(outcome, CallFailed):  # the POST itself failed after its own retries
                            results[key] = outcome
                            continue
                        answer, retry = self._item(url, outcome.get(key), check(key))
                        if retry and isinstance(answer, CallFailed):
                            again[key], last[key] = url, answer
                        else:
                            results[key] = answer
                pending = again
        for key in pending:
            results[key] = self.retrier.exhausted(last[key], rounds - 1)
        return results

    def _between_rounds(self, last: dict[str, CallFailed], pending: dict[str, str], round_: int) -> None:
        """Wait before asking the pending lookups again: the longest Retry-After within the cap."""
        cap = self._limits.max_retry_wait
        asked = [f.retry_after for key in pending if (f := last[key]).retry_after is not None]
        delay = max((a for a in asked if a <= cap), default=0.0)
        if not asked or any(a > cap for a in asked):
            delay = max(delay, self._limits.backoff(round_))
        self._verbose(f"microsoft graph: {len(pending)} lookup(s) to retry; waiting {delay:.1f}s")
        self.retrier.wait(self.call, delay, "between $batch rounds")

    def collect(self, principals: dict[str, str], tenant_id: str | None) -> GraphResult:
        """Look up ``principals`` (object id → principalType from the role assignments)."""
        self.retrier.restart()
        result = GraphResult()
        sp_urls = {
            pid: f"/servicePrincipals/{pid}?$select={SP_FIELDS}"
            for pid, kind in principals.items()
            if kind.lower() == "serviceprincipal"
        }
        other_urls = {
            pid: f"/directoryObjects/{pid}?$select={DIRECTORY_FIELDS}"
            for pid, kind in principals.items()
            if kind.lower() != "serviceprincipal"
        }
        check_sp = _credential_object("servicePrincipals")
        answers = self._batch({**sp_urls, **other_urls}, lambda pid: check_sp if pid in sp_urls else _directory_object)
        app_urls: dict[str, str] = {}
        for pid in sorted(answers):
            outcome = answers[pid]
            if isinstance(outcome, CallFailed):
                result.errors.append(self._failure(pid, outcome))
                continue
            status, body = outcome
            if status == 404:
                result.missing.append(pid)
            elif status == 200 and pid not in sp_urls:
                result.directory_objects.append(body)
            elif status == 200:
                result.service_principals.append(body)
                owner = str(body.get("appOwnerOrganizationId") or "").lower()
                app_id = body.get("appId")
                if app_id and (tenant_id is None or owner == str(tenant_id).lower()):
                    app_urls[str(app_id)] = f"/applications(appId='{app_id}')?$select={APP_FIELDS}"
            elif status != 200:
                result.errors.append(self._error(pid, status, body))
        check_app = _credential_object("applications")
        for app_id, outcome in sorted(self._batch(app_urls, lambda _key: check_app).items()):
            if isinstance(outcome, CallFailed):
                result.errors.append(self._failure(f"application {app_id}", outcome))
                continue
            status, body = outcome
            if status == 200:
                result.applications.append(body)
            elif status != 404:  # 404: an app registered in another tenant
                result.errors.append(self._error(f"application {app_id}", status, body))
        unanswered = set(result.missing) | {str(e["scope"]) for e in result.errors}
        groups = sorted(pid for pid, kind in principals.items() if kind.lower() == "group" and pid not in unanswered)
        result.group_members = self.group_members(groups, result.errors)
        return result

    def group_members(
        self, group_ids: list[str], errors: list[dict[str, Any]], limit: int | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Group id → its transitive members (``$batch``, following ``@odata.nextLink``). A group whose
        pages cannot all be read, or with more than ``limit`` (default :data:`MAX_GROUP_MEMBERS`)
        members, is left out (unknown) with an ``errors`` entry scoped ``group <id>``."""
        limit = MAX_GROUP_MEMBERS if limit is None else limit
        read: dict[str, list[dict[str, Any]]] = {gid: [] for gid in group_ids}
        pending = {
            gid: f"/groups/{gid}/transitiveMembers?$select={MEMBER_FIELDS}&$top={MEMBER_PAGE}" for gid in group_ids
        }
        seen: set[str] = set(pending.values())
        done: dict[str, list[dict[str, Any]]] = {}
        while pending:
            following: dict[str, str] = {}
            for gid, outcome in sorted(self._batch(pending, lambda _key: _members_page).items()):
                where = f"group {gid}"
                if isinstance(outcome, CallFailed):
                    errors.append(self._failure(where, outcome, GROUP_MEMBERS))
                    continue
                status, body = outcome
                if status != 200:
                    errors.append(self._error(where, status, body, GROUP_MEMBERS))
                    continue
                read[gid].extend(body["value"])
                link = body.get("@odata.nextLink")
                problem = self._members_problem(len(read[gid]), limit, link, seen)
                if problem is not None:
                    failed = CallFailed(self._item_call(pending[gid]), problem)
                    errors.append(self._failure(where, failed, GROUP_MEMBERS))
                elif link:
                    following[gid] = self._relative(link)
                    seen.add(following[gid])
                else:
                    done[gid] = sorted(read[gid], key=lambda member: str(member["id"]).lower())
            pending = following
        return done

    def _members_problem(self, count: int, limit: int, link: str | None, seen: set[str]) -> str | None:
        """Why a group's expansion stops here (too many members, a nextLink that cannot be followed)."""
        if count > limit:
            return f"more than {limit} transitive members: the group's members are not collected"
        if not link:
            return None
        relative = self._relative(link)
        if not relative:
            return "@odata.nextLink points outside Microsoft Graph v1.0"
        if relative in seen:
            return "@odata.nextLink points back to a page already read (a paging loop)"
        return None

    def _relative(self, link: str) -> str:
        """A nextLink as a ``$batch`` url (relative to ``/v1.0``); empty when it leaves Graph."""
        prefix = self._base.rstrip("/") + "/v1.0/"
        if not link.lower().startswith(prefix.lower()):
            return ""
        return "/" + link[len(prefix) :]

    @staticmethod
    def _failure(what: str, failed: CallFailed, affects: str = "principal") -> dict[str, Any]:
        return {
            "source": "graph",
            "scope": what,
            "status": failed.status,
            "code": failed.code,
            "message": failed.entry_message(),
            "affects": [affects],
        }

    @staticmethod
    def _error(what: str, status: int, body: Any, affects: str = "principal") -> dict[str, Any]:
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return {
            "source": "graph",
            "scope": what,
            "status": status,
            "code": code if isinstance(code, str) else None,
            "message": one_line(message if isinstance(message, str) and message.strip() else f"HTTP {status}"),
            "affects": [affects],
        }
