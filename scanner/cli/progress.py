"""A one-line progress report on stderr for long steps (collecting, merging, recording a night):
shown only on a terminal, so a CI log stays quiet."""

from __future__ import annotations

import sys

from scanner.outputs.terminal import safe_text


class Progress:
    """One self-overwriting status line on stderr, only on a terminal."""

    def __init__(self, enabled: bool, doing: str = "collecting") -> None:
        self.enabled, self.doing = enabled, doing
        self._width = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        line = safe_text(f"{self.doing}: {message}")[:120]
        sys.stderr.write("\r" + line.ljust(self._width))
        sys.stderr.flush()
        self._width = len(line)

    def done(self) -> None:
        if self.enabled and self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            sys.stderr.flush()
