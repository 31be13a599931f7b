"""Multi-scale networks: chosen neurons as cable models inside a point network.

``PointNetwork.add_cable_neuron(neuron_id, model, ...)`` turns a neuron of a connectome point
network into a :class:`~connectome_sim.cable.model.CompartmentModel`, wired at its real
synapse sites (:mod:`.sites`) and run by the cable engine in the network's own time loop
(:mod:`.run`).  See the concept page *Multi-scale networks* of the documentation.
"""

from .spec import CableNeuron, CableSpec

__all__ = ["CableNeuron", "CableSpec"]
