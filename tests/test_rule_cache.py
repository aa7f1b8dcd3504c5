"""The parsed-rule cache: a second scan reads JSON instead of YAML and gives the same result."""

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


def _scan(tmp_path: Path, cache: str, name: str) -> subprocess.CompletedProcess[str]:
    """A real scan in a fresh interpreter that reports whether it imported PyYAML."""
    code = (
        "import sys\n"
        "from scanner.cli import main\n"
        f"code = main(['scan', '--snapshot', {str(DEMO)!r}, '--format', 'json', "
        f"'--output', {str(tmp_path / name)!r}, '--quiet', '--now', '2026-11-27T00:00:00Z'])\n"
        "print('yaml' in sys.modules)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, CACHE_ENV: cache}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_second_scan_skips_yaml_and_gives_identical_output(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _scan(tmp_path, str(cache), "first.json")
    second = _scan(tmp_path, str(cache), "second.json")
    assert first.returncode == second.returncode == 1, first.stderr + second.stderr
    assert first.stdout.strip() == "True" and second.stdout.strip() == "False"
    assert len(list((cache / "rules").glob("*.json"))) == len(list((ROOT / "policies").glob("ACR-*.yaml")))
    assert (tmp_path / "first.json").read_bytes() == (tmp_path / "second.json").read_bytes()


def test_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    assert rule_cache.cache_dir() is None
    result = _scan(tmp_path, "", "off.json")
    assert result.returncode == 1 and result.stdout.strip() == "True", result.stderr


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert rule_cache.cache_dir() == tmp_path / "acr-policy-scanner"


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


def test_unwritable_cache_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    assert loader.load_rule_file(RULE).id == "ACR-001"


def test_data_json_cannot_carry_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    rule_cache.remember("text", {1: "a non-string key"})
    rule_cache.remember("nan", {"x": float("nan")})
    assert not (tmp_path / "rules").exists()
