"""Sections (unbranched paths) of a :class:`Morphology` and their segment counts.

Sections run between the root, branch points and leaves.  Every section's 3-D points start
with the attachment node it shares with its parent (NEURON/navis convention), so the
section's length is the polyline length from that node.  Units: µm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

__all__ = ["SectionLayout", "split_sections", "nseg_res", "nseg_d_lambda"]


@dataclass
class SectionLayout:
    """Flat description of the sections (arrays indexed by section unless stated).

    ``parent_section`` is -1 for the root section; ``parent_x`` is 1 (child of a branch
    point), 0 (other children of the root, attached to the root section's x=0) or 0.5
    (children of a spherical soma section).  ``pts_node`` (per 3-D point) gives the node
    index (into the Morphology arrays) of each point; ``node_sec``/``node_pt`` give each
    node's section and its own 3-D point index (the root's point in section 0).
    """

    parent_section: np.ndarray
    parent_x: np.ndarray
    pt_start: np.ndarray
    pt_end: np.ndarray
    pts_node: np.ndarray
    pt_sec: np.ndarray
    xyz: np.ndarray
    diam: np.ndarray
    arc: np.ndarray
    L: np.ndarray
    node_sec: np.ndarray
    node_pt: np.ndarray
    node_is_last: np.ndarray
    sphere_soma: bool

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return len(self.L)


def split_sections(parent: np.ndarray, xyz: np.ndarray, radius: np.ndarray,
                   sphere_soma: bool = False, float32_pt3d: bool = False) -> SectionLayout:
    """Cut a pre-ordered tree into sections and lay out their 3-D points.

    Parameters
    ----------
    parent : np.ndarray of int64
        Parent index per node, pre-order (``parent[i] < i``, root at 0).
    xyz : np.ndarray (n, 3)
        Coordinates, µm.
    radius : np.ndarray (n,)
        Radii, µm.
    sphere_soma : bool
        Add a spherical soma section (section 0) at the root: 3 points along y spanning the
        root's diameter (NEURON's single-point soma, L = diam = 2r, area 4πr²); the root's
        children attach to its x=0.5 and their first 3-D point takes the diameter of the
        child node instead of the soma's.
    float32_pt3d : bool
        Store the 3-D points as NEURON does (``struct Pt3d``: single-precision x, y, z,
        diam; arc lengths in double from single-precision coordinate differences), so that
        areas and resistances match NEURON's to rounding even for sections much shorter
        than the coordinates' float32 resolution.  Default False (float64 throughout).
    """
    n = len(parent)
    nchild = np.bincount(parent[1:], minlength=n)
    starts = np.zeros(n, dtype=bool)
    starts[1:] = (parent[1:] == 0) | (nchild[parent[1:]] != 1)
    sec_of = np.cumsum(starts) - 1  # for nodes 1..n-1
    first = np.flatnonzero(starts)
    n_sec = len(first)
    last = np.concatenate([first[1:] - 1, [n - 1]])
    attach = parent[first]
    node_is_last = np.zeros(n, dtype=bool)
    node_is_last[last] = True

    off = 1 if sphere_soma else 0
    psec = np.where(attach == 0, 0, sec_of[attach] + off)
    px = np.where(attach == 0, 0.0, 1.0)
    if sphere_soma:
        px[attach == 0] = 0.5
    else:
        psec[0] = -1
    # 3-D points: each section = [attach node] + its own nodes (contiguous in pre-order)
    pts_node = np.insert(np.arange(1, n), first - 1, attach)
    counts = last - first + 2
    pxyz = xyz[pts_node]
    pdiam = 2.0 * radius[pts_node]
    if sphere_soma:
        r = radius[0]
        soma_pts = xyz[0] + np.array([[0.0, -r, 0.0], [0.0, 0.0, 0.0], [0.0, r, 0.0]])
        pxyz = np.vstack([soma_pts, pxyz])
        pdiam = np.concatenate([[2 * r] * 3, pdiam])
        pts_node = np.concatenate([[0, 0, 0], pts_node])
        counts = np.concatenate([[3], counts])
        psec = np.concatenate([[-1], psec])
        px = np.concatenate([[0.0], px])
    pt_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pt_end = pt_start + counts - 1
    n_all = len(counts)
    pt_sec = np.repeat(np.arange(n_all), counts)
    if sphere_soma:
        rootkids = pt_start[1:][attach == 0]
        pdiam[rootkids] = pdiam[rootkids + 1]
    seg = np.zeros(len(pts_node))
    if float32_pt3d:
        p32 = pxyz.astype(np.float32)
        dif = (p32[1:] - p32[:-1]).astype(np.float64)
        seg[1:] = np.sqrt(dif[:, 0] * dif[:, 0] + dif[:, 1] * dif[:, 1] + dif[:, 2] * dif[:, 2])
        pxyz = p32.astype(np.float64)
        pdiam = pdiam.astype(np.float32).astype(np.float64)
    else:
        seg[1:] = np.linalg.norm(pxyz[1:] - pxyz[:-1], axis=1)
    seg[pt_start] = 0.0
    c = np.cumsum(seg)
    arc = c - c[pt_start[pt_sec]]
    L = arc[pt_end].copy()

    node_sec = np.zeros(n, dtype=np.int64)
    node_sec[1:] = sec_of[1:] + off
    node_pt = np.zeros(n, dtype=np.int64)
    node_pt[1:] = pt_start[node_sec[1:]] + (np.arange(1, n) - first[sec_of[1:]]) + 1
    node_pt[0] = 1 if sphere_soma else 0
    if sphere_soma:
        node_is_last[0] = False
    return SectionLayout(parent_section=psec.astype(np.int64), parent_x=px,
                         pt_start=pt_start, pt_end=pt_end, pts_node=pts_node, pt_sec=pt_sec,
                         xyz=pxyz, diam=pdiam, arc=arc, L=L, node_sec=node_sec,
                         node_pt=node_pt, node_is_last=node_is_last, sphere_soma=sphere_soma)


def nseg_res(L: np.ndarray, res: float) -> np.ndarray:
    """Smallest odd ``n`` with ``L / n <= res`` (µm): no segment is longer than ``res``.

    navis uses ``1 + 2 * int(L / (2 * res))``, which gives 1 segment to any section shorter
    than 2·res (segments up to ~2·res long).
    """
    if not (res > 0 and np.isfinite(res)):
        raise ParameterError(f"res must be a positive length in µm, not {res!r}.")
    n = np.maximum(np.ceil(L / res), 1).astype(np.int64)
    n += (n % 2 == 0)
    while True:
        over = L / n > res
        if not over.any():
            return n
        n[over] += 2


def nseg_d_lambda(layout: SectionLayout, d_lambda: float, freq: float, Ra: float,
                  cm: float) -> np.ndarray:
    """NEURON's d_lambda rule with ``lambda_f(freq)`` from the 3-D points, odd nseg.

    ``lam = Σ Δarc / sqrt(d1 + d2) · sqrt(2) · 1e-5 · sqrt(4 π freq Ra cm)`` (section length
    in units of the AC length constant at ``freq`` Hz; Ra Ω·cm, cm µF/cm², d µm) and
    ``nseg = int((lam / d_lambda + 0.9) / 2) * 2 + 1``.
    """
    if not (d_lambda > 0 and np.isfinite(d_lambda)):
        raise ParameterError(f"d_lambda must be positive, not {d_lambda!r}.")
    if not (freq > 0 and Ra > 0 and cm > 0):
        raise ParameterError(f"freq, Ra, cm must be positive (got {freq}, {Ra}, {cm}).")
    arc, d = layout.arc, layout.diam
    dl = np.zeros(len(arc))
    dl[1:] = (arc[1:] - arc[:-1]) / np.sqrt(d[1:] + d[:-1])
    dl[layout.pt_start] = 0.0
    lam = np.add.reduceat(dl, layout.pt_start)
    lam *= np.sqrt(2.0) * 1e-5 * np.sqrt(4.0 * np.pi * freq * Ra * cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        # NEURON computes L / (d_lambda * (L / lam)); written this way for L = 0
        ratio = np.where(layout.L > 0, layout.L / (d_lambda * (layout.L / lam)), 0.0)
    return (((ratio + 0.9) / 2).astype(np.int64) * 2 + 1).astype(np.int64)
