"""The SARIF log of a scan: which findings become results, the run around them, GitHub's size limits.

GitHub's limits (25,000 results per run, 10 MB gzipped) are enforced by keeping the worst
results (fail before unknown, higher severity first) with a warning, rather than writing a file
GitHub would reject. The document is plain dicts written by orjson with sorted keys, so the
same input always gives the same bytes (docs/decisions/0006-sarif-as-plain-dicts.md).
"""

from __future__ import annotations

import hashlib
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import orjson

from scanner.outputs import jsonsafe
from scanner.outputs.sarif.locations import SRCROOT
from scanner.outputs.sarif.results import notifications, result_entry
from scanner.outputs.sarif.rules import INFORMATION_URI, rule_descriptor, stub_descriptor
from scanner.results import SEVERITY_RANK, Finding, Status
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime
from scanner.unknown import Unknown

SARIF_VERSION = "2.1.0"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "acr-policy-scanner"
TOOL_FULL_NAME = "acr-policy-scanner (Azure Container Registry compliance)"

# GitHub code scanning limits per run ("SARIF support for code scanning" in its docs).
MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10_000_000

PROFILES = ("github", "audit")
_STATUS_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.SUPPRESSED: 2}
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def scope_label(scope: Mapping[str, Any]) -> str:
    """A short, stable name for the scan scope (the SARIF category of the run)."""
    subs = [str(s).lower() for s in scope.get("subscriptions") or ()]
    groups = [str(g).lower() for g in scope.get("managementGroups") or ()]
    others = {k: v for k, v in scope.items() if k not in ("subscriptions", "managementGroups", "tenant")}
    if not others:
        if not subs and not groups:
            return "tenant"
        if len(subs) + len(groups) == 1:
            label = f"subscription-{subs[0]}" if subs else f"management-group-{groups[0]}"
            if len(label) <= 100:
                return "".join(c if c.isalnum() or c in "-._" else "_" for c in label)

    def canonical(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): canonical(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return sorted((canonical(v) for v in value), key=lambda v: orjson.dumps(v, option=orjson.OPT_SORT_KEYS))
        return value.lower() if isinstance(value, str) else value

    digest = hashlib.sha256(orjson.dumps(canonical(dict(scope)), option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"scope-{digest[:16]}"


def _scope_text(scope: Mapping[str, Any]) -> str:
    parts = []
    for key in sorted(scope):
        value = scope[key]
        shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts) or "tenant"


def _json_default(value: Any) -> Any:
    if isinstance(value, Unknown):  # inside evidence: its fields, as the JSON report writes it
        return jsonsafe.struct_object(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


class SarifFormat:
    """``--format sarif`` (``--sarif-profile github|audit``)."""

    name = "sarif"
    extension = ".sarif"
    default_filename = "results.sarif"

    def __init__(
        self,
        profile: str = "github",
        repo_root: Path | None = None,
        max_results: int = MAX_RESULTS,
        max_gzip_bytes: int = MAX_GZIP_BYTES,
        warnings: TextIO | None = None,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown SARIF profile {profile!r} (choose from {', '.join(PROFILES)})")
        self.profile = profile
        self.repo_root = repo_root
        self.max_results = max_results
        self.max_gzip_bytes = max_gzip_bytes
        self._warnings = warnings

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        stream.write(self.render(result))

    def render(self, result: ScanResult) -> bytes:
        """The SARIF file; the size limit is checked on the bytes actually written.

        Over a limit, the worst results are kept, one warning line goes to stderr and the run
        carries the same text as a tool execution notification.
        """
        selected = self.select(result.findings)
        limit = min(len(selected), self.max_results)
        while True:
            data = self._dumps(self.document(result, selected, limit))
            if len(data) <= self.max_gzip_bytes or limit == 0:
                break
            size = _gzip_size(data)
            if size <= self.max_gzip_bytes:
                break
            limit = min(limit - 1, int(limit * self.max_gzip_bytes / size * 0.9))
        if limit < len(selected):
            self._warn(self._cap_message(selected, limit))
        return data

    def select(self, findings: Iterable[Finding]) -> list[Finding]:
        """Findings that become results, worst first (GitHub may keep only the first ones)."""
        wanted = {Status.FAIL, Status.UNKNOWN}
        if self.profile == "audit":
            wanted.add(Status.SUPPRESSED)
        chosen = [f for f in findings if f.status in wanted]
        chosen.sort(key=lambda f: (_STATUS_RANK[f.status], -SEVERITY_RANK[f.severity]))
        return chosen

    def document(
        self, result: ScanResult, selected: Sequence[Finding] | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        """The whole SARIF log as plain dicts (``limit``: how many of ``selected`` to keep)."""
        if selected is None:
            selected = self.select(result.findings)
        if limit is None:
            limit = min(len(selected), self.max_results)
        kept = selected[:limit]
        descriptors = [rule_descriptor(r) for r in result.rules]
        index = {r.id: i for i, r in enumerate(result.rules)}
        for finding in kept:
            if finding.rule_id not in index:
                index[finding.rule_id] = len(descriptors)
                descriptors.append(stub_descriptor(finding))
        occurrences: dict[str, int] = {}
        audit = self.profile == "audit"
        results = [result_entry(f, index[f.rule_id], occurrences, audit=audit, repo_root=self.repo_root) for f in kept]
        notes = notifications(result)
        if limit < len(selected):
            text = self._cap_message(selected, limit)
            notes.insert(0, {"level": "warning", "message": {"text": text}})
        meta = result.metadata
        start, end = sorted((meta.collected_at, meta.now))
        invocation: dict[str, Any] = {
            "executionSuccessful": not any(f.status is Status.ERROR for f in result.findings),
            "startTimeUtc": format_datetime(start),
            "endTimeUtc": format_datetime(end),
            "properties": {
                "collectedAt": format_datetime(meta.collected_at),
                "evaluatedAt": format_datetime(meta.now),
                "policyPackHash": meta.policy_pack_hash,
                "sarifProfile": self.profile,
                "scope": dict(meta.scope),
                "tenantId": meta.tenant_id,
            },
        }
        if notes:
            invocation["toolExecutionNotifications"] = notes
        prefix = "acr-scan" if self.profile == "github" else "acr-scan-audit"
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "fullName": TOOL_FULL_NAME,
                    "version": meta.tool_version,
                    "semanticVersion": meta.tool_version,
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                }
            },
            "automationDetails": {
                "id": f"{prefix}/{scope_label(meta.scope)}/",
                "description": {"text": f"acr-policy-scanner {self.profile} profile, scope {_scope_text(meta.scope)}."},
            },
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the scanned repository."}}},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }
        return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}

    def _cap_message(self, selected: Sequence[Finding], limit: int) -> str:
        dropped = selected[limit:]
        fails = sum(1 for f in dropped if f.status is Status.FAIL)
        return (
            f"SARIF output limited to {limit} of {len(selected)} results "
            f"(GitHub accepts at most {self.max_results} results and {self.max_gzip_bytes} gzipped bytes per run); "
            f"kept fail before unknown, higher severity first; {len(dropped)} left out ({fails} fail). "
            "The JSON report has every finding."
        )

    def _warn(self, text: str) -> None:
        stream = self._warnings if self._warnings is not None else sys.stderr
        stream.write(f"acr-scan: warning: {text}\n")

    @staticmethod
    def _dumps(document: Mapping[str, Any]) -> bytes:
        return jsonsafe.dumps(document, default=_json_default, option=_OPTIONS) + b"\n"


def _gzip_size(data: bytes) -> int:
    """Size after gzip at the default level (what upload-sarif and ``gzip -c`` send)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return len(compressor.compress(data)) + len(compressor.flush())
