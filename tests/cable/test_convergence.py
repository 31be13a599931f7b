"""Temporal convergence of the cable solver on a passive cable.

Reference: the exact solution of the space-discretised system ``C dV/dt = -A (V - E) + I``
(the same compartments, built here from ``geometry.area``/``ri_unit``, not from the solver's
arrays), by a generalised symmetric eigendecomposition (scipy) — so the measured error is the
time-stepping error alone.  Backward Euler must lose ~2x per dt halving, Crank–Nicolson
(``method='cn'``, NEURON's secondorder=2) ~4x.

Errors are taken at the sealed far end over the whole run (20 ms).  At the injection site the
first step of a current step excites the stiff high-frequency modes, which CN damps only
slowly (its amplification factor tends to -1), so there the early error is not second order:
that is a property of CN (as in NEURON), not a defect; we check the site after 5 ms.
Units: µm, ms, mV, nA, nF, µS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import eigh

from connectome_sim.cable import CompartmentModel

RA, RM, CM, E = 100.0, 10000.0, 1.0, -65.0  # Ω·cm, Ω·cm², µF/cm², mV
I_NA, TSTOP = 0.05, 20.0
DTS = [0.1, 0.05, 0.025, 0.0125]  # ms


def _model():
    xs = np.linspace(0.0, 500.0, 51)
    nodes = pd.DataFrame({"node_id": np.arange(1, 52), "parent_id": np.arange(0, 51),
                          "x": xs, "y": 0.0, "z": 0.0, "radius": 0.5})
    nodes.loc[0, "parent_id"] = -1
    m = CompartmentModel(nodes, res=10.0, Ra=RA, cm=CM)
    m.insert("pas", g=1 / RM, e=E)
    m.inject_current_pulse(1, start=0, duration=1e9, current=I_NA)
    m.add_voltage_record(1, label="site")
    m.add_voltage_record(51, label="end")
    return m


def _exact(geom, t, nodes):
    """Exact V(t) (mV) of the semi-discrete cable at the compartments of ``nodes``."""
    assert not geom.is_junction.any()  # every compartment has capacitance
    n = geom.n_comp
    cap = CM * geom.area * 1e-5  # nF
    A = np.diag(geom.area * 1e-2 / RM)  # µS
    for i in range(1, n):
        p, ga = geom.parent[i], 1.0 / (geom.ri_unit[i] * RA)
        A[i, i] += ga
        A[p, p] += ga
        A[i, p] -= ga
        A[p, i] -= ga
    b = np.zeros(n)
    b[geom.node_to_compartment([1])[0]] = I_NA
    w, U = eigh(A, np.diag(cap))  # A U = C U diag(w), U' C U = 1
    vinf = np.linalg.solve(A, b)
    comps = geom.node_to_compartment(nodes)
    coef = U.T @ (cap * vinf)
    return E + vinf[comps][None, :] - np.exp(-np.outer(t, w)) @ (U[comps].T * coef[:, None])


@pytest.mark.parametrize("method,order", [("be", 2.0), ("cn", 4.0)])
def test_error_ratio_per_dt_halving(method, order):
    m = _model()
    err_end, err_site = [], []
    for dt in DTS:
        m.run_simulation(TSTOP, v_init=E, dt=dt, method=method)
        v = m.records["v"]
        t = v.index.to_numpy()
        ref = _exact(m.geometry, t, [1, 51])
        d = np.abs(v[["site", "end"]].to_numpy() - ref)
        err_site.append(d[t >= 5.0, 0].max())
        err_end.append(d[:, 1].max())
    r_end = np.array(err_end[:-1]) / np.array(err_end[1:])
    r_site = np.array(err_site[:-1]) / np.array(err_site[1:])
    print(f"{method}: max error at the far end {np.round(err_end, 6)} mV, ratios "
          f"{np.round(r_end, 3)}; at the site (t >= 5 ms) ratios {np.round(r_site, 3)}")
    assert np.all(np.abs(r_end / order - 1) < 0.1), r_end
    assert np.all(np.abs(r_site[1:] / order - 1) < 0.1), r_site
    assert err_end[-1] < (0.02 if method == "be" else 1e-4)
