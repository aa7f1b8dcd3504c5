"""Atomic file writes: a temporary file in the target folder, then a rename.

Readers (a pipeline step, an auditor's script) never see half a report or half a snapshot,
and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, writer: Callable[[BinaryIO], None]) -> None:
    """Call ``writer`` with a binary stream; the result appears at ``path`` only if it succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer(handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
