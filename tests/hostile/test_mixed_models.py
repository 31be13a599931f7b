"""Hostile inputs to mixed-model networks, edge-list column roles and run lengths.

Each case either refuses the input (naming the keyword, the neuron or the column) before
anything changes, or checks the exact parameters/columns written from the input's
definition; the last section runs the fused lockstep (a LIF and a graded group joined by gap
junctions) on seven neurons and compares runs that must give the same bits.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import IDError, ParameterError, UnknownIDError
from connectome_sim.io.edges import load_edge_list
from connectome_sim.network.network import PointNetwork
from connectome_sim.plotting import plot_raster
from connectome_sim.plotting._common import select_trials

EDGES = pd.DataFrame({"source": [1, 2, 3], "target": [2, 3, 1], "weight": [5, 5, 5]})
LABELS = {1: "A", 2: "B", 3: "C"}


def mixed():
    """Neurons 1, 2 run LIF; 3, 4 IntFire1; 5 graded."""
    net = PointNetwork("LIF")
    net.add_neurons([1, 2, 3, 4, 5])
    net.set_model([3, 4], "IntFire1")
    net.set_model([5], "graded")
    return net


# ------------------------------------------------------------ set_params / set_model refusals
# (call, keyword, culprit): the call is refused and no parameter of any neuron changed
REFUSED = [
    ("v_th of LIF set on IntFire1 too", lambda n: n.set_params(v_th=-40.0), ParameterError,
     r"IntFire1 has no parameter\(s\) \['v_th'\].*neurons \[3, 4\]"),
    ("tau on all, graded lacks it", lambda n: n.set_params(tau=7.0), ParameterError,
     r"graded has no parameter\(s\) \['tau'\]"),
    ("per-neuron values with an ID twice", lambda n: n.set_params([1, 1], tau=[6.0, 7.0]),
     IDError, r"set_params\(ids\): neuron ID\(s\) \[1\] are listed more than once"),
    ("set_model with an ID twice", lambda n: n.set_model([1, 1], "graded", C=[1.0, 2.0]),
     IDError, r"set_model\(ids\): neuron ID\(s\) \[1\] are listed more than once"),
    ("True as a voltage", lambda n: n.set_params([1], v_th=True), ParameterError,
     r"LIF parameter 'v_th': expected numbers \(mV\), got True"),
    ("numpy bool array", lambda n: n.set_params([1, 2], t_mbr=np.array([True, False])),
     ParameterError, r"LIF parameter 't_mbr': expected numbers"),
    ("True in set_model", lambda n: n.set_model([1], "IntFire1", refrac=True), ParameterError,
     r"IntFire1 parameter 'refrac': expected numbers"),
    ("cond_syn 0.5 (kernel reads > 0.5)", lambda n: n.set_model([1], "AdEx", cond_syn=0.5),
     ParameterError, r"AdEx parameter 'cond_syn' must be 0 or 1; got 0.5"),
    ("cond_syn 0.7 on HH", lambda n: n.set_model([2], "HH", cond_syn=0.7), ParameterError,
     r"HH parameter 'cond_syn' must be 0 or 1; got 0.7"),
    ("cond_syn per neuron", lambda n: n.set_model([1, 2], "Izhikevich", cond_syn=[0, 0.2]),
     ParameterError, r"'cond_syn' must be 0 or 1; got 0.2 for neuron\(s\) \[2\]"),
    ("graded param on a LIF subset", lambda n: n.set_params([1, 2], C=2.0), ParameterError,
     r"LIF has no parameter\(s\) \['C'\].*neurons \[1, 2\]"),
]


@pytest.mark.parametrize("name,call,exc,rx", REFUSED, ids=[c[0] for c in REFUSED])
def test_mixed_refusals_change_nothing(name, call, exc, rx):
    net = mixed()
    before = net.get_params()
    models = net.models.tolist()
    with pytest.raises(exc, match=rx):
        call(net)
    pd.testing.assert_frame_equal(net.get_params(), before)
    assert net.models.tolist() == models


def test_set_params_across_models_sets_each_model_its_own():
    # tau is a LIF parameter (synaptic, ms) and an IntFire1 parameter (membrane, ms)
    net = PointNetwork("LIF")
    net.add_neurons([1, 2, 3, 4])
    net.set_model([3, 4], "IntFire1")
    net.set_params([1, 3], tau=[6.0, 7.0])
    p = net.get_params()
    assert p["tau"].tolist() == [6.0, 5.0, 7.0, 10.0]       # defaults: LIF 5, IntFire1 10
    assert p["refrac"].isna().tolist() == [True, True, False, False]


def test_set_model_message_names_a_dimensionless_unit():
    net = PointNetwork("LIF")
    net.add_neurons([1, 2])
    net.connect(1, 2, 5.0)
    with pytest.raises(ParameterError, match=r"LIF's weight unit \(mV\); IntFire4 takes "
                                             r"dimensionless\. Choose the models first"):
        net.set_model([2], "IntFire4")


# ------------------------------------------------------------ from_edge_list model mappings
def test_weight_scale_one_model_tuple_is_refused():
    # ('LIF',) is neither a model name nor a pair: it would never match a synapse
    with pytest.raises(ParameterError, match=r"weight_scale: key \('LIF',\) names no point"):
        PointNetwork.from_edge_list(EDGES, model={"A": "LIF", "*": "graded"}, labels=LABELS,
                                    weight_scale={("LIF",): 2.0})


NEURON_TABLES = [
    ("index listed twice", pd.DataFrame({"type": ["A", "B", "C", "A"]}, index=[1, 2, 3, 3]),
     ParameterError, r"neurons= lists neuron\(s\) \[3\] more than once"),
    ("string index for integer IDs", pd.DataFrame({"type": ["A", "B", "C"]},
                                                  index=["1", "2", "3"]),
     IDError, r"neurons\.index: some are strings and some integers"),
    ("index of other neurons", pd.DataFrame({"type": ["A", "B", "C"]}, index=[7, 8, 9]),
     ParameterError, r"no neuron of the edge list \(e\.g\. \[1, 2, 3\]\) is in the index of "
                     r"neurons= \(e\.g\. \[7, 8, 9\]\)"),
]


@pytest.mark.parametrize("name,table,exc,rx", NEURON_TABLES, ids=[c[0] for c in NEURON_TABLES])
def test_model_by_neuron_table(name, table, exc, rx):
    with pytest.raises(exc, match=rx):
        PointNetwork.from_edge_list(EDGES, model={"A": "LIF", "*": "graded"}, neurons=table,
                                    model_by="type")


def test_model_by_uint64_index_matches_int64_ids():
    # a neuron table read from parquet as uint64 against an edge list read as int64
    table = pd.DataFrame({"type": ["A", "B", "C"]},
                         index=pd.Index(np.array([1, 2, 3], np.uint64)))
    net = PointNetwork.from_edge_list(EDGES, model={"A": "LIF", "B": "graded", "C": "LIF"},
                                      neurons=table, model_by="type")
    assert net.models.tolist() == ["LIF", "graded", "LIF"]


# ------------------------------------------------------------ one column, two roles
COLUMN_ROLES = [
    ("source and target the same", dict(source_col="source", target_col="source"),
     r"column 'source' is given both as source_col= and as target_col="),
    ("weight is the detected source", dict(weight_col="source"),
     r"column 'source' is given as weight_col= but is the source ID column"),
    ("sign is the detected target", dict(sign_col="target"),
     r"column 'target' is given as sign_col= but is the target ID column"),
    ("delay and weight the same", dict(weight_col="weight", delay_col="weight"),
     r"column 'weight' is given both as weight_col= and as delay_col="),
]


@pytest.mark.parametrize("name,kw,rx", COLUMN_ROLES, ids=[c[0] for c in COLUMN_ROLES])
def test_one_column_in_two_roles(name, kw, rx):
    with pytest.raises(ParameterError, match=rx):
        load_edge_list(EDGES, **kw)


def test_column_named_for_sign_is_not_also_guessed_as_weight():
    # sign_col='weight': the 'weight' column gives the signs, so no weight column remains
    el = load_edge_list(EDGES.assign(weight=[5, -2, 3]), sign_col="weight")
    assert el.weight.tolist() == [1.0, -1.0, 1.0]


# ------------------------------------------------------------ run length
@pytest.mark.parametrize("duration,dt,rx", [
    (5.0, 0.3, r"duration=5 ms is not a whole number of steps of dt=0\.3 ms.*duration=4\.8 "
               r"or 5\.1"),
    (1.0, 0.4, r"duration=1 ms is not a whole number of steps of dt=0\.4 ms"),
    (10.05, 0.1, r"duration=10\.05 ms is not a whole number of steps"),
])
def test_duration_not_whole_steps(duration, dt, rx):
    net = PointNetwork.from_edge_list(EDGES, model="LIF")
    with pytest.raises(ParameterError, match=rx):
        net.run_simulation(duration, dt=dt)
    assert net.result is None


# ------------------------------------------------------------ raster of a run's trial
SPIKES = pd.DataFrame({"trial": [1, 2], "neuron_id": [1, 1], "time": [2.0, 3.0]})


def test_trial_without_spikes_is_a_trial_of_the_run():
    # 3 trials were run; trial 0 had no spike (a short run): its raster is empty, not an error
    kept, trials = select_trials(SPIKES, 0, n_trials=3)
    assert kept.empty and trials == [0]
    plot_raster(SPIKES, trial=0, n_trials=3, neuron_ids=[1, 2])


def test_trial_outside_the_run_is_refused():
    with pytest.raises(UnknownIDError, match=r"trial\(s\) \[5\] not in the spike table"):
        plot_raster(SPIKES, trial=5, n_trials=3)


# ------------------------------------------------------------ streamed spikes
@pytest.mark.parametrize("name", ["spikes.csv", "spikes", "spikes.txt"])
def test_spikes_to_must_name_a_parquet_file(tmp_path, name):
    # parquet bytes under a .csv name would be read back as a garbled text table
    net = PointNetwork.from_edge_list(EDGES, model="LIF")
    with pytest.raises(ParameterError, match=rf"spikes_to: .*{name} does not end in \.parquet"):
        net.run_simulation(10.0, dt=0.1, spikes_to=tmp_path / name)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ gap junctions between groups
# LIF ('a') and graded ('g') neurons joined by gap junctions a0-g0, a1-g1: one lockstep,
# run by the fused loop (FUSED_AFTER_STEPS = 0 compiles it whatever the run's length)
NAN = float("nan")


def _gap_edges(gw=(2.0, 1.0), extra=None):
    ch = pd.DataFrame({"pre": ["a0", "a1", "a2", "g0", "g1"], "post": ["a1", "a2", "g0", "a0", "g2"],
                       "weight": [5, 5, 3, 2, -2], "type": "chemical"})
    gp = pd.DataFrame({"pre": ["a0", "a1"], "post": ["g0", "g1"], "weight": list(gw),
                       "type": "electrical"})
    return pd.concat([ch, gp] + ([extra] if extra is not None else []), ignore_index=True)


def _gap_net(edges=None, **kw):
    e = _gap_edges() if edges is None else edges
    labels = {i: i[0] for i in pd.unique(e[["pre", "post"]].to_numpy().ravel())}
    net = PointNetwork.from_edge_list(e, model={"a": "LIF", "g": "graded"}, labels=labels,
                                      g_syn=30.0, **({"g_gap": 15.0} | kw))
    net.add_poisson_input(["a0", "a1"], rate=150.0)
    net.add_voltage_record(["a0", "g0", "g1"])
    return net


@pytest.mark.parametrize("g_gap,rx", [(NAN, r"g_gap=nan: must be a finite"),
                                      (-1.0, r"g_gap=-1: must be >= 0"),
                                      ("15", r"g_gap='15': expected a number, got text"),
                                      (float("inf"), r"g_gap=inf"), (True, r"g_gap=True")],
                         ids=["nan", "negative", "text", "inf", "True"])
def test_gap_network_bad_g_gap_named(g_gap, rx):
    with pytest.raises(ParameterError, match=rx):
        _gap_net(g_gap=g_gap)


def test_gap_rows_of_weight_0_are_no_junction(lockstep_run):
    """Gap rows of weight 0 between the groups: the bits of the network without them."""
    sp, v, seen = lockstep_run(_gap_net(_gap_edges(gw=(0.0, 0.0))))
    ref, vref, _ = lockstep_run(_gap_net(_gap_edges().query("type == 'chemical'")))
    assert seen == [True]
    pd.testing.assert_frame_equal(sp, ref, check_exact=True)
    assert np.array_equal(v.to_numpy(), vref.to_numpy())


def test_gap_junction_of_a_neuron_with_itself_changes_nothing(lockstep_run):
    """A junction from a neuron to itself carries no current (no voltage difference): the
    bits of the network without it, for a graded and a LIF neuron."""
    own = pd.DataFrame({"pre": ["g2", "a2"], "post": ["g2", "a2"], "weight": [3.0, 3.0],
                        "type": "electrical"})
    sp, v, _ = lockstep_run(_gap_net(_gap_edges(extra=own)))
    ref, vref, _ = lockstep_run(_gap_net())
    pd.testing.assert_frame_equal(sp, ref, check_exact=True)
    assert np.array_equal(v.to_numpy(), vref.to_numpy())


@pytest.mark.parametrize("args,exc,rx", [
    (("a0", "g0", NAN), ParameterError, r"connect\(weight\): NaN/inf"),
    (("a0", "g0", "1"), ParameterError, r"connect\(weight\): expected numbers, got text"),
    (("a0", "g0", -1.0), ParameterError, r"connect\(weight\): gap-junction conductances must "
                                         r"be >= 0"),
    (("a0", "zz", 1.0), UnknownIDError, r"connect\(target\): .*\['zz'\]"),
], ids=["nan", "text", "negative", "unknown target"])
def test_gap_connect_bad_values_named(args, exc, rx):
    with pytest.raises(exc, match=rx):
        _gap_net().connect(*args, type="electrical")


def test_silenced_spiking_neuron_still_couples_through_its_gap(lockstep_run):
    """Silencing cuts chemical output only (Shiu et al.): g0, gap-coupled to a silenced a0,
    still follows a0, so its voltage differs from the run with the gap rows at weight 0."""
    net = _gap_net()
    net.silence(["a0"])
    _, v, _ = lockstep_run(net)
    off = _gap_net(_gap_edges(gw=(0.0, 1.0)))
    off.silence(["a0"])
    _, voff, _ = lockstep_run(off)
    assert np.isfinite(v.to_numpy()).all()
    assert np.abs(v["g0"] - voff["g0"]).max() > 0.1
    assert np.array_equal(v["g1"].to_numpy()[:20], voff["g1"].to_numpy()[:20])


def test_gap_network_max_spikes_tiny_fused_and_python_agree(lockstep_run):
    from connectome_sim.errors import SimulationError

    out = []
    for fused in (True, False):
        net = _gap_net()
        with pytest.raises(SimulationError, match=r"more than max_spikes=3 spikes.*or the "
                                                  r"limit is below the activity you intend"):
            lockstep_run(net, fused=fused, max_spikes=3)
        out.append((net.result.t_reached, net.result.spikes.copy()))
    assert out[0][0] == out[1][0] < 100.0
    pd.testing.assert_frame_equal(out[0][1], out[1][1], check_exact=True)


def test_gap_network_duration_not_whole_steps_refused(lockstep_run):
    with pytest.raises(ParameterError, match=r"duration=10\.05 ms is not a whole number of "
                                             r"steps of dt=0\.1 ms.*duration=10 or 10\.1"):
        lockstep_run(_gap_net(), duration=10.05)


def test_gap_network_trial_0_is_the_single_trial_run(lockstep_run):
    """Same seed: trial 0 of three is the one-trial run, bit for bit, fused or not."""
    net = _gap_net()
    sp1, v1, _ = lockstep_run(net)
    sp3, v3, seen = lockstep_run(net, n_trials=3)
    assert seen and all(seen)                   # every trial ran the fused loop
    pd.testing.assert_frame_equal(sp3[sp3.trial == 0].reset_index(drop=True), sp1,
                                  check_exact=True)
    assert np.array_equal(v3.xs(0, axis=1, level=0).to_numpy(), v1.to_numpy())
    assert sp3.trial.nunique() == 3
    spp, vp, _ = lockstep_run(net, fused=False, n_trials=3)
    pd.testing.assert_frame_equal(sp3, spp, check_exact=True)
    assert np.array_equal(v3.to_numpy(), vp.to_numpy())


@pytest.mark.parametrize("model", ["IntFire1", "IntFire4"])
def test_gap_junction_to_an_event_driven_neuron_names_it(model):
    net = PointNetwork("LIF")
    net.add_neurons([10, 720575940621039145])
    net.set_model([10], model)
    net.connect(720575940621039145, 10, 1.0, type="electrical")
    with pytest.raises(ParameterError, match=rf"{model} has no membrane potential.*the gap "
                       rf"junction 10 - 720575940621039145 joins neuron 10 \({model}\)"):
        net.run_simulation(10.0)
