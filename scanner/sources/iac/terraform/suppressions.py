"""Inline suppressions in Terraform source: ``# acr-scan:ignore ACR-001 reason`` comments.

A comment (``#``, ``//`` or ``/* */``) on the line(s) right above a ``resource`` block or
anywhere inside it suppresses one or more comma-separated rule ids for that resource; the
reason is required. A suppression without a reason, or one attached to no resource, is an
input error (exit code 2): an ignored finding must say why. The user's view is in docs/iac.md
("Inline suppressions") and docs/iac-terraform.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec
from lark import Token

from scanner.errors import InputError
from scanner.sources.declarations import InlineSuppression
from scanner.sources.iac.terraform.parse import Block, SourceFile

_SUPPRESS = re.compile(r"^\s*(?:#|//|/\*|\*)?\s*acr-scan:ignore\b(?P<rest>.*)$")
_RULE_IDS = re.compile(r"\s*(?P<ids>[A-Za-z][A-Za-z0-9]*-\d+(?:\s*,\s*[A-Za-z][A-Za-z0-9]*-\d+)*)(?P<reason>.*)")
_NOT_COMMENTS = ("STRING_CHARS", "HEREDOC", "ESCAPED_", "TEMPLATE_STRING")


class _Comment(msgspec.Struct):
    line: int
    rules: tuple[str, ...]
    reason: str


def _suppression_comments(file: SourceFile) -> list[_Comment]:
    out: list[_Comment] = []
    tokens = file.tree.scan_values(lambda v: isinstance(v, Token) and not v.type.startswith(_NOT_COMMENTS))
    for token in tokens:
        value = str(token.value)
        if "acr-scan:ignore" not in value:
            continue
        for offset, text in enumerate(value.split("\n")):
            match = _SUPPRESS.match(text)
            if match is None:
                continue
            line = (token.line or 1) + offset
            shown = file.orig(line)
            rest = match.group("rest")
            rest = rest.split("*/", 1)[0]
            parsed = _RULE_IDS.match(rest)
            if parsed is None:
                raise InputError(
                    f"{file.rel}:{shown}: acr-scan:ignore needs a rule id and a reason (acr-scan:ignore ACR-001 why)"
                )
            rules = tuple(r.strip().upper() for r in parsed.group("ids").split(","))
            reason = parsed.group("reason").strip().lstrip(":-–—").strip()
            if not reason:
                raise InputError(
                    f"{file.rel}:{shown}: acr-scan:ignore {','.join(rules)} has no reason; "
                    "a suppression must say why (acr-scan:ignore ACR-001 reason)"
                )
            out.append(_Comment(line, rules, reason))
    return out


def _comment_only(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("#", "//", "/*", "*"))


def attach_suppressions(files: Sequence[SourceFile], blocks: Sequence[Block]) -> dict[int, list[InlineSuppression]]:
    """``id()`` of a resource block → its suppressions (comments above the block or inside it)."""
    attached: dict[int, list[InlineSuppression]] = {}
    for file in files:
        comments = _suppression_comments(file)
        if not comments:
            continue
        lines = file.text.splitlines()
        in_file = [b for b in blocks if b.file is file]
        for comment in comments:
            owner = next(
                (b for b in in_file if b.kind == "resource" and b.line <= comment.line <= b.end_line),
                None,
            )
            if owner is None:
                for block in in_file:
                    if block.kind != "resource" or block.line <= comment.line:
                        continue
                    between = lines[comment.line : block.line - 1]
                    if all(_comment_only(text) for text in between):
                        owner = block
                        break
            if owner is None:
                raise InputError(
                    f"{file.rel}:{file.orig(comment.line)}: acr-scan:ignore is not attached to a resource "
                    "(put it on the line above the resource block or inside it)"
                )
            for rule in comment.rules:
                attached.setdefault(id(owner), []).append(
                    InlineSuppression(rule, comment.reason, file.orig(comment.line))
                )
    return attached
