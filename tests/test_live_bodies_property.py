"""Property tests of every live response reader: whatever body arrives, the result is data the
snapshot can hold, or a :class:`CallFailed` that says why; never any other exception.

The readers are the pure functions behind each call (Resource Graph result pages, ARM list pages,
Microsoft Graph ``$batch`` answers and items, the token endpoint's answer as the credential guard
sees it, error bodies of any status), fed with hostile variants of real payloads: fields of the
wrong type, truncated or random bytes, HTML, deep nesting, huge numbers.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.sources.live.arm import list_page
from scanner.sources.live.bodies import MAX_DEPTH, nesting_depth
from scanner.sources.live.exchange import Answer
from scanner.sources.live.failures import CallFailed, from_status
from scanner.sources.live.graph import _credential_object, batch_answers
from scanner.sources.live.resource_graph import result_page
from scanner.sources.live.shapes import items_problem
from scanner.sources.live.token_guard import TrafficNotes
from tests.conftest import DEMO

EXAMPLES = 150
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DEMO_DATA: dict[str, Any] = json.loads(DEMO.read_text())
REGISTRY = next(iter(DEMO_DATA["arm"].values()))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["<html>", "", "null", "2026-13-45T99:99:99Z"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)


def _mutate(value: Any, path: list[int], replacement: Any) -> Any:
    """``value`` with the node reached by following ``path`` (indexes modulo size) replaced."""
    if not path or not isinstance(value, dict | list) or not value:
        return replacement
    if isinstance(value, dict):
        keys = sorted(value)
        key = keys[path[0] % len(keys)]
        return {**value, key: _mutate(value[key], path[1:], replacement)}
    index = path[0] % len(value)
    return [*value[:index], _mutate(value[index], path[1:], replacement), *value[index + 1 :]]


def _bodies(valid: Any) -> st.SearchStrategy[bytes]:
    """Hostile variants of a valid body: mutated, truncated, garbage, HTML, deep, huge numbers."""
    raw = orjson.dumps(valid)
    mutated = st.builds(
        lambda path, replacement: orjson.dumps(_mutate(valid, path, replacement), option=orjson.OPT_NON_STR_KEYS),
        st.lists(st.integers(min_value=0, max_value=50), max_size=6),
        json_values.filter(lambda v: _encodable(v)),
    )
    return st.one_of(
        st.just(raw),
        mutated,
        st.integers(min_value=0, max_value=len(raw)).map(lambda n: raw[:n]),
        st.binary(max_size=200),
        st.sampled_from([b"", b"null", b"[]", b"{}", b"<!DOCTYPE html><html></html>", b"\xff\xfe{}", b"1e99999"]),
        st.integers(min_value=MAX_DEPTH - 3, max_value=3000).map(lambda d: b"[" * d + b"]" * d),
        st.integers(min_value=MAX_DEPTH - 3, max_value=3000).map(lambda d: b'{"a":' * d + b"1" + b"}" * d),
        st.just(raw.replace(b'"', b"", 1)),
        st.just(b'{"data": [{"id": 123456789012345678901234567890}], "value": [], "responses": []}'),
    )


def _encodable(value: Any) -> bool:
    try:
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return False
    return True


statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 403, 404, 429, 500, 503])
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Retry-After", "x-ms-user-quota-remaining"]), st.text(max_size=12), max_size=3
)


def _holds(result: dict[str, Any], key: str) -> None:
    """What a reader returns can be written as a snapshot."""
    orjson.dumps(result)
    assert nesting_depth(result, MAX_DEPTH + 1) <= MAX_DEPTH
    assert isinstance(result[key], list)


ARG_PAGE = {"totalRecords": 2, "count": 2, "data": DEMO_DATA["resourceGraph"]["registries"][:2], "$skipToken": "abc"}


@SETTINGS
@given(raw=_bodies(ARG_PAGE), status=statuses, extra=headers)
def test_resource_graph_pages(raw: bytes, status: int, extra: dict[str, str]) -> None:
    try:
        page = result_page("POST https://x/q", Answer(status, extra, raw), "registries")
    except CallFailed as failed:
        assert failed.message.startswith("POST https://x/q: ")
        return
    _holds(page, "data")
    assert items_problem("resourceGraph", "registries", page["data"]) is None


ARM_PAGE = {"value": REGISTRY["tokens"][:2] or [{"id": "/t", "name": "t", "properties": {}}], "nextLink": "https://x/n"}


@SETTINGS
@given(raw=_bodies(ARM_PAGE), status=statuses, extra=headers, name=st.sampled_from(["tokens", "usages"]))
def test_arm_list_pages(raw: bytes, status: int, extra: dict[str, str], name: str) -> None:
    try:
        page = list_page("GET https://x/l", Answer(status, extra, raw), name)
    except CallFailed as failed:
        assert failed.message.startswith("GET https://x/l: ")
        return
    _holds(page, "value")
    assert items_problem("arm", name, page["value"]) is None
    if name == "tokens":  # a token password's value is secret: never kept
        for token in page["value"]:
            passwords = ((token.get("properties") or {}).get("credentials") or {}).get("passwords") or []
            assert all("value" not in password for password in passwords)


SP = DEMO_DATA["graph"]["servicePrincipals"][0]
BATCH = {"responses": [{"id": "1", "status": 200, "headers": {}, "body": SP}, {"id": "2", "status": 404, "body": {}}]}


@SETTINGS
@given(raw=_bodies(BATCH), status=statuses, extra=headers)
def test_graph_batch_answers(raw: bytes, status: int, extra: dict[str, str]) -> None:
    try:
        answers = batch_answers("POST https://x/$batch", Answer(status, extra, raw))
    except CallFailed as failed:
        assert failed.message.startswith("POST https://x/$batch: ")
        return
    check = _credential_object("servicePrincipals")
    for item in answers.values():
        assert isinstance(item["status"], int)
        try:
            kept = check(item.get("body"))
        except ValueError:
            continue
        assert items_problem("graph", "servicePrincipals", [kept]) is None
        assert not {"secretText", "hint"} & {k for c in kept.get("passwordCredentials") or [] for k in c}


class _Response:
    def __init__(self, status: int, headers: dict[str, str], raw: bytes) -> None:
        self.status_code, self.headers, self._raw = status, headers, raw

    def body(self) -> bytes:
        return self._raw


class _Pipeline:
    def __init__(self, response: _Response) -> None:
        self.http_response = response


TOKEN = {"token_type": "Bearer", "expires_in": 3599, "access_token": "x"}


@SETTINGS
@given(raw=_bodies(TOKEN), status=statuses, extra=headers)
def test_token_endpoint_answers_are_classified_without_raising(raw: bytes, status: int, extra: dict[str, str]) -> None:
    notes = TrafficNotes()
    notes.on_response(_Pipeline(_Response(status, extra, raw)))
    note = notes.last
    assert note.status == status
    assert note.body_problem is None or isinstance(note.body_problem, str)


@SETTINGS
@given(body=json_values, status=st.integers(min_value=400, max_value=599), extra=headers)
def test_error_bodies_of_any_shape(body: Any, status: int, extra: dict[str, str]) -> None:
    failed = from_status("GET https://x", status, extra, body)
    assert failed.message.startswith(f"GET https://x: HTTP {status}") and "\n" not in failed.message
    assert failed.retry_after is None or failed.retry_after >= 0


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, 100_000])
def test_depth_limit_is_exact(depth: int) -> None:
    """The page object is one level, its ``data`` array the next: MAX_DEPTH levels in all are accepted."""
    raw = b"[" * depth + b"]" * depth
    answer = Answer(200, {}, b'{"data": ' + raw + b"}")
    if depth + 1 <= MAX_DEPTH:
        assert nesting_depth(result_page("c", answer, None), MAX_DEPTH + 1) == MAX_DEPTH
    else:
        with pytest.raises(CallFailed, match=f"nested more than {MAX_DEPTH} levels"):
            result_page("c", answer, None)
