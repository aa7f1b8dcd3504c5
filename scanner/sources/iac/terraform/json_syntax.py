"""Terraform's JSON syntax (``.tf.json``) → the equivalent HCL text, with a map back to its lines.

Strings are templates as in Terraform (``"${var.x}"``), ``"//"`` keys are comments (so an
``acr-scan:ignore`` suppression can be written there), and every generated line remembers the
JSON line it came from, so findings point into the ``.tf.json`` file (docs/iac-terraform.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from scanner.errors import InputError
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.json_lines import key_lines

_SKIP_JSON_KEYS = frozenset({"lifecycle", "provisioner", "connection", "depends_on", "provider"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _HclWriter:
    """Terraform JSON syntax → equivalent HCL text, remembering each line's JSON line."""

    def __init__(self, lines: Mapping[tuple[str | int, ...], int]) -> None:
        self.json_lines = lines
        self.out: list[str] = []
        self.line_map: list[int] = []

    def emit(self, text: str, line: int) -> None:
        """Append one HCL line that stands for JSON line ``line``."""
        self.out.append(text)
        self.line_map.append(line)

    def value(self, value: Any, literal: bool = False) -> str:
        """A JSON value as an HCL expression (``literal``: strings are not templates)."""
        if isinstance(value, str):
            text = json.dumps(value)
            return text.replace("${", "$${").replace("%{", "%%{") if literal else text
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v, literal) for v in value) + "]"
        if isinstance(value, dict):
            items = (f"{json.dumps(str(k))} = {self.value(v, literal)}" for k, v in value.items())
            return "{" + ", ".join(items) + "}"
        return json.dumps(value)

    def body(self, body: Any, path: tuple[str | int, ...], line: int) -> None:
        """The attributes of one JSON object as HCL lines (``"//"`` keys become comments)."""
        if not isinstance(body, dict):
            return
        for key, value in body.items():
            at = self.json_lines.get((*path, key), line)
            if key == "//":
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str):
                        for part in text.splitlines() or [""]:
                            self.emit(f"# {part}", at)
            elif key == "dynamic" and isinstance(value, dict):
                self._dynamic(value, (*path, key), at)
            elif key in _SKIP_JSON_KEYS or not _IDENTIFIER.fullmatch(str(key)):
                continue
            else:
                self.emit(f"{key} = {self.value(value)}", at)

    def _dynamic(self, value: Mapping[str, Any], path: tuple[str | int, ...], at: int) -> None:
        for block_type, specs in value.items():
            for spec in specs if isinstance(specs, list) else [specs]:
                if not isinstance(spec, dict) or not _IDENTIFIER.fullmatch(str(block_type)):
                    continue
                self.emit(f"dynamic {json.dumps(str(block_type))} {{", at)
                if "for_each" in spec:
                    self.emit(f"for_each = {self.value(spec['for_each'])}", at)
                if isinstance(spec.get("iterator"), str) and _IDENTIFIER.fullmatch(spec["iterator"]):
                    self.emit(f"iterator = {spec['iterator']}", at)
                content = spec.get("content")
                for item in content if isinstance(content, list) else [content]:
                    self.emit("content {", at)
                    self.body(item, path, at)
                    self.emit("}", at)
                self.emit("}", at)


def to_hcl(text: str, rel: str) -> tuple[str, list[int]]:
    """The HCL text a ``.tf.json`` file stands for, and each of its lines' line in the JSON file."""
    data = limits.load_json(text, rel, "Terraform JSON")
    if not isinstance(data, dict):
        raise InputError(f"{rel}:1:1: a Terraform JSON file must be an object")
    writer = _HclWriter(key_lines(text, keep=("resource", "data", "variable", "locals")))
    variables = data.get("variable")
    for name, spec in variables.items() if isinstance(variables, dict) else ():
        if _IDENTIFIER.fullmatch(str(name)):
            at = writer.json_lines.get(("variable", name), 1)
            writer.emit(f"variable {json.dumps(str(name))} {{", at)
            if isinstance(spec, dict) and "default" in spec:
                writer.emit(f"default = {writer.value(spec['default'], literal=True)}", at)
            writer.emit("}", at)
    local_blocks = data.get("locals") or []
    for block in local_blocks if isinstance(local_blocks, list) else [local_blocks]:
        at = writer.json_lines.get(("locals",), 1)
        writer.emit("locals {", at)
        writer.body(block, ("locals",), at)
        writer.emit("}", at)
    for kind in ("resource", "data"):
        types = data.get(kind)
        for tf_type, named in types.items() if isinstance(types, dict) else ():
            for name, bodies in named.items() if isinstance(named, dict) else ():
                at = writer.json_lines.get((kind, tf_type, name), 1)
                for body in bodies if isinstance(bodies, list) else [bodies]:
                    writer.emit(f"{kind} {json.dumps(str(tf_type))} {json.dumps(str(name))} {{", at)
                    writer.body(body, (kind, tf_type, name), at)
                    writer.emit("}", writer.line_map[-1])
    return "\n".join(writer.out) + "\n", writer.line_map
