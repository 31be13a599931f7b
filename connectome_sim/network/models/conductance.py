"""Conductance-based point neurons of seed 002 (BrainPy): ``HH``, ``MorrisLecar``, ``WangBuzsakiHH``.

Units are the seeds' own membrane-density units (the models have no area): V in mV, t in ms,
C in µF/cm², conductances in mS/cm², currents in µA/cm².  ``PointNetwork.add_current(...,
amplitude=10)`` therefore injects 10 µA/cm², as ``inputs=10`` does in BrainPy; synaptic weights
are µA/cm² (``cond_syn = 0``) or mS/cm² (``cond_syn = 1``, the default here).

Spikes are upward crossings of ``V_th`` within a network step (``V_old < V_th <= V_new``), as
in the seeds.  Integration: classical RK4 on substeps of at most ``max_substep`` ms (see
:mod:`connectome_sim.network.models._common`; default 0.025 ms for HH and WangBuzsakiHH, 0.1 ms
for MorrisLecar).  With the defaults this matches a ``scipy.integrate.solve_ivp`` (DOP853,
rtol 1e-9) integration of the published equations to < 0.05 mV RMS over the seeds' 500 ms ramps (``tests/network/models/test_point_parity.py``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import Param, PointModel, State, nonnegative, positive, register_model
from ._common import substeps, syn_add, syn_current, syn_params

__all__ = ["HH", "MorrisLecar", "WangBuzsakiHH", "hh_rates"]

_SYN_STATES = {"g_e": State(0.0, "mS/cm² or µA/cm²", "excitatory synaptic variable"),
               "g_i": State(0.0, "mS/cm² or µA/cm²", "inhibitory synaptic variable")}


@numba.njit(cache=True, inline="always")
def _xexpm1(x):
    """x / (exp(x) - 1) (= 1 / exprel(x)), finite at x = 0."""
    if abs(x) < 1e-7:
        return 1.0 - 0.5 * x
    return x / math.expm1(x)


# --------------------------------------------------------------------------------- HH
@numba.njit(cache=True)
def hh_rates(V):
    """HH rate constants (1/ms) at V (mV): am, bm, ah, bh, an, bn (BrainPy's HH, seed 002)."""
    am = _xexpm1(-(V + 40.0) / 10.0)               # 0.1 (V+40) / (1 - exp(-(V+40)/10))
    bm = 4.0 * math.exp(-(V + 65.0) / 18.0)
    ah = 0.07 * math.exp(-(V + 65.0) / 20.0)
    bh = 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))
    an = 0.1 * _xexpm1(-(V + 55.0) / 10.0)         # 0.01 (V+55) / (1 - exp(-(V+55)/10))
    bn = 0.125 * math.exp(-(V + 65.0) / 80.0)
    return am, bm, ah, bh, an, bn


@numba.njit(cache=True, inline="always")
def _hh_f(V, m, h, n, Iin, P, i):
    am, bm, ah, bh, an, bn = hh_rates(V)
    n2 = n * n
    i_ion = (P[1, i] * m * m * m * h * (V - P[0, i]) + P[3, i] * n2 * n2 * (V - P[2, i])
             + P[5, i] * (V - P[4, i]))
    return ((Iin - i_ion) / P[6, i], am * (1.0 - m) - bm * m, ah * (1.0 - h) - bh * h,
            an * (1.0 - n) - bn * n)


@numba.njit(cache=True)
def hh_step(i, t, dt, S, P, I, iext):
    """One network step of an HH neuron (contract in ``base.py``)."""
    cond = P[13, i]
    ge, gi = syn_add(S[4, i], S[5, i], I, i, cond)
    nsub = substeps(dt, P[8, i])
    h_ = dt / nsub
    de = math.exp(-h_ / P[9, i])
    di = math.exp(-h_ / P[10, i])
    Ee, Ei = P[11, i], P[12, i]
    V, m, h, n = S[0, i], S[1, i], S[2, i], S[3, i]
    V0 = V
    ie = iext[i]
    for _ in range(nsub):
        k1 = _hh_f(V, m, h, n, ie + syn_current(V, ge, gi, Ee, Ei, cond), P, i)
        v2 = V + 0.5 * h_ * k1[0]
        k2 = _hh_f(v2, m + 0.5 * h_ * k1[1], h + 0.5 * h_ * k1[2], n + 0.5 * h_ * k1[3],
                   ie + syn_current(v2, ge, gi, Ee, Ei, cond), P, i)
        v3 = V + 0.5 * h_ * k2[0]
        k3 = _hh_f(v3, m + 0.5 * h_ * k2[1], h + 0.5 * h_ * k2[2], n + 0.5 * h_ * k2[3],
                   ie + syn_current(v3, ge, gi, Ee, Ei, cond), P, i)
        v4 = V + h_ * k3[0]
        k4 = _hh_f(v4, m + h_ * k3[1], h + h_ * k3[2], n + h_ * k3[3],
                   ie + syn_current(v4, ge, gi, Ee, Ei, cond), P, i)
        V += h_ / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        m += h_ / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        h += h_ / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
        n += h_ / 6.0 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3])
        ge *= de
        gi *= di
    S[0, i], S[1, i], S[2, i], S[3, i], S[4, i], S[5, i] = V, m, h, n, ge, gi
    return V0 < P[7, i] and V >= P[7, i]


@register_model
class HH(PointModel):
    """Hodgkin–Huxley neuron, BrainPy's ``HH`` (seed 002; Hodgkin & Huxley 1952).

    ``C dV/dt = -gNa m³h (V - ENa) - gK n⁴ (V - EK) - gL (V - EL) + I``, rates in
    :func:`hh_rates` (resting potential shifted to -65 mV).  Units: mV, ms, µA/cm², mS/cm²,
    µF/cm².  Gates start at their steady state for the initial voltage (-65 mV unless
    ``run_simulation(v_init=...)``).  Spike = upward crossing of ``V_th``.
    """

    name = "HH"
    params = {
        "ENa": Param(50.0, "mV", "sodium reversal potential"),
        "gNa": Param(120.0, "mS/cm²", "maximal sodium conductance"),
        "EK": Param(-77.0, "mV", "potassium reversal potential"),
        "gK": Param(36.0, "mS/cm²", "maximal potassium conductance"),
        "EL": Param(-54.387, "mV", "leak reversal potential"),
        "gL": Param(0.03, "mS/cm²", "leak conductance"),
        "C": positive(1.0, "µF/cm²", "membrane capacitance"),
        "V_th": Param(20.0, "mV", "spike detection threshold (upward crossing)"),
        "max_substep": positive(0.025, "ms", "longest RK4 substep"),
        **syn_params(cond_syn=1.0, g_unit="mS/cm²", i_unit="µA/cm²"),
    }
    states = {"v": State(-65.0, "mV", "membrane potential"),
              "m": State(0.0, "1", "Na activation"), "h": State(0.0, "1", "Na inactivation"),
              "n": State(0.0, "1", "K activation"), **_SYN_STATES}
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    weight_unit = "mS/cm² (cond_syn=1) or µA/cm² (cond_syn=0)"
    current_unit = "µA/cm²"
    step = hh_step
    doc_reference = "Hodgkin & Huxley (1952) J Physiol 117:500; BrainPy brainpy.dyn.HH"

    @classmethod
    def init_state(cls, P, v_init=None):
        S = super().init_state(P, v_init)
        for i in range(S.shape[1]):
            am, bm, ah, bh, an, bn = hh_rates(S[0, i])
            S[1, i], S[2, i], S[3, i] = am / (am + bm), ah / (ah + bh), an / (an + bn)
        return S


# ----------------------------------------------------------------------- Morris-Lecar
@numba.njit(cache=True, inline="always")
def _ml_f(V, W, Iin, P, i):
    m_inf = 0.5 * (1.0 + math.tanh((V - P[7, i]) / P[8, i]))
    i_ion = P[1, i] * m_inf * (V - P[0, i]) + P[3, i] * W * (V - P[2, i]) + P[5, i] * (V - P[4, i])
    x = (V - P[9, i]) / P[10, i]
    # dW/dt = (W_inf - W) / tau_W,  tau_W = 1 / (phi cosh((V - V3) / (2 V4)))
    return (Iin - i_ion) / P[6, i], (0.5 * (1.0 + math.tanh(x)) - W) * P[11, i] * math.cosh(0.5 * x)


@numba.njit(cache=True)
def ml_step(i, t, dt, S, P, I, iext):
    """One network step of a Morris–Lecar neuron (contract in ``base.py``)."""
    cond = P[18, i]
    ge, gi = syn_add(S[2, i], S[3, i], I, i, cond)
    nsub = substeps(dt, P[13, i])
    h_ = dt / nsub
    de = math.exp(-h_ / P[14, i])
    di = math.exp(-h_ / P[15, i])
    Ee, Ei = P[16, i], P[17, i]
    V, W = S[0, i], S[1, i]
    V0 = V
    ie = iext[i]
    for _ in range(nsub):
        k1 = _ml_f(V, W, ie + syn_current(V, ge, gi, Ee, Ei, cond), P, i)
        v2 = V + 0.5 * h_ * k1[0]
        k2 = _ml_f(v2, W + 0.5 * h_ * k1[1], ie + syn_current(v2, ge, gi, Ee, Ei, cond), P, i)
        v3 = V + 0.5 * h_ * k2[0]
        k3 = _ml_f(v3, W + 0.5 * h_ * k2[1], ie + syn_current(v3, ge, gi, Ee, Ei, cond), P, i)
        v4 = V + h_ * k3[0]
        k4 = _ml_f(v4, W + h_ * k3[1], ie + syn_current(v4, ge, gi, Ee, Ei, cond), P, i)
        V += h_ / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        W += h_ / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        ge *= de
        gi *= di
    S[0, i], S[1, i], S[2, i], S[3, i] = V, W, ge, gi
    return V0 < P[12, i] and V >= P[12, i]


@register_model
class MorrisLecar(PointModel):
    """Morris–Lecar neuron, BrainPy's ``MorrisLecar`` (seed 002; Morris & Lecar 1981).

    ``C dV/dt = -g_Ca M∞ (V - V_Ca) - g_K W (V - V_K) - g_leak (V - V_leak) + I``,
    ``M∞ = (1 + tanh((V - V1)/V2))/2``, ``dW/dt = phi cosh((V - V3)/(2 V4)) (W∞ - W)``,
    ``W∞ = (1 + tanh((V - V3)/V4))/2``.  Units: mV, ms, µA/cm², mS/cm², µF/cm²; ``phi`` in
    1/ms.  ``W`` starts at 0.02 (BrainPy's initialiser), V at -65 mV.
    """

    name = "MorrisLecar"
    params = {
        "V_Ca": Param(130.0, "mV", "calcium reversal potential"),
        "g_Ca": Param(4.4, "mS/cm²", "maximal calcium conductance"),
        "V_K": Param(-84.0, "mV", "potassium reversal potential"),
        "g_K": Param(8.0, "mS/cm²", "maximal potassium conductance"),
        "V_leak": Param(-60.0, "mV", "leak reversal potential"),
        "g_leak": Param(2.0, "mS/cm²", "leak conductance"),
        "C": positive(20.0, "µF/cm²", "membrane capacitance"),
        "V1": Param(-1.2, "mV", "M∞ half-activation"),
        "V2": Param(18.0, "mV", "M∞ slope"),
        "V3": Param(2.0, "mV", "W∞ half-activation"),
        "V4": Param(30.0, "mV", "W∞ slope"),
        "phi": Param(0.04, "1/ms", "rate factor of W"),
        "V_th": Param(10.0, "mV", "spike detection threshold (upward crossing)"),
        "max_substep": positive(0.1, "ms", "longest RK4 substep"),
        **syn_params(cond_syn=1.0, g_unit="mS/cm²", i_unit="µA/cm²"),
    }
    states = {"v": State(-65.0, "mV", "membrane potential"),
              "W": State(0.02, "1", "K recovery variable"), **_SYN_STATES}
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    weight_unit = "mS/cm² (cond_syn=1) or µA/cm² (cond_syn=0)"
    current_unit = "µA/cm²"
    step = ml_step
    doc_reference = "Morris & Lecar (1981) Biophys J 35:193; BrainPy brainpy.dyn.MorrisLecar"


# ------------------------------------------------------------------- Wang-Buzsaki
@numba.njit(cache=True, inline="always")
def _wb_f(V, h, n, Iin, P, i):
    am = _xexpm1(-0.1 * (V + 35.0))                  # 0.1 (V+35) / (1 - exp(-0.1 (V+35)))
    bm = 4.0 * math.exp(-(V + 60.0) / 18.0)
    m_inf = am / (am + bm)
    ah = 0.07 * math.exp(-(V + 58.0) / 20.0)
    bh = 1.0 / (math.exp(-0.1 * (V + 28.0)) + 1.0)
    an = 0.1 * _xexpm1(-0.1 * (V + 34.0))            # 0.01 (V+34) / (1 - exp(-0.1 (V+34)))
    bn = 0.125 * math.exp(-(V + 44.0) / 80.0)
    n2 = n * n
    i_ion = (P[1, i] * m_inf * m_inf * m_inf * h * (V - P[0, i])
             + P[3, i] * n2 * n2 * (V - P[2, i]) + P[5, i] * (V - P[4, i]))
    phi = P[6, i]
    return ((Iin - i_ion) / P[7, i], phi * (ah * (1.0 - h) - bh * h),
            phi * (an * (1.0 - n) - bn * n))


@numba.njit(cache=True)
def wb_step(i, t, dt, S, P, I, iext):
    """One network step of a Wang–Buzsáki neuron (contract in ``base.py``)."""
    cond = P[14, i]
    ge, gi = syn_add(S[3, i], S[4, i], I, i, cond)
    nsub = substeps(dt, P[9, i])
    h_ = dt / nsub
    de = math.exp(-h_ / P[10, i])
    di = math.exp(-h_ / P[11, i])
    Ee, Ei = P[12, i], P[13, i]
    V, h, n = S[0, i], S[1, i], S[2, i]
    V0 = V
    ie = iext[i]
    for _ in range(nsub):
        k1 = _wb_f(V, h, n, ie + syn_current(V, ge, gi, Ee, Ei, cond), P, i)
        v2 = V + 0.5 * h_ * k1[0]
        k2 = _wb_f(v2, h + 0.5 * h_ * k1[1], n + 0.5 * h_ * k1[2],
                   ie + syn_current(v2, ge, gi, Ee, Ei, cond), P, i)
        v3 = V + 0.5 * h_ * k2[0]
        k3 = _wb_f(v3, h + 0.5 * h_ * k2[1], n + 0.5 * h_ * k2[2],
                   ie + syn_current(v3, ge, gi, Ee, Ei, cond), P, i)
        v4 = V + h_ * k3[0]
        k4 = _wb_f(v4, h + h_ * k3[1], n + h_ * k3[2],
                   ie + syn_current(v4, ge, gi, Ee, Ei, cond), P, i)
        V += h_ / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        h += h_ / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        n += h_ / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
        ge *= de
        gi *= di
    S[0, i], S[1, i], S[2, i], S[3, i], S[4, i] = V, h, n, ge, gi
    return V0 < P[8, i] and V >= P[8, i]


@register_model
class WangBuzsakiHH(PointModel):
    """Wang–Buzsáki (1996) interneuron, BrainPy's ``WangBuzsakiHH`` (seed 002).

    ``C dV/dt = -gNa m∞³ h (V - ENa) - gK n⁴ (V - EK) - gL (V - EL) + I``, h and n with rate
    factor ``phi``.  Units: mV, ms, µA/cm², mS/cm², µF/cm².

    Note: we use the published ``alpha_n = 0.01 (V+34) / (1 - exp(-0.1 (V+34)))`` (Wang &
    Buzsáki 1996, and seed 002's own docstring).  Seed 002's *code* computes
    ``1 / exprel(-0.1 (V+34))``, which is ten times larger.  Initial h = 0.6, n = 0.32 and
    V = -65 mV as in BrainPy's initialisers.
    """

    name = "WangBuzsakiHH"
    params = {
        "ENa": Param(55.0, "mV", "sodium reversal potential"),
        "gNa": Param(35.0, "mS/cm²", "maximal sodium conductance"),
        "EK": Param(-90.0, "mV", "potassium reversal potential"),
        "gK": Param(9.0, "mS/cm²", "maximal potassium conductance"),
        "EL": Param(-65.0, "mV", "leak reversal potential"),
        "gL": Param(0.1, "mS/cm²", "leak conductance"),
        "phi": Param(5.0, "1", "temperature factor of h and n"),
        "C": positive(1.0, "µF/cm²", "membrane capacitance"),
        "V_th": Param(20.0, "mV", "spike detection threshold (upward crossing)"),
        "max_substep": positive(0.025, "ms", "longest RK4 substep"),
        **syn_params(cond_syn=1.0, g_unit="mS/cm²", i_unit="µA/cm²"),
    }
    states = {"v": State(-65.0, "mV", "membrane potential"),
              "h": State(0.6, "1", "Na inactivation"), "n": State(0.32, "1", "K activation"),
              **_SYN_STATES}
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    weight_unit = "mS/cm² (cond_syn=1) or µA/cm² (cond_syn=0)"
    current_unit = "µA/cm²"
    step = wb_step
    doc_reference = ("Wang & Buzsáki (1996) J Neurosci 16:6402; BrainPy "
                     "brainpy.dyn.WangBuzsakiHH")
