"""The probe report as SARIF 2.1.0: one rule per step, one result per failing or unknown step.

Plain dicts written with sorted keys, like the scan's SARIF (docs/decisions/0006); the constants
and the fingerprint hash are the scan's, so code scanning treats both alike. A registry is a
pseudo-path ``acr-probe/<login server>``: results show as alerts, never as annotations. The
category (``automationDetails.id``) is ``acr-scan-probe/``, apart from the scan's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson

from scanner import __version__
from scanner.outputs.sarif.document import SARIF_VERSION, SCHEMA_URI, TOOL_FULL_NAME, TOOL_NAME
from scanner.outputs.sarif.locations import fingerprint_hash
from scanner.outputs.sarif.rules import INFORMATION_URI
from scanner.probe.model import STEPS, ProbeReport, StepResult

_TITLES = {
    "dns": "The registry's names resolve as the control plane expects",
    "tls": "The registry's TLS certificate verifies for its name",
    "challenge": "GET /v2/ answers the registry's Bearer challenge",
    "token": "The identity gets an access token for the registry",
}


def _rule(step: str) -> dict[str, Any]:
    title = _TITLES[step]
    return {
        "id": f"PROBE-{step.upper()}",
        "name": "Probe" + step.capitalize(),
        "shortDescription": {"text": title},
        "fullDescription": {
            "text": f"acr-scan probe, {step} step: {title.lower()} from the machine the probe runs on."
        },
        "help": {"text": f"See docs/probe.md, step {step}.", "markdown": f"See `docs/probe.md`, step **{step}**."},
        "helpUri": INFORMATION_URI,
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "acr", "probe"], "security-severity": "8.0", "precision": "high"},
    }


def _result(registry: str, step: StepResult) -> dict[str, Any]:
    rule = f"PROBE-{step.step.upper()}"
    text = f"{registry}: {step.cause}" + (f" Fix: {step.fix}" if step.fix else "")
    if step.predicted:
        text += f" Predicted: {step.predicted}"
    return {
        "ruleId": rule,
        "ruleIndex": STEPS.index(step.step),
        "kind": "fail",
        "level": "error" if step.status == "fail" else "warning",
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "acr-probe/" + quote(registry.lower(), safe="")},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [{"name": registry, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint_hash(f"{rule}|{registry.lower()}") + ":1"},
        "properties": {"status": step.status, "evidence": step.evidence},
    }


def sarif_document(report: ProbeReport) -> dict[str, Any]:
    results = [
        _result(reg.registry, step)
        for reg in report.registries
        for step in reg.steps
        if step.status in ("fail", "unknown")
    ]
    driver = {
        "name": TOOL_NAME,
        "fullName": TOOL_FULL_NAME,
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(s) for s in STEPS],
    }
    run = {
        "tool": {"driver": driver},
        "automationDetails": {"id": "acr-scan-probe/", "description": {"text": "acr-scan probe: data-plane health."}},
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: ProbeReport) -> bytes:
    return orjson.dumps(sarif_document(report), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
