"""Inline suppressions declared in a resource's ``metadata``.

::

    "metadata": {"acr-scan:ignore": [{"rule": "ACR-001", "reason": "break-glass registry"}]}

(also ``{"ACR-001": "reason"}`` or ``"ACR-001 reason"``; the reason is required).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.errors import InputError
from scanner.sources.declarations import InlineSuppression
from scanner.sources.iac.arm.files import TemplateFile

SUPPRESS_KEY = "acr-scan:ignore"


def suppressions(metadata: Any, file: TemplateFile) -> tuple[InlineSuppression, ...]:
    """The suppressions in ``metadata`` (a resource's), each with the line of the key."""
    if not isinstance(metadata, Mapping):
        return ()
    key = next((k for k in metadata if isinstance(k, str) and k.lower() == SUPPRESS_KEY), None)
    if key is None:
        return ()
    line = file.doc.key_line(metadata, key)
    where = f"{file.label}:{line}" if line else file.label
    value = metadata[key]
    entries: list[tuple[str, Any]] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            rule, _, reason = item.strip().partition(" ")
            entries.append((rule, reason))
        elif isinstance(item, Mapping) and ("rule" in item or "id" in item):
            entries.append((str(item.get("rule") or item.get("id")), item.get("reason")))
        elif isinstance(item, Mapping):
            entries.extend((str(rule), reason) for rule, reason in item.items())
        else:
            raise InputError(f'{where}: {SUPPRESS_KEY} entries are "RULE reason" or {{"rule": ..., "reason": ...}}')
    out = []
    for rule, reason in entries:
        if not rule or not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}: {SUPPRESS_KEY} {rule or '(no rule id)'} needs a reason")
        out.append(InlineSuppression(rule_id=rule.strip().upper(), reason=reason.strip(), line=line))
    return tuple(out)
