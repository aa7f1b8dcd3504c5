"""Terraform expressions → values: literals, templates, operators, ``for``, function calls, traversals.

:class:`Evaluator` evaluates one expression of python-hcl2's syntax tree in a :class:`Scope`
(the file, ``count.index`` / ``each``, ``for`` and ``dynamic`` iterators); the names a module
declares (``var.*``, ``local.*``, resources, data sources) it looks up through :class:`Names`.
What is not evaluated is an :class:`~scanner.unknown.Unknown` quoting the expression; the
subset evaluated is listed in docs/iac-terraform.md, its budgets in docs/iac.md ("Budgets").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import msgspec
from lark import Token, Tree

from scanner.errors import InputError
from scanner.sources.iac import budget
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.terraform import limits
from scanner.sources.iac.terraform.functions import FUNCTIONS
from scanner.sources.iac.terraform.parse import SourceFile, children, leaf, name_of, quote, trees
from scanner.sources.iac.terraform.traversal import Step, apply_steps, split_chain
from scanner.sources.iac.terraform.values import (
    INT_RANGE,
    NO_VALUE,
    find_unknown,
    first_unknown,
    heredoc,
    to_bool,
    to_number,
    to_string,
    unescape,
)
from scanner.unknown import Unknown


class Scope(msgspec.Struct):
    """What names mean while evaluating one expression."""

    file: SourceFile
    count_index: Any = NO_VALUE
    each: tuple[Any, Any] | None = None
    names: Mapping[str, Any] = msgspec.field(default_factory=dict)  # for-expression and dynamic iterators

    def bind(self, names: Mapping[str, Any]) -> Scope:
        """This scope with ``names`` bound as well (a ``for`` or ``dynamic`` iteration)."""
        return Scope(self.file, self.count_index, self.each, {**self.names, **names})


class Names(Protocol):
    """The names a module declares: ``var``, ``local``, ``data``, ``module`` and resource types."""

    def lookup(self, name: str, head: str | None, steps: list[Step], scope: Scope, text: str) -> Any:
        """The value of the traversal ``name.head…`` (``steps`` include ``head``; ``text`` quotes it)."""
        ...


class Evaluator:
    """Evaluates expressions under the scan's budgets (``meter``), asking ``names`` for declarations."""

    def __init__(self, meter: Meter, names: Names) -> None:
        self.meter = meter
        self.names = names

    def error(self, node: Any, scope: Scope, message: str) -> InputError:
        """An input error at ``node``'s line (the line in the file on disk)."""
        meta = getattr(node, "meta", None)
        line = getattr(meta, "line", None) if meta is not None and not meta.empty else None
        where = f"{scope.file.rel}:{scope.file.orig(line)}" if isinstance(line, int) else scope.file.rel
        return InputError(f"{where}: {message}")

    def walked(self, *values: Any) -> None:
        """Charge a walk over ``values`` (a search for unknowns, a comparison) to the scan's budget."""
        for value in values:
            if isinstance(value, Mapping | list):
                self.meter.charge_value(value, "the expression")

    def eval(self, node: Any, scope: Scope) -> Any:
        """The value of the expression ``node`` in ``scope`` (an :class:`Unknown` saying why not)."""
        if isinstance(node, Token):
            return Unknown(f"unexpected token {node.value!r}")
        meter = self.meter
        meter.steps += 1
        if meter.steps > budget.TERRAFORM_STEPS:
            raise self.error(node, scope, f"evaluation takes more than {budget.TERRAFORM_STEPS} steps (the limit)")
        handler = getattr(self, "_e_" + str(node.data), None)
        if handler is None:
            return Unknown(f"{quote(node, scope.file)} is not evaluated")
        try:
            return handler(node, scope)
        except BudgetExceeded as exc:  # the innermost expression names the line
            raise self.error(node, scope, exc.message) from None

    def _e_expr_term(self, node: Tree[Any], scope: Scope) -> Any:
        inner = trees(node)
        if len(inner) != 1:
            return Unknown(f"{quote(node, scope.file)} is not evaluated")
        return self.eval(inner[0], scope)

    def _e_int_lit(self, node: Tree[Any], scope: Scope) -> Any:
        digits = leaf(node)
        if len(digits) > 19:  # checked before conversion: a 5,000-digit literal stays text
            raise BudgetExceeded(f"the integer {digits[:24]}… has {len(digits)} digits, outside the 64-bit range")
        return limits.check_number(int(digits), "an integer literal")

    def _e_float_lit(self, node: Tree[Any], scope: Scope) -> Any:
        value = float(leaf(node))
        whole = value.is_integer() and "e" not in leaf(node).lower() and abs(value) < INT_RANGE
        return int(value) if whole else value

    def _e_literal_value(self, node: Tree[Any], scope: Scope) -> Any:
        return {"true": True, "false": False, "null": None}.get(leaf(node))

    def _e_string(self, node: Tree[Any], scope: Scope) -> Any:
        parts: list[str] = []
        inner_parts = [p for p in node.children if isinstance(p, Tree)]
        if len(inner_parts) == 1 and isinstance(inner_parts[0].children[0], Tree):
            only = inner_parts[0].children[0]
            if only.data == "interpolation":
                return self.eval(trees(only)[0], scope)  # "${x}" keeps x's type
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
                    parts.append(unescape(str(child.value)))
                continue
            if child.data != "interpolation":
                return Unknown(f"{quote(node, scope.file)}: template directives are not evaluated")
            value = self.eval(trees(child)[0], scope)
            text = to_string(value)
            if isinstance(text, Unknown):
                return Unknown(f"{quote(node, scope.file)}: {text.reason}")
            parts.append(text)
            budget.check_string("a string template", sum(map(len, parts)))
        return "".join(parts)

    def _e_template_string(self, node: Tree[Any], scope: Scope) -> Any:
        return Unknown(f"{quote(node, scope.file)} is not evaluated")

    def _e_heredoc_template(self, node: Tree[Any], scope: Scope) -> Any:
        return heredoc(leaf(node))

    _e_heredoc_template_trim = _e_heredoc_template

    def _e_tuple(self, node: Tree[Any], scope: Scope) -> Any:
        items = [self.eval(child, scope) for child in trees(node)]
        self.walked(items)  # items may share a value: what the list stands for is charged
        return items

    def _e_object(self, node: Tree[Any], scope: Scope) -> Any:
        out: dict[str, Any] = {}
        for elem in trees(node):
            key_node, value_node = trees(elem)[0], trees(elem)[-1]
            key = self._object_key(key_node, scope)
            if isinstance(key, Unknown):
                return Unknown(f"{quote(node, scope.file)}: a key is not known ({key.reason})")
            out[key] = self.eval(value_node, scope)
        self.walked(out)
        return out

    def _object_key(self, key_node: Tree[Any], scope: Scope) -> Any:
        inner = children(key_node)[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return name_of(inner)
        if isinstance(inner, Tree) and inner.data == "expr_term":
            terms = trees(inner)
            if len(terms) == 1 and terms[0].data in ("identifier", "literal_value"):
                return name_of(terms[0])
        key = self.eval(inner, scope)
        return key if isinstance(key, Unknown) else to_string(key)

    def _e_conditional(self, node: Tree[Any], scope: Scope) -> Any:
        cond_node, yes_node, no_node = trees(node)
        cond = to_bool(self.eval(cond_node, scope))
        if isinstance(cond, Unknown):
            yes, no = self.eval(yes_node, scope), self.eval(no_node, scope)
            self.walked(yes, no)
            if find_unknown(yes) is None and yes == no:
                return yes
            return Unknown(f"{quote(node, scope.file)}: condition not known ({cond.reason})")
        return self.eval(yes_node if cond else no_node, scope)

    def _e_unary_op(self, node: Tree[Any], scope: Scope) -> Any:
        op = next(c for c in node.children if isinstance(c, Token))
        value = self.eval(trees(node)[0], scope)
        if op.value == "!":
            flag = to_bool(value)
            return flag if isinstance(flag, Unknown) else not flag
        number = to_number(value)
        return number if isinstance(number, Unknown) else -number

    def _e_binary_op(self, node: Tree[Any], scope: Scope) -> Any:
        lhs_node, term = trees(node)[0], trees(node)[1]
        op = leaf(trees(term)[0])
        rhs_node = trees(term)[1]
        lhs = self.eval(lhs_node, scope)
        if op in ("&&", "||"):
            left = to_bool(lhs)
            if left is False and op == "&&":
                return False
            if left is True and op == "||":
                return True
            right = to_bool(self.eval(rhs_node, scope))
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if op == "&&" and right is False:
                    return False
                if op == "||" and right is True:
                    return True
                return Unknown(f"{quote(node, scope.file)} is not known")
            return right
        rhs = self.eval(rhs_node, scope)
        self.walked(lhs, rhs)
        nulls = lhs is None or rhs is None
        if op in ("==", "!=") and nulls and not isinstance(lhs, Unknown) and not isinstance(rhs, Unknown):
            return (lhs is rhs) == (op == "==")  # an object with unknown attributes is still not null
        missing = first_unknown(lhs, rhs)
        if missing is not None:
            return Unknown(f"{quote(node, scope.file)}: {missing.reason}")
        if op == "==":
            return lhs == rhs
        if op == "!=":
            return lhs != rhs
        left_n, right_n = to_number(lhs), to_number(rhs)
        if isinstance(left_n, Unknown) or isinstance(right_n, Unknown):
            return Unknown(f"{quote(node, scope.file)}: operands are not numbers")
        try:
            result = _arith(op, left_n, right_n)
        except (ZeroDivisionError, KeyError, OverflowError):
            return Unknown(f"{quote(node, scope.file)} cannot be computed")
        return limits.check_number(result, quote(node, scope.file))

    def _e_function_call(self, node: Tree[Any], scope: Scope) -> Any:
        names = [c for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        name = "::".join(name_of(n) for n in names)
        args_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        arg_nodes = trees(args_node) if args_node is not None else []
        expand = args_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children
        )
        text = quote(node, scope.file)
        if name == "try":
            for arg in arg_nodes:
                value = self.eval(arg, scope)
                self.walked(value)
                if find_unknown(value) is None:
                    return value
            return Unknown(f"{text}: no argument is known")
        if name == "can":
            value = self.eval(arg_nodes[0], scope) if arg_nodes else None
            self.walked(value)
            return True if find_unknown(value) is None else Unknown(f"{text} is not known")
        fn = FUNCTIONS.get(name)
        if fn is None:
            return Unknown(f"{text}: function {name}() is not evaluated")
        args = [self.eval(arg, scope) for arg in arg_nodes]
        if expand and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown(f"{text}: expansion of a non-list")
            args.extend(last)
        self.walked(args)  # a function's work is at most proportional to its arguments
        if name != "jsonencode":
            # Functions that only rearrange their arguments keep unknowns nested inside them.
            shallow = name in ("merge", "concat", "compact", "tomap", "tolist")
            missing = first_unknown(*args) if not shallow else None
            if name in ("tomap", "tolist"):
                missing = next((a for a in args if isinstance(a, Unknown)), None)
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

    def _e_for_tuple_expr(self, node: Tree[Any], scope: Scope) -> Any:
        return self._for(node, scope, as_object=False)

    def _e_for_object_expr(self, node: Tree[Any], scope: Scope) -> Any:
        return self._for(node, scope, as_object=True)

    def _for(self, node: Tree[Any], scope: Scope, as_object: bool) -> Any:
        parts = trees(node)
        intro = parts[0]
        cond = parts[-1] if parts[-1].data == "for_cond" else None
        exprs = [t for t in parts[1:] if t is not cond]
        names = [name_of(t) for t in trees(intro) if t.data == "identifier"]
        source_nodes = [t for t in trees(intro) if t.data != "identifier"]
        collection = self.eval(source_nodes[0], scope)
        text = quote(node, scope.file)
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
                keep = to_bool(self.eval(trees(cond)[0], inner))
                if isinstance(keep, Unknown):
                    return Unknown(f"{text}: {keep.reason}")
                if not keep:
                    continue
            if as_object:
                k = to_string(self.eval(exprs[0], inner))
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
        self.walked(result)  # items may share a value: what the result stands for is charged
        return result

    # ------------------------------------------------------------------ traversals

    def _e_identifier(self, node: Tree[Any], scope: Scope) -> Any:
        return self._traverse(node, [], scope, node)

    def _e_get_attr_expr_term(self, node: Tree[Any], scope: Scope) -> Any:
        root, steps = split_chain(node)
        return self._traverse(root, steps, scope, node)

    _e_index_expr_term = _e_get_attr_expr_term
    _e_attr_splat_expr_term = _e_get_attr_expr_term
    _e_full_splat_expr_term = _e_get_attr_expr_term

    def _traverse(self, root: Tree[Any], steps: list[Step], scope: Scope, whole: Tree[Any]) -> Any:
        text = quote(whole, scope.file)
        if root.data != "identifier":
            return self.apply(self.eval(root, scope), steps, scope, text)
        name = name_of(root)
        if name in scope.names:
            return self.apply(scope.names[name], steps, scope, text)
        head = steps[0][1] if steps and steps[0][0] == "attr" else None
        if name == "count" and head == "index":
            if scope.count_index is NO_VALUE:
                return Unknown(f"{text}: the resource has no count")
            return scope.count_index
        if name == "each" and head in ("key", "value"):
            if scope.each is None:
                return Unknown(f"{text}: the resource has no for_each")
            return self.apply(scope.each[0] if head == "key" else scope.each[1], steps[1:], scope, text)
        if name == "path" and head in ("module", "root", "cwd"):
            return "."
        if name == "terraform" and head == "workspace":
            return "default"
        return self.names.lookup(name, head, steps, scope, text)

    def apply(self, value: Any, steps: list[Step], scope: Scope, text: str) -> Any:
        """``value`` with the traversal ``steps`` applied (``text`` quotes the whole expression)."""
        return apply_steps(value, steps, text, lambda node: self.eval(node, scope))


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
