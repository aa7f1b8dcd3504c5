"""The ARM reader: each template with its parameters files; linked templates through their deployments."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.sources.declarations import IacResource
from scanner.sources.iac.arm.template import read_template
from scanner.sources.iac.detect import ARM_PARAMETERS, ARM_TEMPLATE, Found
from scanner.sources.iac.reader import ReadContext, Unit
from scanner.sources.iac.units import linked_templates, pair_parameters


class ArmReader:
    """ARM templates and Bicep compiled to ARM JSON, with their parameters files."""

    kinds = frozenset({ARM_TEMPLATE, ARM_PARAMETERS})

    def units(self, found: Sequence[Found]) -> list[Unit]:
        templates = [f for f in found if f.kind == ARM_TEMPLATE]
        pairs = pair_parameters(templates, [f for f in found if f.kind == ARM_PARAMETERS])
        linked = linked_templates(templates)
        return [
            Unit((f,), tuple(pairs.get(f.path, ())), order)
            for order, f in enumerate(found)
            if f.kind == ARM_TEMPLATE and (f.explicit or not linked or f.path.resolve() not in linked)
        ]

    def read(self, unit: Unit, context: ReadContext) -> list[IacResource]:
        [template] = unit.files
        return read_template(
            template.path,
            context.repo_root,
            doc=template.doc,
            parameter_files=unit.companions,
            meter=context.meter,
            trees=context.trees,
        )
