"""The files a template reader opens: the template being read, the templates it links, parameters files."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.values import Unresolved
from scanner.sources.iac.arm.json_doc import JsonDoc, decode, load_json
from scanner.sources.iac.detect import repo_relative


class TemplateFile(msgspec.Struct, frozen=True):
    """A template being read: its document (for lines), its label (repo-relative path) and its path."""

    doc: JsonDoc
    label: str
    path: Path


class LinkedTemplates:
    """Templates deployed through ``templateLink.relativePath``: inside the scanned trees, parsed once, no cycles."""

    def __init__(self, repo_root: Path, trees: Sequence[Path]) -> None:
        self.repo_root = repo_root
        self.trees = trees  # where a linked template may be (the scanned folders, the repository)
        self.chain: list[Path] = []  # the template files being read, outermost first
        self._docs: dict[Path, JsonDoc] = {}  # a linked template is parsed once however often deployed

    def open(self, relative: str, file: TemplateFile) -> TemplateFile:
        """The template ``relative`` to ``file`` names: a regular file in the scanned trees, not one being read."""
        path = Path(os.path.realpath(file.path.parent / relative))
        shown = f"{file.label}: linked template {relative}"
        if not budget.inside(path, self.trees):
            raise InputError(f"{shown} is outside the scanned folders and the repository")
        if path in self.chain:
            chain = [*self.chain[self.chain.index(path) :], path]
            raise InputError(
                f"{file.label}: linked templates form a cycle: "
                + " -> ".join(repo_relative(p, self.repo_root) for p in chain)
            )
        doc = self._docs.get(path)
        if doc is None:
            raw_bytes = budget.read_bounded(path, budget.TEMPLATE_BYTES, shown, "the template")
            doc = self._docs[path] = load_json(str(path), raw_bytes)
        return TemplateFile(doc, repo_relative(path, self.repo_root), path)

    @contextmanager
    def reading(self, path: Path) -> Iterator[None]:
        """While the template at ``path`` is read (a template it links in turn must not link back)."""
        self.chain.append(path)
        try:
            yield
        finally:
            self.chain.pop()


def read_parameters(path: Path) -> dict[str, Any]:
    """The values of an ARM parameters file (``{"parameters": {"name": {"value": ...}}}``)."""
    raw = budget.read_bounded(path, budget.TEMPLATE_BYTES, str(path), "parameters file")
    _bytes, data = decode(str(path), raw)
    budget.check_json(data, str(path))
    params = data.get("parameters") if isinstance(data, Mapping) else None
    if not isinstance(params, Mapping):
        raise InputError(f"{path}: not an ARM parameters file (no 'parameters' object)")
    values: dict[str, Any] = {}
    for name, entry in params.items():
        if isinstance(entry, Mapping) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, Mapping) and "reference" in entry:
            values[name] = Unresolved(
                f"parameter '{name}' is a Key Vault reference, read at deployment ({path.name})", f"<{name}>"
            )
    return values
