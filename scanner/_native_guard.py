"""Use the mypyc-compiled hot modules only while they match their Python sources.

``scripts/build_native.py`` compiles a few modules in place and records the SHA-256 of each
source in ``scanner/native.json``. Python prefers an extension module over the ``.py`` beside
it, so after an edit the old compiled code would silently keep running. This guard, run by
``scanner/__init__`` before any of those modules is imported, checks the recorded digests and,
if any source changed (or ``ACR_SCAN_PURE_PYTHON=1`` is set), makes every compiled module load
from its source instead: all of them, because compiled modules call each other directly.

The manifest also records the C helper ``scanner/_prefault.c``: it has no Python source to
fall back to, so when the build is stale or disabled it is simply not loaded.

Without ``native.json`` (a wheel, a checkout never built) there is nothing to check.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from scanner.sha256 import sha256

PACKAGE_ROOT = Path(__file__).resolve().parent
MANIFEST = PACKAGE_ROOT / "native.json"


class SourceOnlyFinder:
    """Finds the listed modules' ``.py`` files, ahead of the compiled extension beside them."""

    def __init__(self, modules: dict[str, Path], reason: str = "not in use") -> None:
        self.modules = modules
        self.reason = reason

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self.modules.get(fullname)
        if source is None:
            return None
        if source.suffix != ".py":  # a C helper (scanner/_prefault.c): no source to fall back to
            raise ModuleNotFoundError(f"{fullname} is not used: the native build is {self.reason}", name=fullname)
        return importlib.util.spec_from_file_location(fullname, source)


def source_digest(path: Path) -> str:
    """What ``native.json`` records per compiled source (written by scripts/build_native.py)."""
    return sha256(path.read_bytes()).hexdigest()


def _module_name(relative: str) -> str:
    return relative.rsplit(".", 1)[0].replace("/", ".")


def compiled_state() -> tuple[str, dict[str, Path]]:
    """("compiled" | "stale" | "disabled" | "pure", {module: source path}) of this install."""
    try:
        recorded = json.loads(MANIFEST.read_text())["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return "pure", {}
    root = PACKAGE_ROOT.parent
    modules = {_module_name(rel): root / rel for rel in recorded}
    if os.environ.get("ACR_SCAN_PURE_PYTHON") == "1":
        return "disabled", modules
    for rel, digest in recorded.items():
        try:
            current = source_digest(root / rel)
        except OSError:
            return "stale", modules
        if current != digest:
            return "stale", modules
    return "compiled", modules


def install() -> str:
    """Route imports of stale or disabled compiled modules to their sources; return the state."""
    state, modules = compiled_state()
    if state in ("stale", "disabled"):
        sys.meta_path.insert(0, SourceOnlyFinder(modules, state))
    if state == "stale":
        sys.stderr.write(
            "acr-scan: note: the compiled modules are older than their sources; running the sources "
            "(rebuild with: python scripts/build_native.py)\n"
        )
    return state
