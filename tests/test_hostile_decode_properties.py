"""Property-based hostile input for the decoders: snapshot, rule, config, baseline and evidence.

Each property generates hostile variants (deep, huge-number, odd-typed, mutated, truncated,
secret-carrying, bomb-shaped) of a small valid input and runs the real CLI in-process
(:func:`run_in_process`), asserting the contract and, where the variant decides it, the exact
exit code and message. Fixed example budgets (``derandomize``) keep the suite fast and repeatable.
"""

from __future__ import annotations

import gc
import gzip
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import zipcraft
from tests.hostile import ROOT, Outcome, assert_contract, run_in_process


def budget(examples: int) -> settings:
    """A fixed, repeatable example budget (no example database: every run is the same)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


BASE: dict[str, Any] = {"kind": "acr-snapshot", "version": 1, "collectedAt": "2026-11-27T02:00:00Z"}
LIMIT = 64


@pytest.fixture(autouse=True)
def _collector_left_on() -> Iterator[None]:
    """Every in-process run, those refused half-way included, leaves the cyclic collector on."""
    assert gc.isenabled()
    yield
    assert gc.isenabled()


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="acr-hostile-decode-") as name:
        yield Path(name)


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def _contract(outcome: Outcome, *needles: str, code: int | None = None) -> None:
    assert_contract(outcome, needles=needles if outcome.code == 2 else (), time_limit=10)
    if code is not None:
        assert outcome.code == code, outcome.describe()


JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
SECTIONS = ["arm", "graph", "errors", "scope", "collector", "tenantId", "resourceGraph"]


def _nest(depth: int, obj: bool) -> bytes:
    return (b'{"a": ' * depth + b"1" + b"}" * depth) if obj else (b"[" * depth + b"]" * depth)


# --------------------------------------------------------------------------- snapshots


@budget(60)
@given(section=st.sampled_from(SECTIONS), value=JSON_VALUE, packed=st.booleans())
def test_snapshot_with_any_json_in_any_section_keeps_the_contract(
    work: Path, section: str, value: Any, packed: bool
) -> None:
    raw = json.dumps({**BASE, section: value}).encode()
    path = _write(work, "s.json.gz" if packed else "s.json", gzip.compress(raw) if packed else raw)
    _contract(run_in_process(["scan", "--snapshot", str(path), "-q"]), str(path))


@budget(40)
@given(depth=st.integers(min_value=1, max_value=400), obj=st.booleans(), where=st.sampled_from(["arm", "graph"]))
def test_snapshot_nesting_is_refused_exactly_beyond_the_limit(work: Path, depth: int, obj: bool, where: str) -> None:
    raw = json.dumps(BASE).encode()[:-1] + f', "{where}": {{"x": '.encode() + _nest(depth, obj) + b"}}"
    path = _write(work, "deep.json", raw)
    outcome = run_in_process(["scan", "--snapshot", str(path), "-q"])
    levels = depth + 2  # (the document and its section are levels too)
    if levels > LIMIT:
        _contract(outcome, str(path), f"nested deeper than {LIMIT} levels", code=2)
    else:
        _contract(outcome)
        assert f"nested deeper than {LIMIT}" not in outcome.stderr


SECRET_NAMES = st.sampled_from(["secretText", "hint", "key", "value"]).flatmap(
    lambda name: st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(name, upper, strict=True))
    )
)


def _with_secret(kind: str, field: str, secret: str) -> dict[str, Any]:
    item = {"keyId": "k1", field: secret}
    app = {"id": "a", "appId": "b"}
    if kind == "token":
        reg = "/subscriptions/s/resourcegroups/g/providers/microsoft.containerregistry/registries/r"
        token = {"id": f"{reg}/tokens/t", "name": "t", "properties": {"credentials": {"passwords": [item]}}}
        return {**BASE, "arm": {reg: {"tokens": [token]}}}
    return {**BASE, "graph": {"applications": [{**app, kind: [item]}]}}


@budget(40)
@given(
    kind=st.sampled_from(["passwordCredentials", "keyCredentials", "token"]),
    field=SECRET_NAMES,
    secret=st.text(alphabet="abcdefXYZ0123456789+/=", min_size=12, max_size=40),
)
def test_a_secret_field_in_any_letter_case_is_refused_and_never_echoed(
    work: Path, kind: str, field: str, secret: str
) -> None:
    path = _write(work, "secret.json", json.dumps(_with_secret(kind, field, secret)).encode())
    outcome = run_in_process(["scan", "--snapshot", str(path), "-q"])
    _contract(outcome, str(path), "must not carry secret material", f"'{field}'", code=2)
    assert secret not in outcome.stderr + outcome.stdout


@budget(60)
@given(
    cut=st.integers(min_value=0, max_value=10_000),
    flip=st.integers(min_value=0, max_value=10_000),
    packed=st.booleans(),
)
def test_a_truncated_or_flipped_snapshot_keeps_the_contract(work: Path, cut: int, flip: int, packed: bool) -> None:
    raw = json.dumps({**BASE, "graph": {"servicePrincipals": [{"id": "x", "passwordCredentials": []}]}}).encode()
    data = bytearray(gzip.compress(raw, mtime=0) if packed else raw)
    data[flip % len(data)] ^= 0x5A
    path = _write(work, "m.json.gz" if packed else "m.json", bytes(data[: len(data) - cut % len(data)]))
    _contract(run_in_process(["scan", "--snapshot", str(path), "-q"]), str(path))


# --------------------------------------------------------------------------- rule and config YAML

TAGGED = st.sampled_from(
    ["!!set {a, b}", "!!binary aGVsbG8=", "!!omap [a: 1]", "!!pairs [a: 1]", "!!python/name:os.system", "!Ref x"]
)
HOSTILE_SCALAR = st.one_of(
    TAGGED,
    st.integers(min_value=2**63, max_value=2**200).map(str),
    st.sampled_from([".nan", ".inf", "-.inf", "9" * 5000]),
)


def _laughs(width: int, levels: int) -> str:
    lines = ["l0: &l0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _expanded(width: int, levels: int) -> int:
    """Values the aliases of :func:`_laughs` add (what the alias budget counts)."""
    size, added = width + 1, 0
    for _ in range(levels):
        added += width * size
        size = 1 + width * size
    return added


@budget(40)
@given(width=st.integers(min_value=1, max_value=12), levels=st.integers(min_value=1, max_value=8))
def test_alias_expansion_is_refused_exactly_past_the_budget(work: Path, width: int, levels: int) -> None:
    folder = work / "laughs"
    folder.mkdir(exist_ok=True)
    path = _write(folder, "r.yaml", _laughs(width, levels).encode())
    outcome = run_in_process(["policies", "validate", str(folder)])
    if _expanded(width, levels) > 10_000:
        _contract(outcome, f"{path}:", "the alias budget", code=2)
    else:
        _contract(outcome, f"{path}:1: (top level): ", code=2)  # (valid YAML, but not a rule)


@budget(40)
@given(scalar=HOSTILE_SCALAR, line=st.integers(min_value=0, max_value=200))
def test_a_non_json_value_in_a_rule_is_refused_with_its_line(work: Path, scalar: str, line: int) -> None:
    rule = (ROOT / "policies" / "ACR-001.yaml").read_text().splitlines()
    # (between two top-level keys, so the line it lands on is the line of the error)
    places = [i for i, text in enumerate(rule) if text[:1] not in ("", " ", "-", "#")] + [len(rule)]
    at = places[line % len(places)]
    lines = [*rule[:at], f"hostile_{line}: {scalar}", *rule[at:]]
    folder = work / "tagged"
    folder.mkdir(exist_ok=True)
    path = _write(folder, "ACR-001.yaml", ("\n".join(lines) + "\n").encode())
    outcome = run_in_process(["policies", "validate", str(folder)])
    _contract(outcome, f"{path}:{at + 1}: invalid YAML: ", code=2)


@budget(40)
@given(
    value=st.one_of(HOSTILE_SCALAR, st.integers(min_value=1, max_value=200).map(lambda d: "[" * d + "]" * d)),
    key=st.sampled_from(["fail_on", "owner", "rules", "x"]),
    junk=st.binary(max_size=4),
)
def test_a_hostile_config_keeps_the_contract_and_names_the_file(work: Path, value: str, key: str, junk: bytes) -> None:
    snapshot = _write(work, "base.json", json.dumps(BASE).encode())
    path = _write(work, "c.yaml", f"{key}: {value}\n".encode() + junk)
    outcome = run_in_process(["scan", "--snapshot", str(snapshot), "--config", str(path), "-q"])
    _contract(outcome, str(path), code=2)


TOML_DATES = st.sampled_from(["2027-03-31", "2027-03-31T08:00:00Z", "2027-03-31T08:00:00", "2027-03-31 08:00:00+02:00"])


@budget(30)
@given(
    expires=TOML_DATES, depth=st.integers(min_value=0, max_value=3000), big=st.integers(min_value=0, max_value=2**80)
)
def test_pyproject_dates_work_and_odd_values_are_refused(work: Path, expires: str, depth: int, big: int) -> None:
    folder = work / "py"
    folder.mkdir(exist_ok=True)
    text = "[tool.acr-scan]\n"
    odd = depth > 60 or big >= 2**63
    if depth > 60:
        text += "policies = " + "[" * depth + "]" * depth + "\n"
    text += '[[tool.acr-scan.suppressions]]\nrule = "ACR-001"\nresource = "*"\n'
    text += f'justification = "accepted, see ticket {big}"\n'
    text += f"expires = {expires}\n"
    if big >= 2**63:
        text += f"[tool.acr-scan.overrides.ACR-004.parameters]\nwarn_days = {big}\n"
    _write(folder, "pyproject.toml", text.encode())
    snapshot = _write(work, "base.json", json.dumps(BASE).encode())
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        outcome = run_in_process(["scan", "--snapshot", str(snapshot), "-q"])
    if odd:
        _contract(outcome, str(folder / "pyproject.toml"), code=2)
    else:
        _contract(outcome, code=3)  # (the base snapshot has no sections: unknown findings)


# --------------------------------------------------------------------------- baselines


@budget(40)
@given(value=JSON_VALUE, cut=st.integers(min_value=0, max_value=500), packed=st.booleans())
def test_a_hostile_results_file_keeps_the_contract(work: Path, value: Any, cut: int, packed: bool) -> None:
    raw = json.dumps({"schema_version": "1.0", "findings": [value], "scan": value}).encode()
    raw = raw[: max(1, len(raw) - cut)]
    path = _write(work, "r.json.gz" if packed else "r.json", gzip.compress(raw) if packed else raw)
    _contract(run_in_process(["diff", str(path), str(path)]), str(path))


# --------------------------------------------------------------------------- evidence bundles

REAL = b'{"findings": [], "schema_version": "1.0"}\n'
ODD_FILES = st.one_of(
    JSON_VALUE,
    st.lists(st.fixed_dictionaries({"path": st.text(max_size=12), "sha256": st.text(max_size=70), "size": JSON_LEAF})),
)


@budget(60)
@given(
    files=st.one_of(st.none(), ODD_FILES),
    duplicate=st.booleans(),
    unlisted=st.booleans(),
    method=st.sampled_from([8, 8, 0, 12, 14, 99]),
    flags=st.sampled_from([0, 0, 1, 8]),
    bad_crc=st.booleans(),
)
def test_a_hostile_bundle_never_verifies_and_keeps_the_contract(
    work: Path, files: Any, duplicate: bool, unlisted: bool, method: int, flags: int, bad_crc: bool
) -> None:
    listed = [zipcraft.entry("results.json", REAL)] if files is None else files
    document = zipcraft.manifest(listed)
    results = zipcraft.member("results.json", REAL)
    if method != 8 or flags or bad_crc:
        payload = REAL if method != 8 else results.payload
        results = zipcraft.RawMember("results.json", payload, method=method, flags=flags, crc=7 if bad_crc else None)
    members = [
        results,
        zipcraft.member("manifest.json", document),
        zipcraft.member("manifest.sha256", zipcraft.checksum(document)),
    ]
    if duplicate:
        members.insert(0, zipcraft.member("results.json", REAL.replace(b"[]", b"[1]")))
    if unlisted:
        members.append(zipcraft.member("rules/ORG-999.yaml", b"id: ORG-999\n"))
    path = _write(work, "b.zip", zipcraft.build(members))
    outcome = run_in_process(["evidence", "verify", str(path)])
    _contract(outcome, str(path))
    tampered = duplicate or unlisted or files is not None or method not in (0, 8) or flags & 1 or bad_crc
    if tampered:
        assert outcome.code in (1, 2), outcome.describe()
    if duplicate:
        assert outcome.code == 1 and "MISMATCH results.json: appears 2 times" in outcome.stdout, outcome.describe()
    if unlisted and outcome.code == 1 and isinstance(files, list | type(None)):
        assert "MISMATCH rules/ORG-999.yaml: in the bundle but not in the manifest" in outcome.stdout
