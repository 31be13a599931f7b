"""NWB export: tables -> pynwb file -> tables, same numbers; the file validates against NWB."""

import numpy as np
import pandas as pd
import pytest

pynwb = pytest.importorskip("pynwb")

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
