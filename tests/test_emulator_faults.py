"""The emulator's fault knobs do what they say, seen by a plain HTTPS client (requests).

If a knob drifted (a "reset" that is a polite close, a "stall" that answers), the live-fault
matrix would test less than it claims; these tests pin each fault's wire behaviour.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.emulator import FAULT_KINDS, AzureEmulator, EmulatorConfig, Fault
from tests.emulator.faults import DEEP_LEVELS, HTML_PAGE, WRONG_ITEMS, WRONG_SHAPE

ARM_PATH = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/x/y?api-version=1"


@pytest.fixture(scope="module")
def emulator(demo_data: dict[str, Any]) -> Iterator[AzureEmulator]:
    with AzureEmulator(demo_data) as emu:
        yield emu


def _get(emu: AzureEmulator, path: str = ARM_PATH, timeout: float = 2.0) -> requests.Response:
    return requests.get(emu.base_url + path, verify=emu.ca_path, timeout=(timeout, timeout))


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("close", requests.exceptions.ConnectionError),
        ("reset", requests.exceptions.ConnectionError),
        ("stall", requests.exceptions.ReadTimeout),
        ("truncated", requests.exceptions.ChunkedEncodingError),
        ("bad_gzip", requests.exceptions.ContentDecodingError),
    ],
)
def test_transport_faults_break_the_exchange(emulator: AzureEmulator, kind: str, error: type[Exception]) -> None:
    emulator.set_faults(Fault("arm", kind, stall_seconds=3))  # type: ignore[arg-type]
    try:
        started = time.monotonic()
        with pytest.raises(error):
            _get(emulator, timeout=0.5)
        assert time.monotonic() - started < 2.5
    finally:
        emulator.set_faults()


@pytest.mark.parametrize(
    ("kind", "content_type", "body"),
    [
        ("html", "text/html", HTML_PAGE.encode()),
        ("empty", "application/json", b""),
        ("null", "application/json", b"null"),
        ("list", "application/json", b'[{"id": "x"}]'),
        ("wrong_shape", "application/json", json.dumps(WRONG_SHAPE).encode()),
        ("wrong_items", "application/json", json.dumps(WRONG_ITEMS).encode()),
        ("deep", "application/json", b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS),
    ],
)
def test_body_faults_answer_200_with_that_body(
    emulator: AzureEmulator, kind: str, content_type: str, body: bytes
) -> None:
    emulator.set_faults(Fault("arm", kind))  # type: ignore[arg-type]
    try:
        response = _get(emulator)
    finally:
        emulator.set_faults()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    assert response.content == body


def test_status_and_throttle_faults(emulator: AzureEmulator) -> None:
    emulator.set_faults(Fault("arm", "status", times=2, status=502), Fault("arm", "throttle", times=1))
    try:
        first, second, third, fourth = (_get(emulator) for _ in range(4))
    finally:
        emulator.set_faults()
    assert (first.status_code, second.status_code) == (502, 502) and "Retry-After" not in first.headers
    assert third.status_code == 429 and third.headers["Retry-After"] == "999999"
    assert fourth.status_code == 401  # healthy again: no bearer token, so the usual 401


def test_faults_count_down_match_paths_and_endpoints(emulator: AzureEmulator) -> None:
    emulator.set_faults(Fault("arm", "status", times=1, path_contains="/listusages"), Fault("token", "close"))
    try:
        assert _get(emulator).status_code == 401  # not the path the fault is for: the usual 401
        usages = ARM_PATH.replace("/x/y", "/x/y/listUsages")
        assert _get(emulator, usages).status_code == 503
        assert _get(emulator, usages).status_code == 401
        assert emulator.faults_injected == 1
    finally:
        emulator.set_faults()


def test_batch_items_carry_graph_faults(demo_data: dict[str, Any]) -> None:
    principal = demo_data["graph"]["servicePrincipals"][0]["id"]
    config = EmulatorConfig(faults=(Fault("graph", "throttle", times=1, retry_after=7), Fault("graph", "html")))
    with AzureEmulator(demo_data, config) as emu:
        token = requests.post(
            f"{emu.base_url}/{emu.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": emu.client_id,
                "client_secret": emu.client_secret,
                "scope": emu.base_url + "/.default",
            },
            verify=emu.ca_path,
            timeout=5,
        ).json()["access_token"]
        batch = {
            "requests": [{"id": str(n), "method": "GET", "url": f"/servicePrincipals/{principal}"} for n in (1, 2)]
        }
        answer = requests.post(
            emu.base_url + "/v1.0/$batch",
            json=batch,
            headers={"Authorization": f"Bearer {token}"},
            verify=emu.ca_path,
            timeout=5,
        )
    items = {item["id"]: item for item in answer.json()["responses"]}
    assert items["1"]["status"] == 429 and items["1"]["headers"]["Retry-After"] == "7"
    assert items["2"]["status"] == 200 and items["2"]["body"] == HTML_PAGE


def test_fault_specs_are_checked() -> None:
    assert {"close", "reset", "stall", "status", "throttle", "deep", "bad_gzip"} <= FAULT_KINDS
    with pytest.raises(ValueError):
        Fault("oidc", "close")
    with pytest.raises(ValueError):
        Fault("arm", "explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault("arm", "status", times=0)
    with pytest.raises(TypeError):
        EmulatorConfig(faults=("close",))  # type: ignore[arg-type]


def test_stop_ends_a_stall_at_once(demo_data: dict[str, Any]) -> None:
    emu = AzureEmulator(demo_data, EmulatorConfig(faults=(Fault("arm", "stall", stall_seconds=60),))).start()
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            _get(emu, timeout=0.3)
    finally:
        started = time.monotonic()
        emu.stop()
    assert time.monotonic() - started < 3
