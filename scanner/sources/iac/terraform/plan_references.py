"""What a reference in a Terraform plan resolves to: the ids and values of the plan's instances.

A plan marks a value it cannot know yet as unknown (``after_unknown``). When the configuration
says the value is a reference (``azurerm_container_registry.acr.id``, ``var.registry_id``
followed to the module call, ``module.acr.id`` followed into the module's output), it is
replaced by the referenced resource's (synthetic) id or known value, so a private endpoint,
role assignment or diagnostic setting relates to a registry created in the same plan
(docs/iac-terraform.md, "Plan JSON").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

import msgspec

from scanner.sources.declarations import RuntimeValue
from scanner.sources.iac.budget import Meter
from scanner.sources.iac.terraform.plan_configuration import (
    PlanConfiguration,
    address_parts,
    as_object,
    parent_module,
    split_address,
    strip_index,
)
from scanner.sources.iac.terraform.runtime_refs import stand_in
from scanner.sources.iac.terraform.translate.resource_ids import natural_id
from scanner.sources.iac.terraform.translate.role_assignment import with_implied_principal_type
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance
from scanner.unknown import Unknown


class PlanReferences:
    """The instances of one plan, their ids, and the resolution of references between them."""

    def __init__(
        self,
        instances: Mapping[str, TfInstance],
        known: Mapping[str, Mapping[str, Any]],
        config: PlanConfiguration,
        meter: Meter,
    ) -> None:
        self.instances = instances
        self.known = known  # address → values the plan already holds (prior state, planned values)
        self.config = config
        self.meter = meter
        self.ids: dict[str, str] | None = None
        self._resolving: set[str] = set()
        self._natural: dict[str, str] = {}

    def _expression(self, address: str, path: AttrPath) -> Mapping[str, Any] | None:
        inst = self.instances.get(address)
        return self.config.expression(address, path, inst.mode if inst else "managed")

    def id_of(self, address: str) -> str | None:
        """The id of the instance (or known resource) at ``address``: final, natural, or as the plan knows it."""
        if self.ids is not None and address in self.ids:
            return self.ids[address]
        inst = self.instances.get(address)
        if inst is None:
            values = self.known.get(address)
            rid = values.get("id") if values else None
            return rid if isinstance(rid, str) else None
        return self.natural_id_of(inst)

    def natural_id_of(self, inst: TfInstance) -> str | None:
        """The synthetic id of an instance (its known id when the plan has one), references followed."""
        if inst.address in self._natural:
            return self._natural[inst.address]
        known = inst.attrs.get("id")
        if isinstance(known, str) and known.startswith("/"):
            return known
        guard = "id:" + inst.address
        if guard in self._resolving:
            return None
        self._resolving.add(guard)
        try:
            rid = natural_id(inst.tf_type, partial(self.attr, inst), inst.address)
        finally:
            self._resolving.discard(guard)
        if rid is not None:
            self._natural[inst.address] = rid
        return rid

    def natural_ids(self) -> dict[str, str]:
        """Address → synthetic id of every managed instance that has one."""
        out: dict[str, str] = {}
        for address, inst in self.instances.items():
            if inst.mode != "managed":
                continue
            rid = self.natural_id_of(inst)
            if rid is not None:
                out[address] = rid
        return out

    def attr(self, inst: TfInstance, name: str) -> Any:
        """A top-level attribute of an instance, references followed."""
        return self.value(inst, (name,))

    def value(self, inst: TfInstance, path: AttrPath) -> Any:
        """A (top-level or nested) attribute of an instance, resolving unknown references."""
        node: Any = inst.attrs
        for step in path:
            if isinstance(node, Mapping) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return None
        if isinstance(node, Unknown):
            resolved = self.resolve_expression(inst.address, path)
            if resolved is not None:
                return resolved
        return node

    def resolve_expression(self, address: str, path: AttrPath) -> Any:
        """What the first reference of the expression setting ``path`` resolves to (``None``: nothing)."""
        ref = self._first_reference(address, path)
        if ref is None:
            return None
        module_address, local = split_address(address)
        _, index = strip_index(address_parts(local)[-1])
        return self.resolve_reference(module_address, ref, index)

    def _first_reference(self, address: str, path: AttrPath) -> str | None:
        expr = self._expression(address, path)
        refs = expr.get("references") if expr else None
        return str(refs[0]) if isinstance(refs, list) and refs else None

    def resolve_reference(self, module_address: str, ref: str, index: str) -> Any:
        """Value of a configuration reference (``azurerm_x.y.id``, ``var.v``, ``module.m.out``)."""
        key = f"{module_address}|{ref}|{index}"
        if key in self._resolving:
            return None
        self._resolving.add(key)
        try:
            return self._resolve_reference(module_address, ref, index)
        finally:
            self._resolving.discard(key)

    def _resolve_reference(self, module_address: str, ref: str, index: str) -> Any:
        parts = address_parts(ref)
        prefix = module_address + "." if module_address else ""
        if parts[0] == "var" and len(parts) >= 2 and module_address:
            parent, call = parent_module(module_address)
            calls = as_object(self.config.module(parent)).get("module_calls")
            call_block = calls.get(call) if isinstance(calls, Mapping) else None
            expr = as_object(call_block.get("expressions")).get(parts[1]) if isinstance(call_block, Mapping) else None
            return self._follow(expr, parent, index)
        if parts[0] == "module" and len(parts) >= 3:
            child = f"{prefix}module.{parts[1]}"
            output = as_object(as_object(self.config.module(child)).get("outputs")).get(parts[2])
            return self._follow(output.get("expression") if isinstance(output, Mapping) else None, child, index)
        if parts[0] in ("local", "each", "count", "path", "terraform", "self"):
            return None
        mode_prefix = ""
        if parts[0] == "data":
            mode_prefix, parts = "data.", parts[1:]
        if len(parts) < 2:
            return None
        name, name_index = strip_index(parts[1])
        base = f"{prefix}{mode_prefix}{parts[0]}.{name}"
        target = self._pick_instance(base, name_index, index)
        attr_path = parts[2:]
        if target is None:
            return None
        if not attr_path:
            return None
        if attr_path == ["id"]:
            rid = self.id_of(target)
            if rid is not None:
                return rid
        inst = self.instances.get(target)
        if inst is not None:
            path: list[str | int] = []
            for part in attr_path:
                attr, attr_index = strip_index(part)
                path.append(attr)
                if attr_index.strip("[]").isdigit():
                    path.append(int(attr_index.strip("[]")))
            value = self.value(inst, tuple(path))
            if value is None or isinstance(value, Unknown):
                # An identity Azure assigns at apply: its stand-in (the caller keeps its own reason).
                found = stand_in(Unknown(f"{ref} is known only after apply"), self.id_of(target), path)
                return found if isinstance(found, RuntimeValue) else None
            return value
        values = self.known.get(target)
        if values is not None and len(attr_path) == 1:
            value = values.get(attr_path[0])
            return value if value is not None else None
        return None

    def _follow(self, expr: Any, module_address: str, index: str) -> Any:
        """A configuration expression's constant, or what its first reference in ``module_address`` resolves to."""
        if isinstance(expr, Mapping):
            if "constant_value" in expr:
                return expr["constant_value"]
            refs = expr.get("references")
            if isinstance(refs, list) and refs:
                return self.resolve_reference(module_address, str(refs[0]), index)
        return None

    def _pick_instance(self, base: str, name_index: str, index: str) -> str | None:
        pool = set(self.instances) | set(self.known)
        if name_index:
            return base + name_index if base + name_index in pool else None
        if base in pool:
            return base
        if index and base + index in pool:
            return base + index
        pattern = re.compile(re.escape(base) + r"\[[^\]]*\]")
        candidates = sorted(a for a in pool if pattern.fullmatch(a))
        return candidates[0] if len(candidates) == 1 else None

    def resolve_all(self) -> None:
        """Replace every resolvable unknown leaf of every instance by its referenced value."""
        for inst in self.instances.values():
            if inst.mode != "managed":
                continue
            inst.attrs = self._resolve_tree(inst, inst.attrs, ())
            with_implied_principal_type(inst, partial(self._first_reference, inst.address, ("principal_id",)))

    def _resolve_tree(self, inst: TfInstance, node: Any, path: AttrPath) -> Any:
        if isinstance(node, Unknown):
            resolved = self.resolve_expression(inst.address, path)
            if resolved is None:
                return node
            if isinstance(resolved, RuntimeValue):
                if resolved.attribute == "loginServer" and path[-1:] != ("server",):
                    # The plan does not say whether the expression is the reference or a template
                    # around it ("${...login_server}/app:1"): only a registry server is the former.
                    return node
                # unresolved, it reads as the plan's own unknown
                return msgspec.structs.replace(resolved, reason=node.reason, live_only=node.live_only)
            self.meter.charge_value(resolved, f"{inst.address}: a resolved reference")
            return resolved
        if isinstance(node, Mapping):
            return {k: self._resolve_tree(inst, v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [self._resolve_tree(inst, v, (*path, i)) for i, v in enumerate(node)]
        return node
