"""Acceptance: a cable neuron inside a point network is the CompartmentModel it was given.

1. Presynaptic point neurons (event-driven IntFire1 relaying fixed spike trains, and a
   clock-driven LIF inhibitory neuron) drive a DA1 projection neuron; its voltages equal, bit
   for bit, those of the same CompartmentModel driven by the same spike times (the network's
   spike table) at the same synapses through ``add_synapse``/``drive_synapses``, for each of
   two trials run in parallel.
2. Point neurons driven by the cable neuron receive its input at the detected spike times plus
   the edge delay: an IntFire1 target matches, bit for bit, the same network in which the cable
   neuron is replaced by a source firing at those times; a LIF target's voltage bends exactly
   at the detected spike steps plus the delay in steps.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim import PointNetwork

from ms_helpers import drive_like, linker_node, pn_model

DT, T = 0.025, 120.0
PN = 7205759403792793601            # a FlyWire-sized ID: above 2**53, exact end to end
ORNS = [7205759403792793611, 7205759403792793612, 7205759403792793613]
LN = 7205759403792793620
TGT_IF, TGT_LIF = 7205759403792793630, 7205759403792793631


def _network(model=None, pn_times=None):
    """ORNs and LN -> PN -> targets; the PN is the cable ``model``, or an IntFire1 relaying
    ``pn_times``."""
    net = PointNetwork("IntFire1")
    net.add_neurons(ORNS, labels="ORN")
    rng = np.random.default_rng(11)
    trains = [np.sort(rng.uniform(2.0, T - 10, 14)) for _ in ORNS]
    net.add_spike_times(ORNS, trains, weight=2.0)           # each input fires its IntFire1
    net.add_neurons([LN], model="LIF", labels="LN")
    net.add_poisson_input([LN], rate=120.0, weight=30.0)    # a clock-driven, noisy source
    if model is not None:
        net.add_cable_neuron(PN, model, weight=0.004, threshold=-20.0,
                             spike_node=linker_node(1), kinetics={"LN": {"tau2": 10.0}})
        net.connect(ORNS, PN, [20, 15, 25], delay=[1.0, 1.5, 2.0])
        net.connect(LN, PN, -10, delay=1.2)
    else:
        net.add_neurons([PN], model="IntFire1", refrac=0.0)
        net.add_spike_times([PN], pn_times, weight=2.0)
    net.add_neurons([TGT_IF], model="IntFire1")
    net.add_neurons([TGT_LIF], model="LIF")
    return net


@pytest.fixture(scope="module")
def hybrid():
    m = pn_model(1)
    m.add_voltage_record([500, 1000, 3000])
    net = _network(m)
    net.run_simulation(T, dt=DT, seed=3, n_trials=2)
    return net, m


def test_cable_neuron_equals_its_compartment_model(hybrid):
    net, m = hybrid
    sp = net.spikes
    syn = net.cable_synapses(PN)
    assert set(syn["pre"]) == set(ORNS) | {LN}
    assert (syn.loc[syn["pre"] == LN, "e"] == -80.0).all()        # inhibitory edge: e_inh
    assert (syn.loc[syn["pre"] == LN, "tau2"] == 10.0).all()      # kinetics by label
    assert len(syn) == 20 + 15 + 25 + 10
    for trial in range(2):
        st = sp[sp.trial == trial]
        trains = {i: st.loc[st.neuron_id == i, "time"].to_numpy() for i in ORNS + [LN]}
        assert all(len(trains[i]) >= 3 for i in ORNS + [LN])
        ref = drive_like(pn_model(1), syn, trains)
        ref.add_voltage_record([500, 1000, 3000])
        ref.add_spike_detector(linker_node(1), threshold=-20.0)
        ref.run_simulation(T, v_init=-65.0, dt=DT)
        ours = m.records["v"].xs(trial, level="trial")
        assert list(ours.columns) == list(ref.records["v"].columns)
        np.testing.assert_array_equal(ours.to_numpy(), ref.records["v"].to_numpy())
        # the network's spike table holds the cable neuron's detected spikes
        pn_sp = st.loc[st.neuron_id == PN, "time"].to_numpy()
        np.testing.assert_array_equal(pn_sp, ref.spikes["time"].to_numpy())
    assert (sp.neuron_id == PN).sum() >= 2, "the projection neuron must spike"
    assert sp["neuron_id"].dtype == np.int64 and PN in set(sp["neuron_id"])


def test_trials_differ_only_by_their_random_input(hybrid):
    net, m = hybrid
    v = m.records["v"]
    assert not np.array_equal(v.xs(0, level="trial").to_numpy(), v.xs(1, level="trial").to_numpy())


def test_point_targets_receive_detected_spikes_plus_delay():
    m = pn_model(1)
    net = _network(m)
    net.connect(PN, [TGT_IF, TGT_LIF], [0.4, 6.0], delay=[1.3, 2.0])
    net.add_voltage_record([TGT_IF, TGT_LIF])
    net.run_simulation(T, dt=DT, seed=5)
    sp = net.spikes
    t_pn = sp.loc[sp.neuron_id == PN, "time"].to_numpy()
    assert len(t_pn) >= 2
    # the same network with the cable neuron replaced by a source firing at its spike times
    ref = _network(pn_times=t_pn)
    ref.connect(PN, TGT_IF, 0.4, delay=1.3)
    ref.add_voltage_record([TGT_IF])
    ref.run_simulation(T, dt=DT, seed=5)
    rs = ref.spikes
    np.testing.assert_array_equal(rs.loc[rs.neuron_id == PN, "time"].to_numpy(), t_pn)
    np.testing.assert_array_equal(net.records["v"][TGT_IF].to_numpy(),
                                  ref.records["v"][TGT_IF].to_numpy())
    np.testing.assert_array_equal(sp.loc[sp.neuron_id == TGT_IF, "time"].to_numpy(),
                                  rs.loc[rs.neuron_id == TGT_IF, "time"].to_numpy())
    assert (net.records["v"][TGT_IF] > 0).any()
    # LIF target (Shiu et al.'s synapse: a weight of 6 mV increments its synaptic variable in
    # step k = spike step + 2.0 / dt, which v integrates from step k + 1 on): a kink in v
    v = net.records["v"][TGT_LIF].to_numpy()
    k = np.rint(t_pn / DT).astype(int) + int(round(2.0 / DT))
    np.testing.assert_array_equal(np.flatnonzero(np.diff(v, 2) > 0.003), k)
