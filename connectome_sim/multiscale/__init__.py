"""Multi-scale networks: chosen neurons as cable models inside a point network.

``PointNetwork.add_cable_neuron(neuron_id, model, ...)`` turns a neuron of a connectome point
network into a :class:`~connectome_sim.cable.model.CompartmentModel`, wired at its real
synapse sites (:mod:`.sites`) and run by the cable engine in the network's own time loop
(:mod:`.run`).  See the concept page *Multi-scale networks* of the documentation.
"""

# the network package first: network.py needs spec.CableMixin and spec needs the network's
# model base, so the cycle must be entered from network.py (as `import connectome_sim` does)
from .. import network as _network  # noqa: F401  (import order)
from .spec import CableNeuron, CableSpec

__all__ = ["CableNeuron", "CableSpec"]
