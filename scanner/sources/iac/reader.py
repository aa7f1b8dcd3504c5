"""The one small interface every IaC reader implements, and what it is given.

A reader claims some of the file kinds :mod:`.detect` tells apart, groups the files of those
kinds into :class:`Unit` s (the files it must read together) and turns each unit into
:class:`~scanner.sources.declarations.IacResource` rows in the live ARM shape. The readers are
listed in :mod:`.readers`; :class:`~.source.IacSource` reads every unit, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import msgspec

from scanner.sources.declarations import IacResource
from scanner.sources.iac.budget import Meter
from scanner.sources.iac.detect import Found


class Unit(msgspec.Struct, frozen=True):
    """Files one reader reads together."""

    files: tuple[Found, ...]  # what is read: a template, a plan, every .tf file of the scan
    companions: tuple[Path, ...] = ()  # what applies to them: parameters files, variables files
    order: int = 0  # where it is read among all units (the index of its file among those found)


class ReadContext(msgspec.Struct, frozen=True):
    """What every reader is given besides its files."""

    repo_root: Path  # files are labelled relative to it
    trees: tuple[Path, ...]  # the scanned folders (what a file may reference must be inside one, or the repo)
    meter: Meter  # the scan's budgets, shared by every unit


class IacReader(Protocol):
    """Reads IaC files of some kinds into declared resources."""

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of file (:data:`~.detect.ARM_TEMPLATE` ...) this reader reads."""
        ...

    def units(self, found: Sequence[Found]) -> list[Unit]:
        """The units to read among ``found`` (every file found, in order); files of other kinds are not its."""
        ...

    def read(self, unit: Unit, context: ReadContext) -> list[IacResource]:
        """The declared resources of one unit; raises :class:`~scanner.errors.InputError` on bad input."""
        ...
