"""Circuit wiring: synapse-table sites (nodes, connectors, snapped coordinates), signs, delays,
errors, graded release, drives, and thread-count independence."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable.circuit import Circuit
from connectome_sim.errors import ParameterError, SkeletonError, UnknownIDError


def _line(n=21, length=200.0, y=0.0):
    return pd.DataFrame({"node_id": np.arange(1, n + 1), "parent_id": np.r_[-1, np.arange(1, n)],
                         "x": np.linspace(0, length, n), "y": y, "z": 0.0, "radius": 0.5})


@pytest.fixture
def circuit():
    c = Circuit({"a": _line(), "b": _line(y=30.0)}, res=10.0, units="um")
    c.insert("pas", g=1e-4, e=-65)
    return c


def test_sites_and_snapping(circuit):
    c = circuit
    tab = pd.DataFrame({"pre": ["a", "a"], "post": ["b", "b"],
                        "pre_x": [0.4, 100.2], "pre_y": [0.3, 0.0], "pre_z": [0.0, 0.5],
                        "post_node": [21, 11], "weight": [0.01, 0.02], "nt": ["ACh", "gaba"]})
    syn = c.connect_synapses(tab)
    assert syn.pre_node.tolist() == [1, 11]
    np.testing.assert_allclose(syn.pre_snap, [0.5, np.hypot(0.2, 0.5)], rtol=1e-12)
    assert syn.sign.tolist() == [1, -1] and syn.e.tolist() == [0.0, -80.0]
    with pytest.raises(SkeletonError, match="farther than max_snap"):
        c.connect_synapses(tab.assign(pre_y=[50.0, 0.0]))
    with pytest.raises(UnknownIDError, match="not nodes of neuron"):
        c.connect_synapses(tab.drop(columns=["pre_x", "pre_y", "pre_z"]).assign(pre_node=[1, 999]))
    with pytest.raises(UnknownIDError, match="not in the circuit"):
        c.connect_synapses(tab.assign(post=["b", "zz"]))
    with pytest.raises(ParameterError, match="unknown neurotransmitter"):
        c.connect_synapses(tab.assign(nt=["ACh", "glycine?"]))
    with pytest.raises(ParameterError, match="no presynaptic site|no pre"):
        c.connect_synapses(pd.DataFrame({"pre": ["a"], "post": ["b"], "post_node": [1],
                                         "weight": [0.1]}))


def test_delay_from_path_length(circuit):
    tab = pd.DataFrame({"pre": ["a"], "post": ["b"], "pre_node": [21], "post_node": [1],
                        "weight": [0.01]})
    syn = circuit.connect_synapses(tab, delay=0.5, velocity=1.0, detect="root")
    # 200 µm at 1 m/s = 0.2 ms, plus 0.5 ms synaptic delay; detection at the root (node 1)
    assert syn.delay.iloc[0] == pytest.approx(0.7)
    assert syn.detect_node.iloc[0] == 1


def _driven(parallel=False, graded=False, seed=5):
    c = Circuit({"a": _line(), "b": _line(y=30.0)}, res=10.0, units="um")
    c.insert("pas", g=1e-4, e=-65)
    c["a"].inject_current_pulse(1, start=2.0, duration=20.0, current=0.05)
    tab = pd.DataFrame({"pre": "a", "post": "b", "pre_node": [11, 21], "post_node": [5, 21],
                        "weight": 0.005})
    c.connect_synapses(tab, release="graded" if graded else "spike", threshold=-60.0,
                       v_half=-55.0, slope=2.0)
    c.add_poisson_drive("bg", rate=200.0, location={"b": [1, 11]}, weights_ampa=0.001,
                        seed=seed)
    c["b"].add_voltage_record([1, 21])
    c.run_simulation(30.0, v_init=-65, n_trials=2, seed=seed, parallel=parallel)
    return c


def test_spike_and_graded_release_and_drives():
    c = _driven()
    v = c["b"].records["v"]
    assert v.index.names == ["trial", "time"]
    # the drive differs between trials (per-trial streams), and B is depolarised by A
    assert not np.allclose(v.xs(0, level="trial"), v.xs(1, level="trial"))
    assert (c.spikes.label == "netcon").any()
    g = _driven(graded=True)
    vb = g["b"].records["v"].xs(0, level="trial")[21]
    assert vb.max() > -65 + 0.05
    # same seed -> same result
    again = _driven()
    pd.testing.assert_frame_equal(again["b"].records["v"], v)


def test_parallel_equals_serial():
    a = _driven(parallel=False)
    b = _driven(parallel=True)
    np.testing.assert_array_equal(a["b"].records["v"].to_numpy(), b["b"].records["v"].to_numpy())
    np.testing.assert_array_equal(a.dipole.to_numpy(), b.dipole.to_numpy())


def test_plots(circuit):
    c = _driven()
    fig = c.plot_dipole()
    assert len(fig.data) == 3
    fig3d = c.plot_3d()
    assert len(fig3d.data) >= 1
