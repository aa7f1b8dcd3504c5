"""Find IaC files under the paths given and tell their type from their content.

Folders are walked recursively (``.git``, ``node_modules``, ``.terraform`` and other hidden
folders are skipped, and so are symlinked folders). A ``.json`` file is an ARM template
(``$schema`` ``…deploymentTemplate.json``, or ``resources`` with ``contentVersion``), an ARM
parameters file (``…deploymentParameters.json``) or a Terraform plan (``format_version`` with
``resource_changes`` or ``planned_values``); ``.tf`` and ``.tf.json`` files are Terraform source,
and a ``.tfvars`` file named explicitly gives variable values to the modules scanned with it.
Anything else met while walking a folder is ignored; a file named explicitly must be one of
these, and a malformed one is an error with its position either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.arm.json_doc import JsonDoc, decode, index_doc

SKIP_DIRS = frozenset({".git", "node_modules", ".terraform", "__pycache__"})
_HINTS = (b"deploymentTemplate", b"deploymentParameters", b"contentVersion", b"format_version")

ARM_TEMPLATE = "arm-template"
ARM_PARAMETERS = "arm-parameters"
TERRAFORM_PLAN = "terraform-plan"
TERRAFORM = "terraform"
TERRAFORM_VARS = "terraform-vars"


class Found(msgspec.Struct, frozen=True):
    """One IaC file found."""

    path: Path
    kind: str  # ARM_TEMPLATE, ARM_PARAMETERS, TERRAFORM_PLAN, TERRAFORM or TERRAFORM_VARS
    explicit: bool  # named on the command line, not met while walking a folder
    doc: JsonDoc | None = None  # an ARM template's parsed JSON (detection reads it anyway)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            yield Path(root) / name


def _json_kind(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if "format_version" in data and ("resource_changes" in data or "planned_values" in data):
        return TERRAFORM_PLAN
    schema = data.get("$schema")
    schema = schema.lower() if isinstance(schema, str) else ""
    if "deploymentparameters" in schema:
        return ARM_PARAMETERS
    if "deploymenttemplate" in schema or ("resources" in data and "contentVersion" in data):
        return ARM_TEMPLATE
    return None


def _classify(path: Path, explicit: bool) -> Found | None:
    name = path.name.lower()
    if name.endswith((".tf", ".tf.json")):
        return Found(path, TERRAFORM, explicit)
    if name.endswith((".tfvars", ".tfvars.json")):
        # Terraform loads terraform.tfvars and *.auto.tfvars with their module; any other
        # variables file applies only when named explicitly.
        return Found(path, TERRAFORM_VARS, explicit) if explicit else None
    if name.endswith(".bicep") or name.endswith(".bicepparam"):
        if explicit:
            raise InputError(f"{path}: compile Bicep to ARM JSON first (az bicep build --file {path.name})")
        return None
    if not name.endswith((".json", ".jsonc")):
        if explicit:
            raise InputError(f"{path}: not an IaC file (ARM template or parameters .json, Terraform plan .json, .tf)")
        return None
    raw = _read_json(path, explicit)
    if raw is None:
        return None
    try:
        raw, data = decode(str(path), raw)
    except InputError:
        if explicit or any(hint in raw for hint in _HINTS):
            raise
        return None  # some other malformed JSON file in the tree: not ours to judge
    kind = _json_kind(data)
    if kind is None:
        if explicit:
            raise InputError(f"{path}: not an ARM template, ARM parameters file or Terraform plan")
        return None
    if kind != TERRAFORM_PLAN and len(raw) > budget.TEMPLATE_BYTES:
        raise InputError(f"{path}: the file is {len(raw)} bytes, over Azure's limit of {budget.TEMPLATE_BYTES}")
    doc = index_doc(str(path), raw, data) if kind == ARM_TEMPLATE else None
    return Found(path, kind, explicit, doc)


def _read_json(path: Path, explicit: bool) -> bytes | None:
    """A ``.json`` file's bytes (at most a plan's limit), or None for a large one that is not IaC.

    A file met while walking a folder that is over the limit is only an error when its start
    says it is IaC (a large unrelated JSON file in the repository is not ours to judge).
    """
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size > budget.PLAN_BYTES and not explicit and os.path.isfile(path):
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
        if not any(hint in head for hint in _HINTS):
            return None
    return budget.read_bounded(path, budget.PLAN_BYTES, str(path))


def discover(paths: Iterable[Path]) -> list[Found]:
    """Every IaC file under ``paths``, each once, in a stable order."""
    found: list[Found] = []
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            candidates = [(p, False) for p in _walk(given)]
        elif given.exists():
            candidates = [(given, True)]
        else:
            raise InputError(f"{given}: no such file or folder")
        for path, explicit in candidates:
            key = Path(os.path.abspath(path))
            if key in seen:
                continue
            seen.add(key)
            item = _classify(path, explicit)
            if item is not None:
                found.append(item)
    return found


def find_repo_root(paths: Iterable[Path]) -> Path:
    """The top level of the git work tree holding the first path, else the current directory.

    Found as git finds it, by walking up to the first folder with a ``.git`` entry (a folder,
    or a file in linked worktrees and submodules), without starting a ``git`` process.
    """
    for path in paths:
        where = Path(os.path.abspath(path if path.is_dir() else path.parent))
        for folder in (where, *where.parents):
            if os.path.lexists(folder / ".git"):
                return folder
        break
    return Path.cwd()


@lru_cache(maxsize=8)
def _roots(repo_root: Path) -> tuple[str, ...]:
    plain, real = os.path.abspath(repo_root), os.path.realpath(repo_root)
    return (plain,) if plain == real else (plain, real)


def _under(target: str, roots: tuple[str, ...]) -> str | None:
    for root in roots:
        prefix = root if root.endswith(os.sep) else root + os.sep
        if target.startswith(prefix):
            return Path(target[len(prefix) :]).as_posix()
    return None


@lru_cache(maxsize=1024)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def repo_relative(path: Path, repo_root: Path) -> str:
    """``path`` relative to the repository root, POSIX style (absolute when outside it)."""
    roots = _roots(repo_root)
    absolute = os.path.abspath(path)
    found = _under(absolute, roots)
    if found is None:  # maybe through a symlinked folder into the repository
        folder, name = os.path.split(absolute)
        found = _under(os.path.join(_real_folder(folder), name), roots)
    return found if found is not None else Path(absolute).as_posix()
