"""hh_exp (the vectorisable exp of the hh gate updates) against math.exp."""

import math

import numpy as np

from connectome_sim.mechanisms.hh import _HELPERS


def _hh_exp():
    ns = {"math": math}
    exec(_HELPERS, ns)  # noqa: S102 - the mechanism's own helper source
    return ns["hh_exp"]


def test_hh_exp_within_two_ulp_of_libm():
    f = _hh_exp()
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(-30, 30, 20000), rng.uniform(-700, 700, 5000),
                         [0.0, -0.0, 1e-300, -1e-12, 0.5 * math.log(2), -0.5 * math.log(2)]])
    ours = np.array([f(float(x)) for x in xs])
    ref = np.exp(xs)
    ulp = np.abs(ours - ref) / np.spacing(ref)
    assert ulp.max() <= 2.0, xs[np.argmax(ulp)]
    assert np.mean(ours == ref) > 0.8  # mostly identical: rounding differences only


def test_hh_exp_special_values():
    f = _hh_exp()
    assert f(800.0) == math.inf and f(math.inf) == math.inf
    assert f(-800.0) == 0.0 and f(-math.inf) == 0.0
    assert math.isnan(f(math.nan))
    assert f(709.7) == math.exp(709.7) or abs(f(709.7) / math.exp(709.7) - 1) < 1e-15
