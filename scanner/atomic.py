"""Atomic file writes: a temporary file in the target folder, then a rename.

Readers (a pipeline step, an auditor's script) never see half a report or half a snapshot,
and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_ATTEMPTS = 100


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new, exclusively created file beside ``target`` (``tempfile.mkstemp``'s contract).

    Written out rather than taken from :mod:`tempfile`, whose import (``random``, ``shutil``
    and their compression modules) costs every scan several milliseconds for one file name.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        candidate = target.with_name(f".{target.name}.{os.urandom(6).hex()}")
        try:
            return os.open(candidate, flags, 0o600), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"{target.parent}: no unused temporary file name after {_ATTEMPTS} attempts")


def write_atomic(path: Path, writer: Callable[[BinaryIO], None]) -> None:
    """Call ``writer`` with a binary stream; the result appears at ``path`` only if it succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer(handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
