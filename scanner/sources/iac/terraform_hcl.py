"""Terraform ``.tf`` source → declared resources in their live shape, with file and line.

The unit is a **module directory**: every ``.tf`` file in it is read together, with the
variable values of ``terraform.tfvars``, ``terraform.tfvars.json``, ``*.auto.tfvars`` and
``*.auto.tfvars.json`` in it (in Terraform's order, later wins), then any explicit ``var_files``.
``read_tf`` accepts directories and ``.tf`` files; files are grouped by their directory.
Modules called with ``module`` blocks are not followed: scan their directory on its own
(their variables then come from defaults only).

Files are parsed with python-hcl2 into its Lark syntax tree, and the expressions are
evaluated here, in the subset pull requests use: literals, strings with interpolation,
``var.*`` (defaults and tfvars), ``local.*``, ``count.index`` / ``each.*``, conditionals and
operators, ``for`` expressions, ``dynamic`` blocks, common pure functions (``lower``,
``format``, ``merge``, ``lookup``, ``jsonencode``, ``try``, …), and references between
resources: ``azurerm_container_registry.acr.id`` is the registry's synthetic id (see
:mod:`scanner.sources.iac.ids`), ``.name``/``.location``/any argument is its value. Anything
else (data sources that are not a plain lookup by name, module outputs, computed attributes,
unknown functions, variables without a value) is an :class:`~scanner.unknown.Unknown` carrying
the expression. ``count`` or ``for_each`` that cannot be resolved gives one instance whose
``count.index`` / ``each.*`` are unknown.

Inline suppressions are comments ``# acr-scan:ignore ACR-001 reason`` (or ``//``, ``/* */``),
on the line(s) right above a ``resource`` block or anywhere inside it, one or more
comma-separated rule ids then a reason. A suppression without a reason, or one that is not
attached to a resource, is an input error (exit code 2): an ignored finding must say why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from scanner.errors import InputError
from scanner.sources.declarations import IacResource, InlineSuppression
from scanner.sources.iac import budget
from scanner.sources.iac import terraform_limits as limits
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.terraform_translate import (
    AttrPath,
    TfInstance,
    Translator,
    dedupe_ids,
    natural_id,
    principal_type_for,
)
from scanner.unknown import Unknown

_META_ARGS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
_SKIP = {"new_line_or_comment"}
_SUPPRESS = re.compile(r"^\s*(?:#|//|/\*|\*)?\s*acr-scan:ignore\b(?P<rest>.*)$")
_RULE_IDS = re.compile(r"\s*(?P<ids>[A-Za-z][A-Za-z0-9]*-\d+(?:\s*,\s*[A-Za-z][A-Za-z0-9]*-\d+)*)(?P<reason>.*)")
_NO_VALUE = object()
_NOT_COMMENTS = ("STRING_CHARS", "HEREDOC", "ESCAPED_", "TEMPLATE_STRING")
_TEXT_CHARS = 1000  # of an expression quoted in a reason
_PAIRWISE = 2000  # items distinct() compares pairwise
_INT_RANGE = 2.0**63  # a whole float at least this large stays a float (an int would not fit 64 bits)


# --------------------------------------------------------------------------- files


def _relative(path: Path, repo_root: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(slots=True)
class _File:
    path: Path
    rel: str
    text: str
    tree: Tree[Any]
    line_map: list[int] | None = None  # .tf.json: generated HCL line → line in the JSON file

    def orig(self, line: int) -> int:
        """The line in the file on disk (a ``.tf.json`` file is read as generated HCL)."""
        if self.line_map is None:
            return line
        return self.line_map[line - 1] if 0 < line <= len(self.line_map) else 1


def _parse_error(rel: str, exc: Exception) -> InputError:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        what = "unexpected end of file (unclosed block, string or bracket?)"
    elif isinstance(exc, UnexpectedToken):
        value = str(exc.token.value).strip().splitlines()[0] if str(exc.token.value).strip() else exc.token.type
        what = f"unexpected {value[:40]!r}"
    elif isinstance(exc, UnexpectedCharacters):
        what = f"unexpected character {exc.char!r}"
    else:
        what = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = f"{rel}:{line}:{column}" if isinstance(line, int) and line > 0 else f"{rel}:1:1"
    return InputError(f"{where}: malformed HCL: {what}")


def _parse(path: Path, rel: str) -> _File:
    text = limits.read_source(path, rel)
    if path.name.endswith(".tf.json"):
        return _parse_json(path, rel, text)
    try:
        tree = hcl2.parses_to_tree(text)
    except (UnexpectedInput, LarkError, RuntimeError, ValueError) as exc:
        raise _parse_error(rel, exc) from None
    file = _File(path, rel, text, tree)
    limits.check_tree_depth(tree, rel, file.orig)
    return file


def _children(node: Tree[Any]) -> list[Any]:
    """Children that carry meaning (no comments/newlines)."""
    return [c for c in node.children if not (isinstance(c, Tree) and c.data in _SKIP)]


def _leaf(node: Tree[Any]) -> str:
    """The text of the first token of a node (``int_lit``, ``binary_operator``, …)."""
    first: Any = node.children[0]
    return str(first.value) if isinstance(first, Token) else _leaf(first)


def _trees(node: Tree[Any]) -> list[Tree[Any]]:
    return [c for c in node.children if isinstance(c, Tree) and c.data not in _SKIP]


def _name_of(node: Any) -> str:
    """Text of an identifier / keyword / literal_value / string label."""
    if isinstance(node, Token):
        return str(node.value)
    if node.data == "string":
        return "".join(_leaf(p) for p in node.children if isinstance(p, Tree))
    return "".join(str(t.value) for t in node.scan_values(lambda v: isinstance(v, Token)))


@dataclass(slots=True)
class _Block:
    kind: str
    labels: list[str]
    body: Tree[Any]
    file: _File
    line: int
    end_line: int


def _body_items(body: Tree[Any]) -> Iterator[tuple[str, Tree[Any]]]:
    for child in body.children:
        if isinstance(child, Tree) and child.data in ("attribute", "block"):
            yield child.data, child


def _attribute(node: Tree[Any]) -> tuple[str, Tree[Any]]:
    name, expr = node.children[0], node.children[-1]
    return _name_of(name), expr


def _block_parts(node: Tree[Any]) -> tuple[str, list[str], Tree[Any]]:
    parts = [c for c in node.children if isinstance(c, Tree) and c.data not in _SKIP]
    body = parts[-1]
    names = [_name_of(p) for p in parts[:-1]]
    return names[0], names[1:], body


# --------------------------------------------------------------------------- JSON syntax

_SKIP_JSON_KEYS = frozenset({"lifecycle", "provisioner", "connection", "depends_on", "provider"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _HclWriter:
    """Terraform JSON syntax → equivalent HCL text, remembering each line's JSON line."""

    def __init__(self, lines: Mapping[tuple[str | int, ...], int]) -> None:
        self.json_lines = lines
        self.out: list[str] = []
        self.line_map: list[int] = []

    def emit(self, text: str, line: int) -> None:
        self.out.append(text)
        self.line_map.append(line)

    def value(self, value: Any, literal: bool = False) -> str:
        if isinstance(value, str):
            text = json.dumps(value)
            return text.replace("${", "$${").replace("%{", "%%{") if literal else text
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v, literal) for v in value) + "]"
        if isinstance(value, dict):
            items = (f"{json.dumps(str(k))} = {self.value(v, literal)}" for k, v in value.items())
            return "{" + ", ".join(items) + "}"
        return json.dumps(value)

    def body(self, body: Any, path: tuple[str | int, ...], line: int) -> None:
        if not isinstance(body, dict):
            return
        for key, value in body.items():
            at = self.json_lines.get((*path, key), line)
            if key == "//":
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str):
                        for part in text.splitlines() or [""]:
                            self.emit(f"# {part}", at)
            elif key == "dynamic" and isinstance(value, dict):
                self._dynamic(value, (*path, key), at)
            elif key in _SKIP_JSON_KEYS or not _IDENTIFIER.fullmatch(str(key)):
                continue
            else:
                self.emit(f"{key} = {self.value(value)}", at)

    def _dynamic(self, value: Mapping[str, Any], path: tuple[str | int, ...], at: int) -> None:
        for block_type, specs in value.items():
            for spec in specs if isinstance(specs, list) else [specs]:
                if not isinstance(spec, dict) or not _IDENTIFIER.fullmatch(str(block_type)):
                    continue
                self.emit(f"dynamic {json.dumps(str(block_type))} {{", at)
                if "for_each" in spec:
                    self.emit(f"for_each = {self.value(spec['for_each'])}", at)
                if isinstance(spec.get("iterator"), str) and _IDENTIFIER.fullmatch(spec["iterator"]):
                    self.emit(f"iterator = {spec['iterator']}", at)
                content = spec.get("content")
                for item in content if isinstance(content, list) else [content]:
                    self.emit("content {", at)
                    self.body(item, path, at)
                    self.emit("}", at)
                self.emit("}", at)


def _parse_json(path: Path, rel: str, text: str) -> _File:
    """A ``.tf.json`` file (Terraform's JSON syntax), read as the HCL it stands for.

    Strings are templates as in Terraform (``"${var.x}"``), ``"//"`` keys are comments (so an
    ``acr-scan:ignore`` suppression can be written there), lines point into the JSON file.
    """
    from scanner.sources.iac.terraform_plan import key_lines

    data = limits.load_json(text, rel, "Terraform JSON")
    if not isinstance(data, dict):
        raise InputError(f"{rel}:1:1: a Terraform JSON file must be an object")
    writer = _HclWriter(key_lines(text, keep=("resource", "data", "variable", "locals")))
    variables = data.get("variable")
    for name, spec in variables.items() if isinstance(variables, dict) else ():
        if _IDENTIFIER.fullmatch(str(name)):
            at = writer.json_lines.get(("variable", name), 1)
            writer.emit(f"variable {json.dumps(str(name))} {{", at)
            if isinstance(spec, dict) and "default" in spec:
                writer.emit(f"default = {writer.value(spec['default'], literal=True)}", at)
            writer.emit("}", at)
    local_blocks = data.get("locals") or []
    for block in local_blocks if isinstance(local_blocks, list) else [local_blocks]:
        at = writer.json_lines.get(("locals",), 1)
        writer.emit("locals {", at)
        writer.body(block, ("locals",), at)
        writer.emit("}", at)
    for kind in ("resource", "data"):
        types = data.get(kind)
        for tf_type, named in types.items() if isinstance(types, dict) else ():
            for name, bodies in named.items() if isinstance(named, dict) else ():
                at = writer.json_lines.get((kind, tf_type, name), 1)
                for body in bodies if isinstance(bodies, list) else [bodies]:
                    writer.emit(f"{kind} {json.dumps(str(tf_type))} {json.dumps(str(name))} {{", at)
                    writer.body(body, (kind, tf_type, name), at)
                    writer.emit("}", writer.line_map[-1])
    hcl_text = "\n".join(writer.out) + "\n"
    try:
        tree = hcl2.parses_to_tree(hcl_text)
    except (UnexpectedInput, LarkError, RuntimeError, ValueError) as exc:
        line = getattr(exc, "line", None)
        at = writer.line_map[line - 1] if isinstance(line, int) and 0 < line <= len(writer.line_map) else 1
        raise InputError(f"{rel}:{at}:1: Terraform JSON holds an expression that is not valid HCL") from None
    file = _File(path, rel, hcl_text, tree, writer.line_map)
    limits.check_tree_depth(tree, rel, file.orig)
    return file


# --------------------------------------------------------------------------- values


def _unknown(reason: str) -> Unknown:
    return Unknown(reason)


def _first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        found = _find_unknown(value)
        if found is not None:
            return found
    return None


def _find_unknown(value: Any) -> Unknown | None:
    """The first unknown in ``value`` (document order; iterative, so any depth is fine)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, Unknown):
            return node
        if isinstance(node, Mapping):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def _to_string(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if value is None:
        return Unknown("null value in a string template")
    return Unknown(f"{limits.preview(value)} is not a string")


def _to_number(value: Any) -> int | float | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(f"{value} is not a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return Unknown(f"{value!r} is not a number")
        return int(number) if number.is_integer() and abs(number) < _INT_RANGE else number
    return Unknown(f"{value!r} is not a number")


def _to_bool(value: Any) -> bool | Unknown:
    if isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return Unknown(f"{value!r} is not a bool")


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE.get(code, "\\" + code)

    return _ESCAPES.sub(repl, text)


_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)^[ \t]*\2[ \t]*\r?\n?\Z", re.S | re.M)


def _heredoc(token: str) -> str | Unknown:
    match = _HEREDOC.match(token)
    if match is None:
        return Unknown("heredoc could not be read")
    trim, _, body = match.groups()
    if "${" in body.replace("$${", "") or "%{" in body.replace("%%{", ""):
        return Unknown("heredoc with interpolation or directives is not evaluated")
    lines = body.split("\n")
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    return "\n".join(lines).replace("$${", "${").replace("%%{", "%{")


# --------------------------------------------------------------------------- functions


def _fn_format(fmt: Any, *args: Any) -> Any:
    if not isinstance(fmt, str):
        return Unknown("format() needs a string")
    values = list(args)
    out: list[str] = []
    index = 0
    pos = 0
    for match in re.finditer(r"%(%|[-+ #0]*\d*(?:\.\d+)?[vsdfqtbeEgGxXo])", fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        spec = match.group(1)
        if spec == "%":
            out.append("%")
            continue
        limits.check_format_verb(spec[:-1])
        if index >= len(values):
            return Unknown("format() has too few arguments")
        value = values[index]
        index += 1
        verb = spec[-1]
        if verb in "dxXob":
            number = _to_number(value)
            if isinstance(number, Unknown):
                return number
            out.append(("%" + spec.replace("b", "d")) % int(number) if verb != "b" else format(int(number), "b"))
        elif verb in "feEgG":
            number = _to_number(value)
            if isinstance(number, Unknown):
                return number
            out.append(("%" + spec) % float(number))
        elif verb == "q":
            text = _to_string(value)
            if isinstance(text, Unknown):
                return text
            out.append(json.dumps(text))
        else:
            text = _to_string(value) if not isinstance(value, list | dict) else json.dumps(value)
            if isinstance(text, Unknown):
                return text
            out.append(("%" + spec[:-1] + "s") % text)
        budget.check_string("format()", sum(map(len, out)))
    out.append(fmt[pos:])
    return "".join(out)


def _fn_merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, Mapping):
            return Unknown("merge() of a non-map")
        out.update(item)
    return out


def _fn_lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, Mapping) or not isinstance(key, str):
        return Unknown("lookup() of a non-map")
    if key in mapping:
        return mapping[key]
    return default[0] if default else Unknown(f"lookup(): no key {key!r}")


def _fn_coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return value
        if value is not None and value != "":
            return value
    return Unknown("coalesce() with no non-null argument")


def _fn_length(value: Any) -> Any:
    if isinstance(value, str | list | dict):
        return len(value)
    return Unknown("length() of a non-collection")


def _fn_concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            return Unknown("concat() of a non-list")
        budget.check_items("concat()", len(out) + len(item))
        out.extend(item)
    return out


def _fn_flatten(value: Any) -> Any:
    if not isinstance(value, list):
        return Unknown("flatten() of a non-list")
    out: list[Any] = []
    stack: list[Any] = [iter(value)]  # iterative: nested lists of any depth
    while stack:
        item = next(stack[-1], _NO_VALUE)
        if item is _NO_VALUE:
            stack.pop()
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            out.append(item)
            budget.check_items("flatten()", len(out))
    return out


def _fn_distinct(value: Any) -> Any:
    if not isinstance(value, list):
        return Unknown("distinct() of a non-list")
    if all(type(item) is str for item in value):
        return list(dict.fromkeys(value))  # the same result as the comparisons below, in linear time
    if len(value) > _PAIRWISE:  # the comparisons below grow with the square of the length
        return Unknown(f"distinct() of {len(value)} lists, maps or numbers is not evaluated (at most {_PAIRWISE})")
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _fn_replace(text: Any, old: Any, new: Any) -> Any:
    if not all(isinstance(v, str) for v in (text, old, new)):
        return Unknown("replace() of a non-string")
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return Unknown("replace() with a regular expression is not evaluated")
    budget.check_string("replace()", len(text) + text.count(old) * (len(new) - len(old)))
    return text.replace(old, new)


def _fn_substr(text: Any, offset: Any, length: Any) -> Any:
    if not isinstance(text, str) or not isinstance(offset, int) or not isinstance(length, int):
        return Unknown("substr() arguments are not string, number, number")
    start = offset if offset >= 0 else len(text) + offset
    return text[start:] if length < 0 else text[start : start + length]


def _fn_element(value: Any, index: Any) -> Any:
    if not isinstance(value, list) or not value or not isinstance(index, int):
        return Unknown("element() arguments are not a list and a number")
    return value[index % len(value)]


def _fn_one(value: Any) -> Any:
    if not isinstance(value, list) or len(value) > 1:
        return Unknown("one() of a list with more than one element")
    return value[0] if value else None


def _fn_jsondecode(value: Any) -> Any:
    if not isinstance(value, str):
        return Unknown("jsondecode() of a non-string")
    decoded = limits.decode_json(value)
    return Unknown("jsondecode() of invalid JSON") if decoded is None and value.strip() != "null" else decoded


def _fn_jsonencode(value: Any) -> Any:
    if _find_unknown(value) is not None:
        return value  # the object itself: readers of azapi ``body`` accept either form
    return json.dumps(value, separators=(",", ":"))


def _fn_tolist(value: Any) -> Any:
    return list(value) if isinstance(value, list) else Unknown("tolist()/toset() of a non-list")


def _fn_toset(value: Any) -> Any:
    return _fn_distinct(value)


def _fn_range(*args: Any) -> Any:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args) or not 1 <= len(args) <= 3:
        return Unknown("range() needs whole numbers")
    steps = range(*args)
    budget.check_items("range()", len(steps))
    return list(steps)


def _fn_join(sep: Any, items: Any) -> Any:
    if not (isinstance(sep, str) and isinstance(items, list) and all(isinstance(i, str | int | float) for i in items)):
        return Unknown("join() of a non-list")
    texts = [str(_to_string(i)) for i in items]
    budget.check_string("join()", sum(map(len, texts)) + max(len(texts) - 1, 0) * len(sep))
    return sep.join(texts)


def _str_fn(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(value: Any, *rest: Any) -> Any:
        if not isinstance(value, str) or any(not isinstance(r, str) for r in rest):
            return Unknown("string function of a non-string")
        return fn(value, *rest)

    return call


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lower": _str_fn(str.lower),
    "upper": _str_fn(str.upper),
    "title": _str_fn(str.title),
    "trimspace": _str_fn(str.strip),
    "trimprefix": _str_fn(lambda s, p: s[len(p) :] if s.startswith(p) else s),
    "trimsuffix": _str_fn(lambda s, p: s[: -len(p)] if p and s.endswith(p) else s),
    "trim": _str_fn(lambda s, chars: s.strip(chars)),
    "startswith": _str_fn(lambda s, p: s.startswith(p)),
    "endswith": _str_fn(lambda s, p: s.endswith(p)),
    "split": lambda sep, s: s.split(sep) if isinstance(sep, str) and isinstance(s, str) else Unknown("split()"),
    "join": _fn_join,
    "format": _fn_format,
    "merge": _fn_merge,
    "lookup": _fn_lookup,
    "coalesce": _fn_coalesce,
    "length": _fn_length,
    "concat": _fn_concat,
    "flatten": _fn_flatten,
    "distinct": _fn_distinct,
    "compact": lambda items: (
        [i for i in items if i not in (None, "")] if isinstance(items, list) else Unknown("compact() of a non-list")
    ),
    "contains": lambda items, v: v in items if isinstance(items, list) else Unknown("contains() of a non-list"),
    "keys": lambda m: sorted(m) if isinstance(m, Mapping) else Unknown("keys() of a non-map"),
    "values": lambda m: [m[k] for k in sorted(m)] if isinstance(m, Mapping) else Unknown("values() of a non-map"),
    "zipmap": lambda k, v: (
        dict(zip(k, v, strict=False))
        if isinstance(k, list) and isinstance(v, list)
        else Unknown("zipmap() of non-lists")
    ),
    "element": _fn_element,
    "one": _fn_one,
    "replace": _fn_replace,
    "substr": _fn_substr,
    "tostring": lambda v: _to_string(v) if v is not None else None,
    "tonumber": lambda v: _to_number(v) if v is not None else None,
    "tobool": lambda v: _to_bool(v) if v is not None else None,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": lambda m: dict(m) if isinstance(m, Mapping) else Unknown("tomap() of a non-map"),
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "min": lambda *v: min(v) if v and all(isinstance(x, int | float) for x in v) else Unknown("min()"),
    "max": lambda *v: max(v) if v and all(isinstance(x, int | float) for x in v) else Unknown("max()"),
    "abs": lambda v: abs(v) if isinstance(v, int | float) else Unknown("abs() of a non-number"),
    "ceil": lambda v: math.ceil(v) if isinstance(v, int | float) else Unknown("ceil() of a non-number"),
    "floor": lambda v: math.floor(v) if isinstance(v, int | float) else Unknown("floor() of a non-number"),
    "range": _fn_range,
}


# --------------------------------------------------------------------------- evaluation


@dataclass(slots=True)
class _Scope:
    """What names mean while evaluating one expression."""

    file: _File
    count_index: Any = _NO_VALUE
    each: tuple[Any, Any] | None = None
    names: Mapping[str, Any] = field(default_factory=dict)  # for-expression and dynamic iterators
    address: str = ""

    def bind(self, names: Mapping[str, Any]) -> _Scope:
        return _Scope(self.file, self.count_index, self.each, {**self.names, **names}, self.address)


@dataclass(slots=True)
class _Instance:
    block: _Block
    address: str
    scope: _Scope
    tf_type: str
    attrs: dict[str, Any] | None = None
    lines: dict[AttrPath, int] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)


class _Module:
    """One module directory: its blocks, variable values and evaluation state."""

    def __init__(self, files: list[_File], var_values: Mapping[str, Any], meter: Meter | None = None) -> None:
        self.meter = meter if meter is not None else Meter()
        self.files = files
        self.variables: dict[str, Any] = {}
        self.locals: dict[str, tuple[Tree[Any], _File]] = {}
        self.resources: dict[tuple[str, str], _Block] = {}
        self.data: dict[tuple[str, str], _Block] = {}
        self.blocks: list[_Block] = []
        self.instances: dict[tuple[str, str], list[_Instance]] = {}
        self.data_instances: dict[tuple[str, str], list[_Instance]] = {}
        self.ids: dict[str, str] = {}
        self.final_ids = False
        self._local_cache: dict[str, Any] = {}
        self._active: set[str] = set()
        declared: dict[str, tuple[Tree[Any] | None, _File]] = {}
        for file in files:
            for kind, node in _body_items(file.tree.children[0]):
                if kind != "block":
                    continue
                block_type, labels, body = _block_parts(node)
                meta = node.meta
                block = _Block(block_type, labels, body, file, meta.line, meta.end_line)
                self.blocks.append(block)
                if block_type == "variable" and labels:
                    default = None
                    for akind, attr in _body_items(body):
                        if akind == "attribute" and _attribute(attr)[0] == "default":
                            default = _attribute(attr)[1]
                    declared[labels[0]] = (default, file)
                elif block_type == "locals":
                    for akind, attr in _body_items(body):
                        if akind == "attribute":
                            name, expr = _attribute(attr)
                            self.locals[name] = (expr, file)
                elif block_type == "resource" and len(labels) == 2:
                    self.resources[(labels[0], labels[1])] = block
                elif block_type == "data" and len(labels) == 2:
                    self.data[(labels[0], labels[1])] = block
        for name, (default, file) in declared.items():
            if name in var_values:
                self.variables[name] = var_values[name]
            elif default is not None:
                self.variables[name] = self.eval(default, _Scope(file))
            else:
                self.variables[name] = Unknown(f"variable {name!r} has no default and no value in a tfvars file")

    # ------------------------------------------------------------------ instances

    def expand(self) -> None:
        for kind, table, target in (
            ("resource", self.resources, self.instances),
            ("data", self.data, self.data_instances),
        ):
            for key, block in table.items():
                target[key] = self._expand(kind, key, block)

    def _expand(self, kind: str, key: tuple[str, str], block: _Block) -> list[_Instance]:
        base = f"{key[0]}.{key[1]}" if kind == "resource" else f"data.{key[0]}.{key[1]}"
        scope = _Scope(block.file, address=base)
        count_expr = for_each_expr = None
        for akind, node in _body_items(block.body):
            if akind == "attribute":
                name, expr = _attribute(node)
                if name == "count":
                    count_expr = expr
                elif name == "for_each":
                    for_each_expr = expr
        if count_expr is not None:
            count = _to_number(self.eval(count_expr, scope))
            if isinstance(count, float) and count.is_integer():
                count = int(count)
            if isinstance(count, int) and count > budget.TERRAFORM_INSTANCES:
                raise self._error(
                    count_expr,
                    scope,
                    f"{base}: count = {budget.shown_number(count)} is over the limit of {budget.TERRAFORM_INSTANCES}",
                )
            if isinstance(count, Unknown) or not isinstance(count, int) or count < 0:
                reason = count if isinstance(count, Unknown) else Unknown(f"count = {count!r} is not a whole number")
                unknown_index = Unknown(f"{base}: count is not known ({reason.reason})")
                return [self._instance(block, base, key[0], _Scope(block.file, unknown_index, address=base))]
            return [
                self._instance(block, f"{base}[{i}]", key[0], _Scope(block.file, i, address=f"{base}[{i}]"))
                for i in range(count)
            ]
        if for_each_expr is not None:
            items = self.eval(for_each_expr, scope)
            if isinstance(items, Mapping | list) and len(items) > budget.TERRAFORM_INSTANCES:
                raise self._error(
                    for_each_expr,
                    scope,
                    f"{base}: for_each has {len(items)} elements, over the limit of {budget.TERRAFORM_INSTANCES}",
                )
            self._walked(items)
            pairs: list[tuple[Any, Any]]
            if isinstance(items, Mapping) and _find_unknown(list(items.keys())) is None:
                pairs = [(k, items[k]) for k in sorted(items)]
            elif isinstance(items, list) and all(isinstance(i, str) for i in items):
                pairs = [(i, i) for i in sorted(set(items))]
            else:
                found = _find_unknown(items)
                reason = found if found is not None else Unknown("for_each is not a map or a set of strings")
                each = Unknown(f"{base}: for_each is not known ({reason.reason})")
                return [self._instance(block, base, key[0], _Scope(block.file, each=(each, each), address=base))]
            return [
                self._instance(
                    block,
                    f"{base}[{json.dumps(k)}]",
                    key[0],
                    _Scope(block.file, each=(k, v), address=f"{base}[{json.dumps(k)}]"),
                )
                for k, v in pairs
            ]
        return [self._instance(block, base, key[0], scope)]

    def _instance(self, block: _Block, address: str, tf_type: str, scope: _Scope) -> _Instance:
        try:
            self.meter.resource()
        except BudgetExceeded as exc:
            raise InputError(f"{block.file.rel}:{block.file.orig(block.line)}: {exc.message}") from None
        return _Instance(block, address, scope, tf_type)

    def _error(self, node: Any, scope: _Scope, message: str) -> InputError:
        """An input error at ``node``'s line (the line in the file on disk)."""
        meta = getattr(node, "meta", None)
        line = getattr(meta, "line", None) if meta is not None and not meta.empty else None
        where = f"{scope.file.rel}:{scope.file.orig(line)}" if isinstance(line, int) else scope.file.rel
        return InputError(f"{where}: {message}")

    def _walked(self, *values: Any) -> None:
        """Charge a walk over ``values`` (a search for unknowns, a comparison) to the scan's budget."""
        for value in values:
            if isinstance(value, Mapping | list):
                self.meter.charge_value(value, "the expression")

    def all_instances(self) -> Iterator[_Instance]:
        for group in self.instances.values():
            yield from group

    # ------------------------------------------------------------------ attributes of instances

    def attribute(self, inst: _Instance, name: str) -> Any:
        """One top-level argument of an instance (``None`` when not set)."""
        if name in inst.cache:
            return inst.cache[name]
        guard = f"{inst.address}.{name}"
        if guard in self._active:
            return Unknown(f"{guard} refers to itself")
        self._active.add(guard)
        try:
            value: Any = None
            for kind, node in _body_items(inst.block.body):
                if kind == "attribute" and _attribute(node)[0] == name:
                    value = self._top_value(inst, name, _attribute(node)[1])
                elif kind == "block":
                    block_type, labels, _ = _block_parts(node)
                    if block_type == name or (block_type == "dynamic" and labels and labels[0] == name):
                        value = self.body(inst, inst.scope)[0].get(name)
                        break
        finally:
            self._active.discard(guard)
        inst.cache[name] = value
        return value

    def _top_value(self, inst: _Instance, name: str, expr: Tree[Any]) -> Any:
        value = self.eval(expr, inst.scope)
        if isinstance(value, Unknown) and not value.reason.startswith(inst.address):
            text = self.text(expr, inst.scope.file)
            reason = value.reason if value.reason.startswith(text) else f"{text}: {value.reason}"
            value = Unknown(f"{inst.address}.{name} = {reason}")
        return value

    def body(self, inst: _Instance, scope: _Scope) -> tuple[dict[str, Any], dict[AttrPath, int]]:
        lines: dict[AttrPath, int] = {}
        attrs = self._body(inst, inst.block.body, scope, (), lines, top=True)
        return attrs, lines

    def _body(
        self,
        inst: _Instance,
        body: Tree[Any],
        scope: _Scope,
        prefix: AttrPath,
        lines: dict[AttrPath, int],
        top: bool = False,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, node in _body_items(body):
            if kind == "attribute":
                name, expr = _attribute(node)
                if top and name in _META_ARGS:
                    continue
                lines[(*prefix, name)] = node.meta.line
                if top and scope is inst.scope:
                    out[name] = self.attribute(inst, name)
                else:
                    out[name] = self.eval(expr, scope)
                _object_lines(expr, (*prefix, name), lines)
                continue
            block_type, labels, block_body = _block_parts(node)
            if top and block_type in _META_ARGS:
                continue
            if block_type == "dynamic" and labels:
                self._dynamic(inst, labels[0], block_body, scope, prefix, lines, out, node.meta.line)
                continue
            items = out.setdefault(block_type, [])
            if isinstance(items, Unknown):
                continue
            lines[(*prefix, block_type, len(items))] = node.meta.line
            lines.setdefault((*prefix, block_type), node.meta.line)
            items.append(self._body(inst, block_body, scope, (*prefix, block_type, len(items)), lines))
        return out

    def _dynamic(
        self,
        inst: _Instance,
        block_type: str,
        body: Tree[Any],
        scope: _Scope,
        prefix: AttrPath,
        lines: dict[AttrPath, int],
        out: dict[str, Any],
        line: int,
    ) -> None:
        for_each: Tree[Any] | None = None
        iterator = block_type
        content: Tree[Any] | None = None
        for kind, node in _body_items(body):
            if kind == "attribute":
                name, expr = _attribute(node)
                if name == "for_each":
                    for_each = expr
                elif name == "iterator":
                    iterator = self.text(expr, scope.file).strip()
            else:
                sub_type, _, sub_body = _block_parts(node)
                if sub_type == "content":
                    content = sub_body
        lines.setdefault((*prefix, block_type), line)
        if for_each is None or content is None:
            return
        items = self.eval(for_each, scope)
        self._walked(items)
        if isinstance(items, Mapping | list):
            try:
                budget.check_items(f"dynamic {block_type!r}", len(items))
            except BudgetExceeded as exc:
                raise self._error(for_each, scope, exc.message) from None
        pairs: list[tuple[Any, Any]]
        if isinstance(items, Mapping) and _find_unknown(list(items)) is None:
            pairs = [(k, items[k]) for k in sorted(items)]
        elif isinstance(items, list) and not isinstance(items, Unknown):
            pairs = list(enumerate(items))
        else:
            found = _find_unknown(items)
            reason = found if found is not None else Unknown("for_each is not a collection")
            text = self.text(for_each, scope.file)
            out[block_type] = Unknown(f"{inst.address}: dynamic {block_type!r} for_each = {text}: {reason.reason}")
            return
        existing = out.setdefault(block_type, [])
        if isinstance(existing, Unknown):
            return
        for key, value in pairs:
            inner = scope.bind({iterator: {"key": key, "value": value}})
            lines[(*prefix, block_type, len(existing))] = line
            existing.append(self._body(inst, content, inner, (*prefix, block_type, len(existing)), lines))

    def evaluate(self, inst: _Instance) -> tuple[dict[str, Any], dict[AttrPath, int]]:
        if inst.attrs is None:
            inst.attrs, inst.lines = self.body(inst, inst.scope)
            where = f"{inst.block.file.rel}:{inst.block.file.orig(inst.block.line)}: {inst.address}"
            # The row owns its values: one shared through a local counts once per resource using it.
            try:
                self.meter.charge_value(inst.attrs, "the resource's attributes")
            except BudgetExceeded as exc:
                raise InputError(f"{where}: {exc.message}") from None
            if budget.depth_over(inst.attrs, budget.JSON_DEPTH):
                raise InputError(f"{where}: a value nests lists and maps more than {budget.JSON_DEPTH} levels deep")
        return inst.attrs, inst.lines

    # ------------------------------------------------------------------ ids

    def id_of(self, inst: _Instance) -> Any:
        if inst.address in self.ids:
            return self.ids[inst.address]
        guard = f"{inst.address}.id"
        if guard in self._active:
            return Unknown(f"{guard} refers to itself")
        self._active.add(guard)
        try:
            rid = natural_id(inst.tf_type, lambda name: self.attribute(inst, name), inst.address)
        finally:
            self._active.discard(guard)
        if rid is None:
            return Unknown(f"{inst.address}.id is known only after apply")
        if not self.final_ids:
            self.ids[inst.address] = rid
        return rid

    def assign_ids(self) -> None:
        natural: dict[str, str] = {}
        for inst in self.all_instances():
            rid = self.id_of(inst)
            if isinstance(rid, str):
                natural[inst.address] = rid
        self.ids = dedupe_ids(natural)
        self.final_ids = True
        self._local_cache.clear()
        for group in (*self.instances.values(), *self.data_instances.values()):
            for inst in group:
                inst.cache.clear()

    # ------------------------------------------------------------------ expressions

    @staticmethod
    def text(node: Any, file: _File) -> str:
        meta = getattr(node, "meta", None)
        start = getattr(meta, "start_pos", None)
        end = getattr(meta, "end_pos", None)
        if isinstance(start, int) and isinstance(end, int):
            # Reasons quote the expression; a long one is cut, so nested reasons stay small.
            text = " ".join(file.text[start : min(end, start + _TEXT_CHARS)].split())
            return text if end - start <= _TEXT_CHARS else text + "…"
        return "<expression>"

    def eval(self, node: Any, scope: _Scope) -> Any:
        if isinstance(node, Token):
            return Unknown(f"unexpected token {node.value!r}")
        meter = self.meter
        meter.steps += 1
        if meter.steps > budget.TERRAFORM_STEPS:
            raise self._error(node, scope, f"evaluation takes more than {budget.TERRAFORM_STEPS} steps (the limit)")
        handler = getattr(self, "_e_" + str(node.data), None)
        if handler is None:
            return Unknown(f"{self.text(node, scope.file)} is not evaluated")
        try:
            return handler(node, scope)
        except BudgetExceeded as exc:  # the innermost expression names the line
            raise self._error(node, scope, exc.message) from None

    def _e_expr_term(self, node: Tree[Any], scope: _Scope) -> Any:
        inner = _trees(node)
        if len(inner) != 1:
            return Unknown(f"{self.text(node, scope.file)} is not evaluated")
        return self.eval(inner[0], scope)

    def _e_int_lit(self, node: Tree[Any], scope: _Scope) -> Any:
        digits = _leaf(node)
        if len(digits) > 19:  # checked before conversion: a 5,000-digit literal stays text
            raise BudgetExceeded(f"the integer {digits[:24]}… has {len(digits)} digits, outside the 64-bit range")
        return limits.check_number(int(digits), "an integer literal")

    def _e_float_lit(self, node: Tree[Any], scope: _Scope) -> Any:
        value = float(_leaf(node))
        whole = value.is_integer() and "e" not in _leaf(node).lower() and abs(value) < _INT_RANGE
        return int(value) if whole else value

    def _e_literal_value(self, node: Tree[Any], scope: _Scope) -> Any:
        return {"true": True, "false": False, "null": None}.get(_leaf(node))

    def _e_string(self, node: Tree[Any], scope: _Scope) -> Any:
        parts: list[str] = []
        inner_parts = [p for p in node.children if isinstance(p, Tree)]
        if len(inner_parts) == 1 and isinstance(inner_parts[0].children[0], Tree):
            only = inner_parts[0].children[0]
            if only.data == "interpolation":
                return self.eval(_trees(only)[0], scope)  # "${x}" keeps x's type
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            child = part.children[0]
            if isinstance(child, Token):
                if child.type == "ESCAPED_INTERPOLATION":
                    parts.append("${" + child.value[3:])
                elif child.type == "ESCAPED_DIRECTIVE":
                    parts.append("%{" + child.value[3:])
                else:
                    parts.append(_unescape(str(child.value)))
                continue
            if child.data != "interpolation":
                return Unknown(f"{self.text(node, scope.file)}: template directives are not evaluated")
            value = self.eval(_trees(child)[0], scope)
            text = _to_string(value)
            if isinstance(text, Unknown):
                return Unknown(f"{self.text(node, scope.file)}: {text.reason}")
            parts.append(text)
            budget.check_string("a string template", sum(map(len, parts)))
        return "".join(parts)

    def _e_template_string(self, node: Tree[Any], scope: _Scope) -> Any:
        return Unknown(f"{self.text(node, scope.file)} is not evaluated")

    def _e_heredoc_template(self, node: Tree[Any], scope: _Scope) -> Any:
        return _heredoc(_leaf(node))

    _e_heredoc_template_trim = _e_heredoc_template

    def _e_tuple(self, node: Tree[Any], scope: _Scope) -> Any:
        items = [self.eval(child, scope) for child in _trees(node)]
        self._walked(items)  # items may share a value: what the list stands for is charged
        return items

    def _e_object(self, node: Tree[Any], scope: _Scope) -> Any:
        out: dict[str, Any] = {}
        for elem in _trees(node):
            key_node, value_node = _trees(elem)[0], _trees(elem)[-1]
            key = self._object_key(key_node, scope)
            if isinstance(key, Unknown):
                return Unknown(f"{self.text(node, scope.file)}: a key is not known ({key.reason})")
            out[key] = self.eval(value_node, scope)
        self._walked(out)
        return out

    def _object_key(self, key_node: Tree[Any], scope: _Scope) -> Any:
        inner = _children(key_node)[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return _name_of(inner)
        if isinstance(inner, Tree) and inner.data == "expr_term":
            terms = _trees(inner)
            if len(terms) == 1 and terms[0].data in ("identifier", "literal_value"):
                return _name_of(terms[0])
        key = self.eval(inner, scope)
        return key if isinstance(key, Unknown) else _to_string(key)

    def _e_conditional(self, node: Tree[Any], scope: _Scope) -> Any:
        cond_node, yes_node, no_node = _trees(node)
        cond = _to_bool(self.eval(cond_node, scope))
        if isinstance(cond, Unknown):
            yes, no = self.eval(yes_node, scope), self.eval(no_node, scope)
            self._walked(yes, no)
            if _find_unknown(yes) is None and yes == no:
                return yes
            return Unknown(f"{self.text(node, scope.file)}: condition not known ({cond.reason})")
        return self.eval(yes_node if cond else no_node, scope)

    def _e_unary_op(self, node: Tree[Any], scope: _Scope) -> Any:
        op = next(c for c in node.children if isinstance(c, Token))
        value = self.eval(_trees(node)[0], scope)
        if op.value == "!":
            flag = _to_bool(value)
            return flag if isinstance(flag, Unknown) else not flag
        number = _to_number(value)
        return number if isinstance(number, Unknown) else -number

    def _e_binary_op(self, node: Tree[Any], scope: _Scope) -> Any:
        lhs_node, term = _trees(node)[0], _trees(node)[1]
        op = _leaf(_trees(term)[0])
        rhs_node = _trees(term)[1]
        lhs = self.eval(lhs_node, scope)
        if op in ("&&", "||"):
            left = _to_bool(lhs)
            if left is False and op == "&&":
                return False
            if left is True and op == "||":
                return True
            right = _to_bool(self.eval(rhs_node, scope))
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if op == "&&" and right is False:
                    return False
                if op == "||" and right is True:
                    return True
                return Unknown(f"{self.text(node, scope.file)} is not known")
            return right
        rhs = self.eval(rhs_node, scope)
        self._walked(lhs, rhs)
        missing = _first_unknown(lhs, rhs)
        if missing is not None:
            return Unknown(f"{self.text(node, scope.file)}: {missing.reason}")
        if op == "==":
            return lhs == rhs
        if op == "!=":
            return lhs != rhs
        left_n, right_n = _to_number(lhs), _to_number(rhs)
        if isinstance(left_n, Unknown) or isinstance(right_n, Unknown):
            return Unknown(f"{self.text(node, scope.file)}: operands are not numbers")
        try:
            result = _arith(op, left_n, right_n)
        except (ZeroDivisionError, KeyError, OverflowError):
            return Unknown(f"{self.text(node, scope.file)} cannot be computed")
        return limits.check_number(result, self.text(node, scope.file))

    def _e_function_call(self, node: Tree[Any], scope: _Scope) -> Any:
        names = [c for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        name = "::".join(_name_of(n) for n in names)
        args_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        arg_nodes = _trees(args_node) if args_node is not None else []
        expand = args_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children
        )
        text = self.text(node, scope.file)
        if name == "try":
            for arg in arg_nodes:
                value = self.eval(arg, scope)
                self._walked(value)
                if _find_unknown(value) is None:
                    return value
            return Unknown(f"{text}: no argument is known")
        if name == "can":
            value = self.eval(arg_nodes[0], scope) if arg_nodes else None
            self._walked(value)
            return True if _find_unknown(value) is None else Unknown(f"{text} is not known")
        fn = _FUNCTIONS.get(name)
        if fn is None:
            return Unknown(f"{text}: function {name}() is not evaluated")
        args = [self.eval(arg, scope) for arg in arg_nodes]
        if expand and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown(f"{text}: expansion of a non-list")
            args.extend(last)
        self._walked(args)  # a function's work is at most proportional to its arguments
        if name != "jsonencode":
            missing = _first_unknown(*args) if name not in ("merge", "concat", "compact") else None
            if missing is not None:
                return Unknown(f"{text}: {missing.reason}")
        try:
            result = fn(*args)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError):
            return Unknown(f"{text} cannot be evaluated")
        if isinstance(result, Unknown):
            return Unknown(f"{text}: {result.reason}")
        if isinstance(result, str):
            budget.check_string(f"{name}()", len(result))
        elif isinstance(result, list | dict):
            budget.check_items(f"{name}()", len(result))
        return limits.check_number(result, f"{name}()")

    def _e_for_tuple_expr(self, node: Tree[Any], scope: _Scope) -> Any:
        return self._for(node, scope, as_object=False)

    def _e_for_object_expr(self, node: Tree[Any], scope: _Scope) -> Any:
        return self._for(node, scope, as_object=True)

    def _for(self, node: Tree[Any], scope: _Scope, as_object: bool) -> Any:
        trees = _trees(node)
        intro = trees[0]
        cond = trees[-1] if trees[-1].data == "for_cond" else None
        exprs = [t for t in trees[1:] if t is not cond]
        names = [_name_of(t) for t in _trees(intro) if t.data == "identifier"]
        source_nodes = [t for t in _trees(intro) if t.data != "identifier"]
        collection = self.eval(source_nodes[0], scope)
        text = self.text(node, scope.file)
        pairs: list[tuple[Any, Any]]
        if isinstance(collection, Mapping):
            pairs = [(k, collection[k]) for k in sorted(collection)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            reason = collection.reason if isinstance(collection, Unknown) else "not a collection"
            return Unknown(f"{text}: {reason}")
        budget.check_items("a for expression", len(pairs))
        group = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        for key, value in pairs:
            bound = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
            inner = scope.bind(bound)
            if cond is not None:
                keep = _to_bool(self.eval(_trees(cond)[0], inner))
                if isinstance(keep, Unknown):
                    return Unknown(f"{text}: {keep.reason}")
                if not keep:
                    continue
            if as_object:
                k = _to_string(self.eval(exprs[0], inner))
                if isinstance(k, Unknown):
                    return Unknown(f"{text}: {k.reason}")
                v = self.eval(exprs[1], inner)
                if group:
                    mapping.setdefault(k, []).append(v)
                else:
                    mapping[k] = v
            else:
                items.append(self.eval(exprs[0], inner))
        result = mapping if as_object else items
        self._walked(result)  # items may share a value: what the result stands for is charged
        return result

    # ------------------------------------------------------------------ traversals

    def _e_identifier(self, node: Tree[Any], scope: _Scope) -> Any:
        return self._traverse(node, [], scope, node)

    def _e_get_attr_expr_term(self, node: Tree[Any], scope: _Scope) -> Any:
        return self._chain(node, scope)

    _e_index_expr_term = _e_get_attr_expr_term
    _e_attr_splat_expr_term = _e_get_attr_expr_term
    _e_full_splat_expr_term = _e_get_attr_expr_term

    def _chain(self, node: Tree[Any], scope: _Scope) -> Any:
        steps: list[tuple[str, Any]] = []
        current: Any = node
        while isinstance(current, Tree):
            if current.data in (
                "get_attr_expr_term",
                "index_expr_term",
                "attr_splat_expr_term",
                "full_splat_expr_term",
            ):
                base, step = _trees(current)
                steps[:0] = _steps(step)
                current = base
            elif current.data == "expr_term" and len(_trees(current)) == 1:
                inner = _trees(current)[0]
                if inner.data in (
                    "get_attr_expr_term",
                    "index_expr_term",
                    "attr_splat_expr_term",
                    "full_splat_expr_term",
                    "identifier",
                ):
                    current = inner
                else:
                    break
            else:
                break
        return self._traverse(current, steps, scope, node)

    def _traverse(self, root: Tree[Any], steps: list[tuple[str, Any]], scope: _Scope, whole: Tree[Any]) -> Any:
        text = self.text(whole, scope.file)
        if root.data != "identifier":
            return self._apply(self.eval(root, scope), steps, scope, text)
        name = _name_of(root)
        if name in scope.names:
            return self._apply(scope.names[name], steps, scope, text)
        head = steps[0][1] if steps and steps[0][0] == "attr" else None
        if name == "var" and head is not None:
            if head not in self.variables:
                return Unknown(f"{text}: variable {head!r} is not declared")
            return self._apply(self.variables[head], steps[1:], scope, text)
        if name == "local" and head is not None:
            return self._apply(self.local(head), steps[1:], scope, text)
        if name == "count" and head == "index":
            if scope.count_index is _NO_VALUE:
                return Unknown(f"{text}: the resource has no count")
            return scope.count_index
        if name == "each" and head in ("key", "value"):
            if scope.each is None:
                return Unknown(f"{text}: the resource has no for_each")
            return self._apply(scope.each[0] if head == "key" else scope.each[1], steps[1:], scope, text)
        if name == "path" and head in ("module", "root", "cwd"):
            return "."
        if name == "terraform" and head == "workspace":
            return "default"
        if name == "data" and len(steps) >= 2 and steps[1][0] == "attr":
            key = (str(head), str(steps[1][1]))
            if key in self.data_instances:
                return self._resource_ref(self.data_instances[key], steps[2:], scope, text)
            return Unknown(f"{text}: data source is not declared in this module")
        if name == "module":
            return Unknown(f"{text}: module outputs are not evaluated")
        if head is not None and (name, head) in self.instances:
            return self._resource_ref(self.instances[(name, head)], steps[1:], scope, text)
        if head is not None and "_" in name:
            return Unknown(f"{text}: {name}.{head} is not declared in this module")
        return Unknown(f"{text} is not evaluated")

    def _resource_ref(self, group: list[_Instance], steps: list[tuple[str, Any]], scope: _Scope, text: str) -> Any:
        inst: _Instance | None = None
        if steps and steps[0][0] == "index":
            key = self.eval(steps[0][1], scope)
            if isinstance(key, Unknown):
                return Unknown(f"{text}: instance key is not known ({key.reason})")
            wanted = f"[{json.dumps(key)}]"
            inst = next((i for i in group if i.address.endswith(wanted)), None)
            if inst is None and len(group) == 1 and not group[0].address.endswith("]"):
                inst = group[0]  # count/for_each was not resolved: the one placeholder instance
            if inst is None:
                return Unknown(f"{text}: no such instance")
            steps = steps[1:]
        elif steps and steps[0][0] == "splat":
            return [self._resource_ref([i], steps[0][1], scope, text) for i in group]
        elif len(group) == 1:
            inst = group[0]
        else:
            return Unknown(f"{text}: the resource has {len(group)} instances")
        if not steps:
            return Unknown(f"{text}: a whole resource object is not evaluated")
        kind, attr = steps[0]
        if kind != "attr":
            return Unknown(f"{text} is not evaluated")
        if attr == "id":
            return self._apply(self.id_of(inst), steps[1:], scope, text)
        value = self.attribute(inst, attr)
        if value is None and inst.tf_type == "azurerm_container_registry" and attr == "login_server":
            name = self.attribute(inst, "name")
            value = f"{name.lower()}.azurecr.io" if isinstance(name, str) else Unknown(f"{text} is not known")
        if value is None:
            return Unknown(f"{text} is known only after apply")
        result = self._apply(value, steps[1:], scope, text)
        if isinstance(result, Unknown) and result.reason.startswith(f"{text}: no "):
            return Unknown(f"{text} is known only after apply")  # a computed attribute of a nested block
        return result

    def _apply(self, value: Any, steps: list[tuple[str, Any]], scope: _Scope, text: str) -> Any:
        for index, (kind, arg) in enumerate(steps):
            if isinstance(value, Unknown):
                return value
            if kind == "splat":
                if value is None:
                    return []
                items = value if isinstance(value, list) else [value]
                return [self._apply(item, arg, scope, text) for item in items]
            key = arg if kind == "attr" else self.eval(arg, scope)
            if isinstance(key, Unknown):
                return Unknown(f"{text}: index is not known ({key.reason})")
            if isinstance(value, Mapping):
                key_text = _to_string(key)
                if isinstance(key_text, Unknown) or key_text not in value:
                    return Unknown(f"{text}: no key {key!r}")
                value = value[key_text]
            elif isinstance(value, list):
                number = _to_number(key)
                if isinstance(number, Unknown) or not isinstance(number, int) or not -len(value) <= number < len(value):
                    return Unknown(f"{text}: no element {key!r}")
                value = value[number]
            else:
                return Unknown(f"{text}: cannot take {'.'.join(str(s[1]) for s in steps[index:])} of {value!r}")
        return value

    def local(self, name: str) -> Any:
        if name in self._local_cache:
            return self._local_cache[name]
        if name not in self.locals:
            return Unknown(f"local.{name} is not declared")
        guard = f"local.{name}"
        if guard in self._active:
            return Unknown(f"local.{name} refers to itself")
        meter = self.meter
        if meter.references >= budget.REFERENCE_DEPTH:
            raise BudgetExceeded(
                f"local.{name}: locals refer to one another more than {budget.REFERENCE_DEPTH} deep (the limit)"
            )
        self._active.add(guard)
        meter.references += 1
        try:
            expr, file = self.locals[name]
            value = self.eval(expr, _Scope(file))
        finally:
            meter.references -= 1
            self._active.discard(guard)
        self._local_cache[name] = value
        return value

    # ------------------------------------------------------------------ helpers for readers

    def expression_text(self, inst: _Instance, name: str) -> str | None:
        for kind, node in _body_items(inst.block.body):
            if kind == "attribute" and _attribute(node)[0] == name:
                return self.text(_attribute(node)[1], inst.block.file)
        return None


def _steps(step: Tree[Any]) -> list[tuple[str, Any]]:
    """Traversal steps of one ``get_attr`` / ``index`` / splat node."""
    if step.data == "get_attr":
        return [("attr", _name_of(_trees(step)[0]))]
    if step.data == "braces_index":
        return [("index", _trees(step)[0])]
    if step.data == "short_index":
        token = next(c for c in step.children if isinstance(c, Token) and c.type == "INT_LITERAL")
        return [("index", Tree("expr_term", [Tree("int_lit", [token])]))]
    if step.data in ("attr_splat", "full_splat"):
        inner: list[tuple[str, Any]] = []
        for child in _trees(step):
            inner.extend(_steps(child))
        return [("splat", inner)]
    return [("attr", step.data)]


def _arith(op: str, a: float, b: float) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        result = a / b
        return int(result) if result.is_integer() else result
    if op == "%":
        return a % b
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _object_lines(expr: Tree[Any], prefix: AttrPath, lines: dict[AttrPath, int]) -> None:
    """Lines of literal keys of an object value (``body = { properties = { … } }``)."""
    node: Any = expr
    while isinstance(node, Tree) and node.data == "expr_term" and len(_trees(node)) == 1:
        node = _trees(node)[0]
    if not isinstance(node, Tree):
        return
    if node.data == "function_call" and _name_of(_trees(node)[0]) == "jsonencode":
        args = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        if args is not None and _trees(args):
            _object_lines(_trees(args)[0], prefix, lines)
        return
    if node.data != "object":
        return
    for elem in _trees(node):
        key_node = _trees(elem)[0]
        inner = _children(key_node)[0]
        while isinstance(inner, Tree) and inner.data == "expr_term" and len(_trees(inner)) == 1:
            inner = _trees(inner)[0]
        if isinstance(inner, Tree) and inner.data in ("identifier", "string", "keyword", "literal_value"):
            key = _name_of(inner)
            lines[(*prefix, key)] = elem.meta.line
            _object_lines(_trees(elem)[-1], (*prefix, key), lines)


# --------------------------------------------------------------------------- variables


def _tfvars(path: Path, rel: str, meter: Meter) -> dict[str, Any]:
    if path.name.endswith(".json"):
        doc = limits.load_json(limits.read_source(path, rel), rel, "tfvars JSON")
        if not isinstance(doc, dict):
            raise InputError(f"{rel}:1:1: a tfvars JSON file must be an object")
        return doc
    file = _parse(path, rel)
    module = _Module([], {}, meter)
    values: dict[str, Any] = {}
    for kind, node in _body_items(file.tree.children[0]):
        if kind != "attribute":
            raise InputError(f"{rel}:{node.meta.line}:{node.meta.column}: a tfvars file holds only assignments")
        name, expr = _attribute(node)
        values[name] = module.eval(expr, _Scope(file))
    return values


def _auto_var_files(directory: Path) -> list[Path]:
    files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
    found = [f for f in files if f.is_file()]
    autos = sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and (p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json"))
    )
    return found + autos


# --------------------------------------------------------------------------- suppressions


@dataclass(slots=True)
class _Comment:
    line: int
    rules: tuple[str, ...]
    reason: str


def _suppression_comments(file: _File) -> list[_Comment]:
    out: list[_Comment] = []
    tokens = file.tree.scan_values(lambda v: isinstance(v, Token) and not v.type.startswith(_NOT_COMMENTS))
    for token in tokens:
        value = str(token.value)
        if "acr-scan:ignore" not in value:
            continue
        for offset, text in enumerate(value.split("\n")):
            match = _SUPPRESS.match(text)
            if match is None:
                continue
            line = (token.line or 1) + offset
            shown = file.orig(line)
            rest = match.group("rest")
            rest = rest.split("*/", 1)[0]
            parsed = _RULE_IDS.match(rest)
            if parsed is None:
                raise InputError(
                    f"{file.rel}:{shown}: acr-scan:ignore needs a rule id and a reason (acr-scan:ignore ACR-001 why)"
                )
            rules = tuple(r.strip().upper() for r in parsed.group("ids").split(","))
            reason = parsed.group("reason").strip().lstrip(":-–—").strip()
            if not reason:
                raise InputError(
                    f"{file.rel}:{shown}: acr-scan:ignore {','.join(rules)} has no reason; "
                    "a suppression must say why (acr-scan:ignore ACR-001 reason)"
                )
            out.append(_Comment(line, rules, reason))
    return out


def _comment_only(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("#", "//", "/*", "*"))


def _attach_suppressions(module: _Module) -> dict[int, list[InlineSuppression]]:
    """Block id → its suppressions (comments above a resource block or inside it)."""
    attached: dict[int, list[InlineSuppression]] = {}
    for file in module.files:
        comments = _suppression_comments(file)
        if not comments:
            continue
        lines = file.text.splitlines()
        blocks = [b for b in module.blocks if b.file is file]
        for comment in comments:
            owner = next(
                (b for b in blocks if b.kind == "resource" and b.line <= comment.line <= b.end_line),
                None,
            )
            if owner is None:
                for block in blocks:
                    if block.kind != "resource" or block.line <= comment.line:
                        continue
                    between = lines[comment.line : block.line - 1]
                    if all(_comment_only(text) for text in between):
                        owner = block
                        break
            if owner is None:
                raise InputError(
                    f"{file.rel}:{file.orig(comment.line)}: acr-scan:ignore is not attached to a resource "
                    "(put it on the line above the resource block or inside it)"
                )
            for rule in comment.rules:
                attached.setdefault(id(owner), []).append(
                    InlineSuppression(rule, comment.reason, file.orig(comment.line))
                )
    return attached


# --------------------------------------------------------------------------- entry point


def _group(paths: Sequence[Path]) -> dict[Path, list[Path]]:
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            sources = [*path.glob("*.tf"), *path.glob("*.tf.json")]
            groups.setdefault(path, []).extend(sorted(p for p in sources if p.is_file()))
        elif path.name.endswith((".tfvars", ".tfvars.json")):
            groups.setdefault(path.parent, [])  # loaded with its directory (auto) or through var_files
        else:
            groups.setdefault(path.parent, []).append(path)
    return {d: sorted(set(files)) for d, files in groups.items()}


def read_tf(
    paths: Sequence[Path], repo_root: Path, var_files: Sequence[Path] = (), *, meter: Meter | None = None
) -> list[IacResource]:
    """Read Terraform source: directories (every ``.tf`` in each) or ``.tf`` files.

    Each directory is one module: its ``.tf`` files are evaluated together with the tfvars
    files Terraform loads automatically from it, then ``var_files`` in order (later wins).
    ``meter`` carries the scan's budgets across modules.
    """
    meter = meter if meter is not None else Meter()
    out: list[IacResource] = []
    for directory, files in sorted(_group(paths).items()):
        where = _relative(directory, repo_root)
        try:
            parsed = [_parse(f, _relative(f, repo_root)) for f in files]
            values: dict[str, Any] = {}
            for var_file in [*_auto_var_files(directory), *var_files]:
                values.update(_tfvars(var_file, _relative(var_file, repo_root), meter))
            out.extend(_read_module(parsed, values, meter))
        except BudgetExceeded as exc:  # outside any expression (a tfvars value, a module-wide total)
            raise InputError(f"{where}: {exc.message}") from None
        except RecursionError:
            # Each nesting has its own limit; this is the backstop for a combination of them.
            raise InputError(
                f"{where}: values and references nest too deeply to evaluate (limits: {budget.HCL_DEPTH} "
                f"syntax levels, {budget.REFERENCE_DEPTH} chained locals, {budget.JSON_DEPTH} levels of values)"
            ) from None
    return out


def _read_module(files: list[_File], var_values: Mapping[str, Any], meter: Meter) -> list[IacResource]:
    module = _Module(files, var_values, meter)
    module.expand()
    suppressions = _attach_suppressions(module)
    module.assign_ids()
    instances: list[TfInstance] = []
    by_address: dict[str, _Instance] = {}
    for inst in module.all_instances():
        attrs, _ = module.evaluate(inst)
        if inst.tf_type == "azurerm_role_assignment" and attrs.get("principal_type") is None:
            text = module.expression_text(inst, "principal_id")
            kind = principal_type_for(text) if text else None
            if kind is not None:
                attrs = {**attrs, "principal_type": kind}
        instances.append(TfInstance(inst.address, inst.tf_type, attrs))
        by_address[inst.address] = inst
    rows = Translator(module.ids).translate(instances)
    out: list[IacResource] = []
    for translated in rows:
        inst = by_address[translated.instance.address]
        file = inst.block.file
        property_lines = {
            prop: file.orig(inst.lines[path]) for prop, path in translated.sources.items() if path in inst.lines
        }
        out.append(
            IacResource(
                row=translated.row,
                file=file.rel,
                line=file.orig(inst.block.line),
                property_lines=property_lines,
                suppressions=tuple(suppressions.get(id(inst.block), ())),
                address=inst.address,
            )
        )
    return out


__all__ = ["read_tf"]
