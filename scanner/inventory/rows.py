"""Reading Azure rows that may be incomplete: every builder of the inventory reads through these.

Live rows may hold ``null`` where an object or list belongs; IaC rows may hold an
:class:`Unknown` (an unresolved expression) anywhere. These readers turn what a field does
not hold into an empty value, so a builder never fails on a row's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from scanner.inventory.coverage import Coverage
from scanner.inventory.model import Raw
from scanner.unknown import Unknown

Section = Mapping[str, Any] | None  # a snapshot section (``resourceGraph``, ``graph``) or its absence
T = TypeVar("T")


def props(row: Raw) -> Mapping[str, Any]:
    """A row's ``properties`` object, or an empty one."""
    value = row.get("properties") if isinstance(row, Mapping) else None  # (IaC list items may be anything)
    return value if isinstance(value, Mapping) else {}


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one (IaC rows may hold :class:`Unknown`)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any] | tuple[()]:
    """``value`` if it is a list, else nothing (``None`` in live rows, :class:`Unknown` in IaC rows)."""
    return value if type(value) is list else ()


def text(value: Any, default: str = "") -> str:
    """A string field that joins or names things; anything else (absent, unknown) is ``default``."""
    return value if type(value) is str else default


def rows(section: Section, name: str) -> list[Raw]:
    """The rows of list ``name`` in a section (none when either is absent)."""
    if section is None:
        return []
    found = section.get(name)
    return list(found) if isinstance(found, list) else []


def collected(coverage: Coverage, resource_graph: Section, name: str, build: Callable[[list[Raw]], T]) -> T | Unknown:
    """``build`` applied to the rows of ``resourceGraph.name``, or why that list is unknown."""
    missing = coverage.missing("resourceGraph", name)
    return missing if missing is not None else build(rows(resource_graph, name))
