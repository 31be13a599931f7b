"""The Hines set-up in numpy (depth, level order, quiet factorisation) against the sequential
loops it replaces, written out here in plain Python: the same bits, not merely close."""

from __future__ import annotations

import numpy as np
import pytest

from connectome_sim.engine.cable_solver import depth, factor_tree, level_order


def _forest(rng, n, reach):
    par = np.array([-1] + [int(rng.integers(max(0, i - reach), i)) for i in range(1, n)])
    par[rng.random(n) < 0.03] = -1
    return par


def _factor_loop(parent, gax, dbase, hot_seeds, dyn_seeds):
    """The sequential elimination (parent[i] < i), one compartment at a time."""
    n = len(parent)
    hot, dyn = np.zeros(n, bool), np.zeros(n, bool)
    hot[hot_seeds] = True
    dyn[dyn_seeds] = True
    for i in range(n - 1, -1, -1):
        if parent[i] >= 0:
            hot[parent[i]] |= hot[i]
            dyn[parent[i]] |= dyn[i]
    d = [float(x) for x in dbase]
    fstat, invd = [0.0] * n, [0.0] * n
    for i in range(n - 1, -1, -1):
        iv = 1.0 / d[i]
        invd[i] = iv
        p = parent[i]
        if p >= 0:
            f = float(gax[i]) * iv
            fstat[i] = f
            d[p] -= f * float(gax[i])
    return hot, dyn & ~hot, np.array(d), np.array(fstat), np.array(invd)


@pytest.mark.parametrize("seed", range(12))
def test_factor_tree_gives_the_bits_of_the_sequential_loop(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    par = _forest(rng, n, 3 if seed % 2 else n)
    gax = rng.random(n) * 10.0 ** rng.uniform(-3, 3, n)
    dbase = 3.0 * gax + rng.random(n)
    hs = rng.choice(n, int(rng.integers(0, n)))
    ds = rng.choice(n, int(rng.integers(0, n)))
    got = factor_tree(par, gax, dbase, hs, ds)
    want = _factor_loop(par, gax, dbase, hs, ds)
    for g, w in zip(got, want):
        assert g.tobytes() == w.astype(g.dtype).tobytes()


@pytest.mark.parametrize("seed", range(6))
def test_depth_and_level_order(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 500))
    par = _forest(rng, n, 2 if seed % 2 else n)
    want = np.zeros(n, np.int64)
    for i in range(n):
        want[i] = want[par[i]] + 1 if par[i] >= 0 else 0
    np.testing.assert_array_equal(depth(par), want)
    order = level_order(par)
    assert sorted(order.tolist()) == list(range(n))
    # by depth, ties in the given order
    assert [(want[k], k) for k in order] == sorted((want[k], k) for k in range(n))
