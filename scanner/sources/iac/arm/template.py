"""Reading one ARM template: its resources, copy loops, conditions and nested deployments, into rows.

Each resource of a type the scanner reads becomes an :class:`IacResource`: its row (id built as
Azure would build it, see :mod:`.resource_ids`), the line of the resource and, on demand, of any
property (:mod:`.property_lines`), and its inline suppressions (:mod:`.suppressions`). An
expression or budget error is an :class:`InputError` naming the file and the line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from scanner.azure.sections import wanted
from scanner.errors import InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac import budget
from scanner.sources.iac.arm.deployments import Deploying, is_deployment, nested_deployment
from scanner.sources.iac.arm.expressions.context import Target
from scanner.sources.iac.arm.expressions.evaluator import copy_count, evaluate_value
from scanner.sources.iac.arm.expressions.parser import ExpressionError
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.expressions.values import Unresolved
from scanner.sources.iac.arm.files import LinkedTemplates, TemplateFile, read_parameters
from scanner.sources.iac.arm.json_doc import JsonDoc, load_json
from scanner.sources.iac.arm.properties import ROW_FIELDS, RowValues, as_text
from scanner.sources.iac.arm.property_lines import PropertyLines
from scanner.sources.iac.arm.resource_ids import Parent, Placed, place, qualify, symbols_located, template_level
from scanner.sources.iac.arm.suppressions import suppressions
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.detect import repo_relative

_T = TypeVar("_T")


class _Reader:
    """The resources of a template and of the templates it deploys, in declaration order."""

    def __init__(self, meter: Meter, links: LinkedTemplates) -> None:
        self.meter = meter
        self.values = RowValues(meter)
        self.links = links
        self.out: list[IacResource] = []
        self.deployed: list[int] = []  # resources each template being read has deployed so far (innermost last)

    def template(self, template: Mapping[str, Any], at: Deploying) -> None:
        resources = template.get("resources")
        self.deployed.append(0)
        try:
            if isinstance(resources, Mapping):  # languageVersion 2.0: symbolic names
                for symbolic, raw in resources.items():
                    self._resource(raw, at, None, str(symbolic))
            elif isinstance(resources, list):
                for raw in resources:
                    self._resource(raw, at, None, None)
        finally:
            self.deployed.pop()

    def _resource(self, raw: Any, at: Deploying, parent: Parent | None, symbolic: str | None) -> None:
        """A declaration: skipped when it is an ``existing`` reference, expanded when it has a copy loop."""
        if not isinstance(raw, Mapping) or raw.get("existing") is True:
            return
        copy = raw.get("copy")
        if not isinstance(copy, Mapping):
            self._instance(raw, at, parent, symbolic)
            return
        name = str(copy.get("name") or "copy")
        count = self._guard(lambda: copy_count(copy.get("count"), at.env, name), raw, at.file)
        if isinstance(count, Unresolved):
            # One representative instance: its findings hold for every copy the loop makes.
            self._instance(raw, at.in_copy(name, count), parent, symbolic)
            return
        for index in range(count):
            self._instance(raw, at.in_copy(name, index), parent, symbolic)

    def _guard(self, work: Callable[[], _T], raw: Mapping[str, Any], file: TemplateFile) -> _T:
        """``work()``, with an expression or budget error reported at its line in ``file``."""
        try:
            return work()
        except (ExpressionError, BudgetExceeded) as exc:
            offset = -1
            if exc.expression is not None:
                needle = json.dumps(exc.expression, ensure_ascii=False)[1:-1].encode()
                offset = file.doc.raw.find(needle)
            line = file.doc.line_at(offset) if offset >= 0 else file.doc.object_line(raw)
            where = f"{file.label}:{line}" if line is not None else file.label
            raise InputError(f"{where}: {exc}") from None

    def _instance(self, raw: Mapping[str, Any], at: Deploying, parent: Parent | None, symbolic: str | None) -> None:
        self._guard(lambda: self._deploy(raw, at, parent, symbolic), raw, at.file)

    def _count(self) -> None:
        """One more resource instance: within its template's limit and the scan's."""
        self.deployed[-1] += 1
        if self.deployed[-1] > budget.TEMPLATE_RESOURCES:
            raise BudgetExceeded(
                f"the template deploys more than {budget.TEMPLATE_RESOURCES} resources (copies included), "
                "over Azure's limit"
            )
        self.meter.resource()

    def _deploy(self, raw: Mapping[str, Any], at: Deploying, parent: Parent | None, symbolic: str | None) -> None:
        """One resource instance: its row (when the scanner reads its type), its children, its deployment."""
        self._count()
        env = at.env
        fields = {k.lower(): v for k, v in raw.items()}
        if "condition" in fields:
            condition = evaluate_value(fields["condition"], env)
            if condition is False:
                return
        raw_type, raw_name = fields.get("type"), fields.get("name")
        if not isinstance(raw_type, str) or raw_name is None:
            return
        full_type, full_name = qualify(parent, as_text(raw_type, env), as_text(raw_name, env))
        if is_deployment(full_type):
            self._nested(fields, at)
            return
        placed = place(at.target, full_type, full_name, fields, env)
        if wanted(placed.type):
            self.out.append(self._row(raw, fields, at, symbolic, placed))
        children = fields.get("resources")
        if isinstance(children, list):
            me = Parent(full_type, full_name, placed.id)
            for child in children:
                self._resource(child, at, me, None)

    def _row(
        self, raw: Mapping[str, Any], fields: Mapping[str, Any], at: Deploying, symbolic: str | None, placed: Placed
    ) -> IacResource:
        target, file = at.target, at.file
        row: dict[str, Any] = {"id": placed.id, "name": placed.name.rsplit("/", 1)[-1], "type": placed.type}
        if placed.scope_id is None:
            row["subscriptionId"] = target.subscription_id
            if target.resource_group is not None and target.level == "resourceGroup":
                row["resourceGroup"] = target.resource_group
        self.values.runtime_values = False
        for key in ROW_FIELDS:
            if key in fields:
                row[key] = self.values.value(fields[key], at.env, False)
        if placed.type.lower() == "microsoft.authorization/roleassignments":
            props = row.get("properties")
            if isinstance(props, dict) and placed.scope_id is not None:
                props["scope"] = placed.scope_id
        return IacResource(
            row=row,
            file=file.label,
            line=file.doc.object_line(raw) or 1,
            property_lines=PropertyLines(file.doc, raw),
            suppressions=suppressions(fields.get("metadata"), file),
            address=symbolic or f"{placed.type}/{placed.name}",
            runtime_values=self.values.runtime_values,
        )

    def _nested(self, fields: Mapping[str, Any], at: Deploying) -> None:
        """The resources a nested deployment deploys (a linked template is read as its own file)."""
        nested = nested_deployment(fields, at, self.links, self.meter, len(self.deployed))
        if nested is None:
            return
        if not nested.linked:
            self.template(nested.template, nested.at)
            return
        with self.links.reading(nested.at.file.path):
            try:
                self.template(nested.template, nested.at)
            except RecursionError:
                raise _too_deep(nested.at.file.label) from None


def read_template(
    path: Path,
    repo_root: Path,
    *,
    doc: JsonDoc | None = None,
    parameter_files: Sequence[Path] = (),
    meter: Meter | None = None,
    trees: Sequence[Path] = (),
) -> list[IacResource]:
    """Every declared resource the scanner reads from one template, with its parameters applied.

    ``meter`` carries the scan's budgets across templates; ``trees`` are the folders a linked
    template may be read from (besides ``repo_root`` and this template's folder).
    """
    if doc is None:
        raw = budget.read_bounded(path, budget.TEMPLATE_BYTES, str(path), "template")
        doc = load_json(str(path), raw)
    template = doc.data
    if not isinstance(template, Mapping):
        raise InputError(f"{path}: an ARM template is a JSON object")
    supplied: dict[str, Any] = {}
    for parameters in parameter_files:
        supplied.update(read_parameters(parameters))
    target = Target(level=template_level(template))
    if target.level != "resourceGroup":
        target = Target(resource_group=None, level=target.level)
    meter = meter if meter is not None else Meter()
    file = TemplateFile(doc, repo_relative(path, repo_root), path)
    reader = _Reader(meter, LinkedTemplates(repo_root, [*trees, repo_root, path.parent]))
    with reader.links.reading(Path(os.path.realpath(path))):
        try:
            scope = symbols_located(Scope(template, supplied, target, meter))
            reader.template(template, Deploying(Env(scope), target, file))
        except RecursionError:
            raise _too_deep(file.label) from None
    return reader.out


def _too_deep(label: str) -> InputError:
    """Each kind of nesting has its own limit; this is the backstop for a combination of them."""
    return InputError(
        f"{label}: expressions, variables and nested deployments nest too deeply to evaluate together "
        f"(limits: {budget.EXPRESSION_DEPTH} levels per expression, {budget.REFERENCE_DEPTH} chained "
        f"references, {budget.DEPLOYMENT_DEPTH} nested deployments)"
    )
