"""The Arbor twin used by benchmarks/bench_cable.py solves the same discretisation as ours:
same number of unknowns (Arbor CVs = our compartments, zero-extent fork CVs included), and
on a passive cell (where both are exact up to rounding of the same equations) the same
voltage trace to a few µV."""

import numpy as np
import pytest

arbor = pytest.importorskip("arbor")

import navis  # noqa: E402

from arbor_reference import run_arbor  # noqa: E402
from connectome_sim.cable import CompartmentModel  # noqa: E402


def test_arbor_twin_same_cvs_and_passive_trace():
    n = navis.example_neurons(2, kind="skeleton")[1].convert_units("um")
    m = CompartmentModel(n, res=5, Ra=266.1, cm=0.8)
    m.insert("pas", g=1 / 20800, e=-60)
    root = m.geometry.morphology.root
    m.inject_current_pulse(root, start=5, duration=30, current=0.2)
    m.add_voltage_record(root, label="root")
    _, _, t, v_arb, n_cv = run_arbor(m, 50.0, -60.0)
    m.run_simulation(50.0, v_init=-60.0)
    ours = m.records["v"]["root"].to_numpy()
    assert n_cv == m.n_compartments
    k = min(len(ours), len(v_arb))
    np.testing.assert_allclose(t[:k], m.t[:k], atol=1e-9)  # samples at the same times
    dv = np.abs(ours[:k] - v_arb[:k, 0])
    assert ours.max() - ours.min() > 5.0  # the pulse does something
    assert dv.max() < 0.01, dv.max()
