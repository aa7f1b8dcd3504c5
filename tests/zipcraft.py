"""Write zip archives byte by byte, for evidence bundles that ``zipfile`` would refuse to write.

``zipfile`` will not write an unknown compression method, a member flagged as encrypted, a
CRC that does not match, or a member whose deflate stream inflates to a gigabyte without
first compressing that gigabyte. The hostile-input tests need all of those, so this writes
the local headers, the central directory and the end record itself.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

STORED = 0
DEFLATED = 8


@dataclass(frozen=True)
class RawMember:
    """One member exactly as it goes into the archive."""

    name: str
    payload: bytes  # the bytes stored (already compressed when ``method`` says so)
    method: int = STORED
    crc: int | None = None  # default: the CRC of ``payload`` (right for a stored member)
    size: int | None = None  # the uncompressed size the headers claim (default: len(payload))
    flags: int = 0


def member(name: str, data: bytes, **overrides: Any) -> RawMember:
    """A member holding ``data`` deflated, with headers that match it unless overridden."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = packer.compress(data) + packer.flush()
    fields: dict[str, Any] = {"method": DEFLATED, "crc": zlib.crc32(data), "size": len(data), **overrides}
    return RawMember(name, payload, **fields)


def zeros_member(name: str, size: int) -> RawMember:
    """A member that inflates to ``size`` zero bytes from a few hundred KB (``size``: MiB multiple).

    One mebibyte is deflated once and ended with a full flush, which makes the blocks
    independent of what came before, so the same bytes can be repeated; an empty final block
    closes the stream. The CRC is left at 0: readers that stop early never check it.
    """
    mib = 1 << 20
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(mib)) + packer.flush(zlib.Z_FULL_FLUSH)
    payload = block * (size // mib) + b"\x03\x00"
    return RawMember(name, payload, method=DEFLATED, crc=0, size=size)


def build(members: Sequence[RawMember], *, entries: int | None = None) -> bytes:
    """The archive; ``entries`` overrides the member count of the end record."""
    out = bytearray()
    central = bytearray()
    for m in members:
        name = m.name.encode()
        crc = zlib.crc32(m.payload) if m.crc is None else m.crc
        size = len(m.payload) if m.size is None else m.size
        offset = len(out)
        sizes = (crc, len(m.payload), min(size, 0xFFFFFFFF))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, m.flags, m.method, 0, 0x21, *sizes, len(name), 0)
        out += name + m.payload
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            m.flags,
            m.method,
            0,
            0x21,
            *sizes,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    count = len(members) if entries is None else entries
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def manifest(files: Sequence[dict[str, Any]] | Any, **extra: Any) -> bytes:
    """A ``manifest.json`` of the given ``files`` entries."""
    document = {"kind": "acr-scan-evidence", "version": 1, **extra, "files": files}
    return json.dumps(document, sort_keys=True, indent=2).encode() + b"\n"  # (any integer, unlike orjson)


def entry(path: str, data: bytes, role: str = "report") -> dict[str, Any]:
    """The manifest's entry for a member holding ``data``."""
    return {"path": path, "role": role, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def checksum(manifest_bytes: bytes) -> bytes:
    """``manifest.sha256``."""
    return f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n".encode()


def bundle(files: dict[str, bytes], *, extra: Sequence[RawMember] = (), listed: Any = None) -> bytes:
    """A well-formed bundle of ``files`` (plus ``extra`` raw members, not in the manifest)."""
    document = manifest([entry(name, data) for name, data in files.items()] if listed is None else listed)
    members = [member(name, data) for name, data in files.items()]
    members += [member("manifest.json", document), member("manifest.sha256", checksum(document)), *extra]
    return build(members)
