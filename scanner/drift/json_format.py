"""``acr-scan diff --format json``: the drift as one deterministic JSON document (keys sorted)."""

from __future__ import annotations

from typing import Any, BinaryIO

import orjson

from scanner.drift.base import Comparison
from scanner.drift.compare import Change


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


def drift_document(comparison: Comparison) -> dict[str, Any]:
    """The whole document: both scans, the counts, and every change."""
    drift, old, new = comparison.drift, comparison.old, comparison.new
    return {
        "old_scan": {"path": str(old.path), "scan_time": old.scan_time, "findings": len(old.observations)},
        "new_scan": {"path": str(new.path), "scan_time": new.scan_time, "findings": len(new.observations)},
        "summary": drift.counts(),
        "new": [change_document(c) for c in drift.new],
        "fixed": [change_document(c) for c in drift.fixed],
        "changed": [change_document(c) for c in drift.changed],
    }


class DriftJson:
    name = "json"

    def write(self, comparison: Comparison, stream: BinaryIO) -> None:
        stream.write(orjson.dumps(drift_document(comparison), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
        stream.write(b"\n")
