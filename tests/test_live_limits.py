"""The bounds of live collection on a fake clock: no wait beyond the cap, no retry beyond the count,
nothing after the phase deadline, and a service that keeps failing is not asked forever."""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any

import orjson
import pytest
import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from scanner.sources.live.clouds import Cloud
from scanner.sources.live.exchange import Answer
from scanner.sources.live.failures import CallFailed, from_exception, from_status, transport_cause
from scanner.sources.live.graph import GraphReader
from scanner.sources.live.limits import BREAKER_THRESHOLD, LiveLimits
from scanner.sources.live.resource_graph import ResourceGraphReader
from scanner.sources.live.retrying import Retrier
from scanner.sources.live.settings import ReaderSettings
from tests.emulator.clock import FakeClock

CLOUD = Cloud("test", "https://127.0.0.1:1", "https://127.0.0.1:1", "https://127.0.0.1:1", "", "", False)


def _retrier(clock: FakeClock, **limits: Any) -> Retrier:
    return Retrier("Service", LiveLimits(**limits), clock=clock)


def _failing(clock: FakeClock, failure: CallFailed, cost: float = 0.0) -> Any:
    calls = []

    def attempt() -> None:
        calls.append(clock.now())
        clock.advance(cost)
        raise failure

    return attempt, calls


def test_a_huge_retry_after_is_never_slept_and_is_named_in_the_failure() -> None:
    clock = FakeClock()
    throttled = CallFailed("POST https://x/q", "HTTP 429", status=429, retryable=True, retry_after=999_999)
    attempt, calls = _failing(clock, throttled)
    with pytest.raises(CallFailed) as failed:
        _retrier(clock, max_retries=3, max_retry_wait=60).run("POST https://x/q", attempt)
    assert len(calls) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]  # backoff, not 999999 s
    assert "Service asked to retry in 999999 s, more than --max-retry-wait 60 s (4 attempts)" in failed.value.message


def test_a_retry_after_within_the_cap_is_honoured() -> None:
    clock = FakeClock()
    answers = iter([CallFailed("c", "HTTP 503", status=503, retryable=True, retry_after=7), "ok"])

    def attempt() -> str:
        answer = next(answers)
        if isinstance(answer, CallFailed):
            raise answer
        return answer

    assert _retrier(clock).run("c", attempt) == "ok"
    assert clock.sleeps == [7]


def test_a_wait_the_caller_must_honour_fails_at_once_when_above_the_cap() -> None:
    clock = FakeClock()
    held = CallFailed("c", "HTTP 503", status=503, retryable=True, retry_after=5, must_wait=True)
    attempt, calls = _failing(clock, held)
    with pytest.raises(CallFailed) as failed:
        _retrier(clock, max_retry_wait=1).run("c", attempt)
    assert len(calls) == 1 and clock.sleeps == []
    assert "more than --max-retry-wait 1 s (1 attempt)" in failed.value.message


def test_backoff_is_capped_and_the_retry_count_bounded() -> None:
    clock = FakeClock()
    attempt, calls = _failing(clock, CallFailed("c", "HTTP 500", status=500, retryable=True))
    with pytest.raises(CallFailed) as failed:
        _retrier(clock, max_retries=8, max_retry_wait=3).run("c", attempt)
    assert len(calls) == 9 and max(clock.sleeps) == 3
    assert failed.value.message == "c: HTTP 500 (9 attempts)"


def test_a_timed_out_call_is_repeated_once_at_most() -> None:
    clock = FakeClock()
    stalled = CallFailed("c", "no answer within --request-timeout", retryable=True, timed_out=True)
    attempt, calls = _failing(clock, stalled, cost=60)
    with pytest.raises(CallFailed):
        _retrier(clock, max_retries=4).run("c", attempt)
    assert len(calls) == 2


def test_a_refusal_is_not_retried() -> None:
    clock = FakeClock()
    attempt, calls = _failing(clock, CallFailed("c", "HTTP 403", status=403))
    with pytest.raises(CallFailed):
        _retrier(clock).run("c", attempt)
    assert len(calls) == 1


def test_nothing_is_attempted_after_the_phase_deadline() -> None:
    clock = FakeClock()
    retrier = _retrier(clock, phase_timeout=100, max_retries=10)
    attempt, calls = _failing(clock, CallFailed("c", "HTTP 503", status=503, retryable=True), cost=30)
    with pytest.raises(CallFailed) as failed:
        retrier.run("c", attempt)
    assert clock.now() <= 100 + 30 and len(calls) <= 4
    assert "--phase-timeout" in failed.value.message
    with pytest.raises(CallFailed) as later:
        retrier.run("d", lambda: "never")
    assert "not attempted" in later.value.message and "--phase-timeout" in later.value.message
    retrier.restart()
    assert retrier.run("d", lambda: "answered") == "answered"


def test_a_kind_of_call_that_keeps_failing_is_not_attempted_any_more() -> None:
    clock = FakeClock()
    retrier = _retrier(clock, max_retries=0)
    attempt, calls = _failing(clock, CallFailed("c", "the connection was reset", retryable=True))
    for _ in range(BREAKER_THRESHOLD):
        with pytest.raises(CallFailed):
            retrier.run("c", attempt, kind="usages")
    with pytest.raises(CallFailed) as skipped:
        retrier.run("c", attempt, kind="usages")
    assert len(calls) == BREAKER_THRESHOLD
    assert "not attempted" in skipped.value.message and "the connection was reset" in skipped.value.message
    assert retrier.run("c", lambda: "tokens still work", kind="tokens") == "tokens still work"


def test_a_success_closes_the_breaker_again() -> None:
    clock = FakeClock()
    retrier = _retrier(clock, max_retries=0)
    attempt, _ = _failing(clock, CallFailed("c", "HTTP 502", status=502, retryable=True))
    for _ in range(BREAKER_THRESHOLD - 1):
        with pytest.raises(CallFailed):
            retrier.run("c", attempt)
    retrier.run("c", lambda: None)
    for _ in range(BREAKER_THRESHOLD - 1):
        with pytest.raises(CallFailed):
            retrier.run("c", attempt)
    assert not retrier.breaker().open


def _answer(status: int, body: Any, **headers: str) -> Answer:
    return Answer(status, headers, orjson.dumps(body))


def test_a_quota_reset_beyond_the_cap_is_not_waited_for() -> None:
    """``x-ms-user-quota-resets-after: 99:00:00`` with nothing left: the next query fails instead of sleeping."""
    clock = FakeClock()
    reader = ResourceGraphReader(object(), CLOUD, ReaderSettings(clock=clock, limits=LiveLimits(max_retry_wait=30)))
    spent = {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "99:00:00"}
    reader._query = lambda body: _answer(200, {"data": [{"id": "/x"}]}, **spent)  # type: ignore[method-assign]
    assert reader._send({"query": "resources"})["data"] == [{"id": "/x"}]
    with pytest.raises(CallFailed) as failed:
        reader._send({"query": "resources"})
    assert clock.sleeps == []
    assert "Resource Graph asked to wait" in failed.value.message and "more than --max-retry-wait 30 s" in (
        failed.value.message
    )
    reader.close()


def test_a_429_storm_on_resource_graph_ends_within_the_retries() -> None:
    clock = FakeClock()
    reader = ResourceGraphReader(object(), CLOUD, ReaderSettings(clock=clock, limits=LiveLimits(max_retries=2)))
    body = {"error": {"code": "RateLimiting", "message": "throttled"}}
    reader._query = lambda _body: _answer(429, body, **{"Retry-After": "999999"})  # type: ignore[method-assign]
    with pytest.raises(CallFailed) as failed:
        reader._send({"query": "resources"})
    assert reader.requests == 3 and reader.throttled == 3 and sum(clock.sleeps) == 1.5
    assert "HTTP 429 RateLimiting: throttled" in failed.value.message
    reader.close()


def test_graph_items_throttled_for_ever_become_errors_without_sleeping_for_them() -> None:
    clock = FakeClock()
    reader = GraphReader(object(), CLOUD, ReaderSettings(clock=clock, limits=LiveLimits(max_retries=2)))
    asked: list[list[str]] = []

    def post(chunk: dict[str, str]) -> dict[str, dict[str, Any]]:
        asked.append(sorted(chunk))
        return {
            key: {"id": key, "status": 429, "headers": {"Retry-After": "999999"}, "body": {"error": {"code": "x"}}}
            for key in chunk
        }

    reader._post_batch = post  # type: ignore[method-assign]
    result = reader.collect({"a": "ServicePrincipal", "b": "User"}, None)
    assert len(asked) == 3 and max(clock.sleeps) <= 60
    assert {e["scope"] for e in result.errors} == {"a", "b"}
    assert all("asked to retry in 999999 s, more than --max-retry-wait" in e["message"] for e in result.errors)
    reader.close()


def test_graph_lookups_missing_from_the_batch_answer_are_asked_again_then_recorded() -> None:
    clock = FakeClock()
    reader = GraphReader(object(), CLOUD, ReaderSettings(clock=clock, limits=LiveLimits(max_retries=1)))
    reader._post_batch = lambda chunk: {}  # type: ignore[method-assign]
    result = reader.collect({"a": "ServicePrincipal"}, None)
    assert result.service_principals == [] and result.missing == []
    (error,) = result.errors
    assert error["scope"] == "a" and "no answer" in error["message"] and "(2 attempts)" in error["message"]
    reader.close()


def _requests_error(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as cause:
            raise requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", cause)) from cause
    except BaseException as outer:
        return outer


@pytest.mark.parametrize(
    ("inner", "cause", "timed_out", "unreachable"),
    [
        (http.client.RemoteDisconnected("Remote end closed"), "closed the connection without an answer", False, False),
        (ConnectionResetError(104, "Connection reset by peer"), "the connection was reset", False, False),
        (ConnectionRefusedError(111, "Connection refused"), "the connection was refused", False, True),
        (socket.gaierror(-2, "Name or service not known"), "does not resolve", False, True),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "TLS verification failed", False, True),
        (ReadTimeoutError(None, "/", "Read timed out."), "--request-timeout", True, False),  # type: ignore[arg-type]
        (http.client.IncompleteRead(b"x", 10), "cut off", False, False),
    ],
)
def test_transport_causes_are_found_however_deep_they_are_wrapped(
    inner: BaseException, cause: str, timed_out: bool, unreachable: bool
) -> None:
    from azure.core.exceptions import ServiceResponseError

    wrapped = ServiceResponseError("outer", error=_requests_error(inner))
    said, was_timeout, was_unreachable = transport_cause(wrapped)
    assert cause in said and was_timeout is timed_out and was_unreachable is unreachable
    failed = from_exception("GET https://x/y", wrapped)
    assert failed.fatal is unreachable
    assert failed.retryable is (not unreachable or "refused" in said)


def test_error_bodies_of_any_shape_give_a_status_line() -> None:
    for body in (None, [], "x", {"error": 5}, {"error": {"code": 5, "message": ["x"]}}, {"error": "invalid_client"}):
        failed = from_status("GET https://x", 503, {"Retry-After": "soon"}, body)
        assert failed.message.startswith("GET https://x: HTTP 503") and failed.retry_after is None
    arg = {
        "error": {
            "code": "BadRequest",
            "message": "Please provide below info",
            "details": [{"code": "X", "message": "why"}],
        }
    }
    assert from_status("c", 400, {}, arg).entry_message() == "why"
