"""Where a SARIF result is: a file and line for IaC, a pseudo-path and logical location for live.

Every result has a physical location, because GitHub rejects the *whole file* otherwise:
an IaC finding points at its file and line relative to the repository root (``%SRCROOT%``);
a live finding points at a relative, scheme-free, lower-case pseudo-path built from its
resource id (``azure/subscriptions/<sub>/resourcegroups/<rg>/providers/...``, line 1) and
carries the exact id as a logical location. ``partialFingerprints.primaryLocationLineHash``
is a hash of the rule id and the lower-cased resource id, because upload-sarif cannot hash
a line of a file that does not exist.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scanner.results import Finding

SRCROOT = "%SRCROOT%"


def fingerprint_key(finding: Finding) -> str:
    """What identifies an alert across runs: rule id, resource id and element, lower-cased."""
    subject_id = finding.subject.id.lower()
    resource = (finding.location.resource_id or finding.subject.id).lower()
    element = f"|{subject_id}" if subject_id != resource else ""
    return f"{finding.rule_id}|{resource}{element}"


def fingerprint_hash(key: str) -> str:
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


def location(finding: Finding, repo_root: Path | None) -> dict[str, Any]:
    """The result's one location: physical (file and line, or pseudo-path) and logical (the resource)."""
    place = finding.location
    resource_id = place.resource_id or finding.subject.id
    logical = {"name": finding.subject.name, "fullyQualifiedName": resource_id, "kind": "resource"}
    if place.file:
        artifact = file_artifact(place.file, repo_root)
        region = {"startLine": max(1, place.line or 1)}
    else:
        artifact = {"uri": pseudo_path(finding)}
        region = {"startLine": 1}
    return {
        "physicalLocation": {"artifactLocation": artifact, "region": region},
        "logicalLocations": [logical],
    }


def file_artifact(file: str, repo_root: Path | None) -> dict[str, Any]:
    """A repository-relative ``%SRCROOT%`` location for an IaC file (``repo_root``: default the git top level)."""
    if not os.path.isabs(file):
        parts = [s for s in file.replace("\\", "/").split("/") if s and s != "."]
        return {"uri": quote("/".join(parts), safe="/"), "uriBaseId": SRCROOT}
    root = repo_root if repo_root is not None else _git_top_level(Path.cwd())
    for resolve in (os.path.abspath, os.path.realpath):
        try:
            relative = Path(resolve(file)).relative_to(resolve(root))
        except ValueError:
            continue
        return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}
    # Outside the repository: an absolute file URI, which GitHub makes relative to its checkout.
    return {"uri": Path(file).as_uri()}


def _git_top_level(start: Path) -> Path:
    """The nearest directory holding ``.git`` (the default repository root), else ``start``."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start
