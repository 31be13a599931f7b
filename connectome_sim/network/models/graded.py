"""Graded (non-spiking) point neurons: ``'graded'`` and ``'threshold_linear'``.

``graded`` — conductance-based non-spiking neurons with graded chemical synapses and gap
junctions, in the form of Wicks, Roehrig & Rankin (1996, J Neurosci 16:4017) and Kunert,
Shlizerman & Kutz (2014, Phys Rev E 89:052805) for *C. elegans*::

    C dV_i/dt = -g_leak (V_i - e_leak) - sum_j g_ij s_j (V_i - E_ij)
                - sum_k g_gap,ik (V_i - V_k) - g_e (V_i - e_exc) - g_i (V_i - e_inh) + I_i

with presynaptic activation either instantaneous, ``s_j = phi(V_j)``, or first order,
``ds_j/dt = a_r phi(V_j) (1 - s_j) - a_d s_j``, ``phi(V) = 1 / (1 + exp(-(V - v_half) /
slope))``.  Units are those of this literature: ``C`` in pF, conductances in pS, V in mV, t
in ms (so ``C / g_leak`` = 1 pF / 10 pS = 100 ms), ``I`` in nA as everywhere in the package.
``g_ij`` = synapse count x ``g_syn`` (pS per synapse, a network parameter); the edge's sign
chooses the target's ``e_exc`` or ``e_inh``; gap junctions are the edge list's electrical rows
x ``g_gap`` (pS per synapse).  ``g_e``/``g_i`` are conductances (pS) opened by spikes of
spiking neurons and by stimuli, decaying with ``tau_syn``.  Defaults follow Kunert et al. 2014
(C 1 pF, g_leak 10 pS, e_leak -35 mV, slope 8 mV (beta = 0.125 / mV), a_r 1 / s, a_d 5 / s,
e_exc 0 mV, e_inh -45 mV; Kim et al.'s Neural Interactome uses the same values).

Integration: the second-order backward differentiation formula (BDF2, L-stable, the first
step by backward Euler) for V, linearly implicit: the synaptic activations are extrapolated
to the end of the step, the conductances then enter a symmetric positive-definite system (the
gap junctions couple it) solved by Jacobi-preconditioned conjugate gradients; the
activations follow with the same formula given the new voltages.  Stiff gap coupling at
coarse steps stays stable.  Instantaneous activations couple voltages with no delay through
the sigmoid; when that coupling (bounded from the state every step) is faster than the step
allows, the step is split into backward-Euler substeps (first order, stable).  Against ``scipy.integrate.solve_ivp`` (rtol 1e-9) the voltage
RMS error is below 0.05 mV at dt = 0.1 ms on the test networks
(``tests/network/models/test_graded.py``).

``threshold_linear`` — the rate model of connectome-constrained visual-system networks
(flyvis, Lappalainen et al. 2024, Nature 634:1132)::

    tau dV_i/dt = -(V_i - v_rest) + sum_j w_ij max(V_j - v_thr_j, 0) + r_in I_i

with dimensionless weights (count x weight scale x sign); events (spikes, stimuli) add their
weight (mV) to V.  Integration: the exponential midpoint rule (exact leak, synaptic drive at
the mid-step voltages extrapolated from the last two steps), second order.

Both send ``out`` to neurons of *other* models as a graded current ``w * out`` (nA): the
activation ``s`` for ``graded``, ``max(V - v_thr, 0)`` for ``threshold_linear``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import Param, PointModel, State, positive, register_model

__all__ = ["Graded", "ThresholdLinear", "equilibrium_potentials"]

# graded: parameter rows, derived rows (prepare), state rows
C_, GL, EL, VH, SL, AR, AD, EE, EI, TS = range(10)
DEC, CDT = 10, 11            # exp(-dt / tau_syn); 1000 C / dt (pS)
SV, SVP, SS, SSP, SGE, SGI, SH = range(7)
# scratch rows of the solver
_DIAG, _RHS, _R, _Z, _P, _AP, _SX, _X, _V0, _VP, _S0 = range(11)
FA_PER_NA = 1e6              # 1 nA = 1e6 fA = 1e6 pS·mV
PS_PER_US = 1e6
SOLVER_TOL = 1e-8           # mV: CG stops when every residual / diagonal is below this


@numba.njit(cache=True, inline="always")
def _phi(v, vh, sl):
    x = -(v - vh) / sl
    if x > 700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(x))


@numba.njit(cache=True, inline="always")
def _matvec(x, y, diag, gp_ptr, gp_j, gp_g, n):
    # y = M x with M = diag - gap (pS; gp_g in µS)
    for i in range(n):
        acc = diag[i] * x[i]
        for e in range(gp_ptr[i], gp_ptr[i + 1]):
            acc -= gp_g[e] * PS_PER_US * x[gp_j[e]]
        y[i] = acc


@numba.njit(cache=True)
def _assemble(S, P, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_g, sx, c_old, c_prev, c_new,
              cdt, diag, rhs, x, v0, vp, n):
    """The linear system of one implicit step: ``diag`` and ``rhs`` (pS, pS·mV) for
    ``(c_new C/dt + G(sx)) V' = C/dt (c_old v0 - c_prev vp) + B(sx)`` and the guess ``x``."""
    for i in range(n):
        c = P[CDT, i] * cdt
        g = P[GL, i] + S[SGE, i] + S[SGI, i]
        b = P[GL, i] * P[EL, i] + S[SGE, i] * P[EE, i] + S[SGI, i] * P[EI, i]
        if iext.size > 0:
            b += FA_PER_NA * iext[i]
            g += PS_PER_US * gx[i]          # gap junctions to other groups, implicit
        ge = 0.0
        gi = 0.0
        for e in range(cp_ptr[i], cp_ptr[i + 1]):
            w = cp_w[e]
            gs = (w if w > 0.0 else -w) * sx[cp_src[e]]
            if w >= 0.0:
                ge += gs
            else:
                gi += gs
        g += ge + gi
        b += ge * P[EE, i] + gi * P[EI, i]
        for e in range(gp_ptr[i], gp_ptr[i + 1]):
            g += gp_g[e] * PS_PER_US
        diag[i] = c_new * c + g
        rhs[i] = c * (c_old * v0[i] - c_prev * vp[i]) + b
        x[i] = v0[i] + (v0[i] - vp[i]) * (c_prev > 0.0)


@numba.njit(cache=True)
def _activate(S, P, x, h, bdf2, n):
    """Activations given the new voltages ``x`` after a step of ``h`` ms (BDF2 or backward
    Euler), shifting the history; returns nothing (``S`` updated)."""
    for j in range(n):
        v = x[j]
        phi = _phi(v, P[VH, j], P[SL, j])
        s = S[SS, j]
        if P[AR, j] != P[AR, j]:          # a_r = None (NaN): instantaneous
            s_new = phi
        elif bdf2:
            ar = P[AR, j] * phi
            s_new = (4.0 * s - S[SSP, j] + 2.0 * h * ar) / (3.0 + 2.0 * h * (ar + P[AD, j]))
        else:
            ar = P[AR, j] * phi
            s_new = (s + h * ar) / (1.0 + h * (ar + P[AD, j]))
        S[SSP, j] = s
        S[SS, j] = s_new
        S[SVP, j] = S[SV, j]
        S[SV, j] = v


@numba.njit(cache=True)
def graded_step(t, dt, S, P, I, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_j, gp_g, scratch, out):
    """One step of a group of graded neurons (contract: ``base.py``, continuous models).

    BDF2, linearly implicit (activations extrapolated).  Instantaneous activations couple
    the voltages with no delay through the steep sigmoid; when that coupling is faster than
    the step allows (rate x dt > 1/2, the rate bounded from the current state), the step is
    taken as that many backward-Euler substeps with lagged activations instead (stable)."""
    n = S.shape[1]
    diag = scratch[_DIAG]
    rhs = scratch[_RHS]
    sx = scratch[_SX]
    x = scratch[_X]
    v0 = scratch[_V0]
    vp = scratch[_VP]
    s0 = scratch[_S0]
    # event conductances (pS): this step's input, then the exact decay to t + dt
    for i in range(n):
        S[SGE, i] = (S[SGE, i] + I[0, i]) * P[DEC, i]
        S[SGI, i] = (S[SGI, i] + abs(I[1, i])) * P[DEC, i]
    # coupling rate of instantaneous synapses (1/ms): sum |g| phi'(V_j) |V_i - E| / C;
    # (a scan of the neurons first: with first-order activations only, the common case,
    # the pass over every synapse is skipped)
    rate = 0.0
    n_inst = 0
    for j in range(n):
        if P[AR, j] != P[AR, j]:
            n_inst += 1
    for i in range(n if n_inst > 0 else 0):
        acc = 0.0
        for e in range(cp_ptr[i], cp_ptr[i + 1]):
            j = cp_src[e]
            if P[AR, j] != P[AR, j]:
                ph = _phi(S[SV, j], P[VH, j], P[SL, j])
                w = cp_w[e]
                ed = abs(S[SV, i] - (P[EE, i] if w >= 0.0 else P[EI, i])) + 1.0
                acc += abs(w) * ph * (1.0 - ph) / P[SL, j] * ed
        r = 1e-3 * acc / P[C_, i]
        if r > rate:
            rate = r
    n_sub = int(math.ceil(2.0 * rate * dt - 1e-12))
    if n_sub <= 1:
        h_ok = True
        for j in range(n):
            if S[SH, j] <= 0.0:
                h_ok = False
        # activations extrapolated to t + dt
        for j in range(n):
            if h_ok:
                v = 2.0 * S[SS, j] - S[SSP, j]
                sx[j] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
            else:
                sx[j] = S[SS, j]
        for i in range(n):
            v0[i] = S[SV, i]
            vp[i] = S[SVP, i] if h_ok else S[SV, i]
        if h_ok:       # BDF2: (1.5 V' - 2 V + 0.5 V_prev) C/dt = f(V')
            _assemble(S, P, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_g, sx, 2.0, 0.5, 1.5, 1.0,
                      diag, rhs, x, v0, vp, n)
        else:          # first step: backward Euler
            _assemble(S, P, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_g, sx, 1.0, 0.0, 1.0, 1.0,
                      diag, rhs, x, v0, vp, n)
        status = _solve(x, diag, rhs, scratch, gp_ptr, gp_j, gp_g, n)
        _activate(S, P, x, dt, h_ok, n)
    else:
        n_sub = min(n_sub, 10000)
        h = dt / n_sub
        for i in range(n):
            v0[i] = S[SV, i]            # the step's start: the history after the step
            s0[i] = S[SS, i]
        status = 0
        for _q in range(n_sub):
            for j in range(n):
                sx[j] = S[SS, j]
            # backward Euler on h: (V' - V) C/h = f(V'); C/dt scaled by n_sub
            for i in range(n):
                vp[i] = S[SV, i]
            _assemble(S, P, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_g, sx, 1.0, 0.0, 1.0,
                      float(n_sub), diag, rhs, x, vp, vp, n)
            status = _solve(x, diag, rhs, scratch, gp_ptr, gp_j, gp_g, n)
            if status != 0:
                break
            _activate(S, P, x, h, False, n)
        for j in range(n):              # history for the next full step
            S[SVP, j] = v0[j]
            S[SSP, j] = s0[j]
    for j in range(n):
        S[SH, j] = 1.0
        out[j] = S[SS, j]
    return status


@numba.njit(cache=True)
def _solve(x, diag, rhs, scratch, gp_ptr, gp_j, gp_g, n):
    if gp_ptr[n] == 0:
        for i in range(n):
            x[i] = rhs[i] / diag[i]
        return 0
    return _cg(x, diag, rhs, scratch, gp_ptr, gp_j, gp_g, n)


@numba.njit(cache=True)
def _cg(x, diag, rhs, scratch, gp_ptr, gp_j, gp_g, n):
    """Jacobi-preconditioned conjugate gradients for M x = rhs (x: the initial guess)."""
    r = scratch[_R]
    z = scratch[_Z]
    p = scratch[_P]
    ap = scratch[_AP]
    _matvec(x, ap, diag, gp_ptr, gp_j, gp_g, n)
    rz = 0.0
    for i in range(n):
        r[i] = rhs[i] - ap[i]
        z[i] = r[i] / diag[i]
        p[i] = z[i]
        rz += r[i] * z[i]
    # z = r / diag is the preconditioned residual, so the stopping test (max |r| / diag)
    # is max |z|, computed in the same pass that updates it
    err = 0.0
    for i in range(n):
        e = abs(z[i])
        if e > err:
            err = e
    for _it in range(4 * n + 100):
        if err < SOLVER_TOL:
            return 0
        _matvec(p, ap, diag, gp_ptr, gp_j, gp_g, n)
        pap = 0.0
        for i in range(n):
            pap += p[i] * ap[i]
        alpha = rz / pap
        rz_new = 0.0
        err = 0.0
        for i in range(n):
            x[i] += alpha * p[i]
            r[i] -= alpha * ap[i]
            z[i] = r[i] / diag[i]
            rz_new += r[i] * z[i]
            e = abs(z[i])
            if e > err:
                err = e
        beta = rz_new / rz
        rz = rz_new
        for i in range(n):
            p[i] = z[i] + beta * p[i]
    return 5


@register_model
class Graded(PointModel):
    """Conductance-based graded neuron (Wicks et al. 1996; Kunert et al. 2014); see the
    module docstring for the equations, units (pF, pS, mV, ms, nA) and integration."""

    name = "graded"
    kind = "continuous"
    output = "graded"
    n_scratch = 11
    params = {
        "C": positive(1.0, "pF", "membrane capacitance"),
        "g_leak": positive(10.0, "pS", "leak conductance"),
        "e_leak": Param(-35.0, "mV", "leak reversal potential"),
        "v_half": Param(-35.0, "mV", "half-activation voltage of the synaptic activation"),
        "slope": positive(8.0, "mV", "slope of the activation (1 / beta)"),
        "a_r": Param(0.001, "1/ms", "activation rise rate (None: instantaneous activation)",
                     low=0.0, none_ok=True),
        "a_d": positive(0.005, "1/ms", "activation decay rate"),
        "e_exc": Param(0.0, "mV", "reversal potential of excitatory synapses"),
        "e_inh": Param(-45.0, "mV", "reversal potential of inhibitory synapses"),
        "tau_syn": positive(5.0, "ms", "decay of conductances opened by spikes and stimuli"),
    }
    states = {
        "v": State("e_leak", "mV", "membrane potential"),
        "v_prev": State("e_leak", "mV", "membrane potential one step earlier"),
        "s": State(0.0, "1", "synaptic activation (output)"),
        "s_prev": State(0.0, "1", "activation one step earlier"),
        "g_e": State(0.0, "pS", "conductance opened by excitatory spikes and stimuli"),
        "g_i": State(0.0, "pS", "conductance opened by inhibitory spikes"),
        "h": State(0.0, "1", "1 once a step was taken (BDF2 has its history)"),
    }
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    voltage = "v"
    weight_unit = "pS"
    weight_scale = 100.0            # g_syn default: 100 pS per synapse (Kunert et al. 2014)
    gap_scale = 100.0               # g_gap default: 100 pS per gap-junction synapse
    stimulus_weight = 100.0         # pS opened by one stimulus event
    step_group = graded_step
    doc_reference = ("Wicks, Roehrig & Rankin (1996) J Neurosci 16:4017; Kunert, Shlizerman "
                     "& Kutz (2014) Phys Rev E 89:052805")

    @classmethod
    def prepare(cls, P, dt):
        dec = np.exp(-dt / P[TS])
        return np.vstack([P[:10], dec, 1000.0 * P[C_] / dt])

    @classmethod
    def init_state(cls, P, v_init=None):
        S = super().init_state(P, v_init)
        S[SVP] = S[SV]
        phi = 1.0 / (1.0 + np.exp(np.clip(-(S[SV] - P[VH]) / P[SL], -700, 700)))
        ar = P[AR] * phi
        with np.errstate(invalid="ignore"):
            s = np.where(np.isnan(P[AR]), phi, ar / (ar + P[AD]))
        S[SS] = s
        S[SSP] = s
        return S


# ----------------------------------------------------------------------------- threshold-linear
TT, TVR, TVT, TRI = range(4)
TDEC = 4                       # exp(-dt / tau)
TV, TVP, TH = range(3)


@numba.njit(cache=True)
def tl_step(t, dt, S, P, I, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_j, gp_g, scratch, out):
    """One step of a group of threshold-linear neurons (contract: ``base.py``)."""
    n = S.shape[1]
    r = scratch[0]
    for j in range(n):
        if S[TH, j] > 0.0:
            v = 1.5 * S[TV, j] - 0.5 * S[TVP, j]
        else:
            v = S[TV, j]
        d = v - P[TVT, j]
        r[j] = d if d > 0.0 else 0.0
    for i in range(n):
        f = P[TVR, i]
        if iext.size > 0:
            f += P[TRI, i] * (iext[i] - gx[i] * S[TV, i])
        for e in range(cp_ptr[i], cp_ptr[i + 1]):
            f += cp_w[e] * r[cp_src[e]]
        v0 = S[TV, i] + I[0, i]
        S[TVP, i] = S[TV, i]
        v = f + (v0 - f) * P[TDEC, i]
        S[TV, i] = v
        S[TH, i] = 1.0
        d = v - P[TVT, i]
        out[i] = d if d > 0.0 else 0.0
    return 0


@register_model
class ThresholdLinear(PointModel):
    """Threshold-linear (rectified) graded neuron, flyvis-style (Lappalainen et al. 2024);
    see the module docstring.  Units: mV, ms; weights dimensionless (mV per mV); ``r_in``
    converts a current (nA) to mV of drive."""

    name = "threshold_linear"
    kind = "continuous"
    output = "graded"
    n_scratch = 1
    params = {
        "tau": positive(10.0, "ms", "membrane time constant"),
        "v_rest": Param(0.0, "mV", "resting potential"),
        "v_thr": Param(0.0, "mV", "output threshold: the neuron sends max(V - v_thr, 0)"),
        "r_in": Param(1.0, "MΩ", "input resistance for currents (mV per nA)", low=0.0),
    }
    states = {
        "v": State("v_rest", "mV", "membrane potential"),
        "v_prev": State("v_rest", "mV", "membrane potential one step earlier"),
        "h": State(0.0, "1", "1 once a step was taken"),
    }
    channels = ("syn",)
    voltage = "v"
    weight_unit = "1 (mV per mV)"
    weight_scale = 1.0
    stimulus_weight = 1.0            # mV added to V by one stimulus event
    step_group = tl_step
    doc_reference = "Lappalainen et al. (2024) Nature 634:1132 (flyvis)"

    @classmethod
    def prepare(cls, P, dt):
        return np.vstack([P[:4], np.exp(-dt / P[TT])])

    @classmethod
    def init_state(cls, P, v_init=None):
        S = super().init_state(P, v_init)
        S[TVP] = S[TV]
        return S


def equilibrium_potentials(net, ids=None, current=None):
    """Resting potentials of a network's graded neurons with every synapse half active.

    Kunert et al. (2014) set each neuron's activation threshold ``v_half`` to its
    equilibrium potential in the network, with every synaptic activation at
    ``s_eq = a_r / (a_r + 2 a_d)``; this solves that linear system for the graded neurons of
    ``net`` (their graded synapses and gap junctions; other inputs ignored).

    Parameters
    ----------
    net : PointNetwork
    ids : neuron IDs, optional
        Graded neurons to return (default: all).
    current : float, optional
        Constant current (nA) added to every neuron of ``ids``... (see Kunert et al.'s
        input-dependent thresholds); default none.

    Returns
    -------
    pandas.Series
        mV, indexed by neuron ID; use as ``net.set_params(s.index, v_half=s.to_numpy())``.
    """
    import pandas as pd

    from ..compile import graded_system

    rows, G, b = graded_system(net, current=current, ids=ids)
    v = np.linalg.solve(G, b)
    out = pd.Series(v, index=pd.Index(net.ids[rows], name="neuron_id"), name="v_eq")
    if ids is not None:
        out = out.loc[list(np.atleast_1d(ids))]
    return out
