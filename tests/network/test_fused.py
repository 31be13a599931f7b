"""The fused lockstep: groups coupled by gap junctions between them (an epoch of one step)
advance inside one compiled loop, which also exchanges spikes, graded outputs and gap
currents between the groups every step; it must give the bits of the step-by-step Python
exchange it replaces."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.network import PointNetwork
from connectome_sim.network import simulate as sim

DUR = 300.0


def _ids(p, idx):
    return [f"{p}{i:03d}" for i in idx]


def _chemical(seed, blocks):
    """Random chemical edges, one frame per block (pre prefix, how many, post prefix, how
    many, edges), no self-connections, a fifth of them inhibitory."""
    rng = np.random.default_rng(seed)
    parts = []
    for pre, npre, post, npost, m in blocks:
        s, t = rng.integers(0, npre, m), rng.integers(0, npost, m)
        keep = (s != t) | (pre != post)
        parts.append(pd.DataFrame({
            "pre": _ids(pre, s[keep]), "post": _ids(post, t[keep]),
            "weight": rng.integers(1, 6, keep.sum()) * np.where(rng.random(keep.sum()) < 0.2,
                                                                 -1, 1),
            "type": "chemical"}))
    return parts


def _mixed(seed=7):
    """LIF ('a') and graded ('g') populations: chemical edges within and both ways between
    them, gap junctions within the graded group and between the groups, Poisson input,
    a current step and voltage records in both."""
    parts = _chemical(seed, (("a", 40, "a", 40, 300), ("g", 30, "g", 30, 150),
                             ("a", 40, "g", 30, 120), ("g", 30, "a", 40, 80)))
    gap = pd.DataFrame({"pre": _ids("a", [0, 3, 5, 7, 9, 11]) + _ids("g", [1, 2]),
                        "post": _ids("g", [0, 4, 6, 8, 10, 12]) + _ids("g", [3, 5]),
                        "weight": [2, 1, 3, 2, 1, 2, 1, 2], "type": "electrical"})
    e = pd.concat(parts + [gap], ignore_index=True)
    labels = {i: i[0] for i in pd.unique(e[["pre", "post"]].to_numpy().ravel())}
    net = PointNetwork.from_edge_list(e, model={"a": "LIF", "g": "graded"}, labels=labels,
                                      g_syn=30.0, g_gap=15.0)
    net.add_poisson_input(_ids("a", range(12)), rate=150.0)
    net.add_stimulus(_ids("a", [20, 21]), start=5.0, stop=250.0, frequency=40.0,
                     randomness=0.5)
    net.add_current(_ids("g", [7, 9]), 0.01, start=30.0, stop=200.0)
    net.add_current(_ids("a", [30]), 0.3, start=50.0, stop=150.0)
    net.add_voltage_record(_ids("a", [0, 3, 30, 31]) + _ids("g", [0, 3, 4, 7, 20]))
    return net


def test_fused_lockstep_equals_the_python_exchange(lockstep_run):
    net = _mixed()
    sp, v, seen = lockstep_run(net, True, DUR)
    assert seen == [True]                       # the fused loop ran
    ref, vref, _ = lockstep_run(net, False, DUR)
    assert (ref.neuron_id.str[0] == "a").sum() > 100
    pd.testing.assert_frame_equal(sp, ref, check_exact=True)
    assert np.array_equal(v.to_numpy(), vref.to_numpy())            # bit for bit
    g = vref[_ids("g", [0, 4])]
    assert (g.max() - g.iloc[0]).min() > 0.5    # the gap junctions from LIF moved them


def test_fused_lockstep_run_in_pieces_and_on_failure(lockstep_run):
    """max_spikes reached inside the fused loop ends the run where the Python exchange
    ends it, with the same spikes kept."""
    from connectome_sim.errors import SimulationError

    net = _mixed(seed=3)
    out = []
    for fused in (True, False):
        with pytest.raises(SimulationError, match="max_spikes"):
            lockstep_run(net, fused, DUR, max_spikes=150)
        out.append((net.result.t_reached, net.result.spikes.copy()))
    assert out[0][0] == out[1][0] and 0 < out[0][0] < DUR
    pd.testing.assert_frame_equal(out[0][1], out[1][1], check_exact=True)


def test_the_fused_loop_is_compiled_once_lockstep_steps_pay_for_it(monkeypatch):
    """Not compiled yet (~5 s): short runs take the Python exchange until this process has
    run FUSED_AFTER_STEPS lockstep steps of these kernels; a compiled one is used at once."""
    from connectome_sim.engine import codegen
    from connectome_sim.engine import network as eng

    net = _mixed()
    monkeypatch.setattr(sim, "_LOCKSTEP_STEPS", {})
    monkeypatch.setattr(sim, "FUSED_AFTER_STEPS", 5000)
    monkeypatch.setattr(eng, "_FUSED", {})
    monkeypatch.setattr(codegen, "is_cached", lambda *a, **k: False)
    used = []
    orig = sim.EngineRun._run_fused

    def run_fused(self, k1):
        used.append(k1)
        return orig(self, k1)

    monkeypatch.setattr(sim.EngineRun, "_run_fused", run_fused)
    sp1 = net.run_simulation(DUR, seed=5).copy()        # 3000 steps: Python
    assert not used and sum(sim._LOCKSTEP_STEPS.values()) == 3000
    sp2 = net.run_simulation(DUR, seed=5)               # 3000 + 3000 >= 5000: compiled
    assert used and sum(sim._LOCKSTEP_STEPS.values()) == 3001   # (its first step)
    pd.testing.assert_frame_equal(sp1, sp2, check_exact=True)
    monkeypatch.setattr(sim, "FUSED_AFTER_STEPS", 10 ** 9)
    used.clear()
    net.run_simulation(DUR, seed=5)                     # loaded now: used at once
    assert used


def _three_groups(seed=11):
    """A large LIF group ('a', no gap junctions, so it may run in parallel lanes) driving a
    graded group ('g') that shares gap junctions with a small AdEx group ('x'): the gap
    junctions between g and x put the whole network in lockstep, so the fused loop advances
    a multi-lane clock group one step at a time."""
    parts = _chemical(seed, (("a", 120, "a", 120, 900), ("a", 120, "g", 20, 200),
                             ("g", 20, "a", 120, 60), ("x", 6, "a", 120, 40),
                             ("g", 20, "g", 20, 60)))
    gap = pd.DataFrame({"pre": _ids("x", [0, 1, 2, 3]), "post": _ids("g", [0, 1, 2, 3]),
                        "weight": [2, 1, 3, 2], "type": "electrical"})
    e = pd.concat(parts + [gap], ignore_index=True)
    labels = {i: i[0] for i in pd.unique(e[["pre", "post"]].to_numpy().ravel())}
    net = PointNetwork.from_edge_list(e, model={"a": "LIF", "g": "graded", "x": "AdEx"},
                                      labels=labels, g_syn=30.0, g_gap=15.0)
    net.add_poisson_input(_ids("a", range(40)), rate=150.0)
    net.add_current(_ids("x", [0, 1]), 40.0, start=20.0, stop=250.0)  # (R = 1 MΩ)
    net.add_voltage_record(_ids("a", [0, 50, 119]) + _ids("g", [0, 5]) + _ids("x", [0, 2]))
    return net


@pytest.mark.parametrize("threads", [1, 2])
def test_fused_loop_with_a_multi_lane_clock_group(monkeypatch, lockstep_run, threads):
    """The LIF group split into lanes (threads=2) inside the fused loop: the same bits as
    the Python exchange, and as one lane."""
    import os

    if threads > 1 and (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no lanes")
    monkeypatch.setattr(sim, "PARALLEL_MIN", 50)
    net = _three_groups()
    lanes = sim.choose_lanes(net, 1, threads)
    assert lanes == ({"LIF": threads} if threads > 1 else {})
    sp, v, seen = lockstep_run(net, True, DUR, threads=threads)
    assert seen == [True]
    ref, vref, _ = lockstep_run(net, False, DUR, threads=threads)
    one, vone, _ = lockstep_run(net, True, DUR, threads=1)
    assert (ref.neuron_id.str[0] == "a").sum() > 200 and (ref.neuron_id.str[0] == "x").any()
    for s, vv in ((ref, vref), (one, vone)):
        pd.testing.assert_frame_equal(sp, s, check_exact=True)
        assert np.array_equal(v.to_numpy(), vv.to_numpy())
