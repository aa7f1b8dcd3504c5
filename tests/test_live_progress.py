"""The progress line of long steps (collecting, merging, recording a night): on a terminal only,
overwritten in place, cleared at the end."""

from __future__ import annotations

import io
import sys

import pytest

from scanner.cli.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_overwrites_one_line_and_clears_it(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    progress = Progress(enabled=True)
    progress("resource graph: registries")
    progress("arm: 3/12 registries")
    progress.done()
    text = screen.getvalue()
    assert "\n" not in text
    assert text.count("\r") == 4 and "arm: 3/12 registries" in text
    assert text.endswith("\r")


def test_progress_is_silent_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    progress = Progress(enabled=False)
    progress("anything")
    progress.done()
    assert screen.getvalue() == ""
