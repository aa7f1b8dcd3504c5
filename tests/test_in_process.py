"""The CLI called in-process leaves the interpreter as it found it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from tests.conftest import DEMO
from tests.hostile import run_in_process


def test_gc_stays_enabled_after_scan_and_diff(tmp_path: Path) -> None:
    assert gc.isenabled()
    results = tmp_path / "results.json"
    scan = run_in_process(["scan", "--snapshot", str(DEMO), "--format", "json", "-o", str(results), "--quiet"])
    assert scan.code == 1, scan.describe()
    assert gc.isenabled()
    diff = run_in_process(["diff", str(results), str(results)])
    assert diff.code == 0, diff.describe()
    assert gc.isenabled()


def test_gc_stays_enabled_after_a_scan_that_fails_half_way(tmp_path: Path) -> None:
    snapshot = tmp_path / "broken.json"
    snapshot.write_text(DEMO.read_text().replace('"resourceGraph"', '"resourceGraph": 7, "unused"', 1))
    outcome = run_in_process(["scan", "--snapshot", str(snapshot), "--format", "json", "--quiet"])
    assert outcome.code == 2, outcome.describe()
    assert gc.isenabled()


def test_gc_stays_disabled_when_the_caller_disabled_it(tmp_path: Path) -> None:
    gc.disable()
    try:
        outcome = run_in_process(["scan", "--snapshot", str(DEMO), "--format", "json", "--quiet"])
        assert outcome.code == 1, outcome.describe()
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_scan_leaves_nothing_out_of_the_collectors_sight(tmp_path: Path) -> None:
    """The scan freezes what is alive when it ends, so writing the reports does not walk it; the
    command gives it back once the result is dropped, so garbage from then is still collected."""
    argv = ["scan", "--snapshot", str(DEMO), "--format", "json", "-o", str(tmp_path / "r.json"), "--quiet"]
    gc.disable()  # (so the cycle is still uncollected garbage when the scan ends and freezes)
    try:
        cycle = _Cycle()
        alive = weakref.ref(cycle)
        del cycle
        assert run_in_process(argv).code == 1
    finally:
        gc.enable()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert alive() is None
