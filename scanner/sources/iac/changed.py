"""``--changed-since GIT_REF``: which files a pull request touched.

A pull-request gate should judge the change, not the whole repository: only IaC units (a
template with its parameter files, a Terraform module directory) with at least one changed
file are scanned. Changes are taken against the merge base (``REF...HEAD``, what a PR diff
shows) plus uncommitted and untracked files, so the hook works locally too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.errors import InputError
from scanner.sources.iac.detect import ARM_PARAMETERS, ARM_TEMPLATE, TERRAFORM, TERRAFORM_VARS, Found
from scanner.sources.iac.units import linked_templates, pair_parameters


def _git(repo_root: Path, *args: str) -> list[str]:
    import subprocess  # (only --changed-since starts a process)

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
    try:
        _git(repo_root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except InputError:
        raise InputError(
            f"--changed-since: {ref!r} is not a commit in {repo_root} "
            "(in CI, fetch the base branch first: actions/checkout with fetch-depth: 0)"
        ) from None
    names = _git(repo_root, "diff", "--name-only", "--diff-filter=ACMR", f"{ref}...HEAD", "--")
    names += _git(repo_root, "diff", "--name-only", "--diff-filter=ACMR", "HEAD", "--")
    names += _git(repo_root, "ls-files", "--others", "--exclude-standard")
    top = Path(_git(repo_root, "rev-parse", "--show-toplevel")[0])
    return frozenset((top / name).resolve() for name in names)


def select_changed(found: Sequence[Found], changed: frozenset[Path]) -> list[Found]:
    """Keep the IaC units with at least one changed file, each unit whole.

    A unit is what must be read together to judge a resource: an ARM template with its
    parameters files and the templates it links (transitively); a Terraform module directory
    (every ``.tf`` and variables file in it); a plan file on its own.
    """

    def hit(path: Path) -> bool:
        return path.resolve() in changed

    templates = [f for f in found if f.kind == ARM_TEMPLATE]
    pairs = pair_parameters(templates, [f for f in found if f.kind == ARM_PARAMETERS])
    links = {f.path.resolve(): linked_templates([f]) for f in templates}
    keep: set[Path] = set()

    def unit_changed(template: Path) -> bool:
        """Whether the template, its parameters or a template it links (transitively) changed."""
        stack, seen = [template], set()
        while stack:  # iterative: a chain of thousands of linked templates is no deeper to follow
            current = stack.pop()
            key = current.resolve()
            if key in seen:
                continue
            seen.add(key)
            if hit(current) or any(hit(p) for p in pairs.get(current, ())):
                return True
            stack.extend(links.get(key, ()))
        return False

    for template in templates:
        if unit_changed(template.path):
            keep.add(template.path.resolve())
            keep.update(p.resolve() for p in pairs.get(template.path, ()))
    modules = {f.path.parent.resolve() for f in found if f.kind in (TERRAFORM, TERRAFORM_VARS) and hit(f.path)}
    terraform, arm = (TERRAFORM, TERRAFORM_VARS), (ARM_TEMPLATE, ARM_PARAMETERS)
    for f in found:
        in_changed_module = f.kind in terraform and f.path.parent.resolve() in modules
        changed_plan = f.kind not in terraform + arm and hit(f.path)
        if in_changed_module or changed_plan:
            keep.add(f.path.resolve())
    return [f for f in found if f.path.resolve() in keep]
