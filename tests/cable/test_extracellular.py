"""Current dipole and extracellular potential of a ball-and-stick with a synaptic input.

* Our in-run dipole equals LFPykit's ``CurrentDipoleMoment`` applied to our recorded membrane
  currents (1e-6 relative), and the in-run LFP equals LFPykit's ``LineSourcePotential``.
* Our membrane currents equal NEURON's ``i_membrane_`` (fast_imem) on the same model built by
  hand, so the dipole is NEURON's too.
* Sign and magnitude against the analytic estimate: a near-constant synaptic conductance at the
  tip of a sealed stick (soma lumped at its base) drives axial current towards the soma, so
  P_z = integral of the axial current = (V(base) - V(tip)) / r_a < 0, with V from the cable
  equation; plus the soma's own part, -I_soma * (distance from the attachment to the soma's
  centre) for the soma's lateral membrane.  Tolerance 1 %.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable.circuit import Circuit

import lfpykit

RA, GPAS, E_PAS = 100.0, 1e-4, -65.0
SOMA_D, SOMA_L = 10.0, 10.0
DEND_D, DEND_L = 1.0, 400.0
W, E_SYN, TAU1, TAU2 = 0.002, 0.0, 0.1, 1e6


def _ball_and_stick():
    # soma cylinder, then a zero-length step to the dendrite's radius (NEURON counts the
    # annulus as membrane), then the uniform dendrite along +z
    zs = np.r_[-SOMA_L / 2, SOMA_L / 2, np.linspace(SOMA_L / 2, SOMA_L / 2 + DEND_L, 21)]
    r = np.r_[SOMA_D / 2, SOMA_D / 2, np.full(21, DEND_D / 2)]
    n = len(zs)
    return pd.DataFrame({"node_id": np.arange(1, n + 1), "parent_id": np.r_[-1, np.arange(1, n)],
                         "x": 0.0, "y": 0.0, "z": zs, "radius": r})


def _circuit(duration):
    nodes = _ball_and_stick()
    c = Circuit({"bs": nodes}, res=2.0, Ra=RA, cm=1.0, units="um")
    c.insert("pas", g=GPAS, e=E_PAS)
    tip = int(nodes.node_id.iloc[-1])
    c["bs"].connect(np.array([1.0]), where=tip, syn_tau1=TAU1, syn_tau2=TAU2, syn_rev_pot=E_SYN,
                    cn_delay=0.0, cn_weight=W)
    c["bs"].add_voltage_record([1, 2, tip])
    c.add_membrane_current_record("bs")
    c.add_electrodes([[50.0, 0.0, 100.0], [20.0, 0.0, 300.0], [0.0, 80.0, -20.0]])
    c.run_simulation(duration, v_init=E_PAS, dt=0.025, record_every=4)
    return c, tip


@pytest.fixture(scope="module")
def run300():
    return _circuit(300.0)


def _geometry(c):
    g = c["bs"].geometry
    diam = np.where(g.length > 0, g.area / (np.pi * np.maximum(g.length, 1e-12)), 1.0)
    return g, diam


def test_dipole_matches_lfpykit(run300):
    c, _ = run300
    g, diam = _geometry(c)
    imem = c.membrane_currents["bs"].to_numpy().T  # (n_comp, n_t), nA
    cell = lfpykit.CellGeometry(x=np.c_[g.seg_start[:, 0], g.seg_end[:, 0]],
                                y=np.c_[g.seg_start[:, 1], g.seg_end[:, 1]],
                                z=np.c_[g.seg_start[:, 2], g.seg_end[:, 2]], d=diam)
    P = lfpykit.CurrentDipoleMoment(cell).get_transformation_matrix() @ imem
    ours = c.dipole["bs"][["x", "y", "z"]].to_numpy().T
    scale = np.abs(P).max()
    assert scale > 0
    assert np.max(np.abs(ours - P)) / scale < 1e-6
    # membrane currents of an isolated cell (no electrode) sum to zero
    assert np.max(np.abs(imem.sum(axis=0))) < 1e-9 * np.abs(imem).max()
    # extracellular potential: in-run accumulation equals LFPykit's line-source model
    el = np.array([[50.0, 0.0, 100.0], [20.0, 0.0, 300.0], [0.0, 80.0, -20.0]])
    lsp = lfpykit.LineSourcePotential(cell, x=el[:, 0], y=el[:, 1], z=el[:, 2], sigma=0.3)
    M = lsp.get_transformation_matrix()
    line = g.length > 0
    phi = M[:, line] @ imem[line]
    np.testing.assert_allclose(c.lfp.to_numpy().T, phi, rtol=1e-6, atol=1e-12 * np.abs(phi).max())


def test_dipole_sign_and_magnitude_analytic(run300):
    c, tip = run300
    t_end = c.t[-1]
    # Exp2Syn conductance at t_end (NEURON normalisation, event at 1 ms)
    tp = TAU1 * TAU2 / (TAU2 - TAU1) * np.log(TAU2 / TAU1)
    factor = 1 / (np.exp(-tp / TAU2) - np.exp(-tp / TAU1))
    gs = W * factor * (np.exp(-(t_end - 1) / TAU2) - np.exp(-(t_end - 1) / TAU1))
    lam = np.sqrt((1 / GPAS) * (DEND_D * 1e-4) / (4 * RA)) * 1e4
    r_a = 4 * RA / (np.pi * DEND_D ** 2) * 1e-2
    G_lat = GPAS * np.pi * SOMA_D * SOMA_L * 1e-2  # µS, lateral soma membrane
    G_ann = GPAS * np.pi * ((SOMA_D / 2) ** 2 - (DEND_D / 2) ** 2) * 1e-2  # annulus at z = L/2
    G_soma = G_lat + G_ann
    X = DEND_L / lam
    beta = r_a * lam * G_soma
    # V(z) = V0 (cosh(z/λ) + β sinh(z/λ)); I_in at the tip = V'(L)/r_a
    z_in = r_a * lam * (np.cosh(X) + beta * np.sinh(X)) / (np.sinh(X) + beta * np.cosh(X))
    v_tip = gs * (E_SYN - E_PAS) * z_in / (1 + gs * z_in)
    i_syn = gs * (E_SYN - E_PAS - v_tip)
    v0 = v_tip / (np.cosh(X) + beta * np.sinh(X))
    p_dend = (v0 - v_tip) / r_a  # nA·µm
    p_soma = -G_lat * v0 * (SOMA_L / 2)  # the annulus sits at the attachment: no lever arm
    expected = p_dend + p_soma
    pz = c.dipole[("bs", "z")].iloc[-1]
    print("P_z ours", pz, "analytic", expected, "I_syn", i_syn, "V_tip", v_tip)
    assert pz < 0 and expected < 0
    assert abs(pz - expected) / abs(expected) < 0.01
    # the tip voltage confirms the cable solution the estimate rests on
    assert abs((c["bs"].records["v"][tip].iloc[-1] - E_PAS) - v_tip) / v_tip < 0.01
    # x and y components vanish for a cell on the z axis
    assert abs(c.dipole[("bs", "x")]).max() < 1e-9 * abs(pz)


def test_membrane_currents_match_neuron():
    import neuron
    from nrn_reference import build_neuron, teardown

    c, tip = _circuit(20.0)
    h = neuron.h
    ref = build_neuron(c["bs"])
    try:
        syn = h.Exp2Syn(ref["seg_of"](c["bs"]._synapses[0]["comp"]))
        syn.tau1, syn.tau2, syn.e = TAU1, TAU2, E_SYN
        nc = h.NetCon(None, syn)
        nc.weight[0] = W
        fih = h.FInitializeHandler(lambda: nc.event(1.0))
        cv = h.CVode()
        cv.use_fast_imem(1)
        g = c["bs"].geometry
        membrane = np.flatnonzero(~g.is_junction)
        vecs = [h.Vector().record(ref["seg_of"](i)._ref_i_membrane_) for i in membrane]
        h.dt, h.secondorder, h.celsius = 0.025, 0, 6.3
        h.finitialize(E_PAS)
        h.continuerun(20.0)
        theirs = np.array([np.array(v) for v in vecs])[:, ::4]
        ours = c.membrane_currents["bs"].to_numpy().T[membrane]
        # the root junction carries no membrane current in either simulator
        scale = np.abs(theirs).max()
        err = np.max(np.abs(ours[:, 1:] - theirs[:, 1:ours.shape[1]])) / scale
        print("max |I_m ours - NEURON| / max |I_m|:", err)
        assert err < 1e-6
        del fih
    finally:
        cv.use_fast_imem(0)
        teardown(ref)
