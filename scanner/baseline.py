"""Drift between two scans, for ``acr-scan diff`` and ``acr-scan scan --baseline``.

A finding's identity is its rule id plus its subject id compared case-insensitively (Azure
resource ids are case-insensitive). A finding *needs attention* when it is ``fail``,
``unknown`` or ``error``. Against an older scan, a finding is

* **new**: needs attention now, and did not (or did not exist) before; a ``fail`` that was
  only ``unknown``/``error`` before is new too, so a gap closing cannot hide a violation;
* **fixed**: needed attention before, and now does not (pass, N/A, suppressed) or is gone;
* **changed**: needed attention both times, but its status, severity or message changed.

The old scan is always a JSON results file written by ``--format json``
(:func:`load_results`); the new one is either another such file (``diff``) or the
findings of the scan just run (``--baseline``). Both are reduced to :class:`Observation`
records, so the comparison is one function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from scanner.errors import InputError
from scanner.input_limits import DEFAULT_MAX_DECOMPRESSED, gunzip_bounded
from scanner.outputs.markdown_format import LIMIT, md_code, md_text
from scanner.outputs.terminal import safe_text
from scanner.results import SEVERITY_RANK, Finding, Severity, Status

SUPPORTED_MAJOR = "1"
ATTENTION = frozenset({Status.FAIL.value, Status.UNKNOWN.value, Status.ERROR.value})
_STATUSES = frozenset(s.value for s in Status)
_SEVERITIES = frozenset(s.value for s in Severity)


class FindingKey(NamedTuple):
    """The identity of a finding across scans.

    A named tuple rather than a dataclass: it is hashed a million times when two large scans
    are compared, and a tuple's hash runs in C.
    """

    rule_id: str
    subject_id: str  # lower-cased

    @classmethod
    def of(cls, rule_id: str, subject_id: str) -> FindingKey:
        return cls(rule_id, subject_id.lower())


@dataclass(frozen=True, slots=True)
class Observation:
    """What a drift report needs of one finding, from either a live scan or a JSON file."""

    rule_id: str
    title: str
    status: str
    severity: str
    message: str
    subject_id: str
    subject_name: str
    subject_kind: str

    @property
    def key(self) -> FindingKey:
        return FindingKey.of(self.rule_id, self.subject_id)

    @property
    def needs_attention(self) -> bool:
        return self.status in ATTENTION

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "severity": self.severity, "message": self.message}


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of a drift report: the finding before (``None``: absent) and after."""

    key: FindingKey
    before: Observation | None
    after: Observation | None

    @property
    def current(self) -> Observation:
        """The newest observation there is (``after``, else ``before``)."""
        found = self.after or self.before
        assert found is not None
        return found

    @property
    def worst_severity(self) -> int:
        return max(SEVERITY_RANK[Severity(o.severity)] for o in (self.before, self.after) if o is not None)


@dataclass(frozen=True, slots=True)
class Drift:
    """The result of comparing a scan with an older one."""

    new: tuple[Change, ...]
    fixed: tuple[Change, ...]
    changed: tuple[Change, ...]
    existing: int  # findings needing attention in both scans (``changed`` included)

    @property
    def new_keys(self) -> frozenset[FindingKey]:
        return frozenset(c.key for c in self.new)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "fixed": len(self.fixed), "changed": len(self.changed), "existing": self.existing}


def observe(findings: Iterable[Finding]) -> list[Observation]:
    """Observations of a scan's findings."""
    return [
        Observation(
            rule_id=f.rule_id,
            title=f.title,
            status=f.status.value,
            severity=f.severity.value,
            message=f.message,
            subject_id=f.subject.id,
            subject_name=f.subject.name,
            subject_kind=f.subject.kind,
        )
        for f in findings
    ]


def _index(observations: Iterable[Observation]) -> dict[FindingKey, Observation]:
    """By identity; if a key repeats, the observation needing attention (then the worst) wins."""
    index: dict[FindingKey, Observation] = {}
    for o in observations:
        key = o.key
        seen = index.get(key)
        if seen is None or _rank(o) > _rank(seen):
            index[key] = o
    return index


def _rank(o: Observation) -> tuple[bool, int, str, str]:
    return (o.needs_attention, SEVERITY_RANK[Severity(o.severity)], o.status, o.message)


def _order(change: Change) -> tuple[int, str, str]:
    return (-change.worst_severity, change.key.rule_id, change.key.subject_id)


def compare(old: Iterable[Observation], new: Iterable[Observation]) -> Drift:
    """What is new, fixed and changed in ``new`` relative to ``old`` (worst first, then by key)."""
    before = _index(old)
    after = _index(new)
    added: list[Change] = []
    fixed: list[Change] = []
    changed: list[Change] = []
    existing = 0
    for key, now in after.items():
        was = before.get(key)
        # A failure that was only ``unknown`` before is newly known: it counts as new.
        was_bad = was is not None and was.needs_attention and (was.status == "fail" or now.status != "fail")
        if now.needs_attention and not was_bad:
            added.append(Change(key, was, now))
        elif now.needs_attention and was is not None:
            existing += 1
            if (was.status, was.severity, was.message) != (now.status, now.severity, now.message):
                changed.append(Change(key, was, now))
        elif was_bad:
            fixed.append(Change(key, was, now))
    for key, was in before.items():
        if key not in after and was.needs_attention:
            fixed.append(Change(key, was, None))
    return Drift(
        new=tuple(sorted(added, key=_order)),
        fixed=tuple(sorted(fixed, key=_order)),
        changed=tuple(sorted(changed, key=_order)),
        existing=existing,
    )


@dataclass(frozen=True, slots=True)
class ResultsFile:
    """A JSON results file reduced to what drift needs."""

    path: Path
    scan_time: str | None
    observations: tuple[Observation, ...]


def _str(value: Any, path: Path, where: str, allowed: frozenset[str] | None = None) -> str:
    if not isinstance(value, str) or (allowed is not None and value not in allowed):
        what = "a string" if allowed is None else "one of " + ", ".join(sorted(allowed))
        raise InputError(f"{path}: {where} must be {what}, got {value!r}")
    return value


def _observation(item: Any, path: Path, i: int) -> Observation:
    where = f"findings[{i}]"
    if not isinstance(item, dict) or not isinstance(item.get("subject"), dict):
        raise InputError(f"{path}: {where} is not a finding object with a subject")
    subject = item["subject"]
    return Observation(
        rule_id=_str(item.get("rule_id"), path, f"{where}.rule_id"),
        title=_str(item.get("title", ""), path, f"{where}.title"),
        status=_str(item.get("status"), path, f"{where}.status", _STATUSES),
        severity=_str(item.get("severity"), path, f"{where}.severity", _SEVERITIES),
        message=_str(item.get("message", ""), path, f"{where}.message"),
        subject_id=_str(subject.get("id"), path, f"{where}.subject.id"),
        subject_name=_str(subject.get("name", ""), path, f"{where}.subject.name"),
        subject_kind=_str(subject.get("kind", ""), path, f"{where}.subject.kind"),
    )


def load_results(path: Path, max_decompressed: int = DEFAULT_MAX_DECOMPRESSED) -> ResultsFile:
    """Read and check a results JSON file (``.json`` or gzip, which may decompress to at most
    ``max_decompressed`` bytes); every problem is one :class:`InputError`."""
    raw: bytes | bytearray
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a results JSON file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gunzip_bounded(raw, max_decompressed, str(path))
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    except MemoryError:
        raise InputError(f"{path}: too large to decode in the memory available ({len(raw):,} bytes of JSON)") from None
    if not isinstance(doc, dict) or "findings" not in doc or "schema_version" not in doc:
        raise InputError(f"{path}: not an acr-scan results file (write one with: acr-scan scan --format json)")
    version = doc["schema_version"]
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
        raise InputError(f"{path}: results schema_version {version!r} is not supported (expected {SUPPORTED_MAJOR}.x)")
    findings = doc["findings"]
    if not isinstance(findings, list):
        raise InputError(f"{path}: findings must be a list")
    scan = doc.get("scan")
    scan_time = scan.get("now") if isinstance(scan, dict) and isinstance(scan.get("now"), str) else None
    return ResultsFile(path, scan_time, tuple(_observation(item, path, i) for i, item in enumerate(findings)))


def partition(findings: Iterable[Finding], baseline: Drift) -> tuple[list[Finding], int]:
    """The findings that are new since the baseline, and how many needing attention are not."""
    new_keys = baseline.new_keys
    new: list[Finding] = []
    old = 0
    for f in findings:
        if f.status.value not in ATTENTION:
            continue
        if FindingKey.of(f.rule_id, f.subject.id) in new_keys:
            new.append(f)
        else:
            old += 1
    return new, old


def change_document(change: Change) -> dict[str, Any]:
    """One change as JSON."""
    o = change.current
    return {
        "rule_id": o.rule_id,
        "title": o.title,
        "subject": {"id": o.subject_id, "name": o.subject_name, "kind": o.subject_kind},
        "before": change.before.as_dict() if change.before else None,
        "after": change.after.as_dict() if change.after else None,
    }


def drift_document(drift: Drift, old: ResultsFile, new: ResultsFile) -> dict[str, Any]:
    """The ``acr-scan diff --format json`` document (deterministic; keys sorted on output)."""
    return {
        "old_scan": {"path": str(old.path), "scan_time": old.scan_time, "findings": len(old.observations)},
        "new_scan": {"path": str(new.path), "scan_time": new.scan_time, "findings": len(new.observations)},
        "summary": drift.counts(),
        "new": [change_document(c) for c in drift.new],
        "fixed": [change_document(c) for c in drift.fixed],
        "changed": [change_document(c) for c in drift.changed],
    }


def _mapping_counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in counts.items())


def drift_table(drift: Drift, old: ResultsFile, new: ResultsFile) -> str:
    """Plain-text drift report (the default ``diff`` output), for a terminal: every line escaped
    (:func:`safe_text`), since names and messages come from the results files."""
    lines = [
        safe_text(f"drift from {old.path} ({old.scan_time}) to {new.path} ({new.scan_time})"),
        _mapping_counts(drift.counts()),
    ]
    for title, changes in (("new", drift.new), ("fixed", drift.fixed), ("changed", drift.changed)):
        if not changes:
            continue
        lines += ["", f"== {title} ({len(changes)})"]
        for c in changes:
            o = c.current
            if title == "changed" and c.before and c.after:
                state = f"{_state(c.before)} -> {_state(c.after)}"
            elif title == "fixed":
                state = f"{_state(c.before)} -> {_state(c.after) if c.after else 'gone'}"
            else:
                state = _state(o)
            lines.append(safe_text(f"  {o.rule_id}  {o.subject_kind} {o.subject_name}  [{state}]  {o.message}"))
    return "\n".join(lines) + "\n"


def drift_markdown(drift: Drift, old: ResultsFile, new: ResultsFile, limit: int = LIMIT) -> str:
    """Drift as a pull-request comment: at most ``limit`` characters, untrusted text escaped."""
    n = drift.counts()
    icon = "❌" if drift.new else "✅"
    lines = [
        f"## {icon} ACR policy drift: {n['new']:,} new, {n['fixed']:,} fixed, {n['changed']:,} changed",
        "",
        f"from {md_code(str(old.path), 200)} ({md_text(old.scan_time or 'unknown time')}) "
        f"to {md_code(str(new.path), 200)} ({md_text(new.scan_time or 'unknown time')}); "
        f"{n['existing']:,} findings needing attention were already there.",
    ]
    size = sum(len(line) + 1 for line in lines)
    total = len(drift.new) + len(drift.fixed) + len(drift.changed)
    shown = 0
    full = False
    for title, changes in (("New", drift.new), ("Fixed", drift.fixed), ("Changed", drift.changed)):
        block = ["", f"### {title} ({len(changes):,})", ""]
        for c in changes:
            o = c.current
            item = (
                f"- {md_text(o.rule_id)} **{md_text(o.subject_name, 200)}** ({md_text(o.subject_kind, 40)}): "
                f"{md_text(_state(c.before))} → {md_text(_state(c.after))}: {md_text(o.message)}"
            )
            cost = len(item) + 1 + sum(len(line) + 1 for line in block)
            if size + cost + 120 > limit:
                full = True
                break
            lines += [*block, item]
            block = []
            size += cost
            shown += 1
        if full:
            break
    if shown < total:
        lines += ["", f"**… and {total - shown:,} more changes** (see acr-scan diff --format json)."]
    return "\n".join(lines) + "\n"


def _state(o: Observation | None) -> str:
    if o is None:
        return "absent"
    return f"{o.status} {o.severity}" if o.status in ATTENTION else o.status
