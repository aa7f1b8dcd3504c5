"""External tools some tests drive for real: Debian's Chromium and Microsoft's SARIF Multitool.

A clone without them still runs the suite: those tests skip with one line saying how to install
the tool. CI installs both and sets ``ACR_SCAN_REQUIRE_TOOLS=1``, which turns a missing tool
into a failure, so a broken install can never pass as a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_ENV = "ACR_SCAN_REQUIRE_TOOLS"
INSTALL_HINT = "run scripts/install-test-tools.sh (make test does)"


def tools_required() -> bool:
    """Whether a missing tool fails the test instead of skipping it."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def require_tool(name: str, path: Path | None = None) -> Path:
    """The tool's executable (``path``, else ``name`` on PATH); skip or fail when it is absent."""
    if path is not None:
        found: str | None = str(path) if path.is_file() and os.access(path, os.X_OK) else None
    else:
        found = shutil.which(name)
    if found is None:
        where = f" at {path}" if path is not None else " on PATH"
        message = f"{name} not found{where}: {INSTALL_HINT}"
        if tools_required():
            pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
        pytest.skip(message)
    return Path(found)


#: Headless Chromium as the browser tests run it (no sandbox as root, no background traffic).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
