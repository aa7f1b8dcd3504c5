"""Where a leaf's field sits in the subject document, and what a value outside its set means.

The condition compiler checks a leaf against :mod:`scanner.inventory.vocabulary` by the
field's path from the subject root; inside a quantifier's ``where`` a leaf's own path is
relative to the list items, so the compiler carries the items' path (``scope``) down.
"""

from __future__ import annotations

from typing import Any

from scanner.inventory.vocabulary import Vocabulary
from scanner.unknown import Unknown


def document_path(scope: str, path: str) -> str:
    """A field's path from the subject root, list items as ``[]`` (the vocabulary's notation).

    ``scope`` is the path of the list items a ``where`` is looking at (empty at the top);
    ``$.`` addresses the root from anywhere, and a numeric part is a list index.
    """
    if path.startswith("$."):
        scope, path = "", path[2:]
    parts: list[str] = []
    for part in path.split("."):
        if part.isdigit() and parts:
            parts[-1] += "[]"
        else:
            parts.append(part)
    joined = ".".join(parts)
    return f"{scope}.{joined}" if scope else joined


def undocumented(field: str, value: Any, vocabulary: Vocabulary) -> Unknown:
    """The unknown a value outside ``field``'s documented set makes (the value itself goes in
    the evidence; the reason shows it clipped)."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return Unknown(f"{field} is {shown}, not one of the documented values ({vocabulary.label})")
