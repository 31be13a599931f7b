"""HNN-core style drives and receptor presets (connectome_sim.cable.drives)."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable.drives import (RECEPTORS, Drive, bursty_times, evoked_times,
                                         poisson_drive_times, receptor)
from connectome_sim.errors import ParameterError
from connectome_sim.stimuli import make_rng


def test_evoked_gaussian_statistics_and_clipping():
    t = evoked_times(50.0, 5.0, 20000, make_rng(1, 0, 0), tstop=1000)
    assert abs(t.mean() - 50.0) < 0.15 and abs(t.std() - 5.0) < 0.15
    assert np.all(np.diff(t) >= 0)
    # times <= 0 and > tstop are dropped as in HNN-core
    t = evoked_times(0.0, 1.0, 1000, make_rng(1, 0, 1), tstop=0.5)
    assert np.all((t > 0) & (t <= 0.5)) and 0 < len(t) < 1000


def test_poisson_rate_and_window():
    counts = [len(poisson_drive_times(40.0, 100.0, 1100.0, make_rng(s, 0, 0))) for s in range(200)]
    # 40 events per train expected; the mean of 200 trains has sd 0.45
    assert abs(np.mean(counts) - 40.0) < 2.0
    assert abs(np.var(counts) / np.mean(counts) - 1.0) < 0.3  # Fano factor 1
    t = poisson_drive_times(40.0, 100.0, 10100.0, make_rng(3, 0, 0))
    assert np.all((t > 100) & (t < 10100))
    isi = np.diff(t)
    assert abs(isi.std() / isi.mean() - 1.0) < 0.1  # exponential ISIs: CV = 1


def test_bursty_structure():
    t = bursty_times(10.0, 500.0, 10.0, make_rng(0, 0, 0), burst_std=0.0, numspikes=3,
                     spike_isi=2.0)
    centres = np.arange(10.0, 500.0, 100.0)
    expected = np.sort(np.concatenate([centres - 2, centres, centres + 2]))
    np.testing.assert_allclose(t, expected)
    with pytest.raises(ParameterError, match="burst period"):
        bursty_times(0, 100, 100.0, make_rng(0), numspikes=5, spike_isi=5)


def test_drive_seeding_is_keyed():
    d = Drive("ev", "evoked", {"mu": 20, "sigma": 3, "numspikes": 5}, targets=None, seed=7)
    a = d.times(trial=0, drive_index=0, cell=3, tstop=100)
    np.testing.assert_array_equal(a, d.times(0, 0, 3, 100))
    assert not np.array_equal(a, d.times(1, 0, 3, 100))  # other trial
    assert not np.array_equal(a, d.times(0, 0, 4, 100))  # other cell


def test_receptors():
    assert receptor("AMPA") == RECEPTORS["ampa"]
    assert receptor("GABA_A")["e"] == -80.0
    assert receptor("nmda")["tau2"] == 20.0
    with pytest.raises(ParameterError, match="valid receptors"):
        receptor("kainate")


def _labelled_cell():
    """Soma and two dendrites of three sections each (60 µm, µm units), labelled."""
    rows, nid = [(1, -1, 0.0, 0.0, 0.0, 5.0, "soma")], 1
    for branch, (dx, dy) in enumerate([(1.0, 0.0), (0.0, 1.0)]):
        parent = 1
        for k in range(6):
            nid += 1
            rows.append((nid, parent, dx * 10 * (k + 1), dy * 10 * (k + 1), 0.0,
                         1.0 - 0.1 * k, "dendrite"))
            parent = nid
        rows.append((nid + 1, nid - 3, dx * 30 + dy * 10, dy * 30 + dx * 10, 0.0, 0.5,
                     "dendrite"))
        nid += 1
    return pd.DataFrame(rows, columns=["node_id", "parent_id", "x", "y", "z", "radius",
                                       "compartment"])


def test_drive_strength_does_not_change_with_the_discretisation():
    """One synapse per section of a label (HNN-core's sec(0.5)) and one per node ID: the
    synapse count and the soma's response stay put as res refines (one synapse per
    compartment made the drive 3-10x stronger at res 2 than at res 20)."""
    from connectome_sim.cable.circuit import Circuit

    out = []
    for res in (20.0, 5.0, 2.0):
        c = Circuit({7: _labelled_cell()}, res=res)
        c[7].insert("pas", g=1e-4, e=-65)
        lab = c.add_evoked_drive("lab", mu=5.0, sigma=0.0, location="dendrite",
                                 weights_ampa=0.0005)
        nodes = c.add_evoked_drive("nodes", mu=30.0, sigma=0.0, location=[3, 4, 5, 9, 10],
                                   weights_ampa=0.0005)
        c[7].add_voltage_record(1)
        c.run_simulation(duration=50.0, dt=0.025, v_init=-65.0, dipole=False)
        v = c[7].records["v"].iloc[:, 0]
        n_sec = int(c[7].geometry.n_sections)     # (navis reading: the soma is a point)
        out.append((len(lab.targets), n_sec, len(nodes.targets),
                    v[v.index < 25].max(), v[v.index > 25].max()))
    assert all(n_lab == n_sec for n_lab, n_sec, *_ in out)
    assert {o[2] for o in out} == {5}
    for o in out[1:]:
        assert abs(o[3] - out[0][3]) < 0.2 and abs(o[4] - out[0][4]) < 0.2, out
    assert out[0][3] > -60.0 and out[0][4] > -60.0                # the drives do something
