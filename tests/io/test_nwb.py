"""NWB export: tables -> pynwb file -> tables, same numbers; the file validates against NWB."""

import numpy as np
import pandas as pd
import pytest

import pynwb

from connectome_sim.errors import ParameterError  # noqa: E402
from connectome_sim.io.nwb import read_nwb, write_nwb  # noqa: E402


def _sorted(sp, idcol="neuron_id"):
    return sp.sort_values(["trial", idcol, "time"]).reset_index(drop=True)


def check_roundtrip(path, spikes=None, voltages=None, idcol="neuron_id"):
    """Read ``path`` back with pynwb directly and with read_nwb; compare with the inputs."""
    assert pynwb.validate(path=str(path)) == []
    with pynwb.NWBHDF5IO(str(path), "r") as io:  # what any NWB tool sees
        nwb = io.read()
        if spikes is not None:
            units = nwb.units.to_dataframe()
            n_spikes = sum(len(st) for st in units["spike_times"])
            assert n_spikes == len(spikes)
            first = units.iloc[0]
            sel = spikes[(spikes[idcol] == first["neuron_id"])
                         & (spikes.get("trial", 0) == first["trial"])]
            np.testing.assert_allclose(np.asarray(first["spike_times"]) * 1000.0,
                                       np.sort(sel["time"].to_numpy()), rtol=1e-15, atol=0)
        if voltages is not None:
            ccs = [s for s in nwb.acquisition.values()
                   if isinstance(s, pynwb.icephys.CurrentClampSeries)]
            assert len(ccs) == voltages.shape[1]
            s = ccs[0]
            assert s.unit == "volts" and s.conversion == 1e-3
            assert s.electrode.cell_id in {str(c if not isinstance(c, tuple) else c[1])
                                           for c in voltages.columns}
    back = read_nwb(path)
    if spikes is not None:
        a = _sorted(spikes if "trial" in spikes else spikes.assign(trial=0), idcol)
        b = _sorted(back["spikes"].rename(columns={"neuron_id": idcol}), idcol)
        assert a[idcol].tolist() == b[idcol].tolist()
        assert a["trial"].tolist() == b["trial"].tolist()
        # ms -> s (NWB) -> ms: equal up to float64 rounding of the unit change
        np.testing.assert_allclose(b["time"], a["time"], rtol=1e-15, atol=1e-12)
    if voltages is not None:
        v = back["voltages"]
        assert list(v.columns) == list(voltages.columns)
        np.testing.assert_array_equal(v.to_numpy(), voltages.to_numpy())  # bit for bit
        np.testing.assert_allclose(v.index.to_numpy(), voltages.index.to_numpy(),
                                   rtol=1e-15, atol=1e-12)
    return back


def test_table_roundtrip(tmp_path):
    rng = np.random.default_rng(1)
    sp = pd.DataFrame({"trial": rng.integers(0, 3, 300),
                       "neuron_id": rng.choice(["ADAL", "AVAR", "PVCL", "RIML"], 300),
                       "time": np.round(rng.uniform(0, 1000, 300), 1)})
    t = np.arange(400) * 0.025
    v = pd.DataFrame(rng.normal(-65, 5, (400, 3)), index=pd.Index(t, name="time"),
                     columns=[12, 3, 720575940660219265])
    p = write_nwb(tmp_path / "a.nwb", spikes=sp, voltages=v)
    check_roundtrip(p, sp, v)
    # integer IDs stay integers, no trial column -> trial 0, MultiIndex (trial, id) voltages
    sp2 = pd.DataFrame({"node_id": [5, 5, 9], "time": [1.0, 2.5, 3.0]})
    v2 = pd.DataFrame(rng.normal(size=(10, 2)), index=np.arange(10) * 0.1,
                      columns=pd.MultiIndex.from_tuples([(0, 7), (1, 7)]))
    p2 = write_nwb(tmp_path / "b.nwb", spikes=sp2, voltages=v2, kind="compartment")
    back = check_roundtrip(p2, sp2, v2, idcol="node_id")
    assert back["spikes"]["neuron_id"].tolist() == [5, 5, 9]


def test_bad_input_is_named(tmp_path):
    with pytest.raises(ParameterError, match="nothing to write"):
        write_nwb(tmp_path / "x.nwb")
    with pytest.raises(ParameterError, match="'time' column"):
        write_nwb(tmp_path / "x.nwb", spikes=pd.DataFrame({"neuron": [1], "t": [2.0]}))
    with pytest.raises(ParameterError, match="increase strictly"):
        write_nwb(tmp_path / "x.nwb", voltages=pd.DataFrame({"a": [1.0, 2.0]}, index=[1.0, 0.5]))
    write_nwb(tmp_path / "y.nwb", spikes=pd.DataFrame({"neuron_id": [1], "time": [2.0]}))
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_nwb(tmp_path / "y.nwb", spikes=pd.DataFrame({"neuron_id": [1], "time": [2.0]}))


def _compare_run(back, spikes, v_rows_by_trial, idcol):
    """``v_rows_by_trial``: {trial: DataFrame indexed by time, columns IDs} of the source."""
    a = spikes.sort_values(["trial", idcol, "time"]).reset_index(drop=True)
    b = back["spikes"].sort_values(["trial", "neuron_id", "time"]).reset_index(drop=True)
    assert a[idcol].tolist() == b["neuron_id"].tolist()
    assert a["trial"].tolist() == b["trial"].tolist()
    np.testing.assert_allclose(b["time"], a["time"], rtol=1e-15, atol=1e-12)
    v = back["voltages"]
    for trial, src in v_rows_by_trial.items():
        for col in src.columns:
            np.testing.assert_array_equal(v[(trial, col)].to_numpy(), src[col].to_numpy())
        np.testing.assert_allclose(v.index.to_numpy(), src.index.to_numpy(), atol=1e-12)


def test_compartment_run_roundtrip(tmp_path):
    """A CompartmentModel run (hh soma + dendrite, 2 trials) -> NWB -> the same numbers."""
    from connectome_sim.cable import CompartmentModel
    from connectome_sim.io.nwb import export_nwb

    n = 30
    nodes = pd.DataFrame({"node_id": np.arange(1, n + 1), "parent_id": np.r_[-1, np.arange(1, n)],
                          "x": np.arange(n) * 5.0, "y": 0.0, "z": 0.0,
                          "radius": np.r_[10.0, np.full(n - 1, 1.0)]})
    cm = CompartmentModel(nodes, res=10.0)
    cm.insert("hh")
    cm.inject_current_pulse([1], start=2, duration=10, current=0.5)
    cm.add_voltage_record([1, 15, 30])
    cm.add_spike_detector([1])
    cm.run_simulation(20, dt=0.025, n_trials=2)
    assert len(cm.spikes) >= 2
    p = export_nwb(cm, tmp_path / "cm.nwb")
    check = pynwb.validate(path=str(p))
    assert check == []
    with pynwb.NWBHDF5IO(str(p), "r") as io:
        nwb = io.read()
        assert "compartment" in nwb.session_description
        s = nwb.acquisition["V_15_trial1"]
        assert s.electrode.cell_id == "15" and s.sweep_number == 1
    back = read_nwb(p)
    rec = cm.records["v"]
    _compare_run(back, cm.spikes, {k: rec.loc[k] for k in (0, 1)}, "node_id")


def test_network_run_roundtrip(tmp_path):
    """A PointNetwork run (C. elegans LIF, 2 trials, voltage records) -> NWB -> same numbers."""
    from connectome_sim.datasets import load_celegans
    from connectome_sim.io.nwb import export_nwb
    from connectome_sim.network import PointNetwork

    net = PointNetwork.from_edge_list(load_celegans(kind="chemical"), model="LIF")
    net.add_poisson_input(["ASHL", "ASHR"], rate=150.0)
    net.add_voltage_record(["ASHL", "AVAL", "AVDL"])
    net.run_simulation(200.0, dt=0.1, seed=2, n_trials=2)
    assert net.spikes["trial"].nunique() == 2 and net.spikes["neuron_id"].nunique() > 2
    p = export_nwb(net, tmp_path / "net.nwb")
    assert pynwb.validate(path=str(p)) == []
    back = read_nwb(p)
    rec = net.records["v"]
    _compare_run(back, net.spikes, {k: rec[k] for k in (0, 1)}, "neuron_id")
