"""Point the findings of an IaC scan at the files and lines where their resources are declared.

A pass over the finished findings, like suppressions: a finding about a declared resource (or
about a token password, a role assignment or anything else under a declared registry) points
at that declaration, and a failing or unknown one at the property its verdict rests on when
the reader located it. A resource's inline suppressions (``# acr-scan:ignore ACR-001 reason``
in ``.tf``, a ``metadata`` entry in an ARM resource) apply to its findings here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scanner.results import Finding, Location, Status, SubjectRef, SuppressionRef
from scanner.sources.declarations import IacResource, ModuleCall

_NOT_PATHS = frozenset({"missing", "liveOnly"})  # evidence entries that are not property paths
_CANDIDATES: dict[tuple[str, ...], tuple[str, ...]] = {}  # evidence keys → paths to try, last first
# A subject id below its declared resource: a token's password, a workload's pull path.
_PARENT_MARKERS = ("/passwords/", "/pullsfrom/")


def declaration(ref: SubjectRef, resources: Mapping[str, IacResource]) -> IacResource | None:
    """The declared resource a subject comes from: itself, else its token, workload or registry.

    A pull path (``<workload id>/pullsFrom/<registry>``) is the workload's to fix: its findings
    point at the workload's declaration, not the registry's. A scope placeholder has one only
    when it stands for a Terraform module that was not read (its id is the module's address):
    its findings point at the module call.
    """
    key = ref.id.lower()
    if ref.kind == "scope":
        return resources.get(key)
    entry = resources.get(key)
    for marker in _PARENT_MARKERS:
        if entry is None and marker in key:
            entry = resources.get(key[: key.rfind(marker)])
    if entry is None and ref.registry_id:
        entry = resources.get(ref.registry_id.lower())
    return entry


def property_line(lines: Mapping[str, int], evidence: Mapping[str, Any]) -> int | None:
    """The line of the property a verdict rests on: the last evidence path the reader located.

    Evidence is recorded in evaluation order and ``any`` stops at the branch that decided, so
    the last located path is the deciding one (applicability checks such as the SKU come
    first). A property the file leaves out points at its nearest declared parent block.
    """
    keys = tuple(evidence)
    paths = _CANDIDATES.get(keys)
    if paths is None:  # a rule records the same evidence paths for most subjects: derive them once
        paths = _CANDIDATES[keys] = tuple(p[2:] if p[:2] == "$." else p for p in reversed(keys) if p not in _NOT_PATHS)
    nearest = getattr(lines, "nearest", None)
    if nearest is not None:  # one walk per path (the ARM reader's lazily looked-up lines)
        fallback: int | None = None
        for path in paths:
            line, exact = nearest(path)
            if exact:
                return line  # type: ignore[no-any-return]
            if fallback is None:
                fallback = line
        return fallback
    for path in paths:
        line = lines.get(path)
        if line is not None:
            return line
    for path in paths:
        parts = path.split(".")
        for cut in range(len(parts) - 1, 1, -1):
            line = lines.get(".".join(parts[:cut]))
            if line is not None:
                return line
    return None


def place(finding: Finding, entry: IacResource) -> Finding:
    """``finding`` pointed at its declaration; a failing or unknown one at its property, and
    suppressed when the resource carries an inline suppression of its rule."""
    status = finding.status
    location = finding.location
    line = entry.line
    suppression = finding.suppression
    if status is Status.FAIL or status is Status.UNKNOWN:
        line = property_line(entry.property_lines, finding.evidence) or entry.line
        rule_id = finding.rule_id.upper()
        for inline in entry.suppressions:
            if inline.rule_id.upper() == rule_id:
                status = Status.SUPPRESSED
                suppression = SuppressionRef(justification=inline.reason, in_source=True)
                break
    placed: Location = Location(location.resource_id, entry.file, line)
    return Finding(
        finding.rule_id,
        finding.title,
        status,
        finding.severity,
        finding.message + module_suffix(entry.module_calls),
        finding.subject,
        finding.evidence,
        finding.remediation,
        placed,
        suppression,
    )


def module_suffix(calls: Sequence[ModuleCall]) -> str:
    """`` (module.m, called at main.tf:12)`` for a resource declared inside a Terraform module, else ``""``."""
    if not calls:
        return ""
    return f" ({calls[-1].address}, called at {', '.join(f'{c.file}:{c.line}' for c in calls)})"


def place_findings(findings: Iterable[Finding], resources: Mapping[str, IacResource]) -> list[Finding]:
    """Every finding pointed at its declaration (those of undeclared subjects unchanged)."""
    placed: list[Finding] = []
    for finding in findings:
        entry = declaration(finding.subject, resources)
        placed.append(finding if entry is None else place(finding, entry))
    return placed
