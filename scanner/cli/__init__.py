"""``acr-scan``: the command line. Parses flags, calls the core, renders, sets the exit code.

One module per subcommand, each with ``add_parser(commands)`` and ``run(args) -> exit code``;
:data:`COMMANDS` lists them. Every expected failure is a :class:`ScannerError`: one line on
stderr, a distinct exit code, no traceback, and no half-written output file (outputs are
written to a temporary file and renamed into place).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from scanner import __version__
from scanner.cli import access, collect, diff, evidence, policies, scan
from scanner.cli.options import EPILOG
from scanner.errors import ExitCode, ScannerError
from scanner.outputs.terminal import safe_text

#: Subcommand name → its module (``add_parser`` and ``run``), in the order ``--help`` lists them.
COMMANDS: dict[str, ModuleType] = {
    "scan": scan,
    "collect": collect,
    "evidence": evidence,
    "diff": diff,
    "access": access,
    "policies": policies,
}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every subcommand's parser."""
    parser = argparse.ArgumentParser(
        prog="acr-scan",
        description="Policy-as-code compliance scanner for Azure Container Registry.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"acr-scan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = COMMANDS[args.command].run(args)
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
