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
"""

from __future__ import annotations

from .base import DensityMechanism

__all__ = ["HH", "HHTable"]

# exp for the per-step gate updates: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, a
# degree-13 Taylor polynomial (truncation < 1e-17 relative) and 2**k as two exact powers of
# two built from their exponent bits (k1 + k2 = k, both within the normal range for the
# clamped |x| <= 750), so the instance loop has no libm call and no table gather and LLVM
# vectorises it (about 5x faster than math.exp per call here).  Within 2 ulp of math.exp for
# |x| < 708 (most results identical, the rest differ by rounding only); overflows to inf /
# underflows to 0 like exp; NaN passes through.
# Used only in the time loop; initialisation and rate tables use math.exp.
_HELPERS = """
from numba import njit as _hh_njit
from numba.extending import intrinsic as _hh_intrinsic
from numba.core import types as _hh_types
from llvmlite import ir as _hh_ir


@_hh_intrinsic
def _hh_pow2(typingctx, k):
    # 2.0 ** k for an int64 k in [-1022, 1023]: the exponent field (k + 1023) << 52
    def codegen(context, builder, signature, args):
        i64 = _hh_ir.IntType(64)
        bits = builder.shl(builder.add(args[0], _hh_ir.Constant(i64, 1023)),
                           _hh_ir.Constant(i64, 52))
        return builder.bitcast(bits, _hh_ir.DoubleType())
    return _hh_types.float64(_hh_types.int64), codegen


@_hh_njit(inline='always', fastmath={'contract'})
def hh_exp(x):
    if x != x:
        return x
    x = min(max(x, -750.0), 750.0)
    k = math.floor(x * 1.4426950408889634 + 0.5)
    r = x - k * 0.6931471803691238
    r = r - k * 1.9082149292705877e-10
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    ki = int(k)
    k1 = ki >> 1
    return (p * _hh_pow2(k1)) * _hh_pow2(ki - k1)
"""

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
    code_states = (_RATES.replace("math.exp", "hh_exp")
                   # cnexp: x += (1 - exp(-dt/xtau)) (xinf - x), 1/xtau = q10 (alpha + beta)
                   + "m = m + (1.0 - hh_exp(-dt * hh_q10 * sm_)) * (minf - m)\n"
                   + "h = h + (1.0 - hh_exp(-dt * hh_q10 * sh_)) * (hinf - h)\n"
                   + "n = n + (1.0 - hh_exp(-dt * hh_q10 * sn_)) * (ninf - n)\n")

    def linear(self, params):
        return params["gl"], params["gl"] * params["el"]


def _indent(src, n):
    return "".join(" " * n + line + "\n" for line in src.strip("\n").splitlines())


_TABLE_PRELUDE = ("hh_q10 = 3.0 ** ((celsius - 6.3) / 10.0)\n"
                  "hh_tab = np.empty((202, 6))\n"
                  "for hh_k in range(201):\n"
                  "    v = -100.0 + hh_k\n"
                  + _indent(_RATES, 4)
                  + "    hh_tab[hh_k, 0] = minf\n"
                  "    hh_tab[hh_k, 1] = 1.0 / (hh_q10 * sm_)\n"
                  "    hh_tab[hh_k, 2] = hinf\n"
                  "    hh_tab[hh_k, 3] = 1.0 / (hh_q10 * sh_)\n"
                  "    hh_tab[hh_k, 4] = ninf\n"
                  "    hh_tab[hh_k, 5] = 1.0 / (hh_q10 * sn_)\n"
                  "for hh_k in range(6):\n"
                  "    hh_tab[201, hh_k] = hh_tab[200, hh_k]\n")

_LOOKUP = """
xi_ = v + 100.0
if xi_ > 0.0 and xi_ < 200.0:
    k_ = int(xi_)
    th_ = xi_ - k_
elif xi_ >= 200.0:
    k_ = 200
    th_ = 0.0
else:
    k_ = 0
    th_ = 0.0
minf = hh_tab[k_, 0] + th_ * (hh_tab[k_ + 1, 0] - hh_tab[k_, 0])
mtau = hh_tab[k_, 1] + th_ * (hh_tab[k_ + 1, 1] - hh_tab[k_, 1])
hinf = hh_tab[k_, 2] + th_ * (hh_tab[k_ + 1, 2] - hh_tab[k_, 2])
htau = hh_tab[k_, 3] + th_ * (hh_tab[k_ + 1, 3] - hh_tab[k_, 3])
ninf = hh_tab[k_, 4] + th_ * (hh_tab[k_ + 1, 4] - hh_tab[k_, 4])
ntau = hh_tab[k_, 5] + th_ * (hh_tab[k_ + 1, 5] - hh_tab[k_, 5])
"""


_TABLE_UPDATE = ("m = m + (1.0 - hh_exp(-dt / mtau)) * (minf - m)\n"
                 "h = h + (1.0 - hh_exp(-dt / htau)) * (hinf - h)\n"
                 "n = n + (1.0 - hh_exp(-dt / ntau)) * (ninf - n)\n")


class HHTable(HH):
    """NEURON ``hh`` with its default rate tables (``usetable_hh = 1``); same parameters.

    The cable kernel runs the table lookups and the gate updates in two loops
    (``stage_names``, see :func:`connectome_sim.engine.cable_codegen._staged_loops`) so
    that the update loop vectorises; ``code_states`` is the same computation in one loop.
    """

    prelude = _TABLE_PRELUDE
    code_init = _LOOKUP + "m = minf\nh = hinf\nn = ninf\n"
    code_states = _LOOKUP + _TABLE_UPDATE
    stage_names = ("minf", "mtau", "hinf", "htau", "ninf", "ntau")
    code_stage = _LOOKUP
    code_states_staged = _TABLE_UPDATE
