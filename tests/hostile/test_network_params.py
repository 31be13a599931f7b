"""Hostile network parameters: every value is checked where it is given and the message names
it; runs are bounded in memory; failed runs never leave results that look complete."""

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError, SimulationError, StabilityError
from connectome_sim.network import PointNetwork

E = pd.DataFrame({"pre": ["a", "b", "c"], "post": ["b", "c", "a"], "weight": [3, -2, 4]})


def lif():
    return PointNetwork.from_edge_list(E, model="LIF")


# ----------------------------------------------------------------------------- edge lists
EDGE_CASES = [
    ("empty", lambda: PointNetwork.from_edge_list(E.iloc[:0], model="LIF"), ParameterError,
     r"edge list is empty"),
    ("delay_nan", lambda: PointNetwork.from_edge_list(E, delay=np.nan), ParameterError,
     r"delay must be finite"),
    ("delay_inf", lambda: PointNetwork.from_edge_list(E, delay=np.inf), ParameterError,
     r"delay must be finite"),
    ("delay_negative", lambda: PointNetwork.from_edge_list(E, delay=-1.0), ParameterError,
     r"delay must be finite and >= 0"),
    ("delay_string_not_column", lambda: PointNetwork.from_edge_list(E, delay="lag"),
     ParameterError, r"no column 'lag'"),
    ("delay_column_nan", lambda: PointNetwork.from_edge_list(
        E.assign(lag=[1.0, np.nan, 2.0]), delay="lag"), ParameterError,
     r"delay column 'lag'.*rows \[1\]"),
    ("delay_column_negative", lambda: PointNetwork.from_edge_list(
        E.assign(lag=[1.0, -3.0, 2.0]), delay="lag"), ParameterError, r"delay column 'lag'"),
    ("delay_column_text", lambda: PointNetwork.from_edge_list(
        E.assign(lag=["1", "x", "2"]), delay="lag"), ParameterError,
     r"delay column 'lag'.*non-numeric.*rows \[1\]"),
    ("weight_nan", lambda: PointNetwork.from_edge_list(E.assign(weight=[1, np.nan, 2])),
     ParameterError, r"weight column 'weight'.*rows \[1\]"),
    ("weight_inf", lambda: PointNetwork.from_edge_list(E.assign(weight=[1, np.inf, 2])),
     ParameterError, r"weight column 'weight' has NaN, inf.*rows \[1\]"),
    ("weight_text", lambda: PointNetwork.from_edge_list(E.assign(weight=["1", "two", "2"])),
     ParameterError, r"weight column 'weight'.*non-numeric values in rows \[1\]"),
    ("sign_words", lambda: PointNetwork.from_edge_list(E.assign(s=["+", "maybe", "+"]),
                                                       sign_col="s"), ParameterError, r"'s'"),
    ("sign_missing_column", lambda: PointNetwork.from_edge_list(E, sign_col="sgn"),
     ParameterError, r"no column 'sgn'"),
    ("duplicates_mode", lambda: PointNetwork.from_edge_list(E, duplicates="first"),
     ParameterError, r"duplicates must be 'sum' or 'raise'"),
    ("duplicates_raise", lambda: PointNetwork.from_edge_list(
        pd.concat([E, E.iloc[:1]]), duplicates="raise"), ParameterError, r"duplicate edge 'a'"),
    ("weight_scale_nan", lambda: PointNetwork.from_edge_list(E, weight_scale=np.nan),
     ParameterError, r"weight_scale must be finite"),
    ("weight_scale_type", lambda: PointNetwork.from_edge_list(E, weight_scale="big"),
     ParameterError, r"weight_scale must be a number or a dict"),
    ("unknown_model", lambda: PointNetwork.from_edge_list(E, model="IntFire3"),
     ParameterError, r"unknown point-neuron model 'IntFire3'"),
    ("unknown_model_in_mapping", lambda: PointNetwork.from_edge_list(
        E, model={"*": "LIF", "b": "Graded2"}), ParameterError, r"Graded2"),
    ("mapping_without_labels", lambda: PointNetwork.from_edge_list(E, model={"x": "LIF"}),
     ParameterError, r"no labels="),
    ("mapping_unmatched", lambda: PointNetwork.from_edge_list(
        E, model={"x": "LIF"}, labels={"a": "x"}), ParameterError, r"no model for neuron"),
    ("prop_unknown", lambda: PointNetwork.from_edge_list(E, model="LIF", v_thresh=-40),
     ParameterError, r"v_thresh"),
    ("prop_bad_value", lambda: PointNetwork.from_edge_list(E, model="LIF", t_mbr=0.0),
     ParameterError, r"'t_mbr' must be > 0 ms"),
    ("prop_wrong_length", lambda: PointNetwork.from_edge_list(E, model="LIF", v_th=[1, 2]),
     ParameterError, r"v_th has 2 values for 3 neurons"),
    ("model_by_missing", lambda: PointNetwork.from_edge_list(
        E, model={"x": "LIF"}, model_by="cell_type"), ParameterError, r"cell_type"),
]


@pytest.mark.parametrize("name,call,exc,rx", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_list_parameters(name, call, exc, rx):
    with pytest.raises(exc, match=rx):
        call()


# ----------------------------------------------------------------------------- model parameters
MODEL_CASES = [
    ("intfire1_tau_zero", "IntFire1", {"tau": 0.0}, r"IntFire1 parameter 'tau' must be > 0"),
    ("intfire1_refrac_negative", "IntFire1", {"refrac": -1.0}, r"'refrac' must be >= 0"),
    ("intfire2_taum_zero", "IntFire2", {"taum": 0.0}, r"'taum' must be > 0"),
    ("intfire4_taue_negative", "IntFire4", {"taue": -5.0}, r"'taue' must be > 0"),
    ("lif_tmbr_zero", "LIF", {"t_mbr": 0.0}, r"LIF parameter 't_mbr' must be > 0 ms"),
    ("lif_tmbr_negative", "LIF", {"t_mbr": -20.0}, r"'t_mbr' must be > 0"),
    ("lif_tau_nan", "LIF", {"tau": np.nan}, r"'tau' must be > 0"),
    ("lif_trfc_negative", "LIF", {"t_rfc": -0.1}, r"'t_rfc' must be >= 0"),
    ("lif_vth_inf", "LIF", {"v_th": np.inf}, r"'v_th' must be finite"),
    ("lif_rm_negative", "LIF", {"r_m": -1.0}, r"'r_m' must be >= 0"),
    ("adex_tau_w_zero", "AdEx", {"tau_w": 0.0}, r"'tau_w' must be > 0"),
    ("adex_delta_t_zero", "AdEx", {"delta_T": 0.0}, r"'delta_T' must be > 0"),
    ("expif_substep_zero", "ExpIF", {"max_substep": 0.0}, r"'max_substep' must be > 0"),
    ("hh_c_zero", "HH", {"C": 0.0}, r"'C' must be > 0"),
    ("syn_tau_e_zero", "AdEx", {"tau_e": 0.0}, r"'tau_e'"),
    ("cond_syn_out_of_range", "AdEx", {"cond_syn": 2.0}, r"'cond_syn' must be 0 or 1"),
    ("graded_c_zero", "graded", {"C": 0.0}, r"graded parameter 'C' must be > 0 pF"),
    ("graded_gleak_negative", "graded", {"g_leak": -10.0}, r"'g_leak' must be > 0 pS"),
    ("graded_slope_zero", "graded", {"slope": 0.0}, r"'slope' must be > 0"),
    ("graded_a_r_negative", "graded", {"a_r": -0.1}, r"'a_r' must be >= 0"),
    ("graded_a_d_zero", "graded", {"a_d": 0.0}, r"'a_d' must be > 0"),
    ("graded_a_r_inf", "graded", {"a_r": np.inf}, r"'a_r'"),
    ("tl_tau_zero", "threshold_linear", {"tau": 0.0}, r"'tau' must be > 0"),
    ("param_text", "LIF", {"v_th": "high"}, r"'v_th': expected numbers"),
    ("param_unknown", "LIF", {"V_th": -40}, r"LIF has no parameter\(s\) \['V_th'\]"),
]


@pytest.mark.parametrize("name,model,props,rx", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_model_parameters_checked_when_given(name, model, props, rx):
    net = PointNetwork(model)
    with pytest.raises(ParameterError, match=rx):
        net.add_neurons(["x", "y"], **props)
    net.add_neurons(["x", "y"])
    with pytest.raises(ParameterError, match=rx):
        net.set_params(["y"], **props)


def test_sign_symbols_are_signs():
    net = PointNetwork.from_edge_list(E.assign(s=["+", "-", "+"]), sign_col="s", model="LIF")
    from connectome_sim.network.compile import compile_network

    assert np.allclose(np.sort(compile_network(net).w), [-0.55, 0.825, 1.1])


def test_bad_per_neuron_value_names_the_neuron():
    net = lif()
    with pytest.raises(ParameterError, match=r"'t_mbr' must be > 0 ms; got -1 for neuron\(s\) \['b'\]"):
        net.set_params(["a", "b"], t_mbr=[20.0, -1.0])


def test_graded_a_r_none_means_instantaneous():
    net = PointNetwork("graded")
    net.add_neurons(["g"], a_r=None)
    assert np.isnan(net.get_params("g")["a_r"].item())


# ----------------------------------------------------------------------------- connect
CONNECT_CASES = [
    ("delay_nan", dict(delay=np.nan), r"connect\(delay\): NaN/inf"),
    ("delay_inf", dict(delay=np.inf), r"connect\(delay\): NaN/inf"),
    ("delay_negative", dict(delay=-0.5), r"connect\(delay\): delays must be >= 0"),
    ("delay_array_nan", dict(delay=[1.0, np.nan]), r"connect\(delay\)"),
    ("weight_nan", dict(weight=np.nan), r"connect\(weight\)"),
    ("weight_text", dict(weight="x"), r"connect\(weight\): expected numbers"),
    ("type_unknown", dict(type="gap"), r"type must be 'chemical' or 'electrical'"),
    ("gap_negative", dict(type="electrical", weight=-0.1), r"gap-junction conductances"),
    ("lengths", dict(source=["a", "b", "c"], target=["a", "b"]), r"3 sources and 2 targets"),
]


@pytest.mark.parametrize("name,kw,rx", CONNECT_CASES, ids=[c[0] for c in CONNECT_CASES])
def test_connect_parameters(name, kw, rx):
    net = lif()
    args = dict(source=["a", "b"], target=["b", "c"], weight=1.0)
    args.update(kw)
    with pytest.raises(ParameterError, match=rx):
        net.connect(**args)


# ----------------------------------------------------------------------------- inputs
INPUT_CASES = [
    ("stim_start_after_stop", lambda n: n.add_stimulus("a", start=50, stop=10, frequency=5),
     r"add_stimulus: stop \(10 ms\) must be after start \(50 ms\)"),
    ("stim_negative_duration", lambda n: n.add_stimulus("a", start=5, duration=-3, frequency=5),
     r"duration=-3: must be > 0 ms"),
    ("stim_zero_duration", lambda n: n.add_stimulus("a", start=5, duration=0, frequency=5),
     r"duration=0: must be > 0 ms"),
    ("stim_nan_start", lambda n: n.add_stimulus("a", start=np.nan, stop=5, frequency=5),
     r"start=nan: must be a finite number ms"),
    ("stim_negative_start", lambda n: n.add_stimulus("a", start=-1, stop=5, frequency=5),
     r"start=-1: must be >= 0 ms"),
    ("stim_both_stop_duration", lambda n: n.add_stimulus("a", start=0, stop=5, duration=5,
                                                          frequency=5), r"exactly one of stop"),
    ("stim_negative_frequency", lambda n: n.add_stimulus("a", start=0, stop=5, frequency=-5),
     r"frequency\) must be >= 0"),
    ("stim_nan_frequency", lambda n: n.add_stimulus("a", start=0, stop=5, frequency=np.nan),
     r"frequency\) has NaN/inf"),
    ("stim_randomness", lambda n: n.add_stimulus("a", start=0, stop=5, frequency=5,
                                                 randomness=1.5), r"randomness must be in \[0, 1\]"),
    ("stim_weight_nan", lambda n: n.add_stimulus("a", start=0, stop=5, frequency=5,
                                                 weight=np.nan), r"add_stimulus\(weight\)"),
    ("poisson_start_after_stop", lambda n: n.add_poisson_input("a", 10, start=20, stop=5),
     r"add_poisson_input: stop"),
    ("poisson_rate_nan", lambda n: n.add_poisson_input("a", np.nan), r"rate\) has NaN/inf"),
    ("poisson_rate_negative", lambda n: n.add_poisson_input(["a", "b"], [5, -1]),
     r"negative rates for neurons \['b'\]"),
    ("poisson_refractory_negative", lambda n: n.add_poisson_input("a", 5, refractory=-1),
     r"refractory=-1: must be >= 0 ms"),
    ("poisson_rate_shape", lambda n: n.add_poisson_input(["a", "b"], [5, 6, 7]),
     r"expected a scalar or 2 values"),
    ("spike_times_nan", lambda n: n.add_spike_times("a", [1.0, np.nan]),
     r"add_spike_times\(times\): NaN/inf/negative"),
    ("spike_times_inf", lambda n: n.add_spike_times("a", [np.inf]), r"NaN/inf/negative"),
    ("spike_times_negative", lambda n: n.add_spike_times("a", [-2.0]), r"NaN/inf/negative"),
    ("spike_times_count", lambda n: n.add_spike_times(["a", "b"], [[1.0], [2.0], [3.0]]),
     r"3 arrays of times for 2 neurons"),
    ("current_nan", lambda n: n.add_current("a", np.nan), r"add_current\(amplitude\) has NaN"),
    ("current_start_after_stop", lambda n: n.add_current("a", 0.1, start=10, stop=2),
     r"add_current: stop"),
    ("current_nan_stop", lambda n: n.add_current("a", 0.1, stop=np.nan),
     r"stop=nan: must be a finite number ms"),
    ("current_waveform_nan", lambda n: n.add_current("a", np.array([0.1, np.nan, 0.2]),
                                                     sample_interval=1.0), r"add_current\(amplitude\)"),
]


@pytest.mark.parametrize("name,call,rx", INPUT_CASES, ids=[c[0] for c in INPUT_CASES])
def test_input_parameters(name, call, rx):
    with pytest.raises(ParameterError, match=rx):
        call(lif())


OUTSIDE_CASES = [
    ("stimulus_after_end", lambda n: n.add_stimulus(["a", "b"], start=60, stop=80, frequency=50),
     r"add_stimulus: starts at 60 ms, at or after the end of the run \(50 ms\), so neuron\(s\) "
     r"\['a', 'b'\] get nothing"),
    ("stimulus_at_end", lambda n: n.add_stimulus("c", start=50, stop=80, frequency=50,
                                                 label="late"),
     r"add_stimulus 'late': starts at 50 ms.*\['c'\]"),
    ("poisson_after_end", lambda n: n.add_poisson_input("b", 100, start=70),
     r"add_poisson_input: starts at 70 ms.*\(50 ms\).*\['b'\]"),
    ("current_after_end", lambda n: n.add_current(["a", "c"], 0.5, start=51),
     r"add_current: starts at 51 ms.*\['a', 'c'\] get no current"),
    ("spike_times_after_end", lambda n: n.add_spike_times(["a", "b"], [[10.0, 55.0], [99.0]]),
     r"add_spike_times: 2 spike time\(s\) at or after the end of the run \(50 ms\), e\.g\. "
     r"55, 99 ms, onto neuron\(s\) \['a', 'b'\], are never delivered"),
]


@pytest.mark.parametrize("name,call,rx", OUTSIDE_CASES, ids=[c[0] for c in OUTSIDE_CASES])
def test_inputs_after_the_run_warn(name, call, rx):
    from connectome_sim.errors import InputOutsideRunWarning

    net = lif()
    call(net)
    with pytest.warns(InputOutsideRunWarning, match=rx):
        net.run_simulation(duration=50, dt=0.1, seed=1)


def test_inputs_inside_the_run_do_not_warn(recwarn):
    from connectome_sim.errors import InputOutsideRunWarning

    net = lif()
    net.add_stimulus("a", start=40, stop=80, frequency=50)
    net.add_spike_times("b", [49.9])
    net.add_current("c", 0.1, start=49.0)
    net.run_simulation(duration=50, dt=0.1, seed=1)
    assert not [w for w in recwarn if w.category is InputOutsideRunWarning]


TEXT_NUMBERS = [
    ("run_duration", lambda n: n.run_simulation(duration="20"), r"duration='20': expected a "
     r"number ms, got text; pass the number itself"),
    ("run_dt", lambda n: n.run_simulation(duration=20, dt="0.1"), r"dt='0\.1': expected a number"),
    ("stim_start", lambda n: n.add_stimulus("a", start="5", stop=10, frequency=5),
     r"start='5': expected a number ms, got text"),
    ("stim_frequency", lambda n: n.add_stimulus("a", start=5, stop=10, frequency="50"),
     r"add_stimulus\(frequency\): expected numbers, got text '50'"),
    ("current_amplitude", lambda n: n.add_current("a", "0.5"),
     r"add_current\(amplitude\): expected numbers, got text '0\.5'"),
    ("current_amplitudes_list", lambda n: n.add_current(["a", "b"], [0.5, "0.2"]),
     r"add_current\(amplitude\): expected numbers, got text"),
    ("poisson_rate", lambda n: n.add_poisson_input("a", "100"),
     r"add_poisson_input\(rate\): expected numbers, got text '100'"),
    ("set_params", lambda n: n.set_params("a", v_th="-40"),
     r"LIF parameter 'v_th': expected numbers \(mV\), got text '-40'"),
    ("set_params_array", lambda n: n.set_params(["a", "b"], v_th=np.array(["-40", "-41"])),
     r"LIF parameter 'v_th': expected numbers \(mV\), got text"),
    ("connect_weight", lambda n: n.connect("a", "b", "2.5"),
     r"connect\(weight\): expected numbers, got text '2\.5'"),
    ("g_syn", lambda n: setattr(n, "g_syn", "100"), r"g_syn='100': expected a number"),
]


@pytest.mark.parametrize("name,call,rx", TEXT_NUMBERS, ids=[c[0] for c in TEXT_NUMBERS])
def test_numbers_given_as_text_refused(name, call, rx):
    net = lif()
    before = net.get_params()
    with pytest.raises(ParameterError, match=rx):
        call(net)
    assert net.get_params().equals(before) and not net._stimuli and not net._currents


def test_current_into_event_model_refused():
    net = PointNetwork.from_edge_list(E, model="IntFire1")
    with pytest.raises(ParameterError, match=r"IntFire1.*take no currents"):
        net.add_current("a", 0.1)


# ----------------------------------------------------------------------------- runs
RUN_CASES = [
    ("dt_nan", dict(dt=np.nan), ParameterError, r"dt=nan: must be a finite number ms"),
    ("dt_inf", dict(dt=np.inf), ParameterError, r"dt=inf: must be a finite"),
    ("dt_zero", dict(dt=0.0), ParameterError, r"dt=0: must be > 0 ms"),
    ("dt_negative", dict(dt=-0.1), ParameterError, r"dt=-0.1: must be > 0 ms"),
    ("dt_text", dict(dt="0.1ms"), ParameterError, r"dt='0.1ms': expected a number"),
    ("duration_nan", dict(duration=np.nan), ParameterError, r"duration=nan: must be a finite"),
    ("duration_inf", dict(duration=np.inf), ParameterError, r"duration=inf: must be a finite"),
    ("duration_zero", dict(duration=0), ParameterError, r"duration=0: must be > 0 ms"),
    ("duration_below_dt", dict(duration=0.01, dt=0.1), ParameterError,
     r"shorter than one step"),
    ("trials_zero", dict(n_trials=0), ParameterError, r"n_trials\) must be an integer >= 1"),
    ("trials_float", dict(n_trials=2.5), ParameterError, r"n_trials"),
    ("max_spikes_zero", dict(max_spikes=0), ParameterError, r"max_spikes"),
    ("v_init_nan", dict(v_init=np.nan), ParameterError, r"v_init\) must be a finite"),
    ("seed_negative", dict(seed=-1), ParameterError, r"seed\) must be an integer >= 0"),
    ("seed_float", dict(seed=1.5), ParameterError, r"seed"),
    ("backend", dict(backend="gpu"), ParameterError, r"backend must be 'numba' or 'nest'"),
    ("max_memory_text", dict(max_memory="lots"), ParameterError, r"max_memory"),
    ("max_memory_negative", dict(max_memory=-5), ParameterError, r"max_memory"),
    ("chunk_zero", dict(spikes_to="x.parquet", chunk=0), ParameterError,
     r"run_simulation\(chunk\)"),
    ("dt_above_delay", dict(dt=2.0), StabilityError, r"larger than the shortest synaptic delay"),
    ("v_init_text", dict(v_init="-65"), ParameterError, r"v_init\) must be a finite voltage "
                                                        r"\(mV\), got '-65'"),
    ("threads_zero", dict(threads=0), ParameterError, r"run_simulation\(threads\) must be an "
                                                      r"integer >= 1.*got 0"),
    ("threads_float", dict(threads=2.5), ParameterError, r"run_simulation\(threads\).*got 2\.5"),
    ("threads_text", dict(threads="4"), ParameterError, r"run_simulation\(threads\).*got '4'"),
    ("threads_nan", dict(threads=np.nan), ParameterError, r"run_simulation\(threads\).*nan"),
    ("threads_true", dict(threads=True), ParameterError, r"run_simulation\(threads\).*True"),
]


@pytest.mark.parametrize("name,kw,exc,rx", RUN_CASES, ids=[c[0] for c in RUN_CASES])
def test_run_parameters(name, kw, exc, rx, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = dict(duration=20.0)
    args.update(kw)
    with pytest.raises(exc, match=rx):
        lif().run_simulation(**args)


def test_no_neurons():
    with pytest.raises(ParameterError, match="no neurons"):
        PointNetwork("LIF").run_simulation(10)


def test_spikes_to_refuses_existing_file_unless_overwrite(tmp_path):
    p = tmp_path / "s.parquet"
    p.write_text("keep me")
    with pytest.raises(ParameterError, match=r"exists; pass overwrite=True"):
        lif().run_simulation(10, spikes_to=p, overwrite=False)
    assert p.read_text() == "keep me"
    with pytest.raises(ParameterError, match=r"folder .* does not exist"):
        lif().run_simulation(10, spikes_to=tmp_path / "nope" / "s.parquet")


# ----------------------------------------------------------------------------- memory, partial results
def _runaway(n=300, m=30_000):
    rng = np.random.default_rng(0)
    e = pd.DataFrame({"source": rng.integers(0, n, m), "target": rng.integers(0, n, m),
                      "weight": rng.uniform(0.1, 0.6, m)})
    net = PointNetwork.from_edge_list(e, model="IntFire4", delay=1.0)
    net.add_stimulus(list(range(20)), start=1, stop=100, frequency=50, randomness=0)
    return net


def test_memory_budget_stops_a_runaway_with_partial_results():
    net = _runaway()
    with pytest.raises(SimulationError, match=r"memory budget \(16 MiB.*exhausted at t = .* ms.*"
                                              r"marked incomplete"):
        net.run_simulation(500, max_memory="16MiB")
    res = net.result
    assert res is not None and not res.complete and res.t_reached < 500
    assert len(res.spikes) > 0 and res.spikes.attrs["complete"] is False
    with pytest.raises(SimulationError, match="did not complete"):
        net.firing_rates()


def test_failed_rerun_clears_previous_records():
    net = _runaway()
    net.add_voltage_record([0, 1])
    net.run_simulation(5)                    # fine: before the runaway
    assert net.result.complete and len(net.records["v"]) == 50
    with pytest.raises(SimulationError):
        net.run_simulation(500, max_memory="16MiB")
    assert not net.result.complete and net.records["v"].index[-1] < 499
    with pytest.raises(SimulationError, match="did not complete"):
        net.get_spike_counts()


def test_failed_streamed_run_leaves_no_complete_looking_file(tmp_path):
    net = PointNetwork.from_edge_list(pd.DataFrame({"pre": ["a", "b"], "post": ["b", "a"],
                                                    "weight": 1}), model="LIF")
    net.add_neurons(["boom"])
    net.add_current("boom", 1e308, start=30.0)       # overflows to inf at 30 ms
    net.add_poisson_input("a", rate=300.0)
    path = tmp_path / "s.parquet"
    with pytest.raises(SimulationError, match=r"incomplete\.parquet"):
        net.run_simulation(100, spikes_to=path, chunk=10.0)
    assert not path.exists()
    inc = tmp_path / "s.incomplete.parquet"
    import pyarrow.parquet as pq

    t = pq.read_table(inc)
    assert t.schema.metadata[b"connectome_sim.complete"] == b"false"
    assert t.num_rows > 0 and max(t.column("time").to_pylist()) < 30.0


def test_runaway_under_an_address_space_limit_ends_clearly():
    """The IntFire4 runaway of 2,000 neurons and 200k random edges, in a process limited to
    4 GB of address space (``ulimit -v 4000000``): a clear error well within 60 s."""
    code = textwrap.dedent("""
        import time, numpy as np, pandas as pd
        t0 = time.time()
        from connectome_sim.errors import SimulationError
        from connectome_sim.network import PointNetwork
        rng = np.random.default_rng(0)
        n, m = 2000, 200_000
        e = pd.DataFrame({"source": rng.integers(0, n, m), "target": rng.integers(0, n, m),
                          "weight": rng.uniform(0.1, 0.6, m)})
        net = PointNetwork.from_edge_list(e, model="IntFire4", delay=1.0)
        net.add_stimulus(list(range(50)), start=1, stop=200, frequency=50, randomness=0)
        try:
            net.run_simulation(1000)
        except SimulationError as exc:
            print("ERROR", str(exc)[:200])
        print("ELAPSED", time.time() - t0, "COMPLETE", net.result.complete)
    """)
    p = subprocess.run(["bash", "-c", f"ulimit -v 4000000; exec {sys.executable} -c \"$0\"", code],
                       capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-2000:]
    assert "ERROR trial 0: the run's memory budget" in out, out[-2000:]
    elapsed = float(out.split("ELAPSED")[1].split()[0])
    assert elapsed < 60 and "COMPLETE False" in out


def test_poisson_input_bounded_by_the_runs_max_memory():
    """run_simulation(max_memory=) bounds the drawing of Poisson inputs too, not only the
    network's own max_memory: 1,000 Hz to 50 neurons for 1,000 s (5e7 input spikes, ~2.4 GB
    to draw) under a 64 MB budget is refused before anything is drawn."""
    import pandas as pd

    from connectome_sim.errors import SimulationError
    from connectome_sim.network import PointNetwork

    net = PointNetwork.from_edge_list(pd.DataFrame({"pre": range(50), "post": range(1, 51),
                                                    "weight": 1}), model="LIF")
    net.add_poisson_input(list(range(50)), rate=1000.0)
    with pytest.raises(SimulationError, match=r"Poisson input.*more than the memory budget "
                                              r"\(0\.0\d+ GiB\).*max_memory="):
        net.run_simulation(1_000_000.0, max_memory="64MB")


@pytest.mark.parametrize("start, period, n", [(14.1, 21.9, 17), (0.0, 0.7, 300),
                                              (3.3, 1000.0 / 7.0, 6), (0.5, 12.1, 29)])
def test_regular_train_of_n_periods_gives_n_events(start, period, n):
    """``stop = start + n periods`` at ``frequency = 1000 / period`` is n events: the NetStim
    count int(duration * frequency / 1000) is 16.999999999999996 for the first case, and
    plain truncation dropped the last event without a word."""
    net = PointNetwork("LIF")
    net.add_neurons(["a"], t_rfc=0.1)
    net.add_stimulus("a", start=start, stop=start + n * period, frequency=1000.0 / period,
                     randomness=0)
    net.run_simulation(start + (n + 1) * period, dt=0.1)
    t = np.sort(net.spikes.time.to_numpy())
    want = start + period * np.arange(n)
    assert t.size == n, f"{t.size} spikes for {n} input events"
    assert np.abs(t - want).max() <= 0.1 + 1e-9
