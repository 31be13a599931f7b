"""Acceptance: a two-cell circuit against NEURON 9 built by hand.

Cell A = navis example neuron 1 (µm, soma 20, rerooted; Ra 266.1, cm 0.8, pas, hh on the axon
and linker as in the seed tutorial) is driven to spike by a current pulse at the base of its
dendrites; 20 synapses at 20 node pairs (A's presynaptic axon connectors -> B's postsynaptic
dendrite connectors) carry its spikes to cell B = example neuron 2 (same biophysics) with NetCon
threshold -10 mV at the presynaptic site, delay 1 ms, Exp2Syn (0.2 / 3 ms, 0 mV), 0.02 µS.
NEURON gets the identical sections/pt3d/nseg (our geometry), mechanisms, Exp2Syns and NetCons
(tests/cable/circuit_reference.py), exact hh rates.  Tolerances (issue 7): B's soma trace within
0.5 mV RMS, spike times (A at a presynaptic site, B at an axonal output site) within 0.1 ms.
"""

import numpy as np
import pandas as pd
import pytest

import navis
import neuron  # noqa: F401  (oracle: installed by the test extra)

from connectome_sim.cable.circuit import Circuit  # noqa: E402

from circuit_reference import build_circuit_neuron, teardown_circuit  # noqa: E402

DURATION = 120.0
WEIGHT = 0.02


def _prep(i, soma=None):
    n = navis.example_neurons()[i].convert_units("um")
    if soma is not None:
        n.soma = soma
    n.reroot(n.soma, inplace=True)
    navis.split_axon_dendrite(n, label_only=True, cellbodyfiber="soma")
    return n


def _sites(A, B, k=20, seed=0):
    axA = set(A.nodes.loc[A.nodes.compartment == "axon", "node_id"])
    preA = A.connectors.query("type == 'pre'").node_id
    preA = np.sort(preA[preA.isin(axA)].unique())
    dB = set(B.nodes.loc[B.nodes.compartment == "dendrite", "node_id"])
    postB = B.connectors.query("type == 'post'").node_id
    postB = np.sort(postB[postB.isin(dB)].unique())
    rng = np.random.default_rng(seed)
    return rng.choice(preA, k, replace=False), rng.choice(postB, k, replace=False)


@pytest.fixture(scope="module")
def circuit():
    A, B = _prep(0, 20), _prep(1)
    c = Circuit({"A": A, "B": B}, res=10)
    for nid, n in (("A", A), ("B", B)):
        m = c[nid]
        m.Ra, m.cm = 266.1, 0.8
        m.insert("pas", g=1 / 20800, e=-60)
        ax = n.nodes.loc[n.nodes.compartment.isin(["axon", "linker"]), "node_id"].values
        m.insert("hh", subset=list(set(m.get_node_section(ax))))
        m.add_voltage_record(n.soma, label="soma")
    for start in (10.0, 45.0, 80.0):
        c["A"].inject_current_pulse(467, start=start, duration=5.0, current=0.2)
    pre, post = _sites(A, B)
    c.connect_synapses(pd.DataFrame({"pre": "A", "post": "B", "pre_node": pre, "post_node": post,
                                     "weight": WEIGHT, "tau1": 0.2, "tau2": 3.0, "e": 0.0,
                                     "threshold": -10.0, "delay": 1.0}))
    c["A"].add_spike_detector(pre[0], threshold=-10, label="pre0")
    axB = set(B.nodes.loc[B.nodes.compartment == "axon", "node_id"])
    outB = B.connectors.query("type == 'pre'").node_id
    c["B"].add_spike_detector(int(np.sort(outB[outB.isin(axB)].unique())[0]), threshold=-10,
                              label="axon")
    c.run_simulation(DURATION, v_init=-60, dt=0.025)
    return c


def test_two_cell_parity_with_neuron(circuit):
    c = circuit
    refs = build_circuit_neuron(c)
    try:
        from neuron import h
        h.dt, h.secondorder, h.celsius, h.usetable_hh = 0.025, 0, 6.3, 0
        h.steps_per_ms = 40.0
        tv = h.Vector().record(h._ref_t)
        h.finitialize(-60)
        h.continuerun(DURATION)
        t = np.array(tv.to_python(), float)
        vA = np.array(refs["A"]["vrec"]["soma"].to_python(), float)
        vB = np.array(refs["B"]["vrec"]["soma"].to_python(), float)
        spA = np.array(refs["A"]["det_vecs"][0].to_python(), float)
        spB = np.array(refs["B"]["det_vecs"][0].to_python(), float)
    finally:
        h.usetable_hh = 1
        teardown_circuit(refs)
    assert np.allclose(t, c.t, atol=1e-9)
    ours_B = c["B"].records["v"]["soma"].to_numpy()
    ours_A = c["A"].records["v"]["soma"].to_numpy()
    rms_B = float(np.sqrt(np.mean((ours_B - vB) ** 2)))
    rms_A = float(np.sqrt(np.mean((ours_A - vA) ** 2)))
    sA = c["A"].spikes.time.to_numpy()
    sB = c["B"].spikes.time.to_numpy()
    print(f"RMS soma A {rms_A:.3g} mV, B {rms_B:.3g} mV; A pre-site spikes ours {sA} NEURON "
          f"{spA}; B soma spikes ours {sB} NEURON {spB}")
    assert len(sA) >= 2, "cell A must spike repeatedly"
    assert len(sB) >= 2, "cell B must spike repeatedly"
    assert rms_A < 0.5 and rms_B < 0.5
    assert len(sA) == len(spA) and np.max(np.abs(sA - spA)) < 0.1
    assert len(sB) == len(spB) and np.max(np.abs(sB - spB)) < 0.1
    # B really is driven by A: its first spike follows A's first presynaptic spike
    assert sB[0] > sA[0] + 1.0
