"""IaC budgets (scanner/sources/iac/budget.py): valid input at a limit still reads, one step past it is refused.

The hostile reproducers themselves are in test_iac_hostile.py (real CLI, capped child process);
these are the in-process edges: Azure's limits are honoured exactly (800 copies read, 801 refused),
links inside the scanned tree still work (symlinks included), cycles and non-regular files are named,
and the cumulative budgets hold across files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Target
from scanner.sources.iac.arm.expressions.evaluator import evaluate_string
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.template import read_template
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.detect import discover
from scanner.sources.iac.source import read_resources
from scanner.sources.iac.terraform.module import read_tf
from scanner.sources.iac.terraform.plan import read_plan
from tests.hostile import run_in_process

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _registry(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "Microsoft.ContainerRegistry/registries",
        "apiVersion": "2023-07-01",
        "name": name,
        "location": "eastus",
        "sku": {"name": "Premium"},
        "properties": {},
        **extra,
    }


def _link(name: str, relative: str) -> dict[str, Any]:
    return {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": name,
        "properties": {"mode": "Incremental", "templateLink": {"relativePath": relative}},
    }


def _template(path: Path, resources: list[dict[str, Any]], **extra: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra, "resources": resources}))
    return path


def _value(expression: str, **variables: Any) -> Any:
    return evaluate_string(expression, Env(Scope({"variables": variables}, {}, Target())))


# --------------------------------------------------------------------------- ARM: Azure's limits exactly


def test_copy_count_800_is_read_801_is_refused(tmp_path: Path) -> None:
    loop = {"name": "registries", "count": 800}
    ok = _template(tmp_path / "ok.json", [_registry("[concat('acr', copyIndex())]", copy=loop)])
    assert len(read_template(ok, tmp_path)) == 800
    over = _template(tmp_path / "over.json", [_registry("[concat('acr', copyIndex())]", copy={**loop, "count": 801})])
    with pytest.raises(InputError, match=r"over\.json:\d+: copy loop 'registries' has a count of 801, over Azure's"):
        read_template(over, tmp_path)


def test_negative_copy_count_is_refused(tmp_path: Path) -> None:
    path = _template(tmp_path / "main.json", [_registry("acr", copy={"name": "c", "count": -1})])
    with pytest.raises(InputError, match="negative count"):
        read_template(path, tmp_path)


def test_800_resources_per_template_with_copies_counted(tmp_path: Path) -> None:
    copies = _registry("[concat('acr', copyIndex())]", copy={"name": "c", "count": 799})
    ok = _template(tmp_path / "ok.json", [copies, _registry("one")])
    assert len(read_template(ok, tmp_path)) == 800
    over = _template(tmp_path / "over.json", [copies, _registry("one"), _registry("two")])
    with pytest.raises(InputError, match="more than 800 resources"):
        read_template(over, tmp_path)


def test_expression_of_24576_characters_is_read_one_more_is_refused() -> None:
    filler = "a" * (budget.EXPRESSION_CHARS - len("[concat('', '')]"))
    assert _value(f"[concat('{filler}', '')]") == filler
    with pytest.raises(BudgetExceeded, match="24577 characters, over Azure's limit of 24576"):
        _value(f"[concat('{filler}a', '')]")


# --------------------------------------------------------------------------- ARM: our bounds, room for real templates


def test_expression_nesting_64_is_evaluated_65_is_refused() -> None:
    assert _value("[" + "not(" * 63 + "true()" + ")" * 63 + "]") is False
    with pytest.raises(BudgetExceeded, match="more than 64 levels deep"):
        _value("[" + "not(" * 64 + "true()" + ")" * 64 + "]")


def test_string_functions_build_up_to_the_limit_and_refuse_past_it() -> None:
    limit = budget.STRING_CHARS
    assert len(_value(f"[padLeft('a', {limit})]")) == limit
    assert len(_value(f"[format('{{0,{limit - 1}}}', 1)]")) == limit - 1
    for expression in (
        f"[padLeft('a', {limit + 1})]",
        f"[format('{{0,-{limit}}}x', 1)]",
        f"[format('{{0:D{limit + 1}}}', 1)]",
        f"[replace(padLeft('', 1000, 'a'), 'a', padLeft('', {limit // 1000 + 1}, 'b'))]",
        f"[concat(padLeft('', {limit}, 'a'), 'b')]",
        f"[join(createArray('a', 'b', 'c'), padLeft('', {limit // 2}, '-'))]",
    ):
        with pytest.raises(BudgetExceeded, match=f"over the limit of {limit}"):
            _value(expression)


def test_lists_are_bounded_before_they_are_built() -> None:
    assert len(_value(f"[range(0, {budget.LIST_ITEMS})]")) == budget.LIST_ITEMS
    with pytest.raises(BudgetExceeded, match=f"range\\(\\) would build {budget.LIST_ITEMS + 1} items"):
        _value(f"[range(0, {budget.LIST_ITEMS + 1})]")


def test_integers_stay_within_64_bits() -> None:
    assert _value("[add(9223372036854775806, 1)]") == budget.INTEGER_MAX
    assert _value("[sub(-9223372036854775807, 1)]") == budget.INTEGER_MIN
    for expression in ("[add(9223372036854775807, 1)]", "[mul(4294967296, 4294967296)]", "[int('1" + "0" * 30 + "')]"):
        with pytest.raises(BudgetExceeded, match="outside the 64-bit range"):
            _value(expression)


def test_json_function_refuses_deep_values() -> None:
    assert _value("[json('" + "[" * 100 + "]" * 100 + "')]") is not None
    with pytest.raises(BudgetExceeded, match="nested more than 128 levels"):
        _value("[json('" + "[" * 200 + "]" * 200 + "')]")


def test_variable_chains_are_bounded(tmp_path: Path) -> None:
    variables = {f"v{i}": f"[variables('v{i + 1}')]" for i in range(32)}
    ok = _template(tmp_path / "ok.json", [_registry("[variables('v1')]")], variables={**variables, "v32": "acr"})
    assert read_template(ok, tmp_path)[0].row["name"] == "acr"
    over = _template(tmp_path / "over.json", [_registry("[variables('v0')]")], variables={**variables, "v32": "acr"})
    with pytest.raises(InputError, match="refer to one another more than 32 deep"):
        read_template(over, tmp_path)


def test_doubled_arrays_are_refused_after_reading_at_most_the_value_limit(tmp_path: Path) -> None:
    variables = {f"d{i}": f"[createArray(variables('d{i - 1}'), variables('d{i - 1}'))]" for i in range(1, 25)}
    variables["d0"] = "x" * 100  # d24 stands for 2**24 copies of it: 1.6 GB as JSON, a few KB in memory
    path = _template(
        tmp_path / "main.json", [_registry("acr", tags={"t": "[string(variables('d24'))]"})], **{"variables": variables}
    )
    with pytest.raises(InputError, match="reads a value of more than 4194304 characters"):
        read_template(path, tmp_path)


# --------------------------------------------------------------------------- ARM: linked templates


def test_linked_template_through_a_symlink_inside_the_tree_is_read(tmp_path: Path) -> None:
    _template(tmp_path / "modules" / "acr.json", [_registry("linked")])
    (tmp_path / "alias.json").symlink_to(tmp_path / "modules" / "acr.json")
    main = _template(tmp_path / "infra" / "main.json", [_link("a", "../alias.json"), _link("b", "../modules/acr.json")])
    assert [r.row["name"] for r in read_template(main, tmp_path)] == ["linked", "linked"]


def test_linked_template_outside_the_tree_is_refused(tmp_path: Path) -> None:
    _template(tmp_path / "outside" / "acr.json", [_registry("linked")])
    main = _template(tmp_path / "repo" / "main.json", [_link("a", "../outside/acr.json")])
    with pytest.raises(InputError, match=r"linked template \.\./outside/acr\.json is outside the scanned folders"):
        read_template(main, tmp_path / "repo")


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_linked_template_must_be_a_regular_file(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "module.bin"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    main = _template(tmp_path / "main.json", [_link("m", "/dev/null" if kind == "device" else "module.bin")])
    trees = [Path("/dev")] if kind == "device" else []
    shown = {"fifo": "a FIFO", "directory": "a directory", "device": "a device"}[kind]
    with pytest.raises(InputError, match=f"the template is {shown}, not a regular file"):
        read_template(main, tmp_path, trees=trees)


def test_link_cycle_is_named(tmp_path: Path) -> None:
    _template(tmp_path / "a.json", [_registry("a"), _link("to-b", "b.json")])
    _template(tmp_path / "b.json", [_link("to-c", "c.json")])
    _template(tmp_path / "c.json", [_link("to-a", "a.json")])
    root = _template(tmp_path / "root.json", [_link("to-a", "a.json")])
    with pytest.raises(
        InputError, match=r"c\.json: linked templates form a cycle: a\.json -> b\.json -> c\.json -> a\.json"
    ):
        read_template(root, tmp_path)


def test_templates_that_only_link_one_another_are_reported_not_skipped(tmp_path: Path) -> None:
    _template(tmp_path / "a.json", [_registry("a"), _link("to-b", "b.json")])
    _template(tmp_path / "b.json", [_link("to-a", "a.json")])
    with pytest.raises(InputError, match="linked templates form a cycle"):
        read_resources(discover([tmp_path]), tmp_path)


def test_a_template_deployed_many_times_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _template(tmp_path / "acr.json", [_registry("[concat('acr', parameters('i'))]")], parameters={"i": {"type": "int"}})
    deployment = _link("[concat('d', copyIndex())]", "acr.json")
    deployment["copy"] = {"name": "d", "count": 50}
    deployment["properties"]["parameters"] = {"i": {"value": "[copyIndex()]"}}
    main = _template(tmp_path / "main.json", [deployment])
    reads: list[Path] = []
    original = budget.read_bounded
    monkeypatch.setattr(budget, "read_bounded", lambda path, *a: reads.append(path) or original(path, *a))
    assert len(read_template(main, tmp_path)) == 50
    assert [path.name for path in reads] == ["main.json", "acr.json"]


# --------------------------------------------------------------------------- the scan's cumulative budgets


def test_resources_per_scan_are_counted_across_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "SCAN_RESOURCES", 5)
    for name in ("a", "b", "c"):
        _template(tmp_path / f"{name}.json", [_registry(f"{name}1"), _registry(f"{name}2")])
    with pytest.raises(InputError, match=r"c\.json:\d+: more than 5 resource instances in one scan"):
        read_resources(discover([tmp_path]), tmp_path)


def test_value_size_per_scan_is_counted_across_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "SCAN_VALUE_SIZE", 3000)
    for name in ("a", "b", "c", "d"):
        _template(tmp_path / f"{name}.json", [_registry(name, tags={"pad": "[padLeft('', 900, 'x')]"})])
    meter = Meter()
    with pytest.raises(InputError, match="the values this scan builds would exceed 3000 characters"):
        read_resources(discover([tmp_path]), tmp_path, meter=meter)
    assert 0 < meter.size - 3000 < 1000  # refused as soon as the budget was passed


# --------------------------------------------------------------------------- Terraform


def _module(folder: Path, body: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(
        f'{extra}resource "azurerm_container_registry" "acr" {{\n{body}  resource_group_name = "rg"\n'
        '  location = "eastus"\n  sku = "Premium"\n}\n'
    )
    return folder


def test_tf_count_and_for_each_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "TERRAFORM_INSTANCES", 3)
    ok = _module(tmp_path / "ok", '  count = 3\n  name = "acr${count.index}"\n')
    assert len(read_tf([ok], tmp_path)) == 3
    over = _module(tmp_path / "over", '  count = 4\n  name = "acr${count.index}"\n')
    with pytest.raises(InputError, match=r"over/main\.tf:2: azurerm_container_registry\.acr: count = 4 is over"):
        read_tf([over], tmp_path)
    each = _module(tmp_path / "each", '  for_each = toset(["a", "b", "c", "d"])\n  name = each.key\n')
    with pytest.raises(InputError, match="for_each has 4 elements, over the limit of 3"):
        read_tf([each], tmp_path)


def test_tf_string_and_integer_limits(tmp_path: Path) -> None:
    cases = {
        "format": ('format("%2000000d", 1)', r"format\(\) would build a string of at least 2000000"),
        "join": (f'join(format("%{budget.STRING_CHARS}s", "x"), ["a", "b"])', r"join\(\) would build a string of"),
        "replace": ('replace(format("%1000s", ""), " ", format("%2000s", ""))', r"replace\(\) would build a string"),
        "integer": ("9223372036854775807 + 1", "outside the 64-bit range"),
        "float": ('tonumber("1e300") > 1 ? "a" : "b"', None),
    }
    for name, (expression, message) in cases.items():
        folder = _module(tmp_path / name, f"  name = {expression}\n")
        if message is None:
            assert read_tf([folder], tmp_path)[0].row["name"] == "a"
        else:
            with pytest.raises(InputError, match=message):
                read_tf([folder], tmp_path)


def test_tf_shared_values_count_once_per_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "VALUE_SIZE", 50_000)
    doubling = "".join(f"  l{i} = [local.l{i - 1}, local.l{i - 1}]\n" for i in range(1, 30))
    folder = _module(
        tmp_path / "m",
        '  name = "acr"\n  tags = { t = jsonencode(local.l29) }\n',
        (f'locals {{\n  l0 = "{"x" * 100}"\n{doubling}}}\n'),
    )
    with pytest.raises(InputError, match="reads a value of more than 50000 characters as JSON"):
        read_tf([folder], tmp_path)


def test_tf_values_nested_through_cached_locals_are_refused(tmp_path: Path) -> None:
    chain = "".join(f"  l{i} = [local.l{i - 1}]\n" for i in range(1, 200))
    uses = "".join(f"  t{i} = local.l{i}\n" for i in range(0, 200, 20))  # each step cached before the next
    folder = _module(
        tmp_path / "m", f'  name = "acr"\n  tags = {{\n{uses}  }}\n', f'locals {{\n  l0 = "x"\n{chain}}}\n'
    )
    with pytest.raises(InputError, match="nests lists and maps more than 128 levels deep"):
        read_tf([folder], tmp_path)


def test_tf_file_must_be_regular(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    os.mkfifo(folder / "main.tf")
    with pytest.raises(InputError, match=r"main\.tf: file is a FIFO, not a regular file"):
        read_tf([folder / "main.tf"], tmp_path)


# --------------------------------------------------------------------------- plans and discovery


def test_plan_after_unknown_must_be_an_object(tmp_path: Path) -> None:
    change = {"actions": ["create"], "after": {"name": "acr"}, "after_unknown": [True]}
    entry = {"address": "azurerm_container_registry.acr", "type": "azurerm_container_registry", "change": change}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": [entry]}, indent=1))
    with pytest.raises(InputError, match=r"plan\.json:\d+:1: azurerm_container_registry\.acr: change\.after_unknown"):
        read_plan(path, tmp_path)


def test_plan_shape_mismatch_below_the_top_is_unknown(tmp_path: Path) -> None:
    after = {"name": "acr", "resource_group_name": "rg", "location": "eastus", "sku": "Premium", "tags": {"a": "b"}}
    change = {"actions": ["create"], "after": after, "after_unknown": {"tags": [True]}}
    entry = {"address": "azurerm_container_registry.acr", "type": "azurerm_container_registry", "change": change}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": [entry]}))
    [registry] = read_plan(path, tmp_path)
    assert "does not match the planned value's shape" in str(registry.row["tags"])


def test_a_large_unrelated_json_file_in_a_folder_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "PLAN_BYTES", 1000)
    (tmp_path / "data.json").write_text(json.dumps({"rows": ["x" * 100] * 50}))
    _template(tmp_path / "main.json", [_registry("acr")])
    assert [f.path.name for f in discover([tmp_path])] == ["main.json"]
    (tmp_path / "big-plan.json").write_text(json.dumps({"format_version": "1.2", "pad": "x" * 2000}))
    with pytest.raises(InputError, match=r"big-plan\.json: file is \d+ bytes, over the limit of 1000"):
        discover([tmp_path])


def test_a_fifo_in_a_scanned_folder_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    outcome = run_in_process(["scan", "--iac", str(tmp_path), "--format", "json", "-o", str(tmp_path / "o.json")])
    assert outcome.code == 2
    assert "pipe.json: file is a FIFO, not a regular file" in outcome.stderr
