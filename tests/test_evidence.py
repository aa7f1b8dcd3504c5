"""The audit evidence bundle: contents, reproducibility, tamper detection, Ed25519 signatures."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from tests.conftest import DEMO, ROOT, run_cli
from tests.sarif_tools import assert_valid_sarif
from tests.test_rule_pack import OFF_BY_DEFAULT

NOW = "2026-11-27T02:00:00Z"
CONFIG = (
    "suppressions:\n"
    "  - rule: ACR-001\n"
    "    resource: '/subscriptions/*/resourcegroups/rg-dev-sandbox/*'\n"
    "    justification: Sandbox registry, admin user needed for a legacy demo (SEC-42).\n"
    "    expires: 2026-12-31\n"
)


def _keypair(directory: Path, name: str) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private = directory / f"{name}.pem"
    public = directory / f"{name}.pub.pem"
    private.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return private, public


def _bundle(tmp: Path, name: str = "evidence.zip", *extra: str) -> Path:
    config = tmp / "acr-scan.yaml"
    config.write_text(CONFIG)
    out = tmp / name
    proc = run_cli(
        "scan", "--snapshot", str(DEMO), "--now", NOW, "--config", str(config), "--evidence", str(out), *extra
    )
    assert proc.returncode == 1, proc.stderr  # the demo tenant has failing findings
    assert f"wrote evidence bundle: {out}" in proc.stdout
    return out


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bundle(tmp_path_factory.mktemp("evidence"))


def _verify(path: Path, *extra: str) -> tuple[int, str]:
    proc = run_cli("evidence", "verify", str(path), *extra)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def _rewrite(source: Path, target: Path, member: str, offset: int) -> None:
    """Copy the bundle, changing one byte of one member (the zip itself stays well-formed)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == member:
                i = offset % len(data)
                data = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
            new.writestr(info, data)


def test_bundle_holds_inputs_reports_rules_config_and_manifest(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        (tmp_path / "audit.sarif").write_bytes(archive.read("results.sarif"))
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        results = json.loads(archive.read("results.json"))
        sarif = json.loads(archive.read("results.sarif"))
        assert archive.read(f"input/{DEMO.name}") == DEMO.read_bytes()
        assert archive.read("config/acr-scan.yaml").decode() == CONFIG
    rules = sorted(n for n in names if n.startswith("rules/"))
    ran = [p for p in (ROOT / "policies").glob("ACR-*.yaml") if p.stem not in OFF_BY_DEFAULT]
    assert len(rules) == len(manifest["rules"]) == len(ran)  # the rules that ran, not those off by default
    assert {"results.json", "report.html", "results.sarif", "manifest.json", "manifest.sha256"} <= names
    listed = {f["path"] for f in manifest["files"]}
    assert listed == names - {"manifest.json", "manifest.sha256"}
    assert manifest["tool"]["name"] == "acr-scan"
    assert manifest["policyPackHash"] == results["scan"]["policy_pack_hash"]
    assert manifest["scanTime"] == "2026-11-27T02:00:00Z"
    assert manifest["scope"] == results["scan"]["scope"]
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    # The evidence SARIF is the audit profile: accepted risks stay visible to an auditor.
    assert any(r.get("suppressions") for r in sarif["runs"][0]["results"])
    assert_valid_sarif([tmp_path / "audit.sarif"], tmp_path, multitool=False)  # (test_sarif: "audit")


def test_fresh_bundle_verifies_and_is_reproducible(bundle: Path) -> None:
    code, out = _verify(bundle)
    assert code == 0, out
    assert out.startswith("OK: ")
    assert "signature absent" in out
    again = _bundle(bundle.parent, "again.zip")  # same config path: reports name it
    assert again.read_bytes() == bundle.read_bytes()


def test_one_changed_byte_in_any_member_fails_verification(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        members = archive.namelist()
    assert len(members) > 30
    for n, member in enumerate(members):
        tampered = tmp_path / f"tampered-{n}.zip"
        _rewrite(bundle, tampered, member, offset=n * 7919)
        code, out = _verify(tampered)
        assert code == 1, f"{member}: {out}"
        shown = "manifest.json" if member == "manifest.sha256" else member
        assert f"MISMATCH {shown}" in out, out


def test_a_flipped_byte_in_the_raw_archive_fails_verification(bundle: Path, tmp_path: Path) -> None:
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo("results.json")
    # Local header is 30 bytes + name + extra; flip a byte in the compressed data after it.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    tampered = tmp_path / "flipped.zip"
    tampered.write_bytes(bytes(raw))
    code, out = _verify(tampered)
    assert code == 1, out
    assert "results.json" in out


def test_extra_member_is_reported(bundle: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "extra.zip"
    tampered.write_bytes(bundle.read_bytes())
    with zipfile.ZipFile(tampered, "a") as archive:
        archive.writestr("rules/ACR-999.yaml", "id: ACR-999\n")
    code, out = _verify(tampered)
    assert code == 1
    assert "rules/ACR-999.yaml: in the bundle but not in the manifest" in out


def test_signed_bundle_verifies_with_its_key_only(tmp_path: Path) -> None:
    private, public = _keypair(tmp_path, "signer")
    _, other = _keypair(tmp_path, "other")
    signed = _bundle(tmp_path, "signed.zip", "--sign-key", str(private))
    code, out = _verify(signed, "--public-key", str(public))
    assert code == 0, out
    assert "signature valid" in out
    code, out = _verify(signed, "--public-key", str(other))
    assert code == 1
    assert "MISMATCH manifest.sig" in out
    code, out = _verify(signed)
    assert code == 0 and "signature not checked" in out
    # Rewriting the manifest and its checksum to match a tampered member still breaks the signature.
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(signed) as old:
        replaced = old.read("manifest.json").replace(b'"scanTime": "2026-11-27', b'"scanTime": "2026-11-28')
        checksum = f"{hashlib.sha256(replaced).hexdigest()}  manifest.json\n".encode()
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(forged, "w") as new:
        for info, data in members:
            override = {"manifest.json": replaced, "manifest.sha256": checksum}.get(info.filename, data)
            new.writestr(info.filename, override)
    code, out = _verify(forged, "--public-key", str(public))
    assert code == 1
    assert "signature does not match" in out


def test_unsigned_bundle_fails_when_a_signature_is_required(bundle: Path, tmp_path: Path) -> None:
    _, public = _keypair(tmp_path, "k")
    code, out = _verify(bundle, "--public-key", str(public))
    assert code == 1
    assert "not signed" in out


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    not_zip = tmp_path / "not.zip"
    not_zip.write_text("hello")
    code, out = _verify(not_zip)
    assert code == 2
    assert out.strip().count("\n") == 0 and "not a zip archive" in out
    code, out = _verify(tmp_path / "missing.zip")
    assert code == 2 and "no such file" in out
    bad_key = tmp_path / "bad.pem"
    bad_key.write_text("not a key")
    evidence = tmp_path / "e.zip"
    proc = run_cli("scan", "--snapshot", str(DEMO), "--evidence", str(evidence), "--sign-key", str(bad_key))
    assert proc.returncode == 2
    assert "bad.pem: not an unencrypted PEM private key" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not evidence.exists()
    proc = run_cli("scan", "--snapshot", str(DEMO), "--sign-key", str(bad_key))
    assert proc.returncode == 2 and "add --evidence" in proc.stderr
