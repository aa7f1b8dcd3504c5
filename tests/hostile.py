"""The hostile-input contract, checked the same way for every reader.

Whatever a pull request, a snapshot, a rule pack or a flaky endpoint throws at the CLI, it
must end with a documented exit code (never 4, "internal error"), at most one line on stderr
when it fails, no traceback, within a time and memory bound, and without writing a file over
the output bound. Two ways to run it:

* :func:`run_contained`: the command line in a child process with an address-space cap
  (``RLIMIT_AS``), a file-size cap (``RLIMIT_FSIZE``) and a wall-clock timeout. Used for the seed
  corpus of reproducers under ``tests/data/hostile/``. The child is forked from a small server
  process that has already imported ``scanner.cli`` (what ``python -m scanner`` imports before
  reading its arguments), so each run skips an interpreter start; everything after the fork
  (caps, environment, working directory, streams, exit status, signals) is the child's own.
* :func:`run_in_process`: :func:`scanner.cli.main` in this process with captured streams. Used by
  the hypothesis suites, where a child process per example would be too slow.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.context
import os
import resource
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests import cli

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "hostile"

#: The contract's bounds (issue 11, "Done when").
TIME_LIMIT = 30.0
MEMORY_LIMIT = 1 << 30
OUTPUT_LIMIT = 100 * 1024 * 1024
#: Exit codes a run may end with: clean, findings, input error, incomplete data, collection failed.
CONTRACT_CODES = frozenset({0, 1, 2, 3, 5})
#: Exit codes that are failures and so must come with exactly one line on stderr.
ERROR_CODES = frozenset({2, 5})


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one run ended."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    signal_name: str | None = None  # set when the child was killed (timeout, SIGXFSZ, SIGKILL)

    def describe(self) -> str:
        """A short account for assertion messages."""
        how = f"signal {self.signal_name}" if self.signal_name else f"exit {self.code}"
        return f"{how} after {self.seconds:.1f}s; stderr: {self.stderr[-2000:]!r}"


def _limits(memory: int, output: int) -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@functools.cache
def _fork_server() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["scanner.cli"])
    return context


def _contained_main(
    args: Sequence[str], cwd: Path, env: dict[str, str], memory: int, output: int, out: str, err: str
) -> None:  # pragma: no cover - runs in the child
    """``acr-scan ARGS`` as ``python -m scanner`` would run it, under the caps, streams into ``out``/``err``."""
    _limits(memory, output)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        target = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - the process's stdout until it exits
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    from scanner.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_contained(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = TIME_LIMIT,
    memory: int = MEMORY_LIMIT,
    output: int = OUTPUT_LIMIT,
) -> Outcome:
    """Run ``acr-scan ARGS`` in a child process under the contract's bounds and report how it ended."""
    child_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory(prefix="acr-contained-") as streams:
        out, err = Path(streams, "stdout"), Path(streams, "stderr")
        out.touch()
        err.touch()
        started = time.monotonic()
        child = _fork_server().Process(
            target=_contained_main, args=(list(args), cwd or ROOT, child_env, memory, output, str(out), str(err))
        )
        child.start()
        child.join(timeout)
        timed_out = child.exitcode is None
        if timed_out:
            child.kill()
            child.join()
        seconds = time.monotonic() - started
        stdout, stderr = out.read_bytes().decode(errors="replace"), err.read_bytes().decode(errors="replace")
    code = child.exitcode
    assert code is not None
    if timed_out:
        return Outcome(-1, stdout, stderr, timeout, "timeout")
    killed = signal.Signals(-code).name if code < 0 else None
    return Outcome(code, stdout, stderr, seconds, killed)


def run_in_process(args: Sequence[str]) -> Outcome:
    """:func:`scanner.cli.main` with captured stdout/stderr (no resource caps: use small inputs)."""
    run = cli.run_in_process(args)
    stdout, stderr = run.stdout_bytes.decode(errors="replace"), run.stderr_bytes.decode(errors="replace")
    return Outcome(run.returncode, stdout, stderr, run.seconds)


def assert_contract(
    outcome: Outcome,
    *,
    allowed: frozenset[int] = CONTRACT_CODES,
    needles: Sequence[str] = (),
    time_limit: float = TIME_LIMIT,
) -> None:
    """The hostile-input contract: documented exit code, one line on failure, no traceback, bounded time.

    ``needles`` must all appear in the error line (the file or call, and what was wrong).
    """
    assert outcome.signal_name is None, outcome.describe()
    assert outcome.code in allowed, outcome.describe()
    assert "Traceback" not in outcome.stderr, outcome.describe()
    assert "internal error" not in outcome.stderr, outcome.describe()
    assert outcome.seconds <= time_limit, outcome.describe()
    if outcome.code in ERROR_CODES:
        lines = [line for line in outcome.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, outcome.describe()
        for needle in needles:
            assert needle in lines[0], (needle, lines[0])


def largest_file(directory: Path) -> int:
    """Size of the largest file under ``directory`` (0 when there is none)."""
    sizes = [p.stat().st_size for p in directory.rglob("*") if p.is_file()]
    return max(sizes, default=0)


def leftovers(directory: Path) -> list[Path]:
    """Temporary files an interrupted or failed write left behind (``.name.<hex>``)."""
    return [p for p in directory.rglob(".*") if p.is_file()]
