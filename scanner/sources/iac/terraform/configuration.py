"""One Terraform module directory's configuration, and what a reference into it evaluates to.

:class:`Configuration` collects the module's blocks (variables with their values converted to
their type, locals, outputs, resources, data sources, module calls), expands resources and calls
into instances and answers the names an expression uses: ``var.*``, ``local.*``, ``data.*``,
``module.*`` (:mod:`.module_calls`) and ``type.name…``. A reference to a resource's ``id`` is
its synthetic id (:mod:`scanner.sources.iac.ids`), to another argument that argument's value.
Data sources that are not a plain lookup by name stay unknown (docs/iac-terraform.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lark import Tree

from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.terraform.arguments import Arguments
from scanner.sources.iac.terraform.evaluate import Evaluator, Scope
from scanner.sources.iac.terraform.instances import Instance, expand
from scanner.sources.iac.terraform.module_calls import Loader, ModuleCalls, Place
from scanner.sources.iac.terraform.parse import Block, SourceFile, attribute, body_items, top_blocks
from scanner.sources.iac.terraform.runtime_refs import stand_in
from scanner.sources.iac.terraform.translate.resource_ids import dedupe_ids, natural_id
from scanner.sources.iac.terraform.translate.rows import UnknownName, name_segment
from scanner.sources.iac.terraform.traversal import Step
from scanner.sources.iac.terraform.types import ANY, convert, type_spec
from scanner.unknown import Unknown


class Configuration:
    """One module directory: its blocks, variable values and evaluation state."""

    def __init__(
        self,
        files: list[SourceFile],
        var_values: Mapping[str, Any],
        meter: Meter | None = None,
        *,
        place: Place | None = None,
        loader: Loader | None = None,
    ) -> None:
        self.meter = meter if meter is not None else Meter()
        # What is being evaluated (locals, arguments, ids, module calls): a reference back is a cycle.
        self.active: set[str] = set()
        self.evaluator = Evaluator(self.meter, self)
        self.arguments = Arguments(self.evaluator, self.active)
        self.files = files
        self.place = place if place is not None else Place(files[0].path.parent if files else Path("."))
        self.prefix = f"{self.place.address}." if self.place.address else ""
        self.modules: ModuleCalls[Configuration] | None = None
        if loader is not None:
            self.modules = ModuleCalls(self, self.place, loader, self._new_module)
        self.variables: dict[str, Any] = {}
        self.outputs: dict[str, tuple[Tree[Any], SourceFile]] = {}
        self.locals: dict[str, tuple[Tree[Any], SourceFile]] = {}
        self.resources: dict[tuple[str, str], Block] = {}
        self.data: dict[tuple[str, str], Block] = {}
        self.blocks: list[Block] = []
        self.instances: dict[tuple[str, str], list[Instance]] = {}
        self.data_instances: dict[tuple[str, str], list[Instance]] = {}
        self.ids: dict[str, str] = {}
        self.final_ids = False
        self._local_cache: dict[str, Any] = {}
        declared: dict[str, Block] = {}
        for file in files:
            for block in top_blocks(file):
                self.blocks.append(block)
                labels = block.labels
                if block.kind == "variable" and labels:
                    declared[labels[0]] = block
                elif block.kind == "output" and labels:
                    for kind, node in body_items(block.body):
                        if kind == "attribute" and attribute(node)[0] == "value":
                            self.outputs[labels[0]] = (attribute(node)[1], file)
                elif block.kind == "module" and labels and self.modules is not None:
                    self.modules.add(block)
                elif block.kind == "locals":
                    for kind, node in body_items(block.body):
                        if kind == "attribute":
                            name, expr = attribute(node)
                            self.locals[name] = (expr, file)
                elif block.kind == "resource" and len(labels) == 2:
                    self.resources[(labels[0], labels[1])] = block
                elif block.kind == "data" and len(labels) == 2:
                    self.data[(labels[0], labels[1])] = block
        for name, block in declared.items():
            self.variables[name] = self._variable(name, block, var_values)

    def _variable(self, name: str, block: Block, var_values: Mapping[str, Any]) -> Any:
        """A variable's value: given (converted to its type), else its default, else unknown."""
        items = {attribute(node)[0]: attribute(node)[1] for kind, node in body_items(block.body) if kind == "attribute"}
        scope = Scope(block.file)
        spec = type_spec(items["type"], self.evaluator, scope) if "type" in items else ANY
        given = var_values.get(name)
        nullable = "nullable" not in items or self.evaluator.eval(items["nullable"], scope) is not False
        if name in var_values and (given is not None or nullable or "default" not in items):
            return convert(given, spec)
        if "default" in items:
            return convert(self.evaluator.eval(items["default"], scope), spec)
        if self.place.address:
            return Unknown(f"variable {name!r} of {self.place.address} has no default and no argument in the call")
        return Unknown(f"variable {name!r} has no default and no value in a tfvars file")

    def _new_module(self, files: list[SourceFile], values: Mapping[str, Any], place: Place) -> Configuration:
        loader = self.modules.loader if self.modules is not None else None
        child = Configuration(files, values, self.meter, place=place, loader=loader)
        child.expand()
        return child

    # ------------------------------------------------------------------ instances

    def expand(self) -> None:
        """Expand every module call, resource and data block into its instances (``count``, ``for_each``)."""
        if self.modules is not None:  # first: a resource's count may test a module's output
            self.modules.expand()
        for kind, table, target in (
            ("resource", self.resources, self.instances),
            ("data", self.data, self.data_instances),
        ):
            for key, block in table.items():
                target[key] = expand(self.evaluator, kind, key, block, self.prefix)

    def all_instances(self) -> Iterator[Instance]:
        """Every resource instance (data sources excluded), in declaration order."""
        for group in self.instances.values():
            yield from group

    # ------------------------------------------------------------------ names

    def lookup(self, name: str, head: str | None, steps: list[Step], scope: Scope, text: str) -> Any:
        """The value of ``var.*``, ``local.*``, ``data.*``, ``module.*`` or a resource reference."""
        apply = self.evaluator.apply
        if name == "var" and head is not None:
            if head not in self.variables:
                return Unknown(f"{text}: variable {head!r} is not declared")
            return apply(self.variables[head], steps[1:], scope, text)
        if name == "local" and head is not None:
            return apply(self.local(head), steps[1:], scope, text)
        if name == "data" and len(steps) >= 2 and steps[1][0] == "attr":
            key = (str(head), str(steps[1][1]))
            if key in self.data_instances:
                return self._resource_ref(self.data_instances[key], steps[2:], scope, text)
            return Unknown(f"{text}: data source is not declared in this module")
        if name == "module" and head is not None and self.modules is not None:
            return self.modules.lookup(head, steps, scope, text)
        if name == "module":
            return Unknown(f"{text}: module outputs are not evaluated")
        if head is not None and (name, head) in self.instances:
            return self._resource_ref(self.instances[(name, head)], steps[1:], scope, text)
        if head is not None and "_" in name:
            return Unknown(f"{text}: {name}.{head} is not declared in this module")
        return Unknown(f"{text} is not evaluated")

    def _resource_ref(self, group: list[Instance], steps: list[Step], scope: Scope, text: str) -> Any:
        inst: Instance | None = None
        if steps and steps[0][0] == "index":
            key = self.evaluator.eval(steps[0][1], scope)
            if isinstance(key, Unknown):
                return Unknown(f"{text}: instance key is not known ({key.reason})")
            wanted = f"[{json.dumps(key)}]"
            inst = next((i for i in group if i.address.endswith(wanted)), None)
            if inst is None and len(group) == 1 and not group[0].address.endswith("]"):
                inst = group[0]  # count/for_each was not resolved: the one placeholder instance
            if inst is None:
                return Unknown(f"{text}: no such instance")
            steps = steps[1:]
        elif steps and steps[0][0] == "splat":
            return [self._resource_ref([i], steps[0][1], scope, text) for i in group]
        elif len(group) == 1:
            inst = group[0]
        else:
            return Unknown(f"{text}: the resource has {len(group)} instances")
        if not steps:
            return Unknown(f"{text}: a whole resource object is not evaluated")
        kind, attr = steps[0]
        if kind != "attr":
            return Unknown(f"{text} is not evaluated")
        if attr == "id":
            return self.evaluator.apply(self.id_of(inst), steps[1:], scope, text)
        value = self.arguments.attribute(inst, attr)
        if value is None and inst.tf_type == "azurerm_container_registry" and attr == "login_server":
            name = self.arguments.attribute(inst, "name")
            value = f"{name.lower()}.azurecr.io" if isinstance(name, str) else Unknown(f"{text} is not known")
        if value is None:
            return self._after_apply(inst, steps, text)
        if attr == "name" and isinstance(value, Unknown) and len(steps) == 1:
            return UnknownName(value.reason, value.live_only, name_segment(value, inst.address))
        result = self.evaluator.apply(value, steps[1:], scope, text)
        if isinstance(result, Unknown) and result.reason.startswith(f"{text}: no "):
            return self._after_apply(inst, steps, text)  # a computed attribute of a nested block
        return result

    def _after_apply(self, inst: Instance, steps: list[Step], text: str) -> Unknown:
        """A computed attribute: unknown, or the stand-in of an identity Azure assigns the resource."""
        unknown = Unknown(f"{text} is known only after apply")
        if any(kind not in ("attr", "index") for kind, _ in steps):
            return unknown
        return stand_in(unknown, self.id_of(inst), [arg if kind == "attr" else None for kind, arg in steps])

    def local(self, name: str) -> Any:
        """The value of ``local.<name>`` (evaluated once)."""
        if name in self._local_cache:
            return self._local_cache[name]
        if name not in self.locals:
            return Unknown(f"local.{name} is not declared")
        guard = f"local.{name}"
        if guard in self.active:
            return Unknown(f"local.{name} refers to itself")
        meter = self.meter
        if meter.references >= budget.REFERENCE_DEPTH:
            raise BudgetExceeded(
                f"local.{name}: locals refer to one another more than {budget.REFERENCE_DEPTH} deep (the limit)"
            )
        self.active.add(guard)
        meter.references += 1
        try:
            expr, file = self.locals[name]
            value = self.evaluator.eval(expr, Scope(file))
        finally:
            meter.references -= 1
            self.active.discard(guard)
        self._local_cache[name] = value
        return value

    def output(self, name: str) -> Any:
        """The value of ``output "<name>"`` (evaluated once), for ``module.<call>.<name>`` in the caller."""
        key = f"output.{name}"
        if key in self._local_cache:
            return self._local_cache[key]
        if name not in self.outputs:
            return Unknown(f"{self.place.address or 'the module'} has no output {name!r}")
        if key in self.active:
            return Unknown(f"{self.place.address}.{name} refers to itself")
        self.active.add(key)
        try:
            expr, file = self.outputs[name]
            value = self.evaluator.eval(expr, Scope(file))
        finally:
            self.active.discard(key)
        self._local_cache[key] = value
        return value

    # ------------------------------------------------------------------ ids

    def id_of(self, inst: Instance) -> Any:
        """The instance's synthetic id, or an unknown when it cannot be built before apply."""
        if inst.address in self.ids:
            return self.ids[inst.address]
        guard = f"{inst.address}.id"
        if guard in self.active:
            return Unknown(f"{guard} refers to itself")
        self.active.add(guard)
        try:
            rid = natural_id(inst.tf_type, lambda name: self.arguments.attribute(inst, name), inst.address)
        finally:
            self.active.discard(guard)
        if rid is None:
            return Unknown(f"{inst.address}.id is known only after apply")
        if not self.final_ids:
            self.ids[inst.address] = rid
        return rid

    def assign_ids(self) -> None:
        """Fix every instance's id, unique within the module; values are evaluated again against them."""
        natural: dict[str, str] = {}
        for inst in self.all_instances():
            rid = self.id_of(inst)
            if isinstance(rid, str):
                natural[inst.address] = rid
        self.ids = dedupe_ids(natural)
        self.final_ids = True
        self._local_cache.clear()
        for group in (*self.instances.values(), *self.data_instances.values()):
            for inst in group:
                inst.cache.clear()
