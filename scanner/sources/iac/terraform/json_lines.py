"""The line of every key in a Terraform JSON document (a plan, a ``.tf.json`` file).

JSON decoders drop positions, so findings in a plan point at the line of the resource's
``"address"`` key and a property at the line of its key in ``change.after``; a ``.tf.json``
file is read as HCL whose lines map back to these. Nesting past
:data:`~scanner.sources.iac.budget.JSON_DEPTH` is refused here, with its line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded

JsonPath = tuple[str | int, ...]

_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([{}\[\],:])|([^\s,:\]\}]+))', re.S)


_STRING_OR_KEY = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?', re.S)


def fast_key_lines(text: str, data: Any, keep: tuple[str, ...] = ("resource_changes",)) -> dict[JsonPath, int] | None:
    """Line of every object key of ``data`` (decoded from ``text``), or ``None`` if keys do not pair up.

    One regular-expression pass finds every key in document order; a walk of the decoded tree
    (dicts keep document order) pairs the n-th key found with the n-th key visited. Duplicate
    keys (which the decoder collapses) break the pairing: the caller falls back to
    :func:`key_lines`.
    """
    offsets = [m.start() for m in _STRING_OR_KEY.finditer(text) if m.group(1) is not None]
    lines: dict[JsonPath, int] = {}
    position = 0
    state = {"line": 1, "last": 0}

    def line_of(at: int) -> int:
        state["line"] += text.count("\n", state["last"], at)
        state["last"] = at
        return state["line"]

    def walk(node: Any, path: JsonPath, record: bool) -> bool:
        nonlocal position
        if len(path) >= budget.JSON_DEPTH and isinstance(node, dict | list):
            raise _deep(text, offsets[position - 1] if position else 0)
        if isinstance(node, dict):
            for key, value in node.items():
                if position >= len(offsets):
                    return False
                here = (*path, key)
                wanted = record or (len(here) == 1 and key in keep)
                at = offsets[position]
                position += 1
                if record or len(here) == 1:
                    lines[here] = line_of(at)
                if not walk(value, here, wanted):
                    return False
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if not walk(value, (*path, index), record):
                    return False
        return True

    if not walk(data, (), False) or position != len(offsets):
        return None
    return lines


def key_lines(text: str, keep: tuple[str, ...] = ("resource_changes",)) -> dict[JsonPath, int]:
    """Line (1-based) of every object key and array element of a valid JSON text.

    Only top-level keys and paths under a top-level key in ``keep`` are recorded.
    """
    lines: dict[JsonPath, int] = {}
    # Each frame: [path, is_object, key_or_index, expecting_key]
    stack: list[list[Any]] = []
    line = 1
    last = 0
    match = _TOKEN.match(text, 0)
    while match is not None:
        string, punct, scalar = match.groups()
        at = match.start(1) if string else match.start(2) if punct else match.start(3)
        frame = stack[-1] if stack else None
        if punct in (":",) or (punct is None and string is None and scalar is None):
            pass
        elif punct == ",":
            if frame is not None:
                if frame[1]:
                    frame[3] = True
                else:
                    frame[2] += 1
        elif punct in ("}", "]"):
            if stack:
                stack.pop()
        elif string is not None and frame is not None and frame[1] and frame[3]:
            key = json.loads(string) if "\\" in string else string[1:-1]
            frame[2] = key
            frame[3] = False
            path: JsonPath = (*frame[0], key)
            if len(path) <= 1 or path[0] in keep:
                line += text.count("\n", last, at)
                last = at
                lines[path] = line
        else:  # a value starts: string, scalar, { or [
            path = (*frame[0], frame[2]) if frame is not None else ()
            if frame is not None and not frame[1] and (len(path) <= 1 or path[0] in keep):
                line += text.count("\n", last, at)
                last = at
                lines[path] = line
            if punct in ("{", "["):
                if len(stack) >= budget.JSON_DEPTH:
                    raise _deep(text, at)
                stack.append([path, punct == "{", 0, punct == "{"])
        if match.end() == match.start() or match.end() >= len(text):
            break
        match = _TOKEN.match(text, match.end())
    return lines


def _deep(text: str, offset: int) -> BudgetExceeded:
    line = text.count("\n", 0, offset) + 1
    return BudgetExceeded(f"arrays and objects nest more than {budget.JSON_DEPTH} levels deep (the limit)", line=line)
