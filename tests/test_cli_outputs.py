"""Several report formats in one run, and the output flags that cannot be combined."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DEMO, run_cli

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
