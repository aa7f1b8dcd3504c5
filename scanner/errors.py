"""Errors the CLI turns into one line and a distinct exit code, never a traceback.

Every error raised for bad input names *where* (a file, a JSON path, a rule file and line, or
an API call) and *what* was wrong, because the person reading it is usually in a CI log with
no debugger and no time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Documented process exit codes (README, "Exit codes")."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3
    INTERNAL = 4
    COLLECTION = 5


class ScannerError(Exception):
    """Base class: an expected failure with a one-line message and an exit code."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(ScannerError):
    """A snapshot, config or other input file is missing or malformed."""


class RuleError(ScannerError):
    """A rule file is malformed: the message reads ``file:line: what is wrong``."""


class ConfigError(ScannerError):
    """The user's configuration is malformed or refers to something that does not exist."""


@contextmanager
def reading(path: Path, what: str) -> Iterator[None]:
    """Opening or reading ``path`` inside this block fails as one :class:`InputError` line that
    names the file, what it should have been, and why it could not be read."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: cannot read {what}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: cannot read {what}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
