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
``timestep(x) = int((x + 1e-3 dt) / dt)``.  For ``x >= 0`` and an integer ``n``,
``int(x / dt + 1e-3) >= n`` is ``x >= (n - 1e-3) dt``, so the steps compare ``t - lastspike``
with the precomputed ``(timestep(t_rfc) - 1e-3) dt`` (row ``PTHR``; ms) instead of dividing
per neuron and step (simulation times are multiples of dt, 1e-3 dt away from that boundary).
``r_m`` (MΩ) converts an external or gap-junction current (nA) to mV; it is not part of
Shiu's model (which has no currents).

Three stepping functions share one per-neuron update (keep them consistent; they give
bit-identical results for the same neuron and step): ``lif_step`` (one neuron),
``lif_step_population`` (the engine's list of awake neurons) and ``lif_step_all`` (every
neuron, branch-free so that LLVM vectorises it; the engine uses it when many neurons are
awake).  They are separate functions on purpose: the engine calls each through a
first-class function argument, and a population loop calling the per-neuron function was
measured 3x slower.  ``g`` below ``G_TINY`` is set to 0: without input it decays towards
subnormal numbers, on which the arithmetic is ~100x slower (a neuron left alone for ~3.5 s
of simulated time); 1e-250 mV is far below any physical effect.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import Param, PointModel, State, nonnegative, positive, register_model

# parameter rows, then the rows added by LIF.prepare (dt-dependent propagators)
V0, VRST, VTH, TM, TS, TRFC, RM = range(7)
PA, PC, PB, PREF = range(7, 11)  # exp(-dt/t_mbr), exp(-dt/tau), g->v coefficient, refr. steps
PTHR = 11   # (PREF - 1e-3) * dt (ms): not refractory when t - t_spike >= PTHR (Brian2's rule)
PUNI = 12   # 1.0 in every column if v_0, v_rst, v_th and the propagators are the same everywhere
# state rows
SV, SG, STS = range(3)
G_TINY = 1e-250  # mV; |g| below this is set to 0 (keeps g out of the slow subnormal range)


@numba.njit(cache=True, inline="always")
def _syn_coef(tsyn, tm):
    if tsyn == tm:
        return 0.0
    return tsyn / (tsyn - tm)


@numba.njit(cache=True, inline="always")
def lif_step(i, t, dt, S, P, I, iext):
    v = S[SV, i]
    g = S[SG, i]
    # Brian2: not_refractory = timestep(t - lastspike) >= timestep(t_rfc)  (see PTHR)
    nref = t - S[STS, i] >= P[PTHR, i]
    if nref:
        a = P[PA, i]
        vinf = P[V0, i] + P[RM, i] * iext[i]
        v = vinf + (v - vinf) * a + g * P[PB, i]
        g = g * P[PC, i]
        if abs(g) < G_TINY:
            g = 0.0
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


@numba.njit(cache=True, no_cfunc_wrapper=True)
def lif_step_population(act, n_act, t, dt, S, P, I, iext, out):
    # the body of lif_step, written out in the loop: a per-neuron call with array arguments
    # costs ~100 ns of reference counting, ~30x the arithmetic
    for a in range(n_act):
        i = act[a]
        v = S[SV, i]
        g = S[SG, i]
        nref = t - S[STS, i] >= P[PTHR, i]
        if nref:
            vinf = P[V0, i] + P[RM, i] * iext[i]
            v = vinf + (v - vinf) * P[PA, i] + g * P[PB, i]
            g = g * P[PC, i]
            if abs(g) < G_TINY:
                g = 0.0
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


@numba.njit(cache=True, no_cfunc_wrapper=True)
def lif_step_all(lo, hi, t, dt, S, P, I, iext, out):
    # neurons lo..hi-1, the body of lif_step without branches (selects), so that LLVM
    # vectorises the loop; per-neuron arithmetic identical to lif_step.  iext.size == 0 means
    # no external current; with uniform parameters (PUNI) they are loaded once, not per
    # neuron: the loop is bound by memory traffic (~100 bytes per neuron and step).  The
    # index is unsigned: with a signed one numba adds a negative-index wrap-around to every
    # access, which keeps LLVM from vectorising (measured 1.3-3.7x slower).
    sv = S[SV]
    sg = S[SG]
    sts = S[STS]
    i_g = I[0]
    i_v = I[1]
    thr = P[PTHR]
    nsp = 0
    if iext.size == 0 and P[PUNI, 0] == 1.0:
        v0 = P[V0, 0]
        vr = P[VRST, 0]
        vth = P[VTH, 0]
        pa = P[PA, 0]
        pb = P[PB, 0]
        pc = P[PC, 0]
        rm0 = P[RM, 0] * 0.0
        vinf = v0 + rm0
        for i in range(np.uint64(lo), np.uint64(hi)):
            v = sv[i]
            g = sg[i]
            ts = sts[i]
            nref = t - ts >= thr[i]
            vn = vinf + (v - vinf) * pa + g * pb
            gn = g * pc
            gn = 0.0 if abs(gn) < G_TINY else gn
            v = vn if nref else v
            g = gn if nref else g
            sp = nref and v > vth
            ok = nref and not sp
            v = v + i_v[i] if ok else v
            g = g + i_g[i] if ok else g
            sv[i] = vr if sp else v
            sg[i] = 0.0 if sp else g
            sts[i] = t if sp else ts
            out[i] = sp
            nsp += sp
        return nsp
    v0 = P[V0]
    vr = P[VRST]
    vth = P[VTH]
    pa = P[PA]
    pb = P[PB]
    pc = P[PC]
    rm = P[RM]
    has_i = iext.size > 0
    for i in range(np.uint64(lo), np.uint64(hi)):
        v = sv[i]
        g = sg[i]
        ts = sts[i]
        nref = t - ts >= thr[i]
        vinf = v0[i] + rm[i] * (iext[i] if has_i else 0.0)
        vn = vinf + (v - vinf) * pa[i] + g * pb[i]
        gn = g * pc[i]
        gn = 0.0 if abs(gn) < G_TINY else gn
        v = vn if nref else v
        g = gn if nref else g
        sp = nref and v > vth[i]
        ok = nref and not sp
        v = v + i_v[i] if ok else v
        g = g + i_g[i] if ok else g
        sv[i] = vr[i] if sp else v
        sg[i] = 0.0 if sp else g
        sts[i] = t if sp else ts
        out[i] = sp
        nsp += sp
    return nsp


@numba.njit(cache=True, no_cfunc_wrapper=True)
def lif_can_sleep(i, t, dt, S, P):
    x = S[SV, i] - P[V0, i]
    g = S[SG, i]
    if x == 0.0 and g == 0.0:
        return True
    if t - S[STS, i] < P[PTHR, i]:     # refractory
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


@numba.njit(cache=True, no_cfunc_wrapper=True)
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
    g = g * ck
    S[SG, i] = 0.0 if abs(g) < G_TINY else g
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
        "t_mbr": positive(20.0, "ms", "membrane time constant"),
        "tau": positive(5.0, "ms", "synaptic decay time constant"),
        "t_rfc": nonnegative(2.2, "ms", "refractory period (v and g frozen)"),
        "r_m": nonnegative(80.0, "MΩ", "input resistance for currents (not in Shiu et al.)"),
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
    step_all = lif_step_all
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
        thr = (nref - 1e-3) * dt
        uni = all(np.all(r == r[0]) for r in (P[V0], P[VRST], P[VTH], P[RM], a, c, coef))
        return np.vstack([P[:7], a, c, coef, nref, thr, np.full(P.shape[1], float(uni))])
