"""Have the machine's second core fault in the memory a scan is about to use.

A scan is a single thread whose memory is fresh: every page it touches first costs a page
fault, a tenth of a 5,000-registry scan and a quarter of a 50,000-registry one, spent in
the kernel. ``scanner/_prefault.c`` (built with the compiled modules by
``scripts/build_native.py``) gives CPython an arena allocator fed by a background thread
that maps and populates arenas ahead of need. Without that build (a wheel, no C compiler,
``ACR_SCAN_PURE_PYTHON=1``, a stale build) nothing changes.

Only the ``acr-scan`` console script starts it, for a process that exits when the scan ends.
"""

from __future__ import annotations

import importlib


def start() -> bool:
    """Start pre-faulting if the native helper is built and current; True when it runs."""
    try:
        helper = importlib.import_module("scanner._prefault")
    except ImportError:
        return False
    return bool(helper.start())
