"""The optional mypyc build: same results as pure Python, and never stale.

``scripts/build_native.py`` (run by ``make``) compiles the hot modules in place. These tests
check that a scan gives byte-identical output compiled and as pure Python, and that the
guard in ``scanner/_native_guard.py`` falls back to the sources when they changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scanner
from scanner import _native_guard
from tests.conftest import DEMO, ROOT

IAC_FIXTURES = ROOT / "fixtures" / "iac" / "equivalence"
_COLLECTED = re.compile(rb'"collected_at":"[^"]*"')


def _scan(tmp: Path, name: str, pure: bool, *source: str) -> bytes:
    env = {k: v for k, v in os.environ.items() if k != "ACR_SCAN_PURE_PYTHON"}
    if pure:
        env["ACR_SCAN_PURE_PYTHON"] = "1"
    out = tmp / f"{name}-{'pure' if pure else 'default'}.json"
    cmd = [sys.executable, "-m", "scanner", "scan", *source, "--format", "json", "--output", str(out), "--quiet"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert proc.stderr == ""  # in particular, no note about a stale build
    return out.read_bytes()


def test_this_checkout_runs_the_build_it_has() -> None:
    """With a build recorded, the suite runs the compiled modules (not silently the sources)."""
    if not _native_guard.MANIFEST.exists():
        assert scanner.NATIVE_STATE == "pure"
        return
    assert scanner.NATIVE_STATE == "compiled"
    import scanner.engine.conditions as conditions

    assert conditions.__file__ is not None and not conditions.__file__.endswith(".py")


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("demo", ("--snapshot", str(DEMO), "--now", "2026-11-27T02:00:00Z")),
        (
            "iac",
            (
                "--iac",
                *(str(IAC_FIXTURES / part) for part in ("arm", "terraform", "plan.json")),
                "--now",
                "2026-11-27T02:00:00Z",
            ),
        ),
    ],
)
def test_compiled_and_pure_python_scans_are_byte_identical(tmp_path: Path, name: str, source: tuple[str, ...]) -> None:
    # (an IaC scan's collected_at is the clock time of the run: the one field allowed to differ)
    compiled = _COLLECTED.sub(b'"collected_at":"-"', _scan(tmp_path, name, False, *source))
    pure = _COLLECTED.sub(b'"collected_at":"-"', _scan(tmp_path, name, True, *source))
    assert compiled == pure
    assert json.loads(pure)["summary"]["total"] > 0


def test_rule_examples_pass_as_pure_python() -> None:
    env = {**os.environ, "ACR_SCAN_PURE_PYTHON": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "policies", "test"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package root with one 'compiled' module and its manifest, for the guard to judge."""
    package = tmp_path / "scanner"
    (package / "engine").mkdir(parents=True)
    source = package / "engine" / "hot.py"
    source.write_text("VALUE = 1\n")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    manifest = package / "native.json"
    manifest.write_text(json.dumps({"group": "g", "sources": {"scanner/engine/hot.py": digest}}))
    monkeypatch.setattr(_native_guard, "PACKAGE_ROOT", package)
    monkeypatch.setattr(_native_guard, "MANIFEST", manifest)
    monkeypatch.delenv("ACR_SCAN_PURE_PYTHON", raising=False)
    return source


def test_guard_states(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _fake_package(tmp_path, monkeypatch)
    state, modules = _native_guard.compiled_state()
    assert state == "compiled"
    assert modules == {"scanner.engine.hot": source}

    monkeypatch.setenv("ACR_SCAN_PURE_PYTHON", "1")
    assert _native_guard.compiled_state()[0] == "disabled"
    monkeypatch.delenv("ACR_SCAN_PURE_PYTHON")

    source.write_text("VALUE = 2\n")  # edited after the build
    assert _native_guard.compiled_state()[0] == "stale"

    source.unlink()
    assert _native_guard.compiled_state()[0] == "stale"

    _native_guard.MANIFEST.write_text("{not json")
    assert _native_guard.compiled_state()[0] == "pure"
    _native_guard.MANIFEST.unlink()
    assert _native_guard.compiled_state() == ("pure", {})


def test_a_stale_build_loads_every_compiled_module_from_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _fake_package(tmp_path, monkeypatch)
    source.write_text("VALUE = 2\n")
    before = list(sys.meta_path)
    try:
        assert _native_guard.install() == "stale"
        finder = sys.meta_path[0]
        assert isinstance(finder, _native_guard.SourceOnlyFinder)
        spec = finder.find_spec("scanner.engine.hot")
        assert spec is not None and spec.origin == str(source)
        assert finder.find_spec("scanner.engine.other") is None  # anything else: the normal finders
    finally:
        sys.meta_path[:] = before
    assert "older than their sources" in capsys.readouterr().err
