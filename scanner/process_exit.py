"""End the ``acr-scan`` process without freeing what a finished scan built.

A 5,000-registry scan holds millions of small objects (the inventory, 150,000 findings).
Letting Python free them one by one when the scan's functions return and again at
interpreter shutdown costs a tenth of the scan's wall time and achieves nothing: the
operating system reclaims the whole address space at once. mypy ends its command line the
same way (``mypy.util.hard_exit``).

Only the console entry point opts in (:func:`run_then_exit`); :func:`retain` is a no-op
otherwise, so tests that call :func:`scanner.cli.main` in-process free everything as usual.
Every output is written and closed before the command returns; this module flushes the
standard streams and logging before leaving.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

_retained: list[object] | None = None


def retain(*objects: object) -> None:
    """Keep ``objects`` alive until the process exits (when the console entry point runs)."""
    if _retained is not None:
        _retained.extend(objects)


def run_then_exit(command: Callable[[], int]) -> NoReturn:
    """Run ``command`` and end the process with its exit code, skipping object teardown."""
    global _retained
    _retained = []
    code = command()
    logging = sys.modules.get("logging")  # (flushed only if something used it: a scan need not import it)
    if logging is not None:
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a closed pipe (``| head``) or stream
            stream.flush()
    os._exit(code)
