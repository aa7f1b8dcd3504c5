"""The ``matches`` operator's regular expressions: RE2, which runs in time linear in the text.

A rule pack may come from someone else, and the text it is matched against (a registry name,
a tag, an IaC value) from a pull request. Python's backtracking ``re`` can take exponential
time on patterns such as ``^(a+)+$``; RE2 (``google-re2``) never backtracks, so a match costs
time proportional to the pattern and the text, whatever both hold. The price is RE2's syntax:
no backreferences (``\\1``) and no lookaround (``(?=``, ``(?!``, ``(?<=``, ``(?<!``); such a
pattern is refused when the rule is loaded or validated, with the rule file's line and RE2's
reason. Other differences from Python's ``re``: ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII
only, and ``$`` matches only at the very end (not before a final newline).
"""

from __future__ import annotations

from typing import Any, Protocol

#: RE2's own memory budget for one compiled pattern; a larger one is refused at load time.
MAX_PATTERN_MEMORY = 8 << 20


class Pattern(Protocol):
    """What the engine uses of a compiled pattern."""

    def search(self, text: str) -> Any: ...


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


def compile_pattern(pattern: str, case_sensitive: bool) -> Pattern:
    """Compile ``pattern`` with RE2 (imported here: most scans have no ``matches`` leaf)."""
    import re2

    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False  # (RE2 would print its own line on stderr: the error is ours to report)
    options.max_mem = MAX_PATTERN_MEMORY
    try:
        compiled: Pattern = re2.compile(pattern, options)
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None
    return compiled


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    text = str(detail)
    if "perl operator" in text and ("(?=" in text or "(?!" in text or "(?<" in text):
        text += " (lookaround is not supported)"
    elif "invalid escape sequence: \\" in text and text[-1:].isdigit():
        text += " (backreferences are not supported)"
    return text
