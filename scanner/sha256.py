"""SHA-256 without loading OpenSSL at start-up.

Every scan hashes a few small files (the compiled-module guard's sources, the rule pack).
:mod:`hashlib` answers with OpenSSL, whose shared libraries cost 5-15 ms to load on this
machine's cold start; CPython's own SHA-256 module (``_sha256`` in 3.11, ``_sha2`` from
3.12) gives the same digest at no load cost. :mod:`hashlib` remains the fallback.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol


class Hash(Protocol):
    """The part of a hash object this package uses."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


def _constructor() -> Callable[..., Hash]:
    for name in ("_sha256", "_sha2"):
        try:
            return importlib.import_module(name).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


sha256: Callable[..., Hash] = _constructor()
