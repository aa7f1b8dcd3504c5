"""The arena pre-faulter: used only when built and current, and harmless to the interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import scanner
from scanner import _native_guard
from tests.conftest import ROOT

BUILT = scanner.NATIVE_STATE == "compiled" and any((ROOT / "scanner").glob("_prefault*.so"))

# Allocates far more than the arenas mapped ahead, frees half, forks a child that allocates
# too (its arenas must not come from the parent's helper thread), and checks the values.
STRESS = """
import os, sys
from scanner import prefault
print(prefault.start(), prefault.start())
data = [{"i": i, "s": str(i), "l": [i] * 3} for i in range(1_500_000)]
del data[::2]
child = os.fork()
if child == 0:
    more = [(i, str(i)) for i in range(500_000)]
    os._exit(0 if sum(i for i, _ in more) == 124999750000 else 1)
_, status = os.waitpid(child, 0)
assert status == 0, status
assert sum(d["i"] for d in data) == sum(range(1, 1_500_000, 2))
print("ok")
"""


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}, timeout=120
    )


@pytest.mark.skipif(not BUILT, reason="the native build is not present (pure Python install)")
def test_runs_when_built_and_survives_heavy_allocation_and_fork() -> None:
    result = _python(STRESS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "ok"]


def test_not_used_when_compiled_modules_are_disabled() -> None:
    result = _python("from scanner import prefault; print(prefault.start())", ACR_SCAN_PURE_PYTHON="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_guard_blocks_a_c_helper_it_cannot_replace(tmp_path: Path) -> None:
    finder = _native_guard.SourceOnlyFinder({"scanner._helper": tmp_path / "scanner" / "_helper.c"}, "stale")
    with pytest.raises(ModuleNotFoundError, match="stale"):
        finder.find_spec("scanner._helper")
    assert _native_guard._module_name("scanner/_helper.c") == "scanner._helper"
    assert _native_guard._module_name("scanner/engine/hot.py") == "scanner.engine.hot"
