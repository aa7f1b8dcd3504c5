"""Every IaC reader, in one place.

Adding a reader is one module implementing :class:`~.reader.IacReader` and one line here
(and, for a new kind of file, its detection in :mod:`.detect`).
"""

from __future__ import annotations

from scanner.sources.iac.arm.reader import ArmReader
from scanner.sources.iac.reader import IacReader
from scanner.sources.iac.terraform.reader import TerraformPlanReader, TerraformSourceReader

READERS: tuple[IacReader, ...] = (ArmReader(), TerraformPlanReader(), TerraformSourceReader())
