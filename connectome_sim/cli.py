"""The ``connectome-sim`` command line: thin wrappers over the public API.

Subcommands register themselves in :data:`COMMANDS` (name -> (add_arguments, run)) so that each
feature keeps its CLI code beside it (see ``connectome_sim/cli_commands/``).
"""

from __future__ import annotations

import argparse
import sys

from ._version import __version__

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand."""
    from .cli_commands import COMMANDS

    p = argparse.ArgumentParser(
        prog="connectome-sim",
        description="Simulate connectome skeletons (cable models) and edge lists (point networks).")
    p.add_argument("--version", action="version", version=f"connectome-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_args, _run) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        add_args(sp)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``connectome-sim``; returns the process exit code."""
    from .cli_commands import COMMANDS

    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    _help, _add, run = COMMANDS[args.command]
    return int(run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
