"""Registry of ``connectome-sim`` subcommands: name -> (help, add_arguments(parser), run(args))."""

from __future__ import annotations

from . import demo, network, neuron, warmup

COMMANDS = {
    "demo": (demo.HELP, demo.add_arguments, demo.run),
    "network": (network.HELP, network.add_arguments, network.run),
    "neuron": (neuron.HELP, neuron.add_arguments, neuron.run),
    "warmup": (warmup.HELP, warmup.add_arguments, warmup.run),
}
