"""``LIF``: the leaky integrate-and-fire model of Shiu et al. 2024 (whole fly brain, Brian2).

Equations (Shiu et al. 2024, ``model.py``)::

    dv/dt = (v_0 - v + g + r_m * I_ext) / t_mbr   (unless refractory)    [mV]
    dg/dt = -g / tau                               (unless refractory)    [mV]
    threshold v > v_th; reset v = v_rst, g = 0; refractory t_rfc
    on a synaptic spike: g += w (w = synapse count * w_syn, w_syn = 0.275 mV)
    Poisson/stimulus input: v += w (default w_syn * f_poi = 68.75 mV)

Integrated with the exact linear propagator over each step, in Brian2's order of operations
(update unless refractory -> threshold -> add this step's input -> reset).  As in Brian2,
synaptic and stimulus input that arrives while the neuron is refractory (including the step
in which it spikes) is discarded: Brian2 applies ``on_pre`` updates of variables flagged
``(unless refractory)`` to non-refractory targets only.  Refractoriness uses
Brian2's rule ``timestep(t - lastspike) >= timestep(t_rfc)`` with
``timestep(x) = int((x + 1e-3 dt) / dt)``.  ``r_m`` (MΩ) converts an external or gap-junction
current (nA) to mV; it is not part of Shiu's model (which has no currents).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import Param, PointModel, State, register_model

# parameter rows, then the rows added by LIF.prepare (dt-dependent propagators)
V0, VRST, VTH, TM, TS, TRFC, RM = range(7)
PA, PC, PB, PREF = range(7, 11)  # exp(-dt/t_mbr), exp(-dt/tau), g->v coefficient, refr. steps
# state rows
SV, SG, STS = range(3)


@numba.njit(cache=True, inline="always")
def _not_refractory(t, ts, rfc, dt):
    return int((t - ts + 1e-3 * dt) / dt) >= int((rfc + 1e-3 * dt) / dt)


@numba.njit(cache=True, inline="always")
def _syn_coef(tsyn, tm):
    if tsyn == tm:
        return 0.0
    return tsyn / (tsyn - tm)


@numba.njit(cache=True, inline="always")
def lif_step(i, t, dt, S, P, I, iext):
    v = S[SV, i]
    g = S[SG, i]
    # Brian2: not_refractory = timestep(t - lastspike) >= timestep(t_rfc)
    nref = int((t - S[STS, i] + 1e-3 * dt) / dt) >= P[PREF, i]
    if nref:
        a = P[PA, i]
        vinf = P[V0, i] + P[RM, i] * iext[i]
        v = vinf + (v - vinf) * a + g * P[PB, i]
        g = g * P[PC, i]
    spiked = nref and v > P[VTH, i]
    # Brian2 applies on_pre effects on '(unless refractory)' variables to non-refractory
    # targets only (a neuron that spikes in this step counts as refractory): input arriving
    # during refractoriness is lost, for g and for v.
    if nref and not spiked:
        g += I[0, i]
        v += I[1, i]
    if spiked:
        v = P[VRST, i]
        g = 0.0
        S[STS, i] = t
    S[SV, i] = v
    S[SG, i] = g
    return spiked


@numba.njit(cache=True)
def lif_step_population(act, n_act, t, dt, S, P, I, iext, out):
    # the body of lif_step, written out in the loop: a per-neuron call with array arguments
    # costs ~100 ns of reference counting, ~30x the arithmetic
    for a in range(n_act):
        i = act[a]
        v = S[SV, i]
        g = S[SG, i]
        nref = int((t - S[STS, i] + 1e-3 * dt) / dt) >= P[PREF, i]
        if nref:
            vinf = P[V0, i] + P[RM, i] * iext[i]
            v = vinf + (v - vinf) * P[PA, i] + g * P[PB, i]
            g = g * P[PC, i]
        spiked = nref and v > P[VTH, i]
        if nref and not spiked:
            g += I[0, i]
            v += I[1, i]
        if spiked:
            v = P[VRST, i]
            g = 0.0
            S[STS, i] = t
        S[SV, i] = v
        S[SG, i] = g
        out[a] = spiked


@numba.njit(cache=True, inline="always")
def lif_can_sleep(i, t, dt, S, P):
    x = S[SV, i] - P[V0, i]
    g = S[SG, i]
    if x == 0.0 and g == 0.0:
        return True
    if not _not_refractory(t, S[STS, i], P[TRFC, i], dt):
        return False
    room = P[VTH, i] - P[V0, i]
    if room <= 0.0:
        return False
    tm = P[TM, i]
    tsyn = P[TS, i]
    if tsyn == tm:
        return False
    coef = _syn_coef(tsyn, tm)
    # cheap bound first: v - v_0 never exceeds max(x, 0) + |g * tau / (tau - t_mbr)|
    if (x if x > 0.0 else 0.0) + abs(g * coef) < room - 1e-6:
        return True
    B = g * coef
    A = x - B
    xmax = x
    if A != 0.0:
        ratio = -(B * tm) / (A * tsyn)
        if ratio > 0.0:
            ts = math.log(ratio) / (1.0 / tsyn - 1.0 / tm)
            if ts > 0.0:
                val = A * math.exp(-ts / tm) + B * math.exp(-ts / tsyn)
                if val > xmax:
                    xmax = val
    return xmax < room - 1e-6


@numba.njit(cache=True, inline="always")
def lif_catch_up(i, nsteps, dt, S, P):
    if nsteps <= 0:
        return None
    x = S[SV, i] - P[V0, i]
    g = S[SG, i]
    if x == 0.0 and g == 0.0:
        return None
    tm = P[TM, i]
    tsyn = P[TS, i]
    ak = P[PA, i] ** nsteps
    ck = P[PC, i] ** nsteps
    S[SV, i] = P[V0, i] + x * ak + g * _syn_coef(tsyn, tm) * (ck - ak)
    S[SG, i] = g * ck
    return None


@register_model
class LIF(PointModel):
    """Shiu et al. 2024 leaky integrate-and-fire neuron (voltage-unit synapses).

    Parameters (Shiu et al. 2024 names and defaults): ``v_0`` -52 mV (rest), ``v_rst`` -52 mV
    (reset), ``v_th`` -45 mV, ``t_mbr`` 20 ms (membrane), ``tau`` 5 ms (synaptic decay),
    ``t_rfc`` 2.2 ms (refractory), and ``r_m`` 80 MΩ (current -> voltage, our addition).
    Edge weights are synapse counts, multiplied by ``w_syn`` = 0.275 mV; a stimulus event adds
    68.75 mV (``w_syn * f_poi``) to ``v``.
    """

    name = "LIF"
    kind = "clock"
    params = {
        "v_0": Param(-52.0, "mV", "resting potential"),
        "v_rst": Param(-52.0, "mV", "reset potential"),
        "v_th": Param(-45.0, "mV", "threshold (spike when v > v_th)"),
        "t_mbr": Param(20.0, "ms", "membrane time constant"),
        "tau": Param(5.0, "ms", "synaptic decay time constant"),
        "t_rfc": Param(2.2, "ms", "refractory period (v and g frozen)"),
        "r_m": Param(80.0, "MΩ", "input resistance for currents (not in Shiu et al.)"),
    }
    states = {
        "v": State("v_0", "mV", "membrane potential"),
        "g": State(0.0, "mV", "synaptic drive"),
        "t_spike": State(-1e9, "ms", "time of the last spike"),
    }
    channels = ("g", "v")
    exc_channel = "g"
    inh_channel = "g"
    stimulus_channel = "v"
    voltage = "v"
    weight_unit = "mV"
    supports_sleep = True
    stimulus_weight = 0.275 * 250.0
    weight_scale = 0.275
    refractory_param = "t_rfc"
    step = lif_step
    step_population = lif_step_population
    can_sleep = lif_can_sleep
    catch_up = lif_catch_up
    doc_reference = "Shiu et al. 2024, Nature 634:210 (model.py)"

    @classmethod
    def prepare(cls, P, dt):
        tm, ts = P[TM], P[TS]
        a = np.exp(-dt / tm)
        c = np.exp(-dt / ts)
        same = ts == tm
        coef = np.where(same, dt / tm * a, ts / np.where(same, 1.0, ts - tm) * (c - a))
        nref = np.floor((P[TRFC] + 1e-3 * dt) / dt)
        return np.vstack([P[:7], a, c, coef, nref])
