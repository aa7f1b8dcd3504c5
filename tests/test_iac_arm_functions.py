"""The ARM expression language: parser, every function the IaC reader supports, unresolved values."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.sources.iac.arm.expressions import lambdas, logic
from scanner.sources.iac.arm.expressions.context import Family, Target
from scanner.sources.iac.arm.expressions.evaluator import evaluate_string, evaluate_value
from scanner.sources.iac.arm.expressions.hashing import arm_guid, unique_string
from scanner.sources.iac.arm.expressions.parser import ExpressionError, is_expression, parse
from scanner.sources.iac.arm.expressions.registry import FAMILIES, FUNCTIONS, LAZY
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.expressions.values import Unresolved

SUB = "00000000-0000-0000-0000-000000000000"
RG_ID = f"/subscriptions/{SUB}/resourceGroups/iac-rg"


def env(parameters: dict[str, Any] | None = None, variables: dict[str, Any] | None = None, **supplied: Any) -> Env:
    template: dict[str, Any] = {"parameters": parameters or {}, "variables": variables or {}}
    return Env(Scope(template, supplied, Target()))


def ev(expression: str, context: Env | None = None) -> Any:
    return evaluate_string(expression, context or env())


# --------------------------------------------------------------------------- grammar


def test_strings_numbers_escapes() -> None:
    assert ev("['it''s']") == "it's"
    assert ev("[add(-2, 5)]") == 3
    assert ev("[[notAnExpression]") == "[notAnExpression]"
    assert ev("plain") == "plain"
    assert ev("[starts but does not end") == "[starts but does not end"
    assert is_expression("[concat('a')]") and not is_expression("[[x]") and not is_expression("x")


def test_property_access_and_indexing() -> None:
    e = env(variables={"obj": {"list": [{"Name": "first"}, {"Name": "second"}], "key": "v"}})
    assert ev("[variables('obj').list[1].name]", e) == "second"  # property names are case-insensitive
    assert ev("[variables('obj')['key']]", e) == "v"
    assert ev("[createArray('a', 'b')[0]]") == "a"
    out = ev("[variables('obj').missing]", e)
    assert isinstance(out, Unresolved) and "no property 'missing'" in out.reason


def test_function_names_are_case_insensitive_and_whitespace_is_allowed() -> None:
    assert ev("[ CONCAT( 'a' , toUpper('b') ) ]") == "aB"


@pytest.mark.parametrize(
    "expression",
    ["[concat('a']", "[concat('a' 'b')]", "[true]", "['unterminated]", "[concat('a'))]", "[.x]"],
)
def test_syntax_errors(expression: str) -> None:
    with pytest.raises(ExpressionError) as err:
        ev(expression)
    assert expression in str(err.value)


def test_parse_is_memoized() -> None:
    assert parse("concat('a', 'b')") is parse("concat('a', 'b')")


# --------------------------------------------------------------------------- parameters and variables


def test_parameters_defaults_supplied_and_missing() -> None:
    e = env(
        {
            "a": {"type": "string", "defaultValue": "[concat('x', parameters('b'))]"},
            "b": {"defaultValue": "y"},
            "c": {},
        },
        c="given",
    )
    assert ev("[parameters('a')]", e) == "xy"
    assert ev("[parameters('C')]", e) == "given"
    missing = ev("[parameters('nope')]", e)
    assert isinstance(missing, Unresolved) and "not declared" in missing.reason
    no_value = ev("[parameters('d')]", env({"d": {"type": "bool"}}))
    assert isinstance(no_value, Unresolved)
    assert no_value.reason == "parameter 'd' has no value (no defaultValue and no parameters file)"
    assert no_value.placeholder == "<d>"


def test_variables_reference_variables_and_parameters() -> None:
    e = env(
        {"env": {"defaultValue": "prod"}},
        {
            "prefix": "[toLower(parameters('env'))]",
            "name": "[concat(variables('prefix'), '-acr')]",
            "obj": {"n": "[variables('name')]"},
        },
    )
    assert ev("[variables('name')]", e) == "prod-acr"
    assert ev("[variables('obj').n]", e) == "prod-acr"


def test_variable_cycles_are_unresolved_not_a_crash() -> None:
    e = env(variables={"a": "[variables('b')]", "b": "[variables('a')]"})
    assert isinstance(ev("[variables('a')]", e), Unresolved)


def test_variable_copy_loops() -> None:
    e = env(variables={"copy": [{"name": "zones", "count": 3, "input": "[concat('zone', copyIndex('zones', 1))]"}]})
    assert ev("[variables('zones')]", e) == ["zone1", "zone2", "zone3"]


def test_property_copy_loops_and_copy_index() -> None:
    value = {
        "copy": [{"name": "rules", "count": 2, "input": {"value": "[format('10.0.{0}.0/24', copyIndex('rules'))]"}}]
    }
    assert evaluate_value(value, env()) == {"rules": [{"value": "10.0.0.0/24"}, {"value": "10.0.1.0/24"}]}
    looped = env().with_copy("outer", 4)
    assert ev("[copyIndex()]", looped) == 4
    assert ev("[copyIndex(10)]", looped) == 14
    assert ev("[copyIndex('OUTER', 1)]", looped) == 5
    assert isinstance(ev("[copyIndex()]"), Unresolved)


# --------------------------------------------------------------------------- string functions


def test_concat_format_case() -> None:
    assert ev("[concat('a', 1, true())]") == "a1True"
    assert ev("[concat(createArray(1), createArray(2, 3))]") == [1, 2, 3]
    assert ev("[format('{0}-{1:D3}-{{x}}', 'acr', 7)]") == "acr-007-{x}"
    assert ev("[toLower('AbC')]") == "abc"
    assert ev("[toUpper('AbC')]") == "ABC"
    assert ev("[string(createObject('a', 1))]") == '{"a":1}'
    assert ev("[string(42)]") == "42"
    assert ev("[replace('a-b-c', '-', '')]") == "abc"
    assert ev("[split('a,b;c', createArray(',', ';'))]") == ["a", "b", "c"]
    assert ev("[substring('registry', 0, 3)]") == "reg"
    assert ev("[trim('  x ')]") == "x"
    assert ev("[startsWith('Premium', 'prem')]") is True
    assert ev("[endsWith('Premium', 'IUM')]") is True
    assert ev("[indexOf('abcabc', 'C')]") == 2
    assert ev("[lastIndexOf('abcabc', 'c')]") == 5
    assert ev("[padLeft('7', 3, '0')]") == "007"
    assert ev("[base64ToString(base64('acr'))]") == "acr"


def test_unique_string_matches_published_values() -> None:
    # Reference values of Azure's uniqueString (published with a third-party reimplementation).
    assert unique_string("test") == "rbgf3xv4ufgzg"
    assert unique_string("hello", "world") == "a7wkljktk6wne"
    assert unique_string("abc") == "cgtzqvhu4i23s"
    assert unique_string(f"/subscriptions/{SUB}/resourceGroups/my-rg") == "bmg7c6xu4tw46"
    assert unique_string("foo", "bar", "baz") == "xzi4ioaxtmth4"
    assert ev("[uniqueString('hello', 'world')]") == "a7wkljktk6wne"
    assert len(ev("[uniqueString(resourceGroup().id)]")) == 13


def test_guid_is_a_v5_uuid_in_the_arm_namespace() -> None:
    import uuid

    value = ev("[guid('a', 'b')]")
    assert value == arm_guid("a", "b") == str(uuid.uuid5(uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830"), "a-b"))
    assert uuid.UUID(value).version == 5


# --------------------------------------------------------------------------- logic


def test_if_equals_not_and_or() -> None:
    assert ev("[if(equals(1, 1), 'yes', 'no')]") == "yes"
    assert ev("[if(false(), parameters('missing'), 'no')]") == "no"  # only the branch taken is evaluated
    assert ev("[equals('A', 'a')]") is False  # string comparison is case-sensitive
    assert ev("[equals(1, true())]") is False
    assert ev("[equals(createObject('a', createArray(1)), json('{\"A\": [1]}'))]") is True
    assert ev("[not(true())]") is False
    assert ev("[and(true(), true(), false())]") is False
    assert ev("[or(false(), true())]") is True
    e = env({"p": {"type": "bool"}})
    assert ev("[or(parameters('p'), true())]", e) is True  # three-valued: true wins over unknown
    assert ev("[and(parameters('p'), false())]", e) is False
    assert isinstance(ev("[and(parameters('p'), true())]", e), Unresolved)
    assert ev("[coalesce(null(), 'x')]") == "x"
    assert ev("[greater(2, 1)]") is True and ev("[lessOrEquals('a', 'b')]") is True


def test_conversions() -> None:
    assert ev("[bool('TRUE')]") is True
    assert ev("[bool(0)]") is False
    assert ev("[int('42')]") == 42
    assert ev("[json('{\"a\": [1, 2]}')].a[1]") if False else ev("[json('{\"a\": [1, 2]}').a[1]]") == 2
    assert ev("[json('null')]") is None
    assert ev("[null()]") is None


# --------------------------------------------------------------------------- collections


def test_empty_contains_length_union() -> None:
    assert ev("[empty('')]") is True and ev("[empty(createArray())]") is True and ev("[empty(createObject())]") is True
    assert ev("[empty(createArray(1))]") is False
    assert ev("[contains('registry', 'gist')]") is True
    assert ev("[contains(createArray('a', 'b'), 'b')]") is True
    assert ev("[contains(createObject('Key', 1), 'key')]") is True  # object keys: case-insensitive
    assert ev("[length('abc')]") == 3 and ev("[length(createArray(1, 2))]") == 2
    assert ev("[length(createObject('a', 1))]") == 1
    assert ev(
        "[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]"
    ) == {
        "a": 1,
        "n": {"x": 1, "y": 2},
        "b": 2,
    }
    assert ev("[union(createArray(1, 2), createArray(2, 3))]") == [1, 2, 3]
    assert ev("[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]") == [2, 3]
    assert ev("[createObject('a', 1, 'b', createArray(2))]") == {"a": 1, "b": [2]}
    assert ev("[first(createArray('x', 'y'))]") == "x" and ev("[last('xyz')]") == "z"
    assert ev("[take(createArray(1, 2, 3), 2)]") == [1, 2] and ev("[skip('abc', 1)]") == "bc"
    assert ev("[range(1, 3)]") == [1, 2, 3]
    assert ev("[min(createArray(3, 1, 2))]") == 1 and ev("[max(3, 9)]") == 9
    assert ev("[items(createObject('b', 2, 'a', 1))]") == [{"key": "a", "value": 1}, {"key": "b", "value": 2}]
    assert ev("[array('x')]") == ["x"]
    assert ev("[join(createArray('a', 'b'), '-')]") == "a-b"


def test_arithmetic_truncates_like_arm() -> None:
    assert ev("[div(7, 2)]") == 3 and ev("[div(-7, 2)]") == -3
    assert ev("[mod(7, 3)]") == 1 and ev("[mod(-7, 3)]") == -1
    assert ev("[mul(6, 7)]") == 42 and ev("[sub(1, 3)]") == -2


# --------------------------------------------------------------------------- resource ids and deployment facts


def test_resource_ids() -> None:
    acr = "Microsoft.ContainerRegistry/registries"
    assert ev(f"[resourceId('{acr}', 'acr1')]") == f"{RG_ID}/providers/{acr}/acr1"
    assert ev(f"[resourceId('{acr}/', 'acr1')]") == f"{RG_ID}/providers/{acr}/acr1"  # trailing slash tolerated
    assert (
        ev(f"[resourceId('other-rg', '{acr}', 'acr1')]")
        == f"/subscriptions/{SUB}/resourceGroups/other-rg/providers/{acr}/acr1"
    )
    assert (
        ev(f"[resourceId('sub2', 'rg2', '{acr}/replications', 'acr1', 'westus')]")
        == f"/subscriptions/sub2/resourceGroups/rg2/providers/{acr}/acr1/replications/westus"
    )
    role = "Microsoft.Authorization/roleDefinitions"
    assert ev(f"[subscriptionResourceId('{role}', 'guid1')]") == f"/subscriptions/{SUB}/providers/{role}/guid1"
    assert ev(f"[tenantResourceId('{role}', 'guid1')]") == f"/providers/{role}/guid1"
    assert (
        ev(f"[extensionResourceId(resourceId('{acr}', 'a'), 'Microsoft.Authorization/roleAssignments', 'g')]")
        == f"{RG_ID}/providers/{acr}/a/providers/Microsoft.Authorization/roleAssignments/g"
    )


def test_resource_ids_keep_placeholders_so_relations_join() -> None:
    e = env({"acrName": {"type": "string"}})
    name = ev("[parameters('acrName')]", e)
    assert isinstance(name, Unresolved) and name.placeholder == "<acrName>"
    rid = ev("[resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName'))]", e)
    assert rid == f"{RG_ID}/providers/Microsoft.ContainerRegistry/registries/<acrName>"
    built = ev("[concat(parameters('acrName'), 'x')]", e)
    assert isinstance(built, Unresolved) and built.placeholder == "<acrName>x"


def test_resource_group_subscription_environment() -> None:
    assert ev("[resourceGroup().name]") == "iac-rg"
    assert ev("[resourceGroup().id]") == RG_ID
    location = ev("[resourceGroup().location]")
    assert isinstance(location, Unresolved) and "location" in location.reason
    assert ev("[subscription().subscriptionId]") == SUB
    assert ev("[environment().suffixes.acrLoginServer]") == ".azurecr.io"
    other = Env(Scope({}, {}, Target(resource_group="rg-shared")))
    assert ev("[resourceGroup().name]", other) == "rg-shared"


@pytest.mark.parametrize(
    "expression",
    [
        "[reference('x').principalId]",
        "[listKeys('x', '2020-01-01').keys[0].value]",
        "[utcNow()]",
        "[newGuid()]",
        "[someNewFunction(1)]",
        "[ns.userFunction('a')]",
    ],
)
def test_runtime_and_unsupported_functions_are_unresolved(expression: str) -> None:
    value = ev(expression)
    assert isinstance(value, Unresolved)
    assert value.placeholder.startswith("<")


def test_unresolved_propagates_through_strict_functions() -> None:
    e = env({"p": {"type": "string"}})
    for expression in ("[equals(parameters('p'), 'x')]", "[length(parameters('p'))]", "[not(parameters('p'))]"):
        value = ev(expression, e)
        assert isinstance(value, Unresolved)
        assert "parameter 'p' has no value" in value.reason


def test_type_errors_are_unresolved_not_exceptions() -> None:
    value = ev("[not('x')]")
    assert isinstance(value, Unresolved) and "expects a bool" in value.reason
    assert isinstance(ev("[createObject('a')]"), Unresolved)


def test_every_family_function_is_callable_by_name_and_no_family_hides_another() -> None:
    names = [name for family in FAMILIES for name in family.FUNCTIONS]
    assert len(names) == len(set(names)) == len(FUNCTIONS)
    assert not set(LAZY) & set(FUNCTIONS)
    assert set(LAZY) == set(logic.LAZY) | set(lambdas.LAZY)
    assert ev("[toUpper(concat('a', string(add(1, 2))))]") == "A3"  # names are case-insensitive


def test_a_family_refuses_a_name_defined_twice_in_any_case() -> None:
    family = Family()
    family.strict("dataUri", arity=(1, 1))(lambda args, env, text: None)
    assert list(family.functions) == ["datauri"]  # as the evaluator looks names up
    with pytest.raises(ValueError, match="defined twice"):
        family.plain("DATAURI")(lambda args, env, text: None)


def test_messages_name_a_value_by_its_json_kind_as_the_live_checks_do() -> None:
    value = ev("[true()[0]]")
    assert isinstance(value, Unresolved) and "cannot index a boolean with 0" in value.reason
    value = ev("[createArray(1).name]")
    assert isinstance(value, Unresolved) and "cannot read property 'name' of an array" in value.reason
