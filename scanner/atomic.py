"""Atomic file writes: a temporary file in the target folder, then a rename.

Readers (a pipeline step, an auditor's script) never see half a report or half a snapshot,
and a failure leaves nothing behind:

* an exception in the writer removes the temporary file;
* SIGTERM, SIGINT or SIGHUP during a write (a cancelled CI job, Ctrl-C, a closed terminal)
  removes it too, then the signal takes its usual course (the process ends by that signal,
  or ``KeyboardInterrupt`` for SIGINT); a signal the process ignores stays ignored;
* what nothing can clean up (SIGKILL, a power cut) is removed by the next write to the same
  target: temporary files of our own pattern beside it (``.NAME.<12 hex digits>``) that are
  older than :data:`STALE_AFTER` and that no live writer holds locked.

A target that is a device, a pipe or a socket (``-o /dev/null``, ``-o /dev/stdout``, a named
pipe) is written in place: there is nothing to replace atomically, and renaming over it would
swap the device for an ordinary file.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

_ATTEMPTS = 100
_RANDOM_BYTES = 6  # → 12 hex digits in the name
#: Seconds after its last change before an unlocked temporary file of ours counts as abandoned.
#: (A live writer holds its file locked, so this only matters where locks are unavailable.)
STALE_AFTER = 60.0
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))
_HEX = frozenset("0123456789abcdef")

_pending: set[Path] = set()  # temporary files being written right now
_saved: dict[int, Any] = {}  # the handlers ours replaced while a write is in flight
_depth = 0  # writes in flight (nested writes share one set of handlers)


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new, exclusively created file beside ``target`` (``tempfile.mkstemp``'s contract).

    Written out rather than taken from :mod:`tempfile`, whose import (``random``, ``shutil``
    and their compression modules) costs every scan several milliseconds for one file name.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        candidate = target.with_name(f".{target.name}.{os.urandom(_RANDOM_BYTES).hex()}")
        try:
            return os.open(candidate, flags, 0o600), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"{target.parent}: no unused temporary file name after {_ATTEMPTS} attempts")


# --------------------------------------------------------------------------- locks

if sys.platform == "win32":  # pragma: no cover - no flock: abandoned files are told apart by age alone

    def _hold(fd: int) -> None:
        return None

    def _in_use(path: Path) -> bool:
        return False

else:
    import fcntl

    def _hold(fd: int) -> None:
        """Mark ``fd``'s file as being written (released when it is closed, or the process dies)."""
        with suppress(OSError):  # (a file system without locks: the age alone protects the write)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _in_use(path: Path) -> bool:
        """Whether a live writer holds ``path`` locked (a file that vanished is not in use)."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)  # (also releases the lock just taken)
        return False


# --------------------------------------------------------------------------- stale files


def _is_our_temporary(name: str, target_name: str) -> bool:
    prefix = f".{target_name}."
    suffix = name[len(prefix) :]
    return name.startswith(prefix) and len(suffix) == 2 * _RANDOM_BYTES and set(suffix) <= _HEX


def remove_stale_temporaries(target: Path, now: float | None = None) -> list[Path]:
    """Remove abandoned temporary files of earlier writes to ``target``; return what was removed.

    Only regular files beside ``target`` named ``.NAME.<12 hex digits>`` (our pattern), last
    changed more than :data:`STALE_AFTER` seconds ago and not locked by a live writer.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not _is_our_temporary(entry.name, target.name):
            continue
        try:
            if (
                not entry.is_file(follow_symlinks=False)
                or now - entry.stat(follow_symlinks=False).st_mtime < STALE_AFTER
            ):
                continue
        except OSError:
            continue
        path = Path(entry.path)
        if _in_use(path):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


# --------------------------------------------------------------------------- signals


def _remove_pending() -> None:
    for path in list(_pending):
        with suppress(OSError):
            path.unlink(missing_ok=True)
    _pending.clear()


def _restore_handlers() -> None:
    for signum, handler in _saved.items():
        signal.signal(signum, handler)
    _saved.clear()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Remove the files being written, then let the signal do what it would have done."""
    previous = _saved.get(signum, signal.SIG_DFL)
    _remove_pending()
    _restore_handlers()
    if callable(previous):
        previous(signum, frame)  # e.g. Python's SIGINT handler: KeyboardInterrupt
    elif previous == signal.SIG_DFL:
        signal.raise_signal(signum)  # end by this signal, as without us


@contextmanager
def _signals_clean_up() -> Iterator[None]:
    """While inside, SIGTERM/SIGINT/SIGHUP first remove the temporary files being written."""
    global _depth
    if _depth == 0:
        try:
            for signum in _SIGNALS:
                handler = signal.getsignal(signum)
                if handler is None or handler == signal.SIG_IGN:
                    continue  # (ignored, e.g. SIGHUP under nohup: the write goes on, so must its file)
                signal.signal(signum, _on_signal)
                _saved[signum] = handler
        except ValueError:  # not the main thread: handlers cannot be set from here
            _restore_handlers()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _restore_handlers()


def _create_pending(target: Path) -> tuple[int, Path]:
    """Create the temporary file and register it with no signal in between."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # pragma: no cover - Windows
        fd, tmp = _create_temporary(target)
        _pending.add(tmp)
        return fd, tmp
    blocked = mask(signal.SIG_BLOCK, _SIGNALS)
    try:
        fd, tmp = _create_temporary(target)
        _pending.add(tmp)
    finally:
        mask(signal.SIG_SETMASK, blocked)
    return fd, tmp


def _is_stream(path: Path) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a folder (a device, pipe, socket)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_atomic(path: Path, writer: Callable[[BinaryIO], None]) -> None:
    """Call ``writer`` with a binary stream; the result appears at ``path`` only if it succeeds."""
    if _is_stream(path):
        with open(path, "wb") as handle:
            writer(handle)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    with _signals_clean_up():
        fd, tmp = _create_pending(path)
        try:
            _hold(fd)
            with os.fdopen(fd, "wb") as handle:
                writer(handle)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            _pending.discard(tmp)
