"""Write the evidence bundle: inputs, reports, exact rules and config, and a manifest.

The zip is reproducible: members are written in path order with the scan time as their
timestamp, so two bundles of the same scan are byte-identical (an auditor can re-run the
scan with ``--now`` and compare).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from scanner.atomic import write_atomic
from scanner.errors import InputError
from scanner.evidence.manifest import CHECKSUM_NAME, MANIFEST_NAME, SIGNATURE_NAME, Member, manifest_bytes
from scanner.evidence.signing import load_private_key, sign
from scanner.outputs import RenderOptions, make_format
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime

# The reports every bundle carries; SARIF in the audit profile so suppressed findings show.
REPORTS: tuple[tuple[str, str], ...] = (("json", "results.json"), ("html", "report.html"), ("sarif", "results.sarif"))


class BundleInput(msgspec.Struct, frozen=True):
    """A file the scan read (snapshot, IaC file, config), stored under ``arcname``."""

    arcname: str
    path: Path
    role: str


def _read(item: BundleInput) -> bytes:
    try:
        return item.path.read_bytes()
    except OSError as exc:
        raise InputError(f"{item.path}: cannot read for the evidence bundle: {exc.strerror or exc}") from None


def _render(result: ScanResult, name: str) -> bytes:
    buffer = io.BytesIO()
    make_format(name, RenderOptions(sarif_profile="audit")).write(result, buffer)
    return buffer.getvalue()


def _rule_members(result: ScanResult) -> list[tuple[str, bytes]]:
    """The exact rule files that ran, as they were read (not re-serialized)."""
    out: dict[str, bytes] = {}
    for rule in result.rules:
        name = f"rules/{rule.spec.path.name}"
        if name in out and out[name] != rule.spec.text.encode():
            name = f"rules/{rule.id}-{rule.spec.path.name}"
        out[name] = rule.spec.text.encode()
    return sorted(out.items())


def _about(result: ScanResult) -> dict[str, Any]:
    meta = result.metadata
    return {
        "tool": {"name": "acr-scan", "version": meta.tool_version},
        "policyPackHash": meta.policy_pack_hash,
        "source": meta.source,
        "tenantId": meta.tenant_id,
        "scope": dict(meta.scope),
        "collectedAt": format_datetime(meta.collected_at),
        "scanTime": format_datetime(meta.now),
        "rules": sorted(r.id for r in result.rules),
    }


def build_bundle(result: ScanResult, inputs: Sequence[BundleInput], output: Path, sign_key: Path | None) -> int:
    """Write the bundle atomically; return the number of files it holds (manifest included)."""
    key = load_private_key(sign_key) if sign_key is not None else None  # fail before any work
    files: list[tuple[str, bytes, str]] = [(i.arcname, _read(i), i.role) for i in inputs]
    files += [(arcname, _render(result, fmt), "report") for fmt, arcname in REPORTS]
    files += [(arcname, data, "rule") for arcname, data in _rule_members(result)]
    files.sort(key=lambda f: f[0])
    members = [Member.of(arcname, data, role) for arcname, data, role in files]
    manifest = manifest_bytes(members, _about(result))
    checksum = f"{hashlib.sha256(manifest).hexdigest()}  {MANIFEST_NAME}\n".encode()
    extra = [(MANIFEST_NAME, manifest), (CHECKSUM_NAME, checksum)]
    if key is not None:
        extra.append((SIGNATURE_NAME, sign(key, manifest)))
    stamp = result.metadata.now.timetuple()[:6]
    stamp = (max(stamp[0], 1980), *stamp[1:])

    def write(stream: Any) -> None:
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for arcname, data in [*((a, d) for a, d, _ in files), *extra]:
                info = zipfile.ZipInfo(arcname, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)

    write_atomic(output, write)
    return len(files) + len(extra)
