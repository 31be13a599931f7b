"""Adaptive exponential integrate-and-fire neuron ``AdEx`` (Brette & Gerstner 2005).

Written in BrainPy's ``AdExIF`` form and with its defaults (V_rest -65, V_reset -68, V_th -30,
V_T -59.9, delta_T 3.48, a 1, b 1, tau 10, tau_w 30, tau_ref 0, R 1)::

    tau   dV/dt = -(V - V_rest) + delta_T exp((V - V_T)/delta_T) - R w + R I
    tau_w dw/dt = a (V - V_rest) - w
    V >= V_th:  V <- V_reset,  w <- w + b   (V held for tau_ref; w keeps relaxing)

Units: mV, ms; with R dimensionless I and w are in mV-equivalents (BrainPy's convention).
Brette & Gerstner's own parameter set (C 281 pF, g_L 30 nS, E_L -70.6 mV, V_T -50.4 mV,
delta_T 2 mV, tau_w 144 ms, a 4 nS, b 80.5 pA) is :meth:`AdEx.brette_gerstner_2005` in this
form (R = 1/g_L = 33.33 MΩ, tau = C/g_L = 9.367 ms, a in µS, b and I in nA).
Brette R, Gerstner W (2005) J Neurophysiol 94:3637.  Integration: :mod:`._ifcore`.
"""

from __future__ import annotations

import numba

from .base import Param, PointModel, State, nonnegative, positive, register_model
from ._common import syn_params
from ._ifcore import ADEX, if_prepare, if_step, if_step_all

__all__ = ["AdEx"]


@numba.njit(cache=True)
def adex_step(i, t, dt, S, P, I, iext):
    """One network step of an AdEx neuron (contract in ``base.py``)."""
    return if_step(ADEX, i, dt, S, P, I, iext)



@numba.njit(cache=True)
def adex_step_all(lo, hi, t, dt, S, P, I, iext, out):
    """Neurons ``lo..hi-1`` at once (the engine's dense pass; contract in ``base.py``)."""
    return if_step_all(ADEX, lo, hi, dt, S, P, I, iext, out)

@register_model
class AdEx(PointModel):
    """Adaptive exponential integrate-and-fire neuron (see module docstring)."""

    name = "AdEx"
    params = {
        "V_rest": Param(-65.0, "mV", "resting potential"),
        "V_reset": Param(-68.0, "mV", "reset potential"),
        "V_th": Param(-30.0, "mV", "numerical spike threshold"),
        "V_T": Param(-59.9, "mV", "threshold of the exponential"),
        "delta_T": positive(3.48, "mV", "spike slope factor"),
        "R": Param(1.0, "MΩ (or 1)", "membrane resistance"),
        "tau": positive(10.0, "ms", "membrane time constant"),
        "tau_ref": nonnegative(0.0, "ms", "absolute refractory period"),
        "max_substep": positive(0.1, "ms", "longest RK4 substep"),
        "a": Param(1.0, "µS (or 1)", "subthreshold adaptation coupling"),
        "b": Param(1.0, "nA (or mV/R)", "spike-triggered adaptation increment"),
        "tau_w": positive(30.0, "ms", "adaptation time constant"),
        **syn_params(cond_syn=0.0, g_unit="µS (with R in MΩ)", i_unit="R·I units"),
    }
    states = {"v": State("V_rest", "mV", "membrane potential"),
              "w": State(0.0, "nA (or mV/R)", "adaptation current"),
              "ref_left": State(0.0, "ms", "refractory time left"),
              "g_e": State(0.0, "nA or µS", "excitatory synaptic variable"),
              "g_i": State(0.0, "nA or µS", "inhibitory synaptic variable")}
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    weight_unit = "current units of I (cond_syn=0) or conductance (cond_syn=1)"
    refractory_param = "tau_ref"
    step = adex_step
    step_all = adex_step_all
    doc_reference = "Brette & Gerstner (2005) J Neurophysiol 94:3637; BrainPy AdExIF"

    @classmethod
    def prepare(cls, P, dt):
        return if_prepare(ADEX, P, dt)

    @staticmethod
    def brette_gerstner_2005() -> dict:
        """Brette & Gerstner (2005) Fig. 1 parameters in this model's form (nA, µS, MΩ)."""
        gL, C = 0.030, 0.281                     # µS, nF
        return {"V_rest": -70.6, "V_reset": -70.6, "V_T": -50.4, "delta_T": 2.0,
                "V_th": -40.4, "R": 1.0 / gL, "tau": C / gL * 1.0, "tau_w": 144.0,
                "a": 0.004, "b": 0.0805, "tau_ref": 0.0}

    @classmethod
    def check(cls, P, dt):
        from ...errors import ParameterError
        if (P[1] >= P[2]).any():
            raise ParameterError("AdEx: V_reset must be below V_th for every neuron")
