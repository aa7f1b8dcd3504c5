"""The environment every benchmarked ``acr-scan`` process runs in.

``pip install`` compiles the package's bytecode, so a user's scan never compiles its modules
from source. A shell with ``PYTHONDONTWRITEBYTECODE`` set (as some CI images and this
project's development machine have) would make every measured process compile the whole
scanner again, which grows with the size of the code rather than with the work. The children
therefore run with bytecode written and used, and the callers make one unmeasured warm-up run
of each checkout so the first measured run finds it.
"""

from __future__ import annotations

import os
from pathlib import Path


def scan_env(checkout: Path) -> dict[str, str]:
    """``os.environ`` with ``checkout`` first on the import path and bytecode caching on."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(checkout)
    return env
