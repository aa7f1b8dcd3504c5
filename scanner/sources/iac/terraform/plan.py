"""Terraform plan JSON (``terraform show -json PLANFILE``) → declared resources in their live shape.

What is read:

- ``resource_changes[]`` of mode ``managed`` whose actions leave the resource in place after the
  apply (create, update, replace, no-op); delete-only and forget entries are skipped. Module
  addresses (``module.acr.azurerm_container_registry.this[0]``) are kept as the address.
- ``change.after`` is the planned value; every leaf that ``change.after_unknown`` marks is an
  :class:`~scanner.unknown.Unknown` ("known only after apply"), except an attribute that the
  configuration does not set at all: its value is the provider's to choose, so the provider
  default applies (as it does for ``.tf`` source), e.g. an unset ``network_rule_set``.
- ``configuration`` resolves what the plan cannot know yet (:mod:`.plan_references`).

Locations: a plan has no source lines, so findings point into the plan file itself: the
resource at the line of its ``"address"`` key in ``resource_changes``, a property at the line
of its key in ``change.after``. A plan carries no comments, so it has no inline suppressions.
The user's view is in docs/iac.md and docs/iac-terraform.md ("Plan JSON").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.files import relative
from scanner.sources.iac.terraform.json_lines import JsonPath, fast_key_lines, key_lines
from scanner.sources.iac.terraform.plan_configuration import PlanConfiguration, as_array, split_address
from scanner.sources.iac.terraform.plan_references import PlanReferences
from scanner.sources.iac.terraform.runtime_refs import holds_runtime_values
from scanner.sources.iac.terraform.translate.resource_ids import dedupe_ids
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance
from scanner.sources.iac.terraform.translate.translators import translate
from scanner.unknown import Unknown

_KEEP_ACTIONS = frozenset({"create", "update", "no-op", "read"})


def read_plan(path: Path, repo_root: Path, *, meter: Meter | None = None) -> list[IacResource]:
    """Read one ``terraform show -json`` plan file into declared resources (live row shape)."""
    file = relative(path, repo_root)
    text = limits.read_text(path, file, budget.PLAN_BYTES, "the plan")
    doc = parse_plan(text, file)
    meter = meter if meter is not None else Meter()
    try:
        lines = fast_key_lines(text, doc)
        if lines is None:
            lines = key_lines(text)
        config = PlanConfiguration(doc.get("configuration"))
        instances, entries = _load(doc, file, lines, meter, config)
        plan = PlanReferences(instances, _known_values(doc), config, meter)
        plan.ids = dedupe_ids(plan.natural_ids())
        plan.resolve_all()
        rows = translate(instances.values(), plan.ids)
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
        index = entries[address]
        line = lines.get(("resource_changes", index, "address")) or lines.get(("resource_changes", index)) or 1
        out.append(
            IacResource(
                row=translated.row,
                file=file,
                line=line,
                property_lines=_property_lines(lines, index, translated.sources),
                suppressions=(),
                address=address,
                runtime_values=holds_runtime_values(translated.row),
            )
        )
    return out


def parse_plan(text: str, file: str) -> Mapping[str, Any]:
    """The plan document, or an :class:`InputError` ``file:line:col: what``."""
    doc = limits.decode_document(text, file, "plan JSON")
    if not isinstance(doc, Mapping) or "format_version" not in doc:
        raise InputError(f"{file}:1:1: not a Terraform plan (expected the object of 'terraform show -json')")
    return doc


def _load(
    doc: Mapping[str, Any], file: str, lines: Mapping[JsonPath, int], meter: Meter, config: PlanConfiguration
) -> tuple[dict[str, TfInstance], dict[str, int]]:
    """Address → instance of every kept resource change, and address → its index in ``resource_changes``."""
    instances: dict[str, TfInstance] = {}
    entries: dict[str, int] = {}
    changes = doc.get("resource_changes", [])
    if not isinstance(changes, list):
        raise _error(file, lines, ("resource_changes",), "resource_changes is not a list")
    for index, entry in enumerate(changes):
        where: JsonPath = ("resource_changes", index)
        if not isinstance(entry, Mapping):
            raise _error(file, lines, where, f"resource_changes[{index}] is not an object")
        address = entry.get("address")
        tf_type = entry.get("type")
        change = entry.get("change")
        if not isinstance(address, str) or not isinstance(tf_type, str) or not isinstance(change, Mapping):
            raise _error(file, lines, where, f"resource_changes[{index}] lacks address, type or change")
        actions = change.get("actions")
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise _error(file, lines, (*where, "change"), f"{address}: change.actions is not a list of strings")
        if not _KEEP_ACTIONS.intersection(actions):
            continue  # delete-only, forget
        after = change.get("after")
        if after is not None and not isinstance(after, Mapping):
            raise _error(file, lines, (*where, "change"), f"{address}: change.after is not an object")
        unknown = change.get("after_unknown")
        if unknown is not None and not isinstance(unknown, Mapping | bool):
            raise _error(file, lines, (*where, "change"), f"{address}: change.after_unknown is not an object")
        meter.resource()
        attrs = _merge_unknown(after or {}, unknown or {}, address)
        if not isinstance(attrs, Mapping):
            attrs = {}  # the whole resource known only after apply: nothing to read yet
        mode = str(entry.get("mode") or "managed")
        module_address, _ = split_address(address)
        attrs = config.unset_computed(module_address, entry, attrs)
        instances[address] = TfInstance(address, tf_type, attrs, mode)
        entries[address] = index
    return instances, entries


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


def _known_values(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Values of data sources and resources that the plan already knows (prior state)."""
    out: dict[str, Mapping[str, Any]] = {}

    def walk(module: Any) -> None:
        if not isinstance(module, Mapping):
            return
        for res in as_array(module.get("resources")):
            if isinstance(res, Mapping) and isinstance(res.get("address"), str):
                values = res.get("values")
                if isinstance(values, Mapping):
                    out[res["address"]] = values
        for child in as_array(module.get("child_modules")):
            walk(child)

    for section in ("prior_state", "planned_values"):
        block = doc.get(section)
        if isinstance(block, Mapping):
            values = block.get("values") if section == "prior_state" else block
            if isinstance(values, Mapping):
                walk(values.get("root_module"))
    return out


def _error(file: str, lines: Mapping[JsonPath, int], path: JsonPath, what: str) -> InputError:
    inside = [n for p, n in lines.items() if p[: len(path)] == path]
    line = lines.get(path) or (min(inside) if inside else None) or lines.get(path[:1]) or 1
    return InputError(f"{file}:{line}:1: {what}")


def _property_lines(lines: Mapping[JsonPath, int], index: int, sources: Mapping[str, AttrPath]) -> dict[str, int]:
    out: dict[str, int] = {}
    for prop, attr_path in sources.items():
        for section in ("after", "after_unknown"):
            line = lines.get(("resource_changes", index, "change", section, *attr_path))
            if line is not None:
                out[prop] = line
                break
    return out
