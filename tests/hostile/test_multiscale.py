"""Hostile inputs of multi-scale networks (cable neurons inside a point network): every
argument of add_cable_neuron and set_cable_options is checked where it is given, naming it;
inputs a cable neuron cannot take are refused, naming the neuron; IDs stay exact."""

import navis
import numpy as np
import pandas as pd
import pytest

from connectome_sim import Circuit, CompartmentModel, PointNetwork
from connectome_sim.errors import (IDError, ParameterError, SimulationError, StabilityError,
                                   UnknownIDError)
from connectome_sim.multiscale import CableNeuron


def toy(nid=5):
    """An 11-node cell (soma 1, dendrites 2-9, 'ais' 10, axon 11) with postsynaptic
    connectors from partners 50, 51, 52."""
    nodes = pd.DataFrame({"node_id": np.arange(1, 12),
                          "parent_id": [-1, 1, 2, 3, 4, 1, 6, 7, 8, 1, 10],
                          "x": [0, 10, 20, 30, 40, -10, -20, -30, -40, 0, 0.],
                          "y": [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20.], "z": 0.,
                          "radius": [4, 1, 1, 1, 1, 1, 1, 1, 1, .5, .5],
                          "compartment": ["soma"] + ["dendrite"] * 8 + ["ais", "axon"]})
    n = navis.TreeNeuron(nodes, units="um", id=nid)
    n.soma = 1
    n.connectors = pd.DataFrame({"connector_id": [10, 11, 12, 13, 14],
                                 "node_id": [3, 4, 5, 7, 8], "type": "post",
                                 "partner_id": [50, 50, 51, 51, 52], "x": 0., "y": 0., "z": 0.})
    m = CompartmentModel(n, res=5)
    m.insert("hh")
    return m


def net0():
    net = PointNetwork("IntFire1")
    net.add_neurons([50, 51, 52], labels=["ORN", "ORN", "LN"])
    return net


def add(**kw):
    """add_cable_neuron(5, toy(), **kw) on a fresh network (a keyword 'model'/'neuron_id'
    replaces the default)."""
    net = net0()
    args = {"neuron_id": 5, "model": toy()}
    args.update(kw)
    return net.add_cable_neuron(**args)


TABLE = pd.DataFrame({"pre": [50, 51], "node_id": [2, 6]})

# ----------------------------------------------------------------------------- arguments
ARG_CASES = [
    # model
    ("model_none", dict(model=None), ParameterError, r"add_cable_neuron\(model\).*CompartmentModel"),
    ("model_skeleton", dict(model=navis.example_neurons(1, kind="skeleton")), ParameterError,
     r"add_cable_neuron\(model\)"),
    ("model_circuit", dict(model=Circuit({1: toy()})), ParameterError,
     r"add_cable_neuron\(model\)"),
    ("model_string", dict(model="hh"), ParameterError, r"add_cable_neuron\(model\)"),
    # neuron_id
    ("id_fraction", dict(neuron_id=1.5), IDError, r"add_cable_neuron\(neuron_id\)"),
    ("id_inexact_float", dict(neuron_id=7.205759403792794e17), IDError,
     r"add_cable_neuron\(neuron_id\).*2\*\*53"),
    ("id_bool", dict(neuron_id=True), IDError, r"add_cable_neuron\(neuron_id\).*boolean"),
    ("id_list", dict(neuron_id=[5, 6]), IDError, r"add_cable_neuron\(neuron_id\).*one ID"),
    ("id_none", dict(neuron_id=None), IDError, r"add_cable_neuron\(neuron_id\)"),
    ("id_nan", dict(neuron_id=np.nan), IDError, r"add_cable_neuron\(neuron_id\)"),
    ("id_str_in_int_network", dict(neuron_id="PN"), IDError, r"add_neurons\(ids\)"),
    # kinetics and thresholds
    ("tau1_zero", dict(tau1=0.0), ParameterError, r"tau1"),
    ("tau1_negative", dict(tau1=-1.0), ParameterError, r"tau1"),
    ("tau2_nan", dict(tau2=np.nan), ParameterError, r"tau2"),
    ("tau2_text", dict(tau2="five"), ParameterError, r"tau2='five'"),
    ("e_inf", dict(e=np.inf), ParameterError, r"\be\b"),
    ("e_bool", dict(e=True), ParameterError, r"\be\b"),
    ("e_inh_nan", dict(e_inh=np.nan), ParameterError, r"e_inh"),
    ("weight_negative", dict(weight=-0.001), ParameterError, r"weight"),
    ("weight_nan", dict(weight=np.nan), ParameterError, r"weight"),
    ("weight_list", dict(weight=[0.001]), ParameterError, r"weight"),
    ("threshold_inf", dict(threshold=np.inf), ParameterError, r"threshold"),
    ("threshold_none", dict(threshold=None), ParameterError, r"threshold"),
    ("v_init_nan", dict(v_init=np.nan), ParameterError, r"v_init"),
    # spike node
    ("spike_node_unknown", dict(spike_node=99999), UnknownIDError, r"spike_node.*99999"),
    ("spike_node_fraction", dict(spike_node=1.5), IDError, r"spike_node"),
    ("spike_node_bool", dict(spike_node=True), IDError, r"spike_node"),
    # per-type kinetics
    ("kinetics_list", dict(kinetics=[("ORN", 1.0)]), ParameterError, r"kinetics: expected a dict"),
    ("kinetics_entry_number", dict(kinetics={"ORN": 2.0}), ParameterError,
     r"kinetics\['ORN'\]: expected a dict"),
    ("kinetics_unknown_key", dict(kinetics={"ORN": {"tau": 2.0}}), ParameterError,
     r"kinetics\['ORN'\]: unknown key\(s\) \['tau'\]"),
    ("kinetics_tau2_zero", dict(kinetics={"ORN": {"tau2": 0.0}}), ParameterError,
     r"kinetics\['ORN'\]\['tau2'\]"),
    ("kinetics_weight_negative", dict(kinetics={"LN": {"weight": -1.0}}), ParameterError,
     r"kinetics\['LN'\]\['weight'\]"),
    ("kinetics_e_nan", dict(kinetics={"inhibitory": {"e": np.nan}}), ParameterError,
     r"kinetics\['inhibitory'\]\['e'\]"),
    ("kinetics_int_key", dict(kinetics={3: {"tau2": 2.0}}), ParameterError,
     r"kinetics: keys are presynaptic labels"),
    # fallback sites and partner column
    ("sites_unknown_label", dict(sites="axn"), UnknownIDError, r"sites.*'axn'"),
    ("sites_unknown_nodes", dict(sites=[2, 999]), UnknownIDError, r"sites.*999"),
    ("sites_empty", dict(sites=[]), ParameterError, r"sites: empty"),
    ("sites_fraction", dict(sites=[2.5]), IDError, r"sites"),
    ("partner_col_missing", dict(partner_col="bodyId"), ParameterError,
     r"partner_col='bodyId'.*connector table"),
    ("partner_col_number", dict(partner_col=3), ParameterError, r"partner_col=3"),
    # synapse tables
    ("table_dict", dict(synapses={"pre": [50], "node_id": [2]}), ParameterError,
     r"synapses: expected a pandas DataFrame"),
    ("table_no_node_id", dict(synapses=TABLE[["pre"]]), ParameterError,
     r"synapses: missing column\(s\) \['node_id'\]"),
    ("table_no_pre", dict(synapses=TABLE[["node_id"]]), ParameterError,
     r"synapses: missing column\(s\) \['pre'\]"),
    ("table_unknown_pre", dict(synapses=TABLE.assign(pre=[50, 77])), UnknownIDError,
     r"synapses\['pre'\].*77"),
    ("table_float_pre", dict(synapses=TABLE.assign(pre=[50.5, 51.0])), IDError,
     r"synapses\['pre'\]"),
    ("table_bool_pre", dict(synapses=TABLE.assign(pre=[True, False])), IDError,
     r"synapses\['pre'\].*boolean"),
    ("table_unknown_node", dict(synapses=TABLE.assign(node_id=[2, 4242])), UnknownIDError,
     r"synapses\['node_id'\].*4242"),
    ("table_weight_negative", dict(synapses=TABLE.assign(weight=[0.001, -0.002])),
     ParameterError, r"synapses\['weight'\] must be >= 0 µS; rows \[1\]"),
    ("table_weight_text", dict(synapses=TABLE.assign(weight=["a", "b"])), ParameterError,
     r"synapses\['weight'\]: expected numbers"),
    ("table_tau1_zero", dict(synapses=TABLE.assign(tau1=[0.0, 1.0])), ParameterError,
     r"synapses\['tau1'\] must be > 0 ms; rows \[0\]"),
    ("table_e_nan", dict(synapses=TABLE.assign(e=[0.0, np.nan])), ParameterError,
     r"synapses\['e'\] must be finite; rows \[1\]"),
    # lookalike columns would be ignored: weights or kinetics the user meant
    ("table_Weight", dict(synapses=TABLE.assign(Weight=[0.001, 0.002])), ParameterError,
     r"column 'Weight' would be ignored; did you mean 'weight'"),
    ("table_wieght", dict(synapses=TABLE.assign(wieght=[0.001, 0.002])), ParameterError,
     r"column 'wieght' would be ignored; did you mean 'weight'"),
    ("table_tau_1", dict(synapses=TABLE.assign(tau_1=[1.0, 1.0])), ParameterError,
     r"column 'tau_1' would be ignored; did you mean 'tau1'"),
    ("table_node", dict(synapses=TABLE.assign(nodeid=TABLE.node_id)), ParameterError,
     r"column 'nodeid' would be ignored; did you mean 'node_id'"),
    ("table_delay", dict(synapses=TABLE.assign(delay=[1.0, 2.0])), ParameterError,
     r"synapses\['delay'\]: per-synapse delays are not read"),
]


@pytest.mark.parametrize("name,kw,exc,match", ARG_CASES, ids=[c[0] for c in ARG_CASES])
def test_add_cable_neuron_arguments(name, kw, exc, match):
    with pytest.raises(exc, match=match):
        add(**kw)


def test_refused_argument_changes_nothing():
    net = net0()
    with pytest.raises(ParameterError, match="tau2"):
        net.add_cable_neuron(5, toy(), tau2=-1.0)
    assert net.n_neurons == 3 and not net._cable and list(net.models) == ["IntFire1"] * 3


# ----------------------------------------------------------------------------- states
def _existing(setup):
    net = net0()
    net.add_neurons([5])
    setup(net)
    return net


def test_same_model_for_two_neurons_refused():
    net = net0()
    m = toy()
    net.add_cable_neuron(5, m)
    with pytest.raises(ParameterError, match=r"already runs neuron 5"):
        net.add_cable_neuron(6, m)


def test_cable_neuron_twice_refused():
    net = add()
    with pytest.raises(ParameterError, match=r"neuron 5 is a cable neuron already"):
        net.add_cable_neuron(5, toy())


CONVERT_CASES = [
    ("connect_in_mV", lambda n: (n.set_model([5], "LIF"), n.connect(50, 5, 2.0)),
     ParameterError, r"neuron 5 has synapses made with connect\(\) in LIF's weight unit \(mV\)"),
    ("stimulus", lambda n: n.add_stimulus([5], start=0, frequency=10, stop=5), ParameterError,
     r"neuron 5 has a stimulus"),
    ("spike_times", lambda n: n.add_spike_times([5], [1.0]), ParameterError,
     r"neuron 5 has a stimulus"),
    ("current", lambda n: (n.set_model([5], "LIF"), n.add_current([5], 0.1)), ParameterError,
     r"neuron 5 has an injected current"),
    ("gap", lambda n: n.connect(50, 5, 0.01, type="electrical"), ParameterError,
     r"neuron 5 has gap junctions"),
]


@pytest.mark.parametrize("name,setup,exc,match", CONVERT_CASES, ids=[c[0] for c in CONVERT_CASES])
def test_existing_neuron_with_point_inputs_refused(name, setup, exc, match):
    net = _existing(setup)
    with pytest.raises(exc, match=match):
        net.add_cable_neuron(5, toy())
    assert 5 not in set(net.cable_ids)


def _str_net_partners():
    net = PointNetwork("IntFire1")
    net.add_neurons(["ORN_a"])
    net.add_cable_neuron("PN", toy())
    net.connect("ORN_a", "PN", 2)
    return net.cable_synapses()


def _run(net, **kw):
    net.run_simulation(kw.pop("duration", 5.0), dt=kw.pop("dt", 0.025), **kw)


RUN_CASES = [
    ("fraction_of_a_synapse", lambda n: n.connect(50, 5, 2.5), ParameterError,
     r"connect\(weight\): 2.5 onto cable neuron 5 \(from 50\)"),
    ("stimulus_after", lambda n: (n.connect(50, 5, 2), n.add_stimulus([5], 0, 10.0, stop=5),
                                  _run(n)), ParameterError,
     r"add_stimulus: neuron 5 is a cable neuron"),
    ("current_after", lambda n: n.add_current([5], 0.1), ParameterError,
     r"add_current: neuron 5 is a cable neuron"),
    ("gap_after", lambda n: (n.connect(50, 5, 0.01, type="electrical"), _run(n)),
     ParameterError, r"connect\(type='electrical'\): neuron 5 is a cable neuron"),
    ("graded_source", lambda n: (n.add_neurons([60], model="graded"), n.connect(60, 5, 3),
                                 _run(n)), ParameterError,
     r"graded neuron 60 \(graded\) cannot drive cable neuron 5"),
    ("unknown_label_in_kinetics", lambda n: (n._cable[n._rows([5])[0]].kinetics.update(
        {"KC": {"tau2": 3.0}}), n.cable_synapses()), ParameterError,
     r"kinetics: no neuron of the network has the label\(s\) \['KC'\]"),
    ("table_pre_without_edge", lambda n: (n.add_neurons([6]), n.add_cable_neuron(
        6, toy(6), synapses=TABLE), n.connect(50, 6, 1), _run(n)), ParameterError,
     r"synapses of 6: the table lists presynaptic neuron\(s\) \[51\] with no edge onto 6"),
    ("table_two_delays", lambda n: (n.add_neurons([6]), n.add_cable_neuron(
        6, toy(6), synapses=TABLE), n.connect([50, 50, 51], 6, 1, delay=[1.0, 2.0, 1.0]),
        _run(n)), ParameterError, r"edges 50 -> 6 with delays 1 and 2 ms"),
    ("dt_above_delay", lambda n: (n.connect(50, 5, 3, delay=0.05), _run(n, dt=0.1)),
     StabilityError, r"dt = 0.1 ms .*edge 50 -> 5 \(0.05 ms\)"),
    ("nest_backend", lambda n: _run(n, backend="nest"), ParameterError,
     r"backend='nest': the network has cable neurons \(\[5\]\)"),
    ("to_nest", lambda n: n.to_nest(), ParameterError, r"to_nest: .*cable neurons \(\[5\]\)"),
    ("spikes_to", lambda n: _run(n, spikes_to="never.parquet"), ParameterError,
     r"spikes_to=: the network has cable neurons"),
    ("save_state", lambda n: (_run(n), n.save_state()), ParameterError,
     r"save_state: the network has cable neurons"),
    ("partner_ids_of_another_kind", lambda n: _str_net_partners(), IDError,
     r"connectors\['partner_id'\].*integers.*partner_col=False"),
    ("cable_model_without_add", lambda n: (n.add_neurons([7], model=CableNeuron), _run(n)),
     ParameterError, r"neuron\(s\) \[7\] run the 'cable' model without a CompartmentModel"),
    ("set_params_on_cable", lambda n: n.set_params([5], tau=3.0), ParameterError,
     r"neuron\(s\) \[5\] are cable neurons \(add_cable_neuron\): set their parameters on "
     "their CompartmentModel"),
    ("cable_synapses_point_neuron", lambda n: n.cable_synapses(50), UnknownIDError,
     r"cable_synapses\(neuron_id\): 50 is not a cable neuron"),
    ("cable_synapses_unknown", lambda n: n.cable_synapses(77), UnknownIDError,
     r"cable_synapses\(neuron_id\).*77"),
    ("options_method", lambda n: n.set_cable_options(method="rk4"), ParameterError,
     r"method='rk4'"),
    ("options_record_every_zero", lambda n: n.set_cable_options(record_every=0),
     ParameterError, r"record_every=0"),
    ("options_record_every_float", lambda n: n.set_cable_options(record_every=2.0),
     ParameterError, r"record_every=2.0"),
    ("options_celsius", lambda n: n.set_cable_options(celsius=-300.0), ParameterError,
     r"celsius"),
    ("options_parallel", lambda n: n.set_cable_options(parallel="yes"), ParameterError,
     r"parallel='yes'"),
]


@pytest.mark.parametrize("name,act,exc,match", RUN_CASES, ids=[c[0] for c in RUN_CASES])
def test_cable_network_refusals(name, act, exc, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    net = add()
    with pytest.raises(exc, match=match):
        act(net)
    assert not (tmp_path / "never.parquet").exists()


def test_blow_up_names_the_neuron_and_leaves_no_complete_result():
    net = add(weight=1.0, e=1e7)         # drives v far beyond the 1e4 mV blow-up bound
    net.add_spike_times([50], [1.0], weight=2.0)
    net.connect(50, 5, 3, delay=1.0)
    m = net.cable_models[5]
    m.add_voltage_record(3)
    with pytest.raises(SimulationError, match=r"cable neuron 5 blew up at t = .* node ID"):
        net.run_simulation(10.0, dt=0.025)
    assert net.result.complete is False
    assert m.records == {} and m.spikes is None


# ----------------------------------------------------------------------------- exact IDs
@pytest.mark.parametrize("pn_id", [2 ** 63 + 11, 720575940660219265, "PN_left"])
def test_cable_neuron_ids_stay_exact(pn_id):
    pre = [2 ** 63 + 12] if isinstance(pn_id, int) and pn_id > 2 ** 63 else \
        (["ORN_a"] if isinstance(pn_id, str) else [720575940660219266])
    net = PointNetwork("IntFire1")
    net.add_neurons(pre)
    net.add_spike_times(pre, [1.0, 3.0], weight=2.0)
    net.add_cable_neuron(pn_id, toy(), weight=0.05, threshold=-20.0,
                         partner_col=False if isinstance(pn_id, str) else None)
    net.connect(pre, pn_id, 5, delay=1.0)
    net.run_simulation(15.0, dt=0.025, seed=0)
    assert list(net.cable_ids) == [pn_id]
    sp = net.spikes
    assert pn_id in set(sp["neuron_id"])
    if not isinstance(pn_id, str):
        assert sp["neuron_id"].dtype == net.ids.dtype
    assert set(net.cable_synapses(pn_id)["pre"]) == set(pre)


def test_synapse_table_other_columns_are_left_alone():
    """neuPrint/FlyWire synapse tables carry positions, confidences, ROIs: not lookalikes."""
    net = net0()
    tab = TABLE.assign(x=[1.0, 2.0], y=0.0, z=0.0, confidence=[0.9, 0.8], roi="AL(R)",
                       connector_id=[10, 11], type="post", bodyId_post=5)
    net.add_cable_neuron(5, toy(), synapses=tab)
    net.connect(50, 5, 1, delay=1.0)
    net.connect(51, 5, 1, delay=1.0)
    syn = net.cable_synapses()
    assert syn.node_id.tolist() == [2, 6] and (syn.site == "table").all()
