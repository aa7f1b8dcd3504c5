"""Message and ``az`` command templates: placeholders filled, everything else kept verbatim."""

from __future__ import annotations

import pytest

from scanner.engine.template import compile_template
from scanner.unknown import Unknown

DOC = {
    "name": "acr1",
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1",
    "sku": {"name": "Premium"},
    "properties": {"policies": {"trustPolicy": {"status": "disabled"}}},
    "tags": [],
    "flag": True,
    "gap": Unknown("not collected"),
    "tricky": "{name} and {0}",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no placeholders, {not one} either}", "no placeholders, {not one} either}"),
        ("{name}", "acr1"),
        ("Registry {name} runs {sku.name}.", "Registry acr1 runs Premium."),
        ("{name}/{sku.name}/{flag}", "acr1/Premium/true"),
        (
            "az acr update -n {name} --set '{\"a\": 1}' # {sku.name} {properties.policies.trustPolicy.status} {tags}",
            "az acr update -n acr1 --set '{\"a\": 1}' # Premium disabled none",
        ),
        ("{gap} {missing} {params.limit} {name}", "unknown <missing> 30 acr1"),
        ("a value is never interpreted: {tricky} {name}", "a value is never interpreted: {name} and {0} acr1"),
    ],
)
def test_render(text: str, expected: str) -> None:
    assert compile_template(text).render(DOC, {"limit": 30}, {}) == expected


def test_bindings_win_over_the_document() -> None:
    template = compile_template("{bad} of {name}")
    assert template.render(DOC, {}, {"bad": ["r1", "r2"]}) == "r1, r2 of acr1"
