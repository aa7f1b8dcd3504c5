"""The Terraform readers behind the IaC reader interface: plans (``terraform show -json``) and ``.tf`` source.

Each is a thin adapter over its reader's entry point, imported when a Terraform file is
read, so a scan of ARM templates alone does not load the Terraform readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.errors import InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac.detect import TERRAFORM, TERRAFORM_PLAN, TERRAFORM_VARS, Found
from scanner.sources.iac.reader import ReadContext, Unit


class TerraformPlanReader:
    """``terraform show -json`` plans, each read on its own."""

    kinds = frozenset({TERRAFORM_PLAN})

    def units(self, found: Sequence[Found]) -> list[Unit]:
        return [Unit((f,), (), order) for order, f in enumerate(found) if f.kind == TERRAFORM_PLAN]

    def read(self, unit: Unit, context: ReadContext) -> list[IacResource]:
        from scanner.sources.iac.terraform.plan import read_plan

        [plan] = unit.files
        return read_plan(plan.path, context.repo_root, meter=context.meter)


class TerraformSourceReader:
    """``.tf`` source: every module of the scan read together, with the variables files named."""

    kinds = frozenset({TERRAFORM, TERRAFORM_VARS})

    def units(self, found: Sequence[Found]) -> list[Unit]:
        tf_files = tuple(f for f in found if f.kind == TERRAFORM)
        var_files = tuple(f.path for f in found if f.kind == TERRAFORM_VARS)
        if not tf_files and not var_files:
            return []
        # Every variables file applies to every module, so the modules are one unit, read last.
        return [Unit(tf_files, var_files, len(found))]

    def read(self, unit: Unit, context: ReadContext) -> list[IacResource]:
        if not unit.files:
            raise InputError(f"{unit.companions[0]}: a variables file needs the Terraform module it is for (.tf files)")
        from scanner.sources.iac.terraform.module import read_tf

        return read_tf(
            [f.path for f in unit.files],
            context.repo_root,
            var_files=unit.companions,
            meter=context.meter,
            trees=context.trees,
        )
