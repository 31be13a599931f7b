"""Current dipole moments and extracellular potentials from compartment currents.

Membrane currents
-----------------
The transmembrane current of compartment *i* (nA, outward positive; capacitive + ionic +
synaptic, i.e. NEURON's ``i_membrane_``) follows from the voltages by current conservation:

    I_m[i] = sum_j g_ij (V_j - V_i) + I_inj[i]

where the sum runs over the compartments *j* axially connected to *i* (g_ij = 1 / r_ij, µS, the
axial conductance of the link) and ``I_inj`` is the current injected by electrodes (IClamp) at
*i*.  Electrode currents are **not** membrane currents (they come through a pipette), so they
are not sources for the extracellular field; with them the currents of a cell do not sum to
zero.  Written as a matrix, ``I_m = -L V + I_inj`` with ``L`` the weighted graph Laplacian of
the tree (:func:`axial_laplacian`).

Current dipole moment
---------------------
``P(t) = sum_i I_m[i](t) * r_i`` in nA·µm, with ``r_i`` the midpoint of compartment *i*'s
segment (``(seg_start + seg_end) / 2``), the convention of LFPykit's ``CurrentDipoleMoment``.
When the membrane currents sum to zero (no electrode) this equals the sum over axial links of
the axial current times the link's displacement, ``sum_links I_ax (r_child - r_parent)``, which is
HNN-core's definition (its ``dipole.mod`` sums axial currents times their extent along the
apical axis).  The sign convention is therefore HNN-core's: **positive when intracellular
current flows towards +z** (towards the pial surface for a pyramidal cell oriented along +z);
inward synaptic current at the distal end of a +z dendrite gives a negative P_z.  HNN-core
reports nA·m after scaling (1 nA·µm = 1e-6 nA·m); we report nA·µm, unscaled.

Because ``P = M (-L V + I_inj)`` is linear in V, :func:`dipole_operator` returns the 3 x n
matrix ``-M L`` so the dipole can be accumulated during a run without storing all currents.

Extracellular potential
-----------------------
:func:`lfp_operator` builds LFPykit's ``LineSourcePotential`` matrix (mV per nA) for the
segments of non-zero length and ``PointSourcePotential`` for zero-length junction
compartments (which carry current only when a point process sits on them), in an infinite
homogeneous medium of conductivity ``sigma`` (S/m).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from connectome_sim.errors import ParameterError

__all__ = ["axial_laplacian", "membrane_currents", "dipole_operator", "dipole_from_currents",
           "lfp_operator", "lfpykit_cell"]


def axial_laplacian(parent: np.ndarray, g_axial: np.ndarray, extra_links=None) -> sp.csr_matrix:
    """Weighted Laplacian ``L`` (µS) of the axial network: ``(L V)_i = sum_j g_ij (V_i - V_j)``.

    Parameters
    ----------
    parent : int array (n,)
        Parent compartment (-1 for roots).  A forest (several cells) is allowed.
    g_axial : float array (n,)
        Conductance of the link to the parent (µS); ignored for roots.
    extra_links : tuple of arrays (a, b, g), optional
        Additional links (e.g. gap junctions) between compartments a and b with conductance g (µS).
    """
    parent = np.asarray(parent, dtype=np.int64)
    g = np.asarray(g_axial, dtype=np.float64)
    child = np.flatnonzero(parent >= 0)
    a, b, w = child, parent[child], g[child]
    if extra_links is not None:
        ea, eb, eg = (np.asarray(x) for x in extra_links)
        a, b, w = np.concatenate([a, ea]), np.concatenate([b, eb]), np.concatenate([w, eg])
    n = len(parent)
    off = sp.coo_matrix((np.concatenate([-w, -w]), (np.concatenate([a, b]), np.concatenate([b, a]))),
                        shape=(n, n))
    diag = np.bincount(a, w, minlength=n) + np.bincount(b, w, minlength=n)
    return (off + sp.diags(diag)).tocsr()


def membrane_currents(v: np.ndarray, laplacian: sp.spmatrix, i_inj: np.ndarray | None = None) -> np.ndarray:
    """Transmembrane currents (nA) from voltages (mV): ``I_m = -L V + I_inj``.

    Parameters
    ----------
    v : array (n_comp, n_t)
        Voltages of every compartment (mV).
    laplacian : sparse (n_comp, n_comp)
        :func:`axial_laplacian` (µS).
    i_inj : array (n_comp, n_t) or (n_comp,), optional
        Electrode current injected into each compartment (nA, positive = depolarising).
    """
    im = -(laplacian @ np.asarray(v, dtype=np.float64))
    if i_inj is not None:
        i_inj = np.asarray(i_inj, dtype=np.float64)
        im = im + (i_inj if i_inj.ndim == im.ndim else i_inj.reshape(-1, *([1] * (im.ndim - 1))))
    return im


def _midpoints(seg_start, seg_end) -> np.ndarray:
    return 0.5 * (np.asarray(seg_start, dtype=np.float64) + np.asarray(seg_end, dtype=np.float64))


def dipole_operator(seg_start: np.ndarray, seg_end: np.ndarray, laplacian: sp.spmatrix) -> np.ndarray:
    """Dense 3 x n matrix ``D`` with ``P = D V + M I_inj`` (nA·µm per mV).

    Parameters
    ----------
    seg_start, seg_end : arrays (n, 3)
        Segment end points (µm).
    laplacian : sparse (n, n)
        Axial Laplacian (µS) (include gap junctions if the cells are coupled; a gap junction
        current is not a membrane current).
    """
    m = _midpoints(seg_start, seg_end).T  # (3, n)
    return -np.asarray((laplacian.T @ m.T).T)


def dipole_from_currents(imem: np.ndarray, seg_start: np.ndarray, seg_end: np.ndarray) -> np.ndarray:
    """Current dipole moment (nA·µm), shape (3, n_t), from membrane currents (nA, (n, n_t))."""
    return _midpoints(seg_start, seg_end).T @ np.asarray(imem, dtype=np.float64)


def lfpykit_cell(seg_start: np.ndarray, seg_end: np.ndarray, diam: np.ndarray):
    """LFPykit ``CellGeometry`` of the segments (µm)."""
    from lfpykit import CellGeometry

    s = np.asarray(seg_start, dtype=np.float64)
    e = np.asarray(seg_end, dtype=np.float64)
    return CellGeometry(x=np.c_[s[:, 0], e[:, 0]], y=np.c_[s[:, 1], e[:, 1]],
                        z=np.c_[s[:, 2], e[:, 2]], d=np.asarray(diam, dtype=np.float64))


def lfp_operator(seg_start: np.ndarray, seg_end: np.ndarray, diam: np.ndarray,
                 electrodes: np.ndarray, sigma: float = 0.3) -> np.ndarray:
    """Matrix (n_electrodes, n_comp) mapping membrane currents (nA) to potentials (mV).

    Parameters
    ----------
    seg_start, seg_end : arrays (n, 3)
        Segment end points (µm).
    diam : array (n,)
        Segment diameters (µm); LFPykit uses the radius as the minimal electrode distance.
    electrodes : array (n_el, 3)
        Electrode positions (µm).
    sigma : float
        Extracellular conductivity (S/m).
    """
    from lfpykit import LineSourcePotential, PointSourcePotential

    if sigma <= 0:
        raise ParameterError(f"sigma must be > 0 S/m, got {sigma}")
    el = np.asarray(electrodes, dtype=np.float64).reshape(-1, 3)
    s = np.asarray(seg_start, dtype=np.float64)
    e = np.asarray(seg_end, dtype=np.float64)
    d = np.maximum(np.asarray(diam, dtype=np.float64), 1e-3)
    n = len(s)
    length = np.linalg.norm(e - s, axis=1)
    out = np.zeros((len(el), n))
    line = length > 1e-9
    if line.any():
        cell = lfpykit_cell(s[line], e[line], d[line])
        out[:, line] = LineSourcePotential(cell, x=el[:, 0], y=el[:, 1], z=el[:, 2],
                                           sigma=sigma).get_transformation_matrix()
    if (~line).any():
        cell = lfpykit_cell(s[~line], e[~line], d[~line])
        out[:, ~line] = PointSourcePotential(cell, x=el[:, 0], y=el[:, 1], z=el[:, 2],
                                             sigma=sigma).get_transformation_matrix()
    return out
