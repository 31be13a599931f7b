"""CompartmentModel API: addressing, errors, records, trials, clearing, plotting."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable import CompartmentModel, Section
from connectome_sim.errors import (ParameterError, SimulationError, StabilityError,
                                   UnknownIDError)

from test_model_parity import y_tree


@pytest.fixture
def model():
    m = CompartmentModel(y_tree(), res=5)
    m.insert("pas", g=1e-4, e=-65)
    return m


def test_addressing_and_sections(model):
    sec = model.get_node_section(5)
    assert isinstance(sec, Section)
    secs = model.get_node_section([2, 3, 16])
    assert all(isinstance(s, Section) for s in secs)
    seg = model.get_node_segment(5)
    assert seg[0] == sec and 0 < seg[1] <= 1
    model.insert("hh", subset=[sec])
    geom = model.geometry
    whole = np.flatnonzero((geom.section == int(sec)) & ~geom.is_junction)
    assert model._mechs["hh"]["mask"][whole].all()
    assert model.mechanisms["hh"] == len(whole)
    model.uninsert("hh")
    model.insert("hh", subset="axon")  # a label name
    axon = geom.select("axon")
    assert model._mechs["hh"]["mask"][axon[~geom.is_junction[axon]]].all()
    assert not model._mechs["hh"]["mask"][geom.node_to_compartment([12])].any()


def test_unknown_ids_and_parameters(model):
    with pytest.raises(UnknownIDError, match="999") as exc:
        model.add_voltage_record([1, 999, 998])
    assert isinstance(exc.value, KeyError) and "998" in str(exc.value)
    with pytest.raises(KeyError):
        model.insert("hh", subset=[12345])
    with pytest.raises(ParameterError, match="gnabar") as exc:
        model.insert("hh", gna=0.1)
    assert isinstance(exc.value, TypeError)
    with pytest.raises(TypeError, match="known mechanisms"):
        model.insert("kdr")
    with pytest.raises(TypeError, match="tau1"):
        model.add_synapse(3, "Exp2Syn", tau=1)


def test_labels_do_not_overwrite(model):
    model.add_voltage_record([2, 7, 12], label="probe")
    model.add_voltage_record(1, label="root")
    model.add_voltage_record(19)
    model.inject_current_pulse(1, start=1, duration=5, current=0.05)
    model.run_simulation(10, v_init=-65)
    v = model.records["v"]
    assert list(v.columns) == ["probe:2", "probe:7", "probe:12", "root", 19]
    assert v.index.name == "time" and v.index[-1] == pytest.approx(10.0)
    assert len(v) == 401
    at5 = v.iloc[200]  # t = 5 ms, during the pulse
    assert at5["root"] > at5["probe:12"] > -65  # current spreads from the root


def test_bad_steps_and_blow_up(model):
    model.add_voltage_record(1)
    for dt in (0, -0.1, float("nan"), 5.0):
        with pytest.raises(StabilityError, match="dt"):
            model.run_simulation(10, dt=dt)
    with pytest.raises(ParameterError, match="'cn'"):
        model.run_simulation(10, method="rk4")
    model.inject_current_pulse(12, start=1.0, duration=5, current=1e7)
    with pytest.raises(SimulationError, match=r"t = 1\.\d* ms.*node ID") as exc:
        model.run_simulation(10, v_init=-65)
    assert isinstance(exc.value, RuntimeError)


def test_trials_seeds_and_spikes():
    m = CompartmentModel(y_tree(), res=5)
    m.insert("pas", g=1e-4, e=-65)
    m.insert("hh")
    m.add_voltage_record(1, label="root")
    m.add_spike_detector(7, threshold=0, label="tip")
    m.add_synaptic_input([1, 12], spike_no=15, spike_int=5, spike_noise=1, cn_weight=0.05)
    m.run_simulation(60, v_init=-65, n_trials=3, seed=7)
    v = m.records["v"]
    assert v.index.names == ["trial", "time"]
    a = v.xs(0, level="trial")["root"].to_numpy()
    b = v.xs(1, level="trial")["root"].to_numpy()
    assert not np.array_equal(a, b)  # independent trials
    sp = m.spikes
    assert list(sp.columns) == ["label", "node_id", "time", "trial"]
    assert set(sp.trial) <= {0, 1, 2} and len(sp) > 0
    first = v.copy()
    trains = m.presynaptic_trains
    m.run_simulation(60, v_init=-65, n_trials=3, seed=7)
    pd.testing.assert_frame_equal(first, m.records["v"])  # same seed, same result
    m.run_simulation(60, v_init=-65, n_trials=1, seed=8)
    assert not np.array_equal(m.presynaptic_trains[0][0], trains[0][0])


def test_clear_and_current_record(model):
    model.add_voltage_record(1)
    model.add_synaptic_current(12, start=1, max_syn_cond=0.01)
    model.add_current_record(12, label="alpha")
    with pytest.raises(ParameterError, match="no point process"):
        model.add_current_record(7)
    model.run_simulation(5, v_init=-65)
    assert model.records["i"]["alpha"].min() < 0  # inward synaptic current (NEURON sign)
    model.clear_stimuli()
    assert model._points == [] and all(r["kind"] != "i" for r in model._records)
    model.clear_records()
    assert model._records == []
    model.connect(7, 12, cn_weight=0.01)
    model.clear_synapses()
    assert model._synapses == [] and model._netcons == [] and model._detectors == []


def test_ra_cm_per_subset(model):
    model.set_cm(2.0, subset="axon")
    model.set_Ra(100.0, subset=[model.get_node_section(13)])
    assert isinstance(model.cm, np.ndarray) and model.cm.max() == 2.0
    assert isinstance(model.Ra, np.ndarray)
    model.Ra = 80.0
    assert model.Ra == 80.0
    with pytest.raises(ParameterError):
        model.cm = -1


@pytest.mark.parametrize("backend", ["plotly", "matplotlib"])
def test_plot_results(model, backend):
    model.add_voltage_record([1, 12])
    model.add_spike_detector(1, threshold=-64.99)
    model.inject_current_pulse(1, start=1, duration=5, current=0.05)
    model.run_simulation(10, v_init=-65)
    out = model.plot_results(backend=backend)
    if backend == "plotly":
        assert len(out.data) == 3  # two traces + spikes
    else:
        assert len(out) == 2
        import matplotlib.pyplot as plt
        plt.close("all")


def test_connector_and_section_addressing():
    import navis
    n = navis.example_neurons(1).convert_units("um")
    m = CompartmentModel(n, res=10)
    cn = n.connectors.iloc[:3]
    m.add_synaptic_current({"connectors": cn.connector_id.tolist()}, start=1)
    comps = sorted(p["comp"] for p in m._points)
    assert comps == sorted(set(m.get_node_compartment(cn.node_id.to_numpy()).tolist()))
    sec = m.get_node_section(int(cn.node_id.iloc[0]))
    m.add_voltage_record({"sections": [int(sec)]}, label="sec")
    m.add_voltage_record(sec, label="sec_obj")
    cols = [r["label"] for r in m._records]
    assert cols and all(c.startswith("sec") for c in cols)
    with pytest.raises(KeyError, match="999999999"):
        m.add_voltage_record({"connectors": [999999999]})
