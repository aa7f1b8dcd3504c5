"""A JSON results file (``acr-scan scan --format json``) read back and checked, as drift needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import orjson

from scanner.drift.compare import Observation
from scanner.errors import InputError, reading
from scanner.input_limits import DEFAULT_MAX_DECOMPRESSED, gunzip_bounded
from scanner.results import Severity, Status

SUPPORTED_MAJOR = "1"
_STATUSES = frozenset(s.value for s in Status)
_SEVERITIES = frozenset(s.value for s in Severity)


class ResultsFile(msgspec.Struct, frozen=True):
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
    doc = results_document(path, max_decompressed)
    findings = doc["findings"]
    scan = doc.get("scan")
    scan_time = scan.get("now") if isinstance(scan, dict) and isinstance(scan.get("now"), str) else None
    return ResultsFile(path, scan_time, tuple(_observation(item, path, i) for i, item in enumerate(findings)))


def results_document(path: Path, max_decompressed: int = DEFAULT_MAX_DECOMPRESSED) -> dict[str, Any]:
    """The results document, checked as far as its version and its list of findings."""
    raw: bytes | bytearray
    with reading(path, "results JSON file"):
        raw = path.read_bytes()
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
    if not isinstance(doc["findings"], list):
        raise InputError(f"{path}: findings must be a list")
    return doc
