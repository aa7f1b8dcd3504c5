"""Records are declared one way: as ``msgspec.Struct``s, never as dataclasses (docs/decisions/0013).

Making a dataclass class generates and executes the source of its methods, which every
process pays for at import, the pull-request gate included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orjson

from scanner.outputs import json_format, jsonsafe
from scanner.outputs.html_format import evidence_value
from scanner.unknown import Unknown

PACKAGE = Path(__file__).resolve().parent.parent / "scanner"


def _is_dataclass_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target) in ("dataclass", "dataclasses.dataclass")


def test_no_class_in_the_package_is_a_dataclass() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and any(map(_is_dataclass_decorator, node.decorator_list))
    ]
    assert found == []


def test_an_unknown_inside_evidence_is_the_object_of_its_fields_in_every_report() -> None:
    """orjson writes a Struct only through ``default``: the hooks make it what msgspec writes."""
    unknown = Unknown("why")
    assert json_format.dumps([unknown]) == b'[{"reason":"why","live_only":false}]\n'
    assert evidence_value([unknown]) == '[{"reason":"why","live_only":false}]'
    sorted_keys = orjson.dumps({"b": unknown, "a": 1}, default=jsonsafe.struct_object, option=orjson.OPT_SORT_KEYS)
    assert sorted_keys == b'{"a":1,"b":{"reason":"why","live_only":false}}'
    # A wide integer makes orjson fail and jsonsafe write the value again, a Struct as a dict.
    assert evidence_value([unknown, 2**70]) == f'[{{"live_only":false,"reason":"why"}},"{2**70}"]'
