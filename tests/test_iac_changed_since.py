"""``--changed-since``: a pull-request gate judges the units a change touched, each unit whole."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, run_cli

IAC = ROOT / "fixtures" / "iac"
NOW = "2026-11-27T02:00:00Z"


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def _repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    (repo / "infra").mkdir(parents=True)
    shutil.copytree(IAC / "arm" / "linked", repo / "infra" / "linked")
    shutil.copy(IAC / "arm" / "nested.json", repo / "infra" / "nested.json")
    shutil.copy(IAC / "arm" / "nested.parameters.json", repo / "infra" / "nested.parameters.json")
    shutil.copy(IAC / "arm" / "private-link.json", repo / "infra" / "private-link.json")
    shutil.copytree(IAC / "terraform" / "features", repo / "infra" / "tf")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "checkout", "-qb", "change")
    return repo


def _scan(repo: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    out = repo.parent / "results.json"
    proc = run_cli(
        "scan", "--iac", "infra", "--format", "json", "-o", str(out), "--now", NOW, "--quiet", *extra, cwd=repo
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(out.read_text()) if out.exists() else {}, proc.stderr


def _files(results: dict[str, Any]) -> set[str]:
    return {f["location"]["file"].split("/")[1] for f in results["findings"] if f["location"].get("file")}


def test_only_changed_units_are_scanned_each_whole(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _, everything, _ = _scan(repo)
    assert _files(everything) == {"linked", "nested.json", "private-link.json", "tf"}

    # Nothing changed yet: nothing to judge, and that is a clean gate.
    code, none, _ = _scan(repo, "--changed-since", "main")
    assert code == 0 and none["findings"] == []

    # A parameters file changes its template's unit; a linked module changes its parent's;
    # one .tf file changes its whole module directory.
    params = repo / "infra" / "nested.parameters.json"
    params.write_text(params.read_text() + "\n")
    module = repo / "infra" / "linked" / "modules" / "registry.json"
    module.write_text(module.read_text() + "\n")
    _git(repo, "commit", "-qam", "change parameters and a linked module")
    (repo / "infra" / "tf" / "variables.tf").write_text((repo / "infra" / "tf" / "variables.tf").read_text() + "\n")
    code, changed, _ = _scan(repo, "--changed-since", "main")  # committed and uncommitted changes count
    assert _files(changed) == {"linked", "nested.json", "tf"}
    by_file = {f["location"]["file"] for f in changed["findings"]}
    assert any(p and p.startswith("infra/tf/main.tf") for p in by_file)  # the unchanged file of the changed module

    # Each unit is judged exactly as in the full scan.
    def keyed(results: dict[str, Any]) -> dict[tuple[str, str], str]:
        return {(f["rule_id"], f["subject"]["id"]): f["status"] for f in results["findings"]}

    full = keyed(everything)
    assert all(full[key] == status for key, status in keyed(changed).items())


def test_bad_ref_and_misuse_are_one_line_errors(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, _, err = _scan(repo, "--changed-since", "no-such-branch")
    assert code == 2
    assert err.startswith("acr-scan: error: --changed-since:") and err.count("\n") == 1
    proc = run_cli("scan", "--snapshot", str(ROOT / "fixtures" / "demo-tenant.snapshot.json"), "--changed-since", "x")
    assert proc.returncode == 2 and "use it with --iac" in proc.stderr
