"""``acr-scan scan --iac PATH ...``: IaC files in, one snapshot document out.

:class:`IacSource` finds the files (:mod:`.detect`), keeps those of changed units when asked
(:mod:`.changed`), has every unit of files read by the reader that claims its kind
(:mod:`.readers`), and assembles the declared rows into one snapshot document with where each
resource is declared (:mod:`.assemble`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from scanner.errors import InputError
from scanner.sources.base import RawSnapshot
from scanner.sources.declarations import IacResource
from scanner.sources.iac.assemble import assemble
from scanner.sources.iac.budget import Meter
from scanner.sources.iac.changed import changed_files, select_changed
from scanner.sources.iac.detect import Found, discover, find_repo_root, repo_relative
from scanner.sources.iac.reader import IacReader, ReadContext, Unit
from scanner.sources.iac.readers import READERS


class IacSource:
    """ARM/Bicep JSON templates (with parameters files), Terraform plans and ``.tf`` source."""

    def __init__(
        self,
        paths: Sequence[Path],
        repo_root: Path | None = None,
        collected_at: str | None = None,
        changed_since: str | None = None,
    ) -> None:
        if not paths:
            raise InputError("--iac needs at least one file or folder")
        self.paths = list(paths)
        self.repo_root = repo_root
        self.collected_at = collected_at
        self.changed_since = changed_since

    def load(self) -> RawSnapshot:
        found = discover(self.paths)
        if not found:
            shown = ", ".join(str(p) for p in self.paths)
            raise InputError(f"{shown}: no ARM template, Terraform plan or .tf file found")
        root = self.repo_root if self.repo_root is not None else find_repo_root(self.paths)
        if self.changed_since is not None:
            found = select_changed(found, changed_files(self.changed_since, root))
        trees = [p if p.is_dir() else p.parent for p in self.paths]
        deployments = read_units(found, root, trees=trees)
        resources = [resource for deployment in deployments for resource in deployment]
        now = self.collected_at or datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        files = [repo_relative(f.path, root) for f in found]
        data, declarations = assemble(resources, collected_at=now, files=files, deployments=deployments)
        return RawSnapshot("iac: " + ", ".join(str(p) for p in self.paths), data, declarations)


def read_resources(
    found: Sequence[Found], repo_root: Path, *, trees: Sequence[Path] = (), meter: Meter | None = None
) -> list[IacResource]:
    """Every declared resource of the files found, unit by unit in the order the readers give.

    ``trees`` are the scanned folders (a linked template must be inside one, or inside the
    repository); ``meter`` carries the scan's budgets across every file.
    """
    return [resource for unit in read_units(found, repo_root, trees=trees, meter=meter) for resource in unit]


def read_units(
    found: Sequence[Found], repo_root: Path, *, trees: Sequence[Path] = (), meter: Meter | None = None
) -> list[list[IacResource]]:
    """The declared resources of each unit of files (one deployment each), as :func:`read_resources`."""
    context = ReadContext(repo_root, tuple(trees), meter if meter is not None else Meter())
    units: list[tuple[Unit, IacReader]] = [(unit, reader) for reader in READERS for unit in reader.units(found)]
    units.sort(key=lambda pair: pair[0].order)
    return [reader.read(unit, context) for unit, reader in units]
