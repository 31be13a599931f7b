"""The point-model zoo and reduced neurons used through PointNetwork (issue 5 API)."""

from __future__ import annotations

import numpy as np
import pytest

from connectome_sim.errors import ParameterError, StabilityError
from connectome_sim.network import PointNetwork
from connectome_sim.network.fi_curve import fi_curve, ramp_input
from connectome_sim.network.models import get_model

ZOO = ["HH", "MorrisLecar", "WangBuzsakiHH", "ExpIF", "AdEx", "Izhikevich"]


def test_one_neuron_experiment_hh():
    """The issue's example: HH, 10 µA/cm² from 100 to 600 ms; spikes and trace come back."""
    net = PointNetwork("HH")
    net.add_neurons(["a"], model="HH")
    net.add_current("a", amplitude=10, start=100, stop=600)
    net.add_voltage_record("a")
    net.run_simulation(700, dt=0.1)
    v = net.records["v"]["a"]
    assert v.index[0] == 0.0 and len(v) == 7000
    t = net.spikes["time"].to_numpy()
    assert 30 <= t.size <= 45 and t.min() > 100 and t.max() < 610   # ~68 Hz tonic firing
    assert v.max() > 30 and v.loc[:99].max() < -60                   # APs only with current


def test_network_path_equals_kernel_path():
    """PointNetwork (callable ramp) gives exactly the trace of the kernel driven directly."""
    import importlib.util
    import pathlib
    spec = importlib.util.spec_from_file_location(
        "pp", pathlib.Path(__file__).with_name("test_point_parity.py"))
    pp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pp)
    ramp = pp.ramp(4.0, 40.0)
    t, V, spikes = pp.run_kernel(get_model("HH"), ramp)
    net = PointNetwork("HH")
    net.add_neurons(["a"])
    net.add_current("a", amplitude=ramp)
    net.add_voltage_record("a")
    net.run_simulation(700, dt=0.1)
    np.testing.assert_allclose(net.records["v"]["a"].to_numpy(), V[:-1], atol=1e-9)
    np.testing.assert_allclose(net.spikes["time"].to_numpy() + 0.1, spikes, atol=1e-9)


@pytest.mark.parametrize("model", ZOO)
def test_ramp_array_and_fi_curve(model):
    """Seed 002's ramp_input array drives every model; f-I curves rise from zero."""
    amps = {"HH": (0.0, 10.0), "MorrisLecar": (0.0, 120.0), "WangBuzsakiHH": (0.0, 1.0),
            "ExpIF": (0.0, 20.0), "AdEx": (0.0, 30.0), "Izhikevich": (0.0, 10.0)}[model]
    net = PointNetwork(model)
    net.add_neurons(["a"])
    net.add_current("a", amplitude=ramp_input(amps[0], amps[1] * 1.5, 300, 50, 250),
                    sample_interval=0.1)
    net.run_simulation(300, dt=0.1)
    assert len(net.spikes) > 0
    fi = fi_curve(model, list(amps), duration=300.0, transient=100.0)
    assert fi.rate.iloc[0] == 0 and fi.rate.iloc[1] > 0


@pytest.mark.parametrize("model", ["HH", "ExpIF", "Izhikevich"])
def test_current_and_conductance_synapses(model):
    """cond_syn=0 adds a positive weight as depolarising current; cond_syn=1 as a conductance
    with reversal E_e, so with E_e = -100 mV the same positive weight hyperpolarises."""
    import pandas as pd
    traces = {}
    for cond, drive in ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0)):
        net = PointNetwork.from_edge_list(
            pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [0.5]}),
            model=model, delay=1.0, cond_syn=cond, E_e=-100.0, tau_e=5.0)
        amp = {"HH": 10.0, "ExpIF": 20.0, "Izhikevich": 10.0}[model]
        net.add_current("a", amplitude=amp * drive, start=0, stop=30)
        net.add_voltage_record("b")
        net.run_simulation(60, dt=0.1)
        traces[(cond, drive)] = net.records["v"]["b"].to_numpy()
        if drive:
            assert (net.spikes.neuron_id == "a").sum() > 0
    d_cur = traces[(0.0, 1.0)] - traces[(0.0, 0.0)]
    d_cond = traces[(1.0, 1.0)] - traces[(0.0, 0.0)]
    print(model, d_cur.max(), d_cond.min())
    # (HH rebounds after a PSP, hence "mostly" rather than "only" one sign)
    assert d_cur.max() > 0.2 and -d_cur.min() < 0.5 * d_cur.max()
    assert d_cond.min() < -0.2 and d_cond.max() < 0.5 * -d_cond.min()


def test_bad_parameters_and_dt():
    with pytest.raises(ParameterError, match="valid parameters"):
        PointNetwork("HH").add_neurons(["a"], gNaa=1.0).run_simulation(1.0)
    from connectome_sim.reduced import reduce  # noqa: F401  (import works)
    from connectome_sim.reduced import bap_neuron
    with pytest.raises(StabilityError, match="implicit"):
        bap_neuron().simulate(10.0, dt=2.0)


def test_reduced_neurons_in_celegans_network():
    """A PointNetwork of reduce()d neurons on the C. elegans chemical edge list runs, with
    synapses on the dendrite compartment."""
    import navis
    from connectome_sim.datasets import example_neuron, load_celegans
    from connectome_sim.reduced import reduce

    skel = navis.split_axon_dendrite(example_neuron(1), label_only=True, cellbodyfiber="soma")
    red = reduce(skel, label_col="compartment")
    red.set_synapses(tau_e=5.0, tau_i=10.0)
    M = red.to_point_model("TestReducedDA1", method="implicit", synapse_compartment="dendrite")
    assert M.channels[M.synapse_channel(1)] == "dendrite.exc"
    edges = load_celegans(kind="chemical")
    net = PointNetwork.from_edge_list(edges, model="TestReducedDA1", weight_scale=2e-5)
    ids = np.sort(net.ids)[:20]
    net.add_poisson_input(ids, rate=150.0, weight=1e-3)
    net.add_voltage_record(ids[:3])
    net.run_simulation(200.0, dt=0.1, seed=3)
    assert net.n_neurons == 302 and len(net.spikes) > 20
    assert net.spikes.neuron_id.nunique() > 20            # activity spreads beyond the driven
    assert np.isfinite(net.records["v"].to_numpy()).all()


def test_synapse_compartment_matters():
    """The same input on the dendrite gives a smaller, later somatic EPSP than on the soma."""
    import pandas as pd
    from connectome_sim.reduced import bap_neuron

    out = {}
    for comp in ("soma", "dist"):
        M = bap_neuron().to_point_model(f"bAP_{comp}", synapse_compartment=comp)
        net = PointNetwork.from_edge_list(
            pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [0.002]}), model=M.name,
            delay=1.0)
        net.add_current("a", amplitude=0.3, start=0, stop=12)
        net.add_voltage_record("b")
        net.run_simulation(60, dt=0.1)
        assert len(net.spikes[net.spikes.neuron_id == "a"]) >= 1
        v = net.records["v"]["b"]
        out[comp] = (float(v.max() + 65.0), float(v.idxmax()))
    assert out["dist"][0] < out["soma"][0]
    assert out["dist"][1] > out["soma"][1]
