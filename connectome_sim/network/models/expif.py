"""Exponential integrate-and-fire neuron ``ExpIF`` (seed 004: BrainPy/brainmodels ExpIF).

``tau dV/dt = -(V - V_rest) + delta_T exp((V - V_T) / delta_T) + R I``; when V reaches
``V_th`` it is reset to ``V_reset`` and held there for ``tau_ref``.  Units follow the seed:
mV, ms; ``R`` is dimensionless by default (``R I`` in mV), so ``I`` of 10 means 10 mV of drive
(``amplitude=10`` in ``PointNetwork.add_current``, as ``inputs=10.`` in the seed).  With
``R`` in MΩ the current is in nA.  Integration: :mod:`._ifcore` (RK4 substeps, crossing
located within the substep).  Fourcaud-Trocmé et al. (2003) J Neurosci 23:11628.
"""

from __future__ import annotations

import numba

from .base import Param, PointModel, State, nonnegative, positive, register_model
from ._common import syn_params
from ._ifcore import EXPIF, if_prepare, if_step, if_step_all

__all__ = ["ExpIF"]


@numba.njit(cache=True)
def expif_step(i, t, dt, S, P, I, iext):
    """One network step of an ExpIF neuron (contract in ``base.py``)."""
    return if_step(EXPIF, i, dt, S, P, I, iext)



@numba.njit(cache=True)
def expif_step_all(lo, hi, t, dt, S, P, I, iext, out):
    """Neurons ``lo..hi-1`` at once (the engine's dense pass; contract in ``base.py``)."""
    return if_step_all(EXPIF, lo, hi, dt, S, P, I, iext, out)

@register_model
class ExpIF(PointModel):
    """Exponential integrate-and-fire neuron with seed 004's defaults (see module docstring)."""

    name = "ExpIF"
    params = {
        "V_rest": Param(-65.0, "mV", "resting potential"),
        "V_reset": Param(-68.0, "mV", "reset potential"),
        "V_th": Param(-30.0, "mV", "numerical spike threshold"),
        "V_T": Param(-59.9, "mV", "threshold of the exponential (rheobase potential)"),
        "delta_T": positive(3.48, "mV", "spike slope factor"),
        "R": Param(1.0, "MΩ (or 1)", "membrane resistance"),
        "tau": positive(10.0, "ms", "membrane time constant"),
        "tau_ref": nonnegative(1.7, "ms", "absolute refractory period (V held at V_reset)"),
        "max_substep": positive(0.1, "ms", "longest RK4 substep"),
        **syn_params(cond_syn=0.0, g_unit="µS (with R in MΩ)", i_unit="R·I units"),
    }
    states = {"v": State("V_rest", "mV", "membrane potential"),
              "w": State(0.0, "-", "unused (layout shared with AdEx)"),
              "ref_left": State(0.0, "ms", "refractory time left"),
              "g_e": State(0.0, "nA or µS", "excitatory synaptic variable"),
              "g_i": State(0.0, "nA or µS", "inhibitory synaptic variable")}
    channels = ("exc", "inh")
    exc_channel, inh_channel, stimulus_channel = "exc", "inh", "exc"
    weight_unit = "current units of I (cond_syn=0) or conductance (cond_syn=1)"
    refractory_param = "tau_ref"
    step = expif_step
    step_all = expif_step_all
    doc_reference = "Fourcaud-Trocmé et al. (2003) J Neurosci 23:11628; BrainPy ExpIF (seed 004)"

    @classmethod
    def prepare(cls, P, dt):
        return if_prepare(EXPIF, P, dt)

    @classmethod
    def check(cls, P, dt):
        from ...errors import ParameterError
        bad = P[1] >= P[2]
        if bad.any():
            raise ParameterError("ExpIF: V_reset must be below V_th for every neuron")
