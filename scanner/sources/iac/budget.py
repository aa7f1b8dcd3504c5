"""The budgets every IaC reader evaluates under: one place that states and documents them.

A pull-request gate reads untrusted files by design, so a 300-byte template must not be able to
make the scanner build a gigabyte string, expand a billion copies, recurse until Python gives up
or read ``/dev/zero``. Every limit below is checked *before* the work it bounds where the size
can be computed up front (a ``format()`` width, a ``range()`` count, a copy count, a file size),
and as the work goes otherwise (values built so far); an overrun is an :class:`InputError`
(exit code 2) naming the file, the line or expression, and the limit. See docs/iac.md
("Budgets") for the user's view.

Where Azure documents a limit, it is Azure's, so a template Azure would deploy is never
refused (Microsoft Learn, "ARM template best practices", "Template limits"; and the copy
loop articles, "Copy limits"). Elsewhere the bounds are generous: far above anything a real
template or module reaches, low enough that time and memory stay bounded.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.errors import InputError

MIB = 1024 * 1024

# --------------------------------------------------------------------------- Azure's documented limits

#: A template file, a parameters file and every linked template (Azure: 4 MB each).
TEMPLATE_BYTES = 4 * MIB
#: Iterations of one copy loop, on resources, properties or variables (Azure: 800).
COPY_COUNT = 800
#: Resources one template deploys, copies included (Azure: 800 resources including copy count).
TEMPLATE_RESOURCES = 800
#: Characters of one template expression (Azure: 24,576).
EXPRESSION_CHARS = 24_576

# --------------------------------------------------------------------------- ours: generous bounds

#: Nesting of function calls, property accesses and indexes inside one ARM expression.
EXPRESSION_DEPTH = 64
#: Nesting of arrays and objects in any IaC JSON document (template, parameters, plan, tfvars,
#: ``.tf.json``) and in any value an expression builds (``json()``, ``jsondecode()``).
JSON_DEPTH = 128
#: Nesting of HCL syntax (blocks, brackets, parentheses, interpolations, operator chains) in a
#: ``.tf`` or ``.tfvars`` file, counted in levels of its syntax tree.
HCL_DEPTH = 160
#: Nested deployments (inline or linked) inside one another.
DEPLOYMENT_DEPTH = 32
#: Variables, parameters or locals whose value refers to another one, chained.
REFERENCE_DEPTH = 32
#: Characters of any string a function builds (``format``, ``padLeft``, ``concat``, ``replace``,
#: ``string``, ``join`` …, and Terraform's ``format``, interpolation, ``join`` …).
STRING_CHARS = MIB
#: Items of any array or object a function or ``for`` expression builds (``range``,
#: ``createArray``, ``union``, Terraform ``range``, ``for``, splat …).
LIST_ITEMS = 100_000
#: Integers: the signed 64-bit range (ARM's integers and Terraform's counts, and what the JSON
#: report can hold); an integer in a document, a literal or an arithmetic result outside it is
#: refused, so no computation grows without end.
INTEGER_MAX = 2**63 - 1
INTEGER_MIN = -(2**63)
#: Instances of one Terraform resource (``count``, ``for_each``).
TERRAFORM_INSTANCES = 10_000
#: Resource instances evaluated in one scan (every type, every copy, every file).
SCAN_RESOURCES = 20_000
#: Size of one array or object a function reads or builds, as approximate JSON characters (see
#: :data:`SCAN_VALUE_SIZE`): Azure's template limit, since no deployable value is larger.
VALUE_SIZE = TEMPLATE_BYTES
#: Size of everything one scan builds: each resource instance's properties and each function's
#: arguments and result, as approximate JSON characters (a string counts its characters, any
#: other value :data:`ITEM_SIZE`).
SCAN_VALUE_SIZE = 32 * MIB
ITEM_SIZE = 8
#: Terraform expression evaluations in one scan (each node of an expression evaluated counts).
TERRAFORM_STEPS = 1_000_000
#: Evaluations of an ARM lambda's body in one scan (``map``, ``filter``, ``sort`` comparisons …).
LAMBDA_CALLS = 100_000
#: A ``.tf``, ``.tf.json`` or ``.tfvars`` file (the HCL parser reads about 150 KB a second).
TERRAFORM_BYTES = MIB
#: A Terraform plan (``terraform show -json``).
PLAN_BYTES = 32 * MIB


class BudgetExceeded(Exception):
    """A budget overrun deep in an evaluation; the reader adds the file and line.

    ``expression`` is the text of the expression being evaluated when the reader can find it
    in the file (an ARM call such as ``format('{0,9}', 1)``), else None; ``line`` the line
    when the code that noticed knows it.
    """

    def __init__(self, message: str, expression: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.line = line


def check_string(what: str, length: int, expression: str | None = None) -> None:
    """Refuse a string of ``length`` characters before it is built."""
    if length > STRING_CHARS:
        raise BudgetExceeded(
            f"{what} would build a string of {length} characters, over the limit of {STRING_CHARS}", expression
        )


def check_items(what: str, count: int, expression: str | None = None) -> None:
    """Refuse an array or object of ``count`` items before it is built."""
    if count > LIST_ITEMS:
        raise BudgetExceeded(f"{what} would build {count} items, over the limit of {LIST_ITEMS}", expression)


def shown_number(value: int) -> str:
    """An integer as a message shows it (a huge one in scientific notation, never thousands of digits)."""
    return str(value) if -(10**19) < value < 10**19 else f"{float(value):.3g}"


def check_integer(what: str, value: int, expression: str | None = None) -> None:
    """Refuse an integer outside the signed 64-bit range (before it can grow any further)."""
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        digits = round(value.bit_length() * 0.30103) + 1
        raise BudgetExceeded(
            f"{what} gives an integer of about {digits} digits, outside the 64-bit range (at most {INTEGER_MAX})",
            expression,
        )


class IntegerOutOfRange(ValueError):
    """A JSON integer outside the 64-bit range (raised while decoding, so no huge value is built)."""


def json_int(text: str) -> int:
    """``parse_int`` for :func:`json.loads`: digits checked before conversion, the value before use."""
    digits = len(text.lstrip("-"))
    if digits > 19 or not INTEGER_MIN <= int(text) <= INTEGER_MAX:
        shown = text if digits <= 24 else f"{text[:24]}… ({digits} digits)"
        raise IntegerOutOfRange(f"the integer {shown} is outside the 64-bit range")
    return int(text)


def check_json(data: Any, where: str) -> None:
    """Refuse decoded JSON nested past :data:`JSON_DEPTH` or holding an integer outside 64 bits (iterative)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind is int and not INTEGER_MIN <= node <= INTEGER_MAX:
            raise InputError(f"{where}: the integer {shown_number(node)} is outside the 64-bit range")
        if kind is not dict and kind is not list:
            continue
        if depth > JSON_DEPTH:
            raise too_deep(where)
        stack.extend((child, depth + 1) for child in (node.values() if kind is dict else node))


def size_of(value: Any, limit: int) -> int:
    """Approximate JSON size of ``value`` (see :data:`SCAN_VALUE_SIZE`), counted up to just past ``limit``.

    Shared references count every time they appear (a value built from the same array twice is
    twice its size), as they would once serialized; the walk stops as soon as the count passes
    ``limit``, so its cost is bounded by the budget it checks.
    """
    kind = type(value)
    if kind is str:
        return len(value)
    if kind is not list and kind is not dict:
        return ITEM_SIZE
    total = 0
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        items: Iterable[Any] = node.values() if type(node) is dict else node
        for item in items:
            item_kind = type(item)
            if item_kind is str:
                total += ITEM_SIZE + len(item)
            elif item_kind is list or item_kind is dict:
                total += ITEM_SIZE
                stack.append(item)
            else:
                total += ITEM_SIZE
        if type(node) is dict:
            total += sum(len(k) for k in node if type(k) is str)
        if total > limit:
            return total
    return total


def depth_over(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (iterative)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind is dict:
            children: Iterable[Any] = node.values()
        elif kind is list:
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


def too_deep(where: str, limit: int = JSON_DEPTH) -> InputError:
    """The error for a document or value nested past ``limit``."""
    return InputError(f"{where}: arrays and objects nest more than {limit} levels deep (the limit)")


class Meter:
    """What one scan has spent of its cumulative budgets (resources, value size, evaluation steps)."""

    __slots__ = ("lambda_calls", "references", "resources", "size", "steps")

    def __init__(self) -> None:
        self.resources = 0
        self.size = 0
        self.steps = 0
        self.lambda_calls = 0
        self.references = 0  # variables/parameters/locals being resolved inside one another right now

    def spend(self, size: int, what: str, expression: str | None = None) -> None:
        """Add ``size`` to the values built; refuse once the scan's total passes its budget."""
        self.size += size
        if self.size > SCAN_VALUE_SIZE:
            raise BudgetExceeded(
                f"{what}: the values this scan builds would exceed {SCAN_VALUE_SIZE} characters (the limit)",
                expression,
            )

    def resource(self) -> None:
        """Count one resource instance evaluated; refuse past :data:`SCAN_RESOURCES`."""
        self.resources += 1
        if self.resources > SCAN_RESOURCES:
            raise BudgetExceeded(f"more than {SCAN_RESOURCES} resource instances in one scan (the limit)")

    def lambda_call(self, what: str) -> None:
        """Count one evaluation of an ARM lambda's body; refuse past :data:`LAMBDA_CALLS`."""
        self.lambda_calls += 1
        if self.lambda_calls > LAMBDA_CALLS:
            raise BudgetExceeded(f"{what}: more than {LAMBDA_CALLS} lambda evaluations in one scan (the limit)")

    def remaining(self) -> int:
        return SCAN_VALUE_SIZE - self.size

    def charge_value(self, value: Any, what: str, expression: str | None = None) -> None:
        """Charge an array or object about to be read or copied: within :data:`VALUE_SIZE` and the scan's budget.

        Its size is counted as if serialized (shared references as often as they appear) and
        the count stops at the limit, so a value built by doubling one array is refused after
        reading no more than the limit, however large it stands for.
        """
        size = size_of(value, min(VALUE_SIZE, self.remaining()))
        if size > VALUE_SIZE:
            raise BudgetExceeded(
                f"{what} reads a value of more than {VALUE_SIZE} characters as JSON (the limit)", expression
            )
        self.spend(size, what, expression)


# --------------------------------------------------------------------------- files


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: Path, limit: int, label: str, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, refused when larger than ``limit``.

    Opened without blocking (a FIFO never stalls the scan) and checked on the open descriptor,
    so what is read is what was checked; at most ``limit + 1`` bytes are ever read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{label}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{label}: {what} is {_kind_of(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise InputError(f"{label}: {what} is {info.st_size} bytes, over the limit of {limit}")
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise InputError(f"{label}: {what} is over the limit of {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{label}: cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def inside(path: Path, trees: Iterable[Path]) -> bool:
    """Whether the real path of ``path`` is inside the real path of one of ``trees``."""
    real = os.path.realpath(path)
    for tree in trees:
        root = os.path.realpath(tree)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False
