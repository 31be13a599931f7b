"""NEURON's artificial integrate-and-fire cells ``IntFire1``, ``IntFire2``, ``IntFire4``.

Event-driven with exact event times, following the NET_RECEIVE semantics of NEURON's
``intfire1.mod``, ``intfire2.mod`` and ``intfire4.mod`` (re-implemented from their documented
behaviour; weights dimensionless, ``m`` plays the role of voltage, a cell fires when ``m``
reaches 1):

* IntFire1: ``m`` decays with ``tau``; an input adds ``w``; ``m > 1`` fires, then the cell
  ignores inputs for ``refrac`` ms and restarts at ``m = 0``.
* IntFire2: synaptic current ``i`` decays to ``ib`` with ``taus``; ``m`` integrates ``i``
  with ``taum`` (``taum < taus``); the firing time is found by Newton iteration; after firing
  ``m = 0``.  No refractory period.
* IntFire4: excitatory current (``taue``), alpha-like inhibitory current (``taui1``,
  ``taui2``), membrane ``taum``; normalised so that a single weight of ±1 gives a peak ``m`` of
  ±1; fires at ``m > 1 - 1e-6`` found by successive self-events (Newton steps); after firing
  only ``m`` is reset.  **No refractory period** (strong recurrent excitation runs away; the
  engine stops such runs with a ``SimulationError``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import Param, PointModel, State, nonnegative, positive, register_model

NEVER = 1e9  # NEURON's "no firing time" (ms)


# --------------------------------------------------------------------------- IntFire1
@numba.njit(cache=True, inline="always")
def if1_receive(i, t, w, ch, flag, S, P, Q):
    # S rows: m, t0, refractory ; P rows: tau, refrac
    if S[2, i] == 0.0:
        m = S[0, i] * math.exp(-(t - S[1, i]) / P[0, i]) + w
        S[1, i] = t
        if m > 1.0:
            S[2, i] = 1.0
            S[0, i] = 2.0
            Q[0, i] = t + P[1, i]
            Q[1, i] = 1.0
            return True
        S[0, i] = m
    elif flag == 1.0:
        S[1, i] = t
        S[2, i] = 0.0
        S[0, i] = 0.0
    return False


@numba.njit(cache=True, inline="always")
def if1_observe(i, t, S, P):
    if S[2, i] == 0.0:
        return S[0, i] * math.exp(-(t - S[1, i]) / P[0, i])
    if t - S[1, i] < 0.5:
        return 2.0
    return -1.0


@register_model
class IntFire1(PointModel):
    """NEURON ``IntFire1``: leaky integrator with refractory period (``tau`` 10 ms, ``refrac`` 5 ms)."""

    name = "IntFire1"
    kind = "event"
    params = {"tau": positive(10.0, "ms", "membrane time constant"),
              "refrac": nonnegative(5.0, "ms", "refractory period")}
    states = {"m": State(0.0, "1", "membrane state (fires above 1)"),
              "t0": State(0.0, "ms", "time of the last update"),
              "refractory": State(0.0, "1", "1 while refractory")}
    channels = ("syn",)
    voltage = None
    supports_current = False
    refractory_param = "refrac"
    receive = if1_receive
    observe = if1_observe
    doc_reference = "NEURON intfire1.mod"


# --------------------------------------------------------------------------- IntFire2
@numba.njit(cache=True, inline="always")
def _newton1(a, b, c, r, x):
    # solve 1 = a + b*x^r + c*x for 0 < x <= 1 starting from x
    dx = 1.0
    f = 0.0
    it = 0
    while abs(dx) > 1e-6 or abs(f - 1.0) > 1e-6:
        f = a + b * x ** r + c * x
        df = r * b * x ** (r - 1.0) + c
        dx = (1.0 - f) / df
        x = x + dx
        if x <= 0.0:
            x = 1e-4
        elif x > 1.0:
            x = 1.0
        it += 1
        if it > 10:
            f = 1.0
            dx = 0.0
    return x


@numba.njit(cache=True, inline="always")
def _if2_firetime(a, b, c, taum, taus):
    # time from now at which a + b*exp(-t/taus) + (c - a - b)*exp(-t/taum) reaches 1
    r = taum / taus
    if a <= 1.0 and a + b <= 1.0:
        return NEVER
    cab = c - a - b
    if a > 1.0 and b <= 0.0:
        m = r * b + cab
        if m >= 0.0:
            return -taus * math.log(_newton1(a, cab, b, 1.0 / r, 0.0))
        x = (1.0 - c + m) / m
        if x <= 0.0:
            return -taus * math.log(_newton1(a, cab, b, 1.0 / r, 0.0))
        return -taum * math.log(_newton1(a, b, cab, r, x))
    x = (-cab / (r * b)) ** (1.0 / (r - 1.0))
    f = a + b * x ** r + cab * x
    if x >= 1.0 or f <= 1.0:
        return NEVER
    m = r * b + cab
    x = (1.0 - c + m) / m
    return -taum * math.log(_newton1(a, b, cab, r, x))


@numba.njit(cache=True, inline="always")
def if2_receive(i, t, w, ch, flag, S, P, Q):
    # S rows: i, m, t0 ; P rows: taum, taus, ib
    taum = P[0, i]
    taus = P[1, i]
    ib = P[2, i]
    cur = S[0, i]
    m = S[1, i]
    t0 = S[2, i]
    f = taus / (taus - taum)
    x = (cur - ib) * math.exp(-(t - t0) / taus)
    inew = ib + x
    fired = False
    if flag == 1.0:
        fired = True
        m = 0.0
        Q[0, i] = t + _if2_firetime(ib, (inew - ib) * f, 0.0, taum, taus)
        Q[1, i] = 1.0
    else:
        m = ib + f * x + (m - (ib + (cur - ib) * f)) * math.exp(-(t - t0) / taum)
        inew = inew + w
        if m >= 1.0:
            Q[0, i] = t
        else:
            Q[0, i] = t + _if2_firetime(ib, (inew - ib) * f, m, taum, taus)
    S[0, i] = inew
    S[1, i] = m
    S[2, i] = t
    return fired


@numba.njit(cache=True, inline="always")
def if2_observe(i, t, S, P):
    taum = P[0, i]
    taus = P[1, i]
    ib = P[2, i]
    f = taus / (taus - taum)
    d = t - S[2, i]
    x = (S[0, i] - ib) * math.exp(-d / taus)
    return ib + f * x + (S[1, i] - (ib + (S[0, i] - ib) * f)) * math.exp(-d / taum)


@register_model
class IntFire2(PointModel):
    """NEURON ``IntFire2``: leaky integrator driven by a decaying synaptic current.

    ``taum`` 10 ms, ``taus`` 20 ms (forced to ``taum + 0.1`` if not larger), ``ib`` 0 (bias
    current, dimensionless).
    """

    name = "IntFire2"
    kind = "event"
    params = {"taum": positive(10.0, "ms", "membrane time constant"),
              "taus": positive(20.0, "ms", "synaptic current time constant (> taum)"),
              "ib": Param(0.0, "1", "bias current")}
    states = {"i": State("ib", "1", "synaptic current"),
              "m": State(0.0, "1", "membrane state"),
              "t0": State(0.0, "ms", "time of the last update")}
    channels = ("syn",)
    voltage = None
    supports_current = False
    receive = if2_receive
    observe = if2_observe
    doc_reference = "NEURON intfire2.mod"

    @classmethod
    def param_array(cls, n, props=None):
        P = super().param_array(n, props)
        bad = P[1] <= P[0]
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            _warn_adjusted("IntFire2", "taus", int(bad.sum()),
                           f"taus = {P[1, j]:g} <= taum = {P[0, j]:g} ms becomes "
                           f"{P[0, j] + 0.1:g} ms (taum + 0.1)")
        P[1, bad] = P[0, bad] + 0.1
        return P

    @classmethod
    def init_queue(cls, S, P):
        Q = super().init_queue(S, P)
        for i in range(S.shape[1]):
            Q[0, i] = _if2_firetime(P[2, i], 0.0, 0.0, P[0, i], P[1, i])
        Q[1] = 1.0
        return Q


def _warn_adjusted(model, rule, count, example):
    """Say that NEURON's rule changed time constants (NEURON itself does it silently)."""
    import warnings

    from ...errors import ParameterAdjustedWarning

    warnings.warn(f"{model} needs {rule}: adjusted for {count} neuron(s) as NEURON's "
                  f"{model.lower()}.mod does; first: {example}.  Set the time constants "
                  "apart yourself to silence this.", ParameterAdjustedWarning, stacklevel=2)


# --------------------------------------------------------------------------- IntFire4
# derived P rows after taue, taui1, taui2, taum:
_KE, _KI1, _KI2, _KM, _AE, _AI2, _BE, _BI1, _BI2, _A, _B = range(4, 15)
_EPS = 1e-6


@numba.njit(cache=True, inline="always")
def _if4_newstates(i, d, S, P):
    ee = math.exp(-P[_KE, i] * d)
    ei1 = math.exp(-P[_KI1, i] * d)
    ei2 = math.exp(-P[_KI2, i] * d)
    em = math.exp(-P[_KM, i] * d)
    e, i1, i2, m = S[0, i], S[1, i], S[2, i], S[3, i]
    enew = e * ee
    i1new = i1 * ei1
    i2new = i2 * ei2 + P[_BI1, i] * i1 * (ei2 - ei1)
    mnew = (m * em + P[_BE, i] * e * (em - ee) + (P[_BI2, i] * i2 + P[_A, i] * i1) * (em - ei2)
            - P[_B, i] * i1 * (em - ei1))
    return enew, i1new, i2new, mnew


@numba.njit(cache=True, inline="always")
def _if4_firetimebound(i, S, P):
    slope = -P[_KM, i] * S[3, i] + P[_AE, i] * S[0, i] + P[_AI2, i] * S[2, i]
    if slope <= 1e-9:
        return NEVER
    return (1.0 - S[3, i]) / slope


@numba.njit(cache=True, inline="always")
def if4_receive(i, t, w, ch, flag, S, P, Q):
    # S rows: e, i1, i2, m, t0
    e, i1, i2, m = _if4_newstates(i, t - S[4, i], S, P)
    S[0, i] = e
    S[1, i] = i1
    S[2, i] = i2
    S[3, i] = m
    S[4, i] = t
    fired = False
    if m > 1.0 - _EPS:
        fired = True
        S[3, i] = 0.0
    if flag == 1.0:
        Q[0, i] = t + _if4_firetimebound(i, S, P)
        Q[1, i] = 1.0
    else:
        if w > 0.0:
            S[0, i] += w
        else:
            S[1, i] += w
        Q[0, i] = t + _if4_firetimebound(i, S, P)
    return fired


@numba.njit(cache=True, inline="always")
def if4_observe(i, t, S, P):
    return _if4_newstates(i, t - S[4, i], S, P)[3]


_TAUEPS = 0.01  # ms: intfire4.mod's ``taueps``, the least distance kept between time constants


def _if4_preconditions(taue, taui1, taui2, taum, eps=_TAUEPS):
    """The time constants (ms) NEURON 9's IntFire4 runs with (its ``fixprecondition``).

    The firing-time bound (van Elburg & van Ooyen 2009) needs taue < taui2 and
    taui1 < taui2; taum may lie anywhere.  Time constants closer than ``eps`` are moved
    apart (no x exp(-x) solutions), taue above taui2 is lowered below it, taui1 above taui2
    is swapped with it.  Returns the four time constants.
    """
    taui2 = max(taui2, 4 * eps)      # (three shifts of taum below must keep it > 0)
    taui1 = max(taui1, 3 * eps)
    taue = max(taue, 2 * eps)
    if taue > taui2 or taui2 - taue < eps:
        taue = taui2 - eps
    if taui1 > taui2:
        taui1, taui2 = taui2, taui1
    if taui2 - taui1 < eps:
        taui1 = taui2 - eps
    if taum > taui2:
        if taum - taui2 < eps:
            taum = taui2 + eps
        return taue, taui1, taui2, taum
    if taui2 - taum < eps:
        taum = taui2 - eps
    if abs(taui1 - taum) < eps:
        taum = taui1 - eps
    if abs(taui1 - taum) < eps:      # (again: taui1 - eps may round to within eps of it)
        if taui1 < taum:
            taum = taui1 - eps
        else:
            taui1 = taum - eps
    if abs(taue - taum) < eps:
        if taue < taum:
            taum = taue - eps
        else:
            taue = taum - eps
    if abs(taui1 - taum) < eps:
        taum = taui1 - eps
    return taue, taui1, taui2, taum


def _if4_factors(taue, taui1, taui2, taum):
    """NEURON 9 IntFire4 ``factors()`` on time constants that satisfy
    :func:`_if4_preconditions`: rates and normalisation constants (peak m = 1 for an
    excitatory weight 1; peak i2 = -1 and peak m = -1 for an inhibitory weight -1)."""
    ke, ki1, ki2, km = 1 / taue, 1 / taui1, 1 / taui2, 1 / taum
    tp = math.log(km / ke) / (km - ke)
    be = 1 / (math.exp(-km * tp) - math.exp(-ke * tp))
    ae = be * (ke - km)
    tp = math.log(ki2 / ki1) / (ki2 - ki1)
    bi1 = 1 / (math.exp(-ki2 * tp) - math.exp(-ki1 * tp))

    def deriv(d):   # proportional to dm/dt after an i1 of 1 (the sign is exact for ki1 > ki2)
        return ((ki2 * math.exp(-ki2 * d) - km * math.exp(-km * d)) / (ki2 - km)
                - (ki1 * math.exp(-ki1 * d) - km * math.exp(-km * d)) / (ki1 - km))

    # bracket the extremum of m by decades from 1 ms, then bisect it to 1e-6 ms
    t1 = t2 = 1.0
    ok = True
    if deriv(t1) < 0:
        while deriv(t1) < 0 and t1 > 1e-9:
            t2, t1 = t1, t1 / 10
        ok = deriv(t1) >= 0
        tp = 1e-9
    else:
        while deriv(t2) > 0 and t2 < 1e9:
            t1, t2 = t2, t2 * 10
        ok = deriv(t2) <= 0
        tp = 1e9
    while ok and t2 - t1 > 1e-6:
        tp = (t1 + t2) / 2
        if deriv(tp) > 0:
            t1 = tp
        else:
            t2 = tp
    # m at tp for i1 = 1 with bi2 = 1, then the normalisation bi2 = 1 / m
    a = bi1
    b = a * (ki2 - km) / (ki1 - km)
    em, ei2, ei1 = math.exp(-km * tp), math.exp(-ki2 * tp), math.exp(-ki1 * tp)
    bi2 = 1 / (a * (em - ei2) - b * (em - ei1))
    ai2 = bi2 * (ki2 - km)
    a = bi2 * bi1
    b = a * (ki2 - km) / (ki1 - km)
    return (taue, taui1, taui2, taum, ke, ki1, ki2, km, ae, ai2, be, bi1, bi2, a, b)


@register_model
class IntFire4(PointModel):
    """NEURON ``IntFire4``: fast excitatory, alpha-like inhibitory currents, slow membrane.

    ``taue`` 5 ms, ``taui1`` 10 ms, ``taui2`` 20 ms, ``taum`` 50 ms.  As in NEURON 9
    (intfire4.mod with van Elburg & van Ooyen's generalisation, 2009), taum may take any
    value, but taue < taui2 and taui1 < taui2 are required and every two time constants are
    kept 0.01 ms apart: values that break this are adjusted as NEURON adjusts them (taue
    lowered below taui2, taui1 and taui2 swapped, near-equal ones moved apart), with a
    :class:`~connectome_sim.errors.ParameterAdjustedWarning` naming the change.  Positive
    weights are excitatory, negative inhibitory.  No refractory period.
    """

    name = "IntFire4"
    kind = "event"
    params = {"taue": positive(5.0, "ms", "excitatory current time constant"),
              "taui1": positive(10.0, "ms", "inhibitory rise time constant"),
              "taui2": positive(20.0, "ms", "inhibitory decay time constant"),
              "taum": positive(50.0, "ms", "membrane time constant")}
    states = {"e": State(0.0, "1", "excitatory current"),
              "i1": State(0.0, "1", "inhibitory current, first stage"),
              "i2": State(0.0, "1", "inhibitory current"),
              "m": State(0.0, "1", "membrane state"),
              "t0": State(0.0, "ms", "time of the last update")}
    channels = ("syn",)
    voltage = None
    supports_current = False
    receive = if4_receive
    observe = if4_observe
    doc_reference = "NEURON intfire4.mod"

    @classmethod
    def param_array(cls, n, props=None):
        P0 = super().param_array(n, props)
        out = np.empty((15, n))
        uniq, inv = np.unique(P0.T, axis=0, return_inverse=True)
        inv = np.asarray(inv).ravel()
        for u, row in enumerate(uniq):
            out[:, inv == u] = np.asarray(_if4_factors(*_if4_preconditions(*row)))[:, None]
        moved = (out[:4] != P0[:4]).any(axis=0)
        if moved.any():
            j = int(np.flatnonzero(moved)[0])
            names = ("taue", "taui1", "taui2", "taum")
            what = ", ".join(f"{names[r]} {P0[r, j]:g} -> {out[r, j]:g}" for r in range(4)
                             if out[r, j] != P0[r, j])
            _warn_adjusted("IntFire4", "taue < taui2 and taui1 < taui2, every two time "
                           f"constants >= {_TAUEPS:g} ms apart", int(moved.sum()), what + " ms")
        return out

    @classmethod
    def init_queue(cls, S, P):
        Q = super().init_queue(S, P)
        Q[0] = NEVER  # firetimebound() at rest
        Q[1] = 1.0
        return Q
