"""connectome_sim: connectome skeletons and edge lists into runnable neuron models.

Units follow NEURON throughout: ms, mV, µm, µF/cm², Ω·cm, S/cm², nA, µS, Hz.
"""

from ._version import __version__
from . import errors, stimuli, datasets

__all__ = ["__version__", "errors", "stimuli", "datasets"]
