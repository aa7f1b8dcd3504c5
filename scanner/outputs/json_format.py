"""JSON results: the complete, deterministic record of a scan.

Findings are ``msgspec.Struct``s that msgspec's encoder writes natively (in C), fields in
their definition order (snake_case); every mapping's keys are sorted. The document is compact
JSON, written in chunks so a 150,000-finding report never exists twice in memory. Its layout
is versioned by ``schema_version`` and described by ``scanner/schemas/results.schema.json``.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import msgspec

from scanner.outputs.summary import tally
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime
from scanner.unknown import Unknown

SCHEMA_VERSION = "1.0"


def _default(value: Any) -> Any:
    if isinstance(value, Unknown):
        return f"unknown: {value.reason}"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def result_document(result: ScanResult) -> dict[str, Any]:
    """The whole JSON document (findings stay structs; the encoder writes them)."""
    meta = result.metadata
    counts = tally(result.findings)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "acr-policy-scanner", "version": meta.tool_version},
        "scan": {
            "now": format_datetime(meta.now),
            "collected_at": format_datetime(meta.collected_at),
            "source": meta.source,
            "tenant_id": meta.tenant_id,
            "scope": meta.scope,
            "policy_pack_hash": meta.policy_pack_hash,
            "config": meta.config_source,
        },
        "summary": {
            "total": len(result.findings),
            "by_status": counts.by_status,
            "failing_by_severity": counts.failing_by_severity,
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
        "findings": result.findings,
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


# "deterministic": mapping keys sorted, struct fields in definition order; integers of any size
# are written exactly.
_ENCODER = msgspec.json.Encoder(enc_hook=_default, order="deterministic")
CHUNK = 2000


def dumps(document: Any) -> bytes:
    """Deterministic compact JSON bytes (sorted keys) with a trailing newline."""
    return _ENCODER.encode(document) + b"\n"


def write_document(document: dict[str, Any], stream: BinaryIO) -> None:
    """Write ``document`` with sorted keys, streaming its ``findings`` list in chunks.

    The output is byte-identical to ``dumps(document)``; only the peak memory differs.
    """
    stream.write(b"{")
    for i, key in enumerate(sorted(document)):
        if i:
            stream.write(b",")
        stream.write(_ENCODER.encode(key) + b":")
        value = document[key]
        if key == "findings":
            items = value if isinstance(value, list | tuple) else list(value)
            stream.write(b"[")
            for start in range(0, len(items), CHUNK):
                chunk = _ENCODER.encode(items[start : start + CHUNK])
                if start:
                    stream.write(b",")
                stream.write(memoryview(chunk)[1:-1])  # a view: the chunk's bytes are not copied again
            stream.write(b"]")
        else:
            stream.write(_ENCODER.encode(value))
    stream.write(b"}\n")


class JsonFormat:
    """``--format json``."""

    name = "json"
    extension = ".json"
    default_filename = "results.json"

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        write_document(result_document(result), stream)
