"""Property-based hostile input for the IaC readers (issue 11): ARM templates, Terraform plans, ``.tf`` source.

Each test takes valid fixtures and mutates them the way an attacker or a broken generator would:
values swapped for huge or negative numbers, deep nests, wrong types, long strings, random
template expressions (ARM) or HCL expressions (Terraform), truncation. Whatever comes out, the CLI
(run in-process, :func:`tests.hostile.run_in_process`) must keep the contract: exit 0, 1, 2 or 3,
one line on stderr when it fails, no traceback, no "internal error", a report only when it did not
fail, within the time bound. The example budget is fixed and derandomized, so the suite is fast and
reproducible; a failure prints the mutated document that broke it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.sources.iac.arm.expressions.registry import FUNCTIONS, LAZY
from tests.hostile import assert_contract, run_in_process

ROOT = Path(__file__).resolve().parent.parent
IAC = ROOT / "fixtures" / "iac"
ARM_FIXTURES = [
    IAC / "arm" / "nested.json",
    IAC / "arm" / "private-link.json",
    IAC / "arm" / "defender-cache.json",
    IAC / "equivalence" / "arm" / "main.json",
]
PLAN_FIXTURES = [IAC / "equivalence" / "plan.json", IAC / "terraform" / "plans" / "modules.plan.json"]
TF_FIXTURES = [
    IAC / "equivalence" / "terraform" / "main.tf",
    IAC / "terraform" / "features" / "main.tf",
    IAC / "terraform" / "defender-cache" / "main.tf",
]
EXAMPLES = 60  # per reader; the .tf reader runs 40 (its parser is slower)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
DEEP = "__DEEP_{}__"  # replaced after serialization by that many nested arrays (json.dumps would recurse)


# --------------------------------------------------------------------------- hostile values

_NUMBERS = st.sampled_from(
    [0, -1, 800, 801, 10**6, 10**9, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 1e308, -1e308, 1.5, 1e-300]
)
_SCALARS = st.one_of(
    _NUMBERS,
    st.integers(),
    st.booleans(),
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["", "[", "[[", "]", "[]", "[x]", "${", "%{", "\u0000", "\ud7ff", "x" * 5000]),
)


def _deep(depth: int) -> str:
    return DEEP.format(depth)


_VALUES = st.one_of(
    _SCALARS,
    st.integers(min_value=100, max_value=3000).map(_deep),
    st.lists(_SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=8), _SCALARS, max_size=4),
)

_ARM_NAMES = sorted(FUNCTIONS) + sorted(LAZY) + ["reference", "utcnow", "nosuchfunction", "ns.udf"]
_ARM_LITERALS = st.one_of(
    st.sampled_from(["0", "-1", "800", "1000000000", "9223372036854775807", "99999999999999999999", "'a'", "''"]),
    st.sampled_from(["'{0,-99999999}'", "'{0:D99999}'", "'{0}{1}'", "'x'", "'[['"]),
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.text(alphabet="abc{}[]()',.0123456789 ", max_size=12).map(lambda t: "'" + t.replace("'", "''") + "'"),
)
_ARM_EXPRESSION = st.recursive(
    _ARM_LITERALS,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(_ARM_NAMES), st.lists(inner, max_size=3)).map(
            lambda call: f"{call[0]}({', '.join(call[1])})"
        ),
        st.tuples(inner, st.sampled_from([".name", "[0]", "['x']", ".properties.id"])).map("".join),
    ),
    max_leaves=12,
)
_ARM_STRINGS = st.one_of(
    _ARM_EXPRESSION.map(lambda e: f"[{e}]"),
    st.sampled_from(
        [
            "[variables('nosuch')]",
            "[parameters('nosuch')]",
            "[copyIndex()]",
            "[concat(",
            "[" + "not(" * 70 + "true()" + ")" * 70 + "]",
            "[" + "x" * 25_000 + "]",
        ]
    ),
)


# --------------------------------------------------------------------------- mutation of JSON documents


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_paths(value, (*prefix, index)))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict) and head in doc:
        return {**doc, head: _replace(doc[head], rest, value)}
    if isinstance(doc, list) and isinstance(head, int) and head < len(doc):
        return [*doc[:head], _replace(doc[head], rest, value), *doc[head + 1 :]]
    return doc


def _serialize(doc: Any) -> str:
    text = json.dumps(doc, indent=1)
    while "__DEEP_" in text:
        start = text.index('"__DEEP_')
        end = text.index('__"', start) + 3
        depth = int(text[start + 8 : end - 3])
        text = text[:start] + "[" * depth + "]" * depth + text[end:]
    return text


@st.composite
def _mutated_json(draw: st.DrawFn, fixtures: list[Path], values: st.SearchStrategy[Any]) -> str:
    source = draw(st.sampled_from(fixtures))
    doc = json.loads(source.read_text())
    paths = _paths(doc)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        doc = _replace(doc, draw(st.sampled_from(paths)), draw(values))
    text = _serialize(doc)
    if draw(st.integers(min_value=0, max_value=9)) == 0:  # now and then, a truncated document
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    return text


def _contract(target: Path, tmp: Path) -> None:
    report = tmp / "out.json"
    report.unlink(missing_ok=True)
    outcome = run_in_process(["scan", "--iac", str(target), "--format", "json", "-o", str(report), "--quiet"])
    assert_contract(outcome, time_limit=10.0)
    if outcome.code == 2:
        assert not report.exists(), outcome.describe()
        assert outcome.stderr.startswith("acr-scan: error: "), outcome.describe()
    else:
        assert report.exists(), outcome.describe()


# --------------------------------------------------------------------------- the properties


@SETTINGS
@given(document=_mutated_json(ARM_FIXTURES, st.one_of(_VALUES, _ARM_STRINGS, _ARM_STRINGS)))
def test_arm_template_reader_keeps_the_contract(document: str, tmp_path: Path) -> None:
    target = tmp_path / "main.json"
    target.write_text(document)
    _contract(target, tmp_path)


@SETTINGS
@given(document=_mutated_json(PLAN_FIXTURES, _VALUES))
def test_plan_reader_keeps_the_contract(document: str, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_text(document)
    _contract(target, tmp_path)


_HCL_ATOMS = st.sampled_from(
    [
        "1",
        "-1",
        "1e308",
        "10000",
        "9223372036854775807",
        "99999999999999999999",
        '"acr"',
        '""',
        "null",
        "true",
        "[]",
        "{}",
        "var.nosuch",
        "local.nosuch",
        "count.index",
        "each.key",
        "azurerm_container_registry.acr.id",
        "azurerm_container_registry.acr[*].name",
        '"${var.nosuch}"',
        '"%{ if true }x%{ endif }"',
    ]
)
_HCL_FUNCTIONS = [
    "format",
    "range",
    "join",
    "replace",
    "concat",
    "flatten",
    "distinct",
    "jsondecode",
    "jsonencode",
    "merge",
    "lookup",
    "length",
    "element",
    "substr",
    "tostring",
    "tonumber",
    "try",
    "can",
    "keys",
    "zipmap",
    "nosuch",
]
_HCL_EXPRESSION = st.recursive(
    _HCL_ATOMS,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(_HCL_FUNCTIONS), st.lists(inner, max_size=3)).map(
            lambda call: f"{call[0]}({', '.join(call[1])})"
        ),
        st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
        st.tuples(inner, st.sampled_from(["+", "*", "/", "==", "&&", "%"]), inner).map(" ".join),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        inner.map(lambda i: f"[for x in {i} : x]"),
        inner.map(lambda i: f'{{ for k, v in {i} : "${{k}}" => v }}'),
        inner.map(lambda i: f'"pre-${{{i}}}-post"'),
        inner.map(lambda i: f"({i})"),
    ),
    max_leaves=10,
)
_HCL_HOSTILE = st.one_of(
    _HCL_EXPRESSION,
    _HCL_EXPRESSION,
    st.sampled_from(
        [
            'format("%999999999d", 1)',
            "range(1000000000)",
            "(" * 3000 + "1" + ")" * 3000,
            "1" + " + 1" * 3000,
            'jsondecode("' + "[" * 2000 + "]" * 2000 + '")',
            '"' + "x" * 5000 + '"',
            "{",
            '"unterminated',
        ]
    ),
)


@st.composite
def _mutated_tf(draw: st.DrawFn) -> tuple[Path, str]:
    fixture = draw(st.sampled_from(TF_FIXTURES))
    lines = fixture.read_text().splitlines()
    attributes = [i for i, line in enumerate(lines) if "=" in line and not line.strip().startswith(("#", "//"))]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.sampled_from(attributes))
        name = lines[index].split("=", 1)[0].rstrip()
        lines[index] = f"{name} = {draw(_HCL_HOSTILE)}"
    if draw(st.integers(min_value=0, max_value=4)) == 0:  # count or for_each from the hostile grammar
        first = next(i for i, line in enumerate(lines) if line.startswith("resource "))
        meta = draw(st.sampled_from(["count", "for_each"]))
        lines.insert(first + 1, f"  {meta} = {draw(_HCL_HOSTILE)}")
    text = "\n".join(lines) + "\n"
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    return fixture, text


@settings(SETTINGS, max_examples=40)
@given(source=_mutated_tf(), tfvars=st.one_of(st.none(), _HCL_HOSTILE))
def test_tf_reader_keeps_the_contract(source: tuple[Path, str], tfvars: str | None, tmp_path: Path) -> None:
    fixture, text = source
    module = tmp_path / "module"
    module.mkdir(exist_ok=True)
    for stale in module.iterdir():
        stale.unlink()
    for sibling in fixture.parent.iterdir():  # the module's other files (variables, tfvars) as they are
        if sibling.is_file() and sibling.name != fixture.name:
            (module / sibling.name).write_bytes(sibling.read_bytes())
    (module / "main.tf").write_text(text)
    if tfvars is not None:
        (module / "terraform.tfvars").write_text(f"prefix = {tfvars}\n")
    _contract(module, tmp_path)


# --------------------------------------------------------------------------- what these suites found, kept as examples


def test_arm_endpoint_connection_that_is_not_an_object(tmp_path: Path) -> None:
    doc = json.loads((IAC / "arm" / "private-link.json").read_text())
    endpoint = next(r for r in doc["resources"] if r["type"] == "Microsoft.Network/privateEndpoints")
    endpoint["properties"]["privateLinkServiceConnections"] = [7, "x", None]
    target = tmp_path / "main.json"
    target.write_text(json.dumps(doc))
    _contract(target, tmp_path)


def test_plan_configuration_of_the_wrong_shape(tmp_path: Path) -> None:
    doc = json.loads((IAC / "terraform" / "plans" / "modules.plan.json").read_text())
    root = doc["configuration"]["root_module"]
    for call in root.get("module_calls", {}).values():
        call["expressions"] = 1
        call["module"]["resources"] = 2
        call["module"]["outputs"] = [3]
    root["module_calls"] = {**root.get("module_calls", {}), "broken": 4}
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(doc))
    _contract(target, tmp_path)
