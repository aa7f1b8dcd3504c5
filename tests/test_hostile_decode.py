"""Hostile input to the decoders (issue 11, defects 4, 5, 6, 8 and 9): seed corpus and regressions.

Seed corpus, run through the real CLI under the contract's caps (:func:`run_contained`):
``tests/data/hostile/snapshot/`` (deep nesting, secret fields, damaged gzip),
``rule-files/<case>/`` (one rule file per folder), ``config/`` (YAML configs, ``cloud-*`` files
for ``--cloud``, ``pyproject-*.toml`` run as a ``pyproject.toml``), ``baseline/`` (results files) and
``evidence/`` (bundles written byte by byte with :mod:`tests.zipcraft`). Bombs are built at
test time: a gigabyte compresses to a megabyte, which is too much to commit.
"""

from __future__ import annotations

import gzip
import json
import zipfile
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests import zipcraft
from tests.hostile import HOSTILE, ROOT, Outcome, assert_contract, run_contained

DEMO = ROOT / "fixtures" / "demo-tenant.snapshot.json"
GIB = 1 << 30
MINIMAL = b'{"kind": "acr-snapshot", "version": 1, "collectedAt": "2026-11-27T02:00:00Z"}\n'


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("minimal") / "minimal.json"
    path.write_bytes(MINIMAL)
    return path


def _refused(outcome: Outcome, *needles: str, code: int = 2) -> None:
    assert outcome.code == code, outcome.describe()
    assert_contract(outcome, needles=needles)


# --------------------------------------------------------------------------- snapshots

SNAPSHOTS = {
    "deep-arrays.json.gz": [":1:154: JSON nested deeper than 64 levels"],
    "deep-objects.json.gz": [":1:464: JSON nested deeper than 64 levels"],
    "deep-skipped-column.json.gz": [":1:200: JSON nested deeper than 64 levels"],
    "depth-65.json": [":2:115: JSON nested deeper than 64 levels"],
    "key-credential-key.json": ["$.graph.applications[0].keyCredentials[0]", "secret material", "'key'"],
    "secret-text-case.json": ["$.graph.servicePrincipals[0].passwordCredentials[0]", "'SecretText'"],
    "credential-list-case.json": ["$.graph.servicePrincipals[0].PasswordCredentials[0]", "'secretText'"],
    "credential-not-object.json": ["$.graph.applications[0].keyCredentials[0]", "a string is not of type"],
    "token-value-case.json": [".tokens[0].properties.credentials.passwords[0]", "'Value'"],
    "corrupt-deflate.json.gz": ["not a valid gzip file"],
    "truncated.json.gz": ["not a valid gzip file"],
    "trailing-garbage.json.gz": ["not a valid gzip file"],
}


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_snapshot_seed_is_refused_naming_file_and_place(name: str) -> None:
    path = HOSTILE / "snapshot" / name
    outcome = run_contained(["scan", "--snapshot", str(path), "--quiet"])
    _refused(outcome, str(path), *SNAPSHOTS[name])
    assert "s3cr3t" not in outcome.stderr and "TUlJ" not in outcome.stderr  # (never echo the secret)


def test_every_snapshot_seed_has_a_case() -> None:
    assert {p.name for p in (HOSTILE / "snapshot").iterdir()} == set(SNAPSHOTS)


def _gzip_bomb(path: Path, prefix: bytes, suffix: bytes, size: int) -> Path:
    """``prefix`` + ``size`` spaces + ``suffix`` as concatenated gzip members: about 1 KB per MiB."""
    filler = gzip.compress(b" " * (64 << 20), compresslevel=9, mtime=0)
    path.write_bytes(gzip.compress(prefix, mtime=0) + filler * (size // (64 << 20)) + gzip.compress(suffix, mtime=0))
    return path


def test_snapshot_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = _gzip_bomb(tmp_path / "bomb.json.gz", MINIMAL[:-2] + b', "x": "', b'"}', GIB)
    assert bomb.stat().st_size < 2 << 20
    outcome = run_contained(["scan", "--snapshot", str(bomb)])
    _refused(outcome, str(bomb), "decompresses to more than 512M", "--max-decompressed-size")
    small = run_contained(["scan", "--snapshot", str(bomb), "--max-decompressed-size", "1M"])
    _refused(small, "decompresses to more than 1M")
    assert small.seconds < outcome.seconds  # (refused as soon as the limit is passed)


def test_raising_the_limit_beyond_memory_is_still_an_input_error(tmp_path: Path) -> None:
    bomb = _gzip_bomb(tmp_path / "bomb.json.gz", MINIMAL[:-2] + b', "x": "', b'"}', 2 * GIB)
    outcome = run_contained(["scan", "--snapshot", str(bomb), "--max-decompressed-size", "4G"])
    _refused(outcome, str(bomb), "ran out of memory")


def test_a_gzip_snapshot_within_the_limit_scans_like_the_plain_one(tmp_path: Path) -> None:
    packed = tmp_path / "demo.json.gz"
    packed.write_bytes(gzip.compress(DEMO.read_bytes()))
    plain_out, packed_out = tmp_path / "plain.json", tmp_path / "packed.json"
    for source, out in ((DEMO, plain_out), (packed, packed_out)):
        outcome = run_contained(["scan", "--snapshot", str(source), "--format", "json", "-o", str(out), "-q"])
        assert outcome.code == 1, outcome.describe()
    plain, packed_doc = json.loads(plain_out.read_bytes()), json.loads(packed_out.read_bytes())
    assert plain["findings"] == packed_doc["findings"]


def test_nesting_of_exactly_64_levels_is_accepted(tmp_path: Path) -> None:
    seed = (HOSTILE / "snapshot" / "depth-65.json").read_bytes()
    path = tmp_path / "depth-64.json"
    path.write_bytes(seed.replace(b"[" * 61, b"[" * 60).replace(b"]" * 61, b"]" * 60))
    outcome = run_contained(["scan", "--snapshot", str(path), "-q"])
    assert outcome.code == 3, outcome.describe()  # (sections missing: unknown findings)


# --------------------------------------------------------------------------- rule files

RULES = {
    "billion-laughs": ":7: invalid YAML: aliases expand to more than 10,000 values (the alias budget)",
    "set-tag": ":5: invalid YAML: !!set is not JSON data",
    "python-tag": ":2: invalid YAML: !!python/object/apply:os.system is not JSON data",
    "not-utf8": ":2: not UTF-8 text (byte 23)",
    "recursive-alias": ":2: invalid YAML: an alias refers to a value that contains it",
    "huge-integer": ":5: invalid YAML: integer 999999999999999999999999... is beyond 64 bits",
    "deep-nesting": ":2: invalid YAML: nested deeper than 64 levels",
    "non-string-key": ":3: invalid YAML: mapping key '1' is not a string",
}


@pytest.mark.parametrize("case", sorted(RULES))
@pytest.mark.parametrize("command", ["validate", "scan"])
def test_rule_seed_is_refused_with_file_and_line(case: str, command: str, minimal: Path) -> None:
    folder = HOSTILE / "rule-files" / case
    args = ["policies", "validate", str(folder)]
    if command == "scan":
        args = ["scan", "--snapshot", str(minimal), "--policies", str(folder)]
    _refused(run_contained(args, env={"ACR_SCAN_CACHE_DIR": ""}), f"{folder / case}.yaml{RULES[case]}")


def test_every_rule_seed_has_a_case() -> None:
    assert {p.name for p in (HOSTILE / "rule-files").iterdir()} == set(RULES)


# --------------------------------------------------------------------------- configuration

CONFIGS = {
    "billion-laughs.yaml": ":6: invalid YAML: aliases expand to more than 10,000 values",
    "not-utf8.yaml": ":2: not UTF-8 text (byte 22)",
    "set-tag.yaml": ":2: invalid YAML: !!set is not JSON data",
    "integer-beyond-64-bits.yaml": ":4: invalid YAML: integer 18446744073709551617 is beyond 64 bits",
    "binary-tag.yaml": ":1: invalid YAML: !!binary is not JSON data",
    "nan.yaml": ":4: invalid YAML: .nan is not a JSON number",
}
PYPROJECTS = {
    "pyproject-deep-arrays": "invalid TOML: nested deeper than 64 levels",
    "pyproject-nested-65": "[tool.acr-scan].overrides.ACR-004.parameters.n.0.0",
    "pyproject-huge-integer": "invalid TOML: Exceeds the limit (4300 digits)",
    "pyproject-integer-beyond-64-bits": "overrides.ACR-004.parameters.warn_days: integer beyond 64 bits",
    "pyproject-not-utf8": ":2: not UTF-8 text (byte 27)",
}
CLOUDS = {
    "cloud-billion-laughs.yaml": ":6: invalid cloud file: aliases expand to more than 10,000 values",
    "cloud-not-utf8.yaml": ":1: invalid cloud file: not UTF-8 text (byte 27)",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_seed_is_refused_with_file_and_line(name: str, minimal: Path) -> None:
    path = HOSTILE / "config" / name
    _refused(run_contained(["scan", "--snapshot", str(minimal), "--config", str(path)]), f"{path}{CONFIGS[name]}")


def _pyproject(case: str, tmp_path: Path) -> Path:
    """A folder whose ``pyproject.toml`` is the seed (stored as ``<case>.toml``: ruff reads every
    ``pyproject.toml`` under the tree it lints as configuration)."""
    folder = tmp_path / case
    folder.mkdir()
    (folder / "pyproject.toml").write_bytes((HOSTILE / "config" / f"{case}.toml").read_bytes())
    return folder


@pytest.mark.parametrize("case", sorted(PYPROJECTS))
def test_pyproject_seed_is_refused(case: str, minimal: Path, tmp_path: Path) -> None:
    folder = _pyproject(case, tmp_path)
    outcome = run_contained(["scan", "--snapshot", str(minimal)], cwd=folder)
    _refused(outcome, str(folder / "pyproject.toml"), PYPROJECTS[case])


@pytest.mark.parametrize("name", sorted(CLOUDS))
def test_cloud_seed_is_refused_before_any_request(name: str, tmp_path: Path) -> None:
    path = HOSTILE / "config" / name
    outcome = run_contained(["collect", "--subscription", "0", "--cloud", str(path), "-o", str(tmp_path / "s.json")])
    _refused(outcome, f"{path}{CLOUDS[name]}")


def test_every_config_seed_has_a_case() -> None:
    names = {p.name for p in (HOSTILE / "config").iterdir()}
    assert names == {*CONFIGS, *(f"{case}.toml" for case in [*PYPROJECTS, "pyproject-date"]), *CLOUDS}


def test_a_toml_date_in_pyproject_works_like_a_yaml_date(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["scan", "--snapshot", str(DEMO), "--format", "json", "-o", str(out), "-q"]
    outcome = run_contained(args, cwd=_pyproject("pyproject-date", tmp_path))
    assert outcome.code == 1, outcome.describe()
    suppressed = [f for f in json.loads(out.read_bytes())["findings"] if f["status"] == "suppressed"]
    assert suppressed and {f["rule_id"] for f in suppressed} == {"ACR-001"}
    assert {f["suppression"]["expires"] for f in suppressed} == {"2027-03-31"}


# --------------------------------------------------------------------------- baselines

BASELINES = {
    "corrupt-deflate.json.gz": "not a valid gzip file",
    "truncated.json.gz": "not a valid gzip file",
    "deep.json": "not valid JSON",
    "findings-not-objects.json": "findings[0] is not a finding object",
}


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("command", ["diff", "scan"])
def test_baseline_seed_is_refused(name: str, command: str, minimal: Path) -> None:
    path = HOSTILE / "baseline" / name
    args = ["diff", str(path), str(path)]
    if command == "scan":
        args = ["scan", "--snapshot", str(minimal), "--baseline", str(path)]
    _refused(run_contained(args), str(path), BASELINES[name])


def test_every_baseline_seed_has_a_case() -> None:
    assert {p.name for p in (HOSTILE / "baseline").iterdir()} == set(BASELINES)


def test_baseline_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = _gzip_bomb(tmp_path / "old.json.gz", b'{"schema_version": "1.0", "findings": [], "x": "', b'"}', GIB)
    _refused(run_contained(["diff", str(bomb), str(bomb)]), str(bomb), "decompresses to more than 512M")


# --------------------------------------------------------------------------- evidence bundles

FAILED = {  # bundles that are bundles, with something wrong: MISMATCH lines and FAILED, exit 1
    "duplicate-member.zip": ["MISMATCH results.json: appears 2 times in the bundle"],
    "member-not-in-manifest.zip": ["MISMATCH input/extra.json: in the bundle but not in the manifest"],
    "files-not-a-list.zip": ["MISMATCH manifest.json: files is not a list of members"],
    "files-not-objects.zip": [
        "MISMATCH manifest.json: files[0] is not a member",
        "files[5] (results.json) has no valid size",
    ],
    "unknown-compression.zip": ["MISMATCH results.json: unreadable (That compression method is not supported)"],
    "encrypted-member.zip": ["MISMATCH results.json: unreadable", "encrypted"],
    "corrupt-deflate-member.zip": ["MISMATCH results.json: unreadable (Error -3 while decompressing"],
    "crc-error-manifest.zip": ["MISMATCH manifest.json: unreadable (Bad CRC-32"],
    "crc-error-manifest-sha256.zip": ["MISMATCH manifest.sha256: unreadable (Bad CRC-32"],
    "crc-error-manifest-sig.zip": ["MISMATCH manifest.sig: unreadable (Bad CRC-32"],
}
NOT_A_BUNDLE = {  # files that cannot be checked at all: one line on stderr, exit 2
    "no-manifest.zip": "no manifest.json: not an acr-scan evidence bundle",
    "too-many-members.zip": "60,000 members, more than an evidence bundle holds (10,000)",
    "manifest-claims-a-terabyte.zip": "more than --max-decompressed-size (512M) allows",
}


@pytest.fixture(scope="module")
def public_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "signer.pub.pem"
    key = Ed25519PrivateKey.generate().public_key()
    path.write_bytes(key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.mark.parametrize("name", sorted(FAILED))
def test_damaged_bundle_fails_verification(name: str, public_key: Path) -> None:
    path = HOSTILE / "evidence" / name
    outcome = run_contained(["evidence", "verify", str(path), "--public-key", str(public_key)])
    assert outcome.code == 1, outcome.describe()
    assert_contract(outcome)
    assert outcome.stdout.splitlines()[-1].startswith(f"FAILED: {path}:")
    for needle in FAILED[name]:
        assert needle in outcome.stdout, outcome.stdout


@pytest.mark.parametrize("name", sorted(NOT_A_BUNDLE))
def test_file_that_is_not_a_checkable_bundle_is_an_input_error(name: str) -> None:
    path = HOSTILE / "evidence" / name
    _refused(run_contained(["evidence", "verify", str(path)]), str(path), NOT_A_BUNDLE[name])


def test_every_evidence_seed_has_a_case() -> None:
    assert {p.name for p in (HOSTILE / "evidence").iterdir()} == {*FAILED, *NOT_A_BUNDLE}


def test_a_tampered_duplicate_cannot_pass_whichever_copy_a_reader_takes() -> None:
    with zipfile.ZipFile(HOSTILE / "evidence" / "duplicate-member.zip") as archive:
        first, last = (archive.open(info).read() for info in archive.infolist()[:2])
    assert first != last and b"tampered" in first  # (the seed: a forged copy before the real one)


def test_member_inflating_past_its_manifest_size_is_read_no_further(tmp_path: Path) -> None:
    real = b'{"findings": []}\n'
    document = zipcraft.manifest([zipcraft.entry("results.json", real)])
    bomb = tmp_path / "bomb.zip"
    members = [zipcraft.zeros_member("results.json", GIB), zipcraft.member("manifest.json", document)]
    bomb.write_bytes(zipcraft.build([*members, zipcraft.member("manifest.sha256", zipcraft.checksum(document))]))
    assert bomb.stat().st_size < 2 << 20
    outcome = run_contained(["evidence", "verify", str(bomb)], timeout=10)
    assert outcome.code == 1, outcome.describe()
    assert f"MISMATCH results.json: larger than the manifest's {len(real)} bytes" in outcome.stdout


def test_honest_manifest_of_a_huge_member_needs_a_raised_limit(tmp_path: Path) -> None:
    document = zipcraft.manifest([{"path": "results.json", "role": "report", "sha256": "0" * 64, "size": GIB}])
    path = tmp_path / "big.zip"
    members = [zipcraft.zeros_member("results.json", GIB), zipcraft.member("manifest.json", document)]
    path.write_bytes(zipcraft.build([*members, zipcraft.member("manifest.sha256", zipcraft.checksum(document))]))
    _refused(run_contained(["evidence", "verify", str(path)]), str(path), "raise it to verify a bundle this large")
    raised = run_contained(["evidence", "verify", str(path), "--max-decompressed-size", "2G"])
    assert raised.code == 1, raised.describe()  # (read in full, as a stream: the hash does not match)
    assert "MISMATCH results.json: unreadable (Bad CRC-32" in raised.stdout  # (zeros_member leaves the CRC at 0)


def test_a_gzip_member_with_a_bad_crc_is_told_from_a_good_one() -> None:
    good = gzip.compress(b"{}", mtime=0)
    bad = good[:-8] + (zlib.crc32(b"{}") ^ 1).to_bytes(4, "little") + good[-4:]
    from scanner.errors import InputError
    from scanner.input_limits import gunzip_bounded

    assert gunzip_bounded(good, 10, "x") == b"{}"
    with pytest.raises(InputError, match="not a valid gzip file"):
        gunzip_bounded(bad, 10, "x")


def test_data_deeper_than_the_validator_goes_is_refused_with_its_path() -> None:
    """A live collection is validated before it is saved, without the decoder's depth check."""
    from scanner.errors import InputError
    from scanner.sources.snapshot import validate_snapshot

    deep: list[object] = []
    for _ in range(300):
        deep = [deep]
    registry = {"id": "r", "name": "r", "properties": {"networkRuleSet": {"defaultAction": deep}}}
    document = {"kind": "acr-snapshot", "version": 1, "collectedAt": "2026-11-27T02:00:00Z"}
    with pytest.raises(InputError, match=r"^live: \$\.resourceGraph\.registries\[0\]\.properties\.networkRuleSet"):
        validate_snapshot("live", {**document, "resourceGraph": {"registries": [registry]}})
