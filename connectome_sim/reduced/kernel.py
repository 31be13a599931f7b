"""Numba step of reduced dendritic neurons (Dendrify semantics), one neuron per call.

Parameter rows (``P[:, i]``), with K compartments and M couplings::

    0 K   1 M   2 method (0 forward Euler as Dendrify/Brian2 'euler', 1 backward Euler)
    3 V_th  4 V_reset  5 second_reset  6 spike_width  7 refractory  8 has_second_reset
    9 tau_e  10 tau_i  11 E_e  12 E_i  13 cond_syn
    14 + 13 c + (0 C pF, 1 gL µS, 2 EL mV, 3 has_dspike, 4 g_rise µS, 5 g_fall µS,
                 6 E_rise mV, 7 E_fall mV, 8 dspike threshold mV, 9 duration_rise ms,
                 10 duration_fall ms, 11 offset_fall ms, 12 dspike refractory ms)
    14 + 13 K + m            coupling conductance of link m (µS)
    14 + 13 K + M + 2 m (+1) compartment indices of link m (derived rows)

State rows: 0..K-1 voltages (mV); K..2K-1 step index of each compartment's last dSpike
(-1e9 = none); 2K..4K-1 synaptic variables (exc, inh per compartment, µS or nA); 4K step
index of the last somatic spike; 4K+1 step index at which the pending second reset fires
(-1 = none).

Order of operations in step k (t = k dt), as Brian2 runs a Dendrify model: integrate all
compartments from the state at t (dSpike conductances evaluated at step k) -> somatic
threshold (if not refractory) and dSpike thresholds -> pending second reset
(``spike_width`` after a somatic spike) -> somatic reset -> dSpike onsets recorded.
"""

from __future__ import annotations

import math

import numba
import numpy as np

BASE = 14
PER_COMP = 13


@numba.njit(cache=True)
def reduced_core(i, t, dt, S, P, I, isoma, Icomp, use_icomp):
    """Advance neuron ``i`` by one step; returns True on a somatic spike.

    ``isoma`` (nA) goes to compartment 0; ``Icomp[c, i]`` (nA) to compartment c when
    ``use_icomp``.  A dSpike onset in compartment c sets ``S[K + c, i]`` to this step's index.
    One scratch allocation per call (K² + 3K floats).
    """
    K = int(P[0, i])
    M = int(P[1, i])
    method = P[2, i]
    k = math.floor(t / dt + 0.5)
    cond = P[13, i]
    de = math.exp(-dt / P[9, i])
    di = math.exp(-dt / P[10, i])
    cb = BASE + PER_COMP * K
    # per-compartment total conductance and driving term (excluding coupling)
    buf = np.empty(K * K + 3 * K)
    dv = buf[0:K]
    gtot = buf[K:2 * K]
    gEsum = buf[2 * K:3 * K]
    for c in range(K):
        o = BASE + PER_COMP * c
        v = S[c, i]
        ge = S[2 * K + 2 * c, i] + I[2 * c, i]
        if cond > 0.5:
            gi = S[2 * K + 2 * c + 1, i] + abs(I[2 * c + 1, i])
        else:
            gi = S[2 * K + 2 * c + 1, i] + I[2 * c + 1, i]
        g = P[o + 1, i]
        gE = P[o + 1, i] * P[o + 2, i]
        if cond > 0.5:
            g += ge + gi
            gE += ge * P[11, i] + gi * P[12, i]
        else:
            gE += ge + gi
        if P[o + 3, i] > 0.5:
            ks = S[K + c, i]
            nr = math.floor(P[o + 9, i] / dt + 0.5)
            nf = math.floor(P[o + 10, i] / dt + 0.5)
            no = math.floor(P[o + 11, i] / dt + 0.5)
            if k <= ks + nr:
                g += P[o + 4, i]
                gE += P[o + 4, i] * P[o + 6, i]
            if ks + no <= k <= ks + no + nf:
                g += P[o + 5, i]
                gE += P[o + 5, i] * P[o + 7, i]
        cur = isoma if c == 0 else 0.0
        if use_icomp:
            cur += Icomp[c, i]
        gtot[c] = g
        gEsum[c] = gE + cur
        S[2 * K + 2 * c, i] = ge * de
        S[2 * K + 2 * c + 1, i] = gi * di
    if method < 0.5:
        for c in range(K):
            dv[c] = gEsum[c] - gtot[c] * S[c, i]
        for m in range(M):
            a = int(P[cb + M + 2 * m, i])
            b = int(P[cb + M + 2 * m + 1, i])
            gc = P[cb + m, i]
            flow = gc * (S[b, i] - S[a, i])
            dv[a] += flow
            dv[b] -= flow
        for c in range(K):
            S[c, i] += dt * 1000.0 * dv[c] / P[BASE + PER_COMP * c, i]
    else:
        # backward Euler: (C/dt + G + L) v' = C/dt v + gE  (dense K x K, K is small)
        A = buf[3 * K:].reshape((K, K))
        A[:, :] = 0.0
        r = dv
        for c in range(K):
            cdt = P[BASE + PER_COMP * c, i] / (1000.0 * dt)
            A[c, c] = cdt + gtot[c]
            r[c] = cdt * S[c, i] + gEsum[c]
        for m in range(M):
            a = int(P[cb + M + 2 * m, i])
            b = int(P[cb + M + 2 * m + 1, i])
            gc = P[cb + m, i]
            A[a, a] += gc
            A[b, b] += gc
            A[a, b] -= gc
            A[b, a] -= gc
        for p in range(K):               # Gaussian elimination (diagonally dominant)
            for q in range(p + 1, K):
                f = A[q, p] / A[p, p]
                if f != 0.0:
                    for s in range(p, K):
                        A[q, s] -= f * A[p, s]
                    r[q] -= f * r[p]
        for p in range(K - 1, -1, -1):
            acc = r[p]
            for s in range(p + 1, K):
                acc -= A[p, s] * S[s, i]
            S[p, i] = acc / A[p, p]
    # thresholds
    nref = math.floor(P[7, i] / dt + 0.5)
    spiked = (S[0, i] > P[3, i]) and (k - S[4 * K, i] >= nref)
    for c in range(K):
        dv[c] = 0.0                      # dv now flags dSpike onsets
        o = BASE + PER_COMP * c
        if P[o + 3, i] > 0.5:
            nrf = math.floor(P[o + 12, i] / dt + 0.5)
            if S[c, i] >= P[o + 8, i] and k >= S[K + c, i] + nrf:
                dv[c] = 1.0
    # second reset (Brian2 'synapses' slot, before resets)
    if P[8, i] > 0.5 and S[4 * K + 1, i] == k:
        S[0, i] = P[5, i]
        S[4 * K + 1, i] = -1.0
    if spiked:
        S[0, i] = P[4, i]
        S[4 * K, i] = k
        if P[8, i] > 0.5:
            S[4 * K + 1, i] = k + math.floor(P[6, i] / dt + 0.5)
    for c in range(K):
        if dv[c] == 1.0:
            S[K + c, i] = k
    return spiked


_NO_ICOMP = np.zeros((1, 1))


@numba.njit(cache=True)
def reduced_step(i, t, dt, S, P, I, iext):
    """Plug-in ``step`` (contract in ``network/models/base.py``): iext (nA) into compartment 0."""
    return reduced_core(i, t, dt, S, P, I, iext[i], _NO_ICOMP, False)


@numba.njit(cache=True)
def run_single(n_steps, dt, S, P, Icomp, v_out, dsp_steps, soma_steps):
    """Run one neuron (column 0) for ``n_steps`` with per-step compartment currents.

    ``Icomp`` float64[n_steps, K] (nA); ``v_out`` float64[n_steps, K] receives the voltages at
    the start of each step; ``dsp_steps`` int8[n_steps, K] and ``soma_steps`` bool[n_steps]
    flag dSpike onsets and somatic spikes.
    """
    K = int(P[0, 0])
    nch = 2 * K
    I = np.zeros((nch, 1))
    Ic = np.zeros((K, 1))
    for k in range(n_steps):
        for c in range(K):
            v_out[k, c] = S[c, 0]
            Ic[c, 0] = Icomp[k, c]
        soma_steps[k] = reduced_core(0, k * dt, dt, S, P, I, 0.0, Ic, True)
        for c in range(K):
            dsp_steps[k, c] = 1 if S[K + c, 0] == k else 0
