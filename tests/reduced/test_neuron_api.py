"""ReducedNeuron description: derived parameters against dendrify's own, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from connectome_sim.errors import ParameterError, StabilityError, UnknownIDError
from connectome_sim.reduced import ReducedNeuron, bap_neuron


def test_parameters_match_dendrify():
    """C, g_L (scale/spine factors) and 'half_cylinders' couplings equal dendrify's values."""
    from brian2.units import cm, mV, ohm, uF, um, uS
    from dendrify import Dendrite, NeuronModel, Soma

    soma = Soma("soma", model="leakyIF", length=25 * um, diameter=25 * um)
    trunk = Dendrite("trunk", length=100 * um, diameter=2.5 * um)
    prox = Dendrite("prox", length=100 * um, diameter=1 * um)
    m = NeuronModel([(soma, trunk), (trunk, prox)], cm=1 * uF / cm ** 2, gl=40 * uS / cm ** 2,
                    v_rest=-65 * mV, r_axial=150 * ohm * cm, scale_factor=2.8, spine_factor=1.5)
    ref = m.parameters

    n = ReducedNeuron(cm=1.0, gl=4e-5, v_rest=-65.0, r_axial=150.0, scale_factor=2.8,
                      spine_factor=1.5)
    n.add_soma("soma", length=25, diameter=25)
    n.add_dendrite("trunk", length=100, diameter=2.5)
    n.add_dendrite("prox", length=100, diameter=1.0)
    n.connect("soma", "trunk")
    n.connect("trunk", "prox")
    props = n.properties
    for c in ("soma", "trunk", "prox"):
        np.testing.assert_allclose(props.loc[c, "C"], float(ref[f"C_{c}"] / 1e-12), rtol=1e-9)
        np.testing.assert_allclose(props.loc[c, "gL"], float(ref[f"gL_{c}"] / 1e-6), rtol=1e-9)
    g = n.couplings.set_index(["a", "b"]).g
    np.testing.assert_allclose(g["soma", "trunk"], float(ref["g_soma_trunk"] / 1e-6), rtol=1e-9)
    np.testing.assert_allclose(g["trunk", "prox"], float(ref["g_trunk_prox"] / 1e-6), rtol=1e-9)


def test_bad_input():
    n = ReducedNeuron()
    with pytest.raises(ParameterError, match="length and diameter"):
        n.add_dendrite("d")
    n.add_soma("soma", length=20, diameter=20)
    n.add_dendrite("d", length=100, diameter=1)
    with pytest.raises(ParameterError, match="not all connected"):
        n.simulate(1.0)
    with pytest.raises(UnknownIDError, match="no compartment 'x'"):
        n.connect("soma", "x", 0.01)
    with pytest.raises(ParameterError, match="both second_reset and spike_width"):
        n.set_spiking(second_reset=-50.0)
    with pytest.raises(ParameterError, match="> 0"):
        n.connect("soma", "d", -1.0)
    n.connect("soma", "d", 0.01)
    with pytest.raises(UnknownIDError):
        n.simulate(1.0, currents=[("axon", 0.1, 0, 1)])
    with pytest.raises(StabilityError, match="implicit"):
        bap_neuron().simulate(10.0, dt=2.0)


def test_implicit_agrees_with_euler_at_small_dt():
    """Backward Euler converges to the same trajectory (bAP neuron, dt 0.01 ms, 40 ms)."""
    a = bap_neuron().simulate(40.0, dt=0.01, currents=[("soma", 0.2, 5.0, 40.0)])
    b = bap_neuron().simulate(40.0, dt=0.01, method="implicit",
                              currents=[("soma", 0.2, 5.0, 40.0)])
    assert len(a.spikes) == len(b.spikes) >= 1
    np.testing.assert_allclose(a.spikes, b.spikes, atol=0.05)
