"""The cable engine fed during a run: events queued chunk by chunk (CableRun.add_events) give
the bits of a run that had every event from the start, and take_spikes hands back each
chunk's spikes.  The reference is the engine's own one-go path, which the cable parity tests
hold against NEURON."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable.compile import compile_cell, compile_events
from connectome_sim.cable.model import CompartmentModel
from connectome_sim.engine.cable_run import CableRun, EventArrays, run_cable

DT = 0.025
N = 4000


def _model():
    # a 3-branch cell with hh at the root and synapses on every branch
    nodes = pd.DataFrame({"node_id": np.arange(1, 8), "parent_id": [-1, 1, 2, 1, 4, 1, 6],
                          "x": [0, 20, 40, -20, -40, 0, 0.0], "y": [0, 0, 0, 0, 0, 20, 40.0],
                          "z": 0.0, "radius": [5, 1, 1, 1, 1, 1, 1.0]})
    m = CompartmentModel(nodes, res=5)
    m.insert("pas", g=1e-4, e=-65)
    m.insert("hh")
    m.add_voltage_record([1, 3, 5, 7])
    m.add_spike_detector(1, threshold=0)
    rng = np.random.default_rng(3)
    for node in (3, 5, 7, 3):
        m.connect(np.sort(rng.uniform(1, 95, 12)), node, syn_tau1=0.5, syn_tau2=5,
                  cn_weight=0.004, cn_delay=float(rng.uniform(0.5, 3)))
    return m


@pytest.fixture(scope="module")
def system():
    m = _model()
    cc = compile_cell(m)
    ev, _ = compile_events(m, 1, 0, N * DT)
    return cc, ev


def test_events_fed_in_chunks_give_the_same_bits(system):
    cc, ev = system
    ref = run_cable(cc.arrays, ev, N, DT, -65.0, rec_v=cc.rec_v)
    assert ref["spk_n"][0] >= 2, "the reference must spike"
    run = CableRun(cc.arrays, EventArrays.empty(1), N, DT, -65.0, rec_v=cc.rec_v,
                   max_spikes=64)
    dets, steps = [], []
    k = 0
    # odd chunk lengths; each chunk's events are queued just before it
    for n in [1, 7, 64, 33, 500, 3] * 40:
        n = min(n, N - k)
        lo, hi = (k - 0.5) * DT, (k + n - 0.5) * DT
        due = (ev.time > lo) & (ev.time <= hi) if k else ev.time <= hi
        run.add_events(0, ev.time[due], ev.syn[due], ev.w[due])
        run.advance(n)
        d, s = run.take_spikes(0)
        dets.append(d)
        steps.append(s)
        k += n
        if k == N:
            break
    assert k == N
    np.testing.assert_array_equal(run.O.out_rec, ref["rec"])
    n = int(ref["spk_n"][0])
    np.testing.assert_array_equal(np.concatenate(steps), ref["spk_step"][0, :n])
    np.testing.assert_array_equal(np.concatenate(dets), ref["spk_det"][0, :n])


def test_events_queued_early_out_of_order(system):
    """Events queued long before they are due, in reverse order, merge by time."""
    cc, ev = system
    ref = run_cable(cc.arrays, ev, N, DT, -65.0, rec_v=cc.rec_v)
    run = CableRun(cc.arrays, EventArrays.empty(1), N, DT, -65.0, rec_v=cc.rec_v)
    half = len(ev.time) // 2
    run.add_events(0, ev.time[half:][::-1], ev.syn[half:][::-1], ev.w[half:][::-1])
    run.add_events(0, ev.time[:half], ev.syn[:half], ev.w[:half])
    run.advance(N)
    np.testing.assert_array_equal(run.O.out_rec, ref["rec"])


def test_event_in_the_past_refused(system):
    cc, ev = system
    run = CableRun(cc.arrays, EventArrays.empty(1), N, DT, -65.0, rec_v=cc.rec_v)
    run.advance(100)
    with pytest.raises(ValueError, match="due before step 100"):
        run.add_events(0, [99 * DT], [0], [0.001])
    run.add_events(0, [99.6 * DT], [0], [0.001])       # due at step 100: accepted
    with pytest.raises(ValueError, match="synapse that does not exist"):
        run.add_events(0, [200 * DT], [99], [0.001])
