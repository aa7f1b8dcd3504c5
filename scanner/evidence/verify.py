"""``acr-scan evidence verify``: recompute every hash of a bundle and check its signature."""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from scanner.errors import InputError
from scanner.evidence.manifest import CHECKSUM_NAME, MANIFEST_KIND, MANIFEST_NAME, SIGNATURE_NAME
from scanner.evidence.signing import load_public_key, signature_valid


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``verify`` found: problems (any → exit 1) and facts worth printing."""

    problems: tuple[str, ...]
    checked: int
    signature: str  # "valid", "invalid", "absent", "not checked"

    @property
    def ok(self) -> bool:
        return not self.problems


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a zip archive ({exc})") from None


def verify_bundle(path: Path, public_key: Path | None) -> Verification:
    """Check every member against the manifest; a changed, missing or extra file is a problem."""
    key = load_public_key(public_key) if public_key is not None else None
    problems: list[str] = []
    with _open(path) as archive:
        names = set(archive.namelist())
        if MANIFEST_NAME not in names:
            raise InputError(f"{path}: no {MANIFEST_NAME}: not an acr-scan evidence bundle")
        try:
            manifest = archive.read(MANIFEST_NAME)
        except (zipfile.BadZipFile, OSError, zlib.error) as exc:
            return Verification((f"{MANIFEST_NAME}: unreadable ({exc})",), 0, "not checked")
        if CHECKSUM_NAME in names:
            expected = archive.read(CHECKSUM_NAME).decode("ascii", "replace").split(" ", 1)[0].strip()
            if hashlib.sha256(manifest).hexdigest() != expected:
                problems.append(f"{MANIFEST_NAME}: SHA-256 does not match {CHECKSUM_NAME}")
        else:
            problems.append(f"{CHECKSUM_NAME}: missing from the bundle")
        try:
            document = orjson.loads(manifest)
        except orjson.JSONDecodeError as exc:
            return Verification((f"{MANIFEST_NAME}: not valid JSON ({exc})",), 0, "not checked")
        if not isinstance(document, dict) or document.get("kind") != MANIFEST_KIND:
            return Verification((f"{MANIFEST_NAME}: not an acr-scan evidence manifest",), 0, "not checked")
        listed: set[str] = set()
        for entry in document.get("files") or []:
            name = str(entry.get("path"))
            listed.add(name)
            if name not in names:
                problems.append(f"{name}: listed in the manifest but missing from the bundle")
                continue
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError, zlib.error) as exc:  # a flipped byte can break the CRC check
                problems.append(f"{name}: unreadable ({exc})")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry.get("sha256"):
                problems.append(f"{name}: SHA-256 {digest} does not match the manifest's {entry.get('sha256')}")
            elif len(data) != entry.get("size"):
                problems.append(f"{name}: size {len(data)} does not match the manifest's {entry.get('size')}")
        for name in sorted(names - listed - {MANIFEST_NAME, SIGNATURE_NAME, CHECKSUM_NAME}):
            problems.append(f"{name}: in the bundle but not in the manifest")
        signature = "absent"
        if SIGNATURE_NAME in names:
            if key is None:
                signature = "not checked"
            elif signature_valid(key, manifest, archive.read(SIGNATURE_NAME)):
                signature = "valid"
            else:
                signature = "invalid"
                problems.append(f"{SIGNATURE_NAME}: the signature does not match the manifest and this public key")
        elif key is not None:
            problems.append(f"{SIGNATURE_NAME}: the bundle is not signed, but --public-key asks for a signature")
        return Verification(tuple(problems), len(listed), signature)
