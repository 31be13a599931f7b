"""CompartmentModel on a small branched skeleton against a hand-built NEURON twin.

The tree has a root with three children (root junction), a branch point mid-branch
(x=1 junctions), hh everywhere, and every stimulus type: IClamp, AlphaSynapse, an Exp2Syn driven
by a spike detector on another branch (NetCon with delay), an ExpSyn driven by fixed spike
times.  Backward Euler and Crank–Nicolson; voltage, gate and synaptic-current records.
"""

import numpy as np
import pandas as pd
import pytest

import neuron  # noqa: F401  (oracle: installed by the test extra)

from connectome_sim.cable import CompartmentModel  # noqa: E402

from nrn_reference import inject_trains, neuron_model, run_neuron  # noqa: E402


def y_tree():
    """Node table (µm): root 1 with branches A (+x, 'axon'), B (+y), C (-x); D off node 4."""
    rows = [(1, -1, 0, 0, 0, 6.0)]
    rows += [(2 + k, 1 + k, 8.0 * (k + 1), 0, 0, 1.0) for k in range(6)]        # A: 2..7
    rows += [(8, 1, 0, 9, 0, 0.8)] + [(9 + k, 8 + k, 0, 9.0 * (k + 2), 0, 0.8 - 0.1 * k)
                                      for k in range(4)]                       # B: 8..12
    rows += [(13, 1, -7, 0, 0, 0.5), (14, 13, -15, 0, 0, 0.5)]                  # C
    rows += [(15 + k, 15 + k - 1 if k else 4, 24, 0, 6.0 * (k + 1), 0.4) for k in range(5)]
    df = pd.DataFrame(rows, columns=["node_id", "parent_id", "x", "y", "z", "radius"])
    df["compartment"] = np.where(df.node_id.between(2, 7), "axon", "dendrite")
    return df


def build(method_note=""):
    m = CompartmentModel(y_tree(), res=5, float32_pt3d=True)  # NEURON stores pt3d as float
    m.Ra = 150.0
    m.set_cm(1.3, subset=[9, 10])
    m.insert("pas", g=2e-4, e=-65)
    m.insert("hh", gkbar=0.03)
    m.insert("hh", subset="axon", gnabar=0.2)
    m.add_voltage_record([1, 7, 12, 19], label="v")
    m.add_state_record([7, 12], "m", "hh")
    m.inject_current_pulse(1, start=2, duration=3, current=0.6)
    m.add_synaptic_current(12, start=30, tau=1.0, rev_pot=0, max_syn_cond=0.02)
    m.connect(7, [12, 14], syn_tau1=0.3, syn_tau2=4, syn_rev_pot=-80, cn_thresh=0,
              cn_delay=2.5, cn_weight=0.01)
    syn = m.add_synapse(19, "ExpSyn", tau=2.0, e=0.0)
    m.drive_synapses(np.array([40.0, 41.3, 55.55]), syn, weight=0.02, delay=0.0)
    m.add_current_record([12, 19], label="syn")
    m.add_spike_detector(7, threshold=0, label="A")
    m.add_spike_detector(19, threshold=0, label="D")
    return m


@pytest.mark.parametrize("method,tables", [("be", False), ("cn", False), ("be", True)])
def test_branched_tree_matches_neuron(method, tables):
    """Exact hh rates vs NEURON usetable_hh=0; our rate tables vs NEURON's (usetable_hh=1)."""
    m = build()
    assert m.geometry.is_junction[0]  # the root joins three sections
    m.run_simulation(80, v_init=-65, method=method, celsius=10, usetable_hh=tables)
    with neuron_model(m) as ref:
        inject_trains(ref, m, m.presynaptic_trains[0])
        t, v, spikes = run_neuron(ref, 80, -65.0, secondorder=2 if method == "cn" else 0,
                                  celsius=10, usetable_hh=int(tables))
        states = {k: np.array(x) for k, x in ref["srec"].items()}
        currents = {k: np.array(x) for k, x in ref["irec"].items()}
        # n_segments counts what NEURON calls segments (its total nseg)
        assert m.n_segments == sum(sec.nseg for sec in ref["secs"]) < m.n_compartments
    for lab, trace in v.items():
        assert np.abs(m.records["v"][lab].to_numpy() - trace).max() < 1e-6, lab
    for (q, lab), trace in states.items():
        assert np.abs(m.records[q][lab].to_numpy() - trace).max() < 1e-8, lab
    for lab, trace in currents.items():
        assert np.abs(m.records["i"][lab].to_numpy() - trace).max() < 1e-8, lab
    for q, lab in enumerate(["A", "D"]):
        ours = m.spikes.loc[m.spikes.label == lab, "time"].to_numpy()
        assert len(ours) == len(spikes[q]) > 0, lab
        assert np.abs(ours - spikes[q]).max() < 1e-6
    # the detector-driven synapses fired: current flows at node 12 after A's first spike
    assert np.abs(m.records["i"]["syn:12"]).max() > 1e-4
