"""Compile rule conditions (plain YAML data) into a tree of small node objects, once per rule.

No ``eval``, no templating in conditions: each node of the condition tree becomes an object
whose ``test(document, context)`` returns ``True | False | Unknown``. The logic is
three-valued so that a missing input (:class:`Unknown`) propagates to an ``unknown`` finding
instead of a guess:

* ``all``: False if any branch is False, else Unknown if any is Unknown, else True;
* ``any``: True if any branch is True, else Unknown if any is Unknown, else False;
* ``not``: flips True/False and keeps Unknown.

When several branches are unknown, a real gap wins over a ``live_only`` one (data that only
exists after deployment), so a rule is ``not_applicable`` only when nothing else is missing.

String comparisons are case-insensitive unless the leaf says ``case_sensitive: true``
(Azure enums and ids are case-insensitive).

A leaf on a field that Azure defines as a closed set of values (``publicNetworkAccess``,
``sku.name``, a connection's ``status``: :mod:`scanner.inventory.vocabulary`) is unknown when
the value is outside that set, instead of comparing it: any other value is not "not
Disabled", it is something the rule does not understand.

Why classes and not closures: every node runs once per rule per subject (half a million
calls in a 5,000-registry scan). Compiled with mypyc (``scripts/build_native.py``), a call
from one node class to another is a direct C call through the class's method table, where a
call between closures goes through Python's generic calling convention. Each node is also
callable (``node(doc, ctx)``), so callers that only hold a :data:`Condition` need not care.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from scanner.engine.documented import document_path, undocumented
from scanner.engine.regex import Pattern, PatternError, compile_pattern
from scanner.errors import RuleError
from scanner.inventory.vocabulary import Vocabulary, documented
from scanner.timeutil import parse_datetime
from scanner.unknown import Unknown

Truth = bool | Unknown


class _Missing:
    """Marker for a path that does not exist in the document (distinct from JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


NO_BINDINGS: dict[str, Any] = {}


class Context:
    """Per-evaluation state: the scan time, the subject root, evidence and ``as`` bindings."""

    __slots__ = ("bindings", "evidence", "now", "root")

    def __init__(self, now: datetime, root: Mapping[str, Any]) -> None:
        self.now = now
        self.root = root
        self.evidence: dict[str, Any] | None = {}
        self.bindings: dict[str, Any] = NO_BINDINGS  # replaced by a fresh dict on first ``as``


COMPARATORS = ("equals", "not_equals", "greater", "greater_or_equal", "less", "less_or_equal")
LEAF_OPERATORS = (
    *COMPARATORS,
    "in",
    "not_in",
    "exists",
    "empty",
    "contains",
    "not_contains",
    "matches",
    "cidr_addresses_greater",
    "private_ip",
    "before_now",
    "within_days",
    "older_than_days",
    "duration_days_greater",
)


@lru_cache(maxsize=16384)
def _timestamp(text: str) -> datetime:
    """A timestamp leaf's value, parsed once: several rules (and the severity cases) read the
    same expiry or start date of a subject, and parsing is most of a date leaf's cost."""
    return parse_datetime(text)


class CompileError(Exception):
    """A condition that the schema let through but cannot be compiled (e.g. a bad regex)."""

    def __init__(self, pointer: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def split_path(path: str) -> tuple[bool, tuple[str, ...]]:
    """``$.a.b`` addresses the subject root; ``a.b`` the current document (item in ``where``).

    The keys are interned: a subject document's own keys are string literals (interned), so
    a lookup then matches by identity instead of comparing the characters.
    """
    if path.startswith("$."):
        return True, tuple(map(sys.intern, path[2:].split(".")))
    return False, tuple(map(sys.intern, path.split(".")))


def _walk(cur: Any, parts: tuple[str, ...]) -> Any:
    """Follow ``parts`` from ``cur``: the value, :data:`MISSING`, or the :class:`Unknown` met on the way."""
    for part in parts:
        if type(cur) is dict:  # the common case first: this runs per leaf per subject
            cur = cur.get(part, MISSING)
        elif isinstance(cur, Unknown):
            return cur
        elif isinstance(cur, Mapping):
            cur = cur.get(part, MISSING)
        elif isinstance(cur, list) and part.isdigit():
            index = int(part)
            cur = cur[index] if index < len(cur) else MISSING
        else:
            return MISSING
        if cur is MISSING:
            return MISSING
    return cur


# --------------------------------------------------------------------------- values


class Getter:
    """Reads one value for a leaf: a field of the document, a parameter, or a literal."""

    def get(self, doc: Any, ctx: Context) -> Any:
        """The value, :data:`MISSING`, or an :class:`Unknown`."""
        raise NotImplementedError

    def __call__(self, doc: Any, ctx: Context) -> Any:
        return self.get(doc, ctx)


class _Constant(Getter):
    """A literal or a parameter: fixed once the rule is compiled."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self, doc: Any, ctx: Context) -> Any:
        return self.value


class _FromRoot(Getter):
    """``$.a.b``: a path from the subject document, even inside a ``where``."""

    def __init__(self, parts: tuple[str, ...]) -> None:
        self.parts = parts

    def get(self, doc: Any, ctx: Context) -> Any:
        return _walk(ctx.root, self.parts)


class _Path(Getter):
    """A path of three or more keys (or list indexes): the general walk."""

    def __init__(self, parts: tuple[str, ...]) -> None:
        self.parts = parts

    def get(self, doc: Any, ctx: Context) -> Any:
        return _walk(doc, self.parts)


class _Key(Getter):
    """One key (``status``): a dict lookup, with the general walk off that path."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.parts = (key,)

    def get(self, doc: Any, ctx: Context) -> Any:
        if type(doc) is dict:
            return doc.get(self.key, MISSING)
        return _walk(doc, self.parts)


class _Pair(Getter):
    """Two keys (``properties.x``), the most common rule path: two inline dict lookups."""

    def __init__(self, outer: str, inner: str) -> None:
        self.outer = outer
        self.inner = inner
        self.parts = (outer, inner)

    def get(self, doc: Any, ctx: Context) -> Any:
        if type(doc) is dict:
            cur = doc.get(self.outer, MISSING)
            if type(cur) is dict:
                return cur.get(self.inner, MISSING)
            if cur is MISSING:
                return MISSING
        return _walk(doc, self.parts)


def make_getter(path: str) -> Getter:
    """The getter of a field path, :data:`MISSING` when absent, an :class:`Unknown` when not collected.

    Most rule paths are one or two keys into plain dicts (``status``, ``properties.x``), read
    once per leaf per subject: those get a getter that does the dict lookups inline and
    falls back to the general walk (Unknown, other mappings, list indexes) only off that path.
    """
    from_root, parts = split_path(path)
    if from_root:
        return _FromRoot(parts)
    if len(parts) == 1:
        return _Key(parts[0])
    if len(parts) == 2:
        return _Pair(parts[0], parts[1])
    return _Path(parts)


def _fold(value: Any, case_sensitive: bool) -> Any:
    if type(value) is str and not case_sensitive:
        return value.casefold()
    return value


def _absent(value: Any) -> bool:
    return value is MISSING or value is None


def _label(item: Any) -> Any:
    """A short, readable label of a list item for evidence and messages."""
    if isinstance(item, Mapping):
        for key in ("name", "record", "value", "id", "category", "keyId"):
            if key in item and isinstance(item[key], str | int):
                return item[key]
        return "<item>"
    return item


def _evidence_value(value: Any) -> Any:
    if isinstance(value, Unknown):
        return f"unknown: {value.reason}"
    if value is MISSING:
        return None
    return value


def _first_gap(unknown: Unknown | None, result: Any) -> Unknown | None:
    """The unknown to report so far: a real gap wins over a ``live_only`` one."""
    if isinstance(result, Unknown) and (unknown is None or unknown.live_only):
        return result
    return unknown


# --------------------------------------------------------------------------- operators


class Operator:
    """A leaf's test of the value it read (``equals: true``, ``within_days: 30``, ...)."""

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        raise NotImplementedError


class _EqualText(Operator):
    """``equals``/``not_equals`` a constant string, case-insensitive: the hottest operator."""

    def __init__(self, const: str, want_equal: bool) -> None:
        self.const = const
        self.folded = const.casefold()
        self.want_equal = want_equal

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        # Azure mostly returns the canonical spelling: an exact match needs no casefold.
        if type(value) is str:
            same = value == self.const or value.casefold() == self.folded
        else:
            same = False
        return same is self.want_equal


class _EqualNone(Operator):
    def __init__(self, want_equal: bool) -> None:
        self.want_equal = want_equal

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (value is MISSING or value is None) is self.want_equal


class _EqualBool(Operator):
    def __init__(self, const: bool, want_equal: bool) -> None:
        self.const = const
        self.want_equal = want_equal

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (value is self.const) is self.want_equal


class _EqualValue(Operator):
    """Equality with any other constant (a number, a case-sensitive string)."""

    def __init__(self, const: Any, want_equal: bool) -> None:
        self.const = const
        self.want_equal = want_equal

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (value is not MISSING and type(value) is not bool and value == self.const) is self.want_equal


def _constant_equality(const: Any, want_equal: bool, case_sensitive: bool) -> Operator:
    """``equals``/``not_equals`` against a compile-time constant."""
    if type(const) is str and not case_sensitive:
        return _EqualText(const, want_equal)
    if const is None:
        return _EqualNone(want_equal)
    if type(const) is bool:
        return _EqualBool(const, want_equal)
    return _EqualValue(const, want_equal)


class _ConstantMembership(Operator):
    """``in``/``not_in`` against a compile-time list, folded once."""

    def __init__(self, options: list[Any], want_in: bool, case_sensitive: bool) -> None:
        self.folded = frozenset(_fold(o, case_sensitive) for o in options if not isinstance(o, dict | list))
        self.want_in = want_in
        self.case_sensitive = case_sensitive

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        if value is MISSING or value is None or isinstance(value, dict | list):
            return not self.want_in
        return (_fold(value, self.case_sensitive) in self.folded) is self.want_in


class _Membership(Operator):
    """``in``/``not_in`` a list read from the document."""

    def __init__(self, options: Getter, want_in: bool, case_sensitive: bool) -> None:
        self.options = options
        self.want_in = want_in
        self.case_sensitive = case_sensitive

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        options = self.options.get(doc, ctx)
        if isinstance(options, Unknown):
            return options
        case_sensitive = self.case_sensitive
        folded = {_fold(o, case_sensitive) for o in options or () if not isinstance(o, dict | list)}
        found = (not _absent(value)) and _fold(value, case_sensitive) in folded
        return found if self.want_in else not found


_EQUALS, _NOT_EQUALS, _GREATER, _GREATER_OR_EQUAL, _LESS, _LESS_OR_EQUAL = range(6)
_COMPARATOR_CODES = {name: code for code, name in enumerate(COMPARATORS)}


def _ordered(code: int, lhs: Any, rhs: Any) -> bool:
    if code == _GREATER:
        return bool(lhs > rhs)
    if code == _GREATER_OR_EQUAL:
        return bool(lhs >= rhs)
    if code == _LESS:
        return bool(lhs < rhs)
    return bool(lhs <= rhs)


class _Compare(Operator):
    """A comparator against a value that may come from the document."""

    def __init__(self, op: str, rhs: Getter, case_sensitive: bool) -> None:
        self.code = _COMPARATOR_CODES[op]
        self.rhs = rhs
        self.case_sensitive = case_sensitive

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        other = self.rhs.get(doc, ctx)
        if isinstance(other, Unknown):
            return other
        code = self.code
        if code in (_EQUALS, _NOT_EQUALS):
            if _absent(value):
                same = other is None
            else:
                same = _fold(value, self.case_sensitive) == _fold(other, self.case_sensitive)
            return same if code == _EQUALS else not same
        if _absent(value) or _absent(other):
            return False
        if not isinstance(value, int | float) or not isinstance(other, int | float) or isinstance(value, bool):
            return Unknown(f"cannot compare {value!r} with {other!r} as numbers")
        return _ordered(code, value, other)


class _CompareNumber(Operator):
    """An ordering against a constant number (``count ... greater: 0``): decided in one step
    when the value is a plain number, else by the general rules."""

    def __init__(self, code: int, const: Any, general: Operator) -> None:
        self.code = code
        self.const = const
        self.general = general

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        kind = type(value)
        if kind is int or kind is float:
            return _ordered(self.code, value, self.const)
        return self.general.check(value, doc, ctx)


class _Exists(Operator):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (not _absent(value)) is self.want


class _Empty(Operator):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return (_absent(value) or value in ("", [], {})) is self.want


class _Contains(Operator):
    """``contains``/``not_contains``: a substring of a string, or a member of a list."""

    def __init__(self, needle: Getter, want_found: bool, case_sensitive: bool) -> None:
        self.needle = needle
        self.want_found = want_found
        self.case_sensitive = case_sensitive

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        needle = self.needle.get(doc, ctx)
        if isinstance(needle, Unknown):
            return needle
        case_sensitive = self.case_sensitive
        if _absent(value):
            found = False
        elif isinstance(value, str):
            found = _fold(needle, case_sensitive) in _fold(value, case_sensitive)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Unknown):
                    return item
            found = _fold(needle, case_sensitive) in {
                _fold(v, case_sensitive) for v in value if not isinstance(v, dict | list)
            }
        else:
            found = False
        return found if self.want_found else not found


class _Matches(Operator):
    """``matches``: an RE2 search (linear time, see :mod:`scanner.engine.regex`)."""

    def __init__(self, pattern: Pattern) -> None:
        self.pattern = pattern

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        return isinstance(value, str) and self.pattern.search(value) is not None


class _CidrWider(Operator):
    """``cidr_addresses_greater``: a range that admits more addresses than the limit."""

    def __init__(self, limit: Getter) -> None:
        self.limit = limit

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        if _absent(value):
            return False
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            return Unknown(f"{value!r} is not an IP address or CIDR range")
        limit = self.limit.get(doc, ctx)
        return bool(network.num_addresses > limit)


class _PrivateIp(Operator):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        if _absent(value):
            return False
        try:
            return ipaddress.ip_address(str(value)).is_private is self.want
        except ValueError:
            return Unknown(f"{value!r} is not an IP address")


def _as_date(value: Any) -> datetime | Unknown | None:
    if _absent(value):
        return None
    try:
        return _timestamp(str(value))
    except ValueError:
        return Unknown(f"{value!r} is not an ISO 8601 timestamp")


class _BeforeNow(Operator):
    def __init__(self, want: bool) -> None:
        self.want = want

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        when = _as_date(value)
        if when is None:
            return False
        if isinstance(when, Unknown):
            return when
        return (when < ctx.now) is self.want


class _Window(Operator):
    """``within_days`` (from now until N days ahead) or ``older_than_days`` (before N days ago)."""

    def __init__(self, days: Getter, within: bool) -> None:
        self.days = days
        self.within = within

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        when = _as_date(value)
        if when is None:
            return False
        if isinstance(when, Unknown):
            return when
        days = timedelta(days=float(self.days.get(doc, ctx)))
        if self.within:
            return ctx.now <= when < ctx.now + days
        return when < ctx.now - days


class _DurationLonger(Operator):
    """``duration_days_greater``: from the ``since`` field to this one, more than N days."""

    def __init__(self, since: Getter, days: Getter) -> None:
        self.since = since
        self.days = days

    def check(self, value: Any, doc: Any, ctx: Context) -> Truth:
        end = _as_date(value)
        start = self.since.get(doc, ctx)
        if isinstance(start, Unknown):
            return start
        begin = _as_date(start)
        if end is None or begin is None:
            return False
        if isinstance(end, Unknown):
            return end
        if isinstance(begin, Unknown):
            return begin
        return (end - begin) > timedelta(days=float(self.days.get(doc, ctx)))


# --------------------------------------------------------------------------- tree


class Condition:
    """One node of a compiled condition tree: ``test(doc, ctx)`` → True, False or Unknown."""

    def test(self, doc: Any, ctx: Context) -> Truth:
        raise NotImplementedError

    def __call__(self, doc: Any, ctx: Context) -> Truth:
        return self.test(doc, ctx)


class _Junction(Condition):
    """``all`` (decided by the first False) or ``any`` (decided by the first True)."""

    def __init__(self, children: Sequence[Condition], decided_by: bool) -> None:
        self.children: list[Condition] = list(children)
        self.decided_by = decided_by

    def test(self, doc: Any, ctx: Context) -> Truth:
        decided_by = self.decided_by
        unknown: Unknown | None = None
        for child in self.children:
            result = child.test(doc, ctx)
            if result is decided_by:
                return decided_by
            unknown = _first_gap(unknown, result)
        return unknown if unknown is not None else not decided_by


class _Not(Condition):
    def __init__(self, child: Condition) -> None:
        self.child = child

    def test(self, doc: Any, ctx: Context) -> Truth:
        result = self.child.test(doc, ctx)
        return result if isinstance(result, Unknown) else not result


class _Leaf(Condition):
    """A field (or parameter) and one operator; records the value read as evidence."""

    def __init__(self, path: str, getter: Getter, operator: Operator) -> None:
        self.path = path
        self.getter = getter
        self.operator = operator

    def test(self, doc: Any, ctx: Context) -> Truth:
        value = self.getter.get(doc, ctx)
        evidence = ctx.evidence
        if type(value) is Unknown:
            if evidence is not None:
                evidence[self.path] = f"unknown: {value.reason}"
            return value
        if evidence is not None:
            evidence[self.path] = None if value is MISSING else value
        return self.operator.check(value, doc, ctx)


class _DocumentedLeaf(_Leaf):
    """A leaf on a field with a documented set of values: any other value is unknown.

    The canonical spelling is checked first (a set lookup), so a leaf on a documented value
    costs one lookup more than a plain leaf; anything else goes through the full check.
    """

    def __init__(self, path: str, getter: Getter, operator: Operator, vocabulary: Vocabulary, field: str) -> None:
        super().__init__(path, getter, operator)
        self.vocabulary = vocabulary
        self.exact = vocabulary.exact
        self.field = field

    def test(self, doc: Any, ctx: Context) -> Truth:
        value = self.getter.get(doc, ctx)
        evidence = ctx.evidence
        if type(value) is Unknown:
            if evidence is not None:
                evidence[self.path] = f"unknown: {value.reason}"
            return value
        if evidence is not None:
            evidence[self.path] = None if value is MISSING else value
        if value is MISSING or value is None or (type(value) is str and value in self.exact):
            return self.operator.check(value, doc, ctx)
        vocabulary = self.vocabulary
        if not vocabulary.admits(value):
            return undocumented(self.field, value, vocabulary)
        return self.operator.check(value, doc, ctx)


_ANY, _ALL, _COUNT = "any", "all", "count"


class _Quantifier(Condition):
    """``any``/``all``/``count`` over a related list, with an optional ``where`` and ``as``."""

    def __init__(
        self, kind: str, path: str, getter: Getter, where: Condition | None, bind: str | None, compare: Operator | None
    ) -> None:
        self.kind = kind
        self.path = path
        self.getter = getter
        self.where = where
        self.bind = bind
        self.compare = compare

    def test(self, doc: Any, ctx: Context) -> Truth:
        items = self.getter.get(doc, ctx)
        path = self.path
        if isinstance(items, Unknown):
            if ctx.evidence is not None:
                ctx.evidence[path] = _evidence_value(items)
            return items
        if _absent(items):
            items = []
        elif not isinstance(items, list):
            items = [items]
        saved = ctx.evidence
        ctx.evidence = None
        matched: list[Any] = []
        unknown: Unknown | None = None
        where = self.where
        try:
            for item in items:
                result = True if where is None else where.test(item, ctx)
                if result is True:
                    matched.append(item)
                elif result is not False:
                    unknown = _first_gap(unknown, result)
        finally:
            ctx.evidence = saved
        labels = [_label(m) for m in matched]
        bind = self.bind
        if bind:
            if ctx.bindings is NO_BINDINGS:
                ctx.bindings = {}
            ctx.bindings[bind] = labels
        if saved is not None:
            saved[path] = {"total": len(items), "matched": labels}
        kind = self.kind
        if kind == _ANY:
            return True if matched else (unknown if unknown is not None else False)
        if kind == _ALL:
            if len(matched) == len(items):
                return True
            return unknown if unknown is not None else False
        if unknown is not None:
            return unknown
        assert self.compare is not None
        return self.compare.check(len(matched), doc, ctx)


# --------------------------------------------------------------------------- compiler


class _Compiler:
    """Turns one rule's condition tree into nodes; parameters are resolved here."""

    def __init__(self, params: Mapping[str, Any], subject: str | None) -> None:
        self.params = params
        self.subject = subject

    def value(self, raw: Any, pointer: tuple[str | int, ...]) -> Getter:
        if isinstance(raw, Mapping) and set(raw) == {"param"}:
            name = raw["param"]
            if name not in self.params:
                raise CompileError(pointer, f"unknown parameter {name!r}")
            return _Constant(self.params[name])
        if isinstance(raw, Mapping) and set(raw) == {"field"}:
            return make_getter(str(raw["field"]))
        return _Constant(raw)

    def node(self, raw: Any, pointer: tuple[str | int, ...], scope: str = "") -> Condition:
        """Compile one node; ``scope`` is the path of the list items a ``where`` looks at."""
        if not isinstance(raw, Mapping):
            raise CompileError(pointer, "a condition must be a mapping")
        if "all" in raw and isinstance(raw["all"], list):
            children = [self.node(c, (*pointer, "all", i), scope) for i, c in enumerate(raw["all"])]
            return _Junction(children, decided_by=False)
        if "any" in raw and isinstance(raw["any"], list):
            children = [self.node(c, (*pointer, "any", i), scope) for i, c in enumerate(raw["any"])]
            return _Junction(children, decided_by=True)
        if "not" in raw:
            return _Not(self.node(raw["not"], (*pointer, "not"), scope))
        for quantifier in (_ANY, _ALL, _COUNT):
            if quantifier in raw and isinstance(raw[quantifier], Mapping):
                return self._quantifier(quantifier, raw, pointer, scope)
        if "field" in raw or "param" in raw:
            return self._leaf(raw, pointer, scope)
        raise CompileError(pointer, "expected one of all, any, not, count, or field")

    def _quantifier(self, kind: str, raw: Mapping[str, Any], pointer: tuple[str | int, ...], scope: str) -> Condition:
        spec = raw[kind]
        path = str(spec["over"])
        items = document_path(scope, path) + "[]"
        where = self.node(spec["where"], (*pointer, kind, "where"), items) if "where" in spec else None
        compare: Operator | None = None
        if kind == _COUNT:
            ops = [op for op in COMPARATORS if op in raw]
            if len(ops) != 1:
                raise CompileError(pointer, "count needs exactly one comparator (equals, greater, less, ...)")
            compare = self._compare_with(ops[0], raw[ops[0]], (*pointer, ops[0]))
        bind = spec.get("as")
        return _Quantifier(kind, path, make_getter(path), where, str(bind) if bind else None, compare)

    def _compare_with(
        self, op: str, arg: Any, pointer: tuple[str | int, ...], case_sensitive: bool = False
    ) -> Operator:
        general = _Compare(op, self.value(arg, pointer), case_sensitive)
        known, const = self._constant(arg)
        code = _COMPARATOR_CODES[op]
        if not known or code in (_EQUALS, _NOT_EQUALS) or type(const) not in (int, float):
            return general
        return _CompareNumber(code, const, general)

    def _leaf(self, raw: Mapping[str, Any], pointer: tuple[str | int, ...], scope: str) -> Condition:
        getter: Getter
        if "param" in raw:
            path = f"params.{raw['param']}"
            getter = self.value({"param": raw["param"]}, (*pointer, "param"))
        else:
            path = str(raw["field"])
            getter = make_getter(path)
        ops = [op for op in LEAF_OPERATORS if op in raw]
        if len(ops) != 1:
            raise CompileError(pointer, f"field {path!r} needs exactly one operator, found {ops or 'none'}")
        op = ops[0]
        case_sensitive = bool(raw.get("case_sensitive", False))
        operator = self._operator(op, raw[op], case_sensitive, (*pointer, op))
        if "field" in raw and op not in ("exists", "empty") and self.subject is not None:
            field = document_path(scope, path)
            vocabulary = documented(self.subject, field)
            if vocabulary is not None:
                return _DocumentedLeaf(path, getter, operator, vocabulary, field)
        return _Leaf(path, getter, operator)

    def _constant(self, arg: Any) -> tuple[bool, Any]:
        """(True, value) when ``arg`` is known at compile time (a literal or a parameter)."""
        if isinstance(arg, Mapping) and set(arg) == {"field"}:
            return False, None
        if isinstance(arg, Mapping) and set(arg) == {"param"}:
            return (True, self.params[arg["param"]]) if arg["param"] in self.params else (False, None)
        return True, arg

    def _operator(self, op: str, arg: Any, case_sensitive: bool, pointer: tuple[str | int, ...]) -> Operator:
        known, const = self._constant(arg)
        if known and op in ("equals", "not_equals") and not isinstance(const, dict | list):
            return _constant_equality(const, op == "equals", case_sensitive)
        if known and op in ("in", "not_in") and isinstance(const, list):
            return _ConstantMembership(const, op == "in", case_sensitive)
        if op in COMPARATORS:
            return self._compare_with(op, arg, pointer, case_sensitive)
        if op in ("in", "not_in"):
            return _Membership(self.value(arg, pointer), op == "in", case_sensitive)
        if op == "exists":
            return _Exists(bool(arg))
        if op == "empty":
            return _Empty(bool(arg))
        if op in ("contains", "not_contains"):
            return _Contains(self.value(arg, pointer), op == "contains", case_sensitive)
        if op == "matches":
            try:
                pattern = compile_pattern(str(arg), case_sensitive)
            except PatternError as exc:
                shown = repr(arg) if len(repr(arg)) <= 120 else repr(arg)[:117] + "..."
                raise CompileError(
                    pointer, f"invalid regular expression {shown} (rules use RE2 syntax): {exc}"
                ) from None
            return _Matches(pattern)
        if op == "cidr_addresses_greater":
            return _CidrWider(self.value(arg, pointer))
        if op == "private_ip":
            return _PrivateIp(bool(arg))
        if op == "before_now":
            return _BeforeNow(bool(arg))
        if op in ("within_days", "older_than_days"):
            return _Window(self.value(arg, pointer), op == "within_days")
        if op == "duration_days_greater":
            if not isinstance(arg, Mapping) or "since" not in arg or "days" not in arg:
                raise CompileError(pointer, "duration_days_greater needs {since: PATH, days: N}")
            return _DurationLonger(make_getter(str(arg["since"])), self.value(arg["days"], (*pointer, "days")))
        raise CompileError(pointer, f"unknown operator {op!r}")


def compile_condition(
    raw: Any, params: Mapping[str, Any], pointer: tuple[str | int, ...], subject: str | None = None
) -> Condition:
    """Compile one condition tree; ``pointer`` locates it in the rule file for errors.

    ``subject`` (the rule's subject kind) enables the documented-values check of the fields
    :mod:`scanner.inventory.vocabulary` lists for that kind.
    """
    return _Compiler(params, subject).node(raw, pointer)


def as_rule_error(path: str, line: int | None, exc: CompileError) -> RuleError:
    """Turn a :class:`CompileError` into the user-facing ``file:line: message``."""
    where = f"{path}:{line}" if line else path
    return RuleError(f"{where}: {exc.message}")
