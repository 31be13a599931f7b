"""connectome_sim: connectome skeletons and edge lists into runnable neuron models.

Units follow NEURON throughout: ms, mV, µm, µF/cm², Ω·cm, S/cm², nA, µS, Hz.

The public names below are loaded on first use (PEP 562), so ``import connectome_sim`` and the
``connectome-sim --help`` command stay fast; an import error in a subpackage surfaces as soon
as one of its names is used.
"""

from importlib import import_module

from ._version import __version__
from . import errors, stimuli, datasets

# public name -> subpackage that defines it
_LAZY = {
    # skeleton -> cable geometry
    "build_geometry": "morphology", "CableGeometry": "morphology",
    "load_morphology": "morphology", "Morphology": "morphology",
    # compartment models and circuits
    "CompartmentModel": "cable", "Circuit": "cable.circuit",
    "input_resistance": "cable", "input_impedance": "cable", "transfer_impedance": "cable",
    "attenuation": "cable", "electrotonic_distance": "cable",
    # mechanisms
    "Channel": "mechanisms", "Gate": "mechanisms", "register_mechanism": "mechanisms",
    # point networks
    "PointNetwork": "network", "available_models": "network", "neurotransmitter_signs": "network",
    # reduced dendritic neurons
    "ReducedNeuron": "reduced", "reduce": "reduced",
    # sweeps
    "sweep": "distributed",
    # figures
    "plot_raster": "plotting", "plot_traces": "plotting", "plot_skeleton_voltage": "plotting",
}
_SUBPACKAGES = ("morphology", "cable", "mechanisms", "network", "reduced", "distributed",
                "plotting", "io", "engine")

__all__ = ["__version__", "errors", "stimuli", "datasets", *_LAZY, *_SUBPACKAGES]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBPACKAGES:
        value = import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'connectome_sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
