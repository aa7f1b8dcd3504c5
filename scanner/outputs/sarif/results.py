"""One SARIF result per finding, and the tool execution notifications of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.outputs.sarif.locations import fingerprint_hash, fingerprint_key, location
from scanner.outputs.sarif.rules import result_level
from scanner.results import Finding, Status
from scanner.scan_result import ScanResult

# At most this many coverage-gap notifications per run; the rest are counted in one more (the JSON report has them all).
MAX_NOTIFICATIONS = 100


def result_entry(
    finding: Finding, rule_index: int, occurrences: dict[str, int], *, audit: bool, repo_root: Path | None
) -> dict[str, Any]:
    """``runs[0].results[]`` entry (``occurrences`` counts fingerprints already used in this run)."""
    key = fingerprint_key(finding)
    occurrence = occurrences.get(key, 0) + 1
    occurrences[key] = occurrence
    properties: dict[str, Any] = {
        "status": finding.status.value,
        "severity": finding.severity.value,
        "subjectKind": finding.subject.kind,
    }
    resource_id = finding.location.resource_id or finding.subject.id
    if resource_id.startswith("/"):
        properties["azureResourceId"] = resource_id
    if finding.remediation is not None and finding.remediation.command:
        properties["remediationCommand"] = finding.remediation.command
    if audit and finding.evidence:
        properties["evidence"] = finding.evidence
    sarif: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": result_level(finding),
        "message": {"text": finding.message or finding.title or finding.rule_id},
        "locations": [location(finding, repo_root)],
        "partialFingerprints": {"primaryLocationLineHash": f"{fingerprint_hash(key)}:{occurrence}"},
        "properties": properties,
    }
    if finding.status is Status.SUPPRESSED:
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": finding.suppression.justification if finding.suppression else "suppressed",
        }
        if finding.suppression is not None and finding.suppression.expires:
            suppression["properties"] = {"expires": finding.suppression.expires}
        sarif["suppressions"] = [suppression]
    return sarif


def notifications(result: ScanResult) -> list[dict[str, Any]]:
    """Coverage gaps (warnings) and rule errors (errors, one per rule)."""
    notes: list[dict[str, Any]] = []
    errors: dict[str, list[Finding]] = {}
    for f in result.findings:
        if f.status is Status.ERROR:
            errors.setdefault(f.rule_id, []).append(f)
    for rule_id in sorted(errors):
        items = errors[rule_id]
        more = f" (and {len(items) - 1} more subject(s))" if len(items) > 1 else ""
        notes.append(
            {
                "level": "error",
                "message": {"text": f"Rule {rule_id} could not be evaluated: {items[0].message}{more}"},
                "associatedRule": {"id": rule_id},
            }
        )
    gaps = result.coverage_errors
    for error in gaps[:MAX_NOTIFICATIONS]:
        notes.append({"level": "warning", "message": {"text": f"Coverage gap: {error.describe()}"}})
    if len(gaps) > MAX_NOTIFICATIONS:
        rest = len(gaps) - MAX_NOTIFICATIONS
        text = f"{rest} more coverage gap(s); see the JSON report."
        notes.append({"level": "warning", "message": {"text": text}})
    return notes
