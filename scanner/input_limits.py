"""Limits on what the scanner decodes from a file, and the bounded gzip decompressor.

Compressed input is the one place where a small file can ask for an unbounded amount of
memory: a 1 MB ``.json.gz`` can hold a gigabyte of JSON. Every compressed input (a gzip
snapshot or results file, the members of an evidence bundle) is therefore decompressed as a
stream and refused as soon as it would grow past ``--max-decompressed-size``. Plain files are
read as they are: their size is the one on disk.

The nesting limit exists because every decoder and validator the scanner uses stops at some
depth of its own (msgspec at the interpreter's recursion limit, jsonschema-rs at 255 levels,
orjson at 255 when writing); the scanner states one limit and says where an input crossed it.
See ``docs/input-limits.md``.
"""

from __future__ import annotations

import mmap
import re
import zlib
from pathlib import Path

from scanner.errors import InputError

#: Default of ``--max-decompressed-size``: a 5,000-registry snapshot is 57 MB, so this admits
#: tenants of about 45,000 registries while a decompression bomb stops well inside 1 GB.
DEFAULT_MAX_DECOMPRESSED = 512 * 1024 * 1024

#: Deepest nesting (objects/mappings and arrays/sequences) of a snapshot, rule, config or cloud
#: file. Azure payloads nest a dozen levels at most, and the validators and JSON writers stop
#: at 255 levels, so a value read from any input can always be validated and reported.
MAX_DEPTH = 64

#: How many values YAML aliases (``*name``) may add to a document in total. Aliases share one
#: parsed value, but everything after parsing (validation, the rule cache, reports) sees the
#: expanded document, so a "billion laughs" file must be refused before it is expanded.
ALIAS_BUDGET = 10_000

#: Integers a rule, config or cloud file may hold: what JSON writers and readers carry.
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1

# Input is fed a quarter MiB at a time and each call may produce at most 8 MiB: zlib joins its
# output blocks at the end of a call, so an unbounded call would briefly hold twice its output.
_IN_CHUNK = 1 << 18
_OUT_CHUNK = 1 << 23
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``512M``, ``2G``, ``1GiB`` or a number of bytes (binary units), for the CLI option."""
    found = _SIZE.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a size (e.g. 512M, 2G or a number of bytes)")
    size = int(found[1]) * _UNITS[found[2].lower()]
    if size < 1:
        raise ValueError(f"{text!r}: the size must be at least one byte")
    return size


def format_size(size: int) -> str:
    """A size the way ``--max-decompressed-size`` takes it back (``512M``)."""
    for unit in ("T", "G", "M", "K"):
        factor = _UNITS[unit.lower()]
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def too_large(what: str, limit: int) -> InputError:
    """The one error every bounded decoder raises when an input would outgrow the limit."""
    return InputError(
        f"{what}: decompresses to more than {format_size(limit)} "
        f"(--max-decompressed-size; raise it for an input this large)"
    )


def gunzip_bounded(data: bytes | bytearray | memoryview | mmap.mmap, limit: int, what: str) -> bytearray:
    """Decompress every gzip member of ``data``, refusing output beyond ``limit`` bytes.

    Never holds more than ``limit`` bytes of output (plus one chunk): a bomb is stopped while
    it is being expanded, not after. Checks each member's CRC and length like ``gzip``.
    """
    out = bytearray()
    pos = 0
    # (every view is released before an error leaves: a live one would keep a mapping open)
    with memoryview(data) as whole, whole.cast("B") as view:
        try:
            while pos < len(view):
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                while not inflater.eof:
                    room = min(_OUT_CHUNK, limit + 1 - len(out))
                    if inflater.unconsumed_tail:
                        piece = inflater.decompress(inflater.unconsumed_tail, room)
                    elif pos < len(view):
                        with view[pos : pos + _IN_CHUNK] as chunk:
                            pos += len(chunk)
                            piece = inflater.decompress(chunk, room)
                    else:
                        raise InputError(f"{what}: not a valid gzip file: it ends before its last member does")
                    out += piece
                    if len(out) > limit:
                        raise too_large(what, limit)
                pos -= len(inflater.unused_data)
                while pos < len(view) and view[pos] == 0:  # (padding after a member, as gzip allows)
                    pos += 1
        except zlib.error as exc:
            raise InputError(f"{what}: not a valid gzip file: {exc}") from None
        except MemoryError:
            raise InputError(f"{what}: decompressing it ran out of memory after {len(out):,} bytes") from None
    return out


class Unreadable(Exception):
    """Why a text file could not be read: ``line`` (``None``: the file as a whole) and ``reason``.

    Each caller turns it into its own error type and wording; the ways of failing are one list.
    """

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def read_utf8(path: Path, what: str) -> str:
    """The text of ``path`` (a ``what``: "config", "rule file" ...); :class:`Unreadable` when the
    file cannot be read or is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Unreadable(None, f"cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        line, reason = not_utf8(path)
        raise Unreadable(line, reason) from None


def not_utf8(path: Path) -> tuple[int, str]:
    """``(line, what)`` for a text file that failed to decode as UTF-8 (read again: error path)."""
    try:
        raw = path.read_bytes()
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1, f"not UTF-8 text (byte {exc.start})"
    except OSError as exc:
        return 1, f"cannot read: {exc.strerror or exc}"
    return 1, "not UTF-8 text"
