"""What every self-contained HTML page shares: the Jinja2 environment, inlined assets and their
Content-Security-Policy hashes, and the chunked writer.

Its own module so that the pieces a page is made of (the scan report, the access page, the
drift page, the report's access panel) can import it without importing each other.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from functools import cache
from typing import BinaryIO

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from scanner.resources import data_dir

#: Text is written in pieces of about this many characters: a large page is never whole in memory.
FLUSH_CHARS = 1 << 20


def inline_asset(name: str, closing: str) -> str:
    """A file of ``reports/`` to inline, refused if it could close its own element early."""
    text = (data_dir("reports") / name).read_text(encoding="utf-8")
    if closing in text.lower():
        raise ValueError(f"reports/{name} must not contain {closing!r}")
    return text


def csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def plural(n: int, one: str, many: str) -> str:
    """``1 grant``, ``2 grants``: a plain function rather than a template macro, because a macro
    call costs tens of microseconds and a 5,000-registry report makes tens of thousands."""
    return f"{n} {one if n == 1 else many}"


@cache
def environment() -> Environment:
    """The Jinja2 environment of every HTML page: templates from ``reports/``, autoescape on."""
    env = Environment(
        loader=FileSystemLoader(str(data_dir("reports"))),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["plural"] = plural
    return env


def write_chunks(chunks: Iterable[str], stream: BinaryIO) -> None:
    """Encode a template's stream of text to ``stream`` in pieces of about :data:`FLUSH_CHARS`."""
    buffer: list[str] = []
    size = 0
    for chunk in chunks:
        buffer.append(chunk)
        size += len(chunk)
        if size >= FLUSH_CHARS:
            stream.write("".join(buffer).encode("utf-8", "replace"))
            buffer, size = [], 0
    stream.write("".join(buffer).encode("utf-8", "replace"))
