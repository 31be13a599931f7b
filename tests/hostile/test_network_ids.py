"""Hostile and unusual neuron IDs in point networks: each case asserts the exact correct result
or the specific exception and the culprit its message names.

The policy (connectome_sim.ids): IDs keep their exact int64 / uint64 / str identity from the
edge list to every result table; floats only when exact, never in API arguments; 1 and '1'
never meet; unknown IDs are listed.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import IDError, ParameterError, UnknownIDError
from connectome_sim.network import PointNetwork
from connectome_sim.network.compile import compile_network

BIG = 2 ** 63 + 5                                   # above int64
FW = np.array([720575940660219265, 720575940660219266, 720575940660219267,
               720575940660219268, 720575940660219269, 720575940660219270], np.int64)


def _ring(ids, weight=30):
    """A ring of edges over ``ids`` (pre -> next)."""
    ids = list(ids)
    return pd.DataFrame({"pre": ids, "post": ids[1:] + ids[:1], "weight": weight})


def _lif(ids, **kw):
    return PointNetwork.from_edge_list(_ring(ids), model="LIF", **kw)


# ----------------------------------------------------------------------------- exact results
def test_uint64_pre_int64_post_keep_six_neurons():
    pre = FW.astype(np.uint64)
    post = np.roll(FW, 1)                                         # int64
    net = PointNetwork.from_edge_list(pd.DataFrame({"pre": pre, "post": post, "weight": 1}),
                                      model="LIF")
    assert net.n_neurons == 6 and net.n_edges == 6
    assert sorted(int(i) for i in net.ids) == sorted(int(i) for i in FW)


def test_ids_above_2_63_found_and_kept_exactly():
    ids = np.array([BIG, BIG + 1, BIG + 2], np.uint64)
    net = _lif(ids)
    assert net.ids.dtype == np.uint64 and BIG in net and (BIG + 2) in net
    net.add_poisson_input([BIG], rate=200.0)
    net.add_voltage_record(np.uint64(BIG + 1))
    sp = net.run_simulation(100, seed=1)
    assert sp.neuron_id.dtype == np.uint64 and int(sp.neuron_id.iloc[0]) == BIG
    assert list(net.records["v"].columns) == [BIG + 1]
    assert (net.firing_rates().index.to_numpy() == ids).all()


def test_flywire_ids_exact_through_spikes_rates_and_records():
    net = _lif(FW)
    net.add_poisson_input(FW[:2], rate=150.0)
    net.add_voltage_record(FW[3])
    sp = net.run_simulation(200, seed=2)
    assert sp.neuron_id.dtype == np.int64 and set(sp.neuron_id) <= set(FW.tolist())
    assert FW[0] in set(sp.neuron_id)
    assert net.records["v"].columns[0] == FW[3]


def test_exact_float_columns_become_integers():
    e = pd.DataFrame({"pre": [1.0, 2.0, 3.0], "post": [2.0, 3.0, 1.0], "weight": 1})
    net = PointNetwork.from_edge_list(e, model="LIF")
    assert net.ids.dtype == np.int64 and net.ids.tolist() == [1, 2, 3]


def test_string_ids_and_labels():
    net = _lif(["AVAL", "AVAR", "PLML"], labels={"AVAL": "AVA", "AVAR": "AVA"})
    assert net.labels.to_dict() == {"AVAL": "AVA", "AVAR": "AVA", "PLML": "PLML"}


def test_mixed_width_integer_columns_one_id_space():
    e = pd.DataFrame({"pre": np.array([5, 6], np.int32), "post": np.array([6, 5], np.uint16),
                      "weight": 1})
    net = PointNetwork.from_edge_list(e, model="LIF")
    assert net.ids.tolist() == [5, 6]


def test_numpy_integer_scalar_ids_accepted():
    net = _lif(FW)
    net.silence(np.int64(FW[1]))
    net.add_current(FW[2], 0.1)
    assert net._silenced.sum() == 1


def test_spikes_streamed_keep_uint64(tmp_path):
    ids = np.array([BIG, BIG + 1, BIG + 2], np.uint64)
    net = _lif(ids)
    net.add_poisson_input([BIG], rate=200.0)
    path = net.run_simulation(50, seed=1, spikes_to=tmp_path / "s.parquet", chunk=20)
    sp = pd.read_parquet(path)
    assert sp.neuron_id.dtype == np.uint64 and int(sp.neuron_id.iloc[0]) == BIG


def test_negative_integer_ids_are_ids():
    net = _lif([-3, -2, 7])
    assert -3 in net and net.ids.tolist() == [-3, -2, 7]


def test_add_neurons_int64_then_uint64_above_2_63():
    net = PointNetwork("LIF")
    net.add_neurons([1, 2])
    net.add_neurons([BIG])
    assert net.ids.dtype == np.uint64 and BIG in net and 1 in net


# ----------------------------------------------------------------------------- refusals
E = pd.DataFrame({"pre": [1, 2], "post": [2, 1], "weight": 1})

EDGE_CASES = [
    ("float_inexact", {"pre": [1.5, 2.0], "post": [2.0, 1.0]}, IDError, r"not whole numbers.*1\.5"),
    ("float_big", {"pre": [7.205759406602193e17, 2.0], "post": [2.0, 1.0]}, IDError,
     r"above 2\*\*53.*in a file write them without a decimal part.*dtype='int64'"),
    ("float_nan", {"pre": [np.nan, 2.0], "post": [2.0, 1.0]}, IDError, r"NaN"),
    ("float_inf", {"pre": [np.inf, 2.0], "post": [2.0, 1.0]}, IDError, r"infinite"),
    ("mixed_str_int_column", {"pre": np.array([1, "1"], object), "post": np.array([2, 3], object)},
     IDError, r"mixes strings"),
    ("str_pre_int_post", {"pre": ["1", "2"], "post": [2, 1]}, IDError,
     r"strings and some integers"),
    ("bool_ids", {"pre": [True, False], "post": [False, True]}, IDError, r"booleans"),
    ("none_ids", {"pre": np.array([None, "a"], object), "post": ["a", "b"]}, IDError,
     r"missing values"),
    ("negative_beside_big", {"pre": np.array([BIG, 1], np.uint64), "post": np.array([-1, 1])},
     IDError, r"negative IDs beside IDs above 2\*\*63"),
    ("object_floats", {"pre": np.array([1.25, 2], object), "post": np.array([2, 1], object)},
     IDError, r"1\.25"),
]


@pytest.mark.parametrize("name,cols,exc,rx", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_list_id_columns_refused(name, cols, exc, rx):
    e = pd.DataFrame({**cols, "weight": [1, 1]})
    with pytest.raises(exc, match=rx):
        PointNetwork.from_edge_list(e, model="LIF")


def _net():
    return _lif(FW)


def _strnet():
    return _lif(["a", "b", "1"])


API_CASES = [
    ("poisson_float", lambda n: n.add_poisson_input([7.205759406602192e17], rate=10), IDError,
     r"add_poisson_input\(ids\).*floats"),
    ("poisson_float_scalar", lambda n: n.add_poisson_input(720575940660219265.0, rate=10),
     IDError, r"floats"),
    ("silence_float", lambda n: n.silence(7.205759406602192e17), IDError, r"silence\(ids\)"),
    ("silence_float_array", lambda n: n.silence(FW.astype(float)), IDError, r"silence\(ids\)"),
    ("current_float", lambda n: n.add_current([float(FW[0])], 0.1), IDError,
     r"add_current\(ids\)"),
    ("record_float", lambda n: n.add_voltage_record(20.5), IDError,
     r"add_voltage_record\(ids\)"),
    ("record_bool", lambda n: n.add_voltage_record(True), IDError, r"booleans"),
    ("stimulus_float", lambda n: n.add_stimulus([1.0], start=0, stop=10, frequency=5), IDError,
     r"add_stimulus\(ids\)"),
    ("spike_times_float", lambda n: n.add_spike_times(2.0, [1.0]), IDError,
     r"add_spike_times\(ids\)"),
    ("set_params_float", lambda n: n.set_params(1.0, v_th=-40), IDError,
     r"set_params\(ids\)"),
    ("set_model_float", lambda n: n.set_model([1.0], "AdEx"), IDError, r"set_model\(ids\)"),
    ("connect_float_source", lambda n: n.connect(1.0, FW[0], 1.0), IDError,
     r"connect\(source\)"),
    ("connect_float_target", lambda n: n.connect(FW[0], 2.5, 1.0), IDError,
     r"connect\(target\)"),
    ("unknown_int", lambda n: n.add_poisson_input([FW[0], 12345], rate=10), UnknownIDError,
     r"12345"),
    ("unknown_several", lambda n: n.silence([11, 12, 13]), UnknownIDError, r"3 ID\(s\).*11"),
    ("string_for_int_net", lambda n: n.silence(str(FW[0])), IDError,
     r"IDs of the network are integers"),
    ("big_not_in_int_net", lambda n: n.silence(np.uint64(BIG)), UnknownIDError, str(BIG)),
    ("neighbour_not_hit", lambda n: n.add_current(int(FW[0]) + 100, 0.1), UnknownIDError,
     str(int(FW[0]) + 100)),
    ("mixed_list", lambda n: n.silence([int(FW[0]), "x"]), IDError, r"mixes strings"),
    ("rates_subset_unknown", lambda n: (n.run_simulation(5), n.firing_rates(subset=[99]))[1],
     UnknownIDError, r"99"),
    ("add_neurons_str_to_int", lambda n: n.add_neurons(["a"]), IDError, r"strings"),
    ("add_neurons_existing", lambda n: n.add_neurons([FW[0]]), IDError, r"already in the"),
    ("add_neurons_duplicates", lambda n: n.add_neurons([5, 5]), IDError, r"duplicate IDs"),
    ("add_neurons_float", lambda n: n.add_neurons([3.0]), IDError, r"floats"),
    ("labels_unknown", lambda n: n.set_labels({42: "x"}), UnknownIDError, r"42"),
    ("get_params_unknown", lambda n: n.get_params([7]), UnknownIDError, r"\b7\b"),
]


@pytest.mark.parametrize("name,call,exc,rx", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_ids_refused(name, call, exc, rx):
    net = _net()
    with pytest.raises(exc, match=rx):
        call(net)


STR_CASES = [
    ("int_for_str_net", lambda n: n.silence(1), IDError, r"IDs of the network are strings"),
    ("int_1_vs_str_1", lambda n: n.add_current(1, 0.1), IDError, r"strings"),
    ("unknown_str", lambda n: n.add_voltage_record(["a", "zz"]), UnknownIDError, r"zz"),
    ("bytes_ok", lambda n: n.add_voltage_record(np.array([b"a"])), None, None),
    ("add_empty_string", lambda n: n.add_neurons(""), IDError,
     r"add_neurons\(ids\): 1 ID\(s\) are empty or blank strings"),
    ("add_blank_in_list", lambda n: n.add_neurons(["c", " "]), IDError,
     r"add_neurons\(ids\): 1 ID\(s\) are empty or blank strings \(at position\(s\) \[1\]"),
    ("add_empty_bytes", lambda n: n.add_neurons(np.array([b"d", b""])), IDError,
     r"empty or blank strings"),
    ("stimulate_empty", lambda n: n.add_poisson_input([""], rate=10), IDError,
     r"add_poisson_input\(ids\): 1 ID\(s\) are empty"),
]


@pytest.mark.parametrize("name,call,exc,rx", STR_CASES, ids=[c[0] for c in STR_CASES])
def test_string_network_ids(name, call, exc, rx):
    net = _strnet()
    if exc is None:
        call(net)
        assert net._record_rows == [int(np.flatnonzero(net.ids == "a")[0])]
        return
    with pytest.raises(exc, match=rx):
        call(net)


def test_one_and_string_one_are_not_merged():
    e = pd.DataFrame({"pre": ["1", "2"], "post": ["2", "1"], "weight": 1})
    net = PointNetwork.from_edge_list(e, model="LIF")
    assert "1" in net and 1 not in net


def test_model_mapping_by_neuron_table_with_exact_ids():
    e = pd.DataFrame({"pre": FW[:3], "post": FW[1:4], "weight": 2})
    table = pd.DataFrame({"kind": ["spiking", "graded", "spiking", "graded"]},
                         index=pd.Index(FW[:4]))
    net = PointNetwork.from_edge_list(e, model={"spiking": "LIF", "graded": "graded"},
                                      neurons=table, model_by="kind")
    assert net.models.loc[FW[1]] == "graded" and net.models.loc[FW[2]] == "LIF"
    with pytest.raises(ParameterError, match=r"no model for neuron\(s\)"):
        PointNetwork.from_edge_list(e, model={"spiking": "LIF"}, neurons=table, model_by="kind")


def test_gap_junction_listed_both_ways_counted_once():
    e = pd.DataFrame({"pre": ["a", "b"], "post": ["b", "a"], "weight": [4, 4],
                      "type": "electrical"})
    net = PointNetwork.from_edge_list(e, model="LIF", gap_weight=0.001)
    gp = compile_network(net).groups[0].gp
    assert np.allclose(gp[2], [0.004, 0.004])      # one junction of 4 x 0.001 µS, both rows
