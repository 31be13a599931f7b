"""The graded model against Brian2's own groups, with Brian2's units.

The network of ``test_graded.py`` (5 neurons, chemical synapses of both signs, a gap
junction, a current step, per-neuron capacitance) written as a Brian2 ``NeuronGroup`` with
``Synapses`` (summed variables) in pF, pS, mV, ms and nA: Brian2's unit checking stands in
for our own conversions (pS x mV = fA, nA = 1e6 fA), which the solve_ivp test shares with
the package.  Brian2 integrates with RK4 at dt = 0.01 ms; ours runs at 0.1 ms (BDF2).
"""

import numpy as np
import pytest

brian2 = pytest.importorskip("brian2")

from test_graded import (C_PER, CHEM, DT, G_GAP, G_SYN, GAP, N, P, STEP,  # noqa: E402
                         T_END, assert_graded_matches)


def _brian2_graded(a_r):
    b2 = brian2
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = 0.01 * b2.ms
    act = ("s = 1 / (1 + exp(-(v - v_half) / slope)) : 1" if a_r is None else
           "ds/dt = a_r * phi * (1 - s) - a_d * s : 1\n"
           "phi = 1 / (1 + exp(-(v - v_half) / slope)) : 1")
    eqs = f"""
    dv/dt = (-g_leak * (v - e_leak) + I_syn + I_gap + I_ext(t, i)) / C : volt
    {act}
    I_syn : amp
    I_gap : amp
    C : farad (constant)
    """
    pars = dict(g_leak=P["g_leak"] * b2.psiemens, e_leak=P["e_leak"] * b2.mV,
                v_half=P["v_half"] * b2.mV, slope=P["slope"] * b2.mV,
                a_d=P["a_d"] / b2.ms, a_r=(a_r or 0.0) / b2.ms)
    n_steps = int(round(T_END / 0.01))
    tab = np.zeros((n_steps, N))
    k0, k1 = int(round(STEP[0] / 0.01)), int(round(STEP[1] / 0.01))
    tab[k0:k1, 0] = STEP[2]
    pars["I_ext"] = b2.TimedArray(tab * b2.nA, dt=0.01 * b2.ms)
    g = b2.NeuronGroup(N, eqs, method="rk4", namespace=pars)
    g.C = C_PER * b2.pF
    g.v = P["e_leak"] * b2.mV
    if a_r is not None:
        phi0 = 1 / (1 + np.exp(-(P["e_leak"] - P["v_half"]) / P["slope"]))
        g.s = a_r * phi0 / (a_r * phi0 + P["a_d"])
    chem = b2.Synapses(g, g, "w : siemens (constant)\nE : volt (constant)\n"
                             "I_syn_post = w * s_pre * (E - v_post) : amp (summed)",
                       method="euler", namespace=pars)
    chem.connect(i=[a for a, b, c, s in CHEM], j=[b for a, b, c, s in CHEM])
    chem.w = [c * G_SYN for a, b, c, s in CHEM] * b2.psiemens
    chem.E = [P["e_exc"] if s > 0 else P["e_inh"] for a, b, c, s in CHEM] * b2.mV
    gap = b2.Synapses(g, g, "wg : siemens (constant)\n"
                            "I_gap_post = wg * (v_pre - v_post) : amp (summed)")
    pairs = [(a, b, c) for a, b, c in GAP] + [(b, a, c) for a, b, c in GAP]
    gap.connect(i=[p[0] for p in pairs], j=[p[1] for p in pairs])
    gap.wg = [p[2] * G_GAP for p in pairs] * b2.psiemens
    mon = b2.StateMonitor(g, "v", record=True, dt=DT * b2.ms)
    b2.run(T_END * b2.ms)
    return np.asarray(mon.v / b2.mV).T


@pytest.mark.parametrize("a_r", [0.02, None], ids=["first_order", "instantaneous"])
def test_graded_matches_brian2(a_r):
    assert_graded_matches(a_r, _brian2_graded(a_r), "Brian2")
