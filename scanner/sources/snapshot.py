"""Read a saved snapshot (``.json`` or ``.json.gz``) and validate it against its schema.

Parsing uses msgspec, which builds Python objects straight from the bytes with no intermediate
document tree. Validation uses ``jsonschema-rs``: a 50,000-registry snapshot holds hundreds of
thousands of rows, which the pure-Python validator would take most of the scan to check. The
schema is plain JSON Schema shipped in ``scanner/schemas`` (docs/snapshot-format.md).
"""

from __future__ import annotations

import inspect
import mmap
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

import msgspec
import orjson

from scanner.errors import InputError, reading
from scanner.input_limits import DEFAULT_MAX_DECOMPRESSED, MAX_DEPTH, gunzip_bounded
from scanner.resources import snapshot_schema_path
from scanner.sources.base import RawSnapshot
from scanner.sources.json_depth import offset_too_deep, path_too_deep, shown_path
from scanner.sources.snapshot_types import SnapshotDocument, as_plain, without_typed_rows


@cache
def _validator() -> Any:
    import jsonschema_rs  # (imported only when there is a file to validate: a gate without one never loads it)

    schema = orjson.loads(snapshot_schema_path().read_bytes())
    return jsonschema_rs.validator_for(schema)


def json_path(parts: list[str | int]) -> str:
    """Render a JSON path the way people read it: ``$.resourceGraph.registries[3].sku``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{_key(part)}"
    return out


def _key(part: str) -> str:
    """A key as it reads in a path: as is, or quoted and escaped when it has control characters."""
    return part if part.isprintable() else orjson.dumps(part).decode()


def _no_limit(limit: int | None) -> int:
    return sys.maxsize if limit is None else limit


@contextmanager
def _snapshot_bytes(path: Path, max_decompressed: int | None) -> Iterator[bytes | bytearray | mmap.mmap]:
    """The snapshot's JSON text: the file mapped read-only, or its gzip members decompressed
    (at most ``max_decompressed`` bytes; ``None``: a snapshot this run wrote itself).

    Mapping a plain file lets the decoder read the page cache in place instead of copying the
    whole file into a fresh allocation first.
    """
    with reading(path, "snapshot"), path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            yield b""  # (an empty file cannot be mapped; the decoder reports it)
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            if mapped[:2] == b"\x1f\x8b":
                yield gunzip_bounded(mapped, _no_limit(max_decompressed), str(path))
                return
            if path.suffix == ".gz":
                raise InputError(f"{path}: file ends in .gz but is not gzip-compressed")
            yield mapped


_BYTE = re.compile(r"\(byte (\d+)\)")


_TYPED_AT = re.compile(r"^(?P<what>.*) - at `(?P<where>\$[^`]*)`$")


def _typed_error(path: Path, exc: msgspec.ValidationError) -> InputError:
    """A typed row that breaks the schema, said the way the schema validator says it."""
    found = _TYPED_AT.match(str(exc))
    what, where = (found["what"], found["where"]) if found else (str(exc), "$")
    what = what.replace("`", "")
    return InputError(f"{path}: {where}: {what[:1].lower()}{what[1:]}")


def _line_col(raw: bytes, pos: int) -> str:
    line = raw.count(b"\n", 0, pos) + 1
    col = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
    return f"{line}:{col}"


def _too_deep(path: Path, text: bytes | bytearray | mmap.mmap) -> InputError:
    pos = offset_too_deep(text, MAX_DEPTH)
    where = f":{_line_col(bytes(text[: pos + 1]), pos)}" if pos is not None else ""
    return InputError(f"{path}{where}: JSON nested deeper than {MAX_DEPTH} levels (the input limit)")


# Two documents just inside and just beyond the nesting limit, to set the recursion limit by.
_AT_LIMIT = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
_BEYOND_LIMIT = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)


def _stack_depth() -> int:
    here = inspect.currentframe()
    try:
        frame: FrameType | None = here.f_back if here is not None else None
        depth = 0
        while frame is not None:
            depth += 1
            frame = frame.f_back
        return depth
    finally:
        # A frame referring to itself through a local is a cycle: it would keep every calling
        # frame, with the locals they hold when they return (the scan's result), alive until
        # the cyclic collector next runs (Python's inspect documentation asks for this del).
        del here


def _decode(text: bytes | bytearray | mmap.mmap) -> msgspec.Struct:
    """Decode with msgspec, stopping at :data:`MAX_DEPTH` levels of nesting.

    msgspec recurses once per level and guards that with the interpreter's recursion limit
    (its maintainers' advice for bounding it is to lower that limit). The limit that lets
    exactly ``MAX_DEPTH`` levels through from this frame is found with two tiny documents
    (how deep the stack already is depends on the caller), and holds for one call that runs no
    Python code. On Python 3.12 and later builtins follow a fixed C limit instead: see
    :func:`validate_snapshot`.
    """
    saved = sys.getrecursionlimit()
    limit = _stack_depth() + MAX_DEPTH
    try:
        sys.setrecursionlimit(limit)
        while limit < saved:  # (the probes are called from here: a helper would add a frame)
            try:
                msgspec.json.decode(_AT_LIMIT)
                break
            except RecursionError:
                limit += 1
                sys.setrecursionlimit(limit)
        while True:
            try:
                msgspec.json.decode(_BEYOND_LIMIT)
            except RecursionError:
                break
            limit -= 1
            sys.setrecursionlimit(limit)  # (raises RecursionError if too low: never, by the first loop)
        document: msgspec.Struct = msgspec.json.decode(text, type=SnapshotDocument)
        return document
    finally:
        sys.setrecursionlimit(saved)


def _parse(path: Path, text: bytes | bytearray | mmap.mmap, plain: bool = False) -> Any:
    try:
        return msgspec.json.decode(text) if plain else as_plain(_decode(text))
    except RecursionError:
        raise _too_deep(path, text) from None
    except MemoryError:
        raise InputError(f"{path}: too large to decode in the memory available ({len(text):,} bytes of JSON)") from None
    except msgspec.ValidationError as exc:
        raise _typed_error(path, exc) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: invalid JSON: not UTF-8 text (byte {exc.start})") from None
    except msgspec.DecodeError as exc:
        message = str(exc)
        raw = bytes(text)  # (only to locate the error: a mapping has no count or rstrip)
        found = _BYTE.search(message)
        reason = _BYTE.sub("", message).replace("JSON is malformed: ", "").strip()
        # A truncated document has no offset in msgspec's message: it ends too early.
        pos = int(found.group(1)) if found is not None else len(raw.rstrip())
        raise InputError(f"{path}:{_line_col(raw, pos)}: invalid JSON: {reason if found else reason.lower()}") from None


_CREDENTIAL_LISTS = frozenset({"passwordcredentials", "keycredentials", "credentials", "passwords"})


def _in_credentials(path: Any) -> bool:
    return any(isinstance(part, str) and part.lower() in _CREDENTIAL_LISTS for part in path)


_FIELD_NAMED = re.compile(r'is not allowed for "([^"]{1,40})"$')


def describe_error(error: Any) -> str:
    """A schema error in words that never echo a payload (it may hold secret material)."""
    kind = type(error.kind).__name__
    if kind in ("Not", "PropertyNames"):  # (the credentialMetadata rule: names the field, never its value)
        field = _FIELD_NAMED.search(str(error.message))
        found = f" (found {field[1]!r})" if kind == "PropertyNames" and field else ""
        return (
            "must not carry secret material (secretText, hint, key or value, in any letter case)"
            f"{found}; remove it before saving snapshots"
        )
    instance = error.instance
    message = str(error.message)
    if isinstance(instance, str) and _in_credentials(error.instance_path):
        return message.replace(orjson.dumps(instance).decode(), "a string")  # (it may be the secret itself)
    if isinstance(instance, dict | list):
        label = "an object" if isinstance(instance, dict) else "an array"
        try:
            message = message.replace(orjson.dumps(instance).decode(), label)
        except TypeError:  # (orjson writes no integer beyond 64 bits: say what it is instead)
            message = (
                f"{label} is {message.rsplit(' is ', 1)[-1]}" if " is " in message else f"{label} is not valid here"
            )
    elif isinstance(instance, str) and len(instance) > 80:
        message = message.replace(orjson.dumps(instance).decode(), "a long string")
    return message


def validate_snapshot(origin: str, data: Any) -> None:
    """Raise :class:`InputError` naming the first schema violation's JSON path.

    The decoder has already refused nesting beyond :data:`MAX_DEPTH`; data that did not come
    from it (a live collection about to be saved, or a newer interpreter: see :func:`_decode`)
    can still nest deeper than jsonschema-rs goes (255 levels), which is refused the same way.
    """
    checked = without_typed_rows(data)
    try:
        errors = list(_validator().iter_errors(checked))
    except ValueError as exc:
        if "recursion limit" not in str(exc).lower():
            raise
        parts = path_too_deep(checked, MAX_DEPTH) or []
        raise InputError(
            f"{origin}: {shown_path(parts)}: nested deeper than {MAX_DEPTH} levels (the input limit)"
        ) from None
    if not errors:
        return
    first = min(errors, key=lambda e: [str(p) for p in e.instance_path])
    where = json_path(list(first.instance_path))
    # (a credential list under its own name matches two schema rules: one problem, not two)
    distinct = len({(json_path(list(e.instance_path)), str(e.message)) for e in errors})
    more = f" (and {distinct - 1} more problem(s))" if distinct > 1 else ""
    raise InputError(f"{origin}: {where}: {describe_error(first)}{more}")


class SnapshotFileSource:
    """A snapshot written by ``acr-scan collect``, by hand, or by another tool."""

    def __init__(
        self, path: Path, max_decompressed: int | None = DEFAULT_MAX_DECOMPRESSED, shards: bool = False
    ) -> None:
        self.path = path
        self.max_decompressed = max_decompressed
        # acr-scan merge reads the parts of a sharded collection (nothing else may), and it reads
        # every row whole, not decoded into the typed rows a scan reads faster
        self.shards = shards

    def load(self) -> RawSnapshot:
        with _snapshot_bytes(self.path, self.max_decompressed) as text:
            data = _parse(self.path, text, plain=self.shards)
        validate_snapshot(str(self.path), data)
        shard = (data.get("scope") or {}).get("shard")
        if shard is not None and not self.shards:
            raise InputError(
                f"{self.path}: part {shard['index']} of {shard['of']} of a sharded collection: a part alone would "
                "judge relations across parts wrongly; join the parts first (acr-scan merge PART... -o SNAPSHOT)"
            )
        return RawSnapshot(origin=str(self.path), data=data)
