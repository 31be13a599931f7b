"""Hostile and unusual edge lists: public export formats, IDs, weights, signs, files.

Each case asserts the exact resolved result (IDs, signed weights, chosen columns) or the
exception type and the culprit its message names.  See tests/hostile/README.md.
"""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from connectome_sim.errors import IDError, MissingTransmitterWarning, ParameterError
from connectome_sim.io.edges import (detect_columns, detect_edge_columns, load_edge_list,
                                     neurotransmitter_signs, read_edges, read_neuron_table)

from hostile_files import BIG, FW, write


# ------------------------------------------------------------------ public formats
FORMATS = {
    "plain": (pd.DataFrame({"source": [1, 2], "target": [2, 3], "weight": [4, 5]}),
              ("source", "target", "weight", None, None), [4.0, 5.0]),
    "neuprint": (pd.DataFrame({"bodyId_pre": [1, 1], "bodyId_post": [2, 2],
                               "roi": ["AL(R)", "LH(R)"], "weight": [3, 4]}),
                 ("bodyId_pre", "bodyId_post", "weight", None, None), [3.0, 4.0]),
    "neuprint_simple": (pd.DataFrame({"bodyId_pre": [1], "bodyId_post": [2], "weight": [3],
                                      "type_pre": ["DA1_lPN"], "type_post": ["KC"]}),
                        ("bodyId_pre", "bodyId_post", "weight", None, None), [3.0]),
    "codex": (pd.DataFrame({"pre_root_id": FW[:2], "post_root_id": FW[1:],
                            "neuropil": ["AL_L", "LH_R"], "syn_count": [5, 7],
                            "nt_type": ["GLUT", "ACH"]}),
              ("pre_root_id", "post_root_id", "syn_count", None, "nt_type"), [-5.0, 7.0]),
    "codex_gaba_lower": (pd.DataFrame({"pre_root_id": FW[:2], "post_root_id": FW[1:],
                                       "syn_count": [5, 7], "nt_type": ["gaba", "DA"]}),
                         ("pre_root_id", "post_root_id", "syn_count", None, "nt_type"),
                         [-5.0, 7.0]),
    "codex_all_nt": (pd.DataFrame({"pre_root_id": [1, 2, 3, 4, 5, 6, 7],
                                   "post_root_id": [9] * 7, "syn_count": [1] * 7,
                                   "nt_type": ["ACH", "GABA", "GLUT", "DA", "SER", "OCT",
                                               None]}),
                     ("pre_root_id", "post_root_id", "syn_count", None, "nt_type"),
                     [1, -1, -1, 1, 1, 1, 1]),
    "shiu_product": (pd.DataFrame({"Presynaptic_ID": FW[:2], "Postsynaptic_ID": FW[1:],
                                   "Presynaptic_Index": [0, 1], "Postsynaptic_Index": [1, 2],
                                   "Connectivity": [3, 4], "Excitatory": [1, -1],
                                   "Excitatory x Connectivity": [3, -4]}),
                     ("Presynaptic_ID", "Postsynaptic_ID", "Excitatory x Connectivity", None,
                      None), [3.0, -4.0]),
    "shiu_no_product": (pd.DataFrame({"Presynaptic_ID": FW[:2], "Postsynaptic_ID": FW[1:],
                                      "Presynaptic_Index": [0, 1],
                                      "Postsynaptic_Index": [1, 2],
                                      "Connectivity": [3, 4], "Excitatory": [1, -1]}),
                        ("Presynaptic_ID", "Postsynaptic_ID", "Connectivity", "Excitatory",
                         None), [3.0, -4.0]),
    "n_synapses": (pd.DataFrame({"pre": [1], "post": [2], "n_synapses": [9]}),
                   ("pre", "post", "n_synapses", None, None), [9.0]),
    "strength": (pd.DataFrame({"pre": [1], "post": [2], "strength": [2.5]}),
                 ("pre", "post", "strength", None, None), [2.5]),
    "count": (pd.DataFrame({"from": ["a"], "to": ["b"], "count": [3]}),
              ("from", "to", "count", None, None), [3.0]),
    "synapse_count_spaces": (pd.DataFrame({"Pre ID": [1], "Post ID": [2],
                                           "Synapse Count": [6]}),
                             ("Pre ID", "Post ID", "Synapse Count", None, None), [6.0]),
    "sign_words": (pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "weight": [2, 2],
                                 "sign": ["excitatory", "inhibitory"]}),
                   ("source", "target", "weight", "sign", None), [2.0, -2.0]),
    "sign_bool": (pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "weight": [2, 2],
                                "is_excitatory": [True, False]}),
                  ("source", "target", "weight", "is_excitatory", None), [2.0, -2.0]),
    "neuprint_predicted_nt": (pd.DataFrame({"bodyId_pre": [1, 2], "bodyId_post": [2, 1],
                                            "weight": [3, 3],
                                            "predictedNt": ["glutamate", "acetylcholine"]}),
                              ("bodyId_pre", "bodyId_post", "weight", None, "predictedNt"),
                              [-3.0, 3.0]),
    "no_weight_column": (pd.DataFrame({"pre": [1, 1], "post": [2, 3], "roi": ["a", "b"]}),
                         ("pre", "post", None, None, None), [1.0, 1.0]),
    "celegans_varshney": (pd.DataFrame({"Neuron 1": ["ADAL", "ADAL"],
                                        "Neuron 2": ["AIBL", "ADAR"], "Type": ["S", "EJ"],
                                        "Nbr": [2, 1]}),
                          ("Neuron 1", "Neuron 2", "Nbr", None, None), [2.0, 1.0]),
}


@pytest.mark.parametrize("name", FORMATS)
def test_public_formats(name):
    df, (s, t, w, sg, nt), weights = FORMATS[name]
    el = load_edge_list(df)
    c = el.columns
    assert (c.source, c.target, c.weight, c.sign, c.nt) == (s, t, w, sg, nt)
    np.testing.assert_array_equal(el.weight, np.asarray(weights, float))
    np.testing.assert_array_equal(el.source, df[s].to_numpy())   # IDs untouched


def test_shipped_celegans_table():
    from connectome_sim.datasets import load_celegans

    df = load_celegans()
    el = load_edge_list(df)
    assert el.columns.type == "type"
    assert el.electrical.sum() == (df["type"] == "electrical").sum() == 2196
    assert el.source.dtype == object and el.source[0] == "I1L"


def test_celegans_signs_from_neuron_table():
    from connectome_sim.datasets import data_dir, load_celegans

    table = read_neuron_table(data_dir() / "celegans" / "cook2019_herm_neuron_table.csv")
    df = load_celegans()
    el = load_edge_list(df, neuron_nt=table["transmitter"], inhibitory_nt=("gaba",))
    chem = df["type"] == "chemical"
    gaba_pre = df["pre"].isin(table.index[table["transmitter"] == "GABA"])
    expect = np.where(chem & gaba_pre, -df["weight"], df["weight"]).astype(float)
    np.testing.assert_array_equal(el.weight, expect)
    assert (el.weight[~chem.to_numpy()] > 0).all()     # gap junctions keep their sign
    assert "inhibitory" in el.summary()


def test_neuron_table_ids_of_other_kind_refused():
    table = pd.Series(["GABA"], index=pd.Index([1]))
    with pytest.raises(IDError, match="different kinds"):
        load_edge_list(pd.DataFrame({"pre": ["a"], "post": ["b"], "weight": [1]}),
                       neuron_nt=table)


def test_receive_rows_refused():
    df = pd.DataFrame({"Neuron 1": ["A", "B"], "Neuron 2": ["B", "A"], "Type": ["S", "R"],
                       "Nbr": [1, 1]})
    with pytest.raises(ParameterError, match="'R'/'Rp'"):
        load_edge_list(df)


def test_unknown_type_values_refused():
    df = pd.DataFrame({"pre": ["A"], "post": ["B"], "synapse_type": ["chemical"],
                       "weight": [1]})
    df.loc[0, "synapse_type"] = "electric?"
    with pytest.raises(ParameterError, match="electric"):
        load_edge_list(df, type_col="synapse_type")


def test_cell_type_column_named_type_is_not_a_synapse_type():
    df = pd.DataFrame({"pre": ["A"], "post": ["B"], "type": ["KC"], "weight": [1]})
    assert load_edge_list(df).columns.type is None


# ------------------------------------------------------------------ weight errors
@pytest.mark.parametrize("col", ["strength2", "Nsyn_total", "value", "w_mV"])
def test_unknown_numeric_column_is_an_error(col):
    df = pd.DataFrame({"pre": [1, 2], "post": [2, 3], col: [3.0, 4.0]})
    with pytest.raises(ParameterError, match=f"'{col}'"):
        detect_columns(df)


def test_unknown_numeric_column_explicit_choices():
    df = pd.DataFrame({"pre": [1, 2], "post": [2, 3], "value": [3.0, 4.0]})
    assert load_edge_list(df, weight_col="value").weight.tolist() == [3.0, 4.0]
    assert load_edge_list(df, weight_col=False).weight.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, "x"])
def test_bad_weights_name_column_and_row(bad):
    df = pd.DataFrame({"pre": [1, 2], "post": [2, 3], "weight": [1.0, 2.0]}).astype(object)
    df.loc[1, "weight"] = bad
    with pytest.raises(ParameterError, match=r"'weight'.*\[1\]"):
        load_edge_list(df)


@pytest.mark.parametrize("bad", [0, np.nan, "maybe"])
def test_bad_signs_name_column(bad):
    df = pd.DataFrame({"pre": [1, 2], "post": [2, 3], "weight": [1, 1],
                       "sign": pd.Series([1, bad], dtype=object)})
    if not isinstance(bad, str):
        df["sign"] = df["sign"].astype(float)
    with pytest.raises(ParameterError, match="'sign'"):
        load_edge_list(df)


@pytest.mark.parametrize("bad", [np.nan, -1.0, np.inf])
def test_bad_delay_column(bad):
    df = pd.DataFrame({"pre": [1, 2], "post": [2, 3], "weight": [1, 1], "delay": [1.0, bad]})
    with pytest.raises(ParameterError, match=r"'delay'.*\[1\]"):
        load_edge_list(df)


def test_delay_column_detected():
    df = pd.DataFrame({"pre": [1, 2], "post": [2, 3], "weight": [1, 1], "delay_ms": [1.5, 2]})
    el = load_edge_list(df)
    assert el.columns.delay == "delay_ms" and el.delay.tolist() == [1.5, 2.0]


def test_negative_electrical_weight_refused():
    df = pd.DataFrame({"pre": ["A"], "post": ["B"], "type": ["electrical"], "weight": [-1]})
    with pytest.raises(ParameterError, match="electrical"):
        load_edge_list(df)


@pytest.mark.parametrize("kw,col", [("source_col", "nope"), ("weight_col", "syn"),
                                    ("sign_col", "Excit"), ("nt_col", "nt"),
                                    ("delay_col", "d"), ("type_col", "kind")])
def test_missing_named_column(kw, col):
    df = pd.DataFrame({"pre": [1], "post": [2], "weight": [1]})
    with pytest.raises(ParameterError, match=f"'{col}'.*{kw}"):
        load_edge_list(df, **{kw: col})


@pytest.mark.parametrize("cols", [["a", "b", "c"], ["pre", "target"], ["x"]])
def test_source_target_not_found(cols):
    df = pd.DataFrame({c: [1] for c in cols})
    with pytest.raises(ParameterError, match="source_col"):
        detect_edge_columns(df)


def test_detected_columns_are_logged(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="connectome_sim.io.edges"):
        load_edge_list(FORMATS["codex"][0])
    assert "'syn_count' (detected)" in caplog.text and "nt_type" in caplog.text


# ------------------------------------------------------------------ transmitters
@pytest.mark.parametrize("nt,sign", [("GABA", -1), ("GLUT", -1), ("Glutamate", -1),
                                     ("glu", -1), (" gaba ", -1), ("ACH", 1), ("DA", 1),
                                     ("SER", 1), ("OCT", 1), ("", 1), (None, 1)])
def test_transmitter_signs(nt, sign):
    assert neurotransmitter_signs([nt]).tolist() == [sign]


def test_inhibitory_set_is_configurable():
    assert neurotransmitter_signs(["GLUT", "GABA"], inhibitory=("gaba",)).tolist() == [1, -1]


NT_EDGES = pd.DataFrame({"pre": ["a", "b", "c"], "post": ["b", "c", "a"], "weight": [3, 2, 4],
                         "nt_type": ["GABA", "GLUT", "ACH"]})


@pytest.mark.parametrize("inh", ["GABA", "gaba", b"GABA", ["GABA"], ("GABA",), {"GABA"}])
def test_inhibitory_nt_one_string_is_one_name(inh):
    # 'GABA' as a string is the transmitter GABA, not the letters {'G', 'A', 'B'}
    el = load_edge_list(NT_EDGES, inhibitory_nt=inh)
    assert el.weight.tolist() == [-3.0, 2.0, 4.0]          # only the GABA row inhibitory
    assert neurotransmitter_signs(["GABA", "A", "GLUT"], inhibitory=inh).tolist() == [-1, 1, 1]


@pytest.mark.parametrize("inh,culprit", [
    ("", r"inhibitory_nt='': a transmitter name cannot be blank"),
    (["GABA", "  "], r"inhibitory_nt='  ': a transmitter name cannot be blank"),
    ([None], r"inhibitory_nt: None is not a transmitter name"),
    ([1], r"inhibitory_nt: 1 is not a transmitter name"),
    (5, r"inhibitory_nt=5: expected transmitter names"),
])
def test_bad_inhibitory_nt_refused(inh, culprit):
    with pytest.raises(ParameterError, match=culprit):
        load_edge_list(NT_EDGES, inhibitory_nt=inh)


@pytest.mark.parametrize("blank", [np.nan, None, "", "  "])
def test_blank_transmitter_row_is_named(blank):
    # a row without a transmitter has an unknown sign: it is taken as excitatory (a
    # documented choice), said aloud naming the column and the row
    df = NT_EDGES.astype({"nt_type": object})
    df.loc[0, "nt_type"] = blank
    with pytest.warns(MissingTransmitterWarning, match=r"transmitter column 'nt_type' is blank "
                      r"or NaN in 1 chemical row\(s\), e\.g\. rows \[0\]: .*excitatory"):
        el = load_edge_list(df)
    assert el.weight.tolist() == [3.0, -2.0, 4.0]
    assert "1 chemical rows without a transmitter taken as excitatory" in el.summary()


def test_blank_transmitter_on_electrical_row_is_fine(recwarn):
    df = NT_EDGES.assign(type=["chemical", "electrical", "chemical"]).astype(
        {"nt_type": object})
    df.loc[1, "nt_type"] = None
    assert load_edge_list(df).weight.tolist() == [-3.0, 2.0, 4.0]
    assert not [w for w in recwarn if w.category is MissingTransmitterWarning]


@pytest.mark.parametrize("ids,pos", [(["a", ""], 1), (["", "b"], 0), (["a", "   "], 1)])
def test_blank_string_ids_refused(ids, pos):
    df = pd.DataFrame({"pre": ids, "post": ["x", "y"], "weight": [1, 1]})
    with pytest.raises(IDError, match=rf"source column 'pre': 1 ID\(s\) are empty or blank "
                                      rf"strings \(at position\(s\) \[{pos}\]\)"):
        load_edge_list(df)


# ------------------------------------------------------------------ IDs
def test_uint64_pre_int64_post_keep_identity():
    df = pd.DataFrame({"pre": np.array([BIG, FW[0]], np.uint64),
                       "post": np.array(FW[1:], np.int64), "weight": [1, 2]})
    el = load_edge_list(df)
    assert el.source.dtype == np.uint64 and el.source.tolist() == [BIG, FW[0]]
    assert el.target.dtype == np.int64 and el.target.tolist() == FW[1:]


def test_float_ids_above_2_53_refused():
    df = pd.DataFrame({"pre": np.array(FW[:2], float), "post": [1.0, 2.0], "weight": [1, 1]})
    with pytest.raises(IDError, match="2\\*\\*53"):
        load_edge_list(df)


@pytest.mark.parametrize("ids,culprit", [([1.2, 2.0], "1.2"), ([True, False], "boolean"),
                                         ([1, "1"], "mixes strings"),
                                         ([1, None], "missing")])
def test_bad_id_values(ids, culprit):
    df = pd.DataFrame({"pre": pd.Series(ids, dtype=object), "post": [5, 6], "weight": [1, 1]})
    with pytest.raises(IDError, match=culprit):
        load_edge_list(df)


def test_csv_flywire_ids_never_float(tmp_path):
    # a blank weight does not matter here; a blank ID cell makes pandas read floats
    p = write(tmp_path, "e.csv", f"pre_root_id,post_root_id,syn_count\n{FW[0]},{FW[1]},3\n"
                                 f"{FW[1]},{FW[2]},4\n")
    df = read_edges(p)
    assert df["pre_root_id"].dtype == np.int64 and df["pre_root_id"].tolist() == FW[:2]


def test_csv_uint64_ids(tmp_path):
    p = write(tmp_path, "e.csv", f"pre,post,weight\n{BIG},{FW[0]},3\n{FW[0]},{BIG},4\n")
    el = load_edge_list(p)
    assert el.source.tolist() == [BIG, FW[0]] and el.source.dtype == np.uint64


def test_csv_blank_id_names_row(tmp_path):
    p = write(tmp_path, "e.csv", f"pre,post,weight\n{FW[0]},{FW[1]},3\n,{FW[2]},4\n")
    with pytest.raises(IDError, match=r"'pre'.*\[1\]"):
        read_edges(p)


def test_csv_string_ids(tmp_path):
    p = write(tmp_path, "e.csv", "pre,post,weight\nAVAL,AVAR,3\n007,AVAL,1\n")
    el = load_edge_list(p)
    assert el.source.tolist() == ["AVAL", "007"]      # '007' stays a string, not 7


ZERO_PADDED = {
    # two spellings of one integer in the ID columns: pandas reads both as 7
    "pre_and_post": ("pre,post,weight\n007,12,3\n7,12,2\n", r"'7' and '007'"),
    "gz": ("pre,post,weight\n12,0012,3\n12,13,2\n13,12,1\n", r"'12' and '0012'"),
    "blank_before": ("pre, post, weight\n1, 02, 3\n2, 1, 2\n", r"'2' and '02'"),
    "signed": ("pre,post,weight\n+5,6,3\n5,6,2\n", r"'5' and '\+5'"),
    "headerless": ("09,1,3\n9,1,2\n", r"'9' and '09'"),
    "first_field_of_file": ("pre,post,weight\n00,1,3\n0,1,2\n", r"'0' and '00'"),
}


@pytest.mark.parametrize("case", sorted(ZERO_PADDED))
def test_csv_zero_padded_ids_that_merge_refused(tmp_path, case):
    text, culprit = ZERO_PADDED[case]
    p = write(tmp_path, "e.csv.gz" if case == "gz" else "e.csv", text)
    with pytest.raises(IDError, match=culprit + r".*same integer.*text labels"):
        load_edge_list(p)


@pytest.mark.parametrize("text, ids", [
    ("pre,post,weight\n007,12,3\n12,8,0.05\n", [7, 12]),      # one spelling each: ints
    ("pre,post,weight\n1,2,0.05\n2,1,-0.5\n", [1, 2]),          # zeros in weights only
])
def test_csv_zero_padded_ids_without_merges_are_read(tmp_path, text, ids):
    el = load_edge_list(write(tmp_path, "e.csv", text))
    assert el.source.tolist() == ids


@pytest.mark.parametrize("suffix", [".csv.bz2", ".csv.xz", ".csv.zip"])
def test_other_compressions_refused_naming_suffix(tmp_path, suffix):
    # only .gz is read; a compressed file must never reach the text checks as raw bytes
    p = tmp_path / ("e" + suffix)
    pd.DataFrame({"pre": [1, 2], "post": [2, 1], "weight": [1, 2]}).to_csv(p, index=False)
    last = re.escape(suffix[suffix.rindex("."):])
    with pytest.raises(ParameterError, match=rf"unknown suffix '{last}'.*\.csv\.gz"):
        load_edge_list(p)


def test_csv_decimal_ids_refused(tmp_path):
    p = write(tmp_path, "e.csv", "pre,post,weight\n1.5,2,3\n2,3,\n")
    with pytest.raises(IDError, match="whole numbers"):
        read_edges(p)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2 ** 64 - 1), min_size=1, max_size=8))
def test_any_64bit_ids_roundtrip_through_csv(tmp_path_factory, ids):
    p = tmp_path_factory.mktemp("ids") / "e.csv"
    pd.DataFrame({"pre": [str(i) for i in ids], "post": [str(i) for i in ids[::-1]],
                  "weight": 1}).to_csv(p, index=False)
    el = load_edge_list(p)
    assert [int(v) for v in el.source] == ids
    assert [int(v) for v in el.target] == ids[::-1]


# ------------------------------------------------------------------ files
def test_headerless_three_columns(tmp_path):
    p = write(tmp_path, "e.csv", f"{FW[0]},{FW[1]},3\n{FW[1]},{FW[2]},4\n")
    el = load_edge_list(p)
    assert el.source.tolist() == FW[:2] and el.weight.tolist() == [3.0, 4.0]


def test_headerless_names(tmp_path):
    p = write(tmp_path, "e.csv", "AVAL,AVAR,3\nAVAR,AVAL,4\n")
    el = load_edge_list(p)
    assert el.source.tolist() == ["AVAL", "AVAR"] and el.weight.tolist() == [3.0, 4.0]


def test_headerless_two_columns(tmp_path):
    p = write(tmp_path, "e.csv", "1,2\n2,3\n")
    el = load_edge_list(p)
    assert el.columns.weight is None and el.weight.tolist() == [1.0, 1.0]


def test_explicit_no_header(tmp_path):
    p = write(tmp_path, "e.csv", "A,B\nB,C\n")
    el = load_edge_list(p, header=None)
    assert el.source.tolist() == ["A", "B"]


def test_csv_gz_and_tsv(tmp_path):
    gz = write(tmp_path, "e.csv.gz", "pre_root_id,post_root_id,syn_count,nt_type\n"
                                     f"{FW[0]},{FW[1]},3,GABA\n")
    assert load_edge_list(gz).weight.tolist() == [-3.0]
    tsv = write(tmp_path, "e.tsv", "source\ttarget\tweight\n1\t2\t3\n")
    assert load_edge_list(tsv).weight.tolist() == [3.0]


def test_parquet_shiu(tmp_path):
    df = FORMATS["shiu_no_product"][0]
    p = tmp_path / "Connectivity_783.parquet"
    df.to_parquet(p)
    el = load_edge_list(p)
    assert el.weight.tolist() == [3.0, -4.0] and el.source.tolist() == FW[:2]


@pytest.mark.parametrize("content,culprit", [
    ("pre,post,weight\n", "no rows"),
    ("", "empty"),
    ("\n\n", "empty"),
    ("just one column\nx\n", "at least source and target"),
])
def test_degenerate_csv(tmp_path, content, culprit):
    p = write(tmp_path, "e.csv", content)
    with pytest.raises(ParameterError, match=culprit) as e:
        read_edges(p)
    assert str(p) in str(e.value)


def test_binary_file(tmp_path):
    p = tmp_path / "e.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ParameterError, match="binary") as e:
        read_edges(p)
    assert str(p) in str(e.value)


def test_corrupt_parquet(tmp_path):
    p = tmp_path / "e.parquet"
    p.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ParameterError, match="parquet") as e:
        read_edges(p)
    assert str(p) in str(e.value)


def test_unknown_suffix(tmp_path):
    p = tmp_path / "e.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(ParameterError, match="xlsx"):
        read_edges(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_edges(tmp_path / "nope.csv")
    with pytest.raises(ParameterError, match="folder"):
        read_edges(tmp_path)


def test_neuron_table_flywire_style(tmp_path):
    p = write(tmp_path, "neurons.csv", f"root_id,group,nt_type\n{FW[0]},AL.AL,GABA\n"
                                       f"{FW[1]},LH.LH,ACH\n")
    t = read_neuron_table(p)
    assert t.index.tolist() == FW[:2] and t.index.dtype == np.int64
    with pytest.raises(ParameterError, match="more than once"):
        read_neuron_table(pd.DataFrame({"neuron_id": [1, 1], "x": [0, 1]}))
    with pytest.raises(ParameterError, match="no neuron ID column"):
        read_neuron_table(pd.DataFrame({"cell": [1]}))


# ------------------------------------------------------------------ separators, compression
SNIFFED = {
    "semicolon.csv": "pre;post;weight\na;b;3\nb;c;-2\n",
    "tab.csv": "pre\tpost\tweight\na\tb\t3\nb\tc\t-2\n",
    "semicolon.txt": "pre;post;weight\na;b;3\nb;c;-2\n",
    "semicolon_gz.csv.gz": "pre;post;weight\na;b;3\nb;c;-2\n",
    "comma.tsv": "pre,post,weight\na,b,3\nb,c,-2\n",
    "headerless_semicolon.csv": "a;b;3\nb;c;-2\n",
}


@pytest.mark.parametrize("name", SNIFFED)
def test_separator_sniffed(tmp_path, name):
    # a semicolon CSV (European spreadsheets) or a tab file named .csv was refused as
    # having one field per line
    el = load_edge_list(write(tmp_path, name, SNIFFED[name]))
    assert el.source.tolist() == ["a", "b"] and el.target.tolist() == ["b", "c"]
    assert el.weight.tolist() == [3.0, -2.0]


def test_commas_inside_a_semicolon_file_are_data(tmp_path):
    p = write(tmp_path, "e.csv", "pre;post;weight\na,1;b;3\nb;c;2\n")
    assert load_edge_list(p).source.tolist() == ["a,1", "b"]


@pytest.mark.parametrize("name", ["gzipped.csv", "gzipped.tsv", "gzipped", "gzipped.txt"])
def test_gzip_detected_by_content(tmp_path, name):
    import gzip

    sep = "\t" if name.endswith(".tsv") else ","
    p = tmp_path / name
    p.write_bytes(gzip.compress(f"pre{sep}post{sep}weight\n7{sep}8{sep}3\n".encode()))
    el = load_edge_list(p)
    assert el.source.tolist() == [7] and el.target.tolist() == [8] and el.weight.tolist() == [3]


def test_plain_text_named_gz_is_read(tmp_path):
    p = tmp_path / "e.csv.gz"
    p.write_bytes(b"pre,post,weight\n7,8,3\n")
    assert load_edge_list(p).source.tolist() == [7]


def test_gzipped_neuron_table_named_csv(tmp_path):
    import gzip

    p = tmp_path / "neurons.csv"
    p.write_bytes(gzip.compress(b"root_id;nt_type\n5;GABA\n6;ACH\n"))
    t = read_neuron_table(p)
    assert t.index.tolist() == [5, 6]


def test_one_field_even_when_sniffed_names_the_separators(tmp_path):
    p = write(tmp_path, "e.csv", "justonecolumn\na\nb\n")
    with pytest.raises(ParameterError, match=r"e\.csv.*1 field\(s\).*nor by tab, ';' or ','"):
        load_edge_list(p)


@pytest.mark.parametrize("table_nt", [None, "", np.nan])
def test_presynaptic_neuron_without_transmitter_is_named(table_nt):
    # neuron 720575940612345678 (a 64-bit FlyWire-style ID) is missing from the neuron
    # table, or blank in it: its synapses are excitatory, said aloud with its exact ID
    big = 720575940612345678
    df = pd.DataFrame({"pre": [1, big, 2], "post": [2, 1, 1], "weight": [3, 5, 4]})
    nt = {1: "GABA", 2: "ACH"} | ({} if table_nt is None else {big: table_nt})
    table = pd.Series(nt, dtype=object)
    with pytest.warns(MissingTransmitterWarning, match=rf"neuron_nt has no transmitter for 1 "
                      rf"presynaptic neuron\(s\), e\.g\. \[{big}\] \(1 chemical row\(s\)\)"):
        el = load_edge_list(df, neuron_nt=table)
    assert el.weight.tolist() == [-3.0, 5.0, 4.0]
    assert "1 chemical rows from 1 neurons without a transmitter" in el.summary()


# ------------------------------------------------------------------ neuron_nt tables
_NT_EDGES = pd.DataFrame({"pre": [1, 2, 3], "post": [2, 3, 1], "weight": [3, 5, 4]})

NEURON_NT_BAD = [
    ("numbers", pd.Series([1, 0, 0], index=[1, 2, 3]), ParameterError,
     r"neuron_nt has values that are not transmitter names for 3 neuron\(s\), e\.g\. "
     r"\[1, 2, 3\] \(\[1, 0, 0\]\)"),
    ("booleans", pd.Series([True, False, False], index=[1, 2, 3]), ParameterError,
     r"neuron_nt .*not transmitter names.*\[True, False, False\]"),
    ("one number among names", pd.Series(["GABA", 7, "ACH"], index=[1, 2, 3]), ParameterError,
     r"not transmitter names for 1 neuron\(s\), e\.g\. \[2\] \(\[7\]\)"),
    ("whole table", pd.DataFrame({"nt_type": ["GABA", "ACH", "ACH"]}, index=[1, 2, 3]),
     ParameterError, r"neuron_nt is a whole table \(columns \['nt_type'\]\).*neuron_nt=table"),
    ("dict", {1: "GABA"}, ParameterError, r"neuron_nt must be a pandas Series.*not dict"),
    ("one string", "GABA", ParameterError, r"neuron_nt must be a pandas Series.*not str"),
    ("fractional ID", pd.Series(["GABA", "ACH"], index=[1.5, 2.0]), IDError,
     r"neuron_nt's IDs: .*1\.5"),
    ("duplicated ID", pd.Series(["GABA", "ACH", "ACH"], index=[1, 1, 3]), ParameterError,
     r"neuron_nt lists neurons \[1\] more than once"),
    ("digit strings vs integer edges", pd.Series(["GABA", "ACH"], index=["1", "2"]), IDError,
     r"neuron_nt's IDs \(e\.g\. \['1', '2'\]\) and the edge list's IDs \(e\.g\. \[1, 2, 3\]\)"),
]


@pytest.mark.parametrize("table,exc,pattern", [c[1:] for c in NEURON_NT_BAD],
                         ids=[c[0] for c in NEURON_NT_BAD])
def test_neuron_nt_bad_tables_name_the_neurons(table, exc, pattern):
    with pytest.raises(exc, match=pattern):
        load_edge_list(_NT_EDGES, neuron_nt=table)


NEURON_NT_GOOD = [
    ("float IDs 1.0", pd.Series(["GABA", "ACH", "ACH"], index=[1.0, 2.0, 3.0])),
    ("mixed case", pd.Series(["Gaba", "ACH", "ACH"], index=[1, 2, 3])),
    ("whitespace", pd.Series([" GABA ", "ACH", "ACH"], index=[1, 2, 3])),
    ("categorical", pd.Series(pd.Categorical(["GABA", "ACH", "ACH"]), index=[1, 2, 3])),
    ("uint64 IDs of small values", pd.Series(["GABA", "ACH", "ACH"],
                                             index=np.array([1, 2, 3], dtype=np.uint64))),
]


@pytest.mark.parametrize("table", [c[1] for c in NEURON_NT_GOOD], ids=[c[0] for c in NEURON_NT_GOOD])
def test_neuron_nt_spellings_sign_neuron_1_inhibitory(table):
    el = load_edge_list(_NT_EDGES, neuron_nt=table)
    assert el.weight.tolist() == [-3.0, 5.0, 4.0]


def test_neuron_nt_uint64_ids_above_2_63():
    df = pd.DataFrame({"pre": np.array([BIG, 2], dtype=np.uint64),
                       "post": np.array([2, BIG], dtype=np.uint64), "weight": [3, 5]})
    for index in (pd.Index(np.array([BIG, 2], dtype=np.uint64)), pd.Index([BIG, 2], dtype=object)):
        el = load_edge_list(df, neuron_nt=pd.Series(["GABA", "ACH"], index=index))
        assert el.weight.tolist() == [-3.0, 5.0]


@pytest.mark.parametrize("blank", [np.nan, None, pd.NA])
def test_neuron_nt_missing_values_are_blank_not_refused(blank):
    table = pd.Series(["ACH", blank, "GABA"], index=[1, 2, 3], dtype=object)
    with pytest.warns(MissingTransmitterWarning, match=r"e\.g\. \[2\]"):
        el = load_edge_list(_NT_EDGES, neuron_nt=table)
    assert el.weight.tolist() == [3.0, 5.0, -4.0]


@pytest.mark.parametrize("extra,kw,rx", [
    ({"weight": [3, -5, 4]}, {}, r"the signs of its weight column 'weight'; give unsigned weights"),
    ({"nt": ["ACH", "ACH", "ACH"]}, {}, r"its transmitter column 'nt'; pass nt_col=False"),
    ({"sign": [1, 1, 1]}, {}, r"its sign column 'sign'; pass sign_col=False"),
], ids=["signed weights", "transmitter column", "sign column"])
def test_neuron_nt_overridden_by_the_edge_lists_own_signs_is_said(extra, kw, rx):
    df = _NT_EDGES.assign(**extra)
    table = pd.Series(["GABA", "ACH", "ACH"], index=[1, 2, 3])
    with pytest.warns(UserWarning, match=rf"neuron_nt is not used: the edge list's signs come "
                                         rf"from {rx}"):
        el = load_edge_list(df, neuron_nt=table, **kw)
    assert el.weight[0] == 3.0                         # neuron 1 (GABA) not made inhibitory


def test_neuron_nt_used_gives_no_unused_warning(recwarn):
    table = pd.Series(["GABA", "ACH", "ACH"], index=[1, 2, 3])
    assert load_edge_list(_NT_EDGES, neuron_nt=table).weight.tolist() == [-3.0, 5.0, 4.0]
    df = _NT_EDGES.assign(nt=["ACH", "ACH", "ACH"])
    assert load_edge_list(df, neuron_nt=table, nt_col=False).weight.tolist() == [-3.0, 5.0, 4.0]
    assert not [w for w in recwarn if "neuron_nt is not used" in str(w.message)]
