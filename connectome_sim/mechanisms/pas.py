"""NEURON's ``pas`` leak: ``i = g (v - e)`` with g in S/cm² and e in mV (defaults 0.001, -70)."""

from __future__ import annotations

from .base import DensityMechanism

__all__ = ["Pas"]


class Pas(DensityMechanism):
    """Passive leak, NEURON ``pas``: g (S/cm², default 0.001), e (mV, default -70).

    Linear with constant conductance, so it is folded into the constant matrix terms and costs
    nothing per time step.
    """

    name = "pas"
    defaults = {"g": 0.001, "e": -70.0}
    conductances = ("g",)
    folded = True

    def linear(self, params):
        return params["g"], params["g"] * params["e"]
