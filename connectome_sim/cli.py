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


class _Once(argparse._StoreAction):
    """A single-valued flag: given twice (``--duration 100 --duration 200``) is refused,
    where argparse would silently keep the last."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given", set())
        if self.dest in seen:
            parser.error(f"{option_string} is given twice ({getattr(namespace, self.dest)!r} "
                         f"and {values!r}); give it once")
        seen.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class _Extend(argparse._StoreAction):
    """A list flag (``nargs='+'``): repeating it adds up (``--stimulate A --stimulate B``
    drives both), where argparse would silently keep only the last list."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given", set())
        old = list(getattr(namespace, self.dest) or []) if self.dest in seen else []
        seen.add(self.dest)
        setattr(namespace, self.dest, old + list(values))


def _guard_repeats(parser: argparse.ArgumentParser) -> None:
    for a in parser._actions:
        if type(a) is argparse._StoreAction:
            a.__class__ = _Extend if a.nargs in ("+", "*") else _Once


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
        _guard_repeats(sp)
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
    args.__dict__.pop("_given", None)
    if not args.command:
        parser.print_help()
        return 0
    _help, _add, run = COMMANDS[args.command]
    with cli_session(args):
        return int(run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
