"""Static parts of the Hines solve, computed once per run (numba).

Compartments whose subtree (itself and all descendants) carries no time-varying conductance
have constant elimination factors: they are factorised once here and the kernel only
eliminates the right-hand side through them.  Units: µS (conductances), nF/ms = µS.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["dynamic_mask", "prefactor"]


@njit(cache=True)
def dynamic_mask(parent, seeds):
    """Boolean mask of compartments in ``seeds`` or with a seed in their subtree."""
    n = parent.shape[0]
    dyn = np.zeros(n, dtype=np.bool_)
    for k in range(seeds.shape[0]):
        dyn[seeds[k]] = True
    for i in range(n - 1, -1, -1):
        p = parent[i]
        if dyn[i] and p >= 0:
            dyn[p] = True
    return dyn


@njit(cache=True)
def prefactor(parent, gax, dbase, dyn):
    """Return ``(dstat, fstat, invd)``.

    ``dstat[i]`` is ``dbase[i]`` minus the eliminated contributions of i's static children;
    for static i, ``fstat[i] = gax[i] / d_final[i]`` and ``invd[i] = 1 / d_final[i]``.
    """
    n = parent.shape[0]
    dstat = dbase.copy()
    fstat = np.zeros(n)
    invd = np.zeros(n)
    for i in range(n - 1, -1, -1):
        if not dyn[i]:
            iv = 1.0 / dstat[i]
            invd[i] = iv
            p = parent[i]
            if p >= 0:
                f = gax[i] * iv
                fstat[i] = f
                dstat[p] -= f * gax[i]
    return dstat, fstat, invd
