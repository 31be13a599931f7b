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

_HELPERS = ''

# Exact rates of hh.mod with three exponentials instead of six: exp(-(v+35)/10) and
# exp(-(v+55)/10) are exp(-(v+40)/10) times constants, exp(-(v+65)/20) = exp(-(v+65)/80)**4
# (identical up to rounding).  vtrap(x, y) = x / (exp(x/y) - 1), or y (1 - x/y/2) near 0.
_RATES = '''
e10_ = math.exp(-(v + 40.0) / 10.0)
e18_ = math.exp(-(v + 65.0) / 18.0)
e80_ = math.exp(-(v + 65.0) / 80.0)
e20_ = e80_ * e80_
e20_ = e20_ * e20_
x_ = -(v + 40.0) / 10.0
if abs(x_) < 1e-6:
    a_ = 0.1 * 10.0 * (1.0 - x_ / 2.0)
else:
    a_ = 0.1 * (-(v + 40.0)) / (e10_ - 1.0)
sm_ = a_ + 4.0 * e18_
minf = a_ / sm_
a_ = 0.07 * e20_
sh_ = a_ + 1.0 / (e10_ * 1.6487212707001282 + 1.0)
hinf = a_ / sh_
x_ = -(v + 55.0) / 10.0
if abs(x_) < 1e-6:
    a_ = 0.01 * 10.0 * (1.0 - x_ / 2.0)
else:
    a_ = 0.01 * (-(v + 55.0)) / (e10_ * 0.22313016014842982 - 1.0)
sn_ = a_ + 0.125 * e80_
ninf = a_ / sn_
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
                   # cnexp: x += (1 - exp(-dt/xtau)) (xinf - x), 1/xtau = q10 (alpha + beta)
                   + "m = m + (1.0 - math.exp(-dt * hh_q10 * sm_)) * (minf - m)\n"
                   + "h = h + (1.0 - math.exp(-dt * hh_q10 * sh_)) * (hinf - h)\n"
                   + "n = n + (1.0 - math.exp(-dt * hh_q10 * sn_)) * (ninf - n)\n")

    def linear(self, params):
        return params["gl"], params["gl"] * params["el"]
