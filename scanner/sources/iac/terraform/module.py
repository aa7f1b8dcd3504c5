"""Terraform ``.tf`` source → declared resources in their live shape, with file, line and suppressions.

The unit is a **root module directory**: its ``.tf`` and ``.tf.json`` files are read together,
with the variable values Terraform would load (:mod:`.variables`), and the modules its
``module`` blocks call are read below it with the call's arguments (:mod:`.module_calls`).
Each resource instance is evaluated (:mod:`.configuration`), translated into the row Azure
would return (:mod:`.translate`) and placed at the line that declares it, with the module calls
it was reached through. A call whose code is not on disk (a registry module before
``terraform init``) stands as an unread module, which the IaC core makes a coverage gap. The
user's view is in docs/iac.md and docs/iac-terraform.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.sources.declarations import UNREAD_MODULE, IacResource
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.terraform.configuration import Configuration
from scanner.sources.iac.terraform.files import group_by_module, relative
from scanner.sources.iac.terraform.instances import Instance
from scanner.sources.iac.terraform.module_calls import Loader, Place
from scanner.sources.iac.terraform.module_sources import Sources
from scanner.sources.iac.terraform.parse import parse
from scanner.sources.iac.terraform.runtime_refs import holds_runtime_values
from scanner.sources.iac.terraform.suppressions import attach_suppressions
from scanner.sources.iac.terraform.translate.role_assignment import with_implied_principal_type
from scanner.sources.iac.terraform.translate.rows import TfInstance, plain_unknowns
from scanner.sources.iac.terraform.translate.translators import translate
from scanner.sources.iac.terraform.variables import auto_var_files, read_var_file
from scanner.unknown import Unknown


def read_tf(
    paths: Sequence[Path],
    repo_root: Path,
    var_files: Sequence[Path] = (),
    *,
    meter: Meter | None = None,
    trees: Sequence[Path] = (),
) -> list[IacResource]:
    """Read Terraform source: directories (every ``.tf`` in each) or ``.tf`` files.

    Each directory is one root module: its ``.tf`` files are evaluated together with the
    tfvars files Terraform loads automatically from it, then ``var_files`` in order (later
    wins), and the modules it calls are read below it. ``meter`` carries the scan's budgets
    across modules; a called module must lie inside one of ``trees`` or the repository.
    """
    meter = meter if meter is not None else Meter()
    out: list[IacResource] = []
    for directory, files in sorted(group_by_module(paths).items()):
        where = relative(directory, repo_root)
        try:
            parsed = [parse(f, relative(f, repo_root)) for f in files]
            values: dict[str, Any] = {}
            for var_file in [*auto_var_files(directory), *var_files]:
                values.update(read_var_file(var_file, relative(var_file, repo_root), meter))
            loader = Loader(Sources(directory, repo_root, trees))
            root = Configuration(parsed, values, meter, place=Place(directory.resolve()), loader=loader)
            root.expand()
            out.extend(_read_tree(root))
        except BudgetExceeded as exc:  # outside any expression (a tfvars value, a module-wide total)
            raise InputError(f"{where}: {exc.message}") from None
        except RecursionError:
            # Each nesting has its own limit; this is the backstop for a combination of them.
            raise InputError(
                f"{where}: values and references nest too deeply to evaluate (limits: {budget.HCL_DEPTH} "
                f"syntax levels, {budget.REFERENCE_DEPTH} chained locals, {budget.JSON_DEPTH} levels of values)"
            ) from None
    return out


def _read_tree(module: Configuration) -> list[IacResource]:
    """The resources of a module and of every module it calls, depth first in declaration order."""
    out = _read_module(module)
    if module.modules is None:
        return out
    for call, child in module.modules.children():
        if isinstance(child, Unknown):
            out.append(_unread(call, child, module))
        else:
            out.extend(_read_tree(child))
    return out


def _unread(call: Instance, reason: Unknown, caller: Configuration) -> IacResource:
    """What stands for a module call whose code is not on disk: a gap scoped to the call's address."""
    site = caller.modules.call_site(call) if caller.modules is not None else None
    row = {"id": call.address, "type": UNREAD_MODULE, "name": call.address, "message": reason.reason}
    return IacResource(
        row=row,
        file=site.file if site else call.block.file.rel,
        line=site.line if site else call.block.line,
        address=call.address,
        module_calls=caller.place.calls,
    )


def _read_module(module: Configuration) -> list[IacResource]:
    suppressions = attach_suppressions(module.files, module.blocks)
    module.assign_ids()
    instances: list[TfInstance] = []
    by_address: dict[str, Instance] = {}
    for inst in module.all_instances():
        attrs, _ = module.arguments.evaluate(inst)
        declared = TfInstance(inst.address, inst.tf_type, plain_unknowns(attrs))
        with_implied_principal_type(declared, partial(module.arguments.expression_text, inst, "principal_id"))
        instances.append(declared)
        by_address[inst.address] = inst
    out: list[IacResource] = []
    for translated in translate(instances, module.ids):
        inst = by_address[translated.instance.address]
        file = inst.block.file
        property_lines = {
            prop: file.orig(inst.lines[path]) for prop, path in translated.sources.items() if path in inst.lines
        }
        out.append(
            IacResource(
                row=translated.row,
                file=file.rel,
                line=file.orig(inst.block.line),
                property_lines=property_lines,
                suppressions=tuple(suppressions.get(id(inst.block), ())),
                address=inst.address,
                module_calls=module.place.calls,
                runtime_values=holds_runtime_values(translated.row),
            )
        )
    return out
