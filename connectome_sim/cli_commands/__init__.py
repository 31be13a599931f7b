"""Registry of ``connectome-sim`` subcommands: name -> (help, add_arguments(parser), run(args))."""

from __future__ import annotations

from . import demo

COMMANDS = {
    "demo": (demo.HELP, demo.add_arguments, demo.run),
}
