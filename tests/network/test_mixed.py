"""Networks mixing models: grouping by model must not change anyone's arithmetic.

Two populations that do not touch must give, bit for bit, what each gives alone (same seed,
same IDs); graded and spiking neurons talk through event conductances (spiking -> graded) and
graded currents (graded -> spiking); the engine's exchange between groups (one epoch at a
time) gives what its one-group path gives.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError
from connectome_sim.network import PointNetwork
from connectome_sim.network import simulate as sim
from connectome_sim.network.compile import compile_network

DUR = 400.0


def _edges(prefix, n, m, rng, inhibitory=0.2):
    src = rng.integers(0, n, m)
    tgt = rng.integers(0, n, m)
    keep = src != tgt
    cnt = rng.integers(1, 12, m) * np.where(rng.random(m) < inhibitory, -1, 1)
    return pd.DataFrame({"pre": [f"{prefix}{i:03d}" for i in src[keep]],
                         "post": [f"{prefix}{i:03d}" for i in tgt[keep]],
                         "weight": cnt[keep]})


def _inputs(net, ids, rng_params, model):
    """The same inputs whatever network ``ids`` sit in: Poisson drive, a current step,
    per-neuron parameters and records."""
    ids = sorted(ids)
    w, amp = {"LIF": (None, 0.3), "AdEx": (25.0, 15.0), "Izhikevich": (30.0, 10.0)}[model]
    net.add_poisson_input(ids[:6], rate=120.0, weight=w)
    net.add_stimulus(ids[6:8], start=5.0, stop=300.0, frequency=40.0, randomness=0.5, weight=w)
    net.add_current(ids[8:10], amp, start=50.0, stop=250.0)
    for k, v in rng_params.items():
        net.set_params(ids[10:20], **{k: v})
    net.add_voltage_record(ids[:4] + ids[8:10])


POPS = {"LIF": ("a", {"v_th": np.linspace(-47, -44, 10), "t_mbr": 15.0}),
        "AdEx": ("b", {"V_T": np.linspace(-61, -58, 10), "b": 0.5, "tau_w": 40.0}),
        "Izhikevich": ("c", {"d": 6.0, "a": np.linspace(0.02, 0.03, 10)})}


def _alone(model, edges, rp, seed):
    net = PointNetwork.from_edge_list(edges, model=model)
    _inputs(net, list(net.ids), rp, model)
    net.run_simulation(DUR, seed=seed)
    return net


@pytest.mark.parametrize("pair", [("LIF", "AdEx"), ("LIF", "Izhikevich")])
def test_disconnected_populations_equal_separate_networks(pair):
    rng = np.random.default_rng(3)
    edges = {m: _edges(POPS[m][0], 60, 500, rng) for m in pair}
    sep = {m: _alone(m, edges[m], POPS[m][1], seed=11) for m in pair}
    both = pd.concat(list(edges.values()), ignore_index=True)
    labels = {i: i[0] for i in pd.unique(both[["pre", "post"]].to_numpy().ravel())}
    net = PointNetwork.from_edge_list(both, model={POPS[m][0]: m for m in pair}, labels=labels)
    assert sorted(net.models.unique()) == sorted(pair)
    for m in pair:
        ids = [i for i in net.ids if i.startswith(POPS[m][0])]
        _inputs(net, ids, POPS[m][1], m)
    sp = net.run_simulation(DUR, seed=11)
    for m in pair:
        ref = sep[m]
        mine = sp[sp.neuron_id.str.startswith(POPS[m][0])].reset_index(drop=True)
        assert len(ref.spikes) > 100
        pd.testing.assert_frame_equal(mine, ref.spikes.reset_index(drop=True), check_exact=True)
        v = net.records["v"][ref.records["v"].columns]
        assert np.array_equal(v.to_numpy(), ref.records["v"].to_numpy())   # bit for bit


def test_graded_population_beside_spiking_equals_separate():
    rng = np.random.default_rng(5)
    lif = _edges("a", 60, 500, rng)
    gr = _edges("g", 40, 200, rng, inhibitory=0.3)
    gap = pd.DataFrame({"pre": ["g001", "g002"], "post": ["g003", "g004"], "weight": [2, 3],
                        "type": "electrical"})
    gr = pd.concat([gr.assign(type="chemical"), gap], ignore_index=True)

    def graded_inputs(net):
        net.add_current(["g000", "g005"], 0.01, start=20.0, stop=200.0)   # 10 pA
        net.add_poisson_input(["g010", "g011"], rate=80.0)
        net.set_params(["g000", "g001"], a_r=None)                     # instantaneous
        net.add_voltage_record(["g000", "g003", "g004", "g010"])

    a = _alone("LIF", lif, POPS["LIF"][1], seed=2)
    g = PointNetwork.from_edge_list(gr, model="graded")
    graded_inputs(g)
    g.run_simulation(DUR, seed=2)
    both = pd.concat([lif.assign(type="chemical"), gr], ignore_index=True)
    net = PointNetwork.from_edge_list(both, model={"a": "LIF", "g": "graded"},
                                      labels={i: i[0] for i in pd.unique(
                                          both[["pre", "post"]].to_numpy().ravel())})
    _inputs(net, [i for i in net.ids if i.startswith("a")], POPS["LIF"][1], "LIF")
    graded_inputs(net)
    sp = net.run_simulation(DUR, seed=2)
    pd.testing.assert_frame_equal(sp.reset_index(drop=True), a.spikes.reset_index(drop=True),
                                  check_exact=True)       # graded neurons never spike
    for ref in (a, g):
        cols = ref.records["v"].columns
        assert np.array_equal(net.records["v"][cols].to_numpy(), ref.records["v"].to_numpy())
    assert g.records["v"]["g000"].max() > -30.0            # the graded neurons did respond


def test_exchange_between_groups_equals_the_one_group_path(monkeypatch):
    """The multi-group epoch loop (with its Python-side routing) on a one-model network gives
    the one-kernel path's bits."""
    rng = np.random.default_rng(1)
    net = PointNetwork.from_edge_list(_edges("a", 80, 900, rng), model="LIF")
    _inputs(net, list(net.ids), POPS["LIF"][1], "LIF")
    ref = net.run_simulation(DUR, seed=4).copy()
    v = net.records["v"].copy()
    orig = sim.EngineRun.__init__

    def multi(self, *a, **k):
        orig(self, *a, **k)
        self.solo = False

    monkeypatch.setattr(sim.EngineRun, "__init__", multi)
    sp = net.run_simulation(DUR, seed=4)
    assert len(ref) > 200
    pd.testing.assert_frame_equal(sp, ref, check_exact=True)
    assert np.array_equal(net.records["v"].to_numpy(), v.to_numpy())


def test_spiking_drives_graded_and_graded_drives_spiking():
    net = PointNetwork("LIF")
    net.add_neurons(["s1", "s2"])
    net.add_neurons(["g"], model="graded")
    net.connect("s1", "g", 300.0, delay=1.0)          # pS opened per spike
    net.connect("g", "s2", 0.5, delay=1.0)            # nA at full activation
    net.set_params("g", a_r=None, v_half=-25.0, slope=2.0)
    net.add_stimulus("s1", start=10.0, stop=60.0, frequency=200.0, randomness=0.0)
    net.add_voltage_record(["g", "s2"])
    sp = net.run_simulation(120.0, seed=0)
    v = net.records["v"]
    assert (sp.neuron_id == "s1").sum() >= 9
    assert v["g"].loc[:9.9].eq(-35.0).all() and v["g"].max() > -25.0     # depolarised
    assert (sp.neuron_id == "s2").any()                  # the graded current drove s2
    assert (v["s2"].loc[:10] - (-52.0)).abs().max() < 0.2     # s(-35 mV) ~ 0.007: little
    assert sp[sp.neuron_id == "s2"].time.min() > 11.0        # s2 fires after s1 drives g
    # graded output into an event-driven neuron is refused (IntFire takes no current)
    bad = PointNetwork("IntFire1")
    bad.add_neurons(["i"])
    bad.add_neurons(["g"], model="graded")
    bad.connect("g", "i", 0.5)
    with pytest.raises(ParameterError, match="IntFire1"):
        bad.run_simulation(10.0)


def test_set_model_and_per_pair_weight_scale():
    e = pd.DataFrame({"pre": ["x", "y", "z"], "post": ["y", "z", "x"], "weight": [4, -2, 3]})
    net = PointNetwork.from_edge_list(e, model="LIF",
                                      weight_scale={("LIF", "graded"): 50.0})
    net.set_model(["z"], "graded", C=2.0)
    comp = compile_network(net)
    assert [g.model.name for g in comp.groups] == ["LIF", "graded"]
    # y -> z: LIF onto graded, 2 synapses x 50 pS, inhibitory; x -> y: 4 x 0.275 mV
    assert np.isclose(np.sort(comp.w), [-100.0, 1.1]).all()
    # z -> x: graded onto LIF, a current of 3 x graded_current nA
    assert np.isclose(comp.cx_w, [3 * net.graded_current]).all()
    assert net.get_params("z")["C"].item() == 2.0
    with pytest.raises(ParameterError, match="ambiguous"):
        PointNetwork.from_edge_list(e, model={"*": "LIF", "z": "graded"}, labels={"z": "z"},
                                    weight_scale=0.3)
    with pytest.raises(ParameterError, match="v_th"):
        net.set_params(["x", "z"], v_th=-40.0)           # z (graded) has no v_th


def _connected_pair(rng):
    """LIF and AdEx populations with edges both ways between them (delays 1.2-3 ms)."""
    a, b = _edges("a", 60, 500, rng), _edges("b", 60, 500, rng)
    ab = pd.DataFrame({"pre": [f"a{i:03d}" for i in rng.integers(0, 60, 150)],
                       "post": [f"b{i:03d}" for i in rng.integers(0, 60, 150)],
                       "weight": rng.integers(1, 8, 150)})
    ba = pd.DataFrame({"pre": [f"b{i:03d}" for i in rng.integers(0, 60, 150)],
                       "post": [f"a{i:03d}" for i in rng.integers(0, 60, 150)],
                       "weight": rng.integers(1, 8, 150)})
    e = pd.concat([a, b, ab, ba], ignore_index=True)
    e["delay"] = rng.choice([1.2, 1.7, 2.0, 3.0], len(e))
    net = PointNetwork.from_edge_list(e, model={"a": "LIF", "b": "AdEx"},
                                      labels={i: i[0] for i in pd.unique(
                                          e[["pre", "post"]].to_numpy().ravel())},
                                      delay="delay", weight_scale={"AdEx": 2.0})
    for m, p in (("LIF", "a"), ("AdEx", "b")):
        _inputs(net, [i for i in net.ids if i.startswith(p)], POPS[m][1], m)
    return net


def test_windowed_groups_equal_the_epoch_exchange():
    """Clock-driven groups connected both ways run a window (the shortest delay between
    groups) each and exchange spikes at its end; every spike must arrive at the step the
    epoch-by-epoch exchange (all spikes routed every shortest delay) delivers it."""
    net = _connected_pair(np.random.default_rng(8))
    sp = net.run_simulation(DUR, seed=3).copy()
    v = net.records["v"].copy()
    orig = sim.EngineRun.__init__
    seen = []

    def epochs(self, *a, **k):
        orig(self, *a, **k)
        seen.append((self.windowed, getattr(self, "window", None)))
        self.windowed = False

    try:
        sim.EngineRun.__init__ = epochs
        ref = net.run_simulation(DUR, seed=3)
    finally:
        sim.EngineRun.__init__ = orig
    assert (ref.neuron_id.str[0] == "a").sum() > 100 and (ref.neuron_id.str[0] == "b").sum() > 50
    pd.testing.assert_frame_equal(sp, ref, check_exact=True)
    # the additions into one input may come in another order: last bits only
    np.testing.assert_allclose(v.to_numpy(), net.records["v"].to_numpy(), rtol=0, atol=1e-9)
    assert seen == [(True, 12)]                    # 1.2 ms between groups at dt 0.1 ms


def test_windowed_failure_ends_every_group_at_the_failure():
    """max_spikes reached by one group: the other group, which may have run its window
    further, is cut at the same time; what is kept equals the start of the full run."""
    from connectome_sim.errors import SimulationError

    net = _connected_pair(np.random.default_rng(8))
    full = net.run_simulation(DUR, seed=3).copy()
    with pytest.raises(SimulationError, match="max_spikes"):
        net.run_simulation(DUR, seed=3, max_spikes=300)
    res = net.result
    assert not res.complete and 0 < res.t_reached < DUR
    kept = res.spikes
    assert len(kept) <= 300 and kept.time.max() < res.t_reached
    head = full[full.time < kept.time.max() + 1e-9].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), head, check_exact=True)
    assert set(kept.neuron_id.str[0]) == {"a", "b"}


def test_two_graded_groups_each_drive_their_own_targets():
    """Two continuous groups (graded, threshold_linear) each sending graded current to spiking
    neurons: each output must reach its own targets, as it does in a network of its own."""
    def pair(net, src, model, tgt, amp):
        net.add_neurons([src], model=model)
        net.add_neurons([tgt], model="LIF")
        net.connect(src, tgt, 0.8, delay=1.0)
        net.add_current(src, amp, start=10.0, stop=90.0)
        if model == "graded":
            net.set_params(src, a_r=None, v_half=-25.0, slope=2.0)

    def build(parts):
        net = PointNetwork("LIF")
        for p in parts:
            pair(net, *p)
        net.add_voltage_record([p[2] for p in parts])
        net.run_simulation(120.0, seed=0)
        return net.records["v"]

    G = ("g", "graded", "s_g", 0.02)
    T = ("t", "threshold_linear", "s_t", 1.0)
    both = build([G, T])
    for part in (G, T):
        alone = build([part])
        assert alone[part[2]].max() > alone[part[2]].iloc[0] + 1.0     # the output arrived
        assert np.array_equal(both[part[2]].to_numpy(), alone[part[2]].to_numpy()), part[1]
