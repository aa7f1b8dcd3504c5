"""``acr-scan evidence verify``: recompute every hash of a bundle and check its signature.

Two outcomes, kept apart on purpose:

* the file is not a bundle that can be checked at all (unreadable, not a zip, more members
  than a bundle holds, no ``manifest.json``, or, with nothing found wrong so far, members
  adding up to more than ``--max-decompressed-size``): :class:`InputError`, exit 2;
* it is a bundle, and something in it is wrong (a damaged, changed, missing, extra or
  duplicated member, a malformed manifest, a bad signature): a :class:`Verification` with
  problems, printed as ``MISMATCH`` lines and ``FAILED``, exit 1.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from typing import Any

import msgspec
import orjson

from scanner.errors import InputError
from scanner.evidence.manifest import CHECKSUM_NAME, MANIFEST_KIND, MANIFEST_NAME, SIGNATURE_NAME
from scanner.evidence.members import (
    MANIFEST_LIMIT,
    SMALL_LIMIT,
    MemberProblem,
    digest,
    open_bundle,
    read_small,
    shown,
)
from scanner.evidence.signing import load_public_key, signature_valid
from scanner.input_limits import DEFAULT_MAX_DECOMPRESSED, format_size

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Verification(msgspec.Struct, frozen=True):
    """What ``verify`` found: problems (any → exit 1) and facts worth printing."""

    problems: tuple[str, ...]
    checked: int
    signature: str  # "valid", "invalid", "absent", "not checked"

    @property
    def ok(self) -> bool:
        return not self.problems


class _Entry(msgspec.Struct, frozen=True):
    """One ``files`` entry of the manifest, once it is known to be well-formed."""

    path: str
    sha256: str
    size: int


def _entries(document: dict[str, Any], problems: list[str]) -> list[_Entry] | None:
    """The manifest's well-formed ``files`` entries (``None``: ``files`` is not a list at all)."""
    files = document.get("files")
    if not isinstance(files, list):
        problems.append(f"{MANIFEST_NAME}: files is not a list of members")
        return None
    entries: list[_Entry] = []
    seen: set[str] = set()
    for i, entry in enumerate(files):
        path = entry.get("path") if isinstance(entry, dict) else None
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        size = entry.get("size") if isinstance(entry, dict) else None
        if not (isinstance(path, str) and path and isinstance(sha, str) and _SHA256.match(sha)):
            problems.append(f"{MANIFEST_NAME}: files[{i}] is not a member with a path and a SHA-256")
        elif type(size) is not int or size < 0:
            problems.append(f"{MANIFEST_NAME}: files[{i}] ({shown(path)}) has no valid size")
        elif path in seen:
            problems.append(f"{MANIFEST_NAME}: {shown(path)} is listed more than once")
        else:
            seen.add(path)
            entries.append(_Entry(path, sha, size))
    return entries


def _read(archive: zipfile.ZipFile, name: str, limit: int, problems: list[str]) -> bytes | None:
    try:
        return read_small(archive, archive.getinfo(name), limit)
    except MemberProblem as exc:
        problems.append(f"{name}: {exc}")
        return None


def _check_members(archive: zipfile.ZipFile, entries: list[_Entry], names: set[str], problems: list[str]) -> None:
    for entry in entries:
        if entry.path not in names:
            problems.append(f"{shown(entry.path)}: listed in the manifest but missing from the bundle")
            continue
        try:
            sha, size = digest(archive, archive.getinfo(entry.path), entry.size)
        except MemberProblem as exc:  # a flipped byte can break the CRC check or the deflate stream
            problems.append(f"{shown(entry.path)}: {exc}")
            continue
        if size > entry.size:  # (reading stopped one byte past the manifest's size)
            problems.append(f"{shown(entry.path)}: larger than the manifest's {entry.size} bytes")
        elif size != entry.size:
            problems.append(f"{shown(entry.path)}: size {size} does not match the manifest's {entry.size}")
        elif sha != entry.sha256:
            problems.append(f"{shown(entry.path)}: SHA-256 {sha} does not match the manifest's {entry.sha256}")


def _duplicates(archive: zipfile.ZipFile) -> list[str]:
    counts: dict[str, int] = {}
    for name in archive.namelist():
        counts[name] = counts.get(name, 0) + 1
    return [
        f"{shown(name)}: appears {n} times in the bundle (a reader would see only one of them)"
        for name, n in sorted(counts.items())
        if n > 1
    ]


def verify_bundle(
    path: Path, public_key: Path | None, max_decompressed: int = DEFAULT_MAX_DECOMPRESSED
) -> Verification:
    """Check every member against the manifest; a changed, missing, extra or repeated file is a problem."""
    key = load_public_key(public_key) if public_key is not None else None
    with open_bundle(path) as archive:
        names = set(archive.namelist())
        if MANIFEST_NAME not in names:
            raise InputError(f"{path}: no {MANIFEST_NAME}: not an acr-scan evidence bundle")
        problems = _duplicates(archive)
        manifest = _read(archive, MANIFEST_NAME, MANIFEST_LIMIT, problems)
        if manifest is None:
            return Verification(tuple(problems), 0, "not checked")
        if CHECKSUM_NAME in names:
            checksum = _read(archive, CHECKSUM_NAME, SMALL_LIMIT, problems)
            expected = (checksum or b"").decode("ascii", "replace").split(" ", 1)[0].strip()
            if checksum is not None and hashlib.sha256(manifest).hexdigest() != expected:
                problems.append(f"{MANIFEST_NAME}: SHA-256 does not match {CHECKSUM_NAME}")
        else:
            problems.append(f"{CHECKSUM_NAME}: missing from the bundle")
        try:
            document = orjson.loads(manifest)
        except orjson.JSONDecodeError as exc:
            return Verification((*problems, f"{MANIFEST_NAME}: not valid JSON ({exc})"), 0, "not checked")
        if not isinstance(document, dict) or document.get("kind") != MANIFEST_KIND:
            return Verification((*problems, f"{MANIFEST_NAME}: not an acr-scan evidence manifest"), 0, "not checked")
        entries = _entries(document, problems)
        if entries is None:
            return Verification(tuple(problems), 0, "not checked")
        total = sum(e.size for e in entries) + len(manifest)
        if total > max_decompressed:
            too_big = (
                f"its members add up to {total:,} bytes, more than --max-decompressed-size "
                f"({format_size(max_decompressed)}) allows; raise it to verify a bundle this large"
            )
            if problems:  # (already shown to be damaged or tampered with: that is the verdict)
                return Verification((*problems, f"{MANIFEST_NAME}: {too_big}"), 0, "not checked")
            raise InputError(f"{path}: {too_big}")
        _check_members(archive, entries, names, problems)
        listed = {e.path for e in entries}
        for name in sorted(names - listed - {MANIFEST_NAME, SIGNATURE_NAME, CHECKSUM_NAME}):
            problems.append(f"{shown(name)}: in the bundle but not in the manifest")
        signature = "absent"
        if SIGNATURE_NAME in names:
            if key is None:
                signature = "not checked"
            else:
                sig = _read(archive, SIGNATURE_NAME, SMALL_LIMIT, problems)
                signature = "valid" if sig is not None and signature_valid(key, manifest, sig) else "invalid"
                if signature == "invalid" and sig is not None:
                    problems.append(f"{SIGNATURE_NAME}: the signature does not match the manifest and this public key")
        elif key is not None:
            problems.append(f"{SIGNATURE_NAME}: the bundle is not signed, but --public-key asks for a signature")
        return Verification(tuple(problems), len(listed), signature)
