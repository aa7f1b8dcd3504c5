"""Checks any test can run on a SARIF file the scanner wrote.

- :func:`schema_errors`: the OASIS SARIF 2.1.0 errata01 schema (JSON Schema draft-04), with
  ``jsonschema_rs.Draft4Validator``, formats (``uri``, ``date-time``) included; it checks a
  25,000-result file in well under a second where the pure-Python validator takes most of a minute;
- :func:`github_problems`: what GitHub code scanning rejects or mishandles but neither the
  schema nor Multitool notices (string ``security-severity``, scheme-free relative URIs,
  one location per result, limits, ``ruleIndex`` consistency, ...);
- :func:`multitool_errors`: Microsoft's SARIF Multitool ``validate`` with GitHub's rule set
  (``--rule-kind "Sarif;Ghas"`` and ``github.config.xml``). Its exit code says nothing about
  the findings, so its own SARIF output is parsed and every ``error`` result is returned.
  Start-up is slow (~2 s): pass several files to one call.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import jsonschema_rs
import pytest

from tests.conftest import DATA, ROOT
from tests.tools import require_tool

SARIF_REFERENCE = DATA / "sarif"
SCHEMA_PATH = SARIF_REFERENCE / "sarif-schema-2.1.0.json"
GITHUB_CONFIG = SARIF_REFERENCE / "github.config.xml"
MULTITOOL = ROOT / ".tools" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"

MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10_000_000
LEVELS = {"none", "note", "warning", "error"}
PRECISIONS = {"very-high", "high", "medium", "low"}
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}:[1-9][0-9]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft4Validator.check_schema(schema)  # the schema file itself is well-formed draft-04
    return jsonschema_rs.Draft4Validator(schema, validate_formats=True)


def schema_errors(document: Any) -> list[str]:
    """Every violation of the OASIS schema, as ``path: message`` lines (empty: valid)."""
    return [
        f"{'/'.join(str(p) for p in error.instance_path)}: {error.message}"
        for error in _validator().iter_errors(document)
    ]


def github_problems(document: Mapping[str, Any], raw: bytes | None = None) -> list[str]:
    """What GitHub code scanning would reject or mishandle (empty: acceptable)."""
    problems: list[str] = []
    add = problems.append
    if document.get("version") != "2.1.0":
        add("version must be 2.1.0")
    if not str(document.get("$schema", "")).endswith(("2.1.0", "2.1.0.json")):
        add("$schema must name SARIF 2.1.0")
    runs = document.get("runs")
    if not isinstance(runs, list) or len(runs) != 1:
        return [*problems, "exactly one run per file"]
    run = runs[0]
    category = (run.get("automationDetails") or {}).get("id", "")
    if "/" not in category or not category.split("/")[0]:
        add(f"automationDetails.id {category!r} gives no category")
    driver = (run.get("tool") or {}).get("driver") or {}
    if not driver.get("name"):
        add("tool.driver.name is required")
    rules = driver.get("rules") or []
    if len(rules) > MAX_RULES:
        add(f"{len(rules)} rules > {MAX_RULES}")
    ids = [r.get("id") for r in rules]
    if len(set(ids)) != len(ids):
        add("duplicate rule ids")
    for i, rule in enumerate(rules):
        where = f"rules[{i}] {rule.get('id')}"
        for key in ("shortDescription", "fullDescription"):
            text = (rule.get(key) or {}).get("text", "")
            if not text or len(text) > 1024:
                add(f"{where}: {key}.text must have 1..1024 characters")
        if not (rule.get("help") or {}).get("text"):
            add(f"{where}: help.text is required")
        if len(rule.get("name", "")) > 255:
            add(f"{where}: name longer than 255")
        level = (rule.get("defaultConfiguration") or {}).get("level")
        if level not in LEVELS:
            add(f"{where}: defaultConfiguration.level {level!r}")
        props = rule.get("properties") or {}
        if len(props.get("tags") or []) > MAX_TAGS:
            add(f"{where}: more than {MAX_TAGS} tags")
        if props.get("precision") not in PRECISIONS:
            add(f"{where}: precision {props.get('precision')!r}")
        severity = props.get("security-severity")
        if not isinstance(severity, str):
            add(f"{where}: security-severity must be a JSON string, got {severity!r}")
        else:
            try:
                value = float(severity)
            except ValueError:
                add(f"{where}: security-severity {severity!r} is not a number")
            else:
                if not 0.0 <= value <= 10.0:
                    add(f"{where}: security-severity {severity} outside 0..10")
    results = run.get("results")
    if not isinstance(results, list):
        return [*problems, "run.results must be present (even empty)"]
    if len(results) > MAX_RESULTS:
        add(f"{len(results)} results > {MAX_RESULTS}")
    for i, result in enumerate(results):
        where = f"results[{i}] {result.get('ruleId')}"
        index = result.get("ruleIndex")
        if not isinstance(index, int) or not 0 <= index < len(rules) or ids[index] != result.get("ruleId"):
            add(f"{where}: ruleIndex {index!r} does not point at its rule")
        if result.get("level") not in LEVELS - {"none"}:
            add(f"{where}: level {result.get('level')!r} (must be explicit)")
        if result.get("kind", "fail") != "fail":
            add(f"{where}: kind {result.get('kind')!r} (GitHub shows every result as an alert)")
        if not (result.get("message") or {}).get("text"):
            add(f"{where}: message.text is required")
        locations = result.get("locations") or []
        if len(locations) != 1:
            add(f"{where}: {len(locations)} locations (GitHub reads only the first; emit one)")
        for location in locations[:1]:
            physical = location.get("physicalLocation") or {}
            uri = (physical.get("artifactLocation") or {}).get("uri", "")
            if not uri:
                add(f"{where}: no physicalLocation.artifactLocation.uri")
            elif _SCHEME.match(uri) or uri.startswith("/") or ":" in uri.split("/")[0]:
                add(f"{where}: uri {uri!r} is not a scheme-free relative path")
            start = (physical.get("region") or {}).get("startLine", 1)
            if not isinstance(start, int) or start < 1:
                add(f"{where}: region.startLine {start!r} < 1")
        fingerprint = (result.get("partialFingerprints") or {}).get("primaryLocationLineHash", "")
        if not _FINGERPRINT.match(fingerprint):
            add(f"{where}: primaryLocationLineHash {fingerprint!r}")
    if raw is not None and len(gzip.compress(raw)) > MAX_GZIP_BYTES:
        add(f"gzipped size exceeds {MAX_GZIP_BYTES} bytes")
    return problems


def require_multitool() -> Path:
    """The Multitool binary; a skip saying how to install it, or a failure under ACR_SCAN_REQUIRE_TOOLS=1."""
    return require_tool("Sarif.Multitool", MULTITOOL)


def multitool_errors(paths: Iterable[Path], workdir: Path, rule_kind: str = "Sarif;Ghas") -> dict[Path, list[str]]:
    """Run Multitool once over ``paths``; ``{path: [error lines]}`` (every path is a key)."""
    binary = require_multitool()
    targets = [Path(p).resolve() for p in paths]
    out = workdir / "multitool-validation.sarif"
    proc = subprocess.run(
        [
            str(binary),
            "validate",
            *map(str, targets),
            "--rule-kind",
            rule_kind,
            "--config",
            str(GITHUB_CONFIG),
            "--max-file-size-in-kb",
            "200000",
            "-o",
            str(out),
            "--log",
            "ForceOverwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 or not out.is_file():
        pytest.fail(f"Sarif.Multitool failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    report = json.loads(out.read_text(encoding="utf-8-sig"))
    errors: dict[Path, list[str]] = {p: [] for p in targets}
    for run in report.get("runs", []):
        rules = {r["id"]: r for r in run.get("tool", {}).get("driver", {}).get("rules", [])}
        for result in run.get("results", []):
            level = result.get("level") or rules.get(result.get("ruleId", ""), {}).get("defaultConfiguration", {}).get(
                "level", "warning"
            )
            if level != "error":
                continue
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            path = Path(unquote(urlparse(uri).path))
            arguments = ", ".join(result.get("message", {}).get("arguments", []))
            errors.setdefault(path, []).append(f"{result.get('ruleId')}: {arguments}")
    return errors


def assert_valid_sarif(paths: Iterable[Path], workdir: Path, multitool: bool = True) -> None:
    """Every file passes the OASIS schema, GitHub's extra checks and (unless ``multitool`` is
    False) one Multitool run. The Multitool takes seconds to start: tests whose SARIF has a shape
    test_sarif's one Multitool run already checks (the same writer, the same profile) pass False."""
    files = [Path(p) for p in paths]
    for path in files:
        raw = path.read_bytes()
        document = json.loads(raw)
        assert schema_errors(document) == [], path
        assert github_problems(document, raw) == [], path
    if multitool:
        errors = multitool_errors(files, workdir)
        assert all(not found for found in errors.values()), errors
