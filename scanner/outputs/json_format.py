"""JSON results: the complete, deterministic record of a scan (sorted keys, stable order)."""

from __future__ import annotations

from typing import Any

import orjson

from scanner.outputs.summary import failing_by_severity, status_counts
from scanner.results import Finding
from scanner.scan import ScanResult
from scanner.timeutil import format_datetime

SCHEMA_VERSION = "1.0"


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """The JSON shape of one finding (also used by other formats and tests)."""
    s = f.subject
    return {
        "ruleId": f.rule_id,
        "title": f.title,
        "status": f.status.value,
        "severity": f.severity.value,
        "message": f.message,
        "subject": {
            "id": s.id,
            "name": s.name,
            "kind": s.kind,
            "subscriptionId": s.subscription_id,
            "resourceGroup": s.resource_group,
            "registryId": s.registry_id,
            "registryName": s.registry_name,
        },
        "evidence": dict(f.evidence),
        "remediation": None
        if f.remediation is None
        else {"text": f.remediation.text, "command": f.remediation.command},
        "location": {"resourceId": f.location.resource_id, "file": f.location.file, "line": f.location.line},
        "suppression": None
        if f.suppression is None
        else {"justification": f.suppression.justification, "expires": f.suppression.expires},
    }


def result_to_dict(result: ScanResult) -> dict[str, Any]:
    """The whole JSON document."""
    meta = result.metadata
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "acr-policy-scanner", "version": meta.tool_version},
        "scan": {
            "now": format_datetime(meta.now),
            "collectedAt": format_datetime(meta.collected_at),
            "source": meta.source,
            "tenantId": meta.tenant_id,
            "scope": meta.scope,
            "policyPackHash": meta.policy_pack_hash,
            "config": meta.config_source,
        },
        "summary": {
            "total": len(result.findings),
            "byStatus": status_counts(result.findings),
            "failingBySeverity": failing_by_severity(result.findings),
        },
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity.value,
                "subject": r.subject,
                "parameters": dict(r.params),
                "frameworks": {k: list(v) for k, v in r.frameworks.items()},
                "tags": list(r.tags),
            }
            for r in result.rules
        ],
        "findings": [finding_to_dict(f) for f in result.findings],
        "coverage": [
            {
                "source": e.source,
                "scope": e.scope,
                "status": e.status,
                "code": e.code,
                "message": e.message,
                "affects": list(e.affects),
            }
            for e in result.coverage_errors
        ],
        "suppressions": {
            "applied": [
                {
                    "rule": s.rule,
                    "resource": s.resource,
                    "justification": s.justification,
                    "expires": s.expires.isoformat() if s.expires else None,
                    "matched": n,
                }
                for s, n in result.suppressions.applied
            ],
            "expired": [
                {
                    "rule": s.rule,
                    "resource": s.resource,
                    "justification": s.justification,
                    "expires": s.expires.isoformat() if s.expires else None,
                }
                for s in result.suppressions.expired
            ],
        },
    }


class JsonFormat:
    """``--format json``."""

    name = "json"
    extension = ".json"

    def render(self, result: ScanResult) -> bytes:
        return orjson.dumps(result_to_dict(result), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
