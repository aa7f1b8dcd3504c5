"""Where the code of a ``module`` block lives: a local directory, or what ``terraform init`` downloaded.

A local source (``./x``, ``../x``) is a directory relative to the calling module. Any other
source (the registry, git, a URL) is only on disk once ``terraform init`` has run: its
directory is the ``Dir`` of the entry of ``.terraform/modules/modules.json`` (in the root
module) whose ``Key`` is the call's path (``containerregistry``, ``outer.inner``), relative to
the root module. Without that entry the module is not read and everything it could declare
is unknown (docs/iac-terraform.md, "Modules"). A module directory must lie inside a scanned
folder or the repository, as an ARM template's linked templates must.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.files import relative

MANIFEST = Path(".terraform/modules/modules.json")
MANIFEST_BYTES = budget.MIB  # a real manifest lists one entry per module call: a few KiB
MANIFEST_ENTRIES = 10_000
MODULE_DEPTH = 16  # module calls nested in one another (Terraform has none; real trees nest 2-4)
LOCAL_PREFIXES = ("./", "../", ".\\", "..\\")


class Resolved(msgspec.Struct, frozen=True):
    """A module's directory, or why it could not be read (``directory`` is then None)."""

    directory: Path | None
    reason: str = ""


class Sources:
    """Resolves the module sources of one root module (its manifest read once, when first needed)."""

    def __init__(self, root: Path, repo_root: Path, trees: Sequence[Path]) -> None:
        self.root = root
        self.repo_root = repo_root
        self.trees = (*trees, repo_root)
        self._manifest: Mapping[str, str] | None = None

    def resolve(self, caller: Path, key: str, name: str, source: object, where: str) -> Resolved:
        """The directory of module call ``name`` (manifest key ``key``) made from directory ``caller``."""
        if not isinstance(source, str) or not source:
            return Resolved(None, f'module "{name}" has no literal source (Terraform requires one)')
        if source.startswith(LOCAL_PREFIXES):
            directory = (caller / source).resolve()
            if not directory.is_dir():
                return Resolved(None, f'module "{name}": local source {source} is not a directory')
            return Resolved(self._checked(directory, where, name))
        entry = self.manifest().get(key)
        if entry is None:
            return Resolved(
                None, f'module "{name}" from {source} was not downloaded: run `terraform init` or scan a plan'
            )
        directory = (self.root / entry).resolve()
        if not directory.is_dir():
            return Resolved(
                None, f'module "{name}" from {source}: {entry} (modules.json) is missing: run `terraform init` again'
            )
        return Resolved(self._checked(directory, where, name))

    def _checked(self, directory: Path, where: str, name: str) -> Path:
        if not budget.inside(directory, self.trees):
            raise InputError(
                f"{where}: module {name!r} reads {directory}, outside the scanned folders and the repository"
            )
        return directory

    def manifest(self) -> Mapping[str, str]:
        """Manifest key → directory relative to the root module (empty before ``terraform init``)."""
        if self._manifest is None:
            self._manifest = read_manifest(self.root / MANIFEST, relative(self.root / MANIFEST, self.repo_root))
        return self._manifest


def read_manifest(path: Path, rel: str) -> dict[str, str]:
    """The ``Key`` → ``Dir`` entries of ``.terraform/modules/modules.json`` ({} when there is none)."""
    if not path.exists():
        return {}
    text = limits.read_text(path, rel, MANIFEST_BYTES, "module manifest")
    doc = limits.load_json(text, rel, "module manifest")
    modules = doc.get("Modules") if isinstance(doc, dict) else None
    if not isinstance(modules, list):
        raise InputError(f'{rel}:1:1: not a Terraform module manifest (no "Modules" list)')
    if len(modules) > MANIFEST_ENTRIES:
        raise InputError(f"{rel}: {len(modules)} module entries, over the limit of {MANIFEST_ENTRIES}")
    out: dict[str, str] = {}
    for index, entry in enumerate(modules):
        key = entry.get("Key") if isinstance(entry, dict) else None
        directory = entry.get("Dir") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not isinstance(directory, str):
            raise InputError(f"{rel}: Modules[{index}] lacks a string Key and Dir")
        out[key] = directory
    return out
