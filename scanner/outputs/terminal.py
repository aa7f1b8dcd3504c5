"""Untrusted text made safe to print on a terminal.

Registry names, tags, messages, rule titles, evidence-bundle member names and error details
come from the tenant, a pull request or someone else's rule pack. Printed raw, their control
characters drive the terminal: ``ESC [2J`` clears the screen, ``ESC ]0;...`` sets the window
title, ``ESC ]8;;url`` makes an OSC 8 hyperlink, BEL rings, CR and newlines overwrite or forge
report lines, and the Unicode bidirectional overrides reorder what the reader sees ("Trojan
Source"). :func:`safe_text` shows each such character as a visible escape (``\\x1b``,
``\\u009b``, ``\\u202e``, ``\\n``) instead, whatever ``--color`` says; our own colour codes are added around the
escaped text, never inside it.

The escapes are for a reader's eyes, not a reversible encoding: a literal backslash is left
as it is (Windows paths stay readable).
"""

from __future__ import annotations

import re

#: C0 controls (TAB, LF and CR included), DEL, C1 controls, the Arabic letter mark, the
#: left-to-right/right-to-left marks, the line and paragraph separators, and the bidi
#: embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same, except the TAB, LF and CRLF of a multi-line text (a rule file shown whole); a
#: CR on its own (which returns to the start of the line to overwrite it) is still escaped.
UNSAFE_IN_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)"
)


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    # C0 as ``\\xNN``; DEL, C1 and the rest as ``\\uNNNN``, which is also a valid JSON
    # escape (a JSON report shown on a terminal stays the same JSON; it never holds a raw C0).
    return f"\\x{code:02x}" if code < 0x7F else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    """``value`` as one line of inert text: every control or bidi character shown as an escape."""
    text = value if type(value) is str else str(value)
    if text.isprintable():  # (no control, format or separator character: nothing to escape)
        return text
    return UNSAFE.sub(_visible, text)


def safe_multiline(text: str) -> str:
    """Like :func:`safe_text`, but keeps line feeds, CRLF and tabs (a whole file printed as is)."""
    return UNSAFE_IN_TEXT.sub(_visible, text)


def safe_bytes(data: bytes) -> bytes:
    """A UTF-8 document bound for a terminal, with :func:`safe_multiline` applied.

    Bytes that are not UTF-8 are shown as ``\\xNN`` too (decoded with ``backslashreplace``).
    """
    text = data.decode("utf-8", "backslashreplace")
    return safe_multiline(text).encode("utf-8")
