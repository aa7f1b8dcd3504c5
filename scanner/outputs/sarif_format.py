"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps: one run per file, one tool.

Two profiles: ``github`` (what code scanning accepts: ``fail`` and ``unknown`` results only)
and ``audit`` (also ``suppressed`` results, each with a SARIF ``suppressions`` entry carrying
its justification; GitHub ignores suppressions, so never upload this profile there).

Every result has a physical location, because GitHub rejects the *whole file* otherwise:
an IaC finding points at its file and line relative to the repository root (``%SRCROOT%``);
a live finding points at a relative, scheme-free, lower-case pseudo-path built from its
resource id (``azure/subscriptions/<sub>/resourcegroups/<rg>/providers/...``, line 1) and
carries the exact id as a logical location. ``partialFingerprints.primaryLocationLineHash``
is a hash of the rule id and the lower-cased resource id, because upload-sarif cannot hash
a line of a file that does not exist. GitHub's limits (25,000 results per run, 10 MB
gzipped) are enforced by keeping the worst results (fail before unknown, higher severity
first) with a warning, rather than writing a file GitHub would reject.

Why plain dicts and not ``sarif_om`` + ``jschema_to_python.to_json`` (the issue's first
choice; the design note in ARCHITECTURE.md already says "plain dicts"), measured with
sarif-om 1.0.4 / jschema-to-python 1.2.3 here:

- ``to_json`` deep-copies every object's ``__dict__`` before serializing it, so each result
  is copied once per ancestor level: 25,000 results (a 5,000-registry scan has ~30,000
  failing findings) took 8.2 s in ``to_json`` alone; this module renders the same 25,000,
  gzip size check included, in about 0.5 s.
- It drops every value equal to the attrs default, with no way to keep one: a result's
  explicit ``level: "warning"`` vanishes and the result inherits its rule's default level.
  That is wrong whenever ``severity_when`` moves a finding off its rule's severity
  (ACR-043 is ``low``/note by default and ``medium``/warning above 90 %); a rule's
  ``defaultConfiguration.level: "warning"`` vanishes too.
- It cannot sort keys (``$schema`` comes out after ``runs``), so byte-identical output
  depends on construction order only; the property bag (``security-severity``) has to be a
  plain dict anyway.
- The sarif-om classes without ``to_json`` would need a second serializer, and their
  defaults (``kind="fail"``, ``rank=-1.0``, ``ruleIndex=-1``) cannot be told apart from
  values that were set, so it would have to repeat the same guesswork.

So the document is built as plain dicts, in one place, and written by orjson with sorted
keys: the same input always gives the same bytes. It is validated in the tests against the
OASIS schema and by Microsoft's SARIF Multitool with GitHub's rule set.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TextIO
from urllib.parse import quote

import orjson

from scanner.engine.rule import Rule
from scanner.outputs import jsonsafe
from scanner.results import SEVERITY_RANK, Finding, Severity, Status
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime
from scanner.unknown import Unknown

SARIF_VERSION = "2.1.0"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "acr-policy-scanner"
TOOL_FULL_NAME = "acr-policy-scanner (Azure Container Registry compliance)"
# The project publishes no URL yet (pyproject has no [project.urls]); replace when it does.
INFORMATION_URI = "https://github.com/acr-policy-scanner/acr-policy-scanner"
SRCROOT = "%SRCROOT%"

# GitHub code scanning limits (docs: sarif-limits.md).
MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10_000_000
MAX_TAGS = 20
MAX_DESCRIPTION = 1024
MAX_NAME = 255
MAX_NOTIFICATIONS = 100

LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
PROFILES = ("github", "audit")
_STATUS_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.SUPPRESSED: 2}
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def result_level(finding: Finding) -> str:
    """SARIF level of a result: by severity; an ``unknown`` is at most a warning.

    Unknown means the data was not collected, not that a violation was seen: it is reported
    (fail closed) but never claims to be an error. The gate's exit 3 is the hard signal.
    """
    level = LEVEL[finding.severity]
    if finding.status is Status.UNKNOWN and level == "error":
        return "warning"
    return level


def fingerprint_key(finding: Finding) -> str:
    """What identifies an alert across runs: rule id, resource id and element, lower-cased."""
    subject_id = finding.subject.id.lower()
    resource = (finding.location.resource_id or finding.subject.id).lower()
    element = f"|{subject_id}" if subject_id != resource else ""
    return f"{finding.rule_id}|{resource}{element}"


def _fingerprint_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _segments(text: str) -> list[str]:
    """Path segments safe for a relative URI: no empty, ``.`` or ``..`` segments."""
    return [s if s not in (".", "..") else "_" for s in text.split("/") if s]


def pseudo_path(finding: Finding) -> str:
    """Relative, scheme-free, lower-case path standing for a live (non-file) subject."""
    subject = finding.subject
    resource = finding.location.resource_id or subject.id
    if subject.kind == "scope":
        parts = ["azure", *(_segments(subject.id.lower()) or ["tenant"])]
    elif resource.startswith("/"):
        parts = ["azure", *_segments(resource.lower())]
    elif subject.kind == "credential":
        parts = ["entra", "serviceprincipals", *_segments(resource.lower())]
    else:
        parts = ["azure", "other", *_segments(resource.lower())]
    return quote("/".join(parts), safe="/")


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words)[:MAX_NAME] or "Rule"


def _trim(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tags(rule: Rule) -> list[str]:
    tags = ["security", "acr", *rule.tags]
    for framework in sorted(rule.frameworks):
        tags += [f"{framework.replace('_', '-')}/{value}" for value in rule.frameworks[framework]]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _help(rule: Rule) -> dict[str, str]:
    description = " ".join(rule.description.split())
    text = [description, "", f"Remediation: {rule.remediation_text}"]
    markdown = [description, "", f"**Remediation:** {rule.remediation_text}"]
    if rule.az_template:
        text += ["", f"    {rule.az_template}"]
        markdown += ["", "```sh", rule.az_template, "```"]
    mappings = [f"{k}: {', '.join(v)}" for k, v in sorted(rule.frameworks.items()) if v]
    if mappings:
        text += ["", "Frameworks: " + "; ".join(mappings)]
        markdown += ["", "**Frameworks:** " + "; ".join(mappings)]
    if rule.references:
        text += ["", "References:", *(f"- {r}" for r in rule.references)]
        markdown += ["", "**References:**", "", *(f"- <{r}>" for r in rule.references)]
    return {"text": "\n".join(text), "markdown": "\n".join(markdown)}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """``tool.driver.rules[]`` entry with everything GitHub and Multitool ask for."""
    return {
        "id": rule.id,
        "name": _pascal(rule.title),
        "shortDescription": {"text": _trim(rule.title)},
        "fullDescription": {"text": _trim(rule.description)},
        "help": _help(rule),
        "helpUri": rule.references[0] if rule.references else INFORMATION_URI,
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": _tags(rule),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": rule.precision,
            "severity": rule.severity.value,
            "frameworks": {k: list(v) for k, v in sorted(rule.frameworks.items())},
        },
    }


def _stub_descriptor(finding: Finding) -> dict[str, Any]:
    """For a finding whose rule is not in ``result.rules`` (never expected): still valid."""
    title = finding.title or finding.rule_id
    return {
        "id": finding.rule_id,
        "name": _pascal(title),
        "shortDescription": {"text": _trim(title)},
        "fullDescription": {"text": _trim(title)},
        "help": {"text": title, "markdown": title},
        "helpUri": INFORMATION_URI,
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {
            "tags": ["security", "acr"],
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "precision": "high",
            "severity": finding.severity.value,
        },
    }


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
    if isinstance(value, Unknown):
        return f"unknown: {value.reason}"
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

    # ------------------------------------------------------------------ public

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
                descriptors.append(_stub_descriptor(finding))
        occurrences: dict[str, int] = {}
        results = [self._result(f, index[f.rule_id], occurrences) for f in kept]
        notifications = self._notifications(result)
        if limit < len(selected):
            text = self._cap_message(selected, limit)
            notifications.insert(0, {"level": "warning", "message": {"text": text}})
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
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
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

    # ------------------------------------------------------------------ pieces

    def _result(self, finding: Finding, rule_index: int, occurrences: dict[str, int]) -> dict[str, Any]:
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
        if self.profile == "audit" and finding.evidence:
            properties["evidence"] = finding.evidence
        sarif: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "level": result_level(finding),
            "message": {"text": finding.message or finding.title or finding.rule_id},
            "locations": [self._location(finding)],
            "partialFingerprints": {"primaryLocationLineHash": f"{_fingerprint_hash(key)}:{occurrence}"},
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

    def _location(self, finding: Finding) -> dict[str, Any]:
        location = finding.location
        resource_id = location.resource_id or finding.subject.id
        logical = {"name": finding.subject.name, "fullyQualifiedName": resource_id, "kind": "resource"}
        if location.file:
            artifact = self._file_artifact(location.file)
            region = {"startLine": max(1, location.line or 1)}
        else:
            artifact = {"uri": pseudo_path(finding)}
            region = {"startLine": 1}
        return {
            "physicalLocation": {"artifactLocation": artifact, "region": region},
            "logicalLocations": [logical],
        }

    def _file_artifact(self, file: str) -> dict[str, Any]:
        """A repository-relative ``%SRCROOT%`` location for an IaC file."""
        if not os.path.isabs(file):
            parts = [s for s in file.replace("\\", "/").split("/") if s and s != "."]
            return {"uri": quote("/".join(parts), safe="/"), "uriBaseId": SRCROOT}
        root = self.repo_root if self.repo_root is not None else _git_top_level(Path.cwd())
        for resolve in (os.path.abspath, os.path.realpath):
            try:
                relative = Path(resolve(file)).relative_to(resolve(root))
            except ValueError:
                continue
            return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}
        # Outside the repository: an absolute file URI, which GitHub makes relative to its checkout.
        return {"uri": Path(file).as_uri()}

    def _notifications(self, result: ScanResult) -> list[dict[str, Any]]:
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


def _git_top_level(start: Path) -> Path:
    """The nearest directory holding ``.git`` (the default repository root), else ``start``."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _gzip_size(data: bytes) -> int:
    """Size after gzip at the default level (what upload-sarif and ``gzip -c`` send)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return len(compressor.compress(data)) + len(compressor.flush())
