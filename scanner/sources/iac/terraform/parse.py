"""Terraform source text → python-hcl2's Lark syntax tree, and the helpers that read that tree.

``.tf`` files are parsed as they are; a ``.tf.json`` file is first written as the HCL it stands
for (:mod:`.json_syntax`) and keeps a map back to its own lines. A file that is not valid HCL
is an input error naming the file, line and column (exit code 2; see docs/iac.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hcl2
import msgspec
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.json_syntax import to_hcl

_SKIP = {"new_line_or_comment"}
_HCL_ERRORS = (UnexpectedInput, LarkError, RuntimeError, ValueError)
_QUOTED_CHARS = 1000  # of an expression quoted in a reason


class SourceFile(msgspec.Struct):
    """One parsed ``.tf`` / ``.tf.json`` / ``.tfvars`` file."""

    path: Path
    rel: str
    text: str
    tree: Tree[Any]
    line_map: list[int] | None = None  # .tf.json: generated HCL line → line in the JSON file

    def orig(self, line: int) -> int:
        """The line in the file on disk (a ``.tf.json`` file is read as generated HCL)."""
        if self.line_map is None:
            return line
        return self.line_map[line - 1] if 0 < line <= len(self.line_map) else 1


class Block(msgspec.Struct):
    """A top-level block (``resource``, ``data``, ``variable``, ``locals`` …) and where it is."""

    kind: str
    labels: list[str]
    body: Tree[Any]
    file: SourceFile
    line: int
    end_line: int


def _parse_error(rel: str, exc: Exception) -> InputError:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        what = "unexpected end of file (unclosed block, string or bracket?)"
    elif isinstance(exc, UnexpectedToken):
        value = str(exc.token.value).strip().splitlines()[0] if str(exc.token.value).strip() else exc.token.type
        what = f"unexpected {value[:40]!r}"
    elif isinstance(exc, UnexpectedCharacters):
        what = f"unexpected character {exc.char!r}"
    else:
        what = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = f"{rel}:{line}:{column}" if isinstance(line, int) and line > 0 else f"{rel}:1:1"
    return InputError(f"{where}: malformed HCL: {what}")


def parse(path: Path, rel: str) -> SourceFile:
    """Read and parse one file (``rel`` names it in errors and findings)."""
    text = limits.read_source(path, rel)
    if path.name.endswith(".tf.json"):
        hcl_text, line_map = to_hcl(text, rel)
        try:
            tree = hcl2.parses_to_tree(hcl_text)
        except _HCL_ERRORS as exc:
            line = getattr(exc, "line", None)
            at = line_map[line - 1] if isinstance(line, int) and 0 < line <= len(line_map) else 1
            raise InputError(f"{rel}:{at}:1: Terraform JSON holds an expression that is not valid HCL") from None
        file = SourceFile(path, rel, hcl_text, tree, line_map)
    else:
        try:
            tree = hcl2.parses_to_tree(text)
        except _HCL_ERRORS as exc:
            raise _parse_error(rel, exc) from None
        file = SourceFile(path, rel, text, tree)
    _check_depth(tree, rel, file.orig)
    return file


def _check_depth(tree: Tree[Any], rel: str, orig: Callable[[int], int]) -> None:
    """Refuse a syntax tree deeper than :data:`~scanner.sources.iac.budget.HCL_DEPTH` (walked iteratively)."""
    stack: list[tuple[Tree[Any], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > budget.HCL_DEPTH:
            line = getattr(node.meta, "line", None) if not node.meta.empty else None
            where = f"{rel}:{orig(line)}" if isinstance(line, int) else rel
            raise InputError(
                f"{where}: blocks and expressions nest more than {budget.HCL_DEPTH} levels deep "
                "(syntax-tree levels; the limit)"
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def top_blocks(file: SourceFile) -> Iterator[Block]:
    """The top-level blocks of a file, in order."""
    for kind, node in body_items(file.tree.children[0]):
        if kind == "block":
            block_type, labels, body = block_parts(node)
            yield Block(block_type, labels, body, file, node.meta.line, node.meta.end_line)


# --------------------------------------------------------------------------- reading the tree


def children(node: Tree[Any]) -> list[Any]:
    """Children that carry meaning (no comments/newlines)."""
    return [c for c in node.children if not (isinstance(c, Tree) and c.data in _SKIP)]


def leaf(node: Tree[Any]) -> str:
    """The text of the first token of a node (``int_lit``, ``binary_operator``, …)."""
    first: Any = node.children[0]
    return str(first.value) if isinstance(first, Token) else leaf(first)


def trees(node: Tree[Any]) -> list[Tree[Any]]:
    """Child subtrees that carry meaning."""
    return [c for c in node.children if isinstance(c, Tree) and c.data not in _SKIP]


def name_of(node: Any) -> str:
    """Text of an identifier / keyword / literal_value / string label."""
    if isinstance(node, Token):
        return str(node.value)
    if node.data == "string":
        return "".join(leaf(p) for p in node.children if isinstance(p, Tree))
    return "".join(str(t.value) for t in node.scan_values(lambda v: isinstance(v, Token)))


def body_items(body: Tree[Any]) -> Iterator[tuple[str, Tree[Any]]]:
    """``("attribute" | "block", node)`` for each item of a body, in order."""
    for child in body.children:
        if isinstance(child, Tree) and child.data in ("attribute", "block"):
            yield child.data, child


def attribute(node: Tree[Any]) -> tuple[str, Tree[Any]]:
    """(name, expression) of an ``attribute`` node."""
    name, expr = node.children[0], node.children[-1]
    return name_of(name), expr


def block_parts(node: Tree[Any]) -> tuple[str, list[str], Tree[Any]]:
    """(block type, labels, body) of a ``block`` node."""
    parts = [c for c in node.children if isinstance(c, Tree) and c.data not in _SKIP]
    body = parts[-1]
    names = [name_of(p) for p in parts[:-1]]
    return names[0], names[1:], body


def quote(node: Any, file: SourceFile) -> str:
    """The text of an expression as written (whitespace collapsed), for a reason to quote."""
    meta = getattr(node, "meta", None)
    start = getattr(meta, "start_pos", None)
    end = getattr(meta, "end_pos", None)
    if isinstance(start, int) and isinstance(end, int):
        # A long expression is cut, so reasons that quote one another stay small.
        text = " ".join(file.text[start : min(end, start + _QUOTED_CHARS)].split())
        return text if end - start <= _QUOTED_CHARS else text + "…"
    return "<expression>"
