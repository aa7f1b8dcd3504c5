"""The ``configuration`` section of a Terraform plan, and the addresses that point into it.

A plan's ``resource_changes`` hold values; its ``configuration`` holds what the values were
written as: each resource's expressions (with the ``references`` they use), module calls and
outputs. The plan reader uses it to follow a reference the plan cannot know yet, and to tell
an attribute the configuration never sets (the provider's default applies) from one it sets
to a value known only after apply (docs/iac-terraform.md, "Plan JSON").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform.translate.rows import AttrPath
from scanner.unknown import Unknown


def as_object(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one (a malformed configuration is read as absent)."""
    return value if isinstance(value, Mapping) else {}


def as_array(value: Any) -> list[Any]:
    """``value`` if it is an array, else nothing."""
    return value if isinstance(value, list) else []


def split_address(address: str) -> tuple[str, str]:
    """``module.a[0].module.b.azurerm_x.y[1]`` → (``module.a[0].module.b``, ``azurerm_x.y[1]``)."""
    parts = address_parts(address)
    cut = 0
    while cut + 1 < len(parts) and parts[cut] == "module":
        cut += 2
    return ".".join(parts[:cut]), ".".join(parts[cut:])


def address_parts(address: str) -> list[str]:
    """Split an address on dots that are not inside ``[...]`` (for_each keys may hold dots)."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    in_string = False
    for ch in address:
        if ch == '"' and depth:
            in_string = not in_string
        elif not in_string and ch == "[":
            depth += 1
        elif not in_string and ch == "]":
            depth -= 1
        if ch == "." and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def strip_index(name: str) -> tuple[str, str]:
    """``this[0]`` → (``this``, ``[0]``)."""
    cut = name.find("[")
    return (name, "") if cut < 0 else (name[:cut], name[cut:])


def _module_names(module_address: str) -> list[str]:
    """``module.a[0].module.b`` → ``["a", "b"]`` (the configuration's module-call path)."""
    parts = address_parts(module_address) if module_address else []
    return [strip_index(parts[i + 1])[0] for i in range(0, len(parts) - 1, 2) if parts[i] == "module"]


def parent_module(module_address: str) -> tuple[str, str]:
    """(parent module address, this module's call name) of a module instance address."""
    parts = address_parts(module_address)
    name = strip_index(parts[-1])[0]
    return ".".join(parts[:-2]), name


class PlanConfiguration:
    """The ``configuration`` of one plan (absent: nothing is followed, every marked leaf stays unknown)."""

    def __init__(self, config: Any) -> None:
        self.config = config if isinstance(config, Mapping) else None
        self._resource_index: dict[int, dict[str, Mapping[str, Any]]] = {}

    def module(self, module_address: str) -> Mapping[str, Any] | None:
        """The configuration of the module instance ``module_address`` (``""`` is the root)."""
        if self.config is None:
            return None
        module = self.config.get("root_module")
        for name in _module_names(module_address):
            if not isinstance(module, Mapping):
                return None
            call = as_object(module.get("module_calls")).get(name)
            module = call.get("module") if isinstance(call, Mapping) else None
        return module if isinstance(module, Mapping) else None

    def resource(self, module_address: str, local_address: str, mode: str) -> Mapping[str, Any] | None:
        """The configuration of a resource (``mode`` ``managed``) or data source in a module."""
        module = self.module(module_address)
        if module is None:
            return None
        base = ".".join(strip_index(p)[0] for p in address_parts(local_address))
        if mode == "data" and not base.startswith("data."):
            base = "data." + base
        index = self._resource_index.get(id(module))
        if index is None:
            index = {
                str(res.get("address")): res for res in as_array(module.get("resources")) if isinstance(res, Mapping)
            }
            self._resource_index[id(module)] = index
        return index.get(base)

    def unset_computed(self, module_address: str, entry: Mapping[str, Any], attrs: Any) -> Any:
        """Attributes unknown only because the configuration leaves them to the provider → unset."""
        if not isinstance(attrs, Mapping):
            return attrs
        _, local = split_address(str(entry.get("address")))
        res = self.resource(module_address, local, str(entry.get("mode") or "managed"))
        if res is None or not isinstance(res.get("expressions"), Mapping):
            return attrs
        return _drop_unconfigured(attrs, res["expressions"])

    def expression(self, address: str, path: AttrPath, mode: str) -> Mapping[str, Any] | None:
        """The expression that sets the attribute ``path`` of the instance ``address``, if configured."""
        module_address, local = split_address(address)
        res = self.resource(module_address, local, mode)
        if res is None:
            return None
        node: Any = res.get("expressions")
        for step in path:
            if isinstance(node, list):
                if isinstance(step, int) and step < len(node):
                    node = node[step]
                elif len(node) == 1:
                    node = node[0]
                    node = node.get(step) if isinstance(node, Mapping) and isinstance(step, str) else None
                else:
                    return None
            elif isinstance(node, Mapping) and isinstance(step, str):
                node = node.get(step)
            else:
                return None
        if isinstance(node, list) and len(node) == 1:
            node = node[0]
        return node if isinstance(node, Mapping) else None


def _drop_unconfigured(attrs: Mapping[str, Any], expressions: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        expr = expressions.get(key)
        if isinstance(value, Unknown) and expr is None:
            continue  # the provider computes it; the translator applies its default
        if isinstance(value, list) and isinstance(expr, list):
            value = [
                _drop_unconfigured(item, expr[i] if i < len(expr) and isinstance(expr[i], Mapping) else {})
                if isinstance(item, Mapping) and i < len(expr)
                else item
                for i, item in enumerate(value)
            ]
        out[key] = value
    return out
