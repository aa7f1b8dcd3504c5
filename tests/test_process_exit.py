"""The console script ends the process without teardown: nothing it printed may be lost."""

from __future__ import annotations

import json
import subprocess
import sys

from scanner import process_exit
from scanner.cli import main
from tests.conftest import DEMO, ROOT, run_cli


def test_stdout_is_complete_when_the_process_exits_hard() -> None:
    proc = run_cli("scan", "--snapshot", str(DEMO), "--format", "json")
    assert proc.returncode == 1  # the demo tenant fails on purpose
    report = json.loads(proc.stdout)  # the whole document was flushed before the exit
    assert report["summary"]["total"] == len(report["findings"]) > 0
    assert proc.stderr.endswith("exit code 1 (findings)\n")


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    cmd = [sys.executable, "-m", "scanner", "scan", "--snapshot", str(DEMO), "--format", "json"]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)
        proc.stdout.close()  # like `| head -c 10`
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert "Traceback" not in stderr
    assert code in (0, 1)


def test_in_process_calls_keep_nothing_alive(tmp_path: object) -> None:
    """Tests and library users call ``main`` directly: they must free the scan as usual."""
    assert process_exit._retained is None
    main(["scan", "--snapshot", str(DEMO), "--quiet", "--format", "json", "--output", str(tmp_path) + "/r.json"])
    assert process_exit._retained is None
