"""``acr-scan``: the command line. Parses flags, calls the core, renders, sets the exit code.

One module per subcommand, each with ``add_parser(commands)`` and ``run(args) -> exit code``;
:data:`COMMANDS` lists them. Only the module of the subcommand on the command line is imported
(all of them for ``acr-scan --help`` or an unknown command): a pull-request gate running
``acr-scan scan`` pays neither for the access outputs nor for the evidence or diff code.

Every expected failure is a :class:`ScannerError`: one line on stderr, a distinct exit code,
no traceback, and no half-written output file (outputs are written to a temporary file and
renamed into place).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from scanner import __version__
from scanner.cli.options import EPILOG
from scanner.errors import ExitCode, ScannerError
from scanner.outputs.terminal import safe_text

#: The subcommands, each a module ``scanner.cli.<name>``, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "scan",
    "collect",
    "merge",
    "evidence",
    "diff",
    "access",
    "history",
    "export",
    "probe",
    "policies",
)


def command_module(name: str) -> ModuleType:
    """The module of subcommand ``name`` (``add_parser`` and ``run``)."""
    return importlib.import_module(f"scanner.cli.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line: every subcommand's parser, or only the parser of subcommand ``only``."""
    parser = argparse.ArgumentParser(
        prog="acr-scan",
        description="Policy-as-code compliance scanner for Azure Container Registry.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"acr-scan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        if only is None or name == only:
            command_module(name).add_parser(commands)
    return parser


def named_command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` starts with, if it is one (``--version``/``--help`` come before it)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(named_command(arguments))
    args = parser.parse_args(arguments)
    try:
        code: int = command_module(args.command).run(args)
        return code
    except ScannerError as exc:
        sys.stderr.write(f"acr-scan: error: {safe_text(exc.message)}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("acr-scan: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in the scanner, not bad input: still one line, no traceback
        if os.environ.get("ACR_SCAN_DEBUG"):
            raise
        sys.stderr.write(
            safe_text(f"acr-scan: internal error: {type(exc).__name__}: {exc} (set ACR_SCAN_DEBUG=1 for a traceback)")
            + "\n"
        )
        return int(ExitCode.INTERNAL)


def console_main() -> None:
    """The ``acr-scan`` command."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
