"""Hostile IaC (issue 11, defects 3-5): every reproducer ends with exit 2 and one line naming the file and limit.

Each case runs the real CLI (``scan --iac CASE --format json -o OUT``) in a child process capped at
1 GiB, 100 MB of output and 30 s (:func:`tests.hostile.run_contained`), and must end with exit code 2,
exactly one line on stderr that names the file and says what limit was passed, no report and no
temporary file left behind. Small reproducers are files of the seed corpus ``tests/data/hostile/iac``;
large or deep ones are generated here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile import HOSTILE, assert_contract, leftovers, run_contained

CORPUS = HOSTILE / "iac"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
STRING = "over the limit of 1048576"
ITEMS = "over the limit of 100000"
DEEP_JSON = "nest more than 128 levels deep"
DEEP_HCL = "nest more than 160 levels deep"

# Seed corpus: case → what the one error line must say besides the file's name.
EXPECTED: dict[str, tuple[str, ...]] = {
    "arm-format-left-width.json": (":8: format() would build a string of", STRING),
    "arm-format-right-width.json": (":8: format() would build a string of", STRING),
    "arm-format-digits.json": (":14: format() would build a string of 999999999 characters", STRING),
    "arm-copy-count.json": (":5: copy loop 'registries' has a count of 1000000000, over Azure's limit of 800",),
    "arm-property-copy-count.json": (":5: copy loop 'ipRules' has a count of 1000000, over Azure's limit of 800",),
    "arm-copy-of-copies.json": ("more than 20000 resource instances in one scan",),
    "arm-range.json": (":14: range() would build 1000000000 items", ITEMS),
    "arm-padleft.json": (":8: padLeft() would build a string of 1000000000 characters", STRING),
    "arm-concat-doubling.json": ("concat() would build a string of 2097152 characters", STRING),
    "arm-array-doubling.json": ("createArray() reads a value of more than 4194304 characters",),
    "arm-replace.json": (":14: replace() would build a string of 100000000 characters", STRING),
    "arm-variable-chain.json": ("variables and parameters refer to one another more than 32 deep",),
    "arm-bigint-expression.json": (":14: the integer", "has 5000 digits, outside the 64-bit range"),
    "arm-bigint-number.json": (":18:2: invalid JSON: integer value out of range",),
    "arm-int-overflow.json": (":14: mul(9223372036854775807, 2) gives an integer", "outside the 64-bit range"),
    "arm-link-self": ("linked templates form a cycle:", "arm-link-self/main.json -> ", "arm-link-self/main.json"),
    "arm-link-cycle": ("linked templates form a cycle:", "a.json -> ", "b.json -> ", "a.json"),
    "arm-link-devzero.json": ("linked template /dev/zero is outside the scanned folders and the repository",),
    "arm-link-directory.json": ("linked template .: the template is a directory, not a regular file",),
    "arm-link-outside.json": ("etc/passwd is outside the scanned folders and the repository",),
    "plan-after-unknown-list.json": (":9:1: azurerm_container_registry.acr: change.after_unknown is not an object",),
    "plan-bigint.json": (":24:2: invalid JSON: integer value out of range",),
    "tf-count-1e6": ("main.tf:2: azurerm_container_registry.acr: count = 1000000 is over the limit of 10000",),
    "tf-count-1e9": ("main.tf:2: azurerm_container_registry.acr: count = 1000000000 is over the limit of 10000",),
    "tf-count-1e308": ("main.tf:2: azurerm_container_registry.acr: count = 1e+308 is over the limit of 10000",),
    "tf-range": ("main.tf:2: range() would build 1000000000 items", ITEMS),
    "tf-format-width": ("main.tf:2: format() would build a string of at least 1000000000 characters", STRING),
    "tf-doubling-locals": ("main.tf:20: a string template would build a string of 2097152 characters", STRING),
    "tf-for-3000x3000": ("main.tf:3: evaluation takes more than 1000000 steps (the limit)",),
    "tf-for-each-100k": ("main.tf:6: azurerm_container_registry.acr: for_each has 100000 elements", "10000"),
    "tf-locals-chain": ("locals refer to one another more than 32 deep",),
    "tf-bigint": ("main.tf:2: the integer", "has 5000 digits, outside the 64-bit range"),
    "tf-int-overflow": ("main.tf:2: 9223372036854775807 * 9223372036854775807 gives an integer", "64-bit range"),
}


# --------------------------------------------------------------------------- generated (large or deep) cases


def _registry(name: str) -> dict[str, object]:
    return {
        "type": "Microsoft.ContainerRegistry/registries",
        "apiVersion": "2023-07-01",
        "name": name,
        "location": "eastus",
        "sku": {"name": "Premium"},
        "properties": {},
    }


def _template(resources: str) -> str:
    return f'{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [{resources}]}}'


def _link(name: str, relative: str) -> str:
    return json.dumps(
        {
            "type": "Microsoft.Resources/deployments",
            "apiVersion": "2022-09-01",
            "name": name,
            "properties": {"mode": "Incremental", "templateLink": {"relativePath": relative}},
        }
    )


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _arm_expression_depth(folder: Path) -> Path:
    expression = "not(" * 4000 + "true()" + ")" * 4000  # 4,001 levels in 20,006 characters (Azure allows 24,576)
    return _write(folder / "main.json", _template(json.dumps(_registry(f"[{expression}]"))))


def _arm_nested_deployments(folder: Path) -> Path:
    text = _template(json.dumps(_registry("deep")))
    for level in range(500):
        deployment = (
            '{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", '
            f'"name": "d{level}", "properties": {{"mode": "Incremental", "template": {text}}}}}'
        )
        text = _template(deployment)
    return _write(folder / "main.json", text)


def _arm_linked_chain(folder: Path) -> Path:
    for level in range(40):
        _write(folder / f"t{level}.json", _template(_link(f"d{level}", f"t{level + 1}.json")))
    _write(folder / "t40.json", _template(json.dumps(_registry("deep"))))
    return folder


def _arm_deep_json(folder: Path) -> Path:
    deep = "[" * 100_000 + "]" * 100_000
    return _write(
        folder / "main.json", f'{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [], "x": {deep}}}'
    )


def _arm_deep_parameters(folder: Path) -> Path:
    _write(folder / "main.json", _template(json.dumps(_registry("[parameters('name')]"))))
    deep = "[" * 100_000 + "]" * 100_000
    schema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
    _write(folder / "main.parameters.json", f'{{"$schema": "{schema}", "parameters": {{"name": {{"value": {deep}}}}}}}')
    return folder


def _arm_too_many_resources(folder: Path) -> Path:
    return _write(folder / "main.json", _template(", ".join(json.dumps(_registry(f"acr{i}")) for i in range(801))))


def _arm_too_large(folder: Path) -> Path:
    padding = json.dumps({"tags": {"pad": "x" * (5 * 1024 * 1024)}})[1:-1]
    return _write(folder / "main.json", _template(json.dumps(_registry("acr"))[:-1] + ", " + padding + "}"))


def _arm_linked_fifo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    os.mkfifo(folder / "module.bin")
    return _write(folder / "main.json", _template(_link("fifo", "module.bin")))


def _arm_linked_symlink_outside(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "module.txt").symlink_to("/dev/zero")
    return _write(folder / "main.json", _template(_link("zero", "module.txt")))


def _tf(folder: Path, name: str, extra: str = "") -> Path:
    return _write(
        folder / "main.tf",
        f'{extra}resource "azurerm_container_registry" "acr" {{\n  name = {name}\n'
        '  resource_group_name = "rg"\n  location = "eastus"\n  sku = "Premium"\n}\n',
    ).parent


def _tf_parentheses(folder: Path) -> Path:
    return _tf(folder, "(" * 5000 + '"acr"' + ")" * 5000)


def _tf_blocks(folder: Path) -> Path:
    blocks = "network_rule_set {\n" * 3000 + "}\n" * 3000
    return _write(
        folder / "main.tf", f'resource "azurerm_container_registry" "acr" {{\n  name = "acr"\n{blocks}}}\n'
    ).parent


def _tf_operator_chain(folder: Path) -> Path:
    return _tf(folder, '"acr${1' + " + 1" * 5000 + '}"')


def _tf_jsondecode(folder: Path) -> Path:
    return _tf(folder, 'jsondecode("' + "[" * 100_000 + "]" * 100_000 + '") == [] ? "a" : "b"')


def _tf_deep_tfvars(folder: Path) -> Path:
    _write(folder / "terraform.tfvars", "name = " + "[" * 5000 + "]" * 5000 + "\n")
    return _tf(folder, "var.name", 'variable "name" {}\n')


def _tf_deep_tfvars_json(folder: Path) -> Path:
    _write(folder / "terraform.tfvars.json", '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return _tf(folder, "var.name", 'variable "name" {}\n')


def _tf_deep_tf_json(folder: Path) -> Path:
    return _write(folder / "main.tf.json", '{"locals": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}").parent


def _tf_too_large(folder: Path) -> Path:
    return _tf(folder, '"acr"', "# " + "x" * (2 * 1024 * 1024) + "\n")


def _plan_deep(folder: Path) -> Path:
    deep = "[" * 100_000 + "]" * 100_000
    return _write(folder / "plan.json", f'{{"format_version": "1.2", "resource_changes": [], "x": {deep}}}')


def _plan_deep_after(folder: Path) -> Path:
    change = {
        "address": "azurerm_container_registry.acr",
        "mode": "managed",
        "type": "azurerm_container_registry",
        "name": "acr",
        "change": {"actions": ["create"], "after": {"name": "acr", "tags": "DEEP"}, "after_unknown": {}},
    }
    text = json.dumps({"format_version": "1.2", "resource_changes": [change]})
    return _write(folder / "plan.json", text.replace('"DEEP"', "[" * 900 + "]" * 900))


def _plan_too_large(folder: Path) -> Path:
    path = _write(folder / "plan.json", '{"format_version": "1.2", "resource_changes": []}')
    os.truncate(path, 33 * 1024 * 1024)  # a sparse file: its size is refused before a byte is read
    return path


GENERATED: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "arm-expression-4000-deep": (_arm_expression_depth, ("nests calls, properties and indexes more than 64",)),
    "arm-nested-deployments-500": (_arm_nested_deployments, (DEEP_JSON,)),
    "arm-linked-chain-40": (_arm_linked_chain, ("t32.json:1: deployments nest more than 32 levels deep",)),
    "arm-deep-json": (_arm_deep_json, (DEEP_JSON,)),
    "arm-deep-parameters": (_arm_deep_parameters, ("main.parameters.json", DEEP_JSON)),
    "arm-801-resources": (_arm_too_many_resources, ("more than 800 resources (copies included), over Azure's limit",)),
    "arm-5mb-template": (_arm_too_large, ("over Azure's limit of 4194304",)),
    "arm-linked-fifo": (_arm_linked_fifo, ("linked template module.bin: the template is a FIFO, not a regular file",)),
    "arm-linked-symlink-outside": (_arm_linked_symlink_outside, ("module.txt is outside the scanned folders",)),
    "tf-parentheses-5000": (_tf_parentheses, ("main.tf:2:", DEEP_HCL)),
    "tf-blocks-3000": (_tf_blocks, ("main.tf:", DEEP_HCL)),
    "tf-operator-chain-5000": (_tf_operator_chain, ("main.tf:2:", DEEP_HCL)),
    "tf-jsondecode-deep": (_tf_jsondecode, ("main.tf:2: jsondecode() reads arrays and objects nested more than 128",)),
    "tf-deep-tfvars": (_tf_deep_tfvars, ("terraform.tfvars:1:", DEEP_HCL)),
    "tf-deep-tfvars-json": (_tf_deep_tfvars_json, ("terraform.tfvars.json", DEEP_JSON)),
    "tf-deep-tf-json": (_tf_deep_tf_json, ("main.tf.json", DEEP_JSON)),
    "tf-2mb-file": (_tf_too_large, ("main.tf", "over the limit of 1048576")),
    "plan-deep": (_plan_deep, (DEEP_JSON,)),
    "plan-deep-after": (_plan_deep_after, ("plan.json:1:", DEEP_JSON)),
    "plan-33mb": (_plan_too_large, ("plan.json", "over the limit of 33554432")),
}


# --------------------------------------------------------------------------- the contract


def _scan_refused(target: Path, needles: tuple[str, ...], tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    report = out_dir / "out.json"
    outcome = run_contained(["scan", "--iac", str(target), "--format", "json", "-o", str(report)])
    assert outcome.code == 2, outcome.describe()
    assert_contract(outcome, allowed=frozenset({2}), needles=("acr-scan: error: ", target.name, *needles))
    assert not report.exists()
    assert leftovers(out_dir) == []


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_seed_corpus_is_refused_with_one_line(case: str, tmp_path: Path) -> None:
    _scan_refused(CORPUS / case, EXPECTED[case], tmp_path)


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_case_is_refused_with_one_line(case: str, tmp_path: Path) -> None:
    make, needles = GENERATED[case]
    _scan_refused(make(tmp_path / "in" / case), needles, tmp_path)
