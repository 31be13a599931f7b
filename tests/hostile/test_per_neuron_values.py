"""Per-neuron values given as a pandas Series or a dict keyed by neuron ID are matched to the
neurons BY ID (as pandas aligns Series), never by position; a Series whose IDs do not match
the neurons exactly is refused, naming examples, and nothing is half-set."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError
from connectome_sim.network import PointNetwork

E = pd.DataFrame({"pre": ["a", "b", "c"], "post": ["b", "c", "a"], "weight": [3, -2, 4]})
WANT = {"a": -45.0, "b": -50.0, "c": -40.0}           # v_th by ID, listed out of order below
SHUFFLED = pd.Series({"c": -40.0, "a": -45.0, "b": -50.0})


def lif():
    return PointNetwork.from_edge_list(E, model="LIF")


def v_th(net):
    return net.get_params()["v_th"].to_dict()


# ------------------------------------------------------------------ matched by ID
ALIGNED = [
    ("set_params_series", lambda n: n.set_params(["a", "b", "c"], v_th=SHUFFLED)),
    ("set_params_dict", lambda n: n.set_params(["a", "b", "c"], v_th=SHUFFLED.to_dict())),
    ("set_params_all_series", lambda n: n.set_params(v_th=SHUFFLED)),
    ("set_params_ids_reversed", lambda n: n.set_params(["c", "b", "a"], v_th=SHUFFLED)),
    ("set_model_series", lambda n: n.set_model(["a", "b", "c"], "LIF", v_th=SHUFFLED)),
    ("set_model_dict", lambda n: n.set_model(["b", "c", "a"], "LIF", v_th=dict(WANT))),
]


@pytest.mark.parametrize("name,call", ALIGNED, ids=[c[0] for c in ALIGNED])
def test_series_values_are_matched_by_id(name, call):
    net = lif()
    call(net)
    assert v_th(net) == WANT


def test_add_neurons_series_matched_by_id():
    net = PointNetwork("LIF")
    net.add_neurons(["a", "b", "c"], v_th=SHUFFLED)
    assert v_th(net) == WANT


def test_add_neurons_skip_existing_series_matched_by_id():
    net = PointNetwork("LIF")
    net.add_neurons(["b"])
    net.add_neurons(["a", "b", "c"], skip_existing=True, v_th=SHUFFLED)
    assert v_th(net)["a"] == -45.0 and v_th(net)["c"] == -40.0


def test_from_edge_list_series_matched_by_id():
    net = PointNetwork.from_edge_list(E, model="LIF", v_th=SHUFFLED)
    assert v_th(net) == WANT


def test_integer_ids_series_matched_by_id_not_position():
    # a Series indexed by integer IDs 2, 0, 1: by position neuron 0 would get 2's value
    e = pd.DataFrame({"pre": [0, 1, 2], "post": [1, 2, 0], "weight": [1, 1, 1]})
    net = PointNetwork.from_edge_list(e, model="LIF")
    net.set_params([0, 1, 2], v_th=pd.Series([-42.0, -40.0, -41.0], index=[2, 0, 1]))
    assert v_th(net) == {0: -40.0, 1: -41.0, 2: -42.0}


def test_uint64_ids_series_matched_by_id():
    big = [2 ** 63 + 5, 2 ** 63 + 1]
    net = PointNetwork("LIF")
    net.add_neurons(np.array(big, dtype=np.uint64))
    net.set_params(v_th=pd.Series([-41.0, -42.0], index=np.array(big[::-1], dtype=np.uint64)))
    assert v_th(net) == {2 ** 63 + 5: -42.0, 2 ** 63 + 1: -41.0}


INPUTS = [
    ("stimulus_frequency", lambda n, s: n.add_stimulus(["a", "b", "c"], 0.0, s, stop=10.0),
     lambda n: n._stimuli[-1].frequency),
    ("stimulus_weight", lambda n, s: n.add_stimulus(["a", "b", "c"], 0.0, 5.0, stop=10.0,
                                                     weight=s),
     lambda n: n._stimuli[-1].weight),
    ("poisson_rate", lambda n, s: n.add_poisson_input(["a", "b", "c"], s),
     lambda n: n._stimuli[-1].rate),
    ("poisson_weight", lambda n, s: n.add_poisson_input(["a", "b", "c"], 5.0, weight=s),
     lambda n: n._stimuli[-1].weight),
    ("current_amplitude", lambda n, s: n.add_current(["a", "b", "c"], s),
     lambda n: n._currents[-1].amplitude),
]
RATES = pd.Series({"c": 30.0, "a": 10.0, "b": 20.0})


@pytest.mark.parametrize("name,call,got", INPUTS, ids=[c[0] for c in INPUTS])
@pytest.mark.parametrize("kind", ["series", "dict"])
def test_input_values_matched_by_id(name, call, got, kind):
    net = lif()
    call(net, RATES if kind == "series" else RATES.to_dict())
    assert got(net).tolist() == [10.0, 20.0, 30.0]          # neurons a, b, c


# ------------------------------------------------------------------ refused, naming IDs
REFUSED = [
    ("missing_id", pd.Series({"a": -45.0, "b": -50.0}), r"set_params\(v_th\): no value for 1 "
     r"neuron\(s\) \(e\.g\. 'c'\)"),
    ("extra_id", pd.Series({"a": -45.0, "b": -50.0, "c": -40.0, "zz": -1.0}),
     r"set_params\(v_th\): values for 1 ID\(s\) that are not among the neurons given "
     r"\(e\.g\. 'zz'\)"),
    ("dict_missing_id", {"a": -45.0, "c": -40.0}, r"set_params\(v_th\): no value.*'b'"),
    ("duplicate_index", pd.Series([-45.0, -50.0, -40.0], index=["a", "a", "c"]),
     r"set_params\(v_th\): neuron ID\(s\) 'a' appear more than once"),
    ("positional_index_for_string_ids", pd.Series([-45.0, -50.0, -40.0]),
     r"set_params\(v_th\): its index/keys \(0, 1, 2\) are not neuron IDs.*'a'.*"
     r"matched to the neurons by its index"),
    ("string_keys_for_int_ids", None, r"set_params\(v_th\): its index/keys \('0', '1', '2'\)"),
]


@pytest.mark.parametrize("name,values,rx", REFUSED, ids=[c[0] for c in REFUSED])
def test_mismatched_series_refused_naming_ids(name, values, rx):
    if values is None:
        net = PointNetwork.from_edge_list(
            pd.DataFrame({"pre": [0, 1], "post": [1, 2], "weight": [1, 1]}), model="LIF")
        values = {"0": -45.0, "1": -50.0, "2": -40.0}
    else:
        net = lif()
    before = v_th(net)
    with pytest.raises(ParameterError, match=rx):
        net.set_params(v_th=values)
    assert v_th(net) == before                                # nothing half-set


def test_subset_series_for_subset_of_neurons():
    net = lif()
    with pytest.raises(ParameterError, match=r"set_params\(v_th\): values for 1 ID.*'c'"):
        net.set_params(["a", "b"], v_th=SHUFFLED)
    net.set_params(["a", "b"], v_th=SHUFFLED[["a", "b"]])
    assert v_th(net)["a"] == -45.0 and v_th(net)["b"] == -50.0


INPUT_REFUSED = [
    ("stimulus_frequency", lambda n, s: n.add_stimulus(["a", "b"], 0.0, s, stop=10.0),
     r"add_stimulus\(frequency\): values for 1 ID.*'c'"),
    ("current_amplitude", lambda n, s: n.add_current(["a", "b"], s),
     r"add_current\(amplitude\): values for 1 ID.*'c'"),
    ("poisson_rate_missing", lambda n, s: n.add_poisson_input(["a", "b", "c", "d"], s),
     r"add_poisson_input\(rate\): no value for 1 neuron.*'d'"),
    ("from_edge_list", lambda n, s: PointNetwork.from_edge_list(E, model="LIF", v_th=s[:2]),
     r"from_edge_list\(v_th\): no value for 1 neuron"),
    ("add_neurons", lambda n, s: n.add_neurons(["x", "y"], v_th=s),
     r"add_neurons\(v_th\): no value for 2 neuron.*'x', 'y'"),
]


@pytest.mark.parametrize("name,call,rx", INPUT_REFUSED, ids=[c[0] for c in INPUT_REFUSED])
def test_mismatched_input_series_refused(name, call, rx):
    net = lif()
    if "missing" in name:
        net.add_neurons(["d"])
    with pytest.raises(ParameterError, match=rx):
        call(net, RATES)
    assert not net._stimuli and not net._currents


@pytest.mark.parametrize("kind", ["series", "dict"])
def test_set_labels_keyed_by_id(kind):
    lab = pd.Series({"b": "B", "a": "A"})
    net = lif()
    net.set_labels(lab if kind == "series" else lab.to_dict())
    assert net.labels.to_dict() == {"a": "A", "b": "B", "c": "c"}
