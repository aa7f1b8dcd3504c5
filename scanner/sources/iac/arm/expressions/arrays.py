"""Array and object functions: ``contains``, ``length``, ``union``, ``items``, ``range``, ``json`` ...

Arrays and objects built here are checked against
:data:`~scanner.sources.iac.budget.LIST_ITEMS`, and functions whose work grows faster than
their arguments (``union``, ``intersection`` compare every pair) charge the scan's meter
for that work before doing it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.plain_data import json_kind
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, Family, Function
from scanner.sources.iac.arm.expressions.values import Unresolved, equals, require_str, to_text, whole_number
from scanner.sources.iac.budget import BudgetExceeded

family = Family()
FUNCTIONS: dict[str, Function] = family.functions


@family.strict("contains", arity=(2, 2))
def _contains(args: list[Any], env: Context, text: str) -> Any:
    container, item = args
    if isinstance(container, str):
        return to_text(item) in container
    if isinstance(container, Mapping):
        key = to_text(item).lower()
        return any(k.lower() == key for k in container)
    if isinstance(container, list):
        pending: Unresolved | None = None
        for element in container:
            found = equals(element, item)
            if found is True:
                return True
            if type(found) is Unresolved and pending is None:
                pending = found
        return Unresolved(pending.reason, f"<{text}>") if pending is not None else False
    raise TypeError(f"contains() cannot look inside {json_kind(container)}")


@family.strict("empty", arity=(1, 1))
def _empty(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if value is None:
        return True
    if isinstance(value, str | list | Mapping):
        return len(value) == 0
    raise TypeError(f"empty() expects a string, array or object, got {json_kind(value)}")


@family.strict("length", arity=(1, 1))
def _length(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, str | list | Mapping):
        return len(value)
    raise TypeError(f"length() expects a string, array or object, got {json_kind(value)}")


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out = dict(a)
        for key, value in b.items():
            out[key] = _merge(out[key], value) if key in out else value
        return out
    return b


def _scalar_key(value: Any) -> tuple[str, Any] | None:
    """A key equal where ARM's ``equals`` is (``1`` and ``1.0``, never ``true`` and ``1``); None for others."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    return None


@family.strict("union", arity=(1, None))
def _union(args: list[Any], env: Context, text: str) -> Any:
    if all(isinstance(a, Mapping) for a in args):
        result: dict[str, Any] = {}
        for arg in args:
            result = _merge(result, arg)
        return result
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        scalars: set[tuple[str, Any]] = set()
        structured: list[Any] = []
        for arg in args:
            for item in arg:
                key = _scalar_key(item)
                if key is not None:
                    if key not in scalars:
                        scalars.add(key)
                        out.append(item)
                    continue
                # An array or object is compared with those kept: each comparison costs as much as reading an item.
                env.meter.spend(len(structured) * budget.ITEM_SIZE, "union()")
                if not any(equals(item, seen) is True for seen in structured):
                    structured.append(item)
                    out.append(item)
        return out
    raise TypeError("union() expects only arrays or only objects")


@family.strict("intersection", arity=(1, None))
def _intersection(args: list[Any], env: Context, text: str) -> Any:
    first, rest = args[0], args[1:]
    if isinstance(first, Mapping):
        return {
            k: v
            for k, v in first.items()
            if all(isinstance(o, Mapping) and k in o and equals(o[k], v) is True for o in rest)
        }
    if isinstance(first, list):
        pairs = len(first) * sum(len(o) for o in rest if isinstance(o, list))
        env.meter.spend(pairs * budget.ITEM_SIZE, "intersection()")
        return [x for x in first if all(any(equals(x, y) is True for y in o) for o in rest)]
    raise TypeError("intersection() expects arrays or objects")


@family.plain("createArray")
def _create_array(args: list[Any], env: Context, text: str) -> Any:
    return list(args)  # unresolved items stay items: the array itself is known


@family.plain("createObject")
def _create_object(args: list[Any], env: Context, text: str) -> Any:
    if len(args) % 2:
        raise ValueError("createObject() needs key/value pairs")
    out: dict[str, Any] = {}
    for index in range(0, len(args), 2):
        key = args[index]
        if type(key) is Unresolved:
            return Unresolved(key.reason, f"<{text}>")
        out[require_str(key, "createObject key")] = args[index + 1]
    return out


@family.strict("first", arity=(1, 1))
def _first(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, str | list):
        return value[0] if value else ("" if isinstance(value, str) else None)
    raise TypeError(f"first() expects a string or array, got {json_kind(value)}")


@family.strict("last", arity=(1, 1))
def _last(args: list[Any], env: Context, text: str) -> Any:
    value = args[0]
    if isinstance(value, str | list):
        return value[-1] if value else ("" if isinstance(value, str) else None)
    raise TypeError(f"last() expects a string or array, got {json_kind(value)}")


@family.strict("take", arity=(2, 2))
def _take(args: list[Any], env: Context, text: str) -> Any:
    return args[0][: max(0, int(args[1]))]


@family.strict("skip", arity=(2, 2))
def _skip(args: list[Any], env: Context, text: str) -> Any:
    return args[0][max(0, int(args[1])) :]


@family.strict("items", arity=(1, 1))
def _items(args: list[Any], env: Context, text: str) -> Any:
    obj = args[0]
    if not isinstance(obj, Mapping):
        raise TypeError(f"items() expects an object, got {json_kind(obj)}")
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


@family.strict("join", arity=(2, 2))
def _join(args: list[Any], env: Context, text: str) -> Any:
    separator = to_text(args[1])
    texts = [to_text(v) for v in args[0]]
    budget.check_string("join()", sum(map(len, texts)) + max(len(texts) - 1, 0) * len(separator))
    return separator.join(texts)


@family.strict("json", arity=(1, 1))
def _json(args: list[Any], env: Context, text: str) -> Any:
    source = require_str(args[0], "json")
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


@family.strict("range", arity=(2, 2))
def _range(args: list[Any], env: Context, text: str) -> Any:
    start, count = whole_number(args[0], "range()"), whole_number(args[1], "range()")
    budget.check_items("range()", count)
    budget.check_integer("range()", start + count)
    return list(range(start, start + count))


@family.strict("array", arity=(1, 1))
def _array(args: list[Any], env: Context, text: str) -> Any:
    return args[0] if isinstance(args[0], list) else [args[0]]
