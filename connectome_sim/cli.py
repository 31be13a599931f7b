"""The ``connectome-sim`` command line: thin wrappers over the public API.

Subcommands register themselves in :data:`connectome_sim.cli_commands.COMMANDS`
(name -> (help, add_arguments, run)) so that each feature keeps its CLI code beside it.

Every failure ends as one line ``connectome-sim: error: ...`` on stderr naming the file or flag,
with exit status 2 and no traceback (``--debug`` shows it).  Library messages are written for
Python users ("pass units='nm'"); they are shown in flag form ("pass --units nm") through the
table :data:`connectome_sim.cli_commands._util.FLAGS` (see :func:`connectome_sim.errors.in_callers_words`).
"""

from __future__ import annotations

import argparse
import sys

from ._version import __version__

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse with the program's one error format (``connectome-sim: error: ...``, exit 2)."""

    def error(self, message):
        from .cli_commands._util import speak

        self.print_usage(sys.stderr)
        self.exit(2, f"connectome-sim: error: {speak(message)}\n")


def _common_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("common options")
    g.add_argument("--quiet", action="store_true",
                   help="print nothing but errors (no progress, no compile notice)")
    g.add_argument("--force", action="store_true",
                   help="overwrite output files that already exist")
    g.add_argument("--debug", action="store_true",
                   help="show the Python traceback of an error")
    return p


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand."""
    from .cli_commands import COMMANDS

    p = _Parser(
        prog="connectome-sim",
        description="Simulate connectome skeletons (cable models) and edge lists (point networks).")
    p.add_argument("--version", action="version", version=f"connectome-sim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _common_options()
    for name, (help_text, add_args, _run) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        add_args(sp)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``connectome-sim``; returns the process exit code.

    Errors raise ``SystemExit(2)`` after printing ``connectome-sim: error: ...`` (the
    traceback too with ``--debug``).
    """
    from .cli_commands import COMMANDS
    from .cli_commands._util import cli_session

    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    _help, _add, run = COMMANDS[args.command]
    with cli_session(args):
        return int(run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
