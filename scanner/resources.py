"""Locate the data that ships with the scanner: the rule pack, report templates, schemas.

In a built wheel ``policies/`` and ``reports/`` are installed inside the ``scanner`` package
(see ``[tool.hatch.build.targets.wheel.force-include]``); in a source checkout they sit beside
it at the repository root. Looking in both places keeps one code path for installed and
development use without copying files around.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory of shipped data ``name`` (``policies`` or ``reports``)."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"scanner data directory {name!r} is missing from the installation")


def builtin_policies_dir() -> Path:
    """The built-in rule pack."""
    return data_dir("policies")


def rule_schema_path() -> Path:
    """The hand-written part of the rule JSON Schema (the operators are added by
    :mod:`scanner.engine.rule_schema`)."""
    return _PACKAGE_DIR / "schemas" / "rule.schema.json"


def snapshot_schema_path() -> Path:
    """The JSON Schema of the snapshot format (docs/snapshot-format.md)."""
    return _PACKAGE_DIR / "schemas" / "snapshot.schema.json"


def subject_schema_path(kind: str) -> Path:
    """The JSON Schema of one subject kind's documents (docs/subject-documents.md)."""
    return _PACKAGE_DIR / "schemas" / "subjects" / f"{kind}.schema.json"
