"""Cable models built from skeletons: :class:`CompartmentModel` (one neuron, by node ID).

Units (NEURON): ms, mV, µm, µF/cm², Ω·cm, S/cm², nA, µS.
"""

from .model import CompartmentModel, Section, Segment

__all__ = ["CompartmentModel", "Section", "Segment"]
