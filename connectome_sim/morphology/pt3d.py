"""NEURON's pt3d geometry, vectorised over all sections at once.

NEURON (``nrn_area_ri``/``diam_from_list`` in ``src/nrnoc/treeset.cpp``) treats a section's
3-D points as a piecewise-linear diameter d(s) along the arc length s and integrates over
each *half* segment [k L / 2n, (k+1) L / 2n]:

* area  += π/2 (d1 + d2) sqrt(Δs² + ((d2 - d1)/2)²)   (lateral frustum area, slant height;
  a zero-length step between two points of different diameter adds the annulus)
* ri    += Δs / (d1 d2) · 4 Ra / π · 1e-2             (MΩ; exactly ∫ 4 Ra / (π d²) ds)

with the frusta split where a half-segment boundary falls between two points (diameter
interpolated linearly).  ``seg.area()`` is the sum over the segment's two halves; ``seg.ri()``
is the right half of the previous segment plus the left half of this one (left half only for
the first segment), and the section's x=1 node gets the right half of the last segment.

We get the same numbers from the antiderivatives of these integrands: cumulative sums over
the 3-D points, plus the partial frustum from the last point before each boundary.  Units:
µm, µm², MΩ at Ra = 1 Ω·cm.
"""

from __future__ import annotations

import numpy as np

__all__ = ["half_segment_integrals", "interpolate_points", "RI_FACTOR"]

#: MΩ per (µm / µm²) at Ra = 1 Ω·cm: 4 / π · 1e-2 (NEURON's ``ra / PI * (4. * .01)``)
RI_FACTOR = 4.0e-2 / np.pi


def _locate(arc, pt_sec, pt_start, pt_end, b_sec, b_arc, sec_gap_offset):
    """Index of the last 3-D point at or before each boundary, within its own section."""
    g_pts = arc + sec_gap_offset[pt_sec]
    g_b = b_arc + sec_gap_offset[b_sec]
    idx = np.searchsorted(g_pts, g_b, side="right") - 1
    return np.clip(idx, pt_start[b_sec], pt_end[b_sec])


def half_segment_integrals(arc, diam, pt_sec, pt_start, pt_end, L, b_sec, b_arc):
    """Area and axial resistance accumulated from x=0 up to each boundary.

    Parameters
    ----------
    arc, diam : np.ndarray (n_points,)
        Arc length (µm, 0 at each section's first point) and diameter (µm) of every 3-D point,
        sections concatenated in order.
    pt_sec : np.ndarray (n_points,)
        Section of each point.
    pt_start, pt_end : np.ndarray (n_sections,)
        Index of each section's first and last point.
    L : np.ndarray (n_sections,)
        Section lengths, µm (= arc of the last point).
    b_sec, b_arc : np.ndarray (n_boundaries,)
        Section and arc position (µm, non-decreasing within a section) of each boundary.

    Returns
    -------
    area_cum : np.ndarray
        Membrane area from the section start to the boundary, µm².
    r_cum : np.ndarray
        ∫ ds / d² from the section start to the boundary, µm⁻¹ (multiply differences by
        ``RI_FACTOR * Ra`` for MΩ).
    idx, frac : np.ndarray
        Point index before each boundary and the fraction of the way to the next point
        (for interpolating coordinates).
    """
    n = len(arc)
    first = np.zeros(n, dtype=bool)
    first[pt_start] = True
    d_prev = np.empty(n)
    d_prev[1:] = diam[:-1]
    d_prev[0] = diam[0]
    ds = np.empty(n)
    ds[1:] = arc[1:] - arc[:-1]
    ds[0] = 0.0
    ds[first] = 0.0
    d_prev[first] = diam[first]
    # full interval contributions, attributed to the point that ends the interval
    a_full = 0.5 * np.pi * (d_prev + diam) * np.sqrt(ds * ds + (0.5 * (diam - d_prev)) ** 2)
    r_full = ds / (d_prev * diam)
    a_full[first] = 0.0
    r_full[first] = 0.0
    ca = np.cumsum(a_full)
    cr = np.cumsum(r_full)
    a_cum_pts = ca - ca[pt_start[pt_sec]]
    r_cum_pts = cr - cr[pt_start[pt_sec]]

    gap = np.concatenate([[0.0], np.cumsum(L + 1.0)[:-1]])
    idx = _locate(arc, pt_sec, pt_start, pt_end, b_sec, b_arc, gap)
    nxt = np.minimum(idx + 1, n - 1)
    has_next = idx < pt_end[b_sec]
    t = np.maximum(b_arc - arc[idx], 0.0)
    delta = np.where(has_next, arc[nxt] - arc[idx], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(delta > 0, t / delta, 0.0)
    frac = np.minimum(frac, 1.0)
    t = np.where(has_next, t, 0.0)
    y1 = diam[idx]
    y2 = y1 + (np.where(has_next, diam[nxt], y1) - y1) * frac
    a_part = 0.5 * np.pi * (y1 + y2) * np.sqrt(t * t + (0.5 * (y2 - y1)) ** 2)
    r_part = t / (y1 * y2)
    return a_cum_pts[idx] + a_part, r_cum_pts[idx] + r_part, idx, frac


def interpolate_points(xyz, idx, frac):
    """Coordinates at boundaries located by :func:`half_segment_integrals` (µm)."""
    nxt = np.minimum(idx + 1, len(xyz) - 1)
    return xyz[idx] + (xyz[nxt] - xyz[idx]) * frac[:, None]
