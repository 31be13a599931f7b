"""Hostile inputs at the seams between the parts: files read by one module and simulated by
another, results of one run read by another method, keywords that pass through several layers.

Each case asserts the specific exception and the culprit named in its message, or the exact
correct result (values written here from the data's definition).
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cli import main
from connectome_sim.errors import IDError, ParameterError, UnknownIDError
from connectome_sim.io.edges import load_edge_list, read_neuron_table
from connectome_sim.network import PointNetwork

from hostile_files import fails, write


# ------------------------------------------------------------------ edge-list text files
# hand-written CSVs put a space after each comma; 'AVAL' and ' AVAL' are one neuron
TEXT_FILES = [
    ("space_after_comma", "pre, post, weight\nAVAL, AVAR, 3\nAVAR, AVAL, 2\n",
     ["AVAL", "AVAR"], [("AVAL", "AVAR", 3.0), ("AVAR", "AVAL", 2.0)]),
    ("space_before_comma", "pre ,post ,weight\nAVAL ,AVAR ,3\nAVAR ,AVAL ,2\n",
     ["AVAL", "AVAR"], [("AVAL", "AVAR", 3.0), ("AVAR", "AVAL", 2.0)]),
    ("hash_inside_id", "pre,post,weight\nA#1,B,3\nB,A#1,2\n",
     ["A#1", "B"], [("A#1", "B", 3.0), ("B", "A#1", 2.0)]),
    ("hash_ids_two_columns", "pre,post\nn#1,m\nn#2,m\n",
     ["m", "n#1", "n#2"], [("n#1", "m", 1.0), ("n#2", "m", 1.0)]),
    ("leading_comment_lines", "# exported 2024\n# by hand\npre,post,weight\nA,B,3\n",
     ["A", "B"], [("A", "B", 3.0)]),
    ("comment_then_decimal_ids", "# ids as decimals\npre,post,weight\n1.0,2.0,3\n2.0,1.0,4\n",
     [1, 2], [(1, 2, 3.0), (2, 1, 4.0)]),
]


@pytest.mark.parametrize("name,text,ids,edges", TEXT_FILES, ids=[c[0] for c in TEXT_FILES])
def test_edge_text_files_keep_ids(tmp_path, name, text, ids, edges):
    p = write(tmp_path, f"{name}.csv", text)
    net = PointNetwork.from_edge_list(p, model="LIF", weight_scale=1.0)
    assert net.ids.tolist() == ids
    el = load_edge_list(p, weight_col=False) if "weight" not in text else load_edge_list(p)
    got = sorted(zip(el.source.tolist(), el.target.tolist(), el.weight.tolist()))
    assert got == sorted(edges)


def test_neuron_table_with_spaces_and_comments_matches_edges(tmp_path):
    p = write(tmp_path, "n.csv", "# cell types\nneuron_id, cell_type\nAVAL , AVA\nAVAR, AVA\n")
    t = read_neuron_table(p)
    assert t.index.tolist() == ["AVAL", "AVAR"]
    assert t["cell_type"].tolist() == ["AVA", "AVA"]


def test_cli_space_after_comma_is_one_neuron(tmp_path, capsys):
    p = write(tmp_path, "e.csv", "pre, post, weight\nAVAL, AVAR, 40\nAVAR, AVAL, 20\n")
    assert main(["network", str(p), "--stimulate", "AVAL", "--duration", "20", "--trials", "1",
                 "--out", str(tmp_path / "o")]) == 0
    rates = pd.read_csv(tmp_path / "o" / "rates.csv", index_col=0)
    assert sorted(rates.index) == ["AVAL", "AVAR"]


# ------------------------------------------------------------------ signed weights + signs
SIGN_CLASH = [
    ("sign_col_plus_on_negative_weight",
     dict(weight=[-3.0, 2.0], sign=[1, 1]), {}, r"'weight'.*sign column 'sign'.*rows \[0\]"
     r".*sign_col=False"),
    ("nt_ach_on_negative_weight",
     dict(weight=[-3.0, 2.0], nt_type=["ACH", "ACH"]), {},
     r"'weight'.*transmitter column 'nt_type'.*rows \[0\].*nt_col=False"),
    ("nt_gaba_on_positive_weight_beside_negatives",
     dict(weight=[-3.0, 2.0], nt_type=["GABA", "GABA"]), {}, r"rows \[1\]"),
]


@pytest.mark.parametrize("name,cols,kw,rx", SIGN_CLASH, ids=[c[0] for c in SIGN_CLASH])
def test_signed_weights_that_contradict_the_sign_column(name, cols, kw, rx):
    e = pd.DataFrame({"pre": [1, 2], "post": [2, 1], **cols})
    with pytest.raises(ParameterError, match=rx):
        load_edge_list(e, **kw)


SIGN_AGREE = [
    # (columns, keyword arguments, signed weights expected)
    (dict(weight=[-3.0, 2.0], sign=[-1, 1]), {}, [-3.0, 2.0]),        # no double negation
    (dict(weight=[-3.0, 2.0], nt_type=["GABA", "ACH"]), {}, [-3.0, 2.0]),
    (dict(weight=[3.0, 2.0], sign=[-1, 1]), {}, [-3.0, 2.0]),           # counts + signs
    (dict(weight=[-3.0, 2.0], sign=[1, 1]), dict(sign_col=False), [-3.0, 2.0]),
    (dict(weight=[0.0, -2.0], sign=[1, -1]), {}, [0.0, -2.0]),          # zero has no sign
]


@pytest.mark.parametrize("cols,kw,expect", SIGN_AGREE)
def test_signed_weights_that_agree(cols, kw, expect):
    e = pd.DataFrame({"pre": [1, 2], "post": [2, 1], **cols})
    assert load_edge_list(e, **kw).weight.tolist() == expect


def test_cli_sign_clash_names_no_signs_flag(tmp_path, capsys):
    p = write(tmp_path, "e.csv", "pre,post,weight,sign\nA,B,-3,1\nB,A,2,1\n")
    fails(["network", str(p), "--quiet", "--out", str(tmp_path / "o")], capsys,
          r"sign column 'sign'.*--no-signs")


# ------------------------------------------------------------------ network conversion factors
E3 = pd.DataFrame({"pre": ["a", "b", "c"], "post": ["b", "c", "a"], "weight": [3, -2, 4]})

FACTORS = [
    ("weight_scale_bool", dict(weight_scale=True), r"weight_scale must be a number"),
    ("weight_scale_negative", dict(weight_scale=-1), r"weight_scale must be >= 0.*signs"),
    ("weight_scale_key_typo", dict(model="LIF", weight_scale={"lif": 5}), r"key 'lif' names no"),
    ("weight_scale_pair_typo", dict(model="LIF", weight_scale={("LIF", "Graded"): 5}),
     r"key \('LIF', 'Graded'\) names no"),
    ("weight_scale_key_number", dict(model="LIF", weight_scale={1: 5}), r"key 1 names no"),
    ("weight_scale_value_nan", dict(model="LIF", weight_scale={"LIF": np.nan}),
     r"weight_scale\['LIF'\]=nan"),
    ("weight_scale_value_negative", dict(model="LIF", weight_scale={"LIF": -2}),
     r"weight_scale\['LIF'\]=-2.*>= 0"),
    ("weight_scale_value_text", dict(model="LIF", weight_scale={"LIF": "big"}),
     r"weight_scale\['LIF'\]='big'"),
    ("g_syn_nan", dict(g_syn=np.nan), r"g_syn=nan"),
    ("g_syn_negative", dict(g_syn=-100), r"g_syn=-100.*>= 0"),
    ("g_gap_text", dict(g_gap="x"), r"g_gap='x'"),
    ("g_gap_inf", dict(g_gap=np.inf), r"g_gap=inf"),
    ("gap_weight_negative", dict(gap_weight=-0.001), r"gap_weight=-0.001"),
    ("gap_weight_bool", dict(gap_weight=True), r"gap_weight=True"),
    ("graded_current_nan", dict(graded_current=np.nan), r"graded_current=nan"),
    ("mapping_key_matches_nothing", dict(model={"KC": "LIF", "*": "AdEx"},
                                          labels={"a": "kc", "b": "PN", "c": "PN"}),
     r"key\(s\) \['KC'\] match no neuron's label"),
]


@pytest.mark.parametrize("name,kw,rx", FACTORS, ids=[c[0] for c in FACTORS])
def test_network_factors_checked_where_given(name, kw, rx):
    with pytest.raises(ParameterError, match=rx):
        PointNetwork.from_edge_list(E3, **kw)


@pytest.mark.parametrize("attr,value,rx", [
    ("weight_scale", np.nan, r"weight_scale must be finite"),
    ("weight_scale", {"Lif": 1}, r"'Lif' names no"),
    ("g_syn", -1, r"g_syn=-1"), ("g_gap", np.nan, r"g_gap=nan"),
    ("gap_weight", "0.1 uS", r"gap_weight='0.1 uS'"), ("graded_current", -1, "graded_current"),
])
def test_network_factor_attributes_checked(attr, value, rx):
    net = PointNetwork.from_edge_list(E3, model="LIF")
    with pytest.raises(ParameterError, match=rx):
        setattr(net, attr, value)


def test_weight_scale_model_class_key_is_its_name():
    from connectome_sim.network.models import get_model

    net = PointNetwork.from_edge_list(E3, model="LIF", weight_scale={get_model("LIF"): 2.0})
    assert net.weight_scale == {"LIF": 2.0}


def _two_lif(**kw):
    e = pd.DataFrame({"pre": ["a", "a"], "post": ["b", "c"], "weight": [10.0, 10.0]})
    net = PointNetwork.from_edge_list(e, model="LIF", **kw)
    net.add_poisson_input("a", 300)
    return net


def test_weight_scale_changed_after_a_run_is_used():
    """A compiled network is cached; a factor changed after a run must recompile it
    (it was silently ignored: the second run used the old scale)."""
    net = _two_lif()
    net.run_simulation(200, seed=1)
    net.weight_scale = 10.0
    again = net.run_simulation(200, seed=1)
    fresh = _two_lif(weight_scale=10.0).run_simulation(200, seed=1)
    pd.testing.assert_frame_equal(again, fresh)


def test_gap_weight_changed_after_a_run_is_used():
    e = pd.DataFrame({"pre": ["a", "b"], "post": ["b", "a"], "weight": [10.0, 10.0],
                      "type": ["electrical", "electrical"]})
    net = PointNetwork.from_edge_list(e, model="LIF")
    net.add_current("a", 0.05)
    net.add_voltage_record("b")
    net.run_simulation(200)
    net.gap_weight = 0.0                   # uncoupled: b stays at rest, v_0 = -52 mV
    net.run_simulation(200)
    assert net.records["v"]["b"].iloc[-1] == -52.0


def test_scalar_weight_scale_refused_once_set_model_mixes_units():
    net = PointNetwork.from_edge_list(E3, model="LIF", weight_scale=2.0)
    net.set_model("c", "graded")
    with pytest.raises(ParameterError, match=r"weight_scale=2 is ambiguous.*mV.*pS"):
        net.run_simulation(10)


def test_cli_negative_weight_scale_names_the_flag(tmp_path, capsys):
    p = write(tmp_path, "e.csv", "pre,post,weight\nA,B,3\n")
    fails(["network", str(p), "--weight-scale", "-2", "--quiet", "--out", str(tmp_path / "o")],
          capsys, r"--weight-scale -2")


# ------------------------------------------------------------------ results windows
def _ran(n_trials=2, duration=100.0):
    e = pd.DataFrame({"pre": ["a", "b"], "post": ["b", "a"], "weight": [30.0, 30.0]})
    net = PointNetwork.from_edge_list(e, model="LIF")
    net.add_poisson_input("a", 200)
    net.run_simulation(duration, seed=1, n_trials=n_trials)
    return net


RESULT_ARGS = [   # each gave numbers without a word: zeros for a trial not run, rates over
    #               time not simulated, or a raw pandas error naming no keyword
    ("firing_rates", dict(stop=1000), r"stop=1000: must be <= 100 ms"),
    ("firing_rates", dict(start=-50), r"start=-50: must be >= 0 ms"),
    ("firing_rates", dict(start=np.nan), r"start=nan: must be a finite"),
    ("firing_rates", dict(stop="100 ms"), r"stop='100 ms': expected a number"),
    ("get_spike_counts", dict(trial=5), r"trial=5: must be from 0 to 1"),
    ("get_spike_counts", dict(trial=-1), r"trial=-1: must be from 0 to 1"),
    ("get_spike_counts", dict(trial=1.0), r"trial=1.0: expected a whole number"),
    ("get_spike_counts", dict(trial=True), r"trial=True: expected a whole number"),
    ("get_spike_counts", dict(rolling_window=np.nan), r"rolling_window=nan"),
    ("get_spike_counts", dict(rolling_window=-2), r"rolling_window=-2: must be >= 0"),
    ("get_spike_counts", dict(rolling_window=2.5), r"rolling_window=2.5: expected a whole"),
]


@pytest.fixture(scope="module")
def ran():
    return _ran()


@pytest.mark.parametrize("method,kw,rx", RESULT_ARGS,
                         ids=[f"{m}-{k}={v}" for m, kw, _ in RESULT_ARGS for k, v in kw.items()])
def test_result_windows_inside_the_run(ran, method, kw, rx):
    with pytest.raises(ParameterError, match=rx):
        getattr(ran, method)(**kw)


def test_firing_rate_of_the_whole_run_is_spikes_per_second(ran):
    sp = ran.spikes
    n_a = [(sp.neuron_id == "a").sum() if t is None else
           ((sp.neuron_id == "a") & (sp.trial == t)).sum() for t in (0, 1)]
    # 100 ms per trial: rate = spikes / 0.1 s
    assert ran.firing_rates().loc["a", "mean"] == pytest.approx(np.mean(n_a) / 0.1)
    assert ran.get_spike_counts(bin_size=None, trial=1).loc["a"].iloc[0] == n_a[1]


# ------------------------------------------------------------------ missing-value markers
# a float-read ID column is re-read as text: pandas' NA markers there are missing IDs
NA_IDS = [("NA", "1,NA,1\n2,1,1\n"), ("None", "1,None,1\n2,1,1\n"),
          ("#N/A", "AVAL,#N/A,1\n"), ("NULL", "7,NULL,1\n"), ("n/a", "n/a,5,1\n")]


@pytest.mark.parametrize("marker,rows", NA_IDS, ids=[m for m, _ in NA_IDS])
def test_na_marker_in_id_column_is_a_missing_id(tmp_path, marker, rows):
    p = write(tmp_path, "na.csv", "pre,post,weight\n" + rows)
    col = "pre" if rows.startswith(marker) else "post"
    with pytest.raises(IDError, match=rf"column '{col}' has no ID on data row\(s\) \[0\] "
                                      rf"\(0-based; missing-value markers \['{marker}'\]\)"):
        PointNetwork.from_edge_list(p, model="LIF")


def test_na_marker_beside_string_ids_is_a_missing_id(tmp_path):
    p = write(tmp_path, "na.csv", "pre,post,weight\nAVAL,null,1\nAVAR,AVAL,1\n")
    with pytest.raises(IDError, match=r"target column 'post': missing values"):
        PointNetwork.from_edge_list(p, model="LIF")


# ------------------------------------------------------------------ IDs in messages and tables
@pytest.mark.parametrize("ids", [[720575940621039145, 720575940621039146],
                                 [2**63 + 7, 2**64 - 1]])
def test_duplicate_edge_message_shows_the_ids(ids):
    e = pd.DataFrame({"pre": np.array([ids[0], ids[0]], np.uint64),
                      "post": np.array([ids[1], ids[1]], np.uint64), "weight": [1.0, 2.0]})
    with pytest.raises(ParameterError, match=rf"duplicate edge {ids[0]} -> {ids[1]}; use "
                                             r"duplicates='sum'"):
        PointNetwork.from_edge_list(e, model="LIF", duplicates="raise")


LABEL_KEYS = [  # labels keyed by the other kind of ID were dropped without a word
    ("str_keys_int_ids", [1, 2], {"1": "KC", "2": "PN"}, r"keys \(e.g. \['1', '2'\]\).*\[1, 2\]"),
    ("int_keys_str_ids", ["1", "2"], {1: "KC", 2: "PN"}, r"keys \(e.g. \[1, 2\]\).*\['1', '2'\]"),
    ("uint64_cast_to_int64", np.array([2**63 + 1, 5], np.uint64),
     pd.Series(["KC"], index=np.array([2**63 + 1], np.uint64).astype(np.int64)),
     r"keys \(e.g. \[-9223372036854775807\]\)"),
]


@pytest.mark.parametrize("name,ids,labels,rx", LABEL_KEYS, ids=[c[0] for c in LABEL_KEYS])
def test_labels_keyed_by_other_ids_refused(name, ids, labels, rx):
    e = pd.DataFrame({"pre": ids, "post": ids[::-1], "weight": [1.0, 1.0]})
    with pytest.raises(ParameterError, match=r"labels: none of its .*" + rx):
        PointNetwork.from_edge_list(e, model="LIF", labels=labels)


def test_partial_labels_keep_the_others_ids():
    e = pd.DataFrame({"pre": [1, 2], "post": [2, 1], "weight": [1.0, 1.0]})
    net = PointNetwork.from_edge_list(e, model="LIF", labels={1: "KC", 3: "not here"})
    assert net.labels.tolist() == ["KC", "2"]


# ------------------------------------------------------------------ pandas dtypes -> IDs
BIG = 2**63 + 9
DTYPES = [
    ("Int64", pd.array([1, 2], dtype="Int64"), [1, 2]),
    ("UInt64_top", pd.array([2**64 - 1, 2], dtype="UInt64"), [2, 2**64 - 1]),
    ("uint64_pyarrow", pd.array([BIG, 2], dtype="uint64[pyarrow]"), [2, BIG]),
    ("string", pd.array(["a", "b"], dtype="string"), ["a", "b"]),
    ("categorical_str", pd.Categorical(["a", "b"]), ["a", "b"]),
    ("categorical_int", pd.Categorical([10, 20]), [10, 20]),
    ("object_np_uint64", np.array([np.uint64(BIG), 5], dtype=object), [5, BIG]),
]


@pytest.mark.parametrize("name,col,ids", DTYPES, ids=[c[0] for c in DTYPES])
def test_pandas_id_dtypes_keep_exact_ids(name, col, ids):
    e = pd.DataFrame({"pre": col, "post": col[::-1], "weight": [1.0, 1.0]})
    assert PointNetwork.from_edge_list(e, model="LIF").ids.tolist() == ids


# ------------------------------------------------------------------ 64-bit IDs through results
FW = [720575940621039145, 720575940621039146, 2**63 + 7, 2**64 - 1]


@pytest.fixture(scope="module")
def fw_net():
    src = np.array([FW[0], FW[1], FW[2], FW[3]], np.uint64)
    e = pd.DataFrame({"pre": src, "post": np.roll(src, -1), "weight": [60.0] * 4})
    net = PointNetwork.from_edge_list(e, model="LIF")
    net.add_poisson_input(FW[0], 300)
    net.add_voltage_record([FW[3]])
    net.run_simulation(100, seed=3, n_trials=2)
    return net


@pytest.mark.parametrize("view", ["firing_rates", "get_spike_counts", "spikes", "records"])
def test_64bit_ids_exact_in_every_result(fw_net, view):
    if view == "spikes":
        got = sorted(set(fw_net.spikes.neuron_id.tolist()))
        assert fw_net.spikes.neuron_id.dtype == np.uint64 and set(got) <= set(FW)
        assert FW[0] in got
    elif view == "records":
        assert [c[1] for c in fw_net.records["v"].columns] == [FW[3], FW[3]]
    else:
        idx = getattr(fw_net, view)().index
        assert idx.dtype == np.uint64 and idx.tolist() == FW


def test_64bit_ids_exact_in_nest_export(fw_net):
    pytest.importorskip("nest")
    assert fw_net.to_nest().ids.tolist() == FW


def test_int64_cast_of_a_uint64_id_is_unknown_not_another_neuron(fw_net):
    wrapped = np.array([FW[3]], np.uint64).astype(np.int64)         # -1
    with pytest.raises(UnknownIDError, match=r"not in the network: \[-1\]"):
        fw_net.firing_rates(subset=wrapped)


def test_cli_flywire_csv_ids_exact_in_outputs(tmp_path):
    rows = "\n".join(f"{a},{b},10,{'GABA' if a == FW[2] else 'ACH'}"
                     for a in FW for b in FW if a != b)
    p = write(tmp_path, "fw.csv", "pre_root_id,post_root_id,syn_count,nt_type\n" + rows + "\n")
    (tmp_path / "stim.txt").write_text(f"{FW[0]}\n{FW[2]}\n")
    main(["network", str(p), "--stimulate-file", str(tmp_path / "stim.txt"), "--duration", "50",
          "--trials", "1", "--quiet", "--out", str(tmp_path / "o")])
    rates = pd.read_csv(tmp_path / "o" / "rates.csv", dtype={"neuron_id": str})
    assert sorted(int(i) for i in rates.neuron_id) == FW
    sp = pd.read_parquet(tmp_path / "o" / "spikes.parquet")
    assert sp.neuron_id.dtype == np.uint64 and {FW[0], FW[2]} <= set(sp.neuron_id.tolist())


# ------------------------------------------------------------------ cable: counts and units
CABLE_RUN = [("n_trials", 2.5, r"n_trials=2.5: must be an integer"),
             ("n_trials", True, r"n_trials=True"),
             ("record_every", 2.7, r"record_every=2.7: must be an integer"),
             ("record_every", 0, r"record_every must be >= 1, got 0"),
             ("v_init", "rest", r"v_init='rest': expected a number"),
             ("v_init", np.inf, r"v_init=inf: must be a finite")]


def _cable(n=5, units="1 micrometer", scale=1.0):
    import navis

    ids = list(range(1, n + 1))
    nodes = pd.DataFrame({"node_id": ids, "parent_id": [-1] + ids[:-1],
                          "x": np.arange(n) * 10.0 * scale, "y": 0.0, "z": 0.0,
                          "radius": 1.0 * scale})
    return navis.TreeNeuron(nodes, units=units)


@pytest.mark.parametrize("kw,value,rx", CABLE_RUN, ids=[f"{k}={v!r}" for k, v, _ in CABLE_RUN])
def test_cable_run_counts_are_whole(kw, value, rx):
    from connectome_sim.cable import CompartmentModel

    m = CompartmentModel(_cable())
    with pytest.raises(ParameterError, match=rx):
        m.run_simulation(5, **{kw: value})


@pytest.mark.parametrize("units,scale", [("8 nanometer", 1000 / 8), ("nanometer", 1000.0),
                                         ("1 micrometer", 1.0)])
def test_navis_units_converted_to_um(units, scale):
    from connectome_sim.cable import CompartmentModel

    # 4 edges of 10 µm, radius 1 µm: 40 µm of cable, 2π·1·40 µm² of membrane
    s = CompartmentModel(_cable(units=units, scale=scale)).morphology_summary
    assert "40.0 µm of cable, 251.3 µm² of membrane" in s


def test_nm_skeleton_without_units_refused():
    from connectome_sim.cable import CompartmentModel
    from connectome_sim.errors import UnitsError

    with pytest.raises(UnitsError, match=r"median edge length is 1e\+04.*units='nm'"):
        CompartmentModel(_cable(units=None, scale=1000.0))


# ------------------------------------------------------------------ memory at the seams
MEMORY = [  # each asked numpy for terabytes (MemoryError reported as a bug) or grew unbounded
    ("delay_1e9", dict(delay=1e9), dict(duration=20), r"event queue of 10000000001 steps"),
    ("dt_1e-9", dict(delay=1.8), dict(duration=20, dt=1e-9), r"event queue of 1800000001 steps"),
    ("n_trials_1e8", dict(delay=1.8), dict(duration=20, n_trials=10**8),
     r"n_trials=100000000: the trials would keep more than the run's memory budget"),
]


@pytest.mark.parametrize("name,build,run,rx", MEMORY, ids=[c[0] for c in MEMORY])
def test_memory_budget_bounds_queue_and_trials(name, build, run, rx):
    from connectome_sim.errors import SimulationError

    e = pd.DataFrame({"pre": ["a", "b"], "post": ["b", "a"], "weight": [1.0, 1.0]})
    net = PointNetwork.from_edge_list(e, model="LIF", max_memory="1GB", **build)
    with pytest.raises(SimulationError, match=rx):
        net.run_simulation(**run)


@pytest.mark.parametrize("flags,rx", [
    (["--delay", "1e9"], r"event queue of 10000000001 steps"),
    (["--trials", "100000000"], r"--trials 100000000: the trials would keep more"),
])
def test_cli_memory_refusals_name_the_flag(tmp_path, capsys, flags, rx):
    p = write(tmp_path, "e.csv", "pre,post,weight\nA,B,3\nB,A,2\n")
    fails(["network", str(p), "--stimulate", "A", "--duration", "20", "--quiet",
           "--out", str(tmp_path / "o"), *flags], capsys, rx)


# ------------------------------------------------------------------ neuron tables beside edges
FW_EDGES = "pre_root_id,post_root_id,syn_count\n720575940621039145,720575940621039146,10\n" \
           "720575940621039146,720575940621039145,10\n"
TABLES = [  # a table matching no neuron left every label and rate column NaN without a word
    ("other_dataset", "root_id,cell_type\n1,KC\n2,PN\n",
     r"--labels .*t.csv: none of its 2 neuron IDs \(e.g. \[1, 2\]\) is in the edge list"),
    ("excel_float_ids", "root_id,cell_type\n7.20575940621039E+17,KC\n",
     r"column 'root_id' of neuron table .*above 2\*\*53"),
    ("decimal_ids_64bit", "root_id,cell_type\n720575940621039145.0,KC\n",
     r"column 'root_id' of neuron table .*above 2\*\*53"),
    ("string_ids_for_int_edges", "root_id,cell_type\nKC1,KC\n",
     r"none of its 1 neuron IDs \(e.g. \['KC1'\]\)"),
]


@pytest.mark.parametrize("name,table,rx", TABLES, ids=[c[0] for c in TABLES])
def test_cli_label_table_must_match_the_edge_list(tmp_path, capsys, name, table, rx):
    p = write(tmp_path, "e.csv", FW_EDGES)
    t = write(tmp_path, "t.csv", table)
    fails(["network", str(p), "--labels", str(t), "--stimulate", "720575940621039145",
           "--duration", "20", "--trials", "1", "--quiet", "--out", str(tmp_path / "o")],
          capsys, rx)


def test_neuron_table_decimal_ids_are_integers_as_in_edge_lists(tmp_path):
    t = write(tmp_path, "t.csv", "root_id,cell_type\n12.0,KC\n7,PN\n")
    assert read_neuron_table(t).index.tolist() == [12, 7]


def test_cli_partial_label_table_labels_what_it_has(tmp_path):
    p = write(tmp_path, "e.csv", FW_EDGES)
    t = write(tmp_path, "t.csv", "root_id,cell_type\n720575940621039146,KC\n")
    main(["network", str(p), "--labels", str(t), "--stimulate", "720575940621039145",
          "--duration", "20", "--trials", "1", "--quiet", "--out", str(tmp_path / "o")])
    r = pd.read_csv(tmp_path / "o" / "rates.csv", dtype={"neuron_id": str})
    assert dict(zip(r.neuron_id, r.cell_type.fillna(""))) == {
        "720575940621039145": "", "720575940621039146": "KC"}


# ------------------------------------------------------------------ NEST export of what we accept
def _lif3(**kw):
    e = pd.DataFrame({"pre": ["a", "b", "c"], "post": ["b", "c", "a"], "weight": [10.0, -10, 10]})
    net = PointNetwork.from_edge_list(e, model=kw.pop("model", "LIF"), **kw)
    net.add_poisson_input("a", 200)
    return net


NEST_CASES = [
    ("delay_below_dt", dict(delay=0.05), {}, "StabilityError",
     r"to_nest: dt = 0.1 ms is larger than the shortest synaptic delay \(0.05 ms\)"),
    ("dt_nan", {}, dict(dt=np.nan), "ParameterError", r"dt=nan: must be a finite"),
    ("dt_zero", {}, dict(dt=0), "ParameterError", r"dt=0: must be > 0 ms"),
    ("duration_inf", {}, dict(duration=np.inf), "ParameterError", r"duration=inf"),
    ("adex_not_mapped", dict(model="AdEx"), {}, "ParameterError",
     r"no NEST equivalent is mapped for model 'AdEx'"),
]


@pytest.mark.parametrize("name,build,kw,exc,rx", NEST_CASES, ids=[c[0] for c in NEST_CASES])
def test_nest_export_refuses_what_it_would_change(name, build, kw, exc, rx):
    pytest.importorskip("nest")
    from connectome_sim import errors

    net = _lif3(**build)
    with pytest.raises(getattr(errors, exc), match=rx):
        net.to_nest(**kw)


def test_nest_export_with_dt_at_the_shortest_delay():
    pytest.importorskip("nest")
    nn = _lif3(delay=0.05).to_nest(dt=0.05, duration=10)
    assert nn.nest.resolution == 0.05 and nn.ids.tolist() == ["a", "b", "c"]


# ------------------------------------------------------------------ navis neurons -> Circuit
NA_, NB_ = 720575940621039145, 720575940621039146


def _circuit():
    from connectome_sim.cable.circuit import Circuit

    cells = []
    for nid in (NA_, NB_):
        n = _cable()
        n.id = nid
        cells.append(n)
    return Circuit(cells)


def _syn(**cols):
    base = {"pre": [NA_], "post": [NB_], "pre_node": [5], "post_node": [3]}
    return pd.DataFrame({**base, **cols})


CIRCUIT_CASES = [
    ("pre_as_text", _syn(pre=[str(NA_)]), {}, "UnknownIDError",
     rf"presynaptic neuron '{NA_}' \(rows \[0\]\) is not in the circuit"),
    ("pre_as_float", _syn(pre=[float(NA_)]), {}, "UnknownIDError",
     r"presynaptic neuron 7.205759406210391e\+17 \(rows \[0\]\)"),
    ("node_missing", _syn(post_node=[99]), {}, "UnknownIDError",
     rf"post_node \[99\] \(rows \[0\]\) are not nodes of neuron {NB_}"),
    ("node_nan", _syn(post_node=[np.nan]), {}, "UnknownIDError", r"post_node \[nan\] \(rows \[0\]\)"),
    ("delay_keyword_nan", _syn(), dict(delay=np.nan), "ParameterError", r"delay=nan: must be"),
    ("delay_keyword_negative", _syn(), dict(delay=-1), "ParameterError", r"delay=-1: must be >= 0"),
    ("delay_column_nan", _syn(delay=[np.nan]), {}, "ParameterError",
     r"delays must be finite and >= 0 ms \(rows \[0\]\)"),
    ("weight_keyword_nan", _syn(), dict(weight=np.nan), "ParameterError", r"weight=nan"),
    ("weight_keyword_text", _syn(), dict(weight="0.01 uS"), "ParameterError",
     r"weight='0.01 uS': expected a number"),
    ("sites_in_nm", _syn(pre_node=None, post_node=None).drop(columns=["pre_node", "post_node"])
     .assign(pre_x=[40000.0], pre_y=[0.0], pre_z=[0.0], post_x=[20000.0], post_y=[0.0],
             post_z=[0.0]), {}, "SkeletonError",
     r"farther than max_snap=5.0 µm from any node \(rows \[0\], distances \[39960.0\] µm\)"),
]


@pytest.mark.parametrize("name,table,kw,exc,rx", CIRCUIT_CASES,
                         ids=[c[0] for c in CIRCUIT_CASES])
def test_circuit_synapse_tables_name_the_culprit(name, table, kw, exc, rx):
    from connectome_sim import errors

    kw = {"weight": 0.01, **kw}
    with pytest.raises(getattr(errors, exc), match=rx):
        _circuit().connect_synapses(table, **kw)


@pytest.mark.parametrize("pre", [np.array([NA_], np.uint64), np.array([NA_], np.int64)])
def test_circuit_64bit_ids_of_either_dtype_connect(pre):
    syn = _circuit().connect_synapses(_syn(pre=pre), weight=0.01)
    assert syn[["pre", "post", "pre_node", "post_node"]].values.tolist() == [[NA_, NB_, 5, 3]]


# ------------------------------------------------------------------ string IDs through the CLI
TEXT_IDS = [("inner_space", "AVA L"), ("quoted_comma", "PN,1"), ("unicode", "Kenyon-γ"),
            ("quote_inside", 'say "hi"'), ("looks_like_float", "1e3x")]


@pytest.mark.parametrize("name,nid", TEXT_IDS, ids=[c[0] for c in TEXT_IDS])
def test_cli_string_ids_exact_in_rates_csv(tmp_path, name, nid):
    q = '"' + nid.replace('"', '""') + '"'
    p = write(tmp_path, "e.csv", f"pre,post,weight\n{q},B,50\nB,{q},50\n")
    main(["network", str(p), "--stimulate", nid, "--duration", "50", "--trials", "1",
          "--quiet", "--out", str(tmp_path / "o")])
    r = pd.read_csv(tmp_path / "o" / "rates.csv", dtype={"neuron_id": str},
                    keep_default_na=False)
    assert sorted(r.neuron_id) == sorted([nid, "B"])
    assert r.set_index("neuron_id").loc[nid, "rate_mean_Hz"] > 0
