"""Compile rule conditions (plain YAML data) into Python closures, once per rule.

No ``eval``, no templating in conditions: each node of the condition tree becomes a small
function ``(document, context) -> True | False | Unknown``. The logic is three-valued so that
a missing input (:class:`Unknown`) propagates to an ``unknown`` finding instead of a guess:

* ``all``: False if any branch is False, else Unknown if any is Unknown, else True;
* ``any``: True if any branch is True, else Unknown if any is Unknown, else False;
* ``not``: flips True/False and keeps Unknown.

When several branches are unknown, a real gap wins over a ``live_only`` one (data that only
exists after deployment), so a rule is ``not_applicable`` only when nothing else is missing.

String comparisons are case-insensitive unless the leaf says ``case_sensitive: true``
(Azure enums and ids are case-insensitive).
"""

from __future__ import annotations

import ipaddress
import operator
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from scanner.errors import RuleError
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


Condition = Callable[[Any, Context], Truth]
Getter = Callable[[Any, Context], Any]

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


_ORDERINGS: dict[str, Callable[[Any, Any], Any]] = {
    "greater": operator.gt,
    "greater_or_equal": operator.ge,
    "less": operator.lt,
    "less_or_equal": operator.le,
}


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


def make_getter(path: str) -> Getter:
    """A function returning the value at ``path``, :data:`MISSING`, or an :class:`Unknown`.

    Most rule paths are one or two keys into plain dicts (``status``, ``properties.x``), read
    once per leaf per subject: those get a getter that does the dict lookups inline and
    falls back to the general walk (Unknown, other mappings, list indexes) only off that path.
    """
    from_root, parts = split_path(path)
    if from_root:
        return lambda _doc, ctx: _walk(ctx.root, parts)
    if len(parts) == 1:
        key = parts[0]

        def get_key(doc: Any, _ctx: Context) -> Any:
            if type(doc) is dict:
                return doc.get(key, MISSING)
            return _walk(doc, parts)

        return get_key
    if len(parts) == 2:
        outer, inner = parts

        def get_pair(doc: Any, _ctx: Context) -> Any:
            if type(doc) is dict:
                cur = doc.get(outer, MISSING)
                if type(cur) is dict:
                    return cur.get(inner, MISSING)
                if cur is MISSING:
                    return MISSING
            return _walk(doc, parts)

        return get_pair
    return lambda doc, _ctx: _walk(doc, parts)


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


class _Compiler:
    """Turns one rule's condition tree into closures; parameters are resolved here."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params

    # -- values ---------------------------------------------------------------------------
    def value(self, raw: Any, pointer: tuple[str | int, ...]) -> Getter:
        if isinstance(raw, Mapping) and set(raw) == {"param"}:
            name = raw["param"]
            if name not in self.params:
                raise CompileError(pointer, f"unknown parameter {name!r}")
            constant = self.params[name]
            return lambda _doc, _ctx: constant
        if isinstance(raw, Mapping) and set(raw) == {"field"}:
            return make_getter(str(raw["field"]))
        return lambda _doc, _ctx: raw

    # -- tree -----------------------------------------------------------------------------
    def node(self, raw: Any, pointer: tuple[str | int, ...]) -> Condition:
        if not isinstance(raw, Mapping):
            raise CompileError(pointer, "a condition must be a mapping")
        if "all" in raw and isinstance(raw["all"], list):
            return self._all([self.node(c, (*pointer, "all", i)) for i, c in enumerate(raw["all"])])
        if "any" in raw and isinstance(raw["any"], list):
            return self._any([self.node(c, (*pointer, "any", i)) for i, c in enumerate(raw["any"])])
        if "not" in raw:
            return self._not(self.node(raw["not"], (*pointer, "not")))
        for quantifier in ("any", "all", "count"):
            if quantifier in raw and isinstance(raw[quantifier], Mapping):
                return self._quantifier(quantifier, raw, pointer)
        if "field" in raw or "param" in raw:
            return self._leaf(raw, pointer)
        raise CompileError(pointer, "expected one of all, any, not, count, or field")

    @staticmethod
    def _all(children: Sequence[Condition]) -> Condition:
        def all_(doc: Any, ctx: Context) -> Truth:
            unknown: Unknown | None = None
            for child in children:
                result = child(doc, ctx)
                if result is False:
                    return False
                if isinstance(result, Unknown) and (unknown is None or unknown.live_only):
                    unknown = result
            return unknown if unknown is not None else True

        return all_

    @staticmethod
    def _any(children: Sequence[Condition]) -> Condition:
        def any_(doc: Any, ctx: Context) -> Truth:
            unknown: Unknown | None = None
            for child in children:
                result = child(doc, ctx)
                if result is True:
                    return True
                if isinstance(result, Unknown) and (unknown is None or unknown.live_only):
                    unknown = result
            return unknown if unknown is not None else False

        return any_

    @staticmethod
    def _not(child: Condition) -> Condition:
        def not_(doc: Any, ctx: Context) -> Truth:
            result = child(doc, ctx)
            return result if isinstance(result, Unknown) else not result

        return not_

    def _quantifier(self, kind: str, raw: Mapping[str, Any], pointer: tuple[str | int, ...]) -> Condition:
        spec = raw[kind]
        path = str(spec["over"])
        get = make_getter(path)
        where = self.node(spec["where"], (*pointer, kind, "where")) if "where" in spec else None
        bind = spec.get("as")
        compare: Callable[[int, Any, Context], Truth] | None = None
        if kind == "count":
            ops = [op for op in COMPARATORS if op in raw]
            if len(ops) != 1:
                raise CompileError(pointer, "count needs exactly one comparator (equals, greater, less, ...)")
            compare = self._compare_with(ops[0], raw[ops[0]], (*pointer, ops[0]))

        def quantify(doc: Any, ctx: Context) -> Truth:
            items = get(doc, ctx)
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
            try:
                for item in items:
                    result = True if where is None else where(item, ctx)
                    if result is True:
                        matched.append(item)
                    elif isinstance(result, Unknown) and (unknown is None or unknown.live_only):
                        unknown = result
            finally:
                ctx.evidence = saved
            labels = [_label(m) for m in matched]
            if bind:
                if ctx.bindings is NO_BINDINGS:
                    ctx.bindings = {}
                ctx.bindings[bind] = labels
            if saved is not None:
                saved[path] = {"total": len(items), "matched": labels}
            if kind == "any":
                return True if matched else (unknown if unknown is not None else False)
            if kind == "all":
                if len(matched) == len(items):
                    return True
                return unknown if unknown is not None else False
            if unknown is not None:
                return unknown
            assert compare is not None
            return compare(len(matched), doc, ctx)

        return quantify

    # -- leaves ---------------------------------------------------------------------------
    @staticmethod
    def _comparator(op: str, rhs: Getter, case_sensitive: bool = False) -> Callable[[Any, Any, Context], Truth]:
        def compare(lhs: Any, doc: Any, ctx: Context) -> Truth:
            other = rhs(doc, ctx)
            if isinstance(other, Unknown):
                return other
            if op in ("equals", "not_equals"):
                if _absent(lhs):
                    same = other is None
                else:
                    same = _fold(lhs, case_sensitive) == _fold(other, case_sensitive)
                return same if op == "equals" else not same
            if _absent(lhs) or _absent(other):
                return False
            if not isinstance(lhs, int | float) or not isinstance(other, int | float) or isinstance(lhs, bool):
                return Unknown(f"cannot compare {lhs!r} with {other!r} as numbers")
            if op == "greater":
                return lhs > other
            if op == "greater_or_equal":
                return lhs >= other
            if op == "less":
                return lhs < other
            return lhs <= other

        return compare

    def _compare_with(
        self, op: str, arg: Any, pointer: tuple[str | int, ...], case_sensitive: bool = False
    ) -> Callable[[Any, Any, Context], Truth]:
        """A comparator; an ordering against a constant number (``count ... greater: 0``) is
        decided in one step when the value is a plain number, else by the general rules."""
        general = self._comparator(op, self.value(arg, pointer), case_sensitive)
        known, const = self._constant(arg)
        order = _ORDERINGS.get(op)
        if not known or order is None or type(const) not in (int, float):
            return general

        def compare_number(lhs: Any, doc: Any, ctx: Context) -> Truth:
            kind = type(lhs)
            if kind is int or kind is float:
                return order(lhs, const)  # type: ignore[no-any-return]
            return general(lhs, doc, ctx)

        return compare_number

    def _leaf(self, raw: Mapping[str, Any], pointer: tuple[str | int, ...]) -> Condition:
        if "param" in raw:
            path = f"params.{raw['param']}"
            get = self.value({"param": raw["param"]}, (*pointer, "param"))
        else:
            path = str(raw["field"])
            get = make_getter(path)
        ops = [op for op in LEAF_OPERATORS if op in raw]
        if len(ops) != 1:
            raise CompileError(pointer, f"field {path!r} needs exactly one operator, found {ops or 'none'}")
        op = ops[0]
        case_sensitive = bool(raw.get("case_sensitive", False))
        test = self._operator(op, raw[op], case_sensitive, (*pointer, op))

        def leaf(doc: Any, ctx: Context) -> Truth:
            value = get(doc, ctx)
            evidence = ctx.evidence
            if type(value) is Unknown:
                if evidence is not None:
                    evidence[path] = f"unknown: {value.reason}"
                return value
            if evidence is not None:
                evidence[path] = None if value is MISSING else value
            return test(value, doc, ctx)

        return leaf

    def _constant(self, arg: Any) -> tuple[bool, Any]:
        """(True, value) when ``arg`` is known at compile time (a literal or a parameter)."""
        if isinstance(arg, Mapping) and set(arg) == {"field"}:
            return False, None
        if isinstance(arg, Mapping) and set(arg) == {"param"}:
            return (True, self.params[arg["param"]]) if arg["param"] in self.params else (False, None)
        return True, arg

    def _operator(
        self, op: str, arg: Any, case_sensitive: bool, pointer: tuple[str | int, ...]
    ) -> Callable[[Any, Any, Context], Truth]:
        known, const = self._constant(arg)
        if known and op in ("equals", "not_equals") and not isinstance(const, dict | list):
            return _constant_equality(const, op == "equals", case_sensitive)
        if known and op in ("in", "not_in") and isinstance(const, list):
            return _constant_membership(const, op == "in", case_sensitive)
        if op in COMPARATORS:
            return self._compare_with(op, arg, pointer, case_sensitive)
        if op in ("in", "not_in"):
            options_get = self.value(arg, pointer)

            def member(value: Any, doc: Any, ctx: Context) -> Truth:
                options = options_get(doc, ctx)
                if isinstance(options, Unknown):
                    return options
                folded = {_fold(o, case_sensitive) for o in options or () if not isinstance(o, dict | list)}
                found = (not _absent(value)) and _fold(value, case_sensitive) in folded
                return found if op == "in" else not found

            return member
        if op == "exists":
            want = bool(arg)
            return lambda value, _d, _c: (not _absent(value)) is want
        if op == "empty":
            want = bool(arg)
            return lambda value, _d, _c: (_absent(value) or value in ("", [], {})) is want
        if op in ("contains", "not_contains"):
            needle_get = self.value(arg, pointer)

            def contains(value: Any, doc: Any, ctx: Context) -> Truth:
                needle = needle_get(doc, ctx)
                if isinstance(needle, Unknown):
                    return needle
                if _absent(value):
                    found = False
                elif isinstance(value, str):
                    found = _fold(needle, case_sensitive) in _fold(value, case_sensitive)
                elif isinstance(value, list):
                    if any(isinstance(v, Unknown) for v in value):
                        return next(v for v in value if isinstance(v, Unknown))
                    found = _fold(needle, case_sensitive) in {
                        _fold(v, case_sensitive) for v in value if not isinstance(v, dict | list)
                    }
                else:
                    found = False
                return found if op == "contains" else not found

            return contains
        if op == "matches":
            try:
                pattern = re.compile(str(arg), 0 if case_sensitive else re.IGNORECASE)
            except re.error as exc:
                raise CompileError(pointer, f"invalid regular expression {arg!r}: {exc}") from None
            return lambda value, _d, _c: isinstance(value, str) and pattern.search(value) is not None
        if op == "cidr_addresses_greater":
            limit_get = self.value(arg, pointer)

            def wider(value: Any, doc: Any, ctx: Context) -> Truth:
                if _absent(value):
                    return False
                try:
                    network = ipaddress.ip_network(str(value).strip(), strict=False)
                except ValueError:
                    return Unknown(f"{value!r} is not an IP address or CIDR range")
                limit = limit_get(doc, ctx)
                return bool(network.num_addresses > limit)

            return wider
        if op == "private_ip":
            want = bool(arg)

            def private(value: Any, _doc: Any, _ctx: Context) -> Truth:
                if _absent(value):
                    return False
                try:
                    return ipaddress.ip_address(str(value)).is_private is want
                except ValueError:
                    return Unknown(f"{value!r} is not an IP address")

            return private
        return self._date_operator(op, arg, pointer)

    def _date_operator(self, op: str, arg: Any, pointer: tuple[str | int, ...]) -> Callable[[Any, Any, Context], Truth]:
        def as_date(value: Any) -> datetime | Unknown | None:
            if _absent(value):
                return None
            try:
                return _timestamp(str(value))
            except ValueError:
                return Unknown(f"{value!r} is not an ISO 8601 timestamp")

        if op == "before_now":
            want = bool(arg)

            def before(value: Any, _doc: Any, ctx: Context) -> Truth:
                when = as_date(value)
                if when is None or isinstance(when, Unknown):
                    return False if when is None else when
                return (when < ctx.now) is want

            return before
        if op in ("within_days", "older_than_days"):
            days_get = self.value(arg, pointer)

            def window(value: Any, doc: Any, ctx: Context) -> Truth:
                when = as_date(value)
                if when is None or isinstance(when, Unknown):
                    return False if when is None else when
                days = timedelta(days=float(days_get(doc, ctx)))
                if op == "within_days":
                    return ctx.now <= when < ctx.now + days
                return when < ctx.now - days

            return window
        if op == "duration_days_greater":
            if not isinstance(arg, Mapping) or "since" not in arg or "days" not in arg:
                raise CompileError(pointer, "duration_days_greater needs {since: PATH, days: N}")
            since_get = make_getter(str(arg["since"]))
            days_get = self.value(arg["days"], (*pointer, "days"))

            def duration(value: Any, doc: Any, ctx: Context) -> Truth:
                end = as_date(value)
                start = since_get(doc, ctx)
                if isinstance(start, Unknown):
                    return start
                begin = as_date(start)
                if end is None or begin is None:
                    return False
                if isinstance(end, Unknown):
                    return end
                if isinstance(begin, Unknown):
                    return begin
                return (end - begin) > timedelta(days=float(days_get(doc, ctx)))

            return duration
        raise CompileError(pointer, f"unknown operator {op!r}")


def _constant_equality(const: Any, want_equal: bool, case_sensitive: bool) -> Callable[[Any, Any, Context], Truth]:
    """``equals``/``not_equals`` against a compile-time constant: the hottest operator."""
    if type(const) is str and not case_sensitive:
        folded = const.casefold()

        def equal_text(value: Any, _doc: Any, _ctx: Context) -> Truth:
            # Azure mostly returns the canonical spelling: an exact match needs no casefold.
            return (type(value) is str and (value == const or value.casefold() == folded)) is want_equal

        return equal_text
    if const is None:
        return lambda value, _d, _c: (value is MISSING or value is None) is want_equal
    if type(const) is bool:
        return lambda value, _d, _c: (value is const) is want_equal

    def equal(value: Any, _doc: Any, _ctx: Context) -> Truth:
        return (value is not MISSING and type(value) is not bool and value == const) is want_equal

    return equal


def _constant_membership(
    options: list[Any], want_in: bool, case_sensitive: bool
) -> Callable[[Any, Any, Context], Truth]:
    """``in``/``not_in`` against a compile-time list, folded once."""
    folded = frozenset(_fold(o, case_sensitive) for o in options if not isinstance(o, dict | list))

    def member(value: Any, _doc: Any, _ctx: Context) -> Truth:
        if value is MISSING or value is None or isinstance(value, dict | list):
            return not want_in
        return (_fold(value, case_sensitive) in folded) is want_in

    return member


def compile_condition(raw: Any, params: Mapping[str, Any], pointer: tuple[str | int, ...]) -> Condition:
    """Compile one condition tree; ``pointer`` locates it in the rule file for errors."""
    return _Compiler(params).node(raw, pointer)


def as_rule_error(path: str, line: int | None, exc: CompileError) -> RuleError:
    """Turn a :class:`CompileError` into the user-facing ``file:line: message``."""
    where = f"{path}:{line}" if line else path
    return RuleError(f"{where}: {exc.message}")
