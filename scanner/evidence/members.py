"""Open an evidence bundle and read its members within bounds, for ``evidence verify``.

A bundle comes from someone else, so the zip is read defensively: its member count is read
from the end record before the central directory is parsed, every member is inflated as a
stream (hashed as it comes, never held whole), and no member is inflated past the size the
manifest gives it (plus one byte, which is enough to tell it does not match). Whatever a
damaged member raises (a CRC error, corrupt deflate, an unknown compression method, an
encrypted entry) becomes :class:`MemberProblem`, one line that ``verify`` reports as a mismatch.
"""

from __future__ import annotations

import hashlib
import lzma
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from scanner.errors import InputError

#: A bundle holds a few dozen files; a zip of millions of empty entries would cost gigabytes
#: just to list.
MAX_MEMBERS = 10_000
#: ``manifest.json`` lists one line per member: 16 MiB is far beyond any real manifest.
MANIFEST_LIMIT = 16 << 20
#: ``manifest.sha256`` and ``manifest.sig`` are a line and 64 bytes.
SMALL_LIMIT = 64 << 10

_CHUNK = 1 << 20
# What a damaged member can raise while it is opened or inflated.
_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


class MemberProblem(Exception):
    """A member that cannot be read as it should be (the message says why, on one line)."""


def shown(name: str) -> str:
    """A member name fit for one line of output (control characters escaped, long names cut)."""
    text = name if name.isprintable() else repr(name)
    return text if len(text) <= 200 else text[:197] + "..."


def _member_count(handle: BinaryIO) -> int | None:
    end_record: Any = getattr(zipfile, "_EndRecData", None)  # (zipfile's own end-record reader)
    if end_record is None:
        return None
    record = end_record(handle)
    return None if record is None else int(record[getattr(zipfile, "_ECD_ENTRIES_TOTAL", 4)])


def open_bundle(path: Path) -> zipfile.ZipFile:
    """The bundle as a zip archive; :class:`InputError` when it is not one this can check."""
    try:
        with path.open("rb") as handle:
            count = _member_count(handle)
        if count is not None and count > MAX_MEMBERS:
            raise InputError(f"{path}: {count:,} members, more than an evidence bundle holds ({MAX_MEMBERS:,})")
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a zip archive") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{path}: not a zip archive ({exc})") from None


def _opened(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    try:
        return archive.open(info)
    except _DAMAGE as exc:
        raise MemberProblem(f"unreadable ({exc})") from None


def read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member that is read whole (the manifest, its checksum, its signature): at most ``limit``."""
    with _opened(archive, info) as stream:
        try:
            data: bytes = stream.read(limit + 1)
            if len(data) > limit:
                raise MemberProblem(f"larger than {limit:,} bytes: not what acr-scan writes")
            stream.read(1)  # (reaching the end is what checks the CRC)
        except _DAMAGE as exc:
            raise MemberProblem(f"unreadable ({exc})") from None
    return data


def digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected_size: int) -> tuple[str, int]:
    """SHA-256 and size of a member, read as a stream and never past ``expected_size + 1`` bytes."""
    sha = hashlib.sha256()
    size = 0
    with _opened(archive, info) as stream:
        try:
            while size <= expected_size:
                chunk = stream.read(min(_CHUNK, expected_size + 1 - size))
                if not chunk:
                    break
                sha.update(chunk)
                size += len(chunk)
        except _DAMAGE as exc:
            raise MemberProblem(f"unreadable ({exc})") from None
    return sha.hexdigest(), size
