"""``--format sarif``: valid SARIF 2.1.0 that GitHub code scanning and Azure DevOps accept.

Every file written here is checked three ways (see ``tests/sarif_tools.py``): the OASIS
schema, GitHub's own constraints, and Microsoft's SARIF Multitool with GitHub's rule set
(one Multitool call for the whole module, because it is slow to start).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import pytest

from scanner.config import Config
from scanner.outputs import FORMATS, RenderOptions, make_format
from scanner.outputs.sarif import SarifFormat
from scanner.results import Finding, Location, Severity, Status
from scanner.scan import prepare_rules, run_scan
from scanner.scan_result import ScanResult
from scanner.sources.snapshot import SnapshotFileSource
from scanner.timeutil import parse_datetime
from tests import sarif_tools
from tests.conftest import DEMO, refusal, run_cli

NOW = "2026-11-27T02:00:00Z"
# Severity → SARIF level and security-severity as the README documents them (written out here, not imported).
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
_ORDER = ["none", "note", "warning", "error"]
SUPPRESSIONS = (
    "suppressions:\n"
    "  - rule: ACR-001\n"
    "    resource: '/subscriptions/*/resourcegroups/rg-dev-sandbox/*'\n"
    "    justification: Sandbox registry, admin user needed for a legacy demo (SEC-42).\n"
    "    expires: 2026-12-31\n"
)


def _scan(*args: str) -> None:
    proc = run_cli("scan", *args, "--now", NOW, "--quiet")
    assert proc.returncode in (0, 1, 3), proc.stderr


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def _run(doc: dict[str, Any]) -> dict[str, Any]:
    run: dict[str, Any] = doc["runs"][0]
    return run


def _render(fmt: SarifFormat, result: ScanResult, path: Path) -> dict[str, Any]:
    raw = fmt.render(result)
    path.write_bytes(raw)
    return _load(path)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sarif")


@pytest.fixture(scope="module")
def demo_scan() -> ScanResult:
    """The demo tenant scanned in-process (for findings the CLI cannot produce)."""
    config = Config()
    rules, pack_hash = prepare_rules(config)
    return run_scan(SnapshotFileSource(DEMO), rules, pack_hash, config, parse_datetime(NOW))


@pytest.fixture(scope="module")
def files(work: Path, demo_scan: ScanResult) -> dict[str, Path]:
    """Every SARIF file the module checks, produced once."""
    out: dict[str, Path] = {}
    # The real CLI, twice: --output, and --format sarif,json --output-dir.
    out["demo"] = work / "demo.sarif"
    _scan("--snapshot", str(DEMO), "--format", "sarif", "--output", str(out["demo"]))
    both = work / "both"
    _scan("--snapshot", str(DEMO), "--format", "sarif,json", "--output-dir", str(both))
    out["demo2"] = both / "results.sarif"
    out["json"] = both / "results.json"
    # Suppression config, github and audit profiles.
    config = work / "acr-scan.yaml"
    config.write_text(SUPPRESSIONS)
    for profile in ("github", "audit"):
        out[profile] = work / f"{profile}.sarif"
        cfg = ("--config", str(config), "--sarif-profile", profile)
        _scan("--snapshot", str(DEMO), *cfg, "--format", "sarif", "--output", str(out[profile]))
    out["suppressed-json"] = work / "suppressed.json"
    _scan("--snapshot", str(DEMO), "--config", str(config), "--format", "json", "--output", str(out["suppressed-json"]))
    # Missing data: unknown credential findings (no Graph) and scope placeholders (403 on registries).
    data = json.loads(DEMO.read_text())
    del data["graph"]
    sub = data["scope"]["subscriptions"][1]
    data["errors"] = [refusal(f"/subscriptions/{sub}", "registries")]
    variant = work / "variant.snapshot.json"
    variant.write_text(json.dumps(data))
    out["unknown"] = work / "unknown.sarif"
    _scan("--snapshot", str(variant), "--format", "sarif", "--output", str(out["unknown"]))
    out["unknown-json"] = work / "unknown.json"
    _scan("--snapshot", str(variant), "--format", "json", "--output", str(out["unknown-json"]))
    # In-process: a lowered result cap, and a lowered size cap.
    out["capped"] = work / "capped.sarif"
    _render(SarifFormat(max_results=10, warnings=io.StringIO()), demo_scan, out["capped"])
    skeleton = SarifFormat(max_results=0, warnings=io.StringIO()).render(demo_scan)
    out["size-capped"] = work / "size-capped.sarif"
    size_limit = len(gzip.compress(skeleton)) + 1500
    _render(SarifFormat(max_gzip_bytes=size_limit, warnings=io.StringIO()), demo_scan, out["size-capped"])
    (work / "size-limit").write_text(str(size_limit))
    # IaC-style locations.
    out["iac"] = work / "iac.sarif"
    repo = work / "repo"
    (repo / "infra").mkdir(parents=True)
    _render(SarifFormat(repo_root=repo), _with_iac_locations(demo_scan, repo), out["iac"])
    # A rule that could not be evaluated: a tool execution notification, not a result.
    out["rule-error"] = work / "rule-error.sarif"
    broken_rule = tuple(
        msgspec.structs.replace(f, status=Status.ERROR, message="Rule error for x: KeyError: 'sku'")
        if f.rule_id == "ACR-024"
        else f
        for f in demo_scan.findings
    )
    _render(SarifFormat(), msgspec.structs.replace(demo_scan, findings=broken_rule), out["rule-error"])
    # A deliberately broken copy: proves the Multitool check can fail.
    broken = _load(out["demo"])
    del _run(broken)["tool"]["driver"]["rules"][0]["help"]
    out["broken"] = work / "broken.sarif"
    out["broken"].write_text(json.dumps(broken))
    return out


SARIF_FILES = ("demo", "demo2", "github", "audit", "unknown", "capped", "size-capped", "iac", "rule-error")


@pytest.fixture(scope="module")
def multitool(files: dict[str, Path], work: Path) -> dict[str, list[str]]:
    """Multitool ``Sarif;Ghas`` errors per file name (one Multitool process for all)."""
    names = [*SARIF_FILES, "broken"]
    report = sarif_tools.multitool_errors([files[n] for n in names], work)
    return {name: report[files[name].resolve()] for name in names}


def _failing_findings(scan: ScanResult) -> list[Finding]:
    return [f for f in scan.findings if f.status is Status.FAIL]


def _with_iac_locations(scan: ScanResult, repo: Path) -> ScanResult:
    """The demo scan with three failing findings moved into IaC files of ``repo``."""
    failing = _failing_findings(scan)
    bicep = str(repo / "infra" / "acr.bicep")
    moved = {
        id(failing[0]): Location(resource_id=failing[0].location.resource_id, file=bicep, line=14),
        id(failing[1]): Location(file="./infra/main.tf", line=None),
        id(failing[2]): Location(file="infra/network/private endpoint.json", line=0),
    }
    findings = tuple(msgspec.structs.replace(f, location=moved[id(f)]) if id(f) in moved else f for f in scan.findings)
    return msgspec.structs.replace(scan, findings=findings)


# ----------------------------------------------------------------------------- validity


@pytest.mark.parametrize("name", SARIF_FILES)
def test_file_is_valid_for_the_schema_github_and_multitool(
    name: str, files: dict[str, Path], multitool: dict[str, list[str]]
) -> None:
    raw = files[name].read_bytes()
    doc = json.loads(raw)
    assert sarif_tools.schema_errors(doc) == []
    assert sarif_tools.github_problems(doc, raw) == []
    assert multitool[name] == []


def test_the_checks_can_fail(files: dict[str, Path], multitool: dict[str, list[str]]) -> None:
    assert any(e.startswith("GH2012") for e in multitool["broken"]), multitool["broken"]
    doc = _load(files["demo"])
    run = _run(doc)
    run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = 8.0
    run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "azure:/subscriptions/x"
    run["results"][2]["ruleIndex"] += 1
    problems = sarif_tools.github_problems(doc)
    assert len(problems) == 4, problems
    assert sarif_tools.schema_errors(doc)  # startLine 0 is a schema error too


@pytest.mark.parametrize(("required", "outcome"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_multitool_skips_or_fails_when_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, required: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(sarif_tools, "MULTITOOL", tmp_path / "nowhere" / "Sarif.Multitool")
    monkeypatch.setenv("ACR_SCAN_REQUIRE_TOOLS", required)
    with pytest.raises(outcome, match=r"install-test-tools\.sh"):
        sarif_tools.multitool_errors([tmp_path / "x.sarif"], tmp_path)


# ----------------------------------------------------------------------------- content


def test_registered_format() -> None:
    assert "sarif" in FORMATS
    fmt = make_format("sarif", RenderOptions(sarif_profile="audit", repo_root=Path("/repo")))
    assert isinstance(fmt, SarifFormat)
    assert (fmt.name, fmt.extension, fmt.default_filename) == ("sarif", ".sarif", "results.sarif")
    assert (fmt.profile, fmt.repo_root) == ("audit", Path("/repo"))
    with pytest.raises(ValueError, match="profile"):
        SarifFormat(profile="gitlab")


def test_deterministic_across_runs(files: dict[str, Path]) -> None:
    assert files["demo"].read_bytes() == files["demo2"].read_bytes()


def test_one_run_with_every_rule_that_ran(files: dict[str, Path]) -> None:
    doc, results = _load(files["demo"]), _load(files["json"])
    assert len(doc["runs"]) == 1
    run = _run(doc)
    driver = run["tool"]["driver"]
    assert driver["name"] == "acr-policy-scanner"
    assert driver["version"] == driver["semanticVersion"] == results["tool"]["version"]
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r["id"] for r in results["rules"]]
    by_id = {r["id"]: r for r in results["rules"]}
    for rule in rules:
        severity = by_id[rule["id"]]["severity"]
        props = rule["properties"]
        assert props["security-severity"] == SECURITY_SEVERITY[severity]
        assert isinstance(props["security-severity"], str)
        assert rule["defaultConfiguration"] == {"level": LEVEL[severity]}
        assert props["precision"] == "high"
        assert "security" in props["tags"]
        assert rule["shortDescription"]["text"] == by_id[rule["id"]]["title"]
        assert rule["fullDescription"]["text"] and rule["name"] and rule["name"] != rule["id"]
        assert "Remediation" in rule["help"]["text"] and "**Remediation:**" in rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        for framework, values in by_id[rule["id"]]["frameworks"].items():
            for value in values:
                assert f"{framework.replace('_', '-')}/{value}" in props["tags"], (rule["id"], value)
    acr001 = next(r for r in rules if r["id"] == "ACR-001")
    assert "```sh\naz acr update --name {name}" in acr001["help"]["markdown"]
    assert {"mcsb/IM-1", "nist-800-53/AC-2", "azure-policy/dc921057-6b28-4fbe-9b83-f7bec05db6c2"} <= set(
        acr001["properties"]["tags"]
    )
    indexes = {r["id"]: i for i, r in enumerate(rules)}
    assert run["results"], "the demo has failing findings"
    for result in run["results"]:
        assert result["ruleIndex"] == indexes[result["ruleId"]]


def test_results_are_the_failing_and_unknown_findings(files: dict[str, Path]) -> None:
    for sarif, json_report in (("demo", "json"), ("unknown", "unknown-json")):
        results = _load(files[json_report])
        counts = results["summary"]["by_status"]
        run = _run(_load(files[sarif]))
        assert len(run["results"]) == counts["fail"] + counts["unknown"]
        statuses = Counter(r["properties"]["status"] for r in run["results"])
        assert statuses == Counter({"fail": counts["fail"], "unknown": counts["unknown"]}) - Counter()
        expected = {(f["rule_id"], f["message"]) for f in results["findings"] if f["status"] in ("fail", "unknown")}
        assert {(r["ruleId"], r["message"]["text"]) for r in run["results"]} == expected
    assert _load(files["unknown-json"])["summary"]["by_status"]["unknown"] > 0


def _finding_index(results: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["rule_id"], f["location"]["resource_id"] or f["subject"]["id"]): f for f in results["findings"]}


def test_level_follows_the_finding_severity(files: dict[str, Path]) -> None:
    for sarif, json_report in (("demo", "json"), ("unknown", "unknown-json")):
        run = _run(_load(files[sarif]))
        findings = _finding_index(_load(files[json_report]))
        defaults = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
        overridden = 0
        for result in run["results"]:
            finding = findings[(result["ruleId"], result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"])]
            expected = LEVEL[finding["severity"]]
            if finding["status"] == "unknown":  # not collected: reported, but never as an error
                expected = min(expected, "warning", key=_ORDER.index)
            assert result["level"] == expected, (result["ruleId"], finding["status"], finding["severity"])
            overridden += result["level"] != defaults[result["ruleId"]]
        # severity_when (an expired token password is high on a medium rule) must survive serialization
        assert overridden > 0


def test_fingerprints_are_unique_and_ignore_id_case_and_line(files: dict[str, Path], demo_scan: ScanResult) -> None:
    run = _run(_load(files["demo"]))
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    by_resource: dict[str, set[str]] = {}
    for result, fp in zip(run["results"], prints, strict=True):
        by_resource.setdefault(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], set()).add(fp)
    assert any(len(v) > 1 for v in by_resource.values())  # several rules on one registry: distinct
    again = _run(_load(files["demo2"]))
    assert [r["partialFingerprints"] for r in again["results"]] == [r["partialFingerprints"] for r in run["results"]]

    first = _failing_findings(demo_scan)[0]
    resource = first.location.resource_id or first.subject.id
    assert prints[0].split(":")[0] == hashlib.sha256(f"{first.rule_id}|{resource.lower()}".encode()).hexdigest()[:16]

    def fingerprint_of(finding: Finding) -> str:
        scan = msgspec.structs.replace(demo_scan, findings=(finding,))
        doc = SarifFormat().document(scan)
        value: str = _run(doc)["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
        return value

    upper = msgspec.structs.replace(
        first,
        subject=msgspec.structs.replace(first.subject, id=first.subject.id.upper()),
        location=Location(resource_id=resource.upper()),
        message="Another wording.",
    )
    moved = msgspec.structs.replace(first, location=Location(resource_id=resource, file="infra/acr.bicep", line=40))
    assert fingerprint_of(first) == fingerprint_of(upper) == fingerprint_of(moved)
    other_rule = msgspec.structs.replace(first, rule_id="ACR-002")
    assert fingerprint_of(other_rule) != fingerprint_of(first)


def test_live_locations_are_relative_lowercase_pseudo_paths(files: dict[str, Path]) -> None:
    kinds: Counter[str] = Counter()
    for name in ("demo", "unknown"):
        for result in _run(_load(files[name]))["results"]:
            location = result["locations"][0]
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            logical = location["logicalLocations"][0]
            assert physical["region"] == {"startLine": 1}
            assert uri == uri.lower() and ":" not in uri and not uri.startswith("/")
            assert logical["kind"] == "resource"
            kind = result["properties"]["subjectKind"]
            kinds[kind] += 1
            if logical["fullyQualifiedName"].startswith("/subscriptions/"):
                assert uri == "azure" + logical["fullyQualifiedName"].lower()
                assert result["properties"]["azureResourceId"] == logical["fullyQualifiedName"]
            if kind == "credential":
                assert uri.startswith("entra/serviceprincipals/")
    # tenant-level subjects and scope placeholders have a location too (GH1001 otherwise)
    assert kinds["credential"] and kinds["scope"] and kinds["registry"] and kinds["role_assignment"]
    registry = next(
        r
        for r in _run(_load(files["demo"]))["results"]
        if r["properties"]["subjectKind"] == "registry" and r["ruleId"] == "ACR-001"
    )
    assert registry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "azure/subscriptions/6fd7b6fa-ade3-5e68-8f69-b984d79b1ca9/resourcegroups/"
    )
    assert (
        "/providers/microsoft.containerregistry/registries/"
        in registry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    )


def test_iac_findings_point_at_repository_relative_files(files: dict[str, Path], work: Path) -> None:
    run = _run(_load(files["iac"]))
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    located = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0]["physicalLocation"]
        for r in run["results"]
    }
    assert located["infra/acr.bicep"] == {
        "artifactLocation": {"uri": "infra/acr.bicep", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 14},
    }
    assert located["infra/main.tf"]["region"] == {"startLine": 1}
    assert located["infra/network/private%20endpoint.json"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert located["infra/network/private%20endpoint.json"]["region"] == {"startLine": 1}
    assert str(work) not in files["iac"].read_text()
    # a symlinked repository root resolves to the same relative path
    link = work / "repo-link"
    if not link.exists():
        os.symlink(work / "repo", link)
    scan = _with_iac_locations_only_one(work / "repo" / "infra" / "acr.bicep")
    doc = SarifFormat(repo_root=link).document(scan)
    artifact = _run(doc)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "infra/acr.bicep", "uriBaseId": "%SRCROOT%"}


def _with_iac_locations_only_one(path: Path) -> ScanResult:
    config = Config()
    rules, pack_hash = prepare_rules(config, only=["ACR-001"])
    scan = run_scan(SnapshotFileSource(DEMO), rules, pack_hash, config, parse_datetime(NOW))
    finding = _failing_findings(scan)[0]
    finding = msgspec.structs.replace(finding, location=Location(file=str(path.parent.resolve() / path.name), line=3))
    return msgspec.structs.replace(scan, findings=(finding,))


def test_run_metadata(files: dict[str, Path]) -> None:
    run = _run(_load(files["demo"]))
    category = run["automationDetails"]["id"]
    assert category.startswith("acr-scan/") and category.endswith("/")
    assert category == _run(_load(files["github"]))["automationDetails"]["id"]  # same scope, same category
    assert _run(_load(files["audit"]))["automationDetails"]["id"] != category
    invocation = run["invocations"][0]
    assert invocation["startTimeUtc"] == invocation["endTimeUtc"] == NOW
    assert invocation["executionSuccessful"] is True
    assert run["columnKind"] == "utf16CodeUnits"
    later = _load(files["unknown"])
    notes = [n["message"]["text"] for n in _run(later)["invocations"][0]["toolExecutionNotifications"]]
    assert any("403" in n for n in notes)


def test_rule_errors_are_notifications_not_results(files: dict[str, Path]) -> None:
    run = _run(_load(files["rule-error"]))
    assert not any(r["ruleId"] == "ACR-024" for r in run["results"])
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert note["associatedRule"] == {"id": "ACR-024"}
    assert "KeyError" in note["message"]["text"] and "more subject(s)" in note["message"]["text"]


def test_suppressed_results_only_in_the_audit_profile(files: dict[str, Path]) -> None:
    counts = _load(files["suppressed-json"])["summary"]["by_status"]
    assert counts["suppressed"] == 1
    github, audit = _run(_load(files["github"])), _run(_load(files["audit"]))
    assert len(github["results"]) == counts["fail"] + counts["unknown"]
    assert len(audit["results"]) == counts["fail"] + counts["unknown"] + counts["suppressed"]
    assert not any("suppressions" in r for r in github["results"])
    suppressed = [r for r in audit["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    (entry,) = suppressed[0]["suppressions"]
    assert entry["kind"] == "external" and entry["status"] == "accepted"
    assert "SEC-42" in entry["justification"]
    assert suppressed[0]["properties"]["status"] == "suppressed"
    assert "devsandboxacr" in suppressed[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    fingerprint = suppressed[0]["partialFingerprints"]["primaryLocationLineHash"]
    assert fingerprint not in {r["partialFingerprints"]["primaryLocationLineHash"] for r in github["results"]}


# ----------------------------------------------------------------------------- limits


def _notifications(doc: dict[str, Any]) -> list[str]:
    return [n["message"]["text"] for n in _run(doc)["invocations"][0].get("toolExecutionNotifications", [])]


def test_lowered_cap_keeps_the_worst_and_says_so(files: dict[str, Path], demo_scan: ScanResult) -> None:
    warnings = io.StringIO()
    raw = SarifFormat(max_results=10, warnings=warnings).render(demo_scan)
    assert raw == files["capped"].read_bytes()
    doc = json.loads(raw)
    results = _run(doc)["results"]
    assert len(results) == 10
    lines = warnings.getvalue().splitlines()
    uncapped = SarifFormat(warnings=warnings).document(demo_scan)
    assert warnings.getvalue().count("\n") == 1  # no cap, no warning
    total = len(_run(uncapped)["results"])
    assert total > 10
    assert len(lines) == 1 and lines[0].startswith(f"acr-scan: warning: SARIF output limited to 10 of {total} results")
    assert any(f"limited to 10 of {total}" in n for n in _notifications(doc))
    assert {r["properties"]["severity"] for r in results} == {"high"}  # the high ones come first
    assert not any("limited" in n for n in _notifications(uncapped))


def test_size_cap_keeps_the_gzipped_file_under_the_limit(files: dict[str, Path], work: Path) -> None:
    limit = int((work / "size-limit").read_text())
    raw = files["size-capped"].read_bytes()
    assert len(gzip.compress(raw)) <= limit
    doc = json.loads(raw)
    assert 0 < len(_run(doc)["results"]) < 75
    assert any("limited to" in n for n in _notifications(doc))


@pytest.mark.slow
def test_more_than_25000_failing_findings_are_capped(
    demo_scan: ScanResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = _failing_findings(demo_scan)
    unknown = [msgspec.structs.replace(f, status=Status.UNKNOWN, severity=Severity.CRITICAL) for f in failing[:5]]
    copies = 25_000 // len(failing) + 1
    many: list[Finding] = []
    for n in range(copies):
        for f in failing:
            subject = msgspec.structs.replace(f.subject, id=f"{f.subject.id}-{n}")
            many.append(msgspec.structs.replace(f, subject=subject, location=Location(resource_id=subject.id)))
    scan = msgspec.structs.replace(demo_scan, findings=tuple(unknown + many))
    raw = SarifFormat().render(scan)
    doc = json.loads(raw)
    results = _run(doc)["results"]
    assert len(many) > 25_000 and len(results) == 25_000
    assert {r["properties"]["status"] for r in results} == {"fail"}  # fail before unknown
    severities = Counter(f.severity.value for f in many)
    kept = Counter(r["properties"]["severity"] for r in results)
    assert kept["high"] == severities["high"] and kept["medium"] == severities["medium"]  # worst kept whole
    assert kept["info"] < severities["info"]  # the least severe are left out
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"limited to 25000 of {len(many) + 5} results" in err
    assert any("limited to 25000" in n for n in _notifications(doc))
    assert sarif_tools.github_problems(doc, raw) == []
    assert sarif_tools.schema_errors(doc) == []
