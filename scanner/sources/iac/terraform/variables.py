"""The values of a Terraform module's input variables, from ``.tfvars`` and ``.tfvars.json`` files.

Terraform loads ``terraform.tfvars``, ``terraform.tfvars.json`` and ``*.auto.tfvars[.json]``
with the module, then the variables files named on the command line (``var_files``); a later
file wins. A variable with no value anywhere and no default is unknown (docs/iac-terraform.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.sources.iac.budget import Meter
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.configuration import Configuration
from scanner.sources.iac.terraform.evaluate import Scope
from scanner.sources.iac.terraform.parse import attribute, body_items, parse


def read_var_file(path: Path, rel: str, meter: Meter) -> dict[str, Any]:
    """Variable name → value of one variables file (expressions in it are evaluated)."""
    if path.name.endswith(".json"):
        doc = limits.load_json(limits.read_source(path, rel), rel, "tfvars JSON")
        if not isinstance(doc, dict):
            raise InputError(f"{rel}:1:1: a tfvars JSON file must be an object")
        return doc
    file = parse(path, rel)
    evaluator = Configuration([], {}, meter).evaluator  # a variables file may use no declared names
    values: dict[str, Any] = {}
    for kind, node in body_items(file.tree.children[0]):
        if kind != "attribute":
            raise InputError(f"{rel}:{node.meta.line}:{node.meta.column}: a tfvars file holds only assignments")
        name, expr = attribute(node)
        values[name] = evaluator.eval(expr, Scope(file))
    return values


def auto_var_files(directory: Path) -> list[Path]:
    """The variable files Terraform loads with a module, in its order (later wins)."""
    files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
    found = [f for f in files if f.is_file()]
    autos = sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and (p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json"))
    )
    return found + autos
