"""The exponential of the mechanism kernels (cable_abi.vexp_ and its eight-lane form
vexp_range_) against the correctly rounded exp (mpmath, 50 digits) and its special values."""

import math

import mpmath
import numpy as np
import pytest
from numba import njit

from connectome_sim.engine.cable_abi import vexp_, vexp_range_


@njit(cache=False, fastmath={"contract"})
def _scalar(xs):
    out = np.empty_like(xs)
    for i in range(xs.shape[0]):
        out[i] = vexp_(xs[i])
    return out


@njit(cache=False, fastmath={"contract"})
def _lanes(xs):
    out = xs.copy()
    vexp_range_(out, 0, out.shape[0])
    return out


def _sample():
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(-30, 30, 12000), rng.uniform(-708.39, 709.78, 4000),
                         [0.0, -0.0, 1e-300, -1e-12, 0.5 * math.log(2), -0.5 * math.log(2),
                          709.78, -708.39, 1.0, -1.0]])
    return xs[:len(xs) // 8 * 8]


def test_within_one_ulp_of_correctly_rounded_exp():
    mpmath.mp.dps = 50
    xs = _sample()
    ref = np.array([float(mpmath.exp(mpmath.mpf(float(x)))) for x in xs])
    for ours in (_scalar(xs), _lanes(xs)):
        ulp = np.abs(ours - ref) / np.spacing(ref)
        assert ulp.max() <= 1.0, xs[np.argmax(ulp)]
        assert np.mean(ours == ref) > 0.85  # mostly the correctly rounded value itself


def test_eight_lanes_give_the_bits_of_the_scalar_function():
    # (both compiled with FMA contraction, as every kernel is)
    xs = _sample()
    np.testing.assert_array_equal(_lanes(xs), _scalar(xs))


@pytest.mark.parametrize("f", [_scalar, _lanes])
def test_special_values(f):
    xs = np.array([800.0, math.inf, -800.0, -math.inf, math.nan, -745.0, 709.79, 0.0])
    out = f(xs)
    assert out[0] == math.inf and out[1] == math.inf
    assert out[2] == 0.0 and out[3] == 0.0
    assert math.isnan(out[4])
    assert out[5] == math.exp(-745.0)  # the smallest subnormal, as libm
    assert out[6] == math.inf and out[7] == 1.0
