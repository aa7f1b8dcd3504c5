"""A compiled rule: the validated YAML bound to its parameters and turned into condition and template objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.engine.compiler import CompileError, Condition, as_rule_error, compile_condition
from scanner.engine.loader import RuleSpec
from scanner.engine.template import Template, compile_template
from scanner.errors import ConfigError, RuleError
from scanner.results import Severity


class Rule(msgspec.Struct, frozen=True):
    """Everything the engine and the outputs need to know about one rule."""

    id: str
    title: str
    description: str
    severity: Severity
    subject: str
    params: Mapping[str, Any]
    fail_when: Condition
    applies_when: Condition | None
    severity_when: tuple[tuple[Condition, Severity, Template | None], ...]
    message_pass: Template
    message_fail: Template
    message_na: Template
    remediation_text: str
    remediation_az: Template | None
    az_template: str | None
    references: tuple[str, ...]
    frameworks: Mapping[str, tuple[str, ...]]
    tags: tuple[str, ...]
    precision: str
    spec: RuleSpec

    def __repr__(self) -> str:  # without ``spec``: the rule file's whole text and data
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__ if name != "spec")
        return f"Rule({shown})"


def _allowed(value: Any, allowed: list[Any]) -> bool:
    """Whether ``value`` (each item, for a list) is one of ``allowed`` (strings case-insensitively)."""
    folded = {a.casefold() if isinstance(a, str) else a for a in allowed}
    items = value if isinstance(value, list) else [value]
    return all((v.casefold() if isinstance(v, str) else v) in folded for v in items)


def _check_params(spec: RuleSpec, overrides: Mapping[str, Any]) -> dict[str, Any]:
    declared: Mapping[str, Any] = spec.data.get("parameters") or {}
    params = {name: p["default"] for name, p in declared.items()}
    for name, p in declared.items():
        if "enum" in p and p["default"] is not None and not _allowed(p["default"], p["enum"]):
            where = f"{spec.path}:{spec.line(['parameters', name, 'default']) or 1}"
            raise RuleError(f"{where}: parameter {name!r}: default {p['default']!r} is not one of {p['enum']}")
    for name, value in overrides.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ConfigError(f"rule {spec.id} has no parameter {name!r} (parameters: {known})")
        expected = declared[name].get("type")
        ok = {
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "array": isinstance(value, list),
            None: True,
        }[expected]
        if not ok:
            raise ConfigError(f"rule {spec.id} parameter {name!r} must be of type {expected}, got {value!r}")
        allowed = declared[name].get("enum")
        if allowed is not None and not _allowed(value, allowed):
            raise ConfigError(f"rule {spec.id} parameter {name!r} must be one of {allowed}, got {value!r}")
        params[name] = value
    return params


def compile_rule(spec: RuleSpec, param_overrides: Mapping[str, Any] | None = None, severity: str | None = None) -> Rule:
    """Bind parameters and compile the conditions and templates of ``spec``."""
    data = spec.data
    params = _check_params(spec, param_overrides or {})

    def cond(raw: Any, pointer: tuple[str | int, ...]) -> Condition:
        try:
            return compile_condition(raw, params, pointer, data["subject"])
        except CompileError as exc:
            raise as_rule_error(str(spec.path), spec.line(exc.pointer), exc) from None

    messages = data["message"]
    remediation = data["remediation"]
    frameworks = {k: tuple(v) for k, v in (data.get("frameworks") or {}).items()}
    return Rule(
        id=spec.id,
        title=data["title"],
        description=data["description"],
        severity=Severity(severity or data["severity"]),
        subject=data["subject"],
        params=params,
        fail_when=cond(data["fail_when"], ("fail_when",)),
        applies_when=cond(data["applies_when"], ("applies_when",)) if "applies_when" in data else None,
        severity_when=tuple(
            (
                cond(entry["when"], ("severity_when", i, "when")),
                Severity(entry["severity"]),
                compile_template(entry["message"]) if "message" in entry else None,
            )
            for i, entry in enumerate(data.get("severity_when") or ())
        ),
        message_pass=compile_template(messages["pass"]),
        message_fail=compile_template(messages["fail"]),
        message_na=compile_template(messages.get("not_applicable") or f"{data['title']}: not applicable"),
        remediation_text=remediation["text"].strip(),
        remediation_az=compile_template(remediation["az"]) if remediation.get("az") else None,
        az_template=remediation.get("az"),
        references=tuple(data.get("references") or ()),
        frameworks=frameworks,
        tags=tuple(data.get("tags") or ()),
        precision=data.get("precision", "high"),
        spec=spec,
    )
