"""The clock kernel's two passes: dense (``step_all``, every neuron) and sparse (awake list),
and its lanes.

The kernel picks a pass per ~64-step block from the work it measures; both must give the same
spikes, whatever the pass, the number of lanes or threads, or the parameters (uniform or not).
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.datasets import load_celegans
from connectome_sim.errors import SimulationError
from connectome_sim.network import PointNetwork
from connectome_sim.network import simulate as sim
from connectome_sim.network.compile import compile_network
from connectome_sim.network.models import lif
from connectome_sim.network.models.lif import LIF

DT = 0.1


@pytest.fixture(autouse=True)
def both_passes(monkeypatch):
    """These tests are about the two passes and the switch between them: every network here
    gets the kernel that has both (small groups run the dense-only variant by default)."""
    monkeypatch.setattr(sim.eng, "DENSE_ONLY_MAX", 0)


def _case(rng, n, uniform, k=1000):
    """Random LIF states around threshold, some refractory, some with input (mV, ms)."""
    props = {} if uniform else {"v_th": rng.uniform(-47, -43, n), "t_mbr": rng.uniform(10, 30, n),
                                "t_rfc": rng.choice([0.0, 1.0, 2.2], n)}
    P = LIF.prepare(LIF.param_array(n, props), DT)
    S = LIF.init_state(P)
    S[0] = rng.uniform(-53.0, -44.0, n)
    S[1] = rng.uniform(-2.0, 3.0, n)
    recent = rng.random(n) < 0.3
    S[2] = np.where(recent, (k - rng.integers(0, 30, n)) * DT, -1e9)
    I = np.zeros((2, n))
    hit = rng.random(n) < 0.4
    I[0, hit] = rng.uniform(-1, 2, hit.sum())
    I[1, rng.random(n) < 0.1] = 68.75
    S[1, :4] = 1.01e-250                                  # decays below G_TINY: flushed
    S[2, :4] = -1e9
    I[:, :4] = 0.0
    return P, S, I, k * DT


@pytest.mark.parametrize("uniform", [True, False])
@pytest.mark.parametrize("current", [False, True])
def test_step_all_is_bit_identical_to_step(uniform, current):
    rng = np.random.default_rng(5)
    n = 403                                               # not a multiple of the vector width
    P, S0, I, t = _case(rng, n, uniform)
    assert P[lif.PUNI, 0] == float(uniform)
    iext = rng.uniform(-0.05, 0.05, n) if current else np.zeros(n)
    S1 = S0.copy()
    f1 = np.array([lif.lif_step(i, t, DT, S1, P, I, iext) for i in range(n)])
    S2 = S0.copy()
    out = np.zeros(n + 5, np.uint8)
    nsp = lif.lif_step_all(0, n, t, DT, S2, P, I, iext if current else np.empty(0), out)
    S3 = S0.copy()
    f3 = np.zeros(n, np.bool_)
    lif.lif_step_population(np.arange(n), n, t, DT, S3, P, I, iext, f3)
    assert f1.any() and not f1.all() and (S0[1, :4] != 0).all() and (S1[1, :4] == 0).all()
    np.testing.assert_array_equal(out[:n].astype(bool), f1)
    np.testing.assert_array_equal(f3, f1)
    assert nsp == f1.sum()
    assert np.array_equal(S2, S1) and np.array_equal(S3, S1)    # bit for bit


def test_refractory_rule_is_brian2s():
    # Brian2: not refractory <=> int((t - lastspike + 1e-3 dt) / dt) >= int((t_rfc + 1e-3 dt) / dt)
    for rfc in (0.0, 0.05, 0.1, 0.15, 2.2, 2.25, 2.3):
        P = LIF.prepare(LIF.param_array(1, {"t_rfc": rfc}), DT)
        for ks in (0, 7, 123456):
            for m in range(0, 30):
                t, ts = (ks + m) * DT, ks * DT
                brian = int((t - ts + 1e-3 * DT) / DT) >= int((rfc + 1e-3 * DT) / DT)
                assert (t - ts >= P[lif.PTHR, 0]) == brian, (rfc, ks, m)


def _driven_net(every=3, rate=150.0):
    net = PointNetwork.from_edge_list(load_celegans(kind="chemical"), model="LIF", type_col=None)
    net.add_poisson_input(list(net.ids[::every]), rate=rate)
    return net


def _run(net, duration=300.0, seed=1, use_all=True, use_sleep=True, v_init=None, lanes=None,
         parallel=False, max_spikes=10 ** 8, runs=None):
    """The engine directly, with the passes allowed by the flags (same compiled kernel, so
    no extra compilation): returns (spike rows, spike times, status, dense steps, steps, S)
    (and appends the EngineRun to ``runs``)."""
    comp = compile_network(net, lanes)
    n = int(round(duration / DT))
    run = sim.EngineRun(net, comp, DT, 0, n, seed, 0, v_init, max_spikes, 2 ** 31,
                        parallel=parallel)
    if runs is not None:
        runs.append(run)
    g = run.groups[0]
    pop, a, sl = g.extra["flags3"]
    g.extra["flags3"] = (pop, a and use_all, sl and use_sleep)
    run.advance(n)
    rows, t = run.spikes()
    return rows, t, run.status, run.dense_steps(), n, run.groups[0].S


def test_passes_agree(monkeypatch):
    net = _driven_net()
    auto_i, auto_t, _, n_dense, n, _ = _run(net)
    assert 0 < n_dense < n                       # starts sparse, then switches to dense
    assert auto_i.size > 1000
    sp_i, sp_t, _, n_dense, _, _ = _run(net, use_all=False)      # sparse pass only
    assert n_dense == 0
    np.testing.assert_array_equal(sp_i, auto_i)
    np.testing.assert_array_equal(sp_t, auto_t)
    sp_i, sp_t, _, n_dense, _, _ = _run(net, use_sleep=False)    # no sleeping: dense throughout
    assert n_dense == n
    np.testing.assert_array_equal(sp_i, auto_i)
    np.testing.assert_array_equal(sp_t, auto_t)
    # and the public API gives the same spikes, with both passes and with the kernel variant
    # that has the dense pass only (what a network this small runs by default)
    sp = net.run_simulation(300, seed=1).copy()
    assert len(sp) == auto_i.size and (sp.time.to_numpy() == auto_t).all()
    # the delivery prefetches (compiled in for networks of many edges only) change no bit
    asked = []
    kernel = sim.eng.kernel
    monkeypatch.setattr(sim.eng, "kernel", lambda *a, **k: asked.append(k) or kernel(*a, **k))
    monkeypatch.setattr(sim.eng, "PREFETCH_MIN_EDGES", 0)
    pd.testing.assert_frame_equal(net.run_simulation(300, seed=1), sp)
    assert asked and all(k["prefetch"] and k["sparse"] for k in asked)
    monkeypatch.undo()
    assert net.n_neurons <= sim.eng.DENSE_ONLY_MAX
    pd.testing.assert_frame_equal(net.run_simulation(300, seed=1), sp)
    assert net.result.dense_steps == [3000]                      # the dense pass throughout


def test_sparse_when_few_are_awake():
    assert _run(_driven_net(every=100, rate=20.0))[3] == 0


def _random_net(n=400, m=60_000, seed=3):
    """Random float weights (a sum of three or more depends on their order) and strong
    drive: a target gets several inputs per step, from sources in every lane."""
    rng = np.random.default_rng(seed)
    e = pd.DataFrame({"pre": rng.integers(0, n, m), "post": rng.integers(0, n, m),
                      "weight": rng.normal(0.2, 1.0, m)})
    net = PointNetwork.from_edge_list(e, model="LIF", weight_scale=0.61803398875)
    net.add_poisson_input(np.arange(n), rate=200.0)
    return net


@pytest.mark.parametrize("use_sleep", [True, False])
def test_lanes_give_the_same_bits(use_sleep):
    """Two or three lanes (what threads run) give the spikes and final state of one, bit for
    bit, through both passes (the run switches between them)."""
    net = _random_net()
    one = _run(net, use_sleep=use_sleep)
    two = _run(net, use_sleep=use_sleep, lanes={"LIF": 2})
    three = _run(net, use_sleep=use_sleep, lanes={"LIF": 3})
    assert compile_network(net, {"LIF": 3}).groups[0].n_lanes == 3   # 400 neurons: 192+192+16
    assert one[0].size > 1000 and (not use_sleep or 0 < one[3] < one[4])
    for other in (two, three):
        np.testing.assert_array_equal(other[0], one[0])
        np.testing.assert_array_equal(other[1], one[1])
        assert np.array_equal(other[5], one[5])


@pytest.mark.slow
def test_threads_give_the_same_bits():
    """The lanes in numba's threads (the parallel kernel, two threads delivering events at
    once into their own targets), on a network where every neuron gets several inputs per
    step from both lanes: the spikes and final state of one lane in one thread, bit for bit."""
    import numba

    net = _random_net()
    one = _run(net, use_sleep=False)
    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        two = _run(net, use_sleep=False, lanes={"LIF": 2}, parallel=True)
    finally:
        numba.set_num_threads(threads)
    assert one[0].size > 1000 and one[3] == one[4]            # dense throughout
    np.testing.assert_array_equal(two[0], one[0])
    np.testing.assert_array_equal(two[1], one[1])
    assert np.array_equal(two[5], one[5])


def _in_two_threads(f):
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        return f()
    finally:
        numba.set_num_threads(threads)


@pytest.mark.slow
def test_threads_route_through_ring_growth_and_the_spike_cap():
    """Spikes routed into the rings by the threads of their target lanes: the same bits as
    one lane through ring growth (the rings start with room for 256 entries a slot: a
    strongly driven network outgrows them) and the same stop at max_spikes."""
    net = _random_net()
    net.clear_stimuli()
    net.add_poisson_input(net.ids, rate=600.0)
    one = _run(net, use_sleep=False)
    runs = []
    two = _in_two_threads(lambda: _run(net, use_sleep=False, lanes={"LIF": 2}, parallel=True,
                                       runs=runs))
    assert runs[0].rb.shape[2] > 256                          # the rings grew
    np.testing.assert_array_equal(two[0], one[0])
    np.testing.assert_array_equal(two[1], one[1])
    assert np.array_equal(two[5], one[5])
    cap = one[0].size // 2
    one_c = _run(net, use_sleep=False, max_spikes=cap)
    two_c = _in_two_threads(lambda: _run(net, use_sleep=False, lanes={"LIF": 2}, parallel=True,
                                         max_spikes=cap))
    assert one_c[2] == two_c[2] == sim.eng.STATUS_MAX_SPIKES
    np.testing.assert_array_equal(two_c[1], one_c[1])


def test_trials_do_not_depend_on_threads(monkeypatch):
    net = _driven_net()
    a = net.run_simulation(200, seed=4, n_trials=3).copy()
    monkeypatch.setattr(sim.os, "cpu_count", lambda: 1)
    b = net.run_simulation(200, seed=4, n_trials=3).copy()
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("use_all", [True, False])
def test_nonfinite_voltage_stops_the_run(use_all):
    net = PointNetwork("LIF")
    net.add_neurons(["a", "b"])
    net.add_current("a", 1e308, start=1.0)       # nA: r_m * I overflows to inf
    _, _, status, n_dense, _, _ = _run(net, duration=20.0, use_all=use_all)
    assert status == sim.eng.STATUS_NONFINITE and (n_dense > 0) == use_all
    # the message names the neuron that blew up (not its healthy neighbour)
    with pytest.raises(SimulationError, match=r"NaN/inf membrane potential in neuron\(s\) \['a'\] "
                       r"detected at t = [0-9.]+ ms \(it appeared after"):
        net.run_simulation(20)
    assert net.result is not None and not net.result.complete


@pytest.mark.parametrize("model, w, params", [
    ("AdEx", 25.0, {}), ("ExpIF", 25.0, {}), ("Izhikevich", 30.0, {}),
    ("AdEx", 0.5, {"cond_syn": 1.0, "max_substep": 0.03, "tau_ref": 2.0}),
])
def test_reset_models_dense_pass_equals_per_neuron_steps(monkeypatch, model, w, params):
    """ExpIF, AdEx and Izhikevich run every neuron in the dense pass (step_all); it must give
    the per-neuron step's bits (the sparse kernel calling ``step`` for each neuron)."""
    from connectome_sim.network.models import get_model

    rng = np.random.default_rng(4)
    n, m = 120, 2400
    e = pd.DataFrame({"pre": rng.integers(0, n, m), "post": rng.integers(0, n, m),
                      "weight": rng.integers(1, 5, m) * np.where(rng.random(m) < 0.2, -1, 1)})

    def run():
        net = PointNetwork.from_edge_list(e, model=model, weight_scale={model: 0.3})
        if params:
            net.set_params(list(net.ids), **params)
        net.add_poisson_input(list(net.ids[:20]), rate=150.0, weight=w)
        net.add_current(list(net.ids[20:25]), 2.0, start=50.0, stop=150.0)
        net.add_voltage_record(list(net.ids[:30]))
        sp = net.run_simulation(200.0, seed=3).copy()
        return sp, net.records["v"].to_numpy().copy()

    M = get_model(model)
    assert M.step_all is not None
    dense = run()
    monkeypatch.setattr(M, "step_all", None)
    per_neuron = run()
    assert len(dense[0]) > 50
    pd.testing.assert_frame_equal(dense[0], per_neuron[0], check_exact=True)
    assert np.array_equal(dense[1], per_neuron[1])
