"""Live-collection reproducers of issue 11, each run as a real ``acr-scan`` process under the contract's caps.

The seed corpus ``tests/data/hostile/live/*.json`` holds one fault each (``tests/emulator/faults.py``),
the collect options, the exit code and what the error must say. A child process is what a
pipeline runs: it proves that nothing but the collector's own lines reaches stderr (no
azure-identity warnings, no MSAL traceback), which an in-process run under pytest cannot show.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import AzureEmulator, EmulatorConfig, Fault
from tests.hostile import HOSTILE, Outcome, assert_contract, run_contained, run_in_process
from tests.test_live_faults import _small_tenant

CORPUS = sorted((HOSTILE / "live").glob("*.json"))


def _cloud_file(directory: Path, base_url: str, authority: str | None = None) -> Path:
    path = directory / "cloud.yaml"
    path.write_text(
        f"name: test\nresource_manager: {base_url}\nmicrosoft_graph: {base_url}\n"
        f"authority_host: {authority or base_url}\n"
    )
    return path


def _env(emu: AzureEmulator | None, ca: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "REQUESTS_CA", "SSL_CERT"))}
    env.update(
        AZURE_TENANT_ID=emu.tenant_id if emu else "3f1c2a7e-5b8d-4c61-9e2f-0a4b6c8d1e27",
        AZURE_CLIENT_ID=emu.client_id if emu else "6c0d9a4e-2f71-4b3a-8e55-1d7f0b9c3a62",
        AZURE_CLIENT_SECRET=emu.client_secret if emu else "not-a-secret",
    )
    if emu is not None or ca is not None:
        env["REQUESTS_CA_BUNDLE"] = ca or (emu.ca_path if emu else "")
    return env


def _collect_contained(cloud: Path, out: Path, env: dict[str, str], *options: str) -> Outcome:
    args = ["collect", "--tenant", "-o", str(out), "--auth", "environment", "--cloud", str(cloud), *options]
    return run_contained(args, env=env)


def _assert_lines(outcome: Outcome, code: int, needles: list[str]) -> list[str]:
    """The contract, plus: every stderr line is the collector's own (``acr-scan: ...``)."""
    assert_contract(outcome, allowed=frozenset({code}), needles=needles)
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("acr-scan: ") for line in lines), outcome.describe()
    if code == 3:
        gaps = [line for line in lines if line.startswith("acr-scan: not collected")]
        assert gaps and len(gaps) == len(lines) - 1, outcome.describe()
        for needle in needles:
            assert any(needle in gap for gap in gaps), (needle, gaps)
    return lines


@pytest.fixture(scope="module")
def small_tenant(demo_data: dict[str, Any]) -> dict[str, Any]:
    """The demo tenant with three registries: every reproducer still meets every endpoint."""
    return _small_tenant(demo_data)


@pytest.fixture(scope="module")
def emulator(small_tenant: dict[str, Any]) -> Iterator[AzureEmulator]:
    with AzureEmulator(small_tenant, EmulatorConfig()) as emu:
        yield emu


@pytest.mark.parametrize("case", CORPUS, ids=[p.stem for p in CORPUS])
def test_live_reproducer(emulator: AzureEmulator, tmp_path: Path, case: Path) -> None:
    spec = json.loads(case.read_text())
    emulator.set_faults(Fault(**spec["fault"]))
    try:
        out = tmp_path / "snapshot.json"
        outcome = _collect_contained(_cloud_file(tmp_path, emulator.base_url), out, _env(emulator), *spec["args"])
        assert emulator.faults_injected > 0
    finally:
        emulator.set_faults()
    lines = _assert_lines(outcome, spec["exit"], spec["needles"])
    assert "client id and secret" not in outcome.stderr
    if spec["exit"] == 5:
        assert len(lines) == 1 and not out.exists()
    else:
        assert json.loads(out.read_bytes())["errors"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_is_one_line_that_says_so(tmp_path: Path) -> None:
    base = f"https://127.0.0.1:{_closed_port()}"
    outcome = _collect_contained(
        _cloud_file(tmp_path, base), tmp_path / "s.json", _env(None), "--max-retries", "1", "--max-retry-wait", "0.05"
    )
    (line,) = _assert_lines(outcome, 5, ["the connection was refused", base])
    assert "client id and secret" not in line and "az login" not in line


def test_dns_failure_is_one_line_that_says_so(tmp_path: Path) -> None:
    base = "https://acr-scan-test.invalid"
    outcome = _collect_contained(_cloud_file(tmp_path, base), tmp_path / "s.json", _env(None))
    (line,) = _assert_lines(outcome, 5, ["does not resolve", "acr-scan-test.invalid"])
    assert "client id and secret" not in line


def test_a_wrong_secret_still_says_check_the_secret(emulator: AzureEmulator, tmp_path: Path) -> None:
    """An answer from Entra ID (an AADSTS code) is the one failure where the secret is the likely cause."""
    env = {**_env(emulator), "AZURE_CLIENT_SECRET": "wrong"}
    outcome = _collect_contained(_cloud_file(tmp_path, emulator.base_url), tmp_path / "s.json", env)
    _assert_lines(outcome, 5, ["AADSTS7000215", "client id and secret"])
    assert emulator.count("token") >= 1


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_limit_options_refuse_values_that_bound_nothing(tmp_path: Path, value: str) -> None:
    outcome = run_in_process(["collect", "--tenant", "-o", str(tmp_path / "s.json"), "--request-timeout", value])
    assert outcome.code == 2
    assert "--request-timeout" in outcome.stderr and "Traceback" not in outcome.stderr


def test_a_partial_collection_scans_as_unknown(
    emulator: AzureEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Usages that could not be read make ACR-043 unknown on every registry, never pass."""
    for name, value in _env(emulator).items():
        monkeypatch.setenv(name, value)
    emulator.set_faults(Fault("arm", "close", path_contains="/listusages"))
    try:
        snapshot = tmp_path / "s.json"
        cloud = _cloud_file(tmp_path, emulator.base_url)
        common = ["--auth", "environment", "--cloud", str(cloud), "--request-timeout", "1", "--max-retries", "0"]
        collected = run_in_process(["collect", "--tenant", "-o", str(snapshot), *common])
    finally:
        emulator.set_faults()
    assert collected.code == 3, collected.describe()
    results = tmp_path / "results.json"
    scanned = run_in_process(
        ["scan", "--snapshot", str(snapshot), "--format", "json", "-o", str(results), "--rules", "ACR-043", "--quiet"]
    )
    assert scanned.code == 3, scanned.describe()
    statuses = {f["subject"]["id"]: f["status"] for f in json.loads(results.read_text())["findings"]}
    assert statuses and set(statuses.values()) == {"unknown"}


def test_an_unusable_credential_configuration_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--auth workload-identity`` without its variables: azure-identity's ValueError, said as exit 5."""
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    cloud = _cloud_file(tmp_path, f"https://127.0.0.1:{_closed_port()}")
    outcome = run_in_process(
        ["collect", "--tenant", "-o", str(tmp_path / "s.json"), "--auth", "workload-identity", "--cloud", str(cloud)]
    )
    assert_contract(outcome, allowed=frozenset({5}), needles=["--auth workload-identity", "not fully configured"])
