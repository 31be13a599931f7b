"""Reduced dendritic neurons (Dendrify semantics) and their derivation from skeletons.

:class:`ReducedNeuron` describes a few-compartment neuron; :func:`reduce` builds one from a
skeleton by grouping nodes by a label column.  Both run alone (``simulate``) or in a
``PointNetwork`` (``to_point_model``).
"""

from .neuron import ReducedNeuron, ReducedResult
from .examples import bap_neuron, run_bap_example, plot_bap
from .reduction import reduce, group_labels

__all__ = ["ReducedNeuron", "ReducedResult", "bap_neuron", "run_bap_example", "plot_bap", "reduce",
           "group_labels"]

