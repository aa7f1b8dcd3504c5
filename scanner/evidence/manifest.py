"""The bundle manifest: what is in the zip, with the SHA-256 of every member.

An auditor (or ``acr-scan evidence verify``) recomputes every hash from the zip; the manifest
itself can be signed, so the hashes cannot be rewritten to match a tampered member.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import orjson

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
CHECKSUM_NAME = "manifest.sha256"  # catches corruption of an unsigned manifest
MANIFEST_KIND = "acr-scan-evidence"
MANIFEST_VERSION = 1


class Member(msgspec.Struct, frozen=True):
    """One file of the bundle and its digest."""

    path: str
    sha256: str
    size: int
    role: str

    @classmethod
    def of(cls, path: str, data: bytes, role: str) -> Member:
        return cls(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data), role=role)


def manifest_bytes(members: Sequence[Member], about: Mapping[str, Any]) -> bytes:
    """Serialize the manifest deterministically (sorted keys, members in path order)."""
    document = {
        "kind": MANIFEST_KIND,
        "version": MANIFEST_VERSION,
        **about,
        "files": [
            {"path": m.path, "role": m.role, "sha256": m.sha256, "size": m.size}
            for m in sorted(members, key=lambda m: m.path)
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
