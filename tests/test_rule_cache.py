"""The parsed-rule cache: a scan from the cache gives the same result, and the cache stays in its directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.engine import loader, rule_cache
from scanner.engine.rule_cache import CACHE_ENV
from tests.conftest import DEMO, ROOT

RULE = ROOT / "policies" / "ACR-001.yaml"


def _scan(tmp_path: Path, env: dict[str, str], name: str) -> subprocess.CompletedProcess[str]:
    """A real scan in a fresh interpreter, with ``env`` for its cache settings."""
    args = ["scan", "--snapshot", str(DEMO), "--format", "json", "--output", str(tmp_path / name), "--quiet"]
    code = f"import sys\nfrom scanner.cli import main\nsys.exit(main({[*args, '--now', '2026-11-27T00:00:00Z']!r}))\n"
    full = {k: v for k, v in os.environ.items() if k not in (CACHE_ENV, "XDG_CACHE_HOME")} | env
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=full, timeout=120)


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def test_a_scan_from_the_cache_gives_identical_output(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    first = _scan(tmp_path, {CACHE_ENV: str(cache)}, "first.json")
    assert len(list((cache / "rules").glob("*.json"))) == len(list((ROOT / "policies").glob("ACR-*.yaml")))
    second = _scan(tmp_path, {CACHE_ENV: str(cache)}, "second.json")
    assert first.returncode == second.returncode == 1, first.stderr + second.stderr
    assert (tmp_path / "first.json").read_bytes() == (tmp_path / "second.json").read_bytes()


def test_a_scan_writes_only_inside_the_xdg_cache_directory(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    result = _scan(tmp_path, {"XDG_CACHE_HOME": str(xdg), "HOME": str(home)}, "out.json")
    assert result.returncode == 1, result.stderr
    written = _files(xdg)
    assert written and all(p.parent == xdg / "acr-policy-scanner" / "rules" for p in written)
    assert _files(home) == []


@pytest.mark.parametrize("xdg", ["relative/cache", ""])
def test_a_relative_or_empty_xdg_setting_is_ignored(xdg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    if sys.platform not in ("win32", "darwin"):
        assert rule_cache.cache_dir() == tmp_path / ".cache" / "acr-policy-scanner"


def test_a_missing_cache_directory_is_not_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "absent"))
    assert loader.load_rule_file(RULE).id == "ACR-001"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "also-absent"))
    assert loader.load_rule_file(RULE).id == "ACR-001"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions that bind")
def test_a_read_only_cache_directory_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    tmp_path.chmod(0o500)
    try:
        assert loader.load_rule_file(RULE).id == "ACR-001"
    finally:
        tmp_path.chmod(0o700)
    assert list(tmp_path.iterdir()) == []


def test_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert rule_cache.cache_dir() is None
    assert loader.load_rule_file(RULE).id == "ACR-001"
    assert list(tmp_path.iterdir()) == []


def test_entry_is_keyed_by_the_exact_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    text = RULE.read_text()
    spec = loader.load_rule_file(RULE)
    assert rule_cache.cached(text) == spec.data
    assert rule_cache.cached(text + "\n# edited\n") is None


def test_corrupt_or_foreign_entries_are_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    text = RULE.read_text()
    fresh = loader.load_rule_file(RULE).data
    entry = next((tmp_path / "rules").glob("*.json"))
    entry.write_bytes(b"{not json")
    assert loader.load_rule_file(RULE).data == fresh
    entry.write_bytes(b'{"id": "ACR-001"}')  # readable, but not a valid rule: the file decides
    assert loader.load_rule_file(RULE).data == fresh
    assert rule_cache.cached(text) == fresh  # (and the entry is written again)


def test_a_cache_path_that_is_a_file_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    assert loader.load_rule_file(RULE).id == "ACR-001"
    assert blocker.read_text() == "not a directory"


def test_data_json_cannot_carry_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    rule_cache.remember("text", {1: "a non-string key"})
    rule_cache.remember("nan", {"x": float("nan")})
    assert not (tmp_path / "rules").exists()


def test_a_cached_pack_loads_without_yaml_or_the_schema_validator(tmp_path: Path) -> None:
    """The cache holds only rules that passed the schema, so reading it needs neither library."""
    code = (
        "import sys\nfrom scanner.engine.loader import load_rules\nspecs = load_rules()\n"
        "print(len(specs), 'yaml' in sys.modules, 'jsonschema_rs' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"} | {CACHE_ENV: str(tmp_path)}
    command = [sys.executable, "-c", code]
    runs = [subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env) for _ in "12"]
    count = len(list((ROOT / "policies").glob("ACR-*.yaml")))
    assert [r.stdout.split() for r in runs] == [[str(count), "True", "True"], [str(count), "False", "False"]]


def test_an_entry_whose_checksum_does_not_match_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    fresh = loader.load_rule_file(RULE).data
    entry = next((tmp_path / "rules").glob("*.json"))
    stored = entry.read_bytes()
    entry.write_bytes(stored.replace(b'"ACR-001"', b'"ACR-999"', 1))  # valid JSON, edited after it was written
    assert rule_cache.cached(RULE.read_text()) is None
    assert loader.load_rule_file(RULE).data == fresh
