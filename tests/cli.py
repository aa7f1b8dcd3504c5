"""The ``acr-scan`` command line run in this process: :func:`scanner.cli.main` with captured streams.

Most CLI tests check what a command writes and how it exits, not the process around it; running
``main(argv)`` here skips an interpreter start and the imports per call. What only a real process
shows (the console script's exit status, signals, a closed stdout, memory and file-size caps) is
tested in a child process (:func:`tests.conftest.run_cli_process`, :func:`tests.hostile.run_contained`).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CliRun:
    """How one in-process run ended: the exit code and everything written to stdout and stderr."""

    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes
    seconds: float

    @property
    def stdout(self) -> str:
        """stdout as ``subprocess.run(text=True)`` gives it (UTF-8, universal newlines)."""
        return _text(self.stdout_bytes)

    @property
    def stderr(self) -> str:
        """stderr as ``subprocess.run(text=True)`` gives it (UTF-8, universal newlines)."""
        return _text(self.stderr_bytes)


def _text(data: bytes) -> str:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline=None).read()


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """``sys.stdout`` and ``sys.stderr`` replaced by text streams over two ``BytesIO`` (not terminals)."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    try:
        yield out, err
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # (keeps the BytesIO open: a collected wrapper would close it)
        sys.stdout, sys.stderr = saved


def run_in_process(args: Sequence[str], *, cwd: Path | None = None) -> CliRun:
    """``acr-scan ARGS`` in this process, in ``cwd`` (default: the current directory)."""
    from scanner.cli import main

    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("run_in_process swaps sys.stdout and the working directory: call it from the main thread")
    started = time.monotonic()
    with captured() as (out, err), contextlib.chdir(cwd or os.getcwd()):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return CliRun(code, out.getvalue(), err.getvalue(), time.monotonic() - started)
