"""Hostile inputs at the seams between the parts: files read by one module and simulated by
another, results of one run read by another method, keywords that pass through several layers.

Each case asserts the specific exception and the culprit named in its message, or the exact
correct result (values written here from the data's definition).
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cli import main
from connectome_sim.errors import ParameterError
from connectome_sim.io.edges import load_edge_list, read_neuron_table
from connectome_sim.network import PointNetwork

from hostile_files import write


def fails(argv, capsys, culprit):
    """Run the CLI, expect exit 2 and one error line matching ``culprit`` (regex)."""
    import re

    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    line = [ln for ln in err.splitlines() if ln.startswith("connectome-sim: error: ")]
    assert line and "Traceback" not in err, err
    assert re.search(culprit, line[-1]), line[-1]
    return line[-1]


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
