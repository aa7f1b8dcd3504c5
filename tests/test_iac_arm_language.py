"""ARM languageVersion 2.0 as Bicep emits it: nullable parameters, user-defined types and functions,
lambdas, safe access, CIDR and date functions, symbolic references, and copy loops of nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.sources.iac.arm.expressions.context import Target
from scanner.sources.iac.arm.expressions.evaluator import evaluate_string
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.expressions.values import Unresolved
from scanner.sources.iac.arm.template import read_template
from scanner.unknown import Unknown

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ACR = "Microsoft.ContainerRegistry/registries"
RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/iac-rg"


def env(template: dict[str, Any] | None = None, **supplied: Any) -> Env:
    return Env(Scope(template or {}, supplied, Target()))


def ev(expression: str, context: Env | None = None) -> Any:
    return evaluate_string(expression, context or env())


def read(tmp_path: Path, doc: dict[str, Any]) -> list[dict[str, Any]]:
    path = tmp_path / "main.json"
    path.write_text(json.dumps({"$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0", **doc}))
    return [r.row for r in read_template(path, tmp_path)]


# --------------------------------------------------------------------------- parameters and types


def test_a_nullable_parameter_without_a_value_is_null() -> None:
    template = {
        "parameters": {
            "rules": {"type": "array", "nullable": True},
            "lock": {"$ref": "#/definitions/lockType"},
            "required": {"type": "string"},
        },
        "definitions": {"lockType": {"type": "object", "nullable": True}},
    }
    e = env(template)
    assert ev("[parameters('rules')]", e) is None
    assert ev("[coalesce(parameters('rules'), createArray())]", e) == []
    assert ev("[empty(parameters('lock'))]", e) is True  # nullable through its definition
    missing = ev("[parameters('required')]", e)
    assert isinstance(missing, Unresolved) and "has no value" in missing.reason


def test_user_defined_types_give_their_property_defaults() -> None:
    template = {
        "parameters": {
            "cfg": {"$ref": "#/definitions/cfg"},
            "list": {"type": "array", "items": {"$ref": "#/definitions/cfg"}},
        },
        "definitions": {
            "cfg": {
                "type": "object",
                "properties": {
                    "mode": {"type": "string", "defaultValue": "strict"},
                    "note": {"type": "string", "nullable": True},
                },
            }
        },
    }
    e = env(template, cfg={"other": 1}, list=[{"mode": "loose"}, {}])
    assert ev("[parameters('cfg')]", e) == {"other": 1, "mode": "strict"}
    assert ev("[parameters('list')]", e) == [{"mode": "loose"}, {"mode": "strict"}]
    assert ev("[tryGet(parameters('cfg'), 'note')]", e) is None


def test_ref_cycles_stop() -> None:
    template = {
        "parameters": {"p": {"$ref": "#/definitions/a"}},
        "definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}},
    }
    assert isinstance(ev("[parameters('p')]", env(template)), Unresolved)


# --------------------------------------------------------------------------- safe access and objects


def test_try_get_try_index_and_index_from_end() -> None:
    e = env({"variables": {"o": {"A": {"b": [1, 2, 3]}}}})
    assert ev("[tryGet(variables('o'), 'a', 'b', 1)]", e) == 2
    assert ev("[tryGet(variables('o'), 'missing', 'b')]", e) is None
    assert ev("[tryGet(null(), 'x')]", e) is None
    assert ev("[tryIndex(createArray(1, 2), 5)]") is None
    assert ev("[tryIndex(createArray(1, 2), 1)]") == 2
    assert ev("[indexFromEnd(createArray(1, 2, 3), 1)]") == 3
    assert isinstance(ev("[indexFromEnd(createArray(1), 2)]"), Unresolved)
    assert ev("[tryIndexFromEnd(createArray(1), 2)]") is None
    pending = ev("[tryGet(parameters('p'), 'x')]", env({"parameters": {"p": {"type": "object"}}}))
    assert isinstance(pending, Unresolved) and "has no value" in pending.reason


def test_object_keys_and_shallow_merge() -> None:
    assert ev("[objectKeys(createObject('b', 1, 'a', 2))]") == ["b", "a"]
    merged = ev(
        "[shallowMerge(createArray(createObject('a', createObject('x', 1)), "
        "createObject('a', createObject('y', 2), 'b', 3)))]"
    )
    assert merged == {"a": {"y": 2}, "b": 3}  # shallow: the later object replaces the whole value


# --------------------------------------------------------------------------- lambdas


def test_lambda_functions() -> None:
    assert ev("[filter(range(0, 6), lambda('i', equals(mod(lambdaVariables('i'), 2), 0)))]") == [0, 2, 4]
    assert ev(
        "[map(createArray('a', 'b'), lambda('x', 'i', format('{0}{1}', lambdaVariables('x'), lambdaVariables('i'))))]"
    ) == ["a0", "b1"]
    assert (
        ev("[reduce(range(1, 4), 10, lambda('acc', 'n', add(lambdaVariables('acc'), lambdaVariables('n'))))]") == 20
    )  # range(start, count): 1..4
    assert ev("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]") == [
        1,
        2,
        3,
    ]
    people = (
        "createArray(createObject('n', 'ann', 'team', 'x'), createObject('n', 'bob', 'team', 'y'), "
        "createObject('n', 'cy', 'team', 'x'))"
    )
    assert ev(f"[toObject({people}, lambda('p', lambdaVariables('p').n), lambda('p', lambdaVariables('p').team))]") == {
        "ann": "x",
        "bob": "y",
        "cy": "x",
    }
    grouped = ev(f"[groupBy({people}, lambda('p', lambdaVariables('p').team))]")
    assert {k: [p["n"] for p in v] for k, v in grouped.items()} == {"x": ["ann", "cy"], "y": ["bob"]}
    assert ev("[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]") == {
        "a": 10,
        "b": 20,
    }
    inner = "map(range(0, 2), lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))"
    nested = f"[map(range(0, 2), lambda('x', {inner}))]"
    assert ev(nested) == [[0, 1], [1, 2]]


def test_lambdas_over_unresolved_values_are_unresolved() -> None:
    e = env({"parameters": {"ids": {"type": "array"}}})
    assert isinstance(ev("[map(parameters('ids'), lambda('x', lambdaVariables('x')))]", e), Unresolved)
    bad = ev("[filter(range(0, 2), lambda('x', 'not a bool'))]")
    assert isinstance(bad, Unresolved) and "not a bool" in bad.reason
    assert isinstance(ev("[lambda('x', lambdaVariables('x'))]"), Unresolved)
    assert isinstance(ev("[lambdaVariables('nowhere')]"), Unresolved)


# --------------------------------------------------------------------------- user-defined functions


FUNCTIONS = [
    {
        "namespace": "__bicep",
        "members": {
            "prefixed": {
                "parameters": [{"type": "string", "name": "name"}],
                "output": {"type": "string", "value": "[format('acr{0}', parameters('name'))]"},
            },
            "twice": {
                "parameters": [{"type": "string", "name": "name"}],
                "output": {
                    "type": "string",
                    "value": "[concat(__bicep.prefixed(parameters('name')), parameters('name'))]",
                },
            },
            "forever": {
                "parameters": [{"type": "int", "name": "n"}],
                "output": {"type": "int", "value": "[__bicep.forever(parameters('n'))]"},
            },
            "peek": {"parameters": [], "output": {"type": "string", "value": "[variables('v')]"}},
        },
    }
]


def test_user_defined_functions() -> None:
    e = env({"functions": FUNCTIONS, "variables": {"v": "x"}, "parameters": {"p": {"type": "string"}}})
    assert ev("[__bicep.prefixed('prod')]", e) == "acrprod"
    assert ev("[__bicep.twice('x')]", e) == "acrxx"
    assert isinstance(ev("[__bicep.peek()]", e), Unresolved)  # a body sees only its own parameters
    assert isinstance(ev("[__bicep.missing()]", e), Unresolved)
    assert isinstance(ev("[__bicep.prefixed('a', 'b')]", e), Unresolved)
    pending = ev("[__bicep.prefixed(parameters('p'))]", e)
    assert isinstance(pending, Unresolved) and pending.placeholder == "acr<p>"


def test_a_recursive_user_function_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="call one another more than"):
        read(
            tmp_path,
            {"functions": FUNCTIONS, "resources": {"r": {"type": ACR, "name": "[string(__bicep.forever(1))]"}}},
        )


# --------------------------------------------------------------------------- CIDR and dates


def test_cidr_functions_match_the_documented_examples() -> None:
    assert ev("[parseCidr('10.144.0.0/20')]") == {
        "network": "10.144.0.0",
        "netmask": "255.255.240.0",
        "broadcast": "10.144.15.255",
        "firstUsable": "10.144.0.1",
        "lastUsable": "10.144.15.254",
        "cidr": 20,
    }
    assert ev("[parseCidr('fdad:3236:5555::/48')]") == {
        "network": "fdad:3236:5555::",
        "netmask": "ffff:ffff:ffff::",
        "firstUsable": "fdad:3236:5555::",
        "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff",
        "cidr": 48,
    }
    assert ev("[cidrSubnet('10.144.0.0/20', 24, 4)]") == "10.144.4.0/24"
    assert ev("[cidrSubnet('fdad:3236:5555::/48', 52, 1)]") == "fdad:3236:5555:1000::/52"
    assert ev("[cidrHost('10.144.3.0/24', 0)]") == "10.144.3.1"
    assert ev("[cidrHost('fdad:3236:5555:3000::/52', 4)]") == "fdad:3236:5555:3000::5"
    assert isinstance(ev("[cidrSubnet('10.0.0.0/24', 16, 0)]"), Unresolved)
    assert isinstance(ev("[cidrHost('10.0.0.0/30', 2)]"), Unresolved)


def test_date_and_data_functions() -> None:
    assert ev("[dateTimeAdd('2020-04-07T14:53:14Z', 'P3Y')]") == "2023-04-07T14:53:14Z"
    assert ev("[dateTimeAdd('2020-01-31T00:00:00Z', 'P1M')]") == "2020-02-29T00:00:00Z"
    assert ev("[dateTimeAdd('2020-04-07T14:53:14Z', '-PT1H')]") == "2020-04-07T13:53:14Z"
    assert ev("[dateTimeFromEpoch(1683040573)]") == "2023-05-02T15:16:13Z"
    assert ev("[dateTimeToEpoch('2023-05-02T15:16:13Z')]") == 1683040573
    assert isinstance(ev("[dateTimeAdd(utcNow(), 'P1D')]"), Unresolved)
    assert ev("[dataUriToString(dataUri('Hello'))]") == "Hello"
    assert ev("[base64ToJson(base64('{\"a\": 1}'))]") == {"a": 1}
    assert ev("[float('1.5')]") == 1.5


# --------------------------------------------------------------------------- symbolic resources


def test_reference_and_resource_info_of_symbols(tmp_path: Path) -> None:
    doc = {
        "resources": {
            "identity": {
                "existing": True,
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                "apiVersion": "2023-01-31",
                "name": "id1",
            },
            "logs": {
                "type": "Microsoft.OperationalInsights/workspaces",
                "apiVersion": "2022-10-01",
                "name": "law",
                "properties": {"retentionInDays": 30, "sku": "[parameters('missing')]"},
            },
            "acr": {
                "type": ACR,
                "apiVersion": "2023-07-01",
                "name": "acr1",
                "sku": {"name": "Premium"},
                "properties": {
                    "adminUserEnabled": "[equals(reference('logs').retentionInDays, 30)]",
                    "dataEndpointEnabled": "[empty(reference('logs').customerId)]",
                    "zoneRedundancy": "[reference('identity').clientId]",
                    "policies": {"exportPolicy": {"status": "[resourceInfo('logs').id]"}},
                    "networkRuleSet": "[reference('logs')]",
                },
                "dependsOn": ["logs", "identity"],
            },
        }
    }
    [row] = [r for r in read(tmp_path, doc) if r["type"] == ACR]
    props = row["properties"]
    assert props["adminUserEnabled"] is True  # declared in the template: known
    assert isinstance(props["dataEndpointEnabled"], Unknown)  # not declared: Azure's, after deployment
    assert "only known after deployment" in props["dataEndpointEnabled"].reason
    assert (
        isinstance(props["zoneRedundancy"], Unknown)
        and "existing resource 'identity'" in props["zoneRedundancy"].reason
    )
    whole = props["networkRuleSet"]  # a whole reference(): the declared properties, unknowns as Unknown
    assert whole["retentionInDays"] == 30 and isinstance(whole["sku"], Unknown)
    assert props["policies"]["exportPolicy"]["status"] == f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law"


# --------------------------------------------------------------------------- copy loops and unsupported functions


def test_a_copy_over_nothing_deploys_nothing_and_an_unresolved_one_keeps_a_representative(tmp_path: Path) -> None:
    doc = {
        "parameters": {"extra": {"type": "array", "nullable": True}, "given": {"type": "array"}},
        "resources": {
            "main": {"type": ACR, "name": "main", "sku": {"name": "Basic"}},
            "none": {
                "copy": {"name": "none", "count": "[length(coalesce(parameters('extra'), createArray()))]"},
                "type": ACR,
                "name": "[coalesce(parameters('extra'), createArray())[copyIndex()]]",
                "sku": {"name": "Basic"},
            },
            "unknown": {
                "copy": {"name": "unknown", "count": "[length(parameters('given'))]"},
                "type": ACR,
                "name": "[parameters('given')[copyIndex()]]",
                "sku": {"name": "Basic"},
            },
        },
    }
    assert [r["name"] for r in read(tmp_path, doc)] == ["main", "<parameters('given')[copyIndex()]>"]


def test_an_unsupported_function_makes_only_the_values_using_it_unknown(tmp_path: Path) -> None:
    doc = {
        "resources": {
            "acr": {
                "type": ACR,
                "name": "acr1",
                "sku": {"name": "Premium"},
                "properties": {
                    "adminUserEnabled": "[equals(tryGet(createObject('a', true()), 'a'), true())]",
                    "publicNetworkAccess": "[if(noSuchFunction(), 'Enabled', 'Disabled')]",
                    "anonymousPullEnabled": "[listKeys('x', '2020-01-01').enabled]",
                    "dataEndpointEnabled": "[empty(newGuid())]",
                },
            }
        }
    }
    [row] = read(tmp_path, doc)
    props = row["properties"]
    assert props["adminUserEnabled"] is True
    assert "noSuchFunction() is not supported" in props["publicNetworkAccess"].reason.replace(
        "nosuchfunction()", "noSuchFunction()"
    )
    assert "only known after deployment" in props["anonymousPullEnabled"].reason
    assert "only known after deployment" in props["dataEndpointEnabled"].reason
    assert row["sku"] == {"name": "Premium"}


# --------------------------------------------------------------------------- hostile input stays bounded


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "[string(map(range(0, 100000), lambda('x', map(range(0, 100000), lambda('y', lambdaVariables('y'))))))]",
            "more than 100000 lambda evaluations",
        ),
        (
            "[string(sort(range(0, 100000), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b')))))]",
            "sort() of 100000 items",
        ),
        (
            "[string(reduce(range(0, 100000), createArray(1), "
            "lambda('a', 'x', concat(lambdaVariables('a'), lambdaVariables('a')))))]",
            "over the limit of 100000",
        ),
        (
            "[string(reduce(range(0, 5000), createArray(), "
            "lambda('a', 'x', union(lambdaVariables('a'), createArray(lambdaVariables('x'))))))]",
            "the values this scan builds would exceed",
        ),
    ],
)
def test_lambdas_that_would_run_away_are_input_errors(tmp_path: Path, expression: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        read(tmp_path, {"resources": {"r": {"type": ACR, "name": expression, "sku": {"name": "Basic"}}}})


def test_union_of_large_arrays_keeps_the_first_of_equal_items() -> None:
    assert len(ev("[union(range(0, 60000), range(30000, 60000))]")) == 90000  # range(start, count)
    assert ev(
        "[union(createArray(1, true(), 'a', null()), createArray(1, 'a', createObject('k', 1)), "
        "createArray(createObject('k', 1)))]"
    ) == [1, True, "a", None, {"k": 1}]
