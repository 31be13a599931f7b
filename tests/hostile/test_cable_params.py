"""Hostile stimulus, synapse and run parameters of CompartmentModel and the spike-train
generators: each is refused where it is given, naming the keyword (see README.md here)."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable import CompartmentModel
from connectome_sim.errors import ParameterError, StabilityError, UnknownIDError
from connectome_sim.stimuli import (check_spike_times, netstim_times, netstim_trains,
                                    poisson_times, regular_times)

NAN, INF = float("nan"), float("inf")


@pytest.fixture(scope="module")
def tree():
    rows = [(1, -1, 0, 0, 0, 5.0)] + [(2 + k, 1 + k, 10.0 * (k + 1), 0, 0, 1.0)
                                      for k in range(4)]
    rows += [(6, 1, 0, 12, 0, 0.8), (7, 6, 0, 24, 0, 0.8)]
    return pd.DataFrame(rows, columns=["node_id", "parent_id", "x", "y", "z", "radius"])


@pytest.fixture
def model(tree):
    m = CompartmentModel(tree, res=5)
    m.insert("pas", g=1e-4, e=-65)
    return m


PULSES = [
    (dict(start=-1), "start"), (dict(start=NAN), "start"), (dict(start=INF), "start"),
    (dict(duration=-5), "duration"), (dict(duration=NAN), "duration"),
    (dict(duration=INF), "duration"), (dict(current=NAN), "current"),
    (dict(current=INF), "current"), (dict(current=-INF), "current"),
    (dict(current="0.1nA"), "current"), (dict(current=True), "current"),
    (dict(start=[1, 2]), "start"),
]


@pytest.mark.parametrize("kw,culprit", PULSES, ids=[str(k) for k, _ in PULSES])
def test_inject_current_pulse(model, kw, culprit):
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.inject_current_pulse(3, **kw)
    assert model._points == []          # nothing half-added


ALPHA = [(dict(start=-2), "start"), (dict(tau=0), "tau"), (dict(tau=-1), "tau"),
         (dict(tau=NAN), "tau"), (dict(rev_pot=NAN), "rev_pot"),
         (dict(max_syn_cond=-0.1), "max_syn_cond"), (dict(max_syn_cond=INF), "max_syn_cond")]


@pytest.mark.parametrize("kw,culprit", ALPHA, ids=[str(k) for k, _ in ALPHA])
def test_add_synaptic_current(model, kw, culprit):
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.add_synaptic_current(3, **kw)


SYN = [(dict(tau1=0), "tau1"), (dict(tau2=-3), "tau2"), (dict(e=NAN), "e"),
       (dict(tau1=INF), "tau1")]


@pytest.mark.parametrize("kw,culprit", SYN, ids=[str(k) for k, _ in SYN])
def test_add_synapse(model, kw, culprit):
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.add_synapse(3, "Exp2Syn", **kw)


INPUT = [(dict(start=NAN), "start"), (dict(start=-1), "start"),
         (dict(spike_no=NAN), "spike_no"), (dict(spike_no=-2), "spike_no"),
         (dict(spike_no=INF), "spike_no"), (dict(spike_int=0), "spike_int"),
         (dict(spike_int=NAN), "spike_int"), (dict(spike_noise=NAN), "spike_noise"),
         (dict(spike_noise=1.5), "spike_noise"), (dict(cn_delay=-1), "cn_delay"),
         (dict(cn_delay=NAN), "cn_delay"), (dict(cn_weight=INF), "cn_weight"),
         (dict(syn_tau1=0), "tau1"), (dict(syn_rev_pot=INF), "e")]


@pytest.mark.parametrize("kw,culprit", INPUT, ids=[str(k) for k, _ in INPUT])
def test_add_synaptic_input(model, kw, culprit):
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.add_synaptic_input(3, **kw)


PRE = [([1.0, NAN], "NaN"), ([INF], "infinite"), ([-1.0, 2.0], "negative"),
       (["a"], "spike times"), (True, "pre=True"), (2.5, "single float")]


@pytest.mark.parametrize("pre,culprit", PRE, ids=[repr(p) for p, _ in PRE])
def test_connect_bad_pre(model, pre, culprit):
    with pytest.raises(ParameterError, match=culprit):
        model.connect(pre, 3, cn_weight=0.01)
    assert model._synapses == []        # refused before the synapse was added


CONNECT = [(dict(cn_weight=NAN), "cn_weight"), (dict(cn_delay=-0.5), "cn_delay"),
           (dict(cn_thresh=NAN), "cn_thresh")]


@pytest.mark.parametrize("kw,culprit", CONNECT, ids=[str(k) for k, _ in CONNECT])
def test_connect_bad_numbers(model, kw, culprit):
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.connect([1.0, 2.0], 3, **kw)


NETSTIM = [({"start": NAN}, "start"), ({"start": -1}, "start"), ({"number": INF}, "number"),
           ({"interval": 0}, "interval"), ({"noise": 2}, "noise"), ({"noise": NAN}, "noise")]


@pytest.mark.parametrize("pre,culprit", NETSTIM, ids=[str(k) for k, _ in NETSTIM])
def test_drive_synapses_netstim_dict(model, pre, culprit):
    syn = model.add_synapse(3)
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.drive_synapses(pre, syn, weight=0.01)


@pytest.mark.parametrize("kw,culprit", [(dict(weight=NAN), "weight"),
                                        (dict(weight=0.01, delay=INF), "delay"),
                                        (dict(weight=0.01, threshold=NAN), "threshold")])
def test_drive_synapses_numbers(model, kw, culprit):
    syn = model.add_synapse(3)
    with pytest.raises(ParameterError, match=rf"^{culprit}="):
        model.drive_synapses([1.0], syn, **kw)


def test_spike_times_are_delivered_exactly(model):
    # the correct result beside the refusals: spike times given unsorted arrive sorted
    syn = model.add_synapse(3)
    model.drive_synapses([5.0, 1.0], syn, weight=0.01)
    np.testing.assert_array_equal(model._sources[-1]["times"], [1.0, 5.0])


@pytest.mark.parametrize("threshold", [NAN, INF, "high"])
def test_spike_detector_threshold(model, threshold):
    with pytest.raises(ParameterError, match="^threshold="):
        model.add_spike_detector(3, threshold=threshold)


RUNS = [(dict(duration=NAN), StabilityError, "duration"),
        (dict(duration=INF), StabilityError, "duration"),
        (dict(duration=0), StabilityError, "duration"),
        (dict(duration=-5), StabilityError, "duration"),
        (dict(dt=NAN), StabilityError, "dt"), (dict(dt=INF), StabilityError, "dt"),
        (dict(dt=0), StabilityError, "dt"), (dict(dt=-0.025), StabilityError, "dt"),
        (dict(v_init=NAN), ParameterError, "v_init"),
        (dict(celsius=NAN), ParameterError, "celsius"),
        (dict(celsius=-300), ParameterError, "celsius"),
        (dict(n_trials=0), ParameterError, "n_trials"),
        (dict(n_trials=2.5), ParameterError, "n_trials"),
        (dict(record_every=0), ParameterError, "record_every"),
        (dict(record_every=1.5), ParameterError, "record_every"),
        (dict(duration="5"), StabilityError, r"duration='5': expected a number of ms, got text"),
        (dict(dt="0.025"), StabilityError, r"dt='0\.025': expected a number of ms, got text"),
        (dict(seed=1.5), ParameterError, r"seed=1\.5: expected a whole number"),
        (dict(seed="3"), ParameterError, r"seed='3': expected a whole number"),
        (dict(seed=-1), ParameterError, r"seed=-1: must be >= 0")]


@pytest.mark.parametrize("kw,exc,culprit", RUNS, ids=[str(k) for k, _, _ in RUNS])
def test_run_simulation(model, kw, exc, culprit):
    model.add_voltage_record(1)
    args = dict(duration=5.0)
    args.update(kw)
    with pytest.raises(exc, match=culprit):
        model.run_simulation(**args)


@pytest.mark.parametrize("duration,dt,rx", [
    (10.03, 0.025, r"run_simulation: duration=10\.03 ms is not a whole number of steps of "
                   r"dt=0\.025 ms \(401\.2 steps\); use duration=10\.025 or 10\.05"),
    (5.0, 0.3, r"duration=5 ms is not a whole number of steps of dt=0\.3 ms.*4\.8 or 5\.1"),
    (0.04, 0.025, r"duration=0\.04 ms is not a whole number of steps of dt=0\.025"),
])
def test_cable_duration_not_whole_steps(model, duration, dt, rx):
    # rounding ran 10.025 ms for duration=10.03 and said nothing
    model.add_voltage_record(1)
    with pytest.raises(ParameterError, match=rx):
        model.run_simulation(duration=duration, dt=dt)


@pytest.mark.parametrize("duration,dt,n", [(10.0, 0.1, 100), (10.05, 0.025, 402),
                                           (5.0, 0.025, 200)])
def test_cable_whole_durations_run_their_length(model, duration, dt, n):
    model.add_voltage_record(1)
    model.run_simulation(duration=duration, dt=dt)
    assert len(model.t) == n + 1                     # t = 0 .. duration, every step recorded
    assert model.t[-1] == pytest.approx(duration, rel=1e-12)


CABLE_LATE = [
    ("pulse", lambda m: m.inject_current_pulse([3, 4], start=30, duration=1, current=0.1),
     r"inject_current_pulse: starts at 30 ms, at or after the end of the run \(10 ms\), at "
     r"node ID\(s\) \[3, 4\]"),
    ("alpha", lambda m: m.add_synaptic_current(5, start=12),
     r"add_synaptic_current: starts at 12 ms.*node ID\(s\) \[5\]"),
    ("netstim", lambda m: m.add_synaptic_input(2, start=50, spike_no=3),
     r"NetStim input: starts at 50 ms, at or after the end of the run \(10 ms\), onto node "
     r"ID\(s\) \[2\]"),
    ("spike_times", lambda m: m.connect([2.0, 11.0, 40.0], 4),
     r"spike-time input: 2 spike time\(s\) at or after the end of the run \(10 ms\), e\.g\. "
     r"11, 40 ms, onto node ID\(s\) \[4\]"),
]


@pytest.mark.parametrize("name,add,rx", CABLE_LATE, ids=[c[0] for c in CABLE_LATE])
def test_cable_inputs_after_the_run_warn(model, name, add, rx):
    from connectome_sim.errors import InputOutsideRunWarning

    add(model)
    model.add_voltage_record(1)
    with pytest.warns(InputOutsideRunWarning, match=rx):
        model.run_simulation(duration=10.0, dt=0.025)


def test_cable_inputs_inside_the_run_do_not_warn(model, recwarn):
    from connectome_sim.errors import InputOutsideRunWarning

    model.inject_current_pulse(3, start=9.9, duration=5, current=0.1)
    model.add_synaptic_input(2, start=1, spike_no=3, spike_int=20)
    model.add_voltage_record(1)
    model.run_simulation(duration=10.0, dt=0.025)
    assert not [w for w in recwarn if w.category is InputOutsideRunWarning]


# ------------------------------------------------------------------ generators
GEN = [
    (lambda: netstim_times(NAN, 5, 10), "start"),
    (lambda: netstim_times(0, NAN, 10), "number"),
    (lambda: netstim_times(0, INF, 10), "number"),
    (lambda: netstim_times(0, 5, NAN), "interval"),
    (lambda: netstim_times(0, 5, 10, noise=NAN), "noise"),
    (lambda: netstim_trains(0, [1, 2], [10, NAN]), "intervals"),
    (lambda: netstim_trains(NAN, [1, 2], [10, 10]), "start"),
    (lambda: poisson_times(NAN, 0, 100, np.random.default_rng(0)), "rate"),
    (lambda: poisson_times(-5, 0, 100, np.random.default_rng(0)), "rate"),
    (lambda: poisson_times(10, 0, INF, np.random.default_rng(0)), "stop"),
    (lambda: regular_times(0, NAN, 10), "stop"),
    (lambda: regular_times(0, 100, NAN), "frequency"),
    (lambda: check_spike_times([0.5, NAN], "spike_times"), "spike_times"),
]


@pytest.mark.parametrize("call,culprit", GEN, ids=[str(i) for i in range(len(GEN))])
def test_generators(call, culprit):
    with pytest.raises(ParameterError, match=culprit):
        call()


def test_netstim_number_1e9_idiom_is_bounded():
    # NEURON users write number=1e9 for "forever"; only the events before stop are made
    t = netstim_times(0.0, 1e9, 10.0, stop=100.0)
    np.testing.assert_array_equal(t, np.arange(0.0, 100.0, 10.0))


BIG = 720575940621039145     # a FlyWire-style 64-bit neuron ID

CIRCUIT_LATE = [
    ("cell_pulse", lambda c: c[BIG].inject_current_pulse(3, start=30, duration=1, current=0.1),
     rf"neuron {BIG}: inject_current_pulse: starts at 30 ms, at or after the end of the run "
     r"\(10 ms\), at node ID\(s\) \[3\]"),
    ("poisson_drive", lambda c: c.add_poisson_drive("bg", 20.0, tstart=15.0, location=[2],
                                                    weights_ampa=0.001),
     r"drive 'bg' \(poisson\): its spikes start at 15 ms, at or after the end of the run "
     r"\(10 ms\)"),
    ("evoked_drive", lambda c: c.add_evoked_drive("ev", mu=40.0, sigma=2.0, location=[2],
                                                  weights_ampa=0.001),
     r"drive 'ev' \(evoked\): its spikes start at 34 ms"),
]


@pytest.mark.parametrize("name,add,rx", CIRCUIT_LATE, ids=[c[0] for c in CIRCUIT_LATE])
def test_circuit_inputs_after_the_run_warn(tree, name, add, rx):
    from connectome_sim.cable.circuit import Circuit
    from connectome_sim.errors import InputOutsideRunWarning

    c = Circuit({BIG: tree, 7: tree}, res=5)
    for m in c.models.values():
        m.insert("pas", g=1e-4, e=-65)
    add(c)
    with pytest.warns(InputOutsideRunWarning, match=rx):
        c.run_simulation(duration=10.0, dt=0.025, dipole=False)


def test_circuit_inputs_inside_the_run_do_not_warn(tree, recwarn):
    from connectome_sim.cable.circuit import Circuit
    from connectome_sim.errors import InputOutsideRunWarning

    c = Circuit({BIG: tree, 7: tree}, res=5)
    for m in c.models.values():
        m.insert("pas", g=1e-4, e=-65)
    c[BIG].inject_current_pulse(3, start=9.9, duration=5, current=0.1)
    c.add_poisson_drive("bg", 20.0, tstart=5.0, location=[2], weights_ampa=0.001)
    c.add_evoked_drive("ev", mu=12.0, sigma=2.0, location=[2], weights_ampa=0.001)
    # no spikes at all: none of them starts after the run
    c.add_evoked_drive("none", mu=40.0, sigma=1.0, numspikes=0, location=[2],
                       weights_ampa=0.001)
    c.run_simulation(duration=10.0, dt=0.025, dipole=False)
    assert not [w for w in recwarn if w.category is InputOutsideRunWarning]


@pytest.mark.parametrize("add", ["add_poisson_drive", "add_bursty_drive"])
def test_circuit_drive_window_backwards_refused_when_added(tree, add):
    from connectome_sim.cable.circuit import Circuit

    c = Circuit({BIG: tree}, res=5)
    with pytest.raises(ParameterError, match=r"drive 'bg': tstop=5.0 ms must be >= "
                                             r"tstart=15.0 ms"):
        getattr(c, add)("bg", 20.0, tstart=15.0, tstop=5.0, location=[2], weights_ampa=0.001)
    assert not c._drives


# ------------------------------------------------------------------ circuit drives
# every drive value is checked when the drive is added, naming the drive and the keyword
# (and the neuron for per-neuron values), before any synapse is made
_W = dict(location=[2], weights_ampa=0.001)
DRIVES = [
    ("poisson rate nan", "add_poisson_drive", ("bg", NAN), _W, r"drive 'bg': rate=nan"),
    ("poisson rate inf", "add_poisson_drive", ("bg", INF), _W, r"drive 'bg': rate=inf"),
    ("poisson rate 0", "add_poisson_drive", ("bg", 0.0), _W, r"drive 'bg': rate=0: must be > 0"),
    ("poisson rate text", "add_poisson_drive", ("bg", "20"), _W, r"drive 'bg': rate='20'.*text"),
    ("poisson tstart nan", "add_poisson_drive", ("bg", 20.0), dict(_W, tstart=NAN),
     r"drive 'bg': tstart=nan"),
    ("poisson tstart -1", "add_poisson_drive", ("bg", 20.0), dict(_W, tstart=-1.0),
     r"drive 'bg': tstart=-1: must be >= 0"),
    ("poisson tstop nan", "add_poisson_drive", ("bg", 20.0), dict(_W, tstop=NAN),
     r"drive 'bg': tstop=nan"),
    ("poisson tstop text", "add_poisson_drive", ("bg", 20.0), dict(_W, tstop="5"),
     r"drive 'bg': tstop='5'"),
    ("evoked mu nan", "add_evoked_drive", ("ev", NAN, 1.0), _W, r"drive 'ev': mu=nan"),
    ("evoked mu inf", "add_evoked_drive", ("ev", INF, 1.0), _W, r"drive 'ev': mu=inf"),
    ("evoked mu text", "add_evoked_drive", ("ev", "5", 1.0), _W, r"drive 'ev': mu='5'"),
    ("evoked sigma nan", "add_evoked_drive", ("ev", 5.0, NAN), _W, r"drive 'ev': sigma=nan"),
    ("evoked sigma -1", "add_evoked_drive", ("ev", 5.0, -1.0), _W, r"drive 'ev': sigma=-1"),
    ("evoked numspikes -1", "add_evoked_drive", ("ev", 5.0, 1.0), dict(_W, numspikes=-1),
     r"drive 'ev': numspikes=-1: must be >= 0"),
    ("evoked numspikes 1.5", "add_evoked_drive", ("ev", 5.0, 1.0), dict(_W, numspikes=1.5),
     r"drive 'ev': numspikes=1\.5: expected a whole number"),
    ("evoked numspikes True", "add_evoked_drive", ("ev", 5.0, 1.0), dict(_W, numspikes=True),
     r"drive 'ev': numspikes=True"),
    ("evoked numspikes nan", "add_evoked_drive", ("ev", 5.0, 1.0), dict(_W, numspikes=NAN),
     r"drive 'ev': numspikes=nan"),
    ("bursty rate nan", "add_bursty_drive", ("bu", NAN), _W, r"drive 'bu': burst_rate=nan"),
    ("bursty numspikes 0", "add_bursty_drive", ("bu", 10.0), dict(_W, numspikes=0),
     r"drive 'bu': numspikes=0: must be >= 1"),
    ("bursty numspikes 1.5", "add_bursty_drive", ("bu", 10.0), dict(_W, numspikes=1.5),
     r"drive 'bu': numspikes=1\.5"),
    ("bursty numspikes True", "add_bursty_drive", ("bu", 10.0), dict(_W, numspikes=True),
     r"drive 'bu': numspikes=True"),
    ("bursty spike_isi -1", "add_bursty_drive", ("bu", 10.0), dict(_W, spike_isi=-1.0),
     r"drive 'bu': spike_isi=-1"),
    ("bursty spike_isi nan", "add_bursty_drive", ("bu", 10.0), dict(_W, spike_isi=NAN),
     r"drive 'bu': spike_isi=nan"),
    ("bursty burst_std -1", "add_bursty_drive", ("bu", 10.0), dict(_W, burst_std=-1.0),
     r"drive 'bu': burst_std=-1"),
    ("bursty burst_std nan", "add_bursty_drive", ("bu", 10.0), dict(_W, burst_std=NAN),
     r"drive 'bu': burst_std=nan"),
    ("bursty tstart_std -1", "add_bursty_drive", ("bu", 10.0), dict(_W, tstart_std=-1.0),
     r"drive 'bu': tstart_std=-1"),
    ("weight nan", "add_poisson_drive", ("bg", 20.0), dict(location=[2], weights_ampa=NAN),
     rf"drive 'bg', neuron {BIG}: weights_ampa=nan"),
    ("weight inf", "add_poisson_drive", ("bg", 20.0), dict(location=[2], weights_ampa=INF),
     rf"drive 'bg', neuron {BIG}: weights_ampa=inf"),
    ("weight -1", "add_poisson_drive", ("bg", 20.0), dict(location=[2], weights_ampa=-1.0),
     rf"drive 'bg', neuron {BIG}: weights_ampa=-1: must be >= 0"),
    ("weight text", "add_poisson_drive", ("bg", 20.0), dict(location=[2], weights_nmda="0.1"),
     rf"drive 'bg', neuron {BIG}: weights_nmda='0\.1'"),
    ("weight True", "add_poisson_drive", ("bg", 20.0), dict(location=[2], weights_ampa=True),
     rf"drive 'bg', neuron {BIG}: weights_ampa=True"),
    ("weight dict nan", "add_poisson_drive", ("bg", 20.0),
     dict(location=[2], weights_ampa={7: NAN}), r"drive 'bg', neuron 7: weights_ampa=nan"),
    ("receptor weight nan", "add_poisson_drive", ("bg", 20.0),
     dict(location=[2], receptors={"gabaa": NAN}), r"drive 'bg', neuron .*receptors\['gabaa'\]"),
    ("delay nan", "add_poisson_drive", ("bg", 20.0), dict(_W, synaptic_delays=NAN),
     r"drive 'bg', neuron .*: synaptic_delays=nan"),
    ("delay -1", "add_poisson_drive", ("bg", 20.0), dict(_W, synaptic_delays=-1.0),
     r"drive 'bg', neuron .*: synaptic_delays=-1"),
    ("delay text", "add_poisson_drive", ("bg", 20.0), dict(_W, synaptic_delays="1"),
     r"drive 'bg', neuron .*: synaptic_delays='1'"),
    ("delay dict nan", "add_poisson_drive", ("bg", 20.0), dict(_W, synaptic_delays={7: NAN}),
     r"drive 'bg', neuron 7: synaptic_delays=nan"),
    ("seed -1", "add_poisson_drive", ("bg", 20.0), dict(_W, seed=-1), r"drive 'bg': seed=-1"),
    ("seed nan", "add_poisson_drive", ("bg", 20.0), dict(_W, seed=NAN), r"drive 'bg': seed=nan"),
    ("cell_specific text", "add_poisson_drive", ("bg", 20.0), dict(_W, cell_specific="no"),
     r"drive 'bg': cell_specific='no'"),
    ("location selects nothing", "add_poisson_drive", ("bg", 20.0),
     dict(location=[], weights_ampa=0.001), rf"drive 'bg': location \[\] selects no .*{BIG}"),
    ("no neuron targeted", "add_poisson_drive", ("bg", 20.0),
     dict(location={7: None}, weights_ampa=0.001), r"drive 'bg': it targets no synapse"),
    ("neurons empty", "add_poisson_drive", ("bg", 20.0), dict(_W, neurons=[]),
     r"drive 'bg': it targets no synapse \(neurons=\[\]"),
]


@pytest.mark.parametrize("meth,args,kw,rx", [c[1:] for c in DRIVES], ids=[c[0] for c in DRIVES])
def test_circuit_drive_values_refused_when_added(tree, meth, args, kw, rx):
    from connectome_sim.cable.circuit import Circuit

    c = Circuit({BIG: tree, 7: tree}, res=5)
    with pytest.raises(ParameterError, match=rx):
        getattr(c, meth)(*args, **kw)
    assert not c._drives and not any(c._syn.values())      # nothing half-made


DRIVE_IDS = [
    ("neurons unknown", dict(_W, neurons=[7, 99]), r"drive 'bg': neurons= lists \[99\]"),
    ("neurons numpy unknown", dict(_W, neurons=np.array([99])), r"neurons= lists \[99\]"),
    ("neurons as text", dict(_W, neurons=["7"]), r"drive 'bg': neurons= lists \['7'\]"),
    ("weights dict unknown", dict(location=[2], weights_ampa={99: 0.001}),
     r"drive 'bg': weights_ampa names neuron\(s\) \[99\]"),
    ("delays dict unknown", dict(_W, synaptic_delays={99: 1.0}),
     r"drive 'bg': synaptic_delays names neuron\(s\) \[99\]"),
    ("location dict unknown", dict(location={99: [2]}, weights_ampa=0.001),
     r"drive 'bg': location names neuron\(s\) \[99\]"),
    ("location label unknown", dict(location="apical", weights_ampa=0.001),
     rf"drive 'bg': location 'apical' of neuron {BIG}: .*\['apical'\] not found"),
    ("location node unknown", dict(location={7: [999]}, weights_ampa=0.001),
     r"drive 'bg': location \[999\] of neuron 7: .*\[999\]"),
]


@pytest.mark.parametrize("kw,rx", [c[1:] for c in DRIVE_IDS], ids=[c[0] for c in DRIVE_IDS])
def test_circuit_drive_unknown_neurons_named(tree, kw, rx):
    from connectome_sim.cable.circuit import Circuit
    from connectome_sim.errors import UnknownIDError

    c = Circuit({BIG: tree, 7: tree}, res=5)
    with pytest.raises(UnknownIDError, match=rx):
        c.add_poisson_drive("bg", 20.0, **kw)
    assert not c._drives and not any(c._syn.values())


def test_circuit_duplicate_drive_name_refused(tree):
    from connectome_sim.cable.circuit import Circuit

    c = Circuit({BIG: tree}, res=5)
    c.add_poisson_drive("bg", 20.0, **_W)
    with pytest.raises(ParameterError, match=r"a drive named 'bg' exists already"):
        c.add_evoked_drive("bg", 5.0, 1.0, **_W)
    assert len(c._drives) == 1


# Circuit.run_simulation checks its arguments as one cell's run does
CIRCUIT_RUNS = [
    (dict(n_trials=2.5), ParameterError, r"n_trials=2\.5: expected a whole number >= 1"),
    (dict(n_trials=True), ParameterError, r"n_trials=True"),
    (dict(n_trials="2"), ParameterError, r"n_trials='2'"),
    (dict(n_trials=0), ParameterError, r"n_trials=0: must be >= 1"),
    (dict(record_every=1.5), ParameterError, r"record_every=1\.5"),
    (dict(v_init="-65"), ParameterError, r"v_init='-65'.*got text"),
    (dict(v_init=True), ParameterError, r"v_init=True"),
    (dict(celsius=NAN), ParameterError, r"celsius=nan"),
    (dict(celsius="6.3"), ParameterError, r"celsius='6\.3'"),
    (dict(seed=1.5), ParameterError, r"seed=1\.5"),
    (dict(seed=-1), ParameterError, r"seed=-1: must be >= 0"),
    (dict(dipole="no"), ParameterError, r"dipole='no': expected True or False"),
    (dict(parallel="no"), ParameterError, r"parallel='no': expected True or False"),
    (dict(duration="10"), StabilityError, r"duration='10': expected a number of ms, got text"),
]


@pytest.mark.parametrize("kw,exc,rx", CIRCUIT_RUNS, ids=[str(c[0]) for c in CIRCUIT_RUNS])
def test_circuit_run_arguments_named(tree, kw, exc, rx):
    from connectome_sim.cable.circuit import Circuit

    c = Circuit({BIG: tree}, res=5)
    c.insert("pas", g=1e-4, e=-65)
    c[BIG].add_voltage_record(2)
    with pytest.raises(exc, match=rx):
        c.run_simulation(**(dict(duration=5.0, dipole=False) | kw))


GAPS = [
    ((BIG, 2, 7, 3, "0.01"), ParameterError, r"add_gap_junction: .*g='0\.01': expected a "
                                             r"number µS, got text"),
    ((BIG, 2, 7, 3, True), ParameterError, r"add_gap_junction: .*g=True"),
    ((BIG, 2, 7, 3, NAN), ParameterError, r"add_gap_junction: .*g=nan"),
    ((BIG, 2, 7, 3, 0.0), ParameterError, r"add_gap_junction: .*g=0: must be > 0 µS"),
    ((BIG, 99, 7, 3, 0.01), UnknownIDError, rf"add_gap_junction: node_a=99 of neuron {BIG}: "
                                            r".*\[99\]"),
    ((BIG, 2, 7, 98, 0.01), UnknownIDError, r"add_gap_junction: node_b=98 of neuron 7: "),
    ((BIG, 2, 8, 3, 0.01), UnknownIDError, r"neuron 8 is not in the circuit"),
]


@pytest.mark.parametrize("args,exc,rx", GAPS, ids=["text", "True", "nan", "zero", "node_a",
                                                   "node_b", "neuron"])
def test_circuit_gap_junction_values_named(tree, args, exc, rx):
    from connectome_sim.cable.circuit import Circuit

    c = Circuit({BIG: tree, 7: tree}, res=5)
    with pytest.raises(exc, match=rx):
        c.add_gap_junction(*args)
    assert not c._gj
