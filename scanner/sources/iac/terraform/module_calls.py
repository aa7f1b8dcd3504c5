"""The ``module`` blocks of one Terraform module: their instances, the modules they read, their outputs.

Each call is expanded like a resource (``count`` / ``for_each``: ``module.m[0]``,
``module.m["k"]``); each instance reads the called module's directory (:mod:`.module_sources`)
as a child :class:`~.configuration.Configuration` whose variables are the call's arguments,
evaluated in the caller. ``module.m.output`` evaluates the child's ``output`` block. A call
whose code is not on disk gives an :class:`~scanner.unknown.Unknown` for each of its outputs,
with the reason, and the reader records it so the scan is never clean (docs/iac-terraform.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import msgspec

from scanner.errors import InputError
from scanner.sources.declarations import ModuleCall
from scanner.sources.iac.terraform.evaluate import Evaluator, Scope
from scanner.sources.iac.terraform.files import group_by_module, relative
from scanner.sources.iac.terraform.instances import Instance, expand
from scanner.sources.iac.terraform.module_sources import MODULE_DEPTH, Resolved, Sources
from scanner.sources.iac.terraform.parse import Block, SourceFile, attribute, body_items, parse
from scanner.sources.iac.terraform.traversal import Step
from scanner.unknown import Unknown

_META_ARGS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


class Place(msgspec.Struct, frozen=True):
    """Where a module sits in the tree: its directory, manifest key, address and the calls leading to it."""

    directory: Path
    key: str = ""  # modules.json key: "" for the root module, "outer.inner" below
    address: str = ""  # "" for the root module, 'module.outer["k"].module.inner' below
    calls: tuple[ModuleCall, ...] = ()  # outermost first
    ancestors: tuple[Path, ...] = ()  # the directories of the calling modules (a repeat is a cycle)


class Loader:
    """What every module of one root module's read shares: sources, and files parsed once per directory."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self._files: dict[Path, list[SourceFile]] = {}

    def files(self, directory: Path) -> list[SourceFile]:
        """The parsed ``.tf`` / ``.tf.json`` files of a module directory."""
        if directory not in self._files:
            paths = group_by_module([directory]).get(directory, [])
            self._files[directory] = [parse(p, relative(p, self.sources.repo_root)) for p in paths]
        return self._files[directory]


class Module(Protocol):
    """What a call needs of the calling module and of the module it reads (a Configuration)."""

    evaluator: Evaluator
    active: set[str]  # what is being evaluated: a reference back is a cycle

    def output(self, name: str) -> Any:
        """The value of the module's ``output "<name>"``."""
        ...


M = TypeVar("M", bound=Module)


class ModuleCalls(Generic[M]):
    """The ``module`` blocks of one configuration and the child modules their instances read."""

    def __init__(
        self,
        config: Module,
        place: Place,
        loader: Loader,
        new_module: Callable[[list[SourceFile], Mapping[str, Any], Place], M],
    ) -> None:
        self.config = config
        self.place = place
        self.loader = loader
        self.new_module = new_module
        self.blocks: dict[str, Block] = {}
        self.instances: dict[str, list[Instance]] = {}
        self._sources: dict[str, Resolved] = {}
        self._children: dict[str, M] = {}

    def add(self, block: Block) -> None:
        """Record a ``module "name"`` block."""
        self.blocks[block.labels[0]] = block

    def expand(self) -> None:
        """Expand every call into its instances (``count`` / ``for_each``), as for resources."""
        prefix = f"{self.place.address}." if self.place.address else ""
        for name, block in self.blocks.items():
            self.instances[name] = expand(self.config.evaluator, "resource", ("module", name), block, prefix)

    def call_site(self, inst: Instance) -> ModuleCall:
        """The instance's call, for the findings of what it declares."""
        file = inst.block.file
        return ModuleCall(inst.address, file.rel, file.orig(inst.block.line))

    def resolved(self, name: str) -> Resolved:
        """Where the code of call ``name`` is (or why it is not read)."""
        if name not in self._sources:
            block = self.blocks[name]
            source: Any = None
            for kind, node in body_items(block.body):
                if kind == "attribute" and attribute(node)[0] == "source":
                    source = self.config.evaluator.eval(attribute(node)[1], Scope(block.file))
            key = f"{self.place.key}.{name}" if self.place.key else name
            where = f"{block.file.rel}:{block.file.orig(block.line)}"
            found = self.loader.sources.resolve(self.place.directory, key, name, source, where)
            if found.directory is not None:
                self._check_nesting(found.directory, name, where)
            self._sources[name] = found
        return self._sources[name]

    def _check_nesting(self, directory: Path, name: str, where: str) -> None:
        if directory in (*self.place.ancestors, self.place.directory):
            raise InputError(
                f"{where}: module {name!r} calls {relative(directory, self.loader.sources.repo_root)}, "
                "which is already being read above it (a module cycle)"
            )
        if len(self.place.calls) + 1 > MODULE_DEPTH:
            raise InputError(f"{where}: module {name!r}: modules nest more than {MODULE_DEPTH} deep (the limit)")

    def children(self) -> Iterator[tuple[Instance, M | Unknown]]:
        """Every call instance with the module it reads (an Unknown saying why it is not read)."""
        for group in self.instances.values():
            for inst in group:
                yield inst, self.child(inst)

    def child(self, inst: Instance) -> M | Unknown:
        """The module one call instance reads, with its arguments as variable values."""
        if inst.address in self._children:
            return self._children[inst.address]
        name = inst.block.labels[0]
        found = self.resolved(name)
        if found.directory is None:
            return Unknown(found.reason)
        guard = f"{inst.address}"
        active = self.config.active
        if guard in active:
            return Unknown(f"{inst.address}: its arguments refer to its own outputs")
        active.add(guard)
        try:
            values = {
                arg: self.config.evaluator.eval(expr, inst.scope)
                for kind, node in body_items(inst.block.body)
                if kind == "attribute"
                for arg, expr in (attribute(node),)
                if arg not in _META_ARGS
            }
        finally:
            active.discard(guard)
        place = Place(
            found.directory,
            f"{self.place.key}.{name}" if self.place.key else name,
            inst.address,
            (*self.place.calls, self.call_site(inst)),
            (*self.place.ancestors, self.place.directory),
        )
        child = self.new_module(self.loader.files(found.directory), values, place)
        self._children[inst.address] = child
        return child

    def lookup(self, head: str, steps: list[Step], scope: Scope, text: str) -> Any:
        """``module.<head>…``: an output of one instance, or of each (``steps`` include ``head``)."""
        group = self.instances.get(head)
        if group is None:
            return Unknown(f"{text}: module {head!r} is not declared in this module")
        rest = steps[1:]
        if rest and rest[0][0] == "splat":  # module.m[*].out: the output of every instance
            return [self._output(inst, rest[0][1], scope, text) for inst in group]
        if rest and rest[0][0] == "index":
            key = self.config.evaluator.eval(rest[0][1], scope)
            if isinstance(key, Unknown):
                return Unknown(f"{text}: instance key is not known ({key.reason})")
            wanted = f"[{json.dumps(key)}]"
            chosen = [i for i in group if i.address.endswith(wanted)] or [
                i for i in group if len(group) == 1 and not i.address.endswith("]")
            ]
            if not chosen:
                return Unknown(f"{text}: no such instance")
            return self._output(chosen[0], rest[1:], scope, text)
        if len(group) == 1 and not group[0].address.endswith("]"):
            return self._output(group[0], rest, scope, text)
        return Unknown(f"{text}: the module has {len(group)} instances; name one")

    def _output(self, inst: Instance, steps: list[Step], scope: Scope, text: str) -> Any:
        if not steps or steps[0][0] != "attr":
            return Unknown(f"{text}: a whole module object is not evaluated")
        child = self.child(inst)
        if isinstance(child, Unknown):
            return Unknown(f"{text}: {child.reason}")
        value = child.output(str(steps[0][1]))
        return self.config.evaluator.apply(value, steps[1:], scope, text)
