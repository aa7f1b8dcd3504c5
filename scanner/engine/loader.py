"""Load rule files: safe YAML, JSON Schema validation, ``file:line`` errors, duplicate ids.

Rules are data (Cloud Custodian style): an author learns what is allowed from the schema that
``acr-scan policies schema`` prints, never from the Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any

import msgspec

from scanner.engine import rule_cache
from scanner.engine.rule_schema import rule_schema
from scanner.engine.yamlpos import line_of
from scanner.errors import RuleError
from scanner.input_limits import Unreadable, read_utf8
from scanner.resources import builtin_policies_dir
from scanner.safeyaml import load_yaml


class RuleSpec(msgspec.Struct, frozen=True):
    """A validated rule file, not yet compiled (parameters are bound at compile time)."""

    id: str
    data: Mapping[str, Any]
    path: Path
    text: str

    def line(self, pointer: Iterable[str | int]) -> int | None:
        """Line of a node of this rule, for error messages."""
        return line_of(self.text, list(pointer))


@cache
def _validator() -> Any:
    import jsonschema_rs  # (only when a rule file is not in the cache: rule_cache)

    return jsonschema_rs.validator_for(rule_schema())


def _required(error: Any) -> bool:
    import jsonschema_rs

    return isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required)


def _depth(error: Any) -> int:
    return len(error.instance_path)


def _most_specific(error: Any) -> Any:
    """The error that says what is wrong, rather than that no ``oneOf`` branch matched.

    A condition is one of several shapes; the branch worth reporting is the one that got
    furthest into the data (its deepest error), and among equally deep ones, a branch whose
    key is present (no "is a required property" error: a leaf with a misspelt operator is
    reported as that operator, not as "all is a required property").
    """
    while branches := getattr(error.kind, "context", None):

        def rank(branch: list[Any]) -> tuple[int, bool]:
            return max(map(_depth, branch)), not any(map(_required, branch))

        best = max(branches, key=rank)
        if rank(best) <= (_depth(error), False):
            break
        error = max(best, key=_depth)
    return error


def _schema_error(path: Path, text: str, data: Any) -> RuleError:
    """Explain the most relevant schema violation, with its place in the file."""
    try:
        first = next(iter(_validator().iter_errors(data)), None)
    except ValueError:  # (a rule nested deeper than the validator goes)
        first = None
    best = _most_specific(first) if first is not None else None
    pointer = list(best.instance_path) if best is not None else []
    message = best.message if best is not None else "does not match the rule schema"
    if len(message) > 200:
        message = message[:197] + "..."
    where = "/".join(str(p) for p in pointer) or "(top level)"
    return RuleError(f"{path}:{line_of(text, pointer) or 1}: {where}: {message}")


def load_rule_file(path: Path) -> RuleSpec:
    """Read and validate one rule file."""
    try:
        text = read_utf8(path, "rule file")
    except Unreadable as exc:
        raise RuleError(f"{path}:{exc.line or 1}: {exc.reason}") from None
    data = rule_cache.cached(text)
    if isinstance(data, dict):  # (the cache holds only rules that passed the schema)
        return RuleSpec(id=data["id"], data=data, path=path, text=text)
    data = _parse(path, text)  # (not cached yet, or an entry that is not a valid rule: parse the file)
    if not isinstance(data, dict):
        raise RuleError(f"{path}:1: a rule file must be a YAML mapping")
    if not _validator().is_valid(data):
        raise _schema_error(path, text, data)
    rule_cache.remember(text, data)
    return RuleSpec(id=data["id"], data=data, path=path, text=text)


def _parse(path: Path, text: str) -> Any:
    import yaml  # (imported only when a rule file is not in the cache: rule_cache)

    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RuleError(f"{path}:{line}: invalid YAML: {problem}") from None


def rule_files(directory: Path) -> list[Path]:
    """Rule files of a folder (``*.yaml``/``*.yml``, recursively), in a stable order."""
    if not directory.is_dir():
        raise RuleError(f"{directory}: not a directory of rules")
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_rules(extra_dirs: Iterable[Path] = (), include_builtin: bool = True) -> list[RuleSpec]:
    """The built-in pack plus user folders; a rule id defined twice is an error."""
    dirs = ([builtin_policies_dir()] if include_builtin else []) + list(extra_dirs)
    specs: dict[str, RuleSpec] = {}
    for directory in dirs:
        for path in rule_files(directory):
            spec = load_rule_file(path)
            if spec.id in specs:
                other = specs[spec.id].path
                raise RuleError(f"{path}:{spec.line(['id']) or 1}: rule id {spec.id} is already defined in {other}")
            specs[spec.id] = spec
    return [specs[k] for k in sorted(specs)]


def policy_pack_hash(specs: Iterable[RuleSpec]) -> str:
    """SHA-256 over the exact rule texts in id order: identifies the policy pack in reports."""
    digest = sha256()
    for spec in sorted(specs, key=lambda s: s.id):
        digest.update(spec.id.encode())
        digest.update(b"\0")
        digest.update(spec.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()
