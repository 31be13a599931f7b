"""Reduced dendritic neurons (Dendrify semantics) and their derivation from skeletons.

:class:`ReducedNeuron` describes a few-compartment neuron; :func:`reduce` builds one from a
skeleton by grouping nodes by a label column.  Both run alone (``simulate``) or in a
``PointNetwork`` (``to_point_model``).  Units: µm, µF/cm², S/cm², Ω·cm, µS, pF, nA, mV, ms.

Examples
--------
Seed 000 (Dendrify's back-propagating dSpikes) and its figure::

    from connectome_sim.reduced import run_bap_example, plot_bap
    res = run_bap_example()             # ReducedResult: .v (DataFrame), .spikes, .dspikes
    plot_bap(res, path="bap.png")

A skeleton reduced to one compartment per navis compartment label, in a network::

    import navis
    from connectome_sim.datasets import example_neuron, load_celegans
    from connectome_sim.network import PointNetwork
    from connectome_sim.reduced import reduce

    skel = navis.split_axon_dendrite(example_neuron(1), label_only=True, cellbodyfiber="soma")
    red = reduce(skel, label_col="compartment")       # cellbodyfiber (soma), axon, dendrite, linker
    red.input_resistance(), red.steady_state({"dendrite": 0.01})
    red.to_point_model("DA1", method="implicit", synapse_compartment="dendrite")
    net = PointNetwork.from_edge_list(load_celegans(kind="chemical"), model="DA1",
                                      weight_scale=2e-5)
"""

from .neuron import ReducedNeuron, ReducedResult
from .examples import bap_neuron, run_bap_example, plot_bap
from .reduction import reduce, group_labels

__all__ = ["ReducedNeuron", "ReducedResult", "bap_neuron", "run_bap_example", "plot_bap", "reduce",
           "group_labels"]

