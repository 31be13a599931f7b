"""Shared builders of the multi-scale tests: hemibrain DA1 projection neurons (navis example
neurons, µm) as cable models with the seed tutorial's biophysics (Ra 266.1 Ω·cm, cm 0.8 µF/cm²,
pas 1/20800 S/cm² at -60 mV, hh on the axon and the linker), recorded at the soma."""

import navis
import numpy as np

from connectome_sim.cable.model import CompartmentModel
from connectome_sim.datasets import example_neuron


def skeleton(i):
    """Example neuron ``i`` (1..5) with navis's axon/dendrite/linker labels."""
    n = example_neuron(i)
    if n.n_trees > 1:
        n = navis.heal_skeleton(n)
    navis.split_axon_dendrite(n, label_only=True,
                              cellbodyfiber="soma" if n.soma is not None else False)
    return n


def pn_model(i=1, res=10.0, n=None):
    """A spiking DA1 PN model; its soma (or root) voltage is recorded as ``'soma'``."""
    n = skeleton(i) if n is None else n
    m = CompartmentModel(n, res=res)
    m.Ra, m.cm = 266.1, 0.8
    m.insert("pas", g=1 / 20800, e=-60)
    ax = n.nodes.loc[n.nodes.compartment.isin(["axon", "linker"]), "node_id"].values
    m.insert("hh", subset=list(set(m.get_node_section(ax))))
    soma = n.soma if n.soma is not None else m.geometry.morphology.root
    m.add_voltage_record(soma, label="soma")
    return m


def linker_node(i=1):
    """A node of the linker (primary neurite between dendrite and axon): spikes there are
    full-size, unlike at the soma of these neurons."""
    n = skeleton(i)
    return int(n.nodes.loc[n.nodes.compartment == "linker", "node_id"].iloc[0])


def drive_like(model, synapses, trains, trial=None):
    """Give ``model`` the Exp2Syns of ``synapses`` (a ``cable_synapses`` table, in its order)
    driven by the presynaptic ``trains`` {pre ID: spike times ms} (NetCon external events)."""
    for r in synapses.itertuples():
        s = model.add_synapse(int(r.node_id), "Exp2Syn", tau1=r.tau1, tau2=r.tau2, e=r.e)
        t = np.asarray(trains.get(r.pre, []), float)
        if len(t):
            model.drive_synapses(t, s, weight=r.weight, delay=r.delay)
    return model
