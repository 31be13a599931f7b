"""Gap junctions: two passive cables coupled at their ends against the analytic steady state.

Cable k: d = 1 µm, L = 500 µm, Ra = 100 Ω·cm, pas g = 1e-4 S/cm² (λ = 500 µm, τ = 10 ms),
e = -65 mV, 251 segments (res = 2 µm).  Cable 1 receives I0 = 0.01 nA at its root end; a gap
junction g couples that end to the root end of cable 2.  A root with one child has no separate
zero-area node (NEURON's x=0 node carries no membrane), so the root node's compartment is the
first segment, centred at a = Δx/2 from the sealed end: the analytic site is x = a, seeing two
sealed pieces of lengths a and L - a, G = (tanh(a/λ) + tanh((L - a)/λ)) / (r_a λ).  Steady
state: V1(a) = I0 / (G + g G / (g + G)), V2(a) = g V1(a) / (g + G), and beyond the site
V(x) = V(a) cosh((L - x)/λ) / cosh((L - a)/λ).  Tolerance 0.1 % (issue 7).
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable.circuit import Circuit

D, L, RA, GPAS, E = 1.0, 500.0, 100.0, 1e-4, -65.0
I0 = 0.01


def _cable(offset_y):
    n = 11
    return pd.DataFrame({"node_id": np.arange(1, n + 1), "parent_id": np.r_[-1, np.arange(1, n)],
                         "x": np.linspace(0, L, n), "y": offset_y, "z": 0.0, "radius": D / 2})


NSEG = 251
A_SITE = L / NSEG / 2  # µm, centre of the first segment


def _analytic(g):
    lam = np.sqrt((1 / GPAS) * (D * 1e-4) / (4 * RA)) * 1e4  # µm
    r_a = 4 * RA / (np.pi * D ** 2) * 1e-2  # MΩ / µm
    G = (np.tanh(A_SITE / lam) + np.tanh((L - A_SITE) / lam)) / (r_a * lam)  # µS
    v1 = I0 / (G + g * G / (g + G))
    v2 = g * v1 / (g + G)
    return lam, v1, v2


def _run(g, duration=200.0):
    c = Circuit({"c1": _cable(0.0), "c2": _cable(50.0)}, res=2.0, Ra=RA, cm=1.0, units="um")
    c.insert("pas", g=GPAS, e=E)
    c["c1"].inject_current_pulse(1, start=0.0, duration=1e9, current=I0)
    for nid in ("c1", "c2"):
        c[nid].add_voltage_record([1, 11])
    c.add_gap_junction("c1", 1, "c2", 1, g)
    c.run_simulation(duration, v_init=E, dt=0.025, dipole=False)
    return c


@pytest.mark.parametrize("g", [1e-3, 5e-2])
def test_gap_junction_steady_state(g):
    c = _run(g)
    lam, v1, v2 = _analytic(g)
    ours1 = c["c1"].records["v"].iloc[-1] - E
    ours2 = c["c2"].records["v"].iloc[-1] - E
    assert c["c1"].n_compartments == NSEG
    # leaf ends map to the last segment's centre, Δx/2 from the tip
    far = np.cosh(A_SITE / lam) / np.cosh((L - A_SITE) / lam)
    expected = {("c1", 1): v1, ("c1", 11): v1 * far, ("c2", 1): v2, ("c2", 11): v2 * far}
    got = {("c1", 1): ours1[1], ("c1", 11): ours1[11], ("c2", 1): ours2[1], ("c2", 11): ours2[11]}
    for k in expected:
        rel = abs(got[k] - expected[k]) / abs(expected[k])
        print(k, got[k], expected[k], rel)
        assert rel < 1e-3, f"{k}: {got[k]:.6g} mV vs analytic {expected[k]:.6g} mV"


def test_gap_junction_stiff_is_stable():
    # a huge junction (1000 µS) clamps both ends together without instability at dt = 0.025
    c = _run(1e3, duration=100.0)
    v1 = c["c1"].records["v"][1].to_numpy()
    v2 = c["c2"].records["v"][1].to_numpy()
    assert np.all(np.isfinite(v1)) and np.max(np.abs(v1 - v2)) < 1e-3
    lam, *_ = _analytic(1.0)
    r_a = 4 * RA / (np.pi * D ** 2) * 1e-2
    G = (np.tanh(A_SITE / lam) + np.tanh((L - A_SITE) / lam)) / (r_a * lam)
    assert abs((v1[-1] - E) - I0 / (2 * G)) / (I0 / (2 * G)) < 1e-3
