"""Compile a rule's condition tree (plain YAML data) into node objects, once per rule.

No ``eval``, no templating in conditions: each node becomes an object whose
``test(document, context)`` returns ``True | False | Unknown``. The logic is three-valued so
that a missing input (:class:`Unknown`) propagates to an ``unknown`` finding instead of a
guess:

* ``all``: False if any branch is False, else Unknown if any is Unknown, else True;
* ``any``: True if any branch is True, else Unknown if any is Unknown, else False;
* ``not``: flips True/False and keeps Unknown.

When several branches are unknown, a real gap wins over a ``live_only`` one (data that only
exists after deployment), so a rule is ``not_applicable`` only when nothing else is missing.

A leaf on a field that Azure defines as a closed set of values (``publicNetworkAccess``,
``sku.name``, a connection's ``status``: :mod:`scanner.inventory.vocabulary`) is unknown when
the value is outside that set: any other value is not "not Disabled", it is something the
rule does not understand.

The leaf operators themselves are in :mod:`scanner.engine.operators`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from scanner.engine.documented import document_path, undocumented
from scanner.engine.getters import MISSING, NO_BINDINGS, Constant, Context, Getter, Truth, field_getter, is_absent
from scanner.engine.operators import COUNTING, OPERATORS, Check, Operand, OperandError
from scanner.engine.operators.base import Pointer
from scanner.errors import RuleError
from scanner.inventory.vocabulary import Vocabulary, documented
from scanner.unknown import Unknown


class CompileError(Exception):
    """A condition that the schema let through but cannot be compiled (e.g. a bad regex)."""

    def __init__(self, pointer: Pointer, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def _label(item: Any) -> Any:
    """A short, readable label of a list item for evidence and messages."""
    if isinstance(item, Mapping):
        for key in ("name", "record", "value", "id", "category", "keyId"):
            if key in item and isinstance(item[key], str | int):
                return item[key]
        return "<item>"
    return item


def _first_gap(unknown: Unknown | None, result: Any) -> Unknown | None:
    """The unknown to report so far: a real gap wins over a ``live_only`` one."""
    if isinstance(result, Unknown) and (unknown is None or unknown.live_only):
        return result
    return unknown


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
            if type(result) is not bool:
                unknown = _first_gap(unknown, result)
        return unknown if unknown is not None else not decided_by


class _Not(Condition):
    def __init__(self, child: Condition) -> None:
        self.child = child

    def test(self, doc: Any, ctx: Context) -> Truth:
        result = self.child.test(doc, ctx)
        return result if isinstance(result, Unknown) else not result


class Leaf(Condition):
    """A field (or parameter) and one operator; records the value read as evidence.

    With a ``vocabulary`` (the field has a documented set of values), a value outside the
    set is unknown instead of being tested.
    """

    def __init__(self, path: str, getter: Getter, check: Check, vocabulary: Vocabulary | None, field: str) -> None:
        self.path = path
        self.getter = getter
        self.operator = check
        self.vocabulary = vocabulary
        self.exact = vocabulary.exact if vocabulary is not None else frozenset()
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
        vocabulary = self.vocabulary
        if vocabulary is None or value is MISSING or value is None or (type(value) is str and value in self.exact):
            return self.operator.check(value, doc, ctx)
        if not vocabulary.admits(value):
            return undocumented(self.field, value, vocabulary)
        return self.operator.check(value, doc, ctx)


_ANY, _ALL, _COUNT = "any", "all", "count"


# eq=False: a node is itself, not equal to another node that happens to hold the same parts.
class _Quantifier(Condition, msgspec.Struct, frozen=True, eq=False):
    """``any``/``all``/``count`` over a related list, with an optional ``where`` and ``as``."""

    kind: str
    path: str
    getter: Getter
    where: Condition | None
    bind: str | None
    compare: Check | None  # the comparator ending a ``count``

    def test(self, doc: Any, ctx: Context) -> Truth:
        items = self.getter.get(doc, ctx)
        path = self.path
        if isinstance(items, Unknown):
            if ctx.evidence is not None:
                ctx.evidence[path] = f"unknown: {items.reason}"
            return items
        if is_absent(items):
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
        if self.bind:
            if ctx.bindings is NO_BINDINGS:
                ctx.bindings = {}
            ctx.bindings[self.bind] = labels
        if saved is not None:
            saved[path] = {"total": len(items), "matched": labels}
        if self.kind == _ANY:
            return True if matched else (unknown if unknown is not None else False)
        if self.kind == _ALL:
            if len(matched) == len(items):
                return True
            return unknown if unknown is not None else False
        if unknown is not None:
            return unknown
        assert self.compare is not None
        return self.compare.check(len(matched), doc, ctx)


class _Compiler:
    """Turns one rule's condition tree into nodes; parameters are resolved here."""

    def __init__(self, params: Mapping[str, Any], subject: str | None) -> None:
        self.params = params
        self.subject = subject

    def value(self, raw: Any, pointer: Pointer) -> Getter:
        """The getter of an argument: ``{param: p}``, ``{field: f}`` or a literal."""
        known, constant = self._constant(raw, pointer)
        return Constant(constant) if known else field_getter(str(raw["field"]))

    def _constant(self, raw: Any, pointer: Pointer) -> tuple[bool, Any]:
        """(True, value) when ``raw`` is fixed at compile time (a literal or a parameter)."""
        if isinstance(raw, Mapping) and set(raw) == {"field"}:
            return False, None
        if isinstance(raw, Mapping) and set(raw) == {"param"}:
            if raw["param"] not in self.params:
                raise CompileError(pointer, f"unknown parameter {raw['param']!r}")
            return True, self.params[raw["param"]]
        return True, raw

    def node(self, raw: Any, pointer: Pointer, scope: str = "") -> Condition:
        """Compile one node; ``scope`` is the path of the list items a ``where`` looks at."""
        if not isinstance(raw, Mapping):
            raise CompileError(pointer, "a condition must be a mapping")
        for junction, decided_by in ((_ALL, False), (_ANY, True)):
            if isinstance(raw.get(junction), list):
                children = [self.node(c, (*pointer, junction, i), scope) for i, c in enumerate(raw[junction])]
                return _Junction(children, decided_by)
        if "not" in raw:
            return _Not(self.node(raw["not"], (*pointer, "not"), scope))
        for quantifier in (_ANY, _ALL, _COUNT):
            if isinstance(raw.get(quantifier), Mapping):
                return self._quantifier(quantifier, raw, pointer, scope)
        if "field" in raw or "param" in raw:
            return self._leaf(raw, pointer, scope)
        raise CompileError(pointer, "expected one of all, any, not, count, or field")

    def _quantifier(self, kind: str, raw: Mapping[str, Any], pointer: Pointer, scope: str) -> Condition:
        spec = raw[kind]
        path = str(spec["over"])
        items = document_path(scope, path) + "[]"
        where = self.node(spec["where"], (*pointer, kind, "where"), items) if "where" in spec else None
        compare: Check | None = None
        if kind == _COUNT:
            ops = [op for op in COUNTING if op in raw]
            if len(ops) != 1:
                raise CompileError(pointer, "count needs exactly one comparator (equals, greater, less, ...)")
            compare = self._check(ops[0], raw[ops[0]], False, (*pointer, ops[0]))
        bind = spec.get("as")
        return _Quantifier(kind, path, field_getter(path), where, str(bind) if bind else None, compare)

    def _check(self, op: str, raw: Any, case_sensitive: bool, pointer: Pointer) -> Check:
        known, constant = self._constant(raw, pointer)
        getter = Constant(constant) if known else self.value(raw, pointer)
        operand = Operand(raw, getter, known, constant, case_sensitive, self.value, pointer)
        try:
            return OPERATORS[op].build(operand)
        except OperandError as exc:
            raise CompileError(pointer, str(exc)) from None

    def _leaf(self, raw: Mapping[str, Any], pointer: Pointer, scope: str) -> Condition:
        getter: Getter
        if "param" in raw:
            path = f"params.{raw['param']}"
            getter = self.value({"param": raw["param"]}, (*pointer, "param"))
        else:
            path = str(raw["field"])
            getter = field_getter(path)
        ops = [op for op in OPERATORS if op in raw]
        if len(ops) != 1:
            raise CompileError(pointer, f"field {path!r} needs exactly one operator, found {ops or 'none'}")
        op = ops[0]
        check = self._check(op, raw[op], bool(raw.get("case_sensitive", False)), (*pointer, op))
        vocabulary: Vocabulary | None = None
        field = ""
        if "field" in raw and OPERATORS[op].vocabulary and self.subject is not None:
            field = document_path(scope, path)
            vocabulary = documented(self.subject, field)
        return Leaf(path, getter, check, vocabulary, field)


def compile_condition(raw: Any, params: Mapping[str, Any], pointer: Pointer, subject: str | None = None) -> Condition:
    """Compile one condition tree; ``pointer`` locates it in the rule file for errors.

    ``subject`` (the rule's subject kind) enables the documented-values check of the fields
    :mod:`scanner.inventory.vocabulary` lists for that kind.
    """
    return _Compiler(params, subject).node(raw, pointer)


def as_rule_error(path: str, line: int | None, exc: CompileError) -> RuleError:
    """Turn a :class:`CompileError` into the user-facing ``file:line: message``."""
    where = f"{path}:{line}" if line else path
    return RuleError(f"{where}: {exc.message}")
