"""Graded point models against scipy's solve_ivp (rtol 1e-9) on small networks.

The reference equations are written out here from the published model forms (Wicks et al.
1996; Kunert et al. 2014; the flyvis threshold-linear form), not taken from the package:
units pF, pS, mV, ms, nA.  Chemical synapses of both signs, a gap junction and a current step;
both activation forms (first order and instantaneous).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from connectome_sim.network import PointNetwork

DT = 0.1
T_END = 250.0
STEP = (20.0, 140.0, 4e-4)        # current step: on (ms), off (ms), nA into neuron 'n0'
N = 5
# (pre, post, synapse count, sign)
CHEM = [(0, 1, 3, 1), (1, 2, 2, -1), (2, 0, 1, 1), (3, 1, 1, -1), (0, 3, 2, 1), (4, 2, 2, 1)]
GAP = [(1, 4, 2)]
P = dict(C=1.0, g_leak=20.0, e_leak=-35.0, v_half=-33.0, slope=4.0, a_d=0.05, e_exc=0.0,
         e_inh=-45.0)
G_SYN, G_GAP = 100.0, 100.0
C_PER = np.array([1.0, 1.5, 0.8, 1.2, 1.0])       # per-neuron capacitance (pF)


def _net(model, a_r):
    rows = [(f"n{a}", f"n{b}", c * s, "chemical") for a, b, c, s in CHEM]
    rows += [(f"n{a}", f"n{b}", c, "electrical") for a, b, c in GAP]
    e = pd.DataFrame(rows, columns=["pre", "post", "weight", "type"])
    net = PointNetwork.from_edge_list(e, model=model, g_syn=G_SYN, g_gap=G_GAP)
    if model == "graded":
        net.set_params(**P, a_r=a_r)
        net.set_params([f"n{i}" for i in range(N)], C=C_PER)
    net.add_current("n0", STEP[2], start=STEP[0], stop=STEP[1])
    net.add_voltage_record([f"n{i}" for i in range(N)])
    return net


def _graded_reference(a_r):
    gs = np.zeros((N, N))
    E = np.zeros((N, N))
    for a, b, c, s in CHEM:
        gs[b, a] += c * G_SYN
        E[b, a] = P["e_exc"] if s > 0 else P["e_inh"]
    gg = np.zeros((N, N))
    for a, b, c in GAP:
        gg[a, b] = gg[b, a] = c * G_GAP

    def phi(v):
        return 1.0 / (1.0 + np.exp(-(v - P["v_half"]) / P["slope"]))

    def current(t):
        return np.where(np.arange(N) == 0, STEP[2] if STEP[0] <= t < STEP[1] else 0.0, 0.0)

    def rhs(t, y):
        v, s = y[:N], y[N:]
        act = phi(v) if a_r is None else s
        i_ion = (P["g_leak"] * (v - P["e_leak"]) + (gs * act[None, :] * (v[:, None] - E)).sum(1)
                 + (gg * (v[:, None] - v[None, :])).sum(1))
        dv = (-i_ion * 1e-3 + current(t) * 1e3) / C_PER        # pS·mV = fA; nA -> pA
        ds = np.zeros(N) if a_r is None else a_r * phi(v) * (1 - s) - P["a_d"] * s
        return np.concatenate([dv, ds])

    v0 = np.full(N, P["e_leak"])
    s0 = np.zeros(N) if a_r is None else a_r * phi(v0) / (a_r * phi(v0) + P["a_d"])
    return _integrate(rhs, np.concatenate([v0, s0]))[:, :N]


def _integrate(rhs, y0):
    """solve_ivp piecewise across the current's switching times, sampled every DT."""
    t_eval = np.arange(int(round(T_END / DT))) * DT
    out = []
    y = y0
    edges = [0.0, STEP[0], STEP[1], T_END]
    for a, b in zip(edges[:-1], edges[1:]):
        te = t_eval[(t_eval >= a - 1e-9) & (t_eval < b - 1e-9)]
        sol = solve_ivp(rhs, (a, b), y, t_eval=np.append(te, b), rtol=1e-9, atol=1e-12,
                        method="DOP853", first_step=1e-3)
        out.append(sol.y[:, :-1].T)
        y = sol.y[:, -1]
    return np.concatenate(out)


@pytest.mark.parametrize("a_r", [0.02, None], ids=["first_order", "instantaneous"])
def test_graded_matches_solve_ivp(a_r):
    assert_graded_matches(a_r, _graded_reference(a_r), "solve_ivp")


def assert_graded_matches(a_r, ref, what):
    """Run the test network with ``a_r`` and compare its voltages (mV, every DT) with
    ``ref``: RMS < 0.05 mV, and the network responded, through the inhibitory synapse too."""
    net = _net("graded", a_r)
    net.run_simulation(T_END, dt=DT)
    ours = net.records["v"][[f"n{i}" for i in range(N)]].to_numpy()
    assert ref.shape == ours.shape
    rms = np.sqrt(np.mean((ours - ref) ** 2))
    span = ref.max() - ref.min()
    print(f"graded a_r={a_r} vs {what}: RMS {rms:.2e} mV over a {span:.1f} mV range")
    assert span > 10.0                          # the network responded
    assert (ref[:, 2].max() - ref[:, 2].min()) > 1.0   # through the inhibitory synapse too
    assert rms < 0.05


TL = dict(tau=np.array([8.0, 12.0, 5.0, 20.0, 10.0]), v_rest=np.array([0.0, -2.0, 1.0, 0.0, 0.5]),
          v_thr=np.array([0.0, 0.5, -1.0, 0.0, 0.2]), r_in=np.array([40.0, 40, 40, 40, 40]))
W_TL = 0.15                                   # weight per synapse (mV per mV)


def test_threshold_linear_matches_solve_ivp():
    rows = [(f"n{a}", f"n{b}", c * s) for a, b, c, s in CHEM]
    e = pd.DataFrame(rows, columns=["pre", "post", "weight"])
    net = PointNetwork.from_edge_list(e, model="threshold_linear", weight_scale=W_TL)
    net.set_params([f"n{i}" for i in range(N)], **TL)
    net.add_current("n0", 0.2, start=STEP[0], stop=STEP[1])      # nA x 40 MΩ = 8 mV
    net.add_voltage_record([f"n{i}" for i in range(N)])
    net.run_simulation(T_END, dt=DT)
    ours = net.records["v"][[f"n{i}" for i in range(N)]].to_numpy()
    w = np.zeros((N, N))
    for a, b, c, s in CHEM:
        w[b, a] += c * s * W_TL

    def rhs(t, v):
        i_ext = np.where(np.arange(N) == 0, 0.2 if STEP[0] <= t < STEP[1] else 0.0, 0.0)
        return (-(v - TL["v_rest"]) + w @ np.maximum(v - TL["v_thr"], 0.0)
                + TL["r_in"] * i_ext) / TL["tau"]

    ref = _integrate(rhs, TL["v_rest"].astype(float))
    rms = np.sqrt(np.mean((ours - ref) ** 2))
    print(f"threshold_linear: RMS {rms:.2e} mV over a {ref.max() - ref.min():.1f} mV range")
    assert ref.max() - ref.min() > 5.0
    assert rms < 0.05


def test_first_order_activation_starts_at_steady_state():
    net = _net("graded", 0.02)
    net.run_simulation(10.0, dt=DT, v_init=-30.0)
    S = net.result.final_state[0][0]
    from connectome_sim.network.models.graded import Graded

    rows = Graded.state_names()
    # after a short run from v_init = -30 mV the activation moved from its steady state there
    phi = 1 / (1 + np.exp(-(-30.0 - P["v_half"]) / P["slope"]))
    assert np.isclose(Graded.init_state(net_P(net), -30.0)[rows.index("s")][0],
                      0.02 * phi / (0.02 * phi + P["a_d"]))
    assert S.shape[0] == len(rows)


def net_P(net):
    from connectome_sim.network.models.graded import Graded

    return Graded.param_array(N, {k: net._props["graded"][k] for k in Graded.params})
