"""The ARM template expression language: a parser, an evaluator and the template functions.

A JSON string ``"[...]"`` is an expression (``"[[..."`` is a literal that starts with ``[``).
The grammar is small: function calls, single-quoted strings (``''`` escapes a quote),
integers, property access ``.name`` and indexing ``[expr]``. It is parsed by hand into
tuples and evaluated by walking them; nothing is ever handed to ``eval``.

A value that cannot be known before deployment (a parameter without a value, ``reference()``,
``utcNow()``, a function this scanner does not implement) is :class:`Unresolved`: it carries
the reason and a *placeholder*, the text that stands for it inside a string. Functions that
build strings (``concat``, ``format``, ``toLower`` ...) keep building with placeholders, and
the resource-id functions always do, so ``resourceId('...registries', parameters('acrName'))``
and a registry named ``[parameters('acrName')]`` still get the same id (``.../registries/<acrName>``)
and their relation still joins. Where a rule reads the value, the reader turns it into
:class:`scanner.unknown.Unknown` with the expression in the reason.

Deployment-time facts are placeholders: the subscription is
:data:`~scanner.sources.iac.ids.PLACEHOLDER_SUBSCRIPTION`, the resource group
:data:`~scanner.sources.iac.ids.DEFAULT_RESOURCE_GROUP` (unless a nested deployment names
one), the cloud is AzureCloud, and the resource group's location is unresolved.

``uniqueString`` implements Azure's algorithm (a 64-bit Murmur variant over the ``-``-joined
arguments, 13 characters of base32) and ``guid`` Azure's name-based UUID v5; both reproduce
published reference values (see the tests), so names built from them match a deployment.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.ids import DEFAULT_RESOURCE_GROUP, PLACEHOLDER_SUBSCRIPTION

PLACEHOLDER_TENANT = "00000000-0000-0000-0000-000000000000"


class Unresolved:
    """A value only known at deployment (or not computable here): why, and what stands for it."""

    __slots__ = ("placeholder", "reason")

    def __init__(self, reason: str, placeholder: str) -> None:
        self.reason = reason
        self.placeholder = placeholder

    def __repr__(self) -> str:
        return f"Unresolved({self.reason!r}, {self.placeholder!r})"


class ExpressionError(Exception):
    """An expression that is not valid ARM syntax (the deployment would reject the template)."""

    def __init__(self, expression: str, message: str) -> None:
        super().__init__(f"invalid template expression {expression!r}: {message}")
        self.expression = expression


# --------------------------------------------------------------------------- parser

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


# --------------------------------------------------------------------------- evaluation context


@dataclass(frozen=True, slots=True)
class Target:
    """Where a template deploys: the subscription and resource group resource ids default to."""

    subscription_id: str = PLACEHOLDER_SUBSCRIPTION
    resource_group: str | None = DEFAULT_RESOURCE_GROUP  # None for a subscription-level template
    level: str = "resourceGroup"  # resourceGroup | subscription | managementGroup | tenant

    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group or DEFAULT_RESOURCE_GROUP}"

    def scope_id(self) -> str:
        """The id of the deployment scope itself (what an extension resource without scope extends)."""
        if self.level == "resourceGroup" and self.resource_group:
            return self.resource_group_id()
        if self.level in ("resourceGroup", "subscription"):
            return f"/subscriptions/{self.subscription_id}"
        return "/"


class Scope:
    """One template's parameters, variables and deployment target (shared by its resources)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        supplied: Mapping[str, Any],
        target: Target,
        meter: Meter | None = None,
    ) -> None:
        self.target = target
        self.meter = meter if meter is not None else Meter()
        params = template.get("parameters")
        self.declared: dict[str, tuple[str, Mapping[str, Any]]] = {}
        if isinstance(params, Mapping):
            for name, decl in params.items():
                self.declared[name.lower()] = (name, decl if isinstance(decl, Mapping) else {})
        self.supplied = {k.lower(): v for k, v in supplied.items()}
        self.raw_variables: dict[str, tuple[str, Any]] = {}
        variables = template.get("variables")
        if isinstance(variables, Mapping):
            for name, value in variables.items():
                if name == "copy" and isinstance(value, list):
                    for loop in value:
                        if isinstance(loop, Mapping) and isinstance(loop.get("name"), str):
                            self.raw_variables[loop["name"].lower()] = (loop["name"], {"copy": [loop]})
                else:
                    self.raw_variables[name.lower()] = (name, value)
        self._params: dict[str, Any] = {}
        self._variables: dict[str, Any] = {}
        self._busy: set[str] = set()

    def parameter(self, name: str) -> Any:
        key = name.lower()
        if key in self._params:
            return self._params[key]
        declared = self.declared.get(key)
        if declared is None:
            value: Any = Unresolved(f"parameter '{name}' is not declared in the template", f"<{name}>")
        elif key in self.supplied:
            value = self.supplied[key]
        elif "defaultValue" in declared[1]:
            busy = f"p:{key}"
            if busy in self._busy:
                return Unresolved(f"parameter '{name}' refers to itself", f"<{name}>")
            self._enter(busy, f"parameter '{name}'")
            try:
                value = evaluate_value(declared[1]["defaultValue"], Env(self))
            finally:
                self._leave(busy)
        else:
            value = Unresolved(
                f"parameter '{declared[0]}' has no value (no defaultValue and no parameters file)",
                f"<{declared[0]}>",
            )
        self._params[key] = value
        return value

    def variable(self, name: str) -> Any:
        key = name.lower()
        if key in self._variables:
            return self._variables[key]
        raw = self.raw_variables.get(key)
        if raw is None:
            return Unresolved(f"variable '{name}' is not defined", f"<{name}>")
        busy = f"v:{key}"
        if busy in self._busy:
            return Unresolved(f"variable '{name}' refers to itself", f"<{name}>")
        self._enter(busy, f"variable '{name}'")
        try:
            value = evaluate_value(raw[1], Env(self))
            if isinstance(raw[1], Mapping) and set(raw[1]) == {"copy"} and isinstance(value, Mapping):
                value = value.get(raw[0], value)  # a variable defined by a top-level copy loop
        finally:
            self._leave(busy)
        self._variables[key] = value
        return value

    def _enter(self, busy: str, what: str) -> None:
        """One more variable or parameter being resolved inside another (bounded, so no recursion runs away)."""
        meter = self.meter
        meter.references += 1
        if meter.references > budget.REFERENCE_DEPTH:
            meter.references -= 1
            raise BudgetExceeded(
                f"{what}: variables and parameters refer to one another more than {budget.REFERENCE_DEPTH} deep "
                "(the limit)"
            )
        self._busy.add(busy)

    def _leave(self, busy: str) -> None:
        self.meter.references -= 1
        self._busy.discard(busy)


class Env:
    """A scope plus the copy loops being expanded (innermost last)."""

    __slots__ = ("loops", "scope")

    def __init__(self, scope: Scope, loops: tuple[tuple[str, int | Unresolved], ...] = ()) -> None:
        self.scope = scope
        self.loops = loops

    def with_copy(self, name: str, index: int | Unresolved) -> Env:
        """This scope inside one iteration of copy loop ``name`` (an unresolved count: any iteration)."""
        return Env(self.scope, (*self.loops, (name.lower(), index)))

    def copy_index(self, loop: str | None) -> int | Unresolved | None:
        if not self.loops:
            return None
        if loop is None:
            return self.loops[-1][1]
        key = loop.lower()
        for name, index in reversed(self.loops):
            if name == key:
                return index
        return None


# --------------------------------------------------------------------------- evaluation


def evaluate(node: Node, env: Env) -> Any:
    """The value of a parsed expression (possibly :class:`Unresolved`)."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "call":
        name = node[1]
        lazy = LAZY.get(name)
        if lazy is not None:
            return lazy(node[2], env, node[3])
        function = FUNCTIONS.get(name)
        if function is None:
            return _unsupported(name, node[3])
        args = [evaluate(arg, env) for arg in node[2]]
        try:
            _charge(args, env.scope.meter, node[3][: len(name)])  # (the name as written)
            result = function(args, env, node[3])
        except _BAD_INPUT as exc:  # ARM would reject the deployment; here the value is unknown
            return _fail(node[3], f"{type(exc).__name__}: {exc}")
        except BudgetExceeded as exc:
            if exc.expression is None:
                exc.expression = node[3]
            raise
        kind = type(result)
        if (kind is str or kind is list or kind is dict) and len(result) > budget.LIST_ITEMS:
            _check_size(result, node[3][: len(name)], node[3])
        return result
    base = evaluate(node[1], env)
    text = node[3]
    if type(base) is Unresolved:
        return Unresolved(base.reason, f"<{text}>")
    if kind == "prop":
        return _member(base, node[2], text, env)
    index = evaluate(node[2], env)
    if type(index) is Unresolved:
        return Unresolved(index.reason, f"<{text}>")
    if isinstance(base, list) and type(index) is int:
        if 0 <= index < len(base):
            return base[index]
        return Unresolved(f"index {index} is outside the array ({len(base)} items) in {text}", f"<{text}>")
    if isinstance(base, Mapping) and isinstance(index, str):
        return _member(base, index, text, env)
    return Unresolved(f"cannot index {_kind(base)} with {index!r} in {text}", f"<{text}>")


# A deeper recursion is not "the value is unknown": it propagates, and the reader reports the
# nesting as an input error.
_BAD_INPUT = (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError)


def _charge(args: list[Any], meter: Meter, name: str) -> None:
    """A call costs the size of its arguments (a function's work is at most proportional to it)."""
    size = 0
    for arg in args:
        kind = type(arg)
        if kind is str:
            size += len(arg)
        elif kind is list or kind is dict:
            meter.charge_value(arg, f"{name}()")
        else:
            size += budget.ITEM_SIZE
    meter.spend(size, f"{name}()")


def _check_size(result: Any, name: str, text: str) -> None:
    """The safety net behind the per-function checks: no string or array past its limit leaves a call."""
    if type(result) is str:
        budget.check_string(f"{name}()", len(result), text)
    else:
        budget.check_items(f"{name}()", len(result), text)


def _member(base: Any, name: str, text: str, env: Env) -> Any:
    if isinstance(base, Mapping):
        if name in base:
            return base[name]
        env.scope.meter.spend(len(base) * budget.ITEM_SIZE, text)  # a case-insensitive look-up reads every key
        lowered = name.lower()
        for key, value in base.items():
            if key.lower() == lowered:
                return value
        return Unresolved(f"the object has no property '{name}' ({text})", f"<{text}>")
    return Unresolved(f"cannot read property '{name}' of {_kind(base)} ({text})", f"<{text}>")


def _unsupported(name: str, text: str) -> Unresolved:
    if name.startswith("list") or name in RUNTIME:
        return Unresolved(f"{text} is only known after deployment", f"<{text}>")
    if "." in name:
        return Unresolved(f"user-defined function {text} is not evaluated by this scanner", f"<{text}>")
    return Unresolved(f"function {name}() is not supported by this scanner", f"<{text}>")


def evaluate_string(value: str, env: Env) -> Any:
    """A template string: the expression's value, the ``[[`` escape, or the string itself."""
    if value[:1] != "[":
        return value
    if value[1:2] == "[":
        return value[1:]
    if value[-1:] != "]":
        return value
    return evaluate(parse(value[1:-1]), env)


def copy_count(value: Any, env: Env, what: str) -> int | Unresolved:
    """The ``count`` of a copy loop (an int, or an expression that yields one)."""
    count = evaluate_string(value, env) if isinstance(value, str) else value
    if isinstance(count, Unresolved):
        return count
    if isinstance(count, bool) or not isinstance(count, int):
        shown = repr(count) if budget.size_of(count, 200) <= 200 else _kind(count)
        return Unresolved(f"the count of copy loop {what} is {shown}, not an integer", f"<{what}>")
    if count > budget.COPY_COUNT:
        raise BudgetExceeded(
            f"copy loop '{what}' has a count of {budget.shown_number(count)}, over Azure's limit of {budget.COPY_COUNT}"
        )
    if count < 0:
        raise BudgetExceeded(f"copy loop '{what}' has a negative count ({count}); Azure refuses it")
    return count


def _property_loops(node: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    loops = node.get("copy")
    if isinstance(loops, list) and loops and all(isinstance(x, Mapping) and "input" in x for x in loops):
        return loops
    return None


def evaluate_value(value: Any, env: Env) -> Any:
    """Evaluate every expression inside a template value (objects, arrays, property copy loops)."""
    kind = type(value)
    if kind is str:
        return evaluate_string(value, env) if value[:1] == "[" else value
    if kind is dict or isinstance(value, Mapping):
        env.scope.meter.spend(len(value) * budget.ITEM_SIZE, "a template value")
        loops = _property_loops(value)
        out: dict[str, Any] = {}
        for key, item in value.items():
            if loops is not None and key == "copy":
                continue
            out[key] = evaluate_value(item, env)
        for loop in loops or ():
            name = str(loop.get("name"))
            count = copy_count(loop.get("count"), env, name)
            if isinstance(count, Unresolved):
                out[name] = count
            else:
                out[name] = [evaluate_value(loop["input"], env.with_copy(name, i)) for i in range(count)]
        return out
    if kind is list:
        env.scope.meter.spend(len(value) * budget.ITEM_SIZE, "a template value")
        return [evaluate_value(item, env) for item in value]
    return value


# --------------------------------------------------------------------------- helpers


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _first_unresolved(args: Sequence[Any]) -> Unresolved | None:
    for arg in args:
        if type(arg) is Unresolved:
            return arg
    return None


def _deep_unresolved(value: Any) -> Unresolved | None:
    if type(value) is Unresolved:
        return value
    if isinstance(value, list):
        for item in value:
            found = _deep_unresolved(item)
            if found is not None:
                return found
    elif isinstance(value, Mapping):
        for item in value.values():
            found = _deep_unresolved(item)
            if found is not None:
                return found
    return None


def _fail(text: str, message: str) -> Unresolved:
    return Unresolved(f"{text}: {message}", f"<{text}>")


def to_text(value: Any) -> str:
    """How ARM renders a value inside a string (``True``, ``1``, compact JSON for objects)."""
    if type(value) is str:
        return value
    if type(value) is Unresolved:
        return value.placeholder
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=lambda v: to_text(v))


def _same(a: Any, b: Any) -> bool | Unresolved:
    """ARM ``equals``: deep, type-aware (``1`` is not ``true``), case-sensitive for strings."""
    bad = _deep_unresolved(a) or _deep_unresolved(b)
    if bad is not None:
        return bad
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if {k.lower() for k in a} != {k.lower() for k in b}:
            return False
        lowered = {k.lower(): v for k, v in b.items()}
        return all(_same(v, lowered[k.lower()]) is True for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) is True for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b if not isinstance(a, int | float) else a == b


Function = Callable[[list[Any], Env, str], Any]
LazyFunction = Callable[[tuple[Node, ...], Env, str], Any]


def _strict(function: Function, arity: tuple[int, int | None] | None = None) -> Function:
    """Any unresolved argument makes the result unresolved; check the argument count."""

    def call(args: list[Any], env: Env, text: str) -> Any:
        if arity is not None:
            low, high = arity
            if len(args) < low or (high is not None and len(args) > high):
                expected = f"{low}" if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
                return _fail(text, f"expects {expected} argument(s), got {len(args)}")
        bad = _first_unresolved(args)
        if bad is not None:
            return Unresolved(bad.reason, f"<{text}>")
        return function(args, env, text)

    return call


# --------------------------------------------------------------------------- string functions


def _string_builder(build: Callable[[list[Any]], Any]) -> Function:
    """A string function that keeps building with placeholders when an argument is unresolved."""

    def call(args: list[Any], env: Env, text: str) -> Any:
        bad = _first_unresolved(args)
        values = [a.placeholder if type(a) is Unresolved else a for a in args]
        try:
            result = build(values)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            return _fail(text, f"{type(exc).__name__}: {exc}")
        return result if bad is None else Unresolved(bad.reason, to_text(result))

    return call


def _concat(args: list[Any], env: Env, text: str) -> Any:
    if any(isinstance(a, list) for a in args):
        bad = _first_unresolved(args)
        if bad is not None:
            return Unresolved(bad.reason, f"<{text}>")
        budget.check_items("concat()", sum(len(a) if isinstance(a, list) else 1 for a in args))
        out: list[Any] = []
        for arg in args:
            out.extend(arg if isinstance(arg, list) else [arg])
        return out
    return _string_builder(_join_texts)(args, env, text)


def _join_texts(values: list[Any]) -> str:
    texts = [to_text(v) for v in values]
    budget.check_string("concat()", sum(map(len, texts)))
    return "".join(texts)


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def _net_format(value: Any, spec: str | None) -> str:
    if spec and isinstance(value, int) and not isinstance(value, bool):
        letter, digits = spec[:1].upper(), spec[1:]
        width = int(digits) if digits.isdigit() and len(digits) <= 19 else 0
        budget.check_string("format()", width)
        if letter == "D":
            return f"{value:0{width}d}"
        if letter == "X":
            text = f"{value:0{width}x}"
            return text.upper() if spec[0] == "X" else text
        if letter == "N":
            return f"{value:,.{width}f}"
    return to_text(value)


def _format(values: list[Any]) -> str:
    fmt = to_text(values[0])
    items = values[1:]
    # Characters so far: the format's literal text counted up front, each item as it is replaced.
    built = [len(fmt) - sum(len(m.group()) for m in _FORMAT_ITEM.finditer(fmt))]

    def item(match: re.Match[str]) -> str:
        whole = match.group()
        if whole == "{{" or whole == "}}":
            built[0] += 1
            return whole[0]
        alignment = match.group(2) or "0"
        width = int(alignment) if len(alignment.lstrip("-")) <= 19 else budget.STRING_CHARS + 1
        # The size of what this item adds is known before it is built: check it first.
        budget.check_string("format()", built[0] + abs(width))
        text = _net_format(items[int(match.group(1))], match.group(3))
        built[0] += max(len(text), abs(width))
        budget.check_string("format()", built[0])
        return text.rjust(width) if width > 0 else text.ljust(-width)

    return _FORMAT_ITEM.sub(item, fmt)


def _require_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} expects a string, got {_kind(value)}")
    return value


def _pad_left(values: list[Any]) -> str:
    text = to_text(values[0])
    pad = to_text(values[2]) if len(values) > 2 else " "
    width = int(values[1])
    budget.check_string("padLeft()", max(len(text), width))
    return text.rjust(width, pad[:1] or " ")


def _substring(values: list[Any]) -> str:
    text = _require_str(values[0], "substring")
    start = int(values[1])
    if len(values) > 2:
        return text[start : start + int(values[2])]
    return text[start:]


def _split(args: list[Any], env: Env, text: str) -> Any:
    source = _require_str(args[0], "split")
    delimiters = args[1] if isinstance(args[1], list) else [args[1]]
    pattern = "|".join(re.escape(to_text(d)) for d in delimiters)
    return re.split(pattern, source) if pattern else [source]


def _trim(values: list[Any]) -> str:
    return to_text(values[0]).strip()


def _replace(values: list[Any]) -> str:
    text, old, new = to_text(values[0]), to_text(values[1]), to_text(values[2])
    times = text.count(old)  # an empty ``old`` matches between every character: len + 1 times
    budget.check_string("replace()", len(text) + times * (len(new) - len(old)))
    return text.replace(old, new)


# --------------------------------------------------------------------------- collections


def _contains(args: list[Any], env: Env, text: str) -> Any:
    container, item = args
    if isinstance(container, str):
        return to_text(item) in container
    if isinstance(container, Mapping):
        key = to_text(item).lower()
        return any(k.lower() == key for k in container)
    if isinstance(container, list):
        pending: Unresolved | None = None
        for element in container:
            same = _same(element, item)
            if same is True:
                return True
            if type(same) is Unresolved and pending is None:
                pending = same
        return Unresolved(pending.reason, f"<{text}>") if pending is not None else False
    raise TypeError(f"contains() cannot look inside {_kind(container)}")


def _empty(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if value is None:
        return True
    if isinstance(value, str | list | Mapping):
        return len(value) == 0
    raise TypeError(f"empty() expects a string, array or object, got {_kind(value)}")


def _length(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if isinstance(value, str | list | Mapping):
        return len(value)
    raise TypeError(f"length() expects a string, array or object, got {_kind(value)}")


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out = dict(a)
        for key, value in b.items():
            out[key] = _merge(out[key], value) if key in out else value
        return out
    return b


def _union(args: list[Any], env: Env, text: str) -> Any:
    if all(isinstance(a, Mapping) for a in args):
        result: dict[str, Any] = {}
        for arg in args:
            result = _merge(result, arg)
        return result
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for arg in args:
            # Every item is compared with those kept: each comparison costs as much as reading an item.
            env.scope.meter.spend(len(arg) * len(out) * budget.ITEM_SIZE, "union()")
            for item in arg:
                if not any(_same(item, seen) is True for seen in out):
                    out.append(item)
        return out
    raise TypeError("union() expects only arrays or only objects")


def _intersection(args: list[Any], env: Env, text: str) -> Any:
    first, rest = args[0], args[1:]
    if isinstance(first, Mapping):
        return {
            k: v
            for k, v in first.items()
            if all(isinstance(o, Mapping) and k in o and _same(o[k], v) is True for o in rest)
        }
    if isinstance(first, list):
        pairs = len(first) * sum(len(o) for o in rest if isinstance(o, list))
        env.scope.meter.spend(pairs * budget.ITEM_SIZE, "intersection()")
        return [x for x in first if all(any(_same(x, y) is True for y in o) for o in rest)]
    raise TypeError("intersection() expects arrays or objects")


def _create_object(args: list[Any], env: Env, text: str) -> Any:
    if len(args) % 2:
        raise ValueError("createObject() needs key/value pairs")
    out: dict[str, Any] = {}
    for index in range(0, len(args), 2):
        key = args[index]
        if type(key) is Unresolved:
            return Unresolved(key.reason, f"<{text}>")
        out[_require_str(key, "createObject key")] = args[index + 1]
    return out


def _first(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if isinstance(value, str | list):
        return value[0] if value else ("" if isinstance(value, str) else None)
    raise TypeError(f"first() expects a string or array, got {_kind(value)}")


def _last(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if isinstance(value, str | list):
        return value[-1] if value else ("" if isinstance(value, str) else None)
    raise TypeError(f"last() expects a string or array, got {_kind(value)}")


def _take(args: list[Any], env: Env, text: str) -> Any:
    return args[0][: max(0, int(args[1]))]


def _skip(args: list[Any], env: Env, text: str) -> Any:
    return args[0][max(0, int(args[1])) :]


def _items(args: list[Any], env: Env, text: str) -> Any:
    obj = args[0]
    if not isinstance(obj, Mapping):
        raise TypeError(f"items() expects an object, got {_kind(obj)}")
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


def _join(args: list[Any], env: Env, text: str) -> Any:
    separator = to_text(args[1])
    texts = [to_text(v) for v in args[0]]
    budget.check_string("join()", sum(map(len, texts)) + max(len(texts) - 1, 0) * len(separator))
    return separator.join(texts)


def _index_of(last: bool) -> Function:
    def call(args: list[Any], env: Env, text: str) -> Any:
        container, item = args
        if isinstance(container, str):
            haystack, needle = container.lower(), to_text(item).lower()
            return haystack.rfind(needle) if last else haystack.find(needle)
        if not isinstance(container, list):
            raise TypeError(f"indexOf() cannot look inside {_kind(container)}")
        positions = [i for i, x in enumerate(container) if _same(x, item) is True]
        if not positions:
            return -1
        return positions[-1] if last else positions[0]

    return call


# --------------------------------------------------------------------------- logic and numbers


def _lazy_if(nodes: tuple[Node, ...], env: Env, text: str) -> Any:
    if len(nodes) != 3:
        return _fail(text, f"expects 3 arguments, got {len(nodes)}")
    condition = evaluate(nodes[0], env)
    if type(condition) is Unresolved:
        return Unresolved(condition.reason, f"<{text}>")
    if not isinstance(condition, bool):
        return _fail(text, f"the condition is {_kind(condition)}, not a bool")
    return evaluate(nodes[1] if condition else nodes[2], env)


def _lazy_logic(stop: bool) -> LazyFunction:
    """``and`` (stops at false) / ``or`` (stops at true), three-valued over unresolved values."""

    def call(nodes: tuple[Node, ...], env: Env, text: str) -> Any:
        if len(nodes) < 2:
            return _fail(text, "expects at least 2 arguments")
        pending: Unresolved | None = None
        for node in nodes:
            value = evaluate(node, env)
            if type(value) is Unresolved:
                pending = pending or value
                continue
            if not isinstance(value, bool):
                return _fail(text, f"an argument is {_kind(value)}, not a bool")
            if value is stop:
                return stop
        return Unresolved(pending.reason, f"<{text}>") if pending is not None else not stop

    return call


def _lazy_coalesce(nodes: tuple[Node, ...], env: Env, text: str) -> Any:
    for node in nodes:
        value = evaluate(node, env)
        if type(value) is Unresolved:
            return Unresolved(value.reason, f"<{text}>")
        if value is not None:
            return value
    return None


def _not(args: list[Any], env: Env, text: str) -> Any:
    if not isinstance(args[0], bool):
        raise TypeError(f"not() expects a bool, got {_kind(args[0])}")
    return not args[0]


def _bool(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise ValueError(f"bool() cannot convert {value!r}")


def _int(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if isinstance(value, bool):
        raise TypeError("int() cannot convert a bool")
    if isinstance(value, int | float):
        return _whole(int(value), "int()")
    return _whole(_require_str(value, "int").strip(), "int()")


def _compare(op: Callable[[Any, Any], bool]) -> Function:
    def call(args: list[Any], env: Env, text: str) -> Any:
        a, b = args
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool | str):
            return op(a, b)
        raise TypeError(f"cannot compare {_kind(a)} with {_kind(b)}")

    return call


def _arith(op: Callable[[int, int], int]) -> Function:
    def call(args: list[Any], env: Env, text: str) -> Any:
        a, b = args
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int) or not isinstance(b, int):
            raise TypeError("expects two integers")
        budget.check_integer("an argument", a)
        budget.check_integer("an argument", b)
        result = op(a, b)  # of two 64-bit integers: at most 128 bits, checked before it is used again
        budget.check_integer(text, result)
        return result

    return call


def _extreme(pick: Callable[[list[Any]], Any]) -> Function:
    def call(args: list[Any], env: Env, text: str) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        return pick(list(values))

    return call


def _json(args: list[Any], env: Env, text: str) -> Any:
    source = _require_str(args[0], "json")
    try:
        value = json.loads(source, parse_int=budget.json_int)
    except RecursionError:
        value = None
        deep = True
    else:
        deep = budget.depth_over(value, budget.JSON_DEPTH)
    if deep:
        raise BudgetExceeded(f"json() reads arrays and objects nested more than {budget.JSON_DEPTH} levels deep")
    return value


def _string(args: list[Any], env: Env, text: str) -> Any:
    value = args[0]
    if isinstance(value, list | Mapping):
        return json.dumps(value, separators=(",", ":"))
    return to_text(value)


def _range(args: list[Any], env: Env, text: str) -> Any:
    start, count = _whole(args[0], "range()"), _whole(args[1], "range()")
    budget.check_items("range()", count)
    budget.check_integer("range()", start + count)
    return list(range(start, start + count))


def _whole(value: Any, what: str) -> int:
    """An integer argument (a number, or a string of digits checked for size before conversion)."""
    if isinstance(value, str) and len(value.strip().lstrip("+-")) > 19:
        raise BudgetExceeded(f"{what} is given an integer of {len(value.strip())} digits, outside the 64-bit range")
    number = int(value)
    budget.check_integer(what, number)
    return number


def _array(args: list[Any], env: Env, text: str) -> Any:
    return args[0] if isinstance(args[0], list) else [args[0]]


# --------------------------------------------------------------------------- identity functions


def _murmur64(data: bytes) -> int:
    """Azure's 64-bit Murmur variant behind uniqueString (two 32-bit lanes, seed 0)."""
    mask = 0xFFFFFFFF
    c1, c2 = 0x239B961B, 0xAB0E9789

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & mask

    def fmix(h: int) -> int:
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & mask
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & mask
        return h ^ (h >> 16)

    length = len(data)
    h1 = h2 = 0
    index = 0
    while index + 7 < length:
        k1 = int.from_bytes(data[index : index + 4], "little")
        k2 = int.from_bytes(data[index + 4 : index + 8], "little")
        h1 ^= (rotl((k1 * c1) & mask, 15) * c2) & mask
        h1 = (((rotl(h1, 19) + h2) & mask) * 5 + 0x561CCD1B) & mask
        h2 ^= (rotl((k2 * c2) & mask, 17) * c1) & mask
        h2 = (((rotl(h2, 13) + h1) & mask) * 5 + 0x0BCAA747) & mask
        index += 8
    tail = length - index
    if tail > 0:
        k1 = int.from_bytes(data[index : index + min(tail, 4)], "little")
        h1 ^= (rotl((k1 * c1) & mask, 15) * c2) & mask
        if tail > 4:
            k2 = int.from_bytes(data[index + 4 : index + tail], "little")
            h2 ^= (rotl((k2 * c2) & mask, 17) * c1) & mask
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & mask
    h2 = (h2 + h1) & mask
    h1, h2 = fmix(h1), fmix(h2)
    h1 = (h1 + h2) & mask
    h2 = (h2 + h1) & mask
    return (h2 << 32) | h1


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def unique_string(*values: str) -> str:
    """ARM ``uniqueString(...)``: 13 base32 characters of the hash of the ``-``-joined values."""
    digest = _murmur64("-".join(values).encode("utf-8"))
    mask = 0xFFFFFFFFFFFFFFFF
    return "".join(_BASE32[((digest << (5 * i)) & mask) >> 59] for i in range(13))


_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


def arm_guid(*values: str) -> str:
    """ARM ``guid(...)``: the name-based (v5) UUID of the ``-``-joined values in ARM's namespace."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(values)))


def _hash_function(function: Callable[..., str]) -> Function:
    def call(args: list[Any], env: Env, text: str) -> Any:
        if not args:
            return _fail(text, "expects at least 1 argument")
        bad = _first_unresolved(args)
        if bad is not None:
            return Unresolved(bad.reason, f"<{text}>")
        if not all(isinstance(a, str) for a in args):
            return _fail(text, "expects string arguments")
        return function(*args)

    return call


def _id_parts(args: list[Any], text: str) -> tuple[list[str], str, list[str]] | Unresolved:
    """(scope arguments, resource type, names) of a resourceId-style call; placeholders stand in."""
    values = [a.placeholder if type(a) is Unresolved else to_text(a) for a in args]
    for index, value in enumerate(values):
        head = value.strip("/").split("/", 1)[0]
        if "/" in value.strip("/") and "." in head and type(args[index]) is not Unresolved:
            names = [n for v in values[index + 1 :] for n in v.strip("/").split("/") if n]
            return values[:index], value.strip("/"), names
    return _fail(text, "needs a resource type such as 'Microsoft.ContainerRegistry/registries'")


def _provider_path(resource_type: str, names: list[str]) -> str:
    namespace, *types = resource_type.split("/")
    while len(names) < len(types):
        names = ["<missing name>", *names]
    pairs = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=False))
    return f"{namespace}/{pairs}"


def _resource_id(args: list[Any], env: Env, text: str) -> Any:
    parts = _id_parts(args, text)
    if type(parts) is Unresolved:
        return parts
    scope, resource_type, names = parts  # type: ignore[misc]
    target = env.scope.target
    subscription, group = target.subscription_id, target.resource_group
    if len(scope) >= 2:
        subscription, group = scope[0], scope[1]
    elif len(scope) == 1:
        group = scope[0]
    path = _provider_path(resource_type, names)
    if group is None:
        return f"/subscriptions/{subscription}/providers/{path}"
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{path}"


def _subscription_resource_id(args: list[Any], env: Env, text: str) -> Any:
    parts = _id_parts(args, text)
    if type(parts) is Unresolved:
        return parts
    scope, resource_type, names = parts  # type: ignore[misc]
    subscription = scope[0] if scope else env.scope.target.subscription_id
    return f"/subscriptions/{subscription}/providers/{_provider_path(resource_type, names)}"


def _tenant_resource_id(args: list[Any], env: Env, text: str) -> Any:
    parts = _id_parts(args, text)
    if type(parts) is Unresolved:
        return parts
    _scope, resource_type, names = parts  # type: ignore[misc]
    return f"/providers/{_provider_path(resource_type, names)}"


def _extension_resource_id(args: list[Any], env: Env, text: str) -> Any:
    if len(args) < 3:
        return _fail(text, "expects a resource id, a type and names")
    base = args[0].placeholder if type(args[0]) is Unresolved else to_text(args[0])
    parts = _id_parts(args[1:], text)
    if type(parts) is Unresolved:
        return parts
    _scope, resource_type, names = parts  # type: ignore[misc]
    return f"{base.rstrip('/')}/providers/{_provider_path(resource_type, names)}"


def _resource_group(args: list[Any], env: Env, text: str) -> Any:
    target = env.scope.target
    name = target.resource_group or DEFAULT_RESOURCE_GROUP
    return {
        "id": target.resource_group_id(),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": Unresolved(
            "the resource group's location is only known at deployment", "<resourceGroup().location>"
        ),
        "managedBy": None,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


def _subscription(args: list[Any], env: Env, text: str) -> Any:
    sub = env.scope.target.subscription_id
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": PLACEHOLDER_TENANT,
        "displayName": "<subscription>",
    }


def _tenant(args: list[Any], env: Env, text: str) -> Any:
    return {"id": f"/tenants/{PLACEHOLDER_TENANT}", "tenantId": PLACEHOLDER_TENANT, "displayName": "<tenant>"}


_ENVIRONMENT: dict[str, Any] = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


def _environment(args: list[Any], env: Env, text: str) -> Any:
    return _ENVIRONMENT


def _deployment(args: list[Any], env: Env, text: str) -> Any:
    return {"name": "iac-deployment", "properties": {"templateLink": None, "mode": "Incremental"}}


def _parameters(args: list[Any], env: Env, text: str) -> Any:
    name = args[0]
    if not isinstance(name, str):
        return _fail(text, "expects a parameter name")
    return env.scope.parameter(name)


def _variables(args: list[Any], env: Env, text: str) -> Any:
    name = args[0]
    if not isinstance(name, str):
        return _fail(text, "expects a variable name")
    return env.scope.variable(name)


def _copy_index(args: list[Any], env: Env, text: str) -> Any:
    loop: str | None = None
    offset = 0
    for arg in args:
        if isinstance(arg, str):
            loop = arg
        elif isinstance(arg, int) and not isinstance(arg, bool):
            offset = arg
        else:
            return _fail(text, "expects a loop name and/or an integer offset")
    index = env.copy_index(loop)
    if index is None:
        where = f"loop '{loop}'" if loop else "a copy loop"
        return _fail(text, f"is used outside {where}")
    if isinstance(index, Unresolved):
        return Unresolved(index.reason, f"<{text}>")
    budget.check_integer(text, index + offset)
    return index + offset


RUNTIME = frozenset(
    {
        "reference",
        "newguid",
        "utcnow",
        "pickzones",
        "providers",
        "managementgroup",
        "managementgroupresourceid",
        "listkeys",
        "listsecrets",
        "listcredentials",
        "listaccountsas",
        "listservicesas",
        "listcallbackurl",
    }
)

LAZY: dict[str, LazyFunction] = {
    "if": _lazy_if,
    "and": _lazy_logic(False),
    "or": _lazy_logic(True),
    "coalesce": _lazy_coalesce,
}

FUNCTIONS: dict[str, Function] = {
    # parameters, variables, copy loops
    "parameters": _strict(_parameters, (1, 1)),
    "variables": _strict(_variables, (1, 1)),
    "copyindex": _strict(_copy_index, (0, 2)),
    # strings (keep building with placeholders)
    "concat": _concat,
    "format": _string_builder(_format),
    "tolower": _string_builder(lambda v: to_text(v[0]).lower()),
    "toupper": _string_builder(lambda v: to_text(v[0]).upper()),
    "string": _strict(_string, (1, 1)),
    "replace": _string_builder(_replace),
    "trim": _string_builder(_trim),
    "padleft": _string_builder(_pad_left),
    "substring": _strict(lambda a, e, t: _substring(a), (2, 3)),
    "split": _strict(_split, (2, 2)),
    "startswith": _strict(lambda a, e, t: to_text(a[0]).lower().startswith(to_text(a[1]).lower()), (2, 2)),
    "endswith": _strict(lambda a, e, t: to_text(a[0]).lower().endswith(to_text(a[1]).lower()), (2, 2)),
    "indexof": _strict(_index_of(False), (2, 2)),
    "lastindexof": _strict(_index_of(True), (2, 2)),
    "base64": _strict(lambda a, e, t: base64.b64encode(to_text(a[0]).encode()).decode(), (1, 1)),
    "base64tostring": _strict(lambda a, e, t: base64.b64decode(to_text(a[0])).decode(), (1, 1)),
    "uricomponent": _strict(lambda a, e, t: quote(to_text(a[0]), safe=""), (1, 1)),
    "uricomponenttostring": _strict(lambda a, e, t: unquote(to_text(a[0])), (1, 1)),
    "uri": _strict(lambda a, e, t: to_text(a[0]).rsplit("/", 1)[0] + "/" + to_text(a[1]).lstrip("/"), (2, 2)),
    "guid": _hash_function(arm_guid),
    "uniquestring": _hash_function(unique_string),
    # logic and comparison
    "equals": _strict(lambda a, e, t: _same(a[0], a[1]), (2, 2)),
    "not": _strict(_not, (1, 1)),
    "bool": _strict(_bool, (1, 1)),
    "true": _strict(lambda a, e, t: True, (0, 0)),
    "false": _strict(lambda a, e, t: False, (0, 0)),
    "null": _strict(lambda a, e, t: None, (0, 0)),
    "greater": _strict(_compare(lambda a, b: a > b), (2, 2)),
    "greaterorequals": _strict(_compare(lambda a, b: a >= b), (2, 2)),
    "less": _strict(_compare(lambda a, b: a < b), (2, 2)),
    "lessorequals": _strict(_compare(lambda a, b: a <= b), (2, 2)),
    # numbers
    "int": _strict(_int, (1, 1)),
    "add": _strict(_arith(lambda a, b: a + b), (2, 2)),
    "sub": _strict(_arith(lambda a, b: a - b), (2, 2)),
    "mul": _strict(_arith(lambda a, b: a * b), (2, 2)),
    "div": _strict(_arith(lambda a, b: (abs(a) // abs(b)) * (1 if (a >= 0) == (b >= 0) else -1)), (2, 2)),
    "mod": _strict(_arith(lambda a, b: (abs(a) % abs(b)) * (1 if a >= 0 else -1)), (2, 2)),
    "min": _strict(_extreme(min), (1, None)),
    "max": _strict(_extreme(max), (1, None)),
    "range": _strict(_range, (2, 2)),
    # arrays and objects
    "empty": _strict(_empty, (1, 1)),
    "contains": _strict(_contains, (2, 2)),
    "length": _strict(_length, (1, 1)),
    "union": _strict(_union, (1, None)),
    "intersection": _strict(_intersection, (1, None)),
    "createarray": lambda a, e, t: list(a),
    "array": _strict(_array, (1, 1)),
    "createobject": _create_object,
    "json": _strict(_json, (1, 1)),
    "first": _strict(_first, (1, 1)),
    "last": _strict(_last, (1, 1)),
    "take": _strict(_take, (2, 2)),
    "skip": _strict(_skip, (2, 2)),
    "items": _strict(_items, (1, 1)),
    "join": _strict(_join, (2, 2)),
    # resource ids and deployment facts (placeholders stand in for unresolved names)
    "resourceid": _resource_id,
    "subscriptionresourceid": _subscription_resource_id,
    "tenantresourceid": _tenant_resource_id,
    "extensionresourceid": _extension_resource_id,
    "resourcegroup": _resource_group,
    "subscription": _subscription,
    "tenant": _tenant,
    "environment": _environment,
    "deployment": _deployment,
}
