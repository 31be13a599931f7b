"""Spikes crossing between the point engine and the cable engine arrive at the step their
delay says, in both directions, whatever the epoch (the engines exchange spikes only between
epochs).  Expected steps are derived here from the rules, not from runs:

- a clock-driven neuron's spike at step ``k`` reaches its targets at step ``k + rint(d/dt)``
  (as between point neurons);
- a spike at an exact time ``t`` (event-driven neuron) reaches a cable synapse at the first
  step ``k`` with ``t + d <= (k + 1/2) dt``, as NEURON delivers a NetCon event at a fixed step
  (Hines & Carnevale, The NEURON Book, 2006, ch. 10), and an event-driven target at ``t + d``
  exactly;
- a passive cell at rest keeps its potential (to round-off, < 1e-9 mV) until an event
  arrives.  An Exp2Syn's conductance B - A is zero at the delivery of an event (it adds to
  both terms); the step from the delivery time is solved with it, the states then advance,
  and the next step conducts (NEURON's fixed-step order): the first recorded sample that
  differs (by ~0.2 mV; more than 1e-4 mV) is at the delivery step + 2.

A spike handed over one step or one epoch late moves these steps (or, now, raises).
"""

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from connectome_sim import PointNetwork
from connectome_sim.errors import SimulationError
from connectome_sim.network import simulate

from test_multiscale_api import toy

DT = 0.1
T_EXACT = 2.03          # an IntFire1 source's spike (ms), off the grid
EPOCH = 0.5             # the shortest delay onto a cable neuron in most cases (ms)
# delay of the edge under test: one epoch, 1.5 epochs, off the grid, a half step (rint ties)
DELAYS = [0.5, 0.75, 0.73, 0.45, 1.25]


def neuron_step(t, d, dt=DT):
    """First step k with t + d <= (k + 1/2) dt, in exact arithmetic on the given floats."""
    return math.ceil((Fraction(t) + Fraction(d)) / Fraction(dt) - Fraction(1, 2))


def first_change(v):
    """Index of the first sample more than 1e-4 mV from the first (the cell's rest)."""
    v = np.asarray(v)
    idx = np.flatnonzero(np.abs(v - v[0]) > 1e-4)
    assert idx.size, "the input never arrived"
    return int(idx[0])


def spike_step(spikes, nid, dt=DT):
    t = spikes.loc[spikes.neuron_id == nid, "time"].to_numpy()
    assert t.size, f"neuron {nid} did not spike"
    return int(round(t[0] / dt)), float(t[0])


def point_to_cable_net(d, n_trials=1):
    """IntFire1 50 (spike at T_EXACT) -> passive cable 5, LIF 60 -> passive cable 6, both with
    delay ``d``; 61 (silent) -> 5 with delay EPOCH bounds the epoch.  Any compartment of a
    passive cell moves the step after an event anywhere in it (implicit solve)."""
    net = PointNetwork("IntFire1")
    net.add_neurons([50, 61])
    net.add_neurons([60], model="LIF")
    net.add_spike_times([50], [T_EXACT], weight=2.0)
    net.add_spike_times([60], [3.0], weight=100.0)
    for nid, pre, node in ((5, 50, 3), (6, 60, 8)):
        m = toy(nid, hh=False)
        m.add_voltage_record(node, label="syn")
        # 5: synapses from a table; 6: placed by the fallback rule (60 is no partner)
        tab = pd.DataFrame({"pre": [pre, 61], "node_id": [node, 4]}) if nid == 5 else None
        net.add_cable_neuron(nid, m, synapses=tab, weight=0.001)
        net.connect(pre, nid, 1, delay=d)
    net.connect(61, 5, 1, delay=EPOCH)
    net.run_simulation(8.0, dt=DT, seed=1, n_trials=n_trials)
    return net


@pytest.mark.parametrize("d", DELAYS)
def test_point_spike_reaches_cable_at_its_step(d):
    net = point_to_cable_net(d, n_trials=2)
    _, t50 = spike_step(net.spikes, 50)
    k60, _ = spike_step(net.spikes, 60)
    assert t50 == T_EXACT
    for tr in (0, 1):
        v5 = net.cable_models[5].records["v"].xs(tr, level="trial")["syn"]
        v6 = net.cable_models[6].records["v"].xs(tr, level="trial")["syn"]
        # event-driven source: NEURON's rule on t + d
        assert first_change(v5) == neuron_step(T_EXACT, d) + 2
        # clock-driven source: k + rint(d/dt), as between point neurons
        assert first_change(v6) == k60 + int(np.rint(d / DT)) + 2


def cable_to_point_net(d):
    """hh cable 5 driven to spike by IntFire1 50 -> IntFire1 70 (w 2: fires on arrival) and
    LIF 71 with delay ``d``; the twin LIF 60 -> LIF 72 with the same delay gives the LIF's
    own lag between arrival and its first voltage change; 5 -> 73 with delay EPOCH bounds
    the epoch."""
    net = PointNetwork("IntFire1")
    net.add_neurons([50, 70, 73])
    net.add_neurons([60, 71, 72], model="LIF")
    net.add_spike_times([50], [1.0], weight=2.0)
    net.add_spike_times([60], [3.0], weight=100.0)
    net.add_cable_neuron(5, toy(5), weight=0.05, threshold=0.0)
    net.connect(50, 5, 2, delay=1.0)
    net.connect(5, [70, 71], [2.0, 100.0], delay=d)
    net.connect(60, 72, 100.0, delay=d)
    net.connect(5, 73, 0.5, delay=EPOCH)
    net.add_voltage_record([71, 72])
    net.run_simulation(10.0, dt=DT, seed=1)
    return net


@pytest.mark.parametrize("d", DELAYS)
def test_cable_spike_reaches_point_targets_at_its_step(d):
    net = cable_to_point_net(d)
    k5, t5 = spike_step(net.spikes, 5)
    k60, _ = spike_step(net.spikes, 60)
    n = int(np.rint(d / DT))
    # event-driven target: fires at the exact arrival time
    assert spike_step(net.spikes, 70)[1] == pytest.approx(t5 + d, abs=1e-12)
    # clock-driven target: the same lag after arrival as for a point source
    lag = first_change(net.records["v"][72]) - (k60 + n)
    assert 0 <= lag <= 2           # (its synaptic current first, then v)
    assert first_change(net.records["v"][71]) == k5 + n + lag


def test_epoch_follows_delays_added_after_a_run():
    """Shorter edges onto and out of a cable neuron, added after a first run: the next run's
    epochs follow (no late spike, exact arrivals)."""
    net = point_to_cable_net(1.25)
    net.connect(61, 6, 1, delay=0.2)
    net.run_simulation(8.0, dt=DT, seed=1)
    k60, _ = spike_step(net.spikes, 60)
    v6 = net.cable_models[6].records["v"]["syn"]
    assert first_change(v6) == k60 + int(np.rint(1.25 / DT)) + 2
    net = cable_to_point_net(0.75)
    net.add_neurons([74])
    net.connect(5, 74, 2.0, delay=0.25)
    net.run_simulation(10.0, dt=DT, seed=1)
    _, t5 = spike_step(net.spikes, 5)
    assert spike_step(net.spikes, 70)[1] == pytest.approx(t5 + 0.75, abs=1e-12)
    assert spike_step(net.spikes, 74)[1] == pytest.approx(t5 + 0.25, abs=1e-12)


@pytest.fixture
def long_epochs(monkeypatch):
    """An engine whose epochs are longer than the delays (the bug the guards catch)."""
    init = simulate.EngineRun.__init__

    def bad_init(self, *a, **k):
        init(self, *a, **k)
        self.E = 40
    monkeypatch.setattr(simulate.EngineRun, "__init__", bad_init)


def test_late_point_to_cable_spike_raises(long_epochs):
    with pytest.raises(SimulationError, match=r"edge 50 -> cable neuron 5 .*late"):
        point_to_cable_net(0.75)


def test_late_cable_to_point_spike_raises(long_epochs):
    with pytest.raises(SimulationError, match=r"cable neuron 5 .*late"):
        cable_to_point_net(0.75)
