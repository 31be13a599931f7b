"""Mechanism kernels work on tiles of instances and aligned arrays: an instance's result
must not depend on its position in its block, on the block's length (tiles of TILE_
instances plus a shorter last one) or on where numpy put the arrays."""

from __future__ import annotations

import numpy as np
import pytest

from connectome_sim.engine import cable_abi
from connectome_sim.engine.cable_codegen import mechanism_address
from connectome_sim.mechanisms import HH, HHTable
from connectome_sim.mechanisms.examples import A_TYPE_K


def _states(mech, npad, v, steps=3, shift=0):
    """Rows 0..4 of the state (and dd, rhs) after INIT and ``steps`` STATES of ``npad``
    instances, every one at ``v`` (mV); the arrays start ``shift`` float64s past a cache
    line when shift > 0."""
    fn = cable_abi._entry(mechanism_address(mech))
    rows = int(mech.kernel_rows)

    def arr(*shape, dtype=np.float64):
        a = cable_abi.aligned_zeros((int(np.prod(shape)) + 8,), dtype)
        return a[shift:shift + int(np.prod(shape))].reshape(shape)

    v_ = arr(npad)
    v_[:] = v
    comp = arr(npad, dtype=np.uint32)
    comp[:] = np.arange(npad)
    npar = 7 if isinstance(mech, HH) else 3
    par = arr(npar, npad)
    par[0] = 1e-2
    par[1:] = (np.array([0.12, 0.036, 3e-4, -54.3, 50.0, -77.0]) if npar == 7
               else np.array([0.02, -77.0]))[:, None]
    st = arr(rows, npad)
    dd, rhs = arr(npad), arr(npad)
    glob = np.zeros(int(mech.kernel_globals))
    p = (lambda a: a.ctypes.data)
    fn(cable_abi.SETUP, 0, 0, npad, npad, p(v_), p(comp), p(par), p(v_), p(v_), p(v_), p(glob),
       0.025, 6.3)
    fn(cable_abi.INIT, npad, npad, npad, npad, p(v_), p(comp), p(par), p(st), p(dd), p(rhs),
       p(glob), 0.025, 6.3)
    v_[:] = v + 7.5   # the gates move
    for _ in range(steps):
        fn(cable_abi.STATES, npad, npad, npad, npad, p(v_), p(comp), p(par), p(st), p(dd),
           p(rhs), p(glob), 0.025, 6.3)
    return np.vstack([st[:5], dd, rhs])


@pytest.mark.parametrize("mech", [HH(), HHTable(), A_TYPE_K], ids=["hh", "hh tables",
                                                                   "user channel"])
def test_instances_do_not_depend_on_position_block_length_or_alignment(mech):
    ref = _states(mech, 32, -58.123456789)[:, 0]
    # 1632 = 12 tiles of 128 and one of 96; 352 = 2 x 128 + 96; 32 shorter than a tile
    for npad in (32, 352, 1632):
        for shift in (0, 1, 3):
            out = _states(mech, npad, -58.123456789, shift=shift)
            assert (out == ref[:, None]).all(), (npad, shift)
    # and the test can fail: a different v gives other bits
    assert not (_states(mech, 32, -58.0)[:, 0] == ref).all()


def test_aligned_zeros():
    for shape, dtype in (((5,), np.float64), ((3, 7), np.float64), ((9,), np.uint32)):
        a = cable_abi.aligned_zeros(shape, dtype)
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
        assert a.ctypes.data % cable_abi.ALIGN == 0 and not a.any()
