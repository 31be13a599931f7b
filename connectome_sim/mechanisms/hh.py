"""Hodgkin–Huxley channels exactly as NEURON's ``hh.mod`` (squid axon, 6.3 °C).

Parameters (NEURON names and defaults): ``gnabar`` 0.12 S/cm², ``gkbar`` 0.036 S/cm², ``gl``
0.0003 S/cm², ``el`` -54.3 mV, and the ion reversals ``ena`` 50 mV, ``ek`` -77 mV (NEURON's
na_ion/k_ion defaults).  Rates are scaled by ``q10 = 3 ** ((celsius - 6.3) / 10)``; celsius is a
run parameter (default 6.3 °C as NEURON).  Gates follow the cnexp update
``m += (1 - exp(-dt/mtau)) (minf - m)`` evaluated with the voltage at the end of the step, as in
NEURON's fixed-step ``nonvint``.  Rates are computed exactly (NEURON with ``usetable_hh = 0``)
by default; :class:`HHTable` reproduces NEURON's default rate tables (``usetable_hh = 1``:
minf/mtau... tabulated at 1 mV steps from -100 to 100 mV, linearly interpolated, clamped at
the ends), selected with ``run_simulation(..., usetable_hh=True)``.
The leak part (gl, el) is constant and folded into the matrix constants.

The kernel (``connectome_sim/engine/templates/cable_hh.py.j2``) is the same for every model, so
it is compiled once per install.  Exact rates use three exponentials per step instead of six
and one division per gate (algebraic identities, equal up to rounding), and an exponential
that vectorises (:func:`connectome_sim.engine.cable_abi.vexp_`, within 1 ulp of the correctly
rounded exp).
"""

from __future__ import annotations

from .base import DensityMechanism

__all__ = ["HH", "HHTable"]


class HH(DensityMechanism):
    """NEURON ``hh`` (see module docstring for parameters and units); states m, h, n."""

    name = "hh"
    conductances = ("gnabar", "gkbar", "gl")
    defaults = {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003, "el": -54.3,
                "ena": 50.0, "ek": -77.0}
    state_names = ("m", "h", "n")
    kernel_template = "cable_hh.py.j2"
    kernel_rows = 12
    kernel_globals = 1
    table = False

    def kernel_context(self) -> dict:
        return {"table": self.table}

    def linear(self, params):
        return params["gl"], params["gl"] * params["el"]


class HHTable(HH):
    """NEURON ``hh`` with its default rate tables (``usetable_hh = 1``); same parameters.

    The table (6 columns of 201 points, computed from the exact rates at the run's
    temperature) is built once per run; the lookups run in one loop and the gate updates in
    another, which vectorises.
    """

    table = True
    kernel_globals = 1 + 202 * 6
