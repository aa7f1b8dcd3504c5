"""Safe YAML loading: JSON-shaped data only, within the input limits.

``yaml.CSafeLoader`` is libyaml's implementation of ``SafeLoader`` (same constructor, same
safety as ``yaml.safe_load``) and much faster on the rule pack; PyYAML builds
without libyaml fall back to ``yaml.SafeLoader`` itself. On top of the safe loader, a
document is refused with its line when it holds

* more than :data:`~scanner.input_limits.ALIAS_BUDGET` values added by aliases (``*name``),
  or an alias inside the value it names: the parsed document shares aliased values, but
  everything after it (validation, the rule cache, reports) sees them expanded, so a
  "billion laughs" file would otherwise grow without bound;
* nesting deeper than :data:`~scanner.input_limits.MAX_DEPTH`;
* a value JSON cannot carry: ``!!set``, ``!!binary``, ``!!omap``, ``!!pairs``, an integer
  beyond 64 bits, ``.nan``/``.inf``, or a mapping key that is not a string (``1:``, ``on:``).

All of it is checked on the composed node graph, whose size is linear in the text, before a
single Python value is built. Every refusal is a ``yaml.YAMLError`` with a ``problem_mark``,
so callers report it like any other YAML error, as ``file:line: ...``.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache
from typing import Any

from scanner.input_limits import ALIAS_BUDGET, INT_MAX, INT_MIN, MAX_DEPTH
from scanner.plain_data import iso_text

_TAG = "tag:yaml.org,2002:"
#: Tags whose values are JSON data (timestamps become ISO strings; merge keys are flattened).
_JSON_TAGS = frozenset(
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge")
)


def _plain(value: Any) -> Any:
    """Turn YAML's implicit timestamps back into ISO strings, so data stays JSON-shaped.

    ``expires: 2027-03-31`` would otherwise be a ``datetime.date`` that JSON Schema cannot
    validate and that rules would compare differently from the strings Azure returns. The
    copy also gives every aliased value its own tree (bounded by the alias budget).
    """
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):  # (a datetime is a date too)
        return iso_text(value)
    return value


def _refuse(problem: str, node: Any) -> Exception:
    import yaml

    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _check_key(key: Any) -> None:
    import yaml

    if isinstance(key, yaml.ScalarNode) and key.tag in (_TAG + "str", _TAG + "merge"):
        return
    shown = f" {key.value!r}" if isinstance(key, yaml.ScalarNode) else ""
    raise _refuse(f"mapping key{shown} is not a string (quote it)", key)


def _check_node(node: Any) -> list[Any]:
    """The children of one node, once its own tag (and its keys) are known to be JSON data."""
    import yaml

    if node.tag not in _JSON_TAGS:
        name = "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
        raise _refuse(f"{name} is not JSON data (rules and configuration hold only JSON values)", node)
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        children: list[Any] = []
        for key, value in node.value:
            _check_key(key)
            children += (key, value)
        return children
    return []


def check_graph(root: Any) -> None:
    """Refuse a composed document that is too deep, self-referring, or expands past the budget.

    One walk over the node graph, each node once: an alias is a node met again, and what it
    adds is the size of the value it names (remembered from the first visit). Depth counts
    sequences and mappings, as JSON nesting counts arrays and objects.
    """
    done: dict[int, tuple[int, int]] = {}  # node id -> (height in collections, expanded size)
    open_ids: set[int] = set()
    stack: list[tuple[Any, list[Any], list[int]]] = []  # collection, children left, [height, size]
    added = 0

    def visit(node: Any) -> None:
        children = _check_node(node)
        if not isinstance(node.value, list):  # a scalar
            done[id(node)] = (0, 1)
            if stack:
                stack[-1][2][1] += 1
            return
        if len(stack) >= MAX_DEPTH:
            raise _refuse(f"nested deeper than {MAX_DEPTH} levels (the input limit)", node)
        children.reverse()
        open_ids.add(id(node))
        stack.append((node, children, [1, 1]))

    visit(root)
    while stack:
        node, children, measure = stack[-1]
        if not children:
            stack.pop()
            open_ids.discard(id(node))
            done[id(node)] = (measure[0], measure[1])
            if stack:
                parent = stack[-1][2]
                parent[0] = max(parent[0], measure[0] + 1)
                parent[1] += measure[1]
            continue
        child = children.pop()
        if id(child) in open_ids:
            raise _refuse("an alias refers to a value that contains it (a recursive alias)", node)
        if id(child) not in done:
            visit(child)
            continue
        height, size = done[id(child)]
        added += size
        if added > ALIAS_BUDGET:
            raise _refuse(f"aliases expand to more than {ALIAS_BUDGET:,} values (the alias budget)", node)
        if len(stack) + height > MAX_DEPTH:
            raise _refuse(f"an alias nests deeper than {MAX_DEPTH} levels (the input limit)", node)
        measure[0] = max(measure[0], height + 1)
        measure[1] += size


def _int(loader: Any, node: Any) -> int:
    import yaml

    try:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:  # (more digits than Python converts)
        value = None
    if not isinstance(value, int) or not INT_MIN <= value <= INT_MAX:
        raise _refuse(f"integer {node.value[:24]}{'...' if len(node.value) > 24 else ''} is beyond 64 bits", node)
    return value


def _float(loader: Any, node: Any) -> float:
    import yaml

    value = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise _refuse(f"{node.value} is not a JSON number", node)
    assert isinstance(value, float)
    return value


@cache
def _loader() -> Any:
    """The safe loader (libyaml's when built in) with the checks of this module."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

    class BoundedSafeLoader(base):  # type: ignore[misc]
        def get_single_data(self) -> Any:
            node = self.get_single_node()
            if node is None:
                return None
            check_graph(node)
            return self.construct_document(node)

    BoundedSafeLoader.add_constructor(_TAG + "int", _int)
    BoundedSafeLoader.add_constructor(_TAG + "float", _float)
    return BoundedSafeLoader


def load_yaml(text: str) -> Any:
    """Parse YAML text with the safe loader only; timestamps come back as ISO strings.

    Raises ``yaml.YAMLError`` (with a ``problem_mark`` when the problem has a place) for
    anything that is not a document of JSON data within the limits. PyYAML is imported here,
    not at start-up: a scan whose rules come from the rule cache and that has no YAML config
    never needs it.
    """
    import yaml

    loader = _loader()(text)
    try:
        return _plain(loader.get_single_data())
    except RecursionError:  # (only PyYAML's pure-Python parser recurses; libyaml stops at 1,000)
        raise yaml.YAMLError(f"nested deeper than {MAX_DEPTH} levels (the input limit)") from None
    finally:
        loader.dispose()
