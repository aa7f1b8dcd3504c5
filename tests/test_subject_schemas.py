"""The subject document schemas describe what the inventory builds and what rule examples hold.

Every rule example validates against its kind's schema; so do the documents the inventory
builds for the demo tenant and the IaC fixtures; and every field a schema names is built for
at least one of them (or is listed below as documented by Azure but absent from the fixtures).
An unknown value stands for any value, so it is left out before validating; strings in a
documented set compare case-insensitively, as the engine compares them.
"""

from __future__ import annotations

import re
import runpy
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
import pytest

from scanner.engine.documented import document_path
from scanner.engine.examples import materialize
from scanner.engine.loader import RuleSpec, load_rules
from scanner.engine.rule_schema import rule_schema
from scanner.inventory.build import build_inventory
from scanner.inventory.subjects.kinds import ENUMERATORS, resolve, subject_schema
from scanner.inventory.vocabulary import documented
from scanner.sources.base import RawSnapshot
from scanner.sources.iac.source import IacSource
from scanner.sources.snapshot import SnapshotFileSource
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown
from tests.conftest import DEMO, ROOT

SPECS = load_rules()
KINDS = list(ENUMERATORS)

# Fields Azure documents that none of the fixtures holds (so no fixture shows them built),
# each with the fields under it.
NOT_IN_FIXTURES: dict[str, set[str]] = {
    "private_endpoint": {"properties.manualPrivateLinkServiceConnections[]"},  # (every fixture's list is empty)
}


class _Dropped:
    """Marks an unknown value, left out of the document to validate."""


DROPPED = _Dropped()


def plain(schema: Mapping[str, Any], node: Mapping[str, Any], value: Any) -> Any:
    """``value`` as JSON Schema sees it: unknown values left out, documented strings in their listed case."""
    if isinstance(value, Unknown):
        return DROPPED
    node = resolve(schema, node)
    if isinstance(value, str) and "enum" in node:
        listed = {v.casefold(): v for v in node["enum"] if isinstance(v, str)}
        return listed.get(value.casefold(), value)
    if isinstance(value, Mapping):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        out = {}
        for key, item in value.items():
            child = properties.get(key, extra if isinstance(extra, Mapping) else {})
            converted = plain(schema, child, item)
            if converted is not DROPPED:
                out[key] = converted
        return out
    if isinstance(value, list | tuple):
        items = node.get("items", {})
        return [c for c in (plain(schema, items, item) for item in value) if c is not DROPPED]
    return value


@cache
def validator(kind: str) -> Any:
    return jsonschema_rs.validator_for(dict(subject_schema(kind)))


def errors(kind: str, doc: Mapping[str, Any]) -> list[Any]:
    schema = subject_schema(kind)
    return list(validator(kind).iter_errors(plain(schema, schema, doc)))


def vocabulary_path(instance_path: list[str | int]) -> str:
    """``['privateEndpointConnections', 0, 'status']`` → ``privateEndpointConnections[].status``."""
    out = ""
    for part in instance_path:
        out += "[]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def describe(kind: str, found: list[Any]) -> str:
    return "; ".join(f"{vocabulary_path(list(e.instance_path)) or '$'}: {e.message}" for e in found)


# --------------------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_json_schema(kind: str) -> None:
    jsonschema.Draft202012Validator.check_schema(subject_schema(kind))
    assert subject_schema(kind)["title"]


def test_every_kind_a_rule_may_name_has_a_schema() -> None:
    rule_subjects = rule_schema()["properties"]["subject"]["enum"]
    assert sorted(rule_subjects) == sorted(KINDS)
    shipped = sorted(p.name.removesuffix(".schema.json") for p in (ROOT / "scanner/schemas/subjects").glob("*.json"))
    assert shipped == sorted(KINDS)


def test_token_properties_match_the_registry_tokens() -> None:
    token = subject_schema("token")["properties"]["properties"]
    listed = subject_schema("registry")["properties"]["tokens"]["items"]["properties"]["properties"]
    assert token["properties"] == listed["properties"]


def test_a_misspelt_or_mistyped_field_does_not_fit() -> None:
    assert errors("registry", {"name": "r", "privateEndpointConnection": []})
    assert errors("credential", {"credential": {"keyId": "k", "endDate": "2027-01-01T00:00:00Z"}})
    assert errors("role_assignment", {"registryCount": "1"})
    assert not errors("registry", {"properties": {"publicNetworkAccess": "disabled"}, "privateEndpoints": Unknown("x")})


def test_documented_sets_are_the_schema_enums() -> None:
    public_access = documented("registry", "properties.publicNetworkAccess")
    assert public_access is not None and public_access.label == "Enabled, Disabled"
    switch = documented("registry", "properties.adminUserEnabled")
    assert switch is not None and switch.admits(False) and not switch.admits("false")
    assert documented("private_endpoint", "zoneLinked") is None  # a boolean the inventory computes: no set
    assert documented("registry", "properties.policies.softDeletePolicy.status") is not None


# --------------------------------------------------------------------------- rule examples


def _examples() -> Iterator[tuple[str, RuleSpec, str, int, Any]]:
    for spec in SPECS:
        for expected in ("pass", "fail", "not_applicable", "unknown"):
            for index, example in enumerate(spec.data["examples"].get(expected) or ()):
                yield f"{spec.id}-{expected}-{index}", spec, expected, index, example


EXAMPLES = list(_examples())


@pytest.mark.parametrize(
    ("spec", "expected", "index", "example"), [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES]
)
def test_rule_example_fits_its_subject_schema(spec: RuleSpec, expected: str, index: int, example: Any) -> None:
    kind = spec.data["subject"]
    doc = materialize(example["subject"])
    found = errors(kind, doc)
    if expected == "unknown":
        # An unknown example may hold a value outside a documented set: that is what it shows.
        found = [e for e in found if not _undocumented_value(kind, e)]
    assert not found, f"{spec.id} {expected}[{index}]: {describe(kind, found)}"


def _undocumented_value(kind: str, error: Any) -> bool:
    vocabulary = documented(kind, vocabulary_path(list(error.instance_path)))
    return vocabulary is not None and not vocabulary.admits(error.instance)


# --------------------------------------------------------------------------- real documents


def _sources() -> dict[str, RawSnapshot]:
    loaded = {"demo": SnapshotFileSource(DEMO).load()}
    live = ROOT / "fixtures/iac/equivalence/live.snapshot.json"
    loaded["equivalence-live"] = SnapshotFileSource(live).load()
    for name in ("arm", "terraform", "equivalence"):
        loaded[f"iac-{name}"] = IacSource([ROOT / "fixtures/iac" / name], ROOT).load()
    return loaded


@cache
def built_documents() -> dict[str, list[tuple[str, str, Mapping[str, Any]]]]:
    """Kind → (origin, subject id, document) of every subject the inventory builds a document for."""
    out: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {kind: [] for kind in KINDS}
    for origin, raw in _sources().items():
        live_only = raw.declarations.live_only if raw.declarations else None
        inventory = build_inventory(raw.data, parse_datetime("2026-11-28T00:00:00Z"), live_only)
        for kind, enumerate_subjects in ENUMERATORS.items():
            for subject in enumerate_subjects(inventory):
                if subject.unknown is None and subject.not_applicable is None:
                    out[kind].append((origin, subject.ref.id, subject.doc))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_built_documents_fit_their_schema(kind: str) -> None:
    docs = built_documents()[kind]
    assert {origin for origin, _, _ in docs} >= {"demo"}, f"the demo tenant builds no {kind} document"
    problems = [f"{origin} {sid}: {describe(kind, found)}" for origin, sid, doc in docs if (found := errors(kind, doc))]
    assert not problems, "\n".join(problems)


def _schema_paths(schema: Mapping[str, Any], node: Mapping[str, Any], path: str) -> Iterator[str]:
    node = resolve(schema, node)
    for name, child in node.get("properties", {}).items():
        child_path = f"{path}.{name}" if path else name
        yield child_path
        yield from _schema_paths(schema, child, child_path)
    items = node.get("items")
    if isinstance(items, Mapping):
        yield from _schema_paths(schema, items, f"{path}[]")


def _document_paths(value: Any, path: str, out: set[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if not isinstance(item, Unknown):
                out.add(child)
            _document_paths(item, child, out)
    elif isinstance(value, list | tuple):
        for item in value:
            _document_paths(item, f"{path}[]", out)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_names_only_fields_the_inventory_builds(kind: str) -> None:
    built: set[str] = set()
    for _, _, doc in built_documents()[kind]:
        _document_paths(doc, "", built)
    schema = subject_schema(kind)
    named = set(_schema_paths(schema, schema, ""))
    absent = named - built
    listed = NOT_IN_FIXTURES.get(kind, set())
    unexplained = sorted(p for p in absent if not any(_under(p, f) for f in listed))
    assert not unexplained, f"{kind} names fields the inventory never builds for the fixtures: {unexplained}"
    built_after_all = sorted(f for f in listed if any(_under(p, f) for p in built))
    assert not built_after_all, f"built after all, no longer to be listed: {built_after_all}"


def _under(path: str, field: str) -> bool:
    return path == field or path.startswith((field + ".", field + "["))


# --------------------------------------------------------------------------- the fields rules read


def _condition_paths(node: Any, scope: str) -> Iterator[str]:
    """Every document path a condition reads, from the subject root (list items as ``[]``)."""
    if isinstance(node, list):
        for item in node:
            yield from _condition_paths(item, scope)
        return
    if not isinstance(node, Mapping):
        return
    if "over" in node:  # a quantifier: its ``where`` reads the items
        over = document_path(scope, str(node["over"]))
        yield over
        yield from _condition_paths(node.get("where"), f"{over}[]")
        return
    for key, value in node.items():
        if key == "field":
            yield document_path(scope, str(value))
        elif key in ("all", "any", "not", "count"):
            yield from _condition_paths(value, scope)
        elif isinstance(value, Mapping):  # an operand: a literal, {param}, {field} or {since, days}
            for ref in ("field", "since"):
                if isinstance(value.get(ref), str):
                    yield document_path(scope, value[ref])


def _template_paths(spec: RuleSpec) -> Iterator[str]:
    data = spec.data
    texts = [*data["message"].values(), data["remediation"].get("az") or ""]
    texts += [case.get("message") or "" for case in data.get("severity_when") or ()]
    bindings = set()
    for condition in (data.get("applies_when"), data["fail_when"]):
        bindings |= set(_bindings(condition))
    for text in texts:
        for name in re.findall(r"\{([A-Za-z_$][A-Za-z0-9_.$-]*)\}", text):
            if name.split(".")[0] != "params" and name not in bindings:
                yield document_path("", name)


def _bindings(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        if isinstance(node.get("as"), str):
            yield node["as"]
        for value in node.values():
            yield from _bindings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _bindings(item)


def _declared(schema: Mapping[str, Any], path: str) -> bool:
    node: Mapping[str, Any] = schema
    for part in path.split("."):
        name, *lists = part.split("[]")
        node = resolve(schema, node)
        properties, extra = node.get("properties", {}), node.get("additionalProperties")
        if name in properties:
            node = properties[name]
        elif isinstance(extra, Mapping):
            node = extra
        else:
            return False
        for _ in lists:
            items = resolve(schema, node).get("items")
            if not isinstance(items, Mapping):
                return False
            node = items
    return True


@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_every_field_a_rule_reads_is_in_its_subject_schema(spec: RuleSpec) -> None:
    data = spec.data
    schema = subject_schema(data["subject"])
    read = set(_template_paths(spec))
    for key in ("applies_when", "fail_when"):
        read |= set(_condition_paths(data.get(key), ""))
    for case in data.get("severity_when") or ():
        read |= set(_condition_paths(case["when"], ""))
    assert read, f"{spec.id} reads no field"
    undeclared = sorted(path for path in read if not _declared(schema, path))
    assert not undeclared, f"{spec.id} reads fields its {data['subject']} schema does not name: {undeclared}"


# --------------------------------------------------------------------------- docs/subject-documents.md


def test_the_field_tables_of_the_docs_are_up_to_date() -> None:
    docs = runpy.run_path(str(ROOT / "scripts" / "subject_docs.py"), run_name="subject_docs")
    page = (ROOT / "docs" / "subject-documents.md").read_text(encoding="utf-8")
    assert docs["page_with"](docs["render"](), page) == page, "run: python scripts/subject_docs.py"
    for kind in KINDS:
        assert docs["SHARED_NOTE"] in subject_schema(kind)["description"], kind
