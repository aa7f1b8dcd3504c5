"""The ``acr-scan`` entry point: start the arena pre-faulter, then import and run the CLI.

Importing the CLI (argparse, the engine, msgspec, jsonschema-rs, the compiled modules) is the
first tenth of a scan and already fills 25 MB of fresh memory; starting
:mod:`scanner.prefault` before those imports lets the second core fault that in too.
"""

from __future__ import annotations

import gc
from typing import NoReturn

from scanner import prefault


def console_main() -> NoReturn:
    """Pre-fault, then :func:`scanner.cli.console_main`.

    The cyclic garbage collector is paused while the CLI's modules are imported: imports
    create tens of thousands of objects and nothing to collect, and its passes over them
    cost about 5 ms. (``scan`` pauses it again for the scan itself.)
    """
    prefault.start()
    gc.disable()
    from scanner.cli import console_main as run

    gc.enable()
    run()
