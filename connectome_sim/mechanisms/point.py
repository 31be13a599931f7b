"""Point processes with NEURON's parameters, defaults and semantics.

``IClamp``        del (ms), dur (ms), amp (nA); on while ``del <= t < del + dur`` where t is
                  the step midpoint (NEURON fixed step); positive amp depolarises.
``AlphaSynapse``  onset (ms), tau (ms), gmax (µS), e (mV);
                  ``g = gmax x exp(1 - x)``, ``x = (t - onset)/tau`` for 0 < x <= 10, else 0.
``ExpSyn``        tau (ms), e (mV); an event of weight w (µS) adds w to g, which decays with tau.
``Exp2Syn``       tau1, tau2 (ms), e (mV); ``g = B - A``, an event adds ``w * factor`` to A and
                  B, with NEURON's normalisation ``factor`` making the peak conductance equal w
                  (tau1/tau2 is clipped to [1e-9, 0.9999] as in exp2syn.mod).
Synaptic currents are ``i = g (v - e)`` (nA, positive outward) and enter the solver implicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from connectome_sim.errors import ParameterError

__all__ = ["IClamp", "AlphaSynapse", "ExpSyn", "Exp2Syn", "exp2syn_factor", "make_point"]


def exp2syn_factor(tau1: float, tau2: float) -> tuple[float, float, float]:
    """NEURON Exp2Syn normalisation factor (peak conductance = event weight).

    Parameters
    ----------
    tau1 : float
        Rise time constant (ms), > 0. Clipped to ``[1e-9, 0.9999] * tau2`` as in exp2syn.mod.
    tau2 : float
        Decay time constant (ms), > 0.

    Returns
    -------
    tuple of float
        ``(tau1_used, tau2, factor)``: the (possibly clipped) rise time constant (ms), the
        decay time constant (ms) and the dimensionless normalisation factor.

    Raises
    ------
    ParameterError
        If ``tau1`` or ``tau2`` is not > 0.
    """
    if tau1 <= 0 or tau2 <= 0:
        raise ParameterError(f"Exp2Syn needs tau1 > 0 and tau2 > 0 (ms), got {tau1}, {tau2}")
    if tau1 / tau2 > 0.9999:
        tau1 = 0.9999 * tau2
    if tau1 / tau2 < 1e-9:
        tau1 = tau2 * 1e-9
    tp = (tau1 * tau2) / (tau2 - tau1) * math.log(tau2 / tau1)
    factor = 1.0 / (-math.exp(-tp / tau1) + math.exp(-tp / tau2))
    return tau1, tau2, factor


class _Point:
    def __post_init__(self):
        for f in fields(self):
            val = getattr(self, f.name)
            if not isinstance(val, (int, float)) or not math.isfinite(val):
                raise ParameterError(f"{type(self).__name__}.{f.name} must be a finite number, "
                                     f"got {val!r}")
            setattr(self, f.name, float(val))


@dataclass
class IClamp(_Point):
    """Current pulse (NEURON's IClamp), on while ``delay <= t < delay + dur``.

    Parameters
    ----------
    delay : float
        Onset of the pulse (ms); NEURON's ``del``.
    dur : float
        Duration of the pulse (ms).
    amp : float
        Amplitude (nA); positive depolarises.
    """

    delay: float = 0.0
    dur: float = 0.0
    amp: float = 0.0


@dataclass
class AlphaSynapse(_Point):
    """Alpha-function conductance ``g = gmax x exp(1 - x)``, ``x = (t - onset)/tau``.

    Parameters
    ----------
    onset : float
        Start time of the conductance (ms).
    tau : float
        Time constant (ms), > 0; the conductance peaks at ``onset + tau``.
    gmax : float
        Peak conductance (µS).
    e : float
        Reversal potential (mV).
    """

    onset: float = 0.0
    tau: float = 0.1
    gmax: float = 0.0
    e: float = 0.0

    def __post_init__(self):
        super().__post_init__()
        if self.tau <= 0:
            raise ParameterError(f"AlphaSynapse.tau must be > 0 ms, got {self.tau}")


@dataclass
class ExpSyn(_Point):
    """Single-exponential event synapse (NEURON's ExpSyn).

    An event of weight w (µS) adds w to the conductance, which then decays with ``tau``.

    Parameters
    ----------
    tau : float
        Decay time constant (ms), > 0.
    e : float
        Reversal potential (mV).
    """

    tau: float = 0.1
    e: float = 0.0

    def kernel_params(self):
        """Kernel parameters ``(tau1, tau2, e, factor_A, factor_B)`` (ms, ms, mV, 1, 1).

        ExpSyn uses the two-state kernel with ``A`` never incremented, so ``g = B``.
        Raises :class:`ParameterError` if ``tau`` is not > 0 ms.
        """
        if self.tau <= 0:
            raise ParameterError(f"ExpSyn.tau must be > 0 ms, got {self.tau}")
        # A is never incremented (fA = 0); g = B decays with tau
        return (self.tau, self.tau, self.e, 0.0, 1.0)


@dataclass
class Exp2Syn(_Point):
    """Double-exponential event synapse (NEURON's Exp2Syn), ``g = B - A``.

    An event of weight w (µS) adds ``w * factor`` to A and B, so the peak conductance is w
    (see :func:`exp2syn_factor`).

    Parameters
    ----------
    tau1 : float
        Rise time constant (ms).
    tau2 : float
        Decay time constant (ms).
    e : float
        Reversal potential (mV).
    """

    tau1: float = 0.1
    tau2: float = 10.0
    e: float = 0.0

    def kernel_params(self):
        """Kernel parameters ``(tau1, tau2, e, factor, factor)`` (ms, ms, mV, 1, 1).

        ``tau1`` is clipped and the factor normalised as in :func:`exp2syn_factor`.
        """
        t1, t2, f = exp2syn_factor(self.tau1, self.tau2)
        return (t1, t2, self.e, f, f)


_KINDS = {"IClamp": IClamp, "AlphaSynapse": AlphaSynapse, "ExpSyn": ExpSyn, "Exp2Syn": Exp2Syn}


def make_point(kind: str, **params):
    """Build a point process by NEURON class name; unknown parameters raise ParameterError."""
    try:
        cls = _KINDS[kind]
    except KeyError:
        raise ParameterError(f"unknown point process {kind!r}; known: {sorted(_KINDS)}") from None
    valid = [f.name for f in fields(cls)]
    bad = sorted(set(params) - set(valid))
    if bad:
        raise ParameterError(f"unknown parameter(s) {bad} for {kind}; valid: {valid}")
    return cls(**params)
