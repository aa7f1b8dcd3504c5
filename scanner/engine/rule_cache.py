"""A cache of parsed rule files, keyed by their exact text.

Parsing YAML is most of what loading the rule pack costs a small scan, and reading the same
data back as JSON is much cheaper (bench/README.md). So the first scan stores each parsed rule
file as JSON under the SHA-256 of its text (with the scanner version, the rule schema and the
code that parses YAML); later scans read that instead and never import PyYAML. An edited file
has a new text and therefore a new key: an entry can be missing or unreadable, never stale.
Only data that passed the rule schema is stored, and each entry ends with the SHA-256 of its
own bytes (salted like the key), so a truncated, corrupt or foreign entry is recognised and the
file parsed again. A checked entry is used without running the schema again: a scan that finds
its whole pack cached imports neither PyYAML nor the JSON Schema validator.

Where: ``$ACR_SCAN_CACHE_DIR`` if set (``ACR_SCAN_CACHE_DIR=``, empty, turns the cache off),
else ``acr-policy-scanner`` in the user's cache directory (``$XDG_CACHE_HOME`` if it is an
absolute path, else ``~/.cache``; ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on
Windows). The cache only ever writes inside that directory, and only if it already exists:
a missing, unwritable or read-only cache directory means the file is parsed again, never an
error and never a different result. Rule files hold no secrets.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from scanner import __version__, input_limits, plain_data, safeyaml
from scanner.atomic import write_atomic
from scanner.engine.rule_schema import rule_schema_bytes

CACHE_ENV = "ACR_SCAN_CACHE_DIR"
_FORMAT = b"acr-scan rule cache 2\0"
_APP = "acr-policy-scanner"


def _user_cache_dir() -> Path | None:
    """The platform's per-user cache directory, or None when there is no usable one."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        return Path(local) if os.path.isabs(local) else None
    if sys.platform == "darwin":
        base = "~/Library/Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        if os.path.isabs(xdg):  # (the XDG spec: a relative value is invalid and ignored)
            return Path(xdg)
        base = "~/.cache"
    expanded = os.path.expanduser(base)
    return Path(expanded) if os.path.isabs(expanded) else None


def _location() -> tuple[Path, Path] | None:
    """(the directory that must already exist, the cache's own directory), or None when off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return (Path(configured), Path(configured)) if configured else None
    user = _user_cache_dir()
    return (user, user / _APP) if user is not None else None


def cache_dir() -> Path | None:
    """Where parsed rule files are kept, or None when caching is turned off."""
    location = _location()
    return location[1] if location is not None else None


@cache
def _salt() -> bytes:
    """What else a parse depends on: this scanner's version, its rule schema, and the code
    that turns YAML into data (``scanner/safeyaml.py``, ``plain_data.py`` and the limits in
    ``input_limits.py``, which an edit in a checkout would change without a new version)."""
    parser = b"".join(Path(module.__file__ or "").read_bytes() for module in (safeyaml, plain_data, input_limits))
    return b"\0".join((_FORMAT, __version__.encode(), rule_schema_bytes(), parser, b""))


def _entry(directory: Path, text: str) -> Path:
    digest = sha256(_salt())
    digest.update(text.encode("utf-8"))
    return directory / "rules" / f"{digest.hexdigest()}.json"


def _checksum(blob: bytes) -> bytes:
    return b"\n" + sha256(_salt() + blob).hexdigest().encode("ascii")


_CHECKSUM_LENGTH = 1 + 64  # (a newline and 64 hex digits)


def cached(text: str) -> Any | None:
    """The data parsed (and found valid) earlier from exactly ``text``, or None."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        stored = _entry(directory, text).read_bytes()
    except OSError:
        return None
    blob, checksum = stored[:-_CHECKSUM_LENGTH], stored[-_CHECKSUM_LENGTH:]
    if len(stored) <= _CHECKSUM_LENGTH or checksum != _checksum(blob):
        return None
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError:
        return None


def _writable_entry(text: str) -> Path | None:
    """The entry's path, its folders made inside the existing cache directory; None if that fails.

    The configured directory, or the user's cache directory that holds ours, must exist
    already: the cache never creates a directory outside it.
    """
    location = _location()
    if location is None or not location[0].is_dir():
        return None
    owner, directory = location
    entry = _entry(directory, text)
    try:
        for folder in (directory, entry.parent):
            if folder != owner:
                folder.mkdir(exist_ok=True)
    except OSError:
        return None
    return entry


def remember(text: str, data: Any) -> None:
    """Store the valid rule parsed from ``text`` (only data that JSON carries back unchanged)."""
    try:
        blob = orjson.dumps(data)
    except TypeError:
        return
    if orjson.loads(blob) != data:  # (YAML can say things JSON cannot: NaN, non-string keys)
        return
    entry = _writable_entry(text)
    if entry is None:
        return

    def write(handle: BinaryIO) -> None:
        handle.write(blob + _checksum(blob))

    try:
        write_atomic(entry, write)
    except OSError:
        return
