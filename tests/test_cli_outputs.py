"""Several report formats in one run, the output flags that cannot be combined, and the real process around them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DEMO, run_cli, run_cli_process

NOW = "2026-11-27T02:00:00Z"


def test_several_formats_into_one_directory(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    proc = run_cli("scan", "--snapshot", str(DEMO), "--now", NOW, "--format", "json,table", "--output-dir", str(out))
    assert proc.returncode == 1, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "summary.txt"]
    results = json.loads((out / "results.json").read_text())
    assert f"wrote json report: {out / 'results.json'}" in proc.stdout
    assert f"wrote table report: {out / 'summary.txt'}" in proc.stdout
    fails = sum(1 for f in results["findings"] if f["status"] == "fail")
    assert str(fails) in (out / "summary.txt").read_text()
    # The same scan to a single file gives the same JSON bytes.
    single = tmp_path / "single.json"
    run_cli("scan", "--snapshot", str(DEMO), "--now", NOW, "--format", "json", "--output", str(single))
    assert single.read_bytes() == (out / "results.json").read_bytes()


def test_ambiguous_output_flags_are_usage_errors(tmp_path: Path) -> None:
    cases = [
        (("--format", "json,table"), "several formats need --output-dir"),
        (("--output", str(tmp_path / "a"), "--output-dir", str(tmp_path / "b")), "cannot be combined"),
        (("--format", "json,nope"), "unknown format nope"),
    ]
    for flags, expected in cases:
        proc = run_cli("scan", "--snapshot", str(DEMO), *flags)
        assert proc.returncode == 2, flags
        assert expected in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())


def test_the_process_exits_with_the_documented_code(tmp_path: Path) -> None:
    """``python -m scanner`` (what the console script runs) hands main()'s code to the shell."""
    findings = run_cli_process("scan", "--snapshot", str(DEMO), "--now", NOW, "--quiet")
    assert findings.returncode == 1, findings.stderr
    missing = run_cli_process("scan", "--snapshot", str(tmp_path / "absent.json"))
    assert missing.returncode == 2 and len(missing.stderr.splitlines()) == 1, missing.stderr
    usage = run_cli_process("scan", "--snapshot", str(DEMO), "--no-such-option")
    assert usage.returncode == 2 and "--no-such-option" in usage.stderr


def test_in_process_runs_print_what_the_process_prints() -> None:
    """The in-process harness most CLI tests use sees the same streams and code as a real run."""
    args = ("scan", "--snapshot", str(DEMO), "--now", NOW, "--format", "table")
    real, in_process = run_cli_process(*args), run_cli(*args)
    assert (in_process.returncode, in_process.stdout, in_process.stderr) == (real.returncode, real.stdout, real.stderr)
    assert real.stdout.count("\n") > 10
