"""PointNetwork API: results tables, records, determinism, sleeping neurons, gap junctions."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from connectome_sim.datasets import load_celegans
from connectome_sim.errors import ParameterError
from connectome_sim.network import PointNetwork
from connectome_sim.network.models.lif import LIF


def _lif_net():
    edges = load_celegans(kind="chemical")
    net = PointNetwork.from_edge_list(edges, model="LIF", type_col=None)
    return net


def test_results_tables_and_records():
    net = _lif_net()
    net.add_poisson_input(["AVAL", "AVAR", "ASHL"], rate=100.0)
    net.add_voltage_record(["AVAL", "RIML"])
    sp = net.run_simulation(200, seed=3, n_trials=3)
    assert list(sp.columns) == ["trial", "neuron_id", "time"]
    assert set(sp.trial) == {0, 1, 2}
    v = net.records["v"]
    assert isinstance(v.columns, pd.MultiIndex) and v.shape == (2000, 6)
    assert v.index[1] == pytest.approx(0.1)
    fr = net.firing_rates()
    assert list(fr.columns) == ["mean", "sd"] and fr.loc["AVAL", "mean"] > 10
    counts = net.get_spike_counts(bin_size=50)
    assert counts.shape == (net.n_neurons, 4)
    tot = net.get_spike_counts(bin_size=None).sum().sum()
    assert tot == pytest.approx(len(sp) / 3)


def test_deterministic_and_trials_independent():
    net = _lif_net()
    net.add_poisson_input(["AVAL", "ASHL"], rate=80.0)
    a = net.run_simulation(200, seed=7, n_trials=2).copy()
    b = net.run_simulation(200, seed=7, n_trials=2).copy()
    pd.testing.assert_frame_equal(a, b)
    t0 = a[a.trial == 0].reset_index(drop=True)
    t1 = a[a.trial == 1].reset_index(drop=True)
    assert not t0[["neuron_id", "time"]].equals(t1[["neuron_id", "time"]])
    c = net.run_simulation(200, seed=7, n_trials=1)
    pd.testing.assert_frame_equal(c, t0)


def test_sleeping_neurons_are_exact(monkeypatch):
    net = _lif_net()
    net.add_poisson_input(["AVAL", "AVAR", "ASHL", "PVCL"], rate=150.0)
    a = net.run_simulation(300, seed=1).copy()
    monkeypatch.setattr(LIF, "supports_sleep", False)
    b = net.run_simulation(300, seed=1).copy()
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, b)


def test_gap_junctions_couple_voltages():
    net = PointNetwork("LIF")
    net.add_neurons(["a", "b", "c"])
    net.connect("a", "b", 0.01, type="electrical")   # 0.01 µS
    net.add_current("a", 0.05, start=10, stop=100)   # nA
    net.add_voltage_record(["a", "b", "c"])
    net.run_simulation(100)
    v = net.records["v"]
    assert v["a"].iloc[-1] > v["b"].iloc[-1] > -52.0 + 0.01
    assert v["c"].iloc[-1] == -52.0
    edges = load_celegans()
    net = PointNetwork.from_edge_list(edges, model="LIF")
    from connectome_sim.network.compile import compile_network
    assert compile_network(net).groups[0].gp[1].size > 0


def test_from_networkx():
    G = nx.DiGraph()
    G.add_node("x", v_th=-50.0, kind="sensory")
    G.add_node("y", kind="inter")
    G.add_edge("x", "y", weight=30.0)
    net = PointNetwork.from_networkx(G, model="LIF", label="kind")
    assert net.labels.to_dict() == {"x": "sensory", "y": "inter"}
    assert net.get_params()["v_th"].tolist() == [-50.0, -45.0]
    net.add_stimulus("x", start=5, stop=50, frequency=100, randomness=0)
    sp = net.run_simulation(60)
    assert (sp.neuron_id == "y").any()


def test_silence_keeps_spikes_but_no_effect():
    net = PointNetwork("LIF")
    net.add_neurons(["x", "y"])
    net.connect("x", "y", 30.0)
    net.add_stimulus("x", start=5, stop=50, frequency=100, randomness=0)
    net.silence("x")
    sp = net.run_simulation(60)
    assert (sp.neuron_id == "x").any() and not (sp.neuron_id == "y").any()


def test_add_current_default_stop_runs_to_the_end():
    """Regression: the default ``stop=np.inf`` raised OverflowError in Current.segments."""
    def run(**kw):
        net = PointNetwork("LIF")
        net.add_neurons(["a"])
        net.add_current("a", 0.5, start=10, **kw)     # nA
        net.add_voltage_record("a")
        sp = net.run_simulation(100)
        return sp.copy(), net.records["v"].copy()
    sp_inf, v_inf = run()                       # stop defaults to np.inf
    sp_end, v_end = run(stop=100.0)
    sp_big, _ = run(stop=1e300)                 # huge finite stop: no overflow either
    assert len(sp_inf) > 0
    pd.testing.assert_frame_equal(sp_inf, sp_end)
    pd.testing.assert_frame_equal(v_inf, v_end)
    pd.testing.assert_frame_equal(sp_inf, sp_big)
    assert v_inf["a"].iloc[:100].eq(-52.0).all()   # nothing before start=10 ms


def test_one_neuron_api_first_add_neurons_sets_the_model():
    """Issue 5's documented one-neuron experiment on an empty PointNetwork()."""
    net = PointNetwork()
    net.add_neurons(["a"], model="HH")
    assert net.model.name == "HH"
    net.add_current("a", amplitude=10, start=100, stop=600)   # µA/cm², the seed's unit
    net.add_voltage_record("a")
    net.run_simulation(700)
    v = net.records["v"]["a"]
    sp = net.spikes
    assert len(sp) > 10 and set(sp.neuron_id) == {"a"}
    assert sp.time.min() > 100 and sp.time.max() < 610        # only while the step is on
    assert v.loc[50:99].std() < 0.1 and v.max() > 20          # rest before, APs during
    # a different model beside it is fine now (mixed networks)
    net.add_neurons(["b"], model="LIF")
    assert net.models.to_dict() == {"a": "HH", "b": "LIF"}
