"""The CI integrations: GitHub action, Azure Pipelines template, pre-commit hook.

The action and the pipeline template share ``integrations/run-scan.sh``; it is run here for
real against the bundled demo snapshot, with the files GitHub gives a step
(``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import DEMO, ROOT
from tests.sarif_tools import assert_valid_sarif

SCRIPT = ROOT / "integrations" / "run-scan.sh"


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _run_script(tmp: Path, **env: str) -> tuple[int, dict[str, str], str]:
    outputs, summary = tmp / "github_output", tmp / "step_summary"
    full_env = {
        **os.environ,
        "ACR_SCAN_BIN": str(Path(sys.executable).parent / "acr-scan"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        **env,
    }
    proc = subprocess.run(["bash", str(SCRIPT)], env=full_env, cwd=tmp, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines()) if outputs.exists() else {}
    return proc.returncode, values, summary.read_text() if summary.exists() else ""


def test_action_passes_every_input_through_the_environment_only() -> None:
    action = _yaml(ROOT / "action.yml")
    steps = action["runs"]["steps"]
    scan = next(s for s in steps if s.get("id") == "scan")
    script_vars = set(re.findall(r"ACR_SCAN_[A-Z_]+", SCRIPT.read_text())) - {"ACR_SCAN_BIN"}
    assert set(scan["env"]) == script_vars
    for name in action["inputs"]:
        if name != "python-version":
            assert f"${{{{ inputs.{name} }}}}" in scan["env"].values(), name
    for step in steps:  # no expression is ever expanded inside a shell script
        assert "${{" not in step.get("run", ""), step
    assert set(action["outputs"]) == {"exit-code", "sarif-file"}


def test_run_script_gates_and_reports_like_the_cli(tmp_path: Path) -> None:
    code, outputs, summary = _run_script(
        tmp_path, ACR_SCAN_SNAPSHOT=str(DEMO), ACR_SCAN_FORMATS="sarif,markdown,json,junit"
    )
    assert code == 1  # the demo tenant has failing findings
    assert outputs["exit-code"] == "1"
    assert outputs["sarif-file"] == "acr-scan-results/results.sarif"
    reports = tmp_path / "acr-scan-results"
    assert sorted(p.name for p in reports.iterdir()) == ["junit.xml", "results.json", "results.sarif", "summary.md"]
    assert summary == (reports / "summary.md").read_text()
    assert_valid_sarif([reports / "results.sarif"], tmp_path, multitool=False)  # (test_sarif: "demo")
    # Only critical findings fail the gate when asked; unknowns can be allowed.
    code, outputs, _ = _run_script(
        tmp_path, ACR_SCAN_SNAPSHOT=str(DEMO), ACR_SCAN_FAIL_ON="critical", ACR_SCAN_FAIL_ON_UNKNOWN="false"
    )
    assert outputs["exit-code"] == str(code)


def test_run_script_without_a_source_is_a_usage_error(tmp_path: Path) -> None:
    code, outputs, _ = _run_script(tmp_path)
    assert code == 2 and outputs == {}


def test_azure_pipelines_template_publishes_junit_and_sarif() -> None:
    template = _yaml(ROOT / "integrations" / "azure-pipelines" / "acr-scan.yml")
    steps = template["steps"]
    scan = next(s for s in steps if "run-scan.sh" in s.get("bash", ""))
    script_vars = set(re.findall(r"ACR_SCAN_[A-Z_]+", SCRIPT.read_text())) - {"ACR_SCAN_BIN", "ACR_SCAN_CONFIG"}
    assert script_vars <= set(scan["env"])
    tasks = {s.get("task"): s for s in steps if "task" in s}
    assert tasks["PublishTestResults@2"]["inputs"]["testResultsFormat"] == "JUnit"
    published = [s["inputs"]["ArtifactName"] for s in steps if s.get("task") == "PublishBuildArtifacts@1"]
    assert "CodeAnalysisLogs" in published
    for step in steps:
        if "bash" in step:
            assert "${{" not in step["bash"]


def test_pre_commit_hook_runs_the_iac_gate() -> None:
    (hook,) = _yaml(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "acr-scan-iac"
    assert hook["entry"].split()[:3] == ["acr-scan", "scan", "--iac"]
    assert hook["pass_filenames"] is False  # the hook finds the changed units itself
    assert re.search(hook["files"], "infra/main.tf") and re.search(hook["files"], "azuredeploy.json")


def _hook(repo: Path) -> tuple[int, list[dict[str, Any]]]:
    """Run the hook's own entry in ``repo``; its exit code and the findings it reported."""
    (hook,) = _yaml(ROOT / ".pre-commit-hooks.yaml")
    entry = hook["entry"].split()
    entry[0] = str(Path(sys.executable).parent / "acr-scan")
    out = repo.parent / "hook.json"
    proc = subprocess.run(
        [*entry, "--format", "json", "-o", str(out), "--quiet"], capture_output=True, text=True, cwd=repo, timeout=120
    )
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1, 3), proc.stderr
    return proc.returncode, json.loads(out.read_text())["findings"]


def test_pre_commit_hook_gates_a_changed_template_and_ignores_other_json(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    template = repo / "infra" / "registry.json"
    template.write_text((ROOT / "fixtures" / "iac" / "arm" / "private-link.json").read_text())
    (repo / "package.json").write_text('{"name": "app"}\n')
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    (repo / "package.json").write_text('{"name": "app", "version": "2"}\n')
    code, findings = _hook(repo)
    assert code == 0 and findings == []  # only a non-IaC JSON file changed: nothing to judge
    template.write_text(template.read_text().replace('"adminUserEnabled": false', '"adminUserEnabled": true', 1))
    code, findings = _hook(repo)
    assert code == 1
    admin = [f for f in findings if f["rule_id"] == "ACR-001" and f["status"] == "fail"]
    assert len(admin) == 1 and admin[0]["location"]["file"] == "infra/registry.json"


def test_run_script_gates_iac(tmp_path: Path) -> None:
    template = ROOT / "fixtures" / "iac" / "arm" / "private-link.json"
    code, outputs, _ = _run_script(tmp_path, ACR_SCAN_IAC=str(template), ACR_SCAN_FORMATS="sarif,json")
    results = json.loads((tmp_path / "acr-scan-results" / "results.json").read_text())
    statuses = {f["status"] for f in results["findings"]}
    expected = 1 if "fail" in statuses else 3 if "unknown" in statuses else 0
    assert outputs["exit-code"] == str(code) and code == expected
    sarif = json.loads((tmp_path / "acr-scan-results" / "results.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris <= {"fixtures/iac/arm/private-link.json"}
    assert_valid_sarif([tmp_path / "acr-scan-results" / "results.sarif"], tmp_path, multitool=False)  # ("iac")
