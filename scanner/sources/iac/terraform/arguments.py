"""The arguments and nested blocks of a Terraform resource instance → its attribute map, with lines.

The map is what both Terraform readers hand to :mod:`.translate` (nested blocks are lists of
maps; ``dynamic`` blocks are expanded; meta-arguments such as ``count`` and ``lifecycle`` are
left out), together with the line of every argument, block and literal object key, so a
finding points at the line that sets the property (docs/iac-terraform.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from lark import Tree

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded
from scanner.sources.iac.terraform.evaluate import Evaluator, Scope
from scanner.sources.iac.terraform.instances import Instance
from scanner.sources.iac.terraform.parse import attribute, block_parts, body_items, children, name_of, quote, trees
from scanner.sources.iac.terraform.translate.rows import AttrPath
from scanner.sources.iac.terraform.values import find_unknown
from scanner.unknown import Unknown

_META_ARGS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})


class Arguments:
    """Evaluates instances' arguments (each once: values are cached on the instance)."""

    def __init__(self, evaluator: Evaluator, active: set[str]) -> None:
        self.evaluator = evaluator
        self._active = active  # what is being evaluated (shared with locals and ids): a reference back is a cycle

    def attribute(self, inst: Instance, name: str) -> Any:
        """One top-level argument of an instance (``None`` when not set)."""
        if name in inst.cache:
            return inst.cache[name]
        guard = f"{inst.address}.{name}"
        if guard in self._active:
            return Unknown(f"{guard} refers to itself")
        self._active.add(guard)
        try:
            value: Any = None
            for kind, node in body_items(inst.block.body):
                if kind == "attribute" and attribute(node)[0] == name:
                    value = self._top_value(inst, name, attribute(node)[1])
                elif kind == "block":
                    block_type, labels, _ = block_parts(node)
                    if block_type == name or (block_type == "dynamic" and labels and labels[0] == name):
                        value = self.body(inst, inst.scope)[0].get(name)
                        break
        finally:
            self._active.discard(guard)
        inst.cache[name] = value
        return value

    def _top_value(self, inst: Instance, name: str, expr: Tree[Any]) -> Any:
        value = self.evaluator.eval(expr, inst.scope)
        if isinstance(value, Unknown) and not value.reason.startswith(inst.address):
            text = quote(expr, inst.scope.file)
            reason = value.reason if value.reason.startswith(text) else f"{text}: {value.reason}"
            # (an UnknownName stays one)
            value = msgspec.structs.replace(value, reason=f"{inst.address}.{name} = {reason}")
        return value

    def body(self, inst: Instance, scope: Scope) -> tuple[dict[str, Any], dict[AttrPath, int]]:
        """Every argument and nested block of the instance in ``scope``, and their lines."""
        lines: dict[AttrPath, int] = {}
        attrs = self._body(inst, inst.block.body, scope, (), lines, top=True)
        return attrs, lines

    def _body(
        self,
        inst: Instance,
        body: Tree[Any],
        scope: Scope,
        prefix: AttrPath,
        lines: dict[AttrPath, int],
        top: bool = False,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, node in body_items(body):
            if kind == "attribute":
                name, expr = attribute(node)
                if top and name in _META_ARGS:
                    continue
                lines[(*prefix, name)] = node.meta.line
                if top and scope is inst.scope:
                    out[name] = self.attribute(inst, name)
                else:
                    out[name] = self.evaluator.eval(expr, scope)
                _object_lines(expr, (*prefix, name), lines)
                continue
            block_type, labels, block_body = block_parts(node)
            if top and block_type in _META_ARGS:
                continue
            if block_type == "dynamic" and labels:
                self._dynamic(inst, labels[0], block_body, scope, prefix, lines, out, node.meta.line)
                continue
            items = out.setdefault(block_type, [])
            if isinstance(items, Unknown):
                continue
            lines[(*prefix, block_type, len(items))] = node.meta.line
            lines.setdefault((*prefix, block_type), node.meta.line)
            items.append(self._body(inst, block_body, scope, (*prefix, block_type, len(items)), lines))
        return out

    def _dynamic(
        self,
        inst: Instance,
        block_type: str,
        body: Tree[Any],
        scope: Scope,
        prefix: AttrPath,
        lines: dict[AttrPath, int],
        out: dict[str, Any],
        line: int,
    ) -> None:
        for_each: Tree[Any] | None = None
        iterator = block_type
        content: Tree[Any] | None = None
        for kind, node in body_items(body):
            if kind == "attribute":
                name, expr = attribute(node)
                if name == "for_each":
                    for_each = expr
                elif name == "iterator":
                    iterator = quote(expr, scope.file).strip()
            else:
                sub_type, _, sub_body = block_parts(node)
                if sub_type == "content":
                    content = sub_body
        lines.setdefault((*prefix, block_type), line)
        if for_each is None or content is None:
            return
        items = self.evaluator.eval(for_each, scope)
        self.evaluator.walked(items)
        if isinstance(items, Mapping | list):
            try:
                budget.check_items(f"dynamic {block_type!r}", len(items))
            except BudgetExceeded as exc:
                raise self.evaluator.error(for_each, scope, exc.message) from None
        pairs: list[tuple[Any, Any]]
        if isinstance(items, Mapping) and find_unknown(list(items)) is None:
            pairs = [(k, items[k]) for k in sorted(items)]
        elif isinstance(items, list) and not isinstance(items, Unknown):
            pairs = list(enumerate(items))
        else:
            found = find_unknown(items)
            reason = found if found is not None else Unknown("for_each is not a collection")
            text = quote(for_each, scope.file)
            out[block_type] = Unknown(f"{inst.address}: dynamic {block_type!r} for_each = {text}: {reason.reason}")
            return
        existing = out.setdefault(block_type, [])
        if isinstance(existing, Unknown):
            return
        for key, value in pairs:
            inner = scope.bind({iterator: {"key": key, "value": value}})
            lines[(*prefix, block_type, len(existing))] = line
            existing.append(self._body(inst, content, inner, (*prefix, block_type, len(existing)), lines))

    def evaluate(self, inst: Instance) -> tuple[dict[str, Any], dict[AttrPath, int]]:
        """The instance's attribute map and the line of each attribute path, charged to the budget."""
        if inst.attrs is None:
            inst.attrs, inst.lines = self.body(inst, inst.scope)
            where = f"{inst.block.file.rel}:{inst.block.file.orig(inst.block.line)}: {inst.address}"
            # The row owns its values: one shared through a local counts once per resource using it.
            try:
                self.evaluator.meter.charge_value(inst.attrs, "the resource's attributes")
            except BudgetExceeded as exc:
                raise InputError(f"{where}: {exc.message}") from None
            if budget.depth_over(inst.attrs, budget.JSON_DEPTH):
                raise InputError(f"{where}: a value nests lists and maps more than {budget.JSON_DEPTH} levels deep")
        return inst.attrs, inst.lines

    def expression_text(self, inst: Instance, name: str) -> str | None:
        """The text of the top-level argument ``name`` as written (``None`` when not set)."""
        for kind, node in body_items(inst.block.body):
            if kind == "attribute" and attribute(node)[0] == name:
                return quote(attribute(node)[1], inst.block.file)
        return None


def _object_lines(expr: Tree[Any], prefix: AttrPath, lines: dict[AttrPath, int]) -> None:
    """Lines of literal keys of an object value (``body = { properties = { … } }``)."""
    node: Any = expr
    while isinstance(node, Tree) and node.data == "expr_term" and len(trees(node)) == 1:
        node = trees(node)[0]
    if not isinstance(node, Tree):
        return
    if node.data == "function_call" and name_of(trees(node)[0]) == "jsonencode":
        args = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        if args is not None and trees(args):
            _object_lines(trees(args)[0], prefix, lines)
        return
    if node.data != "object":
        return
    for elem in trees(node):
        key_node = trees(elem)[0]
        inner = children(key_node)[0]
        while isinstance(inner, Tree) and inner.data == "expr_term" and len(trees(inner)) == 1:
            inner = trees(inner)[0]
        if isinstance(inner, Tree) and inner.data in ("identifier", "string", "keyword", "literal_value"):
            key = name_of(inner)
            lines[(*prefix, key)] = elem.meta.line
            _object_lines(trees(elem)[-1], (*prefix, key), lines)
