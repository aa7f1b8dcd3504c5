"""The values expressions compute with: unresolved values, ARM's text rendering and equality.

A value that cannot be known before deployment is :class:`Unresolved`; its *placeholder* is
the text that stands for it inside a string, so string functions keep building with it. One
that ``reference()`` reads from a resource also keeps *where* (:attr:`Unresolved.runtime`), so
the reader can tell a workload's identity apart from any other runtime value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded

#: (resource id, path in the object ``reference(id, version, 'Full')`` returns): what
#: ``reference()`` of a resource read, so far; ``.identity.principalId`` extends it.
Runtime = tuple[str, tuple[str, ...]]


class Unresolved:
    """A value only known at deployment (or not computable here): why, and what stands for it."""

    __slots__ = ("placeholder", "reason", "runtime")

    def __init__(self, reason: str, placeholder: str, runtime: Runtime | None = None) -> None:
        self.reason = reason
        self.placeholder = placeholder
        self.runtime = runtime

    def member(self, name: Any, text: str) -> Unresolved:
        """``.name`` or ``['name']`` of this value: unresolved too, still saying where it was read."""
        runtime = self.runtime
        if runtime is not None and isinstance(name, str):
            return Unresolved(self.reason, f"<{text}>", (runtime[0], (*runtime[1], name)))
        return Unresolved(self.reason, f"<{text}>")

    def __repr__(self) -> str:
        return f"Unresolved({self.reason!r}, {self.placeholder!r})"


class Declared(dict[str, Any]):
    """A resource's properties as its template declares them: one it leaves out is Azure's, known once deployed.

    ``runtime`` is the resource's id and where these properties are in its full ``reference()``
    (``("properties",)``, or ``()`` for the full object), so a property it leaves out is read
    from the resource (a kubelet identity's object id) once deployed.
    """

    __slots__ = ("owner", "runtime")

    def __init__(self, properties: Mapping[str, Any], owner: str, runtime: Runtime | None = None) -> None:
        super().__init__(properties)
        self.owner = owner
        self.runtime = runtime

    def missing(self, name: str, text: str) -> Unresolved:
        runtime = self.runtime
        return Unresolved(
            f"property '{name}' of {self.owner} is not declared: only known after deployment ({text})",
            f"<{text}>",
            None if runtime is None else (runtime[0], (*runtime[1], name)),
        )


def fail(text: str, message: str) -> Unresolved:
    """The value of call ``text`` that ARM would refuse: unknown here, with the reason."""
    return Unresolved(f"{text}: {message}", f"<{text}>")


def first_unresolved(args: Sequence[Any]) -> Unresolved | None:
    for arg in args:
        if type(arg) is Unresolved:
            return arg
    return None


def deep_unresolved(value: Any) -> Unresolved | None:
    """The first unresolved value anywhere inside ``value`` (arrays and objects included)."""
    if type(value) is Unresolved:
        return value
    if isinstance(value, list):
        for item in value:
            found = deep_unresolved(item)
            if found is not None:
                return found
    elif isinstance(value, Mapping):
        for item in value.values():
            found = deep_unresolved(item)
            if found is not None:
                return found
    return None


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


def equals(a: Any, b: Any) -> bool | Unresolved:
    """ARM ``equals``: deep, type-aware (``1`` is not ``true``), case-sensitive for strings."""
    bad = deep_unresolved(a) or deep_unresolved(b)
    if bad is not None:
        return bad
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if {k.lower() for k in a} != {k.lower() for k in b}:
            return False
        lowered = {k.lower(): v for k, v in b.items()}
        return all(equals(v, lowered[k.lower()]) is True for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equals(x, y) is True for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b if not isinstance(a, int | float) else a == b


def require_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} expects a string, got {json_kind(value)}")
    return value


def whole_number(value: Any, what: str) -> int:
    """An integer argument (a number, or a string of digits checked for size before conversion)."""
    if isinstance(value, str) and len(value.strip().lstrip("+-")) > 19:
        raise BudgetExceeded(f"{what} is given an integer of {len(value.strip())} digits, outside the 64-bit range")
    number = int(value)
    budget.check_integer(what, number)
    return number
