"""Which files one Terraform read covers, and the name a finding gives each of them.

A module is a directory: every ``.tf`` and ``.tf.json`` file in it (its variable files are
found by :mod:`.variables`). Files are named relative to the repository root, so
annotations land on the pull request's diff (docs/iac.md, "Locations").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def relative(path: Path, repo_root: Path) -> str:
    """``path`` relative to ``repo_root`` (as given when it lies outside the repository)."""
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def group_by_module(paths: Sequence[Path]) -> dict[Path, list[Path]]:
    """Directory → its source files, for directories and single files named on the command line."""
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            sources = [*path.glob("*.tf"), *path.glob("*.tf.json")]
            groups.setdefault(path, []).extend(sorted(p for p in sources if p.is_file()))
        elif path.name.endswith((".tfvars", ".tfvars.json")):
            groups.setdefault(path.parent, [])  # loaded with its directory (auto) or through var_files
        else:
            groups.setdefault(path.parent, []).append(path)
    return {d: sorted(set(files)) for d, files in groups.items()}
