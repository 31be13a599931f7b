"""Izhikevich (2003) simple model ``Izhikevich``.

``dv/dt = 0.04 v² + 5 v + 140 - u + I``, ``du/dt = a (b v - u)``; when ``v >= V_th`` (30 mV):
``v <- c``, ``u <- u + d``.  Defaults: regular spiking, a 0.02, b 0.2, c -65, d 8 (Izhikevich
2003, IEEE Trans Neural Netw 14:1569, Fig. 2 and its MATLAB code); v starts at -65 mV and
u at ``b v``.  Units: v in mV, t in ms; ``I`` in the model's dimensionless current units
(mV/ms), as in the paper (``amplitude=10`` is the paper's I = 10).  Integration:
:mod:`._ifcore` (RK4 substeps with the crossing located within a substep), not the paper's
two 0.5 ms Euler half-steps.
"""

from __future__ import annotations

import numba

from .base import Param, PointModel, State, nonnegative, positive, register_model
from ._common import syn_params
from ._ifcore import IZH, if_prepare, if_step, if_step_all

__all__ = ["Izhikevich"]


@numba.njit(cache=True)
def izh_step(i, t, dt, S, P, I, iext):
    """One network step of an Izhikevich neuron (contract in ``base.py``)."""
    return if_step(IZH, i, dt, S, P, I, iext)



@numba.njit(cache=True)
def izh_step_all(lo, hi, t, dt, S, P, I, iext, out):
    """Neurons ``lo..hi-1`` at once (the engine's dense pass; contract in ``base.py``)."""
    return if_step_all(IZH, lo, hi, dt, S, P, I, iext, out)

@register_model
class Izhikevich(PointModel):
    """Izhikevich (2003) neuron (see module docstring)."""

    name = "Izhikevich"
    params = {
        "a": Param(0.02, "1/ms", "recovery rate"),
        "b": Param(0.2, "1", "recovery sensitivity"),
        "c": Param(-65.0, "mV", "reset potential"),
        "d": Param(8.0, "mV/ms", "recovery increment at a spike"),
        "V_th": Param(30.0, "mV", "spike cut-off"),
        "tau_ref": nonnegative(0.0, "ms", "absolute refractory period"),
        "max_substep": positive(0.1, "ms", "longest RK4 substep"),
        **syn_params(cond_syn=0.0, g_unit="1/ms", i_unit="mV/ms"),
    }
    states = {"v": State(-65.0, "mV", "membrane potential"),
              "u": State(0.0, "mV/ms", "recovery variable (starts at b v)"),
              "ref_left": State(0.0, "ms", "refractory time left"),
              "g_e": State(0.0, "mV/ms", "excitatory synaptic variable"),
              "g_i": State(0.0, "mV/ms", "inhibitory synaptic variable")}
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    weight_unit = "mV/ms (cond_syn=0) or 1/ms (cond_syn=1)"
    refractory_param = "tau_ref"
    step = izh_step
    step_all = izh_step_all
    doc_reference = "Izhikevich (2003) IEEE Trans Neural Netw 14:1569"

    @classmethod
    def prepare(cls, P, dt):
        return if_prepare(IZH, P, dt)

    @classmethod
    def init_state(cls, P, v_init=None):
        S = super().init_state(P, v_init)
        S[1] = P[1] * S[0]
        return S
