"""A Terraform ``resource`` or ``data`` block → its instances, one per ``count.index`` / ``each.key``.

``count`` and ``for_each`` are evaluated like any expression; over
:data:`~scanner.sources.iac.budget.TERRAFORM_INSTANCES` is an input error. When they cannot be
resolved the block gives one instance whose ``count.index`` / ``each.*`` are unknown, so its
findings say why (docs/iac-terraform.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec
from lark import Tree

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded
from scanner.sources.iac.terraform.evaluate import Evaluator, Scope
from scanner.sources.iac.terraform.parse import Block, attribute, body_items
from scanner.sources.iac.terraform.translate.rows import AttrPath
from scanner.sources.iac.terraform.values import find_unknown, to_number
from scanner.unknown import Unknown


class Instance(msgspec.Struct):
    """One instance of a block: its address (``type.name[key]``), scope and evaluated arguments."""

    block: Block
    address: str
    scope: Scope
    tf_type: str
    attrs: dict[str, Any] | None = None
    lines: dict[AttrPath, int] = msgspec.field(default_factory=dict)
    cache: dict[str, Any] = msgspec.field(default_factory=dict)


def expand(evaluator: Evaluator, kind: str, key: tuple[str, str], block: Block, prefix: str = "") -> list[Instance]:
    """The instances of the ``kind`` (``resource`` or ``data``) block ``key`` = (type, name).

    ``prefix`` is the address of the module instance the block is in (``module.m[0].``).
    """
    base = prefix + (f"{key[0]}.{key[1]}" if kind == "resource" else f"data.{key[0]}.{key[1]}")
    scope = Scope(block.file)
    count_expr = for_each_expr = None
    for akind, node in body_items(block.body):
        if akind == "attribute":
            name, expr = attribute(node)
            if name == "count":
                count_expr = expr
            elif name == "for_each":
                for_each_expr = expr
    if count_expr is not None:
        placed = _counted(evaluator, count_expr, scope, base)
    elif for_each_expr is not None:
        placed = _keyed(evaluator, for_each_expr, scope, base)
    else:
        placed = [(base, scope)]
    return [_instance(evaluator, block, address, key[0], where) for address, where in placed]


def _counted(evaluator: Evaluator, count_expr: Tree[Any], scope: Scope, base: str) -> list[tuple[str, Scope]]:
    """(address, scope) of each instance of a block with ``count``."""
    count = to_number(evaluator.eval(count_expr, scope))
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if isinstance(count, int) and count > budget.TERRAFORM_INSTANCES:
        raise evaluator.error(
            count_expr,
            scope,
            f"{base}: count = {budget.shown_number(count)} is over the limit of {budget.TERRAFORM_INSTANCES}",
        )
    if isinstance(count, Unknown) or not isinstance(count, int) or count < 0:
        reason = count if isinstance(count, Unknown) else Unknown(f"count = {count!r} is not a whole number")
        return [(base, Scope(scope.file, Unknown(f"{base}: count is not known ({reason.reason})")))]
    return [(f"{base}[{i}]", Scope(scope.file, i)) for i in range(count)]


def _keyed(evaluator: Evaluator, for_each_expr: Tree[Any], scope: Scope, base: str) -> list[tuple[str, Scope]]:
    """(address, scope) of each instance of a block with ``for_each``."""
    items = evaluator.eval(for_each_expr, scope)
    if isinstance(items, Mapping | list) and len(items) > budget.TERRAFORM_INSTANCES:
        raise evaluator.error(
            for_each_expr,
            scope,
            f"{base}: for_each has {len(items)} elements, over the limit of {budget.TERRAFORM_INSTANCES}",
        )
    evaluator.walked(items)
    pairs: list[tuple[Any, Any]]
    if isinstance(items, Mapping) and find_unknown(list(items.keys())) is None:
        pairs = [(k, items[k]) for k in sorted(items)]
    elif isinstance(items, list) and all(isinstance(i, str) for i in items):
        pairs = [(i, i) for i in sorted(set(items))]
    else:
        found = find_unknown(items)
        reason = found if found is not None else Unknown("for_each is not a map or a set of strings")
        each = Unknown(f"{base}: for_each is not known ({reason.reason})")
        return [(base, Scope(scope.file, each=(each, each)))]
    return [(f"{base}[{json.dumps(k)}]", Scope(scope.file, each=(k, v))) for k, v in pairs]


def _instance(evaluator: Evaluator, block: Block, address: str, tf_type: str, scope: Scope) -> Instance:
    try:
        evaluator.meter.resource()
    except BudgetExceeded as exc:
        raise InputError(f"{block.file.rel}:{block.file.orig(block.line)}: {exc.message}") from None
    return Instance(block, address, scope, tf_type)
