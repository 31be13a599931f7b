"""Multi-scale networks: where synapses go, how results come back, and what several cable
neurons do together.  Expected sites are written from the placement rules (connector tables
built here), not from runs; dynamics are compared with the cable engine's standalone paths
(CompartmentModel, Circuit), which the cable parity tests hold against NEURON."""

import navis
import numpy as np
import pandas as pd
import pytest

from connectome_sim import Circuit, CompartmentModel, PointNetwork
from connectome_sim.errors import ParameterError, StabilityError
from connectome_sim.network.compile import compile_network

from ms_helpers import drive_like, linker_node, pn_model


def toy(nid=5, labels=True, connectors=True, soma=True, hh=True):
    """An 11-node cell: soma 1, two dendrites (2-5, 6-9), an 'ais' node 10 and axon 11;
    postsynaptic connectors 10..14 from partners 50 (nodes 3, 4), 51 (5, 7) and 52 (8);
    hh everywhere, or (``hh=False``) passive at rest at -65 mV."""
    nodes = pd.DataFrame({"node_id": np.arange(1, 12), "parent_id": [-1, 1, 2, 3, 4, 1, 6, 7, 8,
                                                                     1, 10],
                          "x": [0, 10, 20, 30, 40, -10, -20, -30, -40, 0, 0.],
                          "y": [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20.], "z": 0.,
                          "radius": [4, 1, 1, 1, 1, 1, 1, 1, 1, .5, .5]})
    if labels:
        nodes["compartment"] = ["soma"] + ["dendrite"] * 8 + ["ais", "axon"]
    n = navis.TreeNeuron(nodes, units="um", id=nid)
    if soma:
        n.soma = 1
    if connectors:
        n.connectors = pd.DataFrame({"connector_id": [10, 11, 12, 13, 14, 15],
                                     "node_id": [3, 4, 5, 7, 8, 9],
                                     "type": ["post"] * 5 + ["pre"],
                                     "partner_id": [50, 50, 51, 51, 52, 60],
                                     "x": 0., "y": 0., "z": 0.})
    m = CompartmentModel(n, res=5)
    m.insert("hh") if hh else m.insert("pas", g=1e-4, e=-65.0)
    return m


def toy_net(m, edges, **kw):
    net = PointNetwork("IntFire1")
    net.add_neurons([50, 51, 52, 53])
    net.add_cable_neuron(5, m, **kw)
    for pre, n, d in edges:
        net.connect(pre, 5, n, delay=d)
    return net


# ----------------------------------------------------------------------------- placement
def test_partner_connectors_then_fallback():
    net = toy_net(toy(), [(50, 2, 1.0), (51, 4, 2.0), (52, -1, 1.5), (53, 3, 1.0)])
    s = net.cable_synapses(5)
    by = {p: g for p, g in s.groupby("pre")}
    assert list(by[50]["node_id"]) == [3, 4] and set(by[50]["site"]) == {"partner connector"}
    # 4 synapses over 2 connectors of partner 51: each carries two, in connector order
    assert list(by[51]["node_id"]) == [5, 5, 7, 7]
    assert list(by[52]["node_id"]) == [8]
    assert (by[52]["e"] == -80.0).all() and (by[52]["sign"] == -1).all()   # inhibitory
    assert (by[50]["e"] == 0.0).all()
    # partner 53 has no connector: the fallback pool is the postsynaptic connectors
    assert set(by[53]["site"]) == {"fallback: postsynaptic connectors"}
    assert set(by[53]["node_id"]) <= {3, 4, 5, 7, 8}
    assert list(by[51]["delay"]) == [2.0] * 4
    assert s["weight"].eq(0.0005).all() and s["tau1"].eq(0.5).all() and s["tau2"].eq(5.0).all()


def test_spike_node_default_is_the_axon_initial_segment():
    net = toy_net(toy(), [])
    assert net._cable[net._rows([5])[0]].spike_node == 10
    net2 = toy_net(toy(labels=False), [])
    assert net2._cable[net2._rows([5])[0]].spike_node == 1          # the soma


def test_fallback_pools_in_order():
    def pool_of(m, **kw):
        return set(toy_net(m, [(53, 6, 1.0)], **kw).cable_synapses(5)["site"])
    assert pool_of(toy(), partner_col=False) == {"fallback: postsynaptic connectors"}
    assert pool_of(toy(connectors=False)) == {"fallback: dendrite"}
    assert pool_of(toy(connectors=False, labels=False)) == {"fallback: every node but the soma"}
    net = toy_net(toy(), [(53, 6, 1.0)], sites="axon")
    s = net.cable_synapses(5)
    assert set(s["site"]) == {"fallback: sites"} and set(s["node_id"]) == {11}
    s = toy_net(toy(connectors=False, labels=False), [(53, 30, 1.0)]).cable_synapses(5)
    assert 1 not in set(s["node_id"]) and set(s["node_id"]) == set(range(2, 12))


def test_fallback_sites_do_not_depend_on_edge_order():
    def listing(order):
        net = PointNetwork("IntFire1")
        net.add_neurons([53, 70, 71, 72])
        net.add_cable_neuron(5, toy(connectors=False))
        for pre in order:
            net.connect(pre, 5, 3, delay=1.0)
        return net.cable_synapses(5).sort_values(["pre", "node_id"]).reset_index(drop=True)
    a, b = listing([53, 70, 71, 72]), listing([72, 71, 53, 70])
    pd.testing.assert_frame_equal(a.drop(columns=["pre_row"]), b.drop(columns=["pre_row"]))


def test_synapse_table_rows_and_kinetics_by_label():
    m = toy()
    net = PointNetwork("IntFire1")
    net.add_neurons([50, 51], labels=["ORN", "LN"])
    table = pd.DataFrame({"pre": [50, 50, 51], "node_id": [2, 9, 6],
                          "weight": [0.001, 0.002, 0.003]})
    net.add_cable_neuron(5, m, synapses=table, kinetics={"LN": {"tau2": 12.0, "e": -70.0},
                                                        "inhibitory": {"tau1": 1.0}})
    net.connect(50, 5, 99, delay=1.25)      # with a table, the edge gives delay and sign
    net.connect(51, 5, -1, delay=0.75)
    s = net.cable_synapses(5)
    assert list(s["node_id"]) == [2, 9, 6] and list(s["site"]) == ["table"] * 3
    assert list(s["weight"]) == [0.001, 0.002, 0.003]
    assert list(s["delay"]) == [1.25, 1.25, 0.75]
    ln = s[s["pre"] == 51].iloc[0]
    assert (ln["tau1"], ln["tau2"], ln["e"]) == (1.0, 12.0, -70.0)


# ----------------------------------------------------------------------------- circuits
def test_cable_neurons_wired_to_each_other_equal_a_circuit():
    """Two PNs (IDs 101, 102) fed by IntFire1 relays (IDs 1, 2), 101 -> 102 at real sites: the
    same voltages as a Circuit with the same synapses (cell synapses driven by the relays'
    spike times, circuit NetCons from 101's detector)."""
    mA, mB = pn_model(1, res=20), pn_model(2, res=20)
    net = PointNetwork("IntFire1")
    net.add_neurons([1, 2])
    rng = np.random.default_rng(2)
    net.add_spike_times([1, 2], [np.sort(rng.uniform(2, 70, 12)) for _ in range(2)], weight=2.0)
    sA, sB = linker_node(1), linker_node(2)
    net.add_cable_neuron(101, mA, weight=0.002, threshold=-20.0, spike_node=sA)
    net.add_cable_neuron(102, mB, weight=0.002, threshold=-20.0, spike_node=sB)
    net.connect([1, 2], 101, [30, 25], delay=[1.0, 1.5])
    net.connect(1, 102, 20, delay=1.2)
    net.connect(101, 102, 40, delay=0.6)
    net.run_simulation(80.0, dt=0.025, seed=1)
    sp = net.spikes
    assert (sp.neuron_id == 101).sum() >= 2 and (sp.neuron_id == 102).sum() >= 1
    syn = net.cable_synapses()
    trains = {i: sp.loc[sp.neuron_id == i, "time"].to_numpy() for i in (1, 2)}
    rA, rB = pn_model(1, res=20), pn_model(2, res=20)
    point = syn[syn["pre"] != 101]
    drive_like(rA, point[point["post"] == 101], trains)
    drive_like(rB, point[point["post"] == 102], trains)
    c = Circuit({101: rA, 102: rB})
    cab = syn[syn["pre"] == 101]
    c.connect_synapses(pd.DataFrame({"pre": 101, "post": 102, "pre_node": sA,
                                     "post_node": cab["node_id"].to_numpy(),
                                     "weight": cab["weight"].to_numpy(),
                                     "tau1": cab["tau1"].to_numpy(), "tau2": cab["tau2"].to_numpy(),
                                     "e": cab["e"].to_numpy(), "threshold": -20.0,
                                     "delay": cab["delay"].to_numpy()}))
    c.run_simulation(80.0, v_init=-65.0, dt=0.025, dipole=False)
    for ours, ref in ((mA, rA), (mB, rB)):
        np.testing.assert_array_equal(ours.records["v"].to_numpy(), ref.records["v"].to_numpy())


# ----------------------------------------------------------------------------- results
@pytest.fixture(scope="module")
def small_run():
    m = pn_model(1, res=20)
    m.add_spike_detector(linker_node(1), threshold=-20.0, label="lk")
    net = PointNetwork("IntFire1")
    net.add_neurons([1, 2, 3])
    rng = np.random.default_rng(4)
    net.add_spike_times([1, 2], [np.sort(rng.uniform(2, 50, 10)) for _ in range(2)], weight=2.0)
    soma = 20
    net.add_cable_neuron(9, m, weight=0.003, threshold=-20.0, spike_node=soma)
    net.connect([1, 2], 9, [40, 40], delay=1.0)
    net.connect(9, 3, 2.0, delay=1.0)
    net.add_voltage_record([9, 3])
    net.set_cable_options(record_every=4)
    net.run_simulation(60.0, dt=0.025, seed=2)
    return net, m


def test_results_in_the_usual_places(small_run):
    net, m = small_run
    assert list(net.models[[9]]) == ["cable"] and list(net.cable_ids) == [9]
    assert net.cable_models[9] is m
    # the model's own records and detector
    assert m.t[1] == pytest.approx(0.1) and len(m.records["v"]) == 60.0 / 0.1 + 1
    assert list(m.spikes.columns) == ["label", "node_id", "time"] and len(m.spikes) >= 1
    # the network's record of the cable neuron: its spike node (the soma, recorded by the
    # model as 'soma'), every 4th step, NaN between
    v = net.records["v"][9].to_numpy()
    assert np.isnan(v[1:4]).all() and not np.isnan(v[::4]).any()
    np.testing.assert_array_equal(v[::4], m.records["v"]["soma"].to_numpy()[:len(v[::4])])


def test_raster_marks_cable_neurons(small_run):
    net, _ = small_run
    fig = net.plot_raster(label=True)
    names = [t.name for t in fig.data]
    assert "cable model" in names
    ticks = list(fig.layout.yaxis.ticktext)
    assert "9 (cable)" in ticks and "3" in ticks
    ax = net.plot_raster(backend="matplotlib")
    assert "cable model" in [t.get_label() for t in ax.collections]


def test_trials_and_threads_do_not_change_results():
    import numba

    def run(n_trials, threads):
        m = pn_model(1, res=20)
        net = PointNetwork("LIF")
        net.add_neurons([1, 2])
        net.add_poisson_input([1, 2], rate=200.0, weight=30.0)
        net.add_cable_neuron(9, m, weight=0.003, threshold=-20.0)
        net.connect([1, 2], 9, [30, 30], delay=1.0)
        old = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            net.run_simulation(40.0, dt=0.025, seed=8, n_trials=n_trials)
        finally:
            numba.set_num_threads(old)
        return m.records["v"]
    one = run(1, 1)
    two = run(2, numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(two.xs(0, level="trial").to_numpy(), one.to_numpy())


def test_cable_thread_beside_point_neurons_changes_nothing():
    """One trial: the cable neurons advance in a second thread while the point neurons do
    (threads=2); with threads=1 one after the other.  Same spikes (point and cable), same
    records, bit for bit, with spikes crossing both ways."""
    def run(threads):
        m = pn_model(1, res=20)
        net = PointNetwork("LIF")
        net.add_neurons([1, 2, 3])
        net.add_poisson_input([1, 2], rate=200.0, weight=30.0)
        net.add_cable_neuron(9, m, weight=0.003, threshold=-20.0, spike_node=linker_node(1))
        net.connect([1, 2], 9, [30, 30], delay=1.0)
        net.connect(9, 3, 30.0, delay=1.0)       # one epoch: a late handoff shows
        net.add_voltage_record([3, 9])
        net.run_simulation(60.0, dt=0.025, seed=8, threads=threads)
        return net.spikes, net.records["v"], m.records["v"]
    s1, r1, v1 = run(1)
    s2, r2, v2 = run(2)
    assert (s1.neuron_id == 9).any() and (s1.neuron_id == 3).any()
    pd.testing.assert_frame_equal(s1, s2)
    pd.testing.assert_frame_equal(r1, r2)
    np.testing.assert_array_equal(v1.to_numpy(), v2.to_numpy())


def test_edge_list_weights_from_a_cable_neuron_are_point_weights():
    """An edge-list edge cable -> LIF of 4 synapses acts as 4 x 0.275 mV (Shiu's scale), as
    for any source; onto the cable neuron, the count is the number of Exp2Syns."""
    edges = pd.DataFrame({"pre": [1, 9], "post": [9, 3], "weight": [25, 4]})
    net = PointNetwork.from_edge_list(edges, model="LIF", delay=1.0)
    net.add_cable_neuron(9, pn_model(1, res=20))
    assert len(net.cable_synapses(9)) == 25
    comp = compile_network(net)
    src = comp.engine_row[net._rows([9])[0]]
    w = [comp.w[comp.seg_start[q]:comp.seg_end[q]] for q in
         range(comp.seg_ptr[src], comp.seg_ptr[src + 1])]
    assert np.concatenate(w).tolist() == [4 * 0.275]


def test_silenced_presynaptic_neuron_sends_nothing():
    def soma(edge, silence):
        m = pn_model(1, res=20)
        net = PointNetwork("IntFire1")
        net.add_neurons([1])
        net.add_spike_times([1], [5.0, 10.0], weight=2.0)
        net.add_cable_neuron(9, m, weight=0.003)
        if edge:
            net.connect(1, 9, 20, delay=1.0)
        if silence:
            net.silence([1])
        net.run_simulation(20.0, dt=0.025, seed=0)
        return m.records["v"]["soma"].to_numpy()
    quiet = soma(False, False)
    np.testing.assert_array_equal(soma(True, True), quiet)
    assert np.max(np.abs(soma(True, False) - quiet)) > 5.0


def test_dt_longer_than_a_delay_onto_a_cable_neuron_refused():
    net = toy_net(toy(), [(50, 2, 0.05)])
    with pytest.raises(StabilityError, match=r"dt = 0.1 ms .*edge 50 -> 5 \(0.05 ms\)"):
        net.run_simulation(5.0, dt=0.1)


def test_runs_that_cannot_hold_cable_neurons_refused(tmp_path):
    net = toy_net(toy(), [(50, 2, 1.0)])
    with pytest.raises(ParameterError, match="spikes_to=.*cable neurons"):
        net.run_simulation(5.0, dt=0.025, spikes_to=tmp_path / "s.parquet")
    with pytest.raises(ParameterError, match="backend='nest'.*cable neurons"):
        net.run_simulation(5.0, dt=0.025, backend="nest")
    net.run_simulation(5.0, dt=0.025)
    with pytest.raises(ParameterError, match="save_state.*cable neurons"):
        net.save_state()
