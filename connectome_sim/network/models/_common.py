"""Helpers shared by H5's point models (conductance-based, ExpIF, AdEx, Izhikevich).

Synapses
--------
Every model here has two input channels, ``'exc'`` and ``'inh'`` (positive edge weights go to
``exc``, negative to ``inh``), each feeding an exponentially decaying synaptic variable
(``g_e``, ``g_i``; time constants ``tau_e``, ``tau_i``, ms).  The parameter ``cond_syn``
chooses per neuron how they act on the membrane:

* ``cond_syn = 0`` (current-based): ``I_syn = g_e + g_i`` in the model's current unit; an
  inhibitory (negative) weight makes ``g_i`` negative.
* ``cond_syn = 1`` (conductance-based): ``I_syn = g_e (E_e - V) + g_i (E_i - V)``, weights are
  conductances in the model's conductance unit and ``abs(w)`` is used on the ``inh`` channel.

Input arriving during a step is added to ``g`` at the start of the step; ``g`` decays exactly
(``exp(-dt / tau)``) and is held constant within each integration substep.

Integration
-----------
Classical RK4 on ``n_sub = ceil(dt / max_substep)`` equal substeps per network step, the
external current ``iext`` held constant over the step.  The integrate-and-fire models locate
the threshold crossing inside a substep by linear interpolation, reset there, sit out the
refractory period exactly (it may end inside a substep) and integrate the rest of the substep.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import Param

__all__ = ["syn_params", "substeps", "syn_add", "syn_current"]


def syn_params(tau_e=5.0, tau_i=10.0, E_e=0.0, E_i=-80.0, cond_syn=0.0, g_unit="µS",
               i_unit="nA") -> dict:
    """The five synapse parameters every model here ends with (see module docstring)."""
    return {
        "tau_e": Param(tau_e, "ms", "decay time constant of the excitatory synaptic variable",
                       low=0.0, strict=True),
        "tau_i": Param(tau_i, "ms", "decay time constant of the inhibitory synaptic variable",
                       low=0.0, strict=True),
        "E_e": Param(E_e, "mV", "excitatory reversal potential (cond_syn = 1)"),
        "E_i": Param(E_i, "mV", "inhibitory reversal potential (cond_syn = 1)"),
        "cond_syn": Param(cond_syn, "1",
                          f"0: current-based synapses (weights in {i_unit}); "
                          f"1: conductance-based (weights in {g_unit})", choices=(0.0, 1.0)),
    }


@numba.njit(cache=True, inline="always")
def substeps(dt, max_sub):
    """Number of equal RK4 substeps so that each is <= max_sub (ms)."""
    n = int(math.ceil(dt / max_sub - 1e-9))
    return n if n > 1 else 1


@numba.njit(cache=True, inline="always")
def syn_add(ge, gi, I, i, cond):
    """Add this step's arrived weights (channels 0 = exc, 1 = inh) to ge, gi."""
    ge += I[0, i]
    if cond > 0.5:
        gi += abs(I[1, i])
    else:
        gi += I[1, i]
    return ge, gi


@numba.njit(cache=True, inline="always")
def syn_current(V, ge, gi, Ee, Ei, cond):
    """Synaptic current for membrane potential V (model's current unit)."""
    if cond > 0.5:
        return ge * (Ee - V) + gi * (Ei - V)
    return ge + gi
