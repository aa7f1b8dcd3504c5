"""Bad input: one line naming the file and what was wrong, exit 2, no traceback, nothing written."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO, run_cli


def _assert_one_line_error(proc: Any, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _scan(snapshot: Path, out: Path, *extra: str) -> Any:
    return run_cli("scan", "--snapshot", str(snapshot), "--format", "json", "--output", str(out), *extra)


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b'{"kind": "acr-snapshot", "version": 1,\n "collectedAt": }', [":2:", "invalid JSON"]),
        (b"", ["invalid JSON"]),
        (b'{"kind": "acr-snapshot",\n "version": 1,\n', [":2:15:", "truncated"]),
        (b'["not", "an", "object"]', ["$"]),
    ],
)
def test_malformed_json(tmp_path: Path, content: bytes, needles: list[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    out = tmp_path / "out.json"
    _assert_one_line_error(_scan(path, out), str(path), *needles)
    assert not out.exists()


def test_schema_violation_names_the_json_path(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    demo_copy["resourceGraph"]["registries"][3]["properties"] = "oops"
    path = write_snapshot(demo_copy)
    out = tmp_path / "out.json"
    _assert_one_line_error(_scan(path, out), str(path), "$.resourceGraph.registries[3].properties", "object")
    assert not out.exists()


def test_secret_values_are_rejected(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    demo_copy["graph"]["applications"][0]["passwordCredentials"] = [{"keyId": "k", "secretText": "s3cr3t"}]
    proc = _scan(write_snapshot(demo_copy), tmp_path / "o.json")
    _assert_one_line_error(proc, "$.graph.applications[0].passwordCredentials[0]")
    assert "s3cr3t" not in proc.stderr


def test_wrong_kind_and_version(demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path) -> None:
    demo_copy["version"] = 2
    _assert_one_line_error(_scan(write_snapshot(demo_copy), tmp_path / "o.json"), "$.version")


def test_gzip_snapshot_is_read(demo_data: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path) -> None:
    path = write_snapshot(demo_data, "demo.json.gz")
    proc = _scan(path, tmp_path / "o.json", "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "o.json").read_bytes().startswith(b"{")


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(b'{"kind": "acr-snapshot"}')[:20])
    _assert_one_line_error(_scan(path, tmp_path / "o.json"), str(path), "gzip")


def test_missing_file(tmp_path: Path) -> None:
    proc = _scan(tmp_path / "nope.json", tmp_path / "o.json")
    _assert_one_line_error(proc, "nope.json", "cannot read snapshot: no such file")


def test_bad_now(tmp_path: Path) -> None:
    _assert_one_line_error(_scan(DEMO, tmp_path / "o.json", "--now", "yesterday"), "--now")


def test_malformed_rule_file_gives_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    bad = rules / "X-001.yaml"
    bad.write_text(
        "id: X-001\ntitle: Test rule\ndescription: test\nseverity: extreme\nsubject: registry\n"
        "fail_when: {field: name, equals: x}\nmessage: {pass: p, fail: f}\nremediation: {text: t}\n"
        "examples: {pass: [{subject: {name: y}}], fail: [{subject: {name: x}}]}\n"
    )
    proc = _scan(DEMO, tmp_path / "o.json", "--policies", str(rules))
    _assert_one_line_error(proc, f"{bad}:4:", "severity")
    assert not (tmp_path / "o.json").exists()


def test_invalid_yaml_rule_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    bad = rules / "X-002.yaml"
    bad.write_text("id: X-002\ntitle: [unclosed\n")
    _assert_one_line_error(run_cli("policies", "validate", str(rules)), f"{bad}:", "invalid YAML")


def test_bad_regex_in_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    bad = rules / "X-003.yaml"
    bad.write_text(
        "id: X-003\ntitle: Test rule\ndescription: test\nseverity: low\nsubject: registry\n"
        "fail_when:\n  field: name\n  matches: '(unclosed'\nmessage: {pass: p, fail: f}\nremediation: {text: t}\n"
        "examples: {pass: [{subject: {name: y}}], fail: [{subject: {name: x}}]}\n"
    )
    _assert_one_line_error(run_cli("policies", "validate", str(rules)), f"{bad}:8:", "regular expression")


def test_duplicate_rule_id(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ACR-001.yaml").write_text((DEMO.parent.parent / "policies" / "ACR-001.yaml").read_text())
    _assert_one_line_error(_scan(DEMO, tmp_path / "o.json", "--policies", str(rules)), "ACR-001", "already defined")


def test_unknown_rule_id_in_config(tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text("overrides:\n  ACR-999:\n    severity: high\n")
    _assert_one_line_error(_scan(DEMO, tmp_path / "o.json", "--config", str(config)), "ACR-999", "unknown rule id")


def test_unknown_rule_id_on_command_line(tmp_path: Path) -> None:
    _assert_one_line_error(_scan(DEMO, tmp_path / "o.json", "--rules", "ACR-001,ACR-998"), "ACR-998")


def test_unknown_parameter_in_config(tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text("overrides:\n  ACR-011:\n    parameters: {warn_dayz: 3}\n")
    _assert_one_line_error(_scan(DEMO, tmp_path / "o.json", "--config", str(config)), "warn_dayz")


def test_malformed_config(tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text("suppressions:\n  - rule: ACR-001\n    resource: x\n")
    _assert_one_line_error(_scan(DEMO, tmp_path / "o.json", "--config", str(config)), "justification")


@pytest.mark.parametrize(
    ("content", "position"),
    [
        (b'{"format_version": "1.2",\n "resource_changes": [\n', ":2:23:"),
        (
            b'{\n "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
            b' "resources": [{"type": "x",}]}',
            ":3:29:",
        ),
    ],
)
def test_malformed_iac_json_names_file_and_position(tmp_path: Path, content: bytes, position: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    _assert_one_line_error(run_cli("scan", "--iac", str(path)), f"{path}{position}", "invalid JSON")
