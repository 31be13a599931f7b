"""Shared integrator of the reset (integrate-and-fire) models: ExpIF, AdEx, Izhikevich.

One network step = ``ceil(dt / max_substep)`` equal substeps.  Within a substep: sit out what
is left of the refractory period (V clamped at the reset value, the adaptation variable
relaxing exactly), then RK4 over the rest of the substep, in shorter chunks where the spike
upswing is stiff (chunk × |∂f/∂V| <= 0.2, so the upswing and the crossing time stay accurate).  If V ends at or above
``V_th`` the crossing time is located on the chunk's cubic Hermite interpolant (V and dV/dt
at both ends), the reset is applied there, a
new refractory period starts, and the remainder of the substep is processed the same way.
The exponential term of ExpIF/AdEx is evaluated with its exponent capped at 20 (V = V_T + 20
delta_T, 70 mV above V_T with the default delta_T) so that an RK4 stage overshooting a spike
cannot overflow; with a small delta_T the cap can lie below ``V_th``, but dV/dt there is
delta_T e^20 / tau > 10^6 mV/ms, so the crossing moves by nanoseconds at most.

Parameter layouts (rows of ``P``; the synapse block of ``_common.syn_params`` follows):

* kind 0 ExpIF: V_rest V_reset V_th V_T delta_T R tau tau_ref max_substep | syn at 9
* kind 1 AdEx : V_rest V_reset V_th V_T delta_T R tau tau_ref max_substep a b tau_w | syn at 12
* kind 2 Izh  : a b c d V_th tau_ref max_substep | syn at 7
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ._common import substeps, syn_add, syn_current

EXPIF, ADEX, IZH = 0, 1, 2


#: first row of the synapse block per kind (see the layouts above)
_SYN_ROW = (9, 12, 7)


def if_prepare(kind, P, dt):
    """``P`` with two rows appended: the synaptic decays over one substep,
    ``exp(-h / tau_e)`` and ``exp(-h / tau_i)`` (h = dt / n_sub), which :func:`if_step`
    would otherwise recompute for every neuron and step.  (``math.exp``, the C library's
    exp that the kernels call too: the same bits as before.)"""
    sb = _SYN_ROW[kind]
    msub = P[6] if kind == IZH else P[8]
    k = np.maximum(np.ceil(dt / msub - 1e-9), 1.0)      # as _common.substeps
    x = -(dt / k) / P[sb:sb + 2]
    # math.exp once per distinct exponent (parameters are mostly shared by many neurons;
    # a Python loop over every neuron cost 0.6 s per run at FlyWire scale)
    u, inv = np.unique(x, return_inverse=True)
    dec = np.array([math.exp(v) for v in u])[inv].reshape(x.shape)
    return np.vstack([P, dec])


@numba.njit(cache=True, inline="always")
def _expo(V, P, i):
    """exp((V - V_T) / delta_T), the exponent capped at 20."""
    x = (V - P[3, i]) / P[4, i]
    if x > 20.0:
        x = 20.0
    return math.exp(x)


@numba.njit(cache=True, inline="always")
def _rhs_e(kind, V, w, Iin, P, i, ex):
    """Right-hand side given ``ex`` = :func:`_expo` (V) (ignored by Izhikevich)."""
    if kind == IZH:
        return (0.04 * V * V + 5.0 * V + 140.0 - w + Iin, P[0, i] * (P[1, i] * V - w))
    dV = (-(V - P[0, i]) + P[4, i] * ex + P[5, i] * Iin) / P[6, i]
    if kind == ADEX:
        dV -= P[5, i] * w / P[6, i]
        return dV, (P[9, i] * (V - P[0, i]) - w) / P[11, i]
    return dV, 0.0


@numba.njit(cache=True, inline="always")
def _rhs(kind, V, w, Iin, P, i):
    return _rhs_e(kind, V, w, Iin, P, i, 0.0 if kind == IZH else _expo(V, P, i))


@numba.njit(cache=True, inline="always")
def _hold(kind, w, d, P, i):
    """Adaptation variable after ``d`` ms with V clamped at the reset value."""
    if kind == ADEX:
        winf = P[9, i] * (P[1, i] - P[0, i])
        return winf + (w - winf) * math.exp(-d / P[11, i])
    if kind == IZH:
        uinf = P[1, i] * P[2, i]
        return uinf + (w - uinf) * math.exp(-d * P[0, i])
    return w


@numba.njit(cache=True)
def if_step(kind, i, dt, S, P, I, iext):
    """Advance neuron ``i`` by ``dt``; ``S`` rows: v, w (unused by ExpIF), ref_left, g_e, g_i."""
    return _advance(kind, i, dt, S, P, I, iext[i])


@numba.njit(cache=True)
def if_step_all(kind, lo, hi, dt, S, P, I, iext, out):
    """Neurons ``lo..hi-1`` (the engine's dense pass; ``iext.size == 0``: no external
    current); spike flags in ``out``, their number returned.  The same arithmetic per
    neuron as :func:`if_step`."""
    n = 0
    has_ext = iext.size > 0
    for i in range(lo, hi):
        sp = _advance(kind, i, dt, S, P, I, iext[i] if has_ext else 0.0)
        out[i] = sp
        n += sp
    return n


@numba.njit(cache=True)
def _crossing(kind, V, Vn, f0, wn, vth, h, Iin, P, i):
    """Fraction of the chunk ``h`` (ms) at which V (mV) reaches ``vth``, from the cubic
    Hermite interpolant of V through (V, f0) and (Vn, f(Vn)).

    Linear interpolation puts the crossing early on the convex spike upswing (by up to a
    few µs per spike with 0.03 ms chunks, enough to move 10 % of fast-spiking Izhikevich
    spikes into the step before their solve_ivp time); the Hermite cubic is fourth-order
    like the RK4 chunk itself.  Newton iterations from the linear estimate, kept in [0, 1].
    """
    f1 = _rhs(kind, Vn, wn, Iin, P, i)[0]
    m0, m1 = f0 * h, f1 * h
    th = (vth - V) / (Vn - V)
    if not (math.isfinite(m1) and m0 >= 0.0):
        return min(max(th, 0.0), 1.0)
    for _ in range(8):
        t2 = th * th
        t3 = t2 * th
        p = ((2 * t3 - 3 * t2 + 1) * V + (t3 - 2 * t2 + th) * m0
             + (-2 * t3 + 3 * t2) * Vn + (t3 - t2) * m1)
        dp = ((6 * t2 - 6 * th) * V + (3 * t2 - 4 * th + 1) * m0
              + (-6 * t2 + 6 * th) * Vn + (3 * t2 - 2 * th) * m1)
        if dp <= 0.0:
            break
        step = (p - vth) / dp
        th = min(max(th - step, 0.0), 1.0)
        if abs(step) < 1e-12:
            break
    return th


@numba.njit(cache=True, inline="always")
def _advance(kind, i, dt, S, P, I, ie):
    if kind == IZH:
        vth, vreset, tref, msub, sb = P[4, i], P[2, i], P[5, i], P[6, i], 7
    else:
        vth, vreset, tref, msub = P[2, i], P[1, i], P[7, i], P[8, i]
        sb = 12 if kind == ADEX else 9
    cond = P[sb + 4, i]
    Ee, Ei = P[sb + 2, i], P[sb + 3, i]
    ge, gi = syn_add(S[3, i], S[4, i], I, i, cond)
    nsub = substeps(dt, msub)
    de = P[sb + 5, i]           # exp(-substep / tau_e), exp(-substep / tau_i): if_prepare
    di = P[sb + 6, i]
    hs = dt / nsub
    V, w, ref = S[0, i], S[1, i], S[2, i]
    spiked = False
    for _ in range(nsub):
        left = hs
        for _guard in range(100000):
            if ref > 0.0:
                d = ref if ref < left else left
                w = _hold(kind, w, d, P, i)
                V = vreset
                ref -= d
                left -= d
                if ref < 1e-12:
                    ref = 0.0
            if left <= 1e-12:
                break
            # RK4 chunk, shortened where the spike upswing is stiff (h * |df/dV| <= 0.2)
            h = left
            if kind == IZH:
                ex = 0.0
                lam = abs(0.08 * V + 5.0)
            else:
                ex = _expo(V, P, i)      # (also the first stage's exponential)
                lam = ex / P[6, i]
            if h * lam > 0.2:
                h = 0.2 / lam
            k1 = _rhs_e(kind, V, w, ie + syn_current(V, ge, gi, Ee, Ei, cond), P, i, ex)
            v2 = V + 0.5 * h * k1[0]
            k2 = _rhs(kind, v2, w + 0.5 * h * k1[1],
                      ie + syn_current(v2, ge, gi, Ee, Ei, cond), P, i)
            v3 = V + 0.5 * h * k2[0]
            k3 = _rhs(kind, v3, w + 0.5 * h * k2[1],
                      ie + syn_current(v3, ge, gi, Ee, Ei, cond), P, i)
            v4 = V + h * k3[0]
            k4 = _rhs(kind, v4, w + h * k3[1],
                      ie + syn_current(v4, ge, gi, Ee, Ei, cond), P, i)
            Vn = V + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
            wn = w + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
            if Vn >= vth or not math.isfinite(Vn):
                frac = 1.0
                if math.isfinite(Vn) and Vn > V:
                    frac = _crossing(kind, V, Vn, k1[0], wn, vth, h,
                                     ie + syn_current(Vn, ge, gi, Ee, Ei, cond), P, i)
                w = w + frac * (wn - w)
                if kind == ADEX:
                    w += P[10, i]
                elif kind == IZH:
                    w += P[3, i]
                V = vreset
                spiked = True
                ref = tref
                left -= frac * h
            else:
                V, w = Vn, wn
                left -= h
        ge *= de
        gi *= di
    S[0, i], S[1, i], S[2, i], S[3, i], S[4, i] = V, w, ref, ge, gi
    return spiked
