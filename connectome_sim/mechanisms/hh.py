"""Hodgkin–Huxley channels exactly as NEURON's ``hh.mod`` (squid axon, 6.3 °C).

Parameters (NEURON names and defaults): ``gnabar`` 0.12 S/cm², ``gkbar`` 0.036 S/cm², ``gl``
0.0003 S/cm², ``el`` -54.3 mV, and the ion reversals ``ena`` 50 mV, ``ek`` -77 mV (NEURON's
na_ion/k_ion defaults).  Rates are scaled by ``q10 = 3 ** ((celsius - 6.3) / 10)``; celsius is a
run parameter (default 6.3 °C as NEURON).  Gates follow the cnexp update
``m += (1 - exp(-dt/mtau)) (minf - m)`` evaluated with the voltage at the end of the step, as in
NEURON's fixed-step ``nonvint``.  Rates are computed exactly (NEURON with ``usetable_hh = 0``).
The leak part (gl, el) is constant and folded into the matrix constants.
"""

from __future__ import annotations

from .base import DensityMechanism

__all__ = ["HH"]

_HELPERS = '''
@njit(cache=True, inline="always")
def hh_vtrap(x, y):
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)
'''

_RATES = '''
a_ = 0.1 * hh_vtrap(-(v + 40.0), 10.0)
b_ = 4.0 * math.exp(-(v + 65.0) / 18.0)
s_ = a_ + b_
minf = a_ / s_
mtau = 1.0 / (hh_q10 * s_)
a_ = 0.07 * math.exp(-(v + 65.0) / 20.0)
b_ = 1.0 / (math.exp(-(v + 35.0) / 10.0) + 1.0)
s_ = a_ + b_
hinf = a_ / s_
htau = 1.0 / (hh_q10 * s_)
a_ = 0.01 * hh_vtrap(-(v + 55.0), 10.0)
b_ = 0.125 * math.exp(-(v + 65.0) / 80.0)
s_ = a_ + b_
ninf = a_ / s_
ntau = 1.0 / (hh_q10 * s_)
'''


class HH(DensityMechanism):
    """NEURON ``hh`` (see module docstring for parameters and units); states m, h, n."""

    name = "hh"
    defaults = {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003, "el": -54.3,
                "ena": 50.0, "ek": -77.0}
    state_names = ("m", "h", "n")
    helpers = _HELPERS
    prelude = "hh_q10 = 3.0 ** ((celsius - 6.3) / 10.0)\n"
    code_init = _RATES + "m = minf\nh = hinf\nn = ninf\n"
    code_current = ('gna_ = gnabar * m * m * m * h\n'
                    'gk_ = gkbar * n * n * n * n\n'
                    'g_ = gna_ + gk_\n'
                    'ge_ = gna_ * ena + gk_ * ek\n')
    code_states = (_RATES
                   + "m = m + (1.0 - math.exp(-dt / mtau)) * (minf - m)\n"
                   + "h = h + (1.0 - math.exp(-dt / htau)) * (hinf - h)\n"
                   + "n = n + (1.0 - math.exp(-dt / ntau)) * (ninf - n)\n")

    def linear(self, params):
        return params["gl"], params["gl"] * params["el"]
