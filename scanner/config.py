"""User configuration: extra rule folders, rule selection, overrides, suppressions, gate.

Read from ``--config FILE``, else ``acr-scan.yaml`` in the working directory, else
``[tool.acr-scan]`` in ``pyproject.toml``. Validated against ``schemas/config.schema.json``;
anything that names a rule id that does not exist is an error (exit 2), because a typo in a
suppression or an override would otherwise silently do nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import orjson

from scanner.errors import ConfigError
from scanner.input_limits import MAX_DEPTH, Unreadable, read_utf8
from scanner.plain_data import DataProblem, json_data
from scanner.resources import snapshot_schema_path
from scanner.safeyaml import load_yaml


class Suppression(msgspec.Struct, frozen=True):
    """An accepted risk: a rule, a resource (id or glob), why, and until when."""

    rule: str
    resource: str
    justification: str
    expires: date | None = None
    owner: str | None = None


class Config(msgspec.Struct, frozen=True):
    """The effective configuration (CLI flags are applied on top by the CLI)."""

    source: str | None = None
    policy_dirs: tuple[Path, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()  # rules that are off by default (``default_enabled: false``) to run too
    parameters: Mapping[str, Mapping[str, Any]] = msgspec.field(default_factory=dict)
    severities: Mapping[str, str] = msgspec.field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    fail_on: str | None = None
    fail_on_unknown: bool | None = None
    # (workload name or id, registry name or id): pairs the collected configuration does not show
    expected_pulls: tuple[tuple[str, str], ...] = ()


@cache
def _validator() -> Any:
    import jsonschema_rs  # (imported only when there is a file to validate: a gate without one never loads it)

    schema = orjson.loads((snapshot_schema_path().parent / "config.schema.json").read_bytes())
    return jsonschema_rs.validator_for(schema)


def _read(path: Path) -> tuple[Any, str]:
    try:
        text = read_utf8(path, "config")
    except Unreadable as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc.reason}" if exc.line else f"{path}: {exc.reason}") from None
    if path.name == "pyproject.toml":
        return _tool_section(path, text), text
    import yaml  # (only for a YAML config: a scan without one never loads PyYAML)

    try:
        return load_yaml(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{line}: invalid YAML: {problem}") from None


def _tool_section(path: Path, text: str) -> Any:
    """``[tool.acr-scan]`` of a ``pyproject.toml`` as JSON data (TOML dates become ISO strings)."""
    if "acr-scan" not in text and "\\" not in text:
        # (the table's name must appear, unless a quoted key spells it with escapes: a project's
        # own pyproject.toml without our section is not parsed at all)
        return None
    import tomllib

    try:
        document = tomllib.loads(text)
    except ValueError as exc:  # (TOMLDecodeError, and an integer of more digits than Python converts)
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested deeper than {MAX_DEPTH} levels (the input limit)") from None
    tool = document.get("tool")
    section = tool.get("acr-scan") if isinstance(tool, dict) else None
    try:
        return json_data(section, "[tool.acr-scan]")
    except DataProblem as exc:
        raise ConfigError(f"{path}: {exc}") from None


def find_config(explicit: Path | None, cwd: Path) -> Path | None:
    """The config file to use, if any."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return explicit
    candidate = cwd / "acr-scan.yaml"
    if candidate.is_file():
        return candidate
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        data, _ = _read(pyproject)
        if data is not None:
            return pyproject
    return None


def load_config(path: Path | None) -> Config:
    """Parse and validate a config file (``None``: the empty configuration)."""
    if path is None:
        return Config()
    data, _text = _read(path)
    if data is None:
        return Config(source=str(path))
    errors = list(_validator().iter_errors(data))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.instance_path) or "(top level)"
        message = first.message if len(first.message) <= 200 else first.message[:197] + "..."
        raise ConfigError(f"{path}: {where}: {message}")
    base = path.parent
    suppressions = []
    for i, entry in enumerate(data.get("suppressions") or ()):
        expires = None
        if "expires" in entry:
            try:
                expires = date.fromisoformat(str(entry["expires"])[:10])
            except ValueError:
                raise ConfigError(f"{path}: suppressions.{i}.expires: {entry['expires']!r} is not a date") from None
        suppressions.append(
            Suppression(entry["rule"], entry["resource"], entry["justification"].strip(), expires, entry.get("owner"))
        )
    overrides = data.get("overrides") or {}
    rules = data.get("rules") or {}
    return Config(
        source=str(path),
        policy_dirs=tuple((base / p).resolve() for p in data.get("policies") or ()),
        include=tuple(rules.get("include") or ()),
        exclude=tuple(rules.get("exclude") or ()),
        enable=tuple(rules.get("enable") or ()),
        parameters={rid: o["parameters"] for rid, o in overrides.items() if "parameters" in o},
        severities={rid: o["severity"] for rid, o in overrides.items() if "severity" in o},
        suppressions=tuple(suppressions),
        fail_on=data.get("fail_on"),
        fail_on_unknown=data.get("fail_on_unknown"),
        expected_pulls=tuple(
            (e["consumer"], e["registry"]) for e in (data.get("access") or {}).get("expected_pulls") or ()
        ),
    )


def check_rule_ids(config: Config, known: Iterable[str], extra: Mapping[str, Iterable[str]] = {}) -> None:
    """Every rule id the configuration (or a CLI flag) names must exist."""
    ids = set(known)
    named: list[tuple[str, str]] = [("rules.include", r) for r in config.include]
    named += [("rules.exclude", r) for r in config.exclude]
    named += [("rules.enable", r) for r in config.enable]
    named += [("overrides", r) for r in list(config.parameters) + list(config.severities)]
    named += [("suppressions", s.rule) for s in config.suppressions]
    for where, values in extra.items():
        named += [(where, r) for r in values]
    for where, rule_id in named:
        if rule_id not in ids:
            source = config.source or "config"
            if where.startswith("--"):
                source = "command line"
            raise ConfigError(f"{source}: {where}: unknown rule id {rule_id!r}")
