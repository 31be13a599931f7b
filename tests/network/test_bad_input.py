"""Bad input gives clear errors (connectome_sim.errors classes)."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError, SimulationError, StabilityError, UnknownIDError
from connectome_sim.network import PointNetwork
from connectome_sim.network.compile import compile_network


def _edges():
    return pd.DataFrame({"source": ["A", "B", "A"], "target": ["C", "C", "C"],
                         "weight": [0.5, -1.0, 0.25]})


def test_unknown_model():
    with pytest.raises(ParameterError, match="IntFire3"):
        PointNetwork.from_edge_list(_edges(), model="IntFire3")


def test_missing_columns():
    with pytest.raises(ParameterError, match="columns"):
        PointNetwork.from_edge_list(_edges(), source_col="pre_id")
    with pytest.raises(ParameterError):
        PointNetwork.from_edge_list(pd.DataFrame({"a": [1], "b": [2]}))


def test_nan_weights():
    e = _edges()
    e.loc[1, "weight"] = np.nan
    with pytest.raises(ParameterError, match="NaN"):
        PointNetwork.from_edge_list(e)


def test_unknown_ids_in_stimulus():
    net = PointNetwork.from_edge_list(_edges())
    with pytest.raises(UnknownIDError) as exc:
        net.add_stimulus(["A", "X", "Y"], start=0, frequency=10, stop=100)
    assert "X" in str(exc.value) and "Y" in str(exc.value)
    assert isinstance(exc.value, KeyError)


def test_dt_larger_than_delay():
    net = PointNetwork.from_edge_list(_edges(), delay=0.5)
    with pytest.raises(StabilityError, match="delay"):
        net.run_simulation(10, dt=1.0)


def test_negative_rate():
    net = PointNetwork.from_edge_list(_edges(), model="LIF")
    with pytest.raises(ParameterError, match="negative"):
        net.add_poisson_input(["A"], rate=-5)


def test_duplicates_sum_or_refuse():
    net = PointNetwork.from_edge_list(_edges())
    indptr, tgt, w, d = net._csr
    assert net.n_edges == 2 and np.isclose(w[indptr[0]], 0.75)  # A->C summed
    with pytest.raises(ParameterError, match="duplicate"):
        PointNetwork.from_edge_list(_edges(), duplicates="raise")


def test_column_autodetect_and_int_ids():
    e = pd.DataFrame({"pre_root_id": np.array([720575940660219265, 720575940660219266]),
                      "post_root_id": np.array([720575940660219266, 720575940660219265]),
                      "syn_count": [3, 4]})
    net = PointNetwork.from_edge_list(e, model="LIF")
    assert net.ids.dtype == np.int64 and 720575940660219265 in net
    shiu = pd.DataFrame({"Presynaptic_ID": [1, 2], "Postsynaptic_ID": [2, 1],
                         "Excitatory x Connectivity": [5, -2]})
    net = PointNetwork.from_edge_list(shiu, model="LIF")
    assert net.n_edges == 2


def test_runaway_intfire4_stopped():
    rng = np.random.default_rng(0)
    n = 100
    src = np.repeat(np.arange(n), 10)
    tgt = rng.integers(0, n, src.size)
    e = pd.DataFrame({"source": src, "target": tgt, "weight": rng.uniform(0.3, 0.6, src.size)})
    net = PointNetwork.from_edge_list(e, model="IntFire4", delay=1.0)
    net.add_stimulus(list(range(10)), start=1, frequency=50, stop=200, randomness=0)
    with pytest.raises(SimulationError, match="max_spikes"):
        net.run_simulation(500, max_spikes=200_000)


def test_read_parquet_and_headerless_csv(tmp_path):
    shiu = pd.DataFrame({"Presynaptic_ID": [1, 2, 2], "Postsynaptic_ID": [2, 1, 3],
                         "Excitatory x Connectivity": [5, -2, 7]})
    p = tmp_path / "conn.parquet"
    shiu.to_parquet(p)
    net = PointNetwork.from_edge_list(p, model="LIF")
    comp = compile_network(net)
    assert net.n_neurons == 3 and np.isclose(comp.w.sum(), 10 * 0.275)
    assert np.all(comp.seg_delay == 1.8)
    c = tmp_path / "edges.csv"
    c.write_text("10,20,3\n20,10,1\n")
    net = PointNetwork.from_edge_list(c)
    assert sorted(net.ids.tolist()) == [10, 20] and net.n_edges == 2


def test_neurotransmitter_signs():
    e = pd.DataFrame({"pre": ["a", "b", "c"], "post": ["b", "c", "a"], "syn_count": [4, 4, 4],
                      "nt": ["ACH", "GABA", "glut"]})
    net = PointNetwork.from_edge_list(e, model="LIF", nt_col="nt",
                                      inhibitory_nt=("gaba", "glut"))
    assert np.allclose(np.sort(compile_network(net).w), [-1.1, -1.1, 1.1])
