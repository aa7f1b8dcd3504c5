"""Terraform plan JSON (``terraform show -json PLANFILE``) → declared resources in their live shape.

What is read:

- ``resource_changes[]`` of mode ``managed`` whose actions leave the resource in place after the
  apply (create, update, replace, no-op); delete-only and forget entries are skipped. Module
  addresses (``module.acr.azurerm_container_registry.this[0]``) are kept as the address.
- ``change.after`` is the planned value; every leaf that ``change.after_unknown`` marks is an
  :class:`~scanner.unknown.Unknown` ("known only after apply"), except an attribute that the
  configuration does not set at all: its value is the provider's to choose, so the provider
  default applies (as it does for ``.tf`` source), e.g. an unset ``network_rule_set``.
- ``configuration`` resolves what the plan cannot know yet: an unknown leaf whose expression
  references another resource (``azurerm_container_registry.acr.id``), a module input
  (``var.registry_id``, followed to the module call) or a module output
  (``module.acr.id``) gets the referenced resource's (synthetic) id or known value, so a private
  endpoint, role assignment or diagnostic setting relates to a registry created in the same plan.

Locations: a plan has no source lines, so findings point into the plan file itself: the
resource at the line of its ``"address"`` key in ``resource_changes``, a property at the line
of its key in ``change.after``. A plan carries no comments, so it has no inline suppressions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.terraform_translate import (
    AttrPath,
    TfInstance,
    Translator,
    dedupe_ids,
    natural_id,
    principal_type_for,
)
from scanner.unknown import Unknown

_KEEP_ACTIONS = frozenset({"create", "update", "no-op", "read"})
JsonPath = tuple[str | int, ...]


# --------------------------------------------------------------------------- positions


_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([{}\[\],:])|([^\s,:\]\}]+))', re.S)


_STRING_OR_KEY = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?', re.S)


def fast_key_lines(text: str, data: Any, keep: tuple[str, ...] = ("resource_changes",)) -> dict[JsonPath, int] | None:
    """Line of every object key of ``data`` (decoded from ``text``), or ``None`` if keys do not pair up.

    One regular-expression pass finds every key in document order; a walk of the decoded tree
    (dicts keep document order) pairs the n-th key found with the n-th key visited. Duplicate
    keys (which the decoder collapses) break the pairing: the caller falls back to
    :func:`key_lines`.
    """
    offsets = [m.start() for m in _STRING_OR_KEY.finditer(text) if m.group(1) is not None]
    lines: dict[JsonPath, int] = {}
    position = 0
    state = {"line": 1, "last": 0}

    def line_of(at: int) -> int:
        state["line"] += text.count("\n", state["last"], at)
        state["last"] = at
        return state["line"]

    def walk(node: Any, path: JsonPath, record: bool) -> bool:
        nonlocal position
        if len(path) >= budget.JSON_DEPTH and isinstance(node, dict | list):
            raise _deep(text, offsets[position - 1] if position else 0)
        if isinstance(node, dict):
            for key, value in node.items():
                if position >= len(offsets):
                    return False
                here = (*path, key)
                wanted = record or (len(here) == 1 and key in keep)
                at = offsets[position]
                position += 1
                if record or len(here) == 1:
                    lines[here] = line_of(at)
                if not walk(value, here, wanted):
                    return False
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if not walk(value, (*path, index), record):
                    return False
        return True

    if not walk(data, (), False) or position != len(offsets):
        return None
    return lines


def key_lines(text: str, keep: tuple[str, ...] = ("resource_changes",)) -> dict[JsonPath, int]:
    """Line (1-based) of every object key and array element of a valid JSON text.

    Only top-level keys and paths under a top-level key in ``keep`` are recorded.
    """
    lines: dict[JsonPath, int] = {}
    # Each frame: [path, is_object, key_or_index, expecting_key]
    stack: list[list[Any]] = []
    line = 1
    last = 0
    match = _TOKEN.match(text, 0)
    while match is not None:
        string, punct, scalar = match.groups()
        at = match.start(1) if string else match.start(2) if punct else match.start(3)
        frame = stack[-1] if stack else None
        if punct in (":",) or (punct is None and string is None and scalar is None):
            pass
        elif punct == ",":
            if frame is not None:
                if frame[1]:
                    frame[3] = True
                else:
                    frame[2] += 1
        elif punct in ("}", "]"):
            if stack:
                stack.pop()
        elif string is not None and frame is not None and frame[1] and frame[3]:
            key = json.loads(string) if "\\" in string else string[1:-1]
            frame[2] = key
            frame[3] = False
            path: JsonPath = (*frame[0], key)
            if len(path) <= 1 or path[0] in keep:
                line += text.count("\n", last, at)
                last = at
                lines[path] = line
        else:  # a value starts: string, scalar, { or [
            path = (*frame[0], frame[2]) if frame is not None else ()
            if frame is not None and not frame[1] and (len(path) <= 1 or path[0] in keep):
                line += text.count("\n", last, at)
                last = at
                lines[path] = line
            if punct in ("{", "["):
                if len(stack) >= budget.JSON_DEPTH:
                    raise _deep(text, at)
                stack.append([path, punct == "{", 0, punct == "{"])
        if match.end() == match.start() or match.end() >= len(text):
            break
        match = _TOKEN.match(text, match.end())
    return lines


def _deep(text: str, offset: int) -> BudgetExceeded:
    line = text.count("\n", 0, offset) + 1
    return BudgetExceeded(f"arrays and objects nest more than {budget.JSON_DEPTH} levels deep (the limit)", line=line)


# --------------------------------------------------------------------------- plan model


def _relative(path: Path, repo_root: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _merge_unknown(after: Any, unknown: Any, where: str) -> Any:
    """``after`` with every leaf marked in ``after_unknown`` replaced by :class:`Unknown`.

    ``after_unknown`` mirrors ``after``: where it does not (an object against a list), the
    marking says nothing about that value, which is then unknown rather than guessed.
    """
    if unknown is True:
        return Unknown(f"{where} is known only after apply")
    if (isinstance(after, Mapping) and isinstance(unknown, list)) or (
        isinstance(after, list) and isinstance(unknown, Mapping)
    ):
        return Unknown(f"{where}: after_unknown does not match the planned value's shape")
    if isinstance(unknown, Mapping):
        base = after if isinstance(after, Mapping) else {}
        keys = list(base) + [k for k in unknown if k not in base]
        return {k: _merge_unknown(base.get(k), unknown.get(k), f"{where}.{k}") for k in keys}
    if isinstance(unknown, list):
        base_list = after if isinstance(after, list) else []
        count = max(len(base_list), len(unknown))
        return [
            _merge_unknown(
                base_list[i] if i < len(base_list) else None,
                unknown[i] if i < len(unknown) else None,
                f"{where}[{i}]",
            )
            for i in range(count)
        ]
    return after


def _obj(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one (a malformed configuration is read as absent)."""
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    """``value`` if it is an array, else nothing."""
    return value if isinstance(value, list) else []


def _split_address(address: str) -> tuple[str, str]:
    """``module.a[0].module.b.azurerm_x.y[1]`` → (``module.a[0].module.b``, ``azurerm_x.y[1]``)."""
    parts = _address_parts(address)
    cut = 0
    while cut + 1 < len(parts) and parts[cut] == "module":
        cut += 2
    return ".".join(parts[:cut]), ".".join(parts[cut:])


def _address_parts(address: str) -> list[str]:
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


def _strip_index(name: str) -> tuple[str, str]:
    """``this[0]`` → (``this``, ``[0]``)."""
    cut = name.find("[")
    return (name, "") if cut < 0 else (name[:cut], name[cut:])


def _module_names(module_address: str) -> list[str]:
    """``module.a[0].module.b`` → ``["a", "b"]`` (the configuration's module-call path)."""
    parts = _address_parts(module_address) if module_address else []
    return [_strip_index(parts[i + 1])[0] for i in range(0, len(parts) - 1, 2) if parts[i] == "module"]


def _parent_module(module_address: str) -> tuple[str, str]:
    """(parent module address, this module's call name) of a module instance address."""
    parts = _address_parts(module_address)
    name = _strip_index(parts[-1])[0]
    return ".".join(parts[:-2]), name


class _Plan:
    """One plan document: instances, configuration, lazy resolution of references."""

    def __init__(self, doc: Mapping[str, Any], file: str, lines: Mapping[JsonPath, int], meter: Meter) -> None:
        self.meter = meter
        self.doc = doc
        self.file = file
        self.lines = lines
        self.config = doc.get("configuration") if isinstance(doc.get("configuration"), Mapping) else None
        self.entries: dict[str, tuple[int, Mapping[str, Any]]] = {}
        self.instances: dict[str, TfInstance] = {}
        self.ids: dict[str, str] | None = None
        self.known = self._known_values()
        self._resolving: set[str] = set()
        self._natural: dict[str, str] = {}
        self._config_index: dict[int, dict[str, Mapping[str, Any]]] = {}

    # ------------------------------------------------------------------ reading

    def error(self, path: JsonPath, what: str) -> InputError:
        inside = [n for p, n in self.lines.items() if p[: len(path)] == path]
        line = self.lines.get(path) or (min(inside) if inside else None) or self.lines.get(path[:1]) or 1
        return InputError(f"{self.file}:{line}:1: {what}")

    def load(self) -> None:
        changes = self.doc.get("resource_changes", [])
        if not isinstance(changes, list):
            raise self.error(("resource_changes",), "resource_changes is not a list")
        for index, entry in enumerate(changes):
            where: JsonPath = ("resource_changes", index)
            if not isinstance(entry, Mapping):
                raise self.error(where, f"resource_changes[{index}] is not an object")
            address = entry.get("address")
            tf_type = entry.get("type")
            change = entry.get("change")
            if not isinstance(address, str) or not isinstance(tf_type, str) or not isinstance(change, Mapping):
                raise self.error(where, f"resource_changes[{index}] lacks address, type or change")
            actions = change.get("actions")
            if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
                raise self.error((*where, "change"), f"{address}: change.actions is not a list of strings")
            if not _KEEP_ACTIONS.intersection(actions):
                continue  # delete-only, forget
            after = change.get("after")
            if after is not None and not isinstance(after, Mapping):
                raise self.error((*where, "change"), f"{address}: change.after is not an object")
            unknown = change.get("after_unknown")
            if unknown is not None and not isinstance(unknown, Mapping | bool):
                raise self.error((*where, "change"), f"{address}: change.after_unknown is not an object")
            self.meter.resource()
            attrs = _merge_unknown(after or {}, unknown or {}, address)
            if not isinstance(attrs, Mapping):
                attrs = {}  # the whole resource known only after apply: nothing to read yet
            mode = str(entry.get("mode") or "managed")
            module_address, _ = _split_address(address)
            attrs = self._unset_computed(module_address, entry, attrs)
            self.instances[address] = TfInstance(address, tf_type, attrs, mode)
            self.entries[address] = (index, entry)

    def _known_values(self) -> dict[str, Mapping[str, Any]]:
        """Values of data sources and resources that the plan already knows (prior state)."""
        out: dict[str, Mapping[str, Any]] = {}

        def walk(module: Any) -> None:
            if not isinstance(module, Mapping):
                return
            for res in _items(module.get("resources")):
                if isinstance(res, Mapping) and isinstance(res.get("address"), str):
                    values = res.get("values")
                    if isinstance(values, Mapping):
                        out[res["address"]] = values
            for child in _items(module.get("child_modules")):
                walk(child)

        for section in ("prior_state", "planned_values"):
            block = self.doc.get(section)
            if isinstance(block, Mapping):
                values = block.get("values") if section == "prior_state" else block
                if isinstance(values, Mapping):
                    walk(values.get("root_module"))
        return out

    # ------------------------------------------------------------------ configuration

    def _config_module(self, module_address: str) -> Mapping[str, Any] | None:
        if self.config is None:
            return None
        module = self.config.get("root_module")
        for name in _module_names(module_address):
            if not isinstance(module, Mapping):
                return None
            call = _obj(module.get("module_calls")).get(name)
            module = call.get("module") if isinstance(call, Mapping) else None
        return module if isinstance(module, Mapping) else None

    def _config_resource(self, module_address: str, local_address: str, mode: str) -> Mapping[str, Any] | None:
        module = self._config_module(module_address)
        if module is None:
            return None
        base = ".".join(_strip_index(p)[0] for p in _address_parts(local_address))
        if mode == "data" and not base.startswith("data."):
            base = "data." + base
        index = self._config_index.get(id(module))
        if index is None:
            index = {
                str(res.get("address")): res for res in _items(module.get("resources")) if isinstance(res, Mapping)
            }
            self._config_index[id(module)] = index
        return index.get(base)

    def _unset_computed(self, module_address: str, entry: Mapping[str, Any], attrs: Any) -> Any:
        """Attributes unknown only because the configuration leaves them to the provider → unset."""
        if not isinstance(attrs, Mapping):
            return attrs
        _, local = _split_address(str(entry.get("address")))
        res = self._config_resource(module_address, local, str(entry.get("mode") or "managed"))
        if res is None or not isinstance(res.get("expressions"), Mapping):
            return attrs
        return _drop_unconfigured(attrs, res["expressions"])

    def _expression(self, address: str, path: AttrPath) -> Mapping[str, Any] | None:
        module_address, local = _split_address(address)
        inst = self.instances.get(address)
        res = self._config_resource(module_address, local, inst.mode if inst else "managed")
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

    # ------------------------------------------------------------------ resolution

    def id_of(self, address: str) -> str | None:
        if self.ids is not None and address in self.ids:
            return self.ids[address]
        inst = self.instances.get(address)
        if inst is None:
            values = self.known.get(address)
            rid = values.get("id") if values else None
            return rid if isinstance(rid, str) else None
        return self.natural_id_of(inst)

    def natural_id_of(self, inst: TfInstance) -> str | None:
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
        out: dict[str, str] = {}
        for address, inst in self.instances.items():
            if inst.mode != "managed":
                continue
            rid = self.natural_id_of(inst)
            if rid is not None:
                out[address] = rid
        return out

    def attr(self, inst: TfInstance, name: str) -> Any:
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
        expr = self._expression(address, path)
        if expr is None:
            return None
        refs = expr.get("references")
        if not isinstance(refs, list) or not refs:
            return None
        module_address, local = _split_address(address)
        _, index = _strip_index(_address_parts(local)[-1])
        return self.resolve_reference(module_address, str(refs[0]), index)

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
        parts = _address_parts(ref)
        prefix = module_address + "." if module_address else ""
        if parts[0] == "var" and len(parts) >= 2 and module_address:
            parent, call = _parent_module(module_address)
            parent_module = self._config_module(parent)
            calls = parent_module.get("module_calls") if parent_module else None
            call_block = calls.get(call) if isinstance(calls, Mapping) else None
            expr = _obj(call_block.get("expressions")).get(parts[1]) if isinstance(call_block, Mapping) else None
            if isinstance(expr, Mapping):
                if "constant_value" in expr:
                    return expr["constant_value"]
                refs = expr.get("references")
                if isinstance(refs, list) and refs:
                    return self.resolve_reference(parent, str(refs[0]), index)
            return None
        if parts[0] == "module" and len(parts) >= 3:
            child = f"{prefix}module.{parts[1]}"
            module = self._config_module(child)
            output = _obj(module.get("outputs")).get(parts[2]) if module else None
            expr = output.get("expression") if isinstance(output, Mapping) else None
            if isinstance(expr, Mapping):
                if "constant_value" in expr:
                    return expr["constant_value"]
                refs = expr.get("references")
                if isinstance(refs, list) and refs:
                    return self.resolve_reference(child, str(refs[0]), index)
            return None
        if parts[0] in ("local", "each", "count", "path", "terraform", "self"):
            return None
        mode_prefix = ""
        if parts[0] == "data":
            mode_prefix, parts = "data.", parts[1:]
        if len(parts) < 2:
            return None
        name, name_index = _strip_index(parts[1])
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
                attr, attr_index = _strip_index(part)
                path.append(attr)
                if attr_index.strip("[]").isdigit():
                    path.append(int(attr_index.strip("[]")))
            value = self.value(inst, tuple(path))
            return None if value is None or isinstance(value, Unknown) else value
        values = self.known.get(target)
        if values is not None and len(attr_path) == 1:
            value = values.get(attr_path[0])
            return value if value is not None else None
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
            if inst.tf_type == "azurerm_role_assignment" and inst.attrs.get("principal_type") is None:
                expr = self._expression(inst.address, ("principal_id",))
                refs = expr.get("references") if expr else None
                if isinstance(refs, list) and refs:
                    kind = principal_type_for(str(refs[0]))
                    if kind is not None:
                        inst.attrs = {**inst.attrs, "principal_type": kind}

    def _resolve_tree(self, inst: TfInstance, node: Any, path: AttrPath) -> Any:
        if isinstance(node, Unknown):
            resolved = self.resolve_expression(inst.address, path)
            if resolved is None:
                return node
            self.meter.charge_value(resolved, f"{inst.address}: a resolved reference")
            return resolved
        if isinstance(node, Mapping):
            return {k: self._resolve_tree(inst, v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [self._resolve_tree(inst, v, (*path, i)) for i, v in enumerate(node)]
        return node


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


def _property_lines(lines: Mapping[JsonPath, int], index: int, sources: Mapping[str, AttrPath]) -> dict[str, int]:
    out: dict[str, int] = {}
    for prop, attr_path in sources.items():
        for section in ("after", "after_unknown"):
            line = lines.get(("resource_changes", index, "change", section, *attr_path))
            if line is not None:
                out[prop] = line
                break
    return out


def parse_plan(text: str, file: str) -> Mapping[str, Any]:
    """The plan document, or an :class:`InputError` ``file:line:col: what``."""
    try:
        doc = json.loads(text, parse_int=budget.json_int)
    except json.JSONDecodeError as exc:
        raise InputError(f"{file}:{exc.lineno}:{exc.colno}: malformed plan JSON: {exc.msg}") from None
    except RecursionError:
        raise budget.too_deep(file) from None
    except ValueError as exc:  # an integer outside 64 bits
        raise InputError(f"{file}: {exc}") from None
    if not isinstance(doc, Mapping) or "format_version" not in doc:
        raise InputError(f"{file}:1:1: not a Terraform plan (expected the object of 'terraform show -json')")
    return doc


def read_plan(path: Path, repo_root: Path, *, meter: Meter | None = None) -> list[IacResource]:
    """Read one ``terraform show -json`` plan file into declared resources (live row shape)."""
    file = _relative(path, repo_root)
    raw = budget.read_bounded(path, budget.PLAN_BYTES, file, "the plan")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: cannot read the plan: {exc}") from None
    doc = parse_plan(text, file)
    try:
        lines = fast_key_lines(text, doc)
        if lines is None:
            lines = key_lines(text)
        plan = _Plan(doc, file, lines, meter if meter is not None else Meter())
        plan.load()
        plan.ids = dedupe_ids(plan.natural_ids())
        plan.resolve_all()
        rows = Translator(plan.ids).translate(plan.instances.values())
    except BudgetExceeded as exc:
        raise InputError(f"{file}:{exc.line}: {exc.message}" if exc.line else f"{file}: {exc.message}") from None
    except RecursionError:
        raise InputError(
            f"{file}: references between resources and modules chain too deeply to follow "
            f"(documents nest at most {budget.JSON_DEPTH} levels)"
        ) from None
    out: list[IacResource] = []
    for translated in rows:
        address = translated.instance.address
        index, _ = plan.entries[address]
        line = lines.get(("resource_changes", index, "address")) or lines.get(("resource_changes", index)) or 1
        out.append(
            IacResource(
                row=translated.row,
                file=file,
                line=line,
                property_lines=_property_lines(lines, index, translated.sources),
                suppressions=(),
                address=address,
            )
        )
    return out


def looks_like_plan(doc: Any) -> bool:
    """Whether a parsed JSON document is a Terraform plan (for the core's type detection)."""
    return (
        isinstance(doc, Mapping)
        and "format_version" in doc
        and ("resource_changes" in doc or "planned_values" in doc or "terraform_version" in doc)
    )


__all__: Sequence[str] = ("key_lines", "looks_like_plan", "parse_plan", "read_plan")
