"""Shared helpers: the demo snapshot, running the CLI (in process, or as a real process), writing variant snapshots."""

from __future__ import annotations

import atexit
import copy
import gzip
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.engine.rule_cache import CACHE_ENV
from tests.cli import CliRun, run_in_process

# The tests (and the CLI processes they start) keep their rule cache to themselves rather
# than in the developer's ~/.cache; tests of the cache itself point it elsewhere.
if CACHE_ENV not in os.environ:
    os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="acr-scan-test-cache-")
    atexit.register(shutil.rmtree, os.environ[CACHE_ENV], True)

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Build python-hcl2's grammar cache before the workers start (``make venv`` does it too): its
    first build takes seconds, which would land inside some test's time bound."""
    if not hasattr(config, "workerinput"):  # (the controller, or a run without xdist)
        import hcl2.parser

        hcl2.parser.parser()
DEMO = ROOT / "fixtures" / "demo-tenant.snapshot.json"
# The configuration `make scan` gives the demo scan: turns on what is off by default and sets
# the parameters a rule needs to apply (ACR-047), so every rule shows a pass and a fail.
DEMO_CONFIG = ROOT / "fixtures" / "demo-tenant.acr-scan.yaml"
DATA = ROOT / "tests" / "data"
_COUNTER = itertools.count()


@pytest.fixture(scope="session")
def demo_data() -> dict[str, Any]:
    """The bundled demo tenant snapshot (parsed once)."""
    return json.loads(DEMO.read_text())


@pytest.fixture
def demo_copy(demo_data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the demo snapshot that a test may modify."""
    return copy.deepcopy(demo_data)


@pytest.fixture
def write_snapshot(tmp_path: Path) -> Callable[..., Path]:
    """Write a snapshot document to a file (optionally gzip) and return its path."""

    def write(data: Any, name: str = "snapshot.json") -> Path:
        path = tmp_path / name
        raw = json.dumps(data).encode()
        path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
        return path

    return write


def run_cli(*args: str, cwd: Path | None = None) -> CliRun:
    """Run ``acr-scan ARGS`` in this process (in ``cwd``, default the repository root)."""
    return run_in_process(args, cwd=cwd or ROOT)


def run_cli_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``acr-scan ARGS`` in a subprocess, for what only a real process shows (its exit status, signals)."""
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=120,
    )


def refusal(
    scope: str,
    *affects: str,
    status: int = 403,
    code: str = "AuthorizationFailed",
    message: str = "The client does not have authorization to perform action",
) -> dict[str, Any]:
    """A snapshot ``errors`` entry: Resource Graph could not read ``affects`` at ``scope`` (a 403 unless told)."""
    return {"source": "resourceGraph", "scope": scope, "status": status, "code": code, "message": message,
            "affects": list(affects)}  # fmt: skip


def scan_json(snapshot: Path, *extra: str, tmp: Path) -> tuple[int, dict[str, Any]]:
    """Scan ``snapshot`` to JSON; return the exit code and the parsed results."""
    out = tmp / f"results-{next(_COUNTER)}.json"
    proc = run_cli("scan", "--snapshot", str(snapshot), "--format", "json", "--output", str(out), "--quiet", *extra)
    assert proc.returncode in (0, 1, 3), proc.stderr
    return proc.returncode, json.loads(out.read_text())


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (Playwright is imported only by the tests that ask)."""
    from playwright.sync_api import sync_playwright

    from tests.tools import LAUNCH_ARGS, require_tool

    executable = str(require_tool("chromium"))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield b
        b.close()
