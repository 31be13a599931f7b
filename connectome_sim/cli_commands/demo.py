"""``connectome-sim demo``: run the shipped examples and write their figures and tables."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Run the example compartment model and network on shipped data; write HTML/CSV results."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="connectome_sim_demo", help="output folder (default ./connectome_sim_demo)")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"connectome-sim demo: output folder {out.resolve()}")
    return 0
