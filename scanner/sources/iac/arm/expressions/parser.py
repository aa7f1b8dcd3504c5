"""The ARM expression grammar: the inside of ``"[...]"`` parsed by hand into tuples.

Function calls, single-quoted strings (``''`` escapes a quote), integers, property access
``.name`` and indexing ``[expr]``; a JSON string ``"[[..."`` is a literal that starts with
``[``. Nothing is ever handed to ``eval``.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded


class ExpressionError(Exception):
    """An expression that is not valid ARM syntax (the deployment would reject the template)."""

    def __init__(self, expression: str, message: str) -> None:
        super().__init__(f"invalid template expression {expression!r}: {message}")
        self.expression = expression


Node = tuple[Any, ...]
# ("lit", value) | ("call", lower name, (args...), text) | ("prop", base, name, text) | ("index", base, node, text)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"-?\d+")
_SPACE = re.compile(r"\s*")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(f"[{self.text}]", f"{message} at column {self.pos + 2}")

    def skip(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        self.skip()
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.fail(f"expected {char!r}, found {found}")
        self.pos += 1

    def parse(self) -> Node:
        node = self.expression()
        self.skip()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos :]!r}")
        return node

    def expression(self) -> Node:
        self.skip()
        start = self.pos
        self.depth += 1
        if self.depth > budget.EXPRESSION_DEPTH:
            raise BudgetExceeded(
                f"the expression nests calls, properties and indexes more than {budget.EXPRESSION_DEPTH} levels deep "
                "(the limit)",
                self.text,
            )
        node = self.primary()
        while True:
            self.skip()
            char = self.peek()
            if char == ".":
                self.pos += 1
                self.skip()
                match = _IDENT.match(self.text, self.pos)
                if match is None:
                    raise self.fail("expected a property name after '.'")
                self.pos = match.end()
                node = ("prop", node, match.group(), self.text[start : self.pos])
            elif char == "[":
                self.pos += 1
                index = self.expression()
                self.expect("]")
                node = ("index", node, index, self.text[start : self.pos])
            else:
                self.depth -= 1
                return node

    def primary(self) -> Node:
        char = self.peek()
        if char == "'":
            return ("lit", self.string())
        match = _INT.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
            digits = match.group()
            if len(digits.lstrip("-")) > 19:  # checked before conversion: a 5,000-digit literal stays text
                raise BudgetExceeded(
                    f"the integer {digits[:24]}… has {len(digits.lstrip('-'))} digits, outside the 64-bit range",
                    self.text,
                )
            value = int(digits)
            budget.check_integer("an integer literal", value, self.text)
            return ("lit", value)
        match = _IDENT.match(self.text, self.pos)
        if match is None:
            raise self.fail(f"unexpected {char!r}" if char else "unexpected end of expression")
        start = self.pos
        self.pos = match.end()
        name = match.group()
        self.skip()
        if self.peek() == "." and _IDENT.match(self.text, self.pos + 1):  # user function: ns.name(...)
            member = _IDENT.match(self.text, self.pos + 1)
            assert member is not None
            after = _SPACE.match(self.text, member.end()).end()  # type: ignore[union-attr]
            if self.text[after : after + 1] == "(":
                self.pos = member.end()
                name = f"{name}.{member.group()}"
                self.skip()
        if self.peek() != "(":
            raise self.fail(f"{name!r} is not a function call (ARM has no bare names; use {name}())")
        self.pos += 1
        args: list[Node] = []
        self.skip()
        if self.peek() == ")":
            self.pos += 1
        else:
            while True:
                args.append(self.expression())
                self.skip()
                char = self.peek()
                self.pos += 1
                if char == ")":
                    break
                if char != ",":
                    self.pos -= 1
                    raise self.fail("expected ',' or ')'")
        return ("call", name.lower(), tuple(args), self.text[start : self.pos])

    def string(self) -> str:
        out: list[str] = []
        pos = self.pos + 1
        text = self.text
        while True:
            end = text.find("'", pos)
            if end < 0:
                self.pos = len(text)
                raise self.fail("unterminated string")
            out.append(text[pos:end])
            if text[end + 1 : end + 2] == "'":
                out.append("'")
                pos = end + 2
                continue
            self.pos = end + 1
            return "".join(out)


_PARSED: dict[str, Node] = {}


def parse(text: str) -> Node:
    """Parse the inside of ``[...]`` (memoized: templates repeat the same expressions)."""
    node = _PARSED.get(text)
    if node is None:
        if len(text) + 2 > budget.EXPRESSION_CHARS:
            raise BudgetExceeded(
                f"the expression has {len(text) + 2} characters, over Azure's limit of {budget.EXPRESSION_CHARS}",
                text[:200],
            )
        node = _PARSED[text] = _Parser(text).parse()
    return node


def is_expression(value: str) -> bool:
    """Whether a template string is an expression (``[...]`` but not the ``[[`` escape)."""
    return value[:1] == "[" and value[-1:] == "]" and value[1:2] != "["
