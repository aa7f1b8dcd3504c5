"""``--changed-since GIT_REF``: which files a pull request touched.

A pull-request gate should judge the change, not the whole repository: only IaC units (a
template with its parameter files, a Terraform module directory) with at least one changed
file are scanned. Changes are taken against the merge base (``REF...HEAD``, what a PR diff
shows) plus uncommitted and untracked files, so the hook works locally too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from scanner.errors import InputError


def _git(repo_root: Path, *args: str) -> list[str]:
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo_root), *args], capture_output=True, text=True, timeout=60, check=False
        )
    except FileNotFoundError:
        raise InputError("--changed-since needs git, which is not installed") from None
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["git failed"])[-1]
        raise InputError(f"--changed-since: git {' '.join(args[:2])} failed: {detail}")
    return [line for line in proc.stdout.splitlines() if line]


def changed_files(ref: str, repo_root: Path) -> frozenset[Path]:
    """Absolute, resolved paths of files added, copied, modified or renamed since ``ref``."""
    if ref.startswith("-"):
        raise InputError(f"--changed-since: {ref!r} is not a git ref")
    _git(repo_root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    names = _git(repo_root, "diff", "--name-only", "--diff-filter=ACMR", f"{ref}...HEAD", "--")
    names += _git(repo_root, "diff", "--name-only", "--diff-filter=ACMR", "HEAD", "--")
    names += _git(repo_root, "ls-files", "--others", "--exclude-standard")
    top = Path(_git(repo_root, "rev-parse", "--show-toplevel")[0])
    return frozenset((top / name).resolve() for name in names)
