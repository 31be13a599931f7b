"""Units and the depth-first order read without pint and scipy give what pint and scipy give."""

from __future__ import annotations

import numpy as np
import pint
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import depth_first_order

from connectome_sim.errors import UnitsError
from connectome_sim.morphology.skeleton import _UNITS, _preorder, _units_scale

_UREG = pint.UnitRegistry()


@pytest.mark.parametrize("unit", sorted(_UNITS))
@pytest.mark.parametrize("number", ["1", "1.0", "8", "2.5", "0.333", "12.", "1000", "3.3"])
def test_number_and_unit_as_pint_reads_them(number, unit):
    text = f"{number} {unit}"
    assert _units_scale(text) == float(_UREG(text).to("micrometer").magnitude)


@pytest.mark.parametrize("text", ["1.0 Micrometer", "8 parsecs per", "eight nm", "1 nm nm"])
def test_units_pint_refuses_are_refused(text):
    with pytest.raises(UnitsError, match="Unknown units"):
        _units_scale(text)


def _scipy_preorder(parent, root):
    n = len(parent)
    ch = np.flatnonzero(parent >= 0)
    g = sp.csr_matrix((np.ones(len(ch)), (parent[ch], ch)), shape=(n, n))
    return np.asarray(depth_first_order(g, int(root), directed=True,
                                        return_predecessors=False), np.int64)


@pytest.mark.parametrize("seed", range(20))
def test_preorder_is_scipys_depth_first_order(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    par = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)])
    if seed % 3 == 0:
        par[rng.random(n) < 0.05] = -1                  # a forest
    perm = rng.permutation(n)                            # in any node order
    inv = np.argsort(perm)
    par = np.where(par[inv] >= 0, perm[np.maximum(par[inv], 0)], -1)
    root = int(rng.integers(0, n)) if seed % 2 else int(perm[0])
    np.testing.assert_array_equal(_preorder(par, root), _scipy_preorder(par, root))
