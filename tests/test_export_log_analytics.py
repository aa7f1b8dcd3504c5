"""``acr-scan export log-analytics``: every finding, once, through the real Logs Ingestion client.

The emulator plays Entra (the token, for the monitor audience) and the Logs Ingestion API (the
request's shape checked, gzip, the bearer token); scripted 503 and 429 answers make the client
retry, a 413 makes it give up on one batch. A results file large enough to need several batches
shows that every finding arrives exactly once across batches and retries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO, run_cli, scan_json
from tests.emulator import AzureEmulator, EmulatorConfig
from tests.emulator.live import live_env

RULE = "dcr-00000000000000000000000000000000"
STREAM = "Custom-AcrScanFindings_CL"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The demo scan's results, with its findings repeated until they need several batches."""
    tmp = tmp_path_factory.mktemp("export")
    _, document = scan_json(DEMO, "--now", "2026-11-27T02:00:00Z", tmp=tmp)
    findings = document["findings"]
    document["findings"] = [
        {**f, "subject": {**f["subject"], "id": f"{f['subject']['id']}/copy-{n}"}} for n in range(8) for f in findings
    ]
    path = tmp / "results.json"
    path.write_text(json.dumps(document))
    return path, document


def _export(emu: AzureEmulator, tmp: Path, results: Path, *extra: str) -> Any:
    with live_env(emu, tmp) as cloud:
        return run_cli(
            "export", "log-analytics", "--results", str(results), "--endpoint", emu.base_url, "--rule-id", RULE,
            "--auth", "environment", "--cloud", str(cloud), "--max-retry-wait", "2", *extra,
        )  # fmt: skip


def test_every_finding_arrives_once_across_batches_and_retries(
    results: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, document = results
    with AzureEmulator(json.loads(DEMO.read_text()), EmulatorConfig(ingestion_answers=(503, 429))) as emu:
        run = _export(emu, tmp_path, path)
        received = emu.ingestion.received[(RULE.lower(), STREAM.lower())]
        requests = emu.ingestion.requests
    assert run.returncode == 0, run.stderr
    expected = len(document["findings"])
    assert len(received) == expected and requests >= 2 + 2  # (two refused first, then at least two batches)
    assert len({(r["RuleId"], r["ResourceId"]) for r in received}) == expected  # each once
    first = received[0]
    assert first["TimeGenerated"] == "2026-11-27T02:00:00Z" and first["ToolVersion"]
    assert {r["Status"] for r in received} >= {"fail", "pass"}
    assert f"{expected} of {expected} findings sent" in run.stderr


def test_a_refused_batch_is_counted_and_exits_3(results: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, document = results
    with AzureEmulator(json.loads(DEMO.read_text()), EmulatorConfig(ingestion_answers=(413,))) as emu:
        run = _export(emu, tmp_path, path)
        received = emu.ingestion.received.get((RULE.lower(), STREAM.lower()), [])
    assert run.returncode == 3, run.stderr
    assert "refused by the Logs Ingestion API" in run.stderr
    assert "413" in run.stderr or "Maximum request size" in run.stderr
    assert 0 < len(received) < len(document["findings"])
    assert f"{len(received)} of {len(document['findings'])} findings sent" in run.stderr


def test_bad_input_and_an_unreachable_api_are_one_line(tmp_path: Path) -> None:
    not_results = tmp_path / "x.json"
    not_results.write_text('{"hello": 1}')
    run = run_cli("export", "log-analytics", "--results", str(not_results), "--endpoint", "https://127.0.0.1:9",
                  "--rule-id", RULE)  # fmt: skip
    assert run.returncode == 2 and "not an acr-scan results file" in run.stderr and len(run.stderr.splitlines()) == 1
    http = run_cli(
        "export", "log-analytics", "--results", str(not_results), "--endpoint", "http://x", "--rule-id", RULE
    )
    assert http.returncode == 2 and "https://" in http.stderr
