"""Point-neuron networks from connectome edge lists (``PointNetwork``) and their models."""

from .network import PointNetwork
from .models import available_models, get_model, PointModel
from ..io.edges import neurotransmitter_signs

__all__ = ["PointNetwork", "available_models", "get_model", "PointModel", "neurotransmitter_signs"]
