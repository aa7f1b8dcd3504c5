"""Resource Graph: one query per snapshot list, paged, chunked and quota-aware.

* ``azure-mgmt-resourcegraph`` 8.0.1 is pinned to api-version 2021-03-01, its model lacks
  ``authorizationScopeFilter`` and its ``resources`` operation cannot stream (so cannot cap) a
  body: requests are raw JSON POSTs with api-version 2024-04-01 through a read-only azure-core
  client (:mod:`scanner.sources.live.pipelines`), the same wire request the SDK sends.
* Pages: ``$top`` 1000 and ``$skipToken`` (the queries keep ``id``, which paging requires).
* Subscriptions go in chunks of at most 1,000 per request.
* Quota: every response carries ``x-ms-user-quota-remaining`` and
  ``x-ms-user-quota-resets-after``; when the remaining count reaches zero the reader waits for
  the window to reset *before* sending, so a well-behaved scan never sees a 429. The header is
  whole seconds, rounded up: each response only says "the window resets at the latest
  ``received + resets-after``". Every response of one window gives such a bound, so the reader
  keeps the earliest (the first response of a window bounds it to within one round trip of
  the true reset, where a single rounded header over-waits by half a second on average). If a
  request sent on that estimate is refused anyway (a service that keeps time differently), the
  reader stops tightening and trusts each header alone. A 429 or 5xx that happens anyway, a
  dropped connection or a body that is not a result page is retried with bounded backoff
  (:mod:`scanner.sources.live.retrying`; the SDK's own retry is off so the two do not stack),
  and no wait, for the quota or a ``Retry-After``, exceeds ``--max-retry-wait``.
* ``ResponsePayloadTooLarge`` splits the subscription chunk (or halves ``$top`` for a single
  subscription); a 403 on a chunk is narrowed down to the subscriptions that refuse, which
  become ``errors`` entries while the rest of the scan goes on. A chunk that keeps failing
  otherwise (5xx, unusable pages) is narrowed the same way while its halves can be read
  (:meth:`ResourceGraphReader._narrowed`), so one subscription's failure is that subscription's gap.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from importlib import resources
from typing import Any

from scanner.azure.sections import CONSUMER_LISTS, DEFENDER_LISTS
from scanner.sources.live.bodies import kind_of, wrong_shape
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import forbidden_hint
from scanner.sources.live.exchange import Answer, exchange, json_answer
from scanner.sources.live.failures import CallFailed, call_name, from_status, parse_retry_after
from scanner.sources.live.pipelines import read_only_client
from scanner.sources.live.query_results import QueryFailure, QueryResult, Scope, narrowable, per_subscription
from scanner.sources.live.settings import ReaderSettings
from scanner.sources.live.shapes import items_problem

API_VERSION = "2024-04-01"
ARG_PATH = "/providers/Microsoft.ResourceGraph/resources"
PAGE_SIZE = 1000
MAX_SUBSCRIPTIONS = 1000
PACE_MARGIN = 0.05  # seconds added to a quota wait
NARROWING = "narrowing"  # the breaker kind of the requests that narrow down a failure

TABLE_OF_LIST = {
    "registries": "resources",
    "replications": "resources",
    "webhooks": "resources",
    "privateEndpoints": "resources",
    "networkInterfaces": "resources",
    "privateDnsZones": "resources",
    "virtualNetworkLinks": "resources",
    "privateDnsRecordSets": "dnsresources",
    "roleAssignments": "authorizationresources",
    "roleDefinitions": "authorizationresources",
    "subscriptions": "resourcecontainers",
    **dict.fromkeys(CONSUMER_LISTS, "resources"),
    **dict.fromkeys(DEFENDER_LISTS, "securityresources"),
}


def query_text(name: str) -> str:
    """The KQL of one snapshot list (kept in ``queries/<name>.kql``)."""
    return resources.files("scanner.sources.live").joinpath("queries", f"{name}.kql").read_text(encoding="utf-8")


class _PayloadTooLarge(Exception):
    pass


class _Forbidden(Exception):
    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _chunks(subscriptions: Sequence[str]) -> list[Sequence[str]]:
    """``subscriptions`` in requests of at most :data:`MAX_SUBSCRIPTIONS` (none for none)."""
    size = MAX_SUBSCRIPTIONS
    return [subscriptions[start : start + size] for start in range(0, len(subscriptions), size)]


def _parse_resets_after(value: str | None) -> float | None:
    """``hh:mm:ss`` (possibly with fractions) → seconds."""
    if not value:
        return None
    try:
        hours, minutes, seconds = value.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def result_page(call: str, answer: Answer, name: str | None) -> dict[str, Any]:
    """One result page (``data`` rows, maybe a ``$skipToken``); the rows of list ``name`` fit the snapshot schema."""
    page = json_answer(answer, call)
    if not isinstance(page, dict):
        raise wrong_shape(call, answer.status, f"{kind_of(page)} where a result page belongs")
    rows = page.get("data")
    if not isinstance(rows, list):
        raise wrong_shape(call, answer.status, f"'data' is {kind_of(rows)}, not an array of rows")
    if not isinstance(page.get("$skipToken"), str | None):
        raise wrong_shape(call, answer.status, f"'$skipToken' is {kind_of(page.get('$skipToken'))}")
    problem = items_problem("resourceGraph", name, rows) if name else None
    if problem is not None:
        raise wrong_shape(call, answer.status, f"rows that do not fit the snapshot schema: {problem}")
    return page


class ResourceGraphReader:
    """Runs the snapshot's Resource Graph queries (``POST /providers/Microsoft.ResourceGraph/resources``)."""

    def __init__(self, credential: Any, cloud: Cloud, settings: ReaderSettings) -> None:
        self._client = read_only_client(
            credential, cloud.resource_manager, cloud.arm_scope, settings.limits, settings.per_call_policies
        )
        self.call = call_name("POST", cloud.resource_manager + ARG_PATH)
        self._clock = settings.clock
        self._log = settings.log
        self._verbose = settings.verbose
        self.retrier = settings.retrier("Resource Graph")
        self.requests = 0
        self.throttled = 0
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._tighten = True  # take the earliest bound of a window (off after a surprise 429)
        self._paced = False  # the next request is the first after a quota wait
        self._covered_by: dict[Scope, list[str] | None] = {}  # management-group/tenant scope → its subscriptions

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.close()

    @property
    def waited(self) -> float:
        """Seconds spent waiting for the quota and between retries."""
        return self.retrier.waited

    # -- pacing ---------------------------------------------------------------------------
    def _pace(self) -> None:
        """Wait for the quota window to reset when the last response said none is left."""
        if self._remaining is not None and self._remaining <= 0 and self._reset_at is not None:
            delay = self._reset_at - self._clock.now()
            if delay > 0:
                self._verbose(f"resource graph quota used up; waiting {delay:.2f}s for the window to reset")
                self.retrier.wait(self.call, delay + PACE_MARGIN, "the quota window to reset")
            self._remaining = None
            self._paced = True

    def _note_quota(self, headers: Any, sent_at: float, throttled: bool = False) -> None:
        """Track the window from the quota headers of one response to a request sent at ``sent_at``.

        ``received + resets-after`` is an upper bound of the reset (the header is rounded up
        and the service read its clock before the response arrived). Within one window the
        earliest bound wins. A response starts a new window when the remaining count did not
        go down (every admitted request of a window spends one unit; a 429 spends none) or when
        the request left after the previous window's bound had passed.
        """
        remaining = headers.get("x-ms-user-quota-remaining")
        if remaining is None or not str(remaining).lstrip("-").isdigit():
            return
        resets = _parse_resets_after(headers.get("x-ms-user-quota-resets-after"))
        count = int(remaining)
        bound = self._clock.now() + (resets if resets is not None else 5.0)
        previous, reset_at = self._remaining, self._reset_at
        same_window = (
            self._tighten
            and reset_at is not None
            and sent_at < reset_at
            and (throttled or (previous is not None and count < previous))
        )
        self._reset_at = min(reset_at, bound) if same_window and reset_at is not None else bound
        self._remaining = count

    # -- one request ----------------------------------------------------------------------
    def _send(self, body: dict[str, Any], name: str | None = None, kind: str = "") -> dict[str, Any]:
        """One page, retried within the limits; the rows of list ``name`` checked against the snapshot schema."""
        return self.retrier.run(self.call, lambda: self._attempt(body, name), kind)

    def _attempt(self, body: dict[str, Any], name: str | None) -> dict[str, Any]:
        self._pace()
        after_wait, self._paced = self._paced, False
        self.requests += 1
        sent_at = self._clock.now()
        answer = self._query(body)
        throttled = answer.status == 429
        if throttled and after_wait and self._tighten:
            self._verbose("resource graph refused a request sent at the estimated reset; trusting headers alone")
            self._tighten = False
        self._note_quota(answer.headers, sent_at, throttled=throttled)
        if answer.status >= 400:
            raise self._refusal(answer)
        return result_page(self.call, answer, name)

    def _query(self, body: dict[str, Any]) -> Answer:
        """One POST of a raw JSON body (the SDK's model lacks ``authorizationScopeFilter``)."""
        from azure.core.rest import HttpRequest

        request = HttpRequest("POST", self._client.format_url(ARG_PATH), params={"api-version": API_VERSION}, json=body)
        return exchange(self._client.send_request, request, self.call)

    def _refusal(self, answer: Answer) -> Exception:
        """What an error status means here: split the request, narrow a 403, or retry."""
        failed = from_status(self.call, answer.status, answer.headers, answer.error_body())
        if failed.code == "ResponsePayloadTooLarge" or (
            answer.status == 400 and b"ResponsePayloadTooLarge" in answer.raw
        ):
            return _PayloadTooLarge()
        if answer.status == 403:
            return _Forbidden(answer.status, failed.code, failed.detail or failed.cause)
        if answer.status == 429:
            self.throttled += 1
            failed.retry_after = self._retry_delay(answer.headers)
        return failed

    def _retry_delay(self, headers: Any) -> float | None:
        """How long a 429 asks to wait: ``Retry-After``, else the quota reset (None: back off)."""
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after is not None:
            return retry_after
        resets = _parse_resets_after(headers.get("x-ms-user-quota-resets-after"))
        if resets is not None:
            return resets + random.uniform(0.05, 0.25)
        return None

    # -- paging, chunking, splitting ------------------------------------------------------
    def _pages(
        self, name: str, subscriptions: Sequence[str], scope: Scope, top: int, kind: str
    ) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"query": query_text(name)}
        seen: set[str] = set()
        if subscriptions:
            body["subscriptions"] = list(subscriptions)
        elif scope.management_groups:
            body["managementGroups"] = list(scope.management_groups)
        options: dict[str, Any] = {"$top": top, "resultFormat": "objectArray"}
        if TABLE_OF_LIST[name] == "authorizationresources":
            options["authorizationScopeFilter"] = "AtScopeAboveAndBelow"
        rows: list[dict[str, Any]] = []
        while True:
            body["options"] = options
            page = self._send(body, name, kind)
            rows.extend(page["data"])
            token = page.get("$skipToken")
            if not token:
                return rows
            if token in seen:
                raise CallFailed(self.call, f"{name}: $skipToken points back to a page already read (a paging loop)")
            seen.add(token)
            options = {**options, "$skipToken": token}

    def _chunk(
        self, name: str, subscriptions: Sequence[str], scope: Scope, result: QueryResult, kind: str = ""
    ) -> bool:
        """Read one chunk into ``result``; False when none of it could be read (its failure recorded).

        ``kind`` is the breaker's kind of call: ``NARROWING`` for the requests of
        :meth:`_narrowed`, which are not narrowed again on their own.
        """
        top = PAGE_SIZE
        while True:
            try:
                result.rows.extend(self._pages(name, subscriptions, scope, top, kind))
                return True
            except _PayloadTooLarge:
                if len(subscriptions) > 1:
                    self._log(f"{name}: response too large; splitting {len(subscriptions)} subscriptions")
                    return self._split(name, subscriptions, scope, result, kind)
                if top <= 1:
                    result.failures.append(
                        QueryFailure(
                            subscriptions[0] if len(subscriptions) == 1 else None,
                            400,
                            "ResponsePayloadTooLarge",
                            "a single row exceeds the response limit",
                        )
                    )
                    return False
                top = max(1, top // 2)
                self._log(f"{name}: response too large; retrying with $top {top}")
            except _Forbidden as denied:
                if len(subscriptions) > 1:
                    return self._split(name, subscriptions, scope, result, kind)
                where = f"/subscriptions/{subscriptions[0]}" if subscriptions else "tenant"
                hint = forbidden_hint(where, "Microsoft.ResourceGraph/resources/read")
                result.failures.append(
                    QueryFailure(
                        subscriptions[0] if subscriptions else None,
                        denied.status,
                        denied.code,
                        f"{denied.message} ({hint})",
                    )
                )
                return False
            except CallFailed as failed:
                if failed.fatal:
                    raise
                if kind != NARROWING and narrowable(failed) and self._confined(name, subscriptions, scope, result):
                    return True
                scope_label = subscriptions[0] if len(subscriptions) == 1 else None
                result.failures.append(
                    QueryFailure(scope_label, failed.status, failed.code, failed.entry_message(), failed.message)
                )
                return False

    def _split(self, name: str, subscriptions: Sequence[str], scope: Scope, result: QueryResult, kind: str) -> bool:
        """Both halves of a chunk, each on its own; False when neither could be read."""
        half = len(subscriptions) // 2
        first = self._chunk(name, subscriptions[:half], scope, result, kind)
        return self._chunk(name, subscriptions[half:], scope, result, kind) or first

    def _may_narrow(self) -> bool:
        """Whether more requests can still tell anything: not after the deadline, nor once either
        breaker counts Resource Graph as down (every half would be "not attempted")."""
        return not (
            self.retrier.deadline.passed() or self.retrier.breaker().open or self.retrier.breaker(NARROWING).open
        )

    def _confined(self, name: str, subscriptions: Sequence[str], scope: Scope, result: QueryResult) -> bool:
        """:meth:`_narrowed` for a request that kept failing; one for a management group or the
        tenant names no subscription, so it is asked again by the subscriptions it covers."""
        if subscriptions:
            return self._narrowed(name, subscriptions, scope, result)
        covered = self._covered(scope) if name != "subscriptions" else None
        if not covered:
            return False
        if len(covered) <= MAX_SUBSCRIPTIONS:
            return self._narrowed(name, covered, scope, result)  # (the request for all of them failed)
        trial = QueryResult()
        if not any([self._chunk(name, chunk, scope, trial) for chunk in _chunks(covered)]):
            return False
        result.rows.extend(trial.rows)
        result.failures.extend(trial.failures)
        return True

    def _covered(self, scope: Scope) -> list[str] | None:
        """The subscriptions a management-group or tenant request covers (read once per scope),
        or None when they cannot be listed either."""
        if scope not in self._covered_by:
            trial = QueryResult()
            read = self._chunk("subscriptions", [], scope, trial, NARROWING) and not trial.failures
            ids = {str(row.get("subscriptionId") or "").lower() for row in trial.rows} - {""}
            self._covered_by[scope] = sorted(ids) if read else None
        return self._covered_by[scope]

    def _narrowed(self, name: str, subscriptions: Sequence[str], scope: Scope, result: QueryResult) -> bool:
        """Confine the failure of a chunk that kept failing to the subscriptions it belongs to.

        A failure that outlasts the retries may be one subscription's (its part of the service is
        down, or one of its rows is unusable). The halves are read on their own; a half that fails
        while the other answers is halved again, and what still fails becomes one gap per
        subscription, every row read kept. Both halves failing means the failure is not a
        subscription's: False (the caller records the chunk's failure). Cost: two more failed
        calls per list in an outage, about 2·log2(n) requests for one bad subscription among n;
        these requests have their own breaker, so they never count Resource Graph as down for
        the other lists.
        """
        if len(subscriptions) < 2 or not self._may_narrow():
            return False
        self._verbose(f"{name}: a request for {len(subscriptions)} subscriptions kept failing; reading them in halves")
        half = len(subscriptions) // 2
        halves = (subscriptions[:half], subscriptions[half:])
        trials = (QueryResult(), QueryResult())
        answered = [
            self._chunk(name, part, scope, trial, NARROWING) for part, trial in zip(halves, trials, strict=True)
        ]
        if not any(answered):
            return False
        self.retrier.breaker().succeeded()  # Resource Graph answered: the failure was a subscription's
        for part, trial, ok in zip(halves, trials, answered, strict=True):
            result.rows.extend(trial.rows)
            if ok:
                result.failures.extend(trial.failures)
            elif not self._narrowed(name, part, scope, result):
                result.failures.extend(per_subscription(trial.failures, part))
        return True

    def query(self, name: str, scope: Scope) -> QueryResult:
        """All rows of list ``name`` in ``scope`` (rows sorted by lower-cased id)."""
        result = QueryResult()
        for chunk in _chunks(scope.subscriptions) or [[]]:
            result.answered = self._chunk(name, chunk, scope, result) or result.answered
        # Tenant-level rows (root and management-group assignments, built-in roles) come back
        # with every subscription chunk: keep one of each.
        unique = {str(row.get("id", "")).lower(): row for row in result.rows}
        result.rows = [unique[key] for key in sorted(unique)]
        return result
