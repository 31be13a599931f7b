"""Cable models built from skeletons: :class:`CompartmentModel` (one neuron, by node ID).

Units (NEURON): ms, mV, µm, µF/cm², Ω·cm, S/cm², nA, µS.
"""

from .model import CompartmentModel, Section, Segment
from .analysis import (attenuation, electrotonic_distance, input_impedance, input_resistance,
                       node_values, transfer_impedance)

__all__ = ["CompartmentModel", "Section", "Segment", "attenuation", "electrotonic_distance",
           "input_impedance", "input_resistance", "node_values", "transfer_impedance"]
