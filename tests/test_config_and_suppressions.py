"""Configuration files (YAML and pyproject), overrides, rule selection and suppressions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.config import find_config, load_config
from tests.conftest import DEMO, run_cli, scan_json


def _findings(results: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in results["findings"] if f["rule_id"] == rule]


def test_yaml_config_overrides_parameters_and_severity(tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text(
        "overrides:\n  ACR-011:\n    parameters: {warn_days: 3650}\n    severity: critical\n"
        "rules:\n  include: [ACR-011]\n"
    )
    _, results = scan_json(DEMO, "--config", str(config), tmp=tmp_path)
    assert {f["rule_id"] for f in results["findings"]} == {"ACR-011"}
    failing = [f for f in _findings(results, "ACR-011") if f["status"] == "fail"]
    assert len(failing) >= 3  # a ten-year window catches every future end date
    assert {f["severity"] for f in failing} == {"critical"}
    assert results["rules"][0]["parameters"]["warn_days"] == 3650


def test_pyproject_config_is_found_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.acr-scan]\nrules = {exclude = ["ACR-001"]}\nfail_on = "critical"\nfail_on_unknown = false\n'
    )
    out = tmp_path / "r.json"
    proc = run_cli("scan", "--snapshot", str(DEMO), "--format", "json", "-o", str(out), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # nothing in the demo is critical (its unknowns are intended)
    assert "ACR-001" not in out.read_text()


def test_a_pyproject_without_our_table_is_not_ours_to_judge(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nthis is not TOML\n')
    assert find_config(None, tmp_path) is None  # (no [tool.acr-scan]: not parsed, so not refused)
    escaped = tmp_path / "escaped"
    escaped.mkdir()
    (escaped / "pyproject.toml").write_text('[tool."acr\\u002dscan"]\nfail_on = "critical"\n')
    found = find_config(None, escaped)
    assert found is not None and load_config(found).fail_on == "critical"


def test_exclude_flag(tmp_path: Path) -> None:
    _, results = scan_json(DEMO, "--exclude", "ACR-001,ACR-002", tmp=tmp_path)
    ids = {f["rule_id"] for f in results["findings"]}
    assert "ACR-001" not in ids and "ACR-003" in ids


def test_suppression_applies_until_it_expires(tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text(
        "suppressions:\n"
        "  - rule: ACR-001\n"
        "    resource: '/subscriptions/*/resourcegroups/rg-dev-sandbox/*'\n"
        "    justification: Sandbox registry, admin user needed for a legacy demo (SEC-42).\n"
        "    expires: 2026-12-31\n"
        "  - rule: ACR-002\n"
        "    resource: '*contosopublicacr'\n"
        "    justification: Public docs images, reviewed by security in 2025.\n"
        "    expires: 2026-01-31\n"
    )
    _, results = scan_json(DEMO, "--config", str(config), "--rules", "ACR-001,ACR-002", tmp=tmp_path)
    sandbox = [f for f in _findings(results, "ACR-001") if f["subject"]["registry_name"] == "devsandboxacr"]
    assert [f["status"] for f in sandbox] == ["suppressed"]
    assert "SEC-42" in sandbox[0]["suppression"]["justification"]
    public = [f for f in _findings(results, "ACR-002") if f["subject"]["registry_name"] == "contosopublicacr"]
    assert [f["status"] for f in public] == ["fail"]  # expired: no longer applies
    assert [s["rule"] for s in results["suppressions"]["expired"]] == ["ACR-002"]
    assert results["suppressions"]["applied"][0]["matched"] == 1
    # After its expiry date the first one stops applying too.
    late = ("--rules", "ACR-001", "--now", "2027-02-01T00:00:00Z")
    _, later = scan_json(DEMO, "--config", str(config), *late, tmp=tmp_path)
    assert "suppressed" not in {f["status"] for f in _findings(later, "ACR-001")}


def test_suppressed_findings_do_not_gate(tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text(
        "suppressions:\n  - rule: ACR-001\n    resource: '*'\n"
        "    justification: Accepted for the whole tenant in this test.\n"
    )
    code, _ = scan_json(DEMO, "--config", str(config), "--rules", "ACR-001", tmp=tmp_path)
    assert code == 0
    code, _ = scan_json(DEMO, "--rules", "ACR-001", tmp=tmp_path)
    assert code == 1


def test_table_output_groups_failures_by_registry() -> None:
    proc = run_cli("scan", "--snapshot", str(DEMO), "--rules", "ACR-001,ACR-027", "--no-color")
    assert proc.returncode == 1
    assert "== registry devsandboxacr" in proc.stdout
    assert "az acr update --name devsandboxacr" in proc.stdout
    assert "Findings:" in proc.stdout and "Failing by severity:" in proc.stdout


# --------------------------------------------------------------------------- rules that are off by default


def _spec(rule_id: str, **extra: Any) -> Any:
    from scanner.engine.loader import RuleSpec

    data = {"id": rule_id, "title": rule_id, "description": rule_id, "severity": "low", "subject": "registry", **extra}
    return RuleSpec(id=rule_id, data=data, path=Path(f"{rule_id}.yaml"), text="")


def test_a_rule_off_by_default_runs_only_when_asked_for() -> None:
    import pytest

    from scanner.config import Config
    from scanner.errors import ConfigError
    from scanner.scan import select_specs

    specs = [_spec("ORG-001"), _spec("ORG-002", default_enabled=False), _spec("ORG-003", default_enabled=True)]

    def ids(config: Config | None = None, **flags: Any) -> list[str]:
        return [s.id for s in select_specs(specs, config or Config(), **flags)]

    assert ids() == ["ORG-001", "ORG-003"]
    assert ids(enable=["ORG-002"]) == ["ORG-001", "ORG-002", "ORG-003"]
    assert ids(Config(enable=("ORG-002",))) == ["ORG-001", "ORG-002", "ORG-003"]
    assert ids(only=["ORG-002"]) == ["ORG-002"]  # naming it in --rules runs it
    assert ids(Config(include=("ORG-001",)), enable=["ORG-002"]) == ["ORG-001", "ORG-002"]
    assert ids(enable=["ORG-002"], exclude=["ORG-002"]) == ["ORG-001", "ORG-003"]  # exclusion wins
    with pytest.raises(ConfigError, match="--enable: unknown rule id 'ORG-009'"):
        ids(enable=["ORG-009"])
    with pytest.raises(ConfigError, match=r"rules\.enable: unknown rule id 'ORG-009'"):
        ids(Config(enable=("ORG-009",)))


def test_acr_006_is_off_by_default_and_enabled_by_flag_or_config(tmp_path: Path) -> None:
    _, default = scan_json(DEMO, "--rules", "ACR-005", tmp=tmp_path)
    assert not _findings(default, "ACR-006")
    _, plain = scan_json(DEMO, "--exclude", "ACR-001", tmp=tmp_path)
    assert not _findings(plain, "ACR-006")
    _, flagged = scan_json(DEMO, "--exclude", "ACR-001", "--enable", "ACR-006", tmp=tmp_path)
    assert {f["status"] for f in _findings(flagged, "ACR-006")} == {"pass", "fail", "unknown"}
    config = tmp_path / "acr-scan.yaml"
    config.write_text("rules:\n  enable: [ACR-006]\n")
    _, configured = scan_json(DEMO, "--config", str(config), tmp=tmp_path)
    assert _findings(configured, "ACR-006") == _findings(flagged, "ACR-006")
    listed = run_cli("policies", "list")
    assert next(line for line in listed.stdout.splitlines() if "off by default" in line).startswith("ACR-006")


def test_a_parameter_with_an_enum_refuses_other_values(tmp_path: Path) -> None:
    import pytest

    from scanner.engine.rule import compile_rule
    from scanner.errors import ConfigError, RuleError

    parameters = {"minimum_sku": {"type": "string", "default": "Standard", "enum": ["Basic", "Standard", "Premium"]}}
    spec = _spec(
        "ORG-001",
        parameters=parameters,
        fail_when={"field": "sku.name", "equals": {"param": "minimum_sku"}},
        message={"pass": "p", "fail": "f"},
        remediation={"text": "t"},
    )
    assert compile_rule(spec, {"minimum_sku": "premium"}).params["minimum_sku"] == "premium"  # (case-insensitive)
    with pytest.raises(ConfigError, match="must be one of"):
        compile_rule(spec, {"minimum_sku": "Gold"})
    gold = {"minimum_sku": {**parameters["minimum_sku"], "default": "Gold"}}
    bad_default = _spec("ORG-002", **{**spec.data, "parameters": gold})
    with pytest.raises(RuleError, match="default 'Gold' is not one of"):
        compile_rule(bad_default)
    scan = run_cli(
        "scan", "--snapshot", str(DEMO), "--rules", "ACR-049", "--config", str(_config(tmp_path, "ACR-049", "Gold"))
    )
    assert scan.returncode == 2 and "minimum_sku" in scan.stderr


def _config(tmp_path: Path, rule: str, value: str) -> Path:
    path = tmp_path / "acr-scan.yaml"
    path.write_text(f"overrides:\n  {rule}:\n    parameters: {{minimum_sku: {value}}}\n")
    return path
