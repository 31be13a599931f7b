"""Point-neuron networks from connectome edge lists (``PointNetwork``) and their models."""

from .network import PointNetwork
from .models import available_models, get_model, PointModel
from .models.graded import equilibrium_potentials
from .results import NetworkResult
from ..io.edges import neurotransmitter_signs

__all__ = ["PointNetwork", "NetworkResult", "available_models", "get_model", "PointModel",
           "equilibrium_potentials", "neurotransmitter_signs"]
