"""A cache of parsed rule files, keyed by their exact text.

Parsing YAML is most of what loading the rule pack costs a scan: importing PyYAML and
running it over 27 files takes about 40 ms, where reading the same data back as JSON takes
about 1 ms. So the first scan stores each parsed rule file as JSON under the SHA-256 of its
text (with the scanner version and the rule schema); later scans read that instead, and
never import PyYAML. An edited file has a new text and therefore a new key: a cached entry
can be missing or unreadable, never stale. Cached data is still validated against the
schema on every load, exactly like freshly parsed data.

The cache lives in ``$ACR_SCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/acr-policy-scanner``, else
``~/.cache/acr-policy-scanner``; ``ACR_SCAN_CACHE_DIR=`` (empty) turns it off. Rule files hold
no secrets. Any problem reading or writing it (a read-only home, a corrupt entry) only means
the file is parsed again: the cache can make a scan faster, never different.
"""

from __future__ import annotations

import os
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from scanner import __version__, input_limits, plain_data, safeyaml
from scanner.atomic import write_atomic
from scanner.resources import rule_schema_path

CACHE_ENV = "ACR_SCAN_CACHE_DIR"
_FORMAT = b"acr-scan rule cache 1\0"


def cache_dir() -> Path | None:
    """Where parsed rule files are kept, or None when caching is turned off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "acr-policy-scanner"


@cache
def _salt() -> bytes:
    """What else a parse depends on: this scanner's version, its rule schema, and the code
    that turns YAML into data (``scanner/safeyaml.py``, ``plain_data.py`` and the limits in
    ``input_limits.py``, which an edit in a checkout would change without a new version)."""
    parser = b"".join(Path(module.__file__ or "").read_bytes() for module in (safeyaml, plain_data, input_limits))
    return b"\0".join((_FORMAT, __version__.encode(), rule_schema_path().read_bytes(), parser, b""))


def _entry(directory: Path, text: str) -> Path:
    digest = sha256(_salt())
    digest.update(text.encode("utf-8"))
    return directory / "rules" / f"{digest.hexdigest()}.json"


def cached(text: str) -> Any | None:
    """The data parsed earlier from exactly ``text``, or None."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        return orjson.loads(_entry(directory, text).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def remember(text: str, data: Any) -> None:
    """Store the data parsed from ``text`` (only data that JSON carries back unchanged)."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        blob = orjson.dumps(data)
    except TypeError:
        return
    if orjson.loads(blob) != data:  # (YAML can say things JSON cannot: NaN, non-string keys)
        return

    def write(handle: BinaryIO) -> None:
        handle.write(blob)

    try:
        write_atomic(_entry(directory, text), write)
    except OSError:
        return
