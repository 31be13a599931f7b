"""Sections (unbranched cables with their 3-D points) and their segment counts.

Two layouts feed the same compartment builder (:mod:`connectome_sim.morphology.geometry`):

* :func:`split_sections` (the navis reading): sections run between the root, branch points
  and leaves; every section's 3-D points start with the attachment node it shares with its
  parent, so the section's length is the polyline length from that node.
* :func:`layout_from_import3d` (the NEURON reading): the sections NEURON's Import3d builds
  (:mod:`connectome_sim.morphology.import3d`).

Units: µm.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import ParameterError, SkeletonError

__all__ = ["SectionLayout", "split_sections", "layout_from_import3d", "drop_zero_length",
           "nseg_res", "nseg_d_lambda", "ZERO_LENGTH"]

#: sections shorter than this (µm) are points, not cables: they are merged into the point they
#: hang from (a 1e-6 µm cable would couple with ~1e9 µS, beyond what double precision resolves
#: beside µS membrane conductances)
ZERO_LENGTH = 1e-6


@dataclass
class SectionLayout:
    """Flat description of the sections (arrays indexed by section unless stated).

    ``parent_section`` is -1 for the root section (section 0, sections in parent-first
    order); ``parent_x`` is the position on the parent where the section connects (NEURON's
    ``child.connect(parent(parent_x), 0)``).  ``pt_start``/``pt_end`` (inclusive) index the
    3-D points ``xyz``/``diam`` (µm), ``arc`` (µm from the section's first point) and
    ``pt_sec``; ``pts_node`` gives the node (index into the Morphology arrays) of each point
    (a section's first point may be a copy of its parent's node), -1 for points that stand
    for no node (e.g. the ends of a single-point soma's cylinder).  Per node: ``node_sec`` and ``node_x`` (arc
    position in [0, 1]).  ``names`` are NEURON's section names (Import3d layouts only).
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
    node_x: np.ndarray
    names: list | None = None
    types: np.ndarray | None = None
    extra_area: tuple | None = None

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return len(self.L)


def _arcs(xyz, diam, pt_start, pt_end, float32_pt3d):
    """Arc lengths per point (0 at each section's first point) and section lengths; with
    ``float32_pt3d`` the points are rounded as NEURON's ``struct Pt3d`` stores them."""
    n_sec = len(pt_start)
    counts = pt_end - pt_start + 1
    pt_sec = np.repeat(np.arange(n_sec), counts)
    seg = np.zeros(len(xyz))
    if float32_pt3d:
        p32 = xyz.astype(np.float32)
        dif = (p32[1:] - p32[:-1]).astype(np.float64)
        seg[1:] = np.sqrt(dif[:, 0] * dif[:, 0] + dif[:, 1] * dif[:, 1] + dif[:, 2] * dif[:, 2])
        xyz = p32.astype(np.float64)
        diam = diam.astype(np.float32).astype(np.float64)
    else:
        seg[1:] = np.linalg.norm(xyz[1:] - xyz[:-1], axis=1)
    seg[pt_start] = 0.0
    c = np.cumsum(seg)
    arc = c - c[pt_start[pt_sec]]
    return xyz, diam, arc, arc[pt_end].copy(), pt_sec


def split_sections(parent: np.ndarray, xyz: np.ndarray, radius: np.ndarray,
                   float32_pt3d: bool = False) -> SectionLayout:
    """Cut a pre-ordered tree into sections and lay out their 3-D points (navis reading).

    Parameters
    ----------
    parent : np.ndarray of int64
        Parent index per node, pre-order (``parent[i] < i``, root at 0).
    xyz : np.ndarray (n, 3)
        Coordinates, µm.
    radius : np.ndarray (n,)
        Radii, µm.
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
    last = np.concatenate([first[1:] - 1, [n - 1]])
    attach = parent[first]
    node_is_last = np.zeros(n, dtype=bool)
    node_is_last[last] = True

    psec = np.where(attach == 0, 0, sec_of[attach])
    px = np.where(attach == 0, 0.0, 1.0)
    psec[0] = -1
    # 3-D points: each section = [attach node] + its own nodes (contiguous in pre-order)
    pts_node = np.insert(np.arange(1, n), first - 1, attach)
    counts = last - first + 2
    pt_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pt_end = pt_start + counts - 1
    pxyz, pdiam, arc, L, pt_sec = _arcs(xyz[pts_node], 2.0 * radius[pts_node], pt_start,
                                        pt_end, float32_pt3d)
    node_sec = np.zeros(n, dtype=np.int64)
    node_sec[1:] = sec_of[1:]
    node_pt = np.zeros(n, dtype=np.int64)
    node_pt[1:] = pt_start[node_sec[1:]] + (np.arange(1, n) - first[sec_of[1:]]) + 1
    Ln = L[node_sec]
    with np.errstate(divide="ignore", invalid="ignore"):
        node_x = np.where(Ln > 0, arc[node_pt] / Ln, 1.0)
    node_x[node_is_last] = 1.0
    node_x[0] = 0.0
    return SectionLayout(parent_section=psec.astype(np.int64), parent_x=px,
                         pt_start=pt_start, pt_end=pt_end, pts_node=pts_node, pt_sec=pt_sec,
                         xyz=pxyz, diam=pdiam, arc=arc, L=L, node_sec=node_sec,
                         node_x=np.clip(node_x, 0.0, 1.0))


def layout_from_import3d(cell, node_order: np.ndarray | None = None,
                         float32_pt3d: bool = False) -> SectionLayout:
    """The :class:`SectionLayout` of an :class:`~connectome_sim.morphology.import3d.Import3dCell`.

    ``node_order[k]`` is the cell's node index of the layout's node k (the Morphology's
    order); default: the same order.
    """
    xyz, diam, arc, L, pt_sec = _arcs(cell.xyz, cell.diam, cell.pt_start, cell.pt_end,
                                      float32_pt3d)
    sec, ptn, x = cell.node_sec, cell.node_pt, cell.node_x.copy()
    has = ptn >= 0
    Ln = L[sec[has]]
    with np.errstate(divide="ignore", invalid="ignore"):
        x[has] = np.where(Ln > 0, arc[ptn[has]] / Ln, 1.0)
    x = np.clip(x, 0.0, 1.0)
    pts_node = cell.pt_node
    if node_order is not None:
        inv = np.empty(len(node_order), dtype=np.int64)
        inv[node_order] = np.arange(len(node_order))
        sec, x = sec[node_order], x[node_order]
        pts_node = np.where(pts_node >= 0, inv[np.maximum(pts_node, 0)], -1)
    return SectionLayout(parent_section=cell.parent.copy(), parent_x=cell.parent_x.copy(),
                         pt_start=cell.pt_start.copy(), pt_end=cell.pt_end.copy(),
                         pts_node=pts_node, pt_sec=pt_sec, xyz=xyz, diam=diam, arc=arc, L=L,
                         node_sec=sec.astype(np.int64), node_x=x, names=list(cell.names),
                         types=cell.types.copy())


def drop_zero_length(lay: SectionLayout, node_ids=None) -> tuple[SectionLayout, str | None]:
    """Merge sections shorter than :data:`ZERO_LENGTH` into the point they hang from.

    A zero-length section (all its 3-D points coincide, e.g. a child node at its parent's
    position) has an axial resistance of zero; as a compartment it would link to its parent
    with an unbounded conductance, beyond what double precision resolves beside membrane
    conductances.  It is a point of its parent instead: its nodes map to its attachment, and
    its children attach where it attached.  A zero-length root section hands the root to its
    first child section, to whose x=0 the others attach.  The membrane NEURON counts on such a
    section (the annulus between points of different diameters) is kept in
    ``extra_area`` = (section, x, µm²) and added to the segment at its attachment.

    Returns the new layout and a description of what was merged (None if nothing).
    """
    short = lay.L < ZERO_LENGTH
    if not short.any():
        return lay, None
    n_sec = lay.n_sections
    if short.all():
        what = "" if node_ids is None else f" (nodes {_list(node_ids)})"
        raise SkeletonError(f"the skeleton has no length: all its points coincide{what}. A "
                            "cable model needs at least two distinct points.")
    psec, px = lay.parent_section.copy(), lay.parent_x.copy()
    order = np.arange(n_sec)
    if short[0]:
        kids = np.flatnonzero(psec == 0)
        if not len(kids):  # pragma: no cover - a lone short root means all are short
            raise SkeletonError("the skeleton has no length.")
        c = int(kids[0])
        psec[kids] = c
        px[kids] = 0.0
        psec[c], px[c] = -1, 0.0
        psec[0], px[0] = c, 0.0
        order = np.concatenate([[c], np.delete(np.arange(n_sec), c)])
        # the new root starts where the old one did: list the root node first
        lay = replace(lay, pts_node=lay.pts_node.copy())
        lay.pts_node[lay.pt_start[c]] = lay.pts_node[lay.pt_start[0]]
    # final attachment of every section: follow removed parents up
    par, pxx = psec.copy(), px.copy()
    for s in order:
        p = par[s]
        if p >= 0 and short[p]:
            par[s], pxx[s] = par[p], pxx[p]
    # membrane of the short sections (pt3d frusta with ~zero length: annuli)
    d0, d1 = lay.diam[:-1], lay.diam[1:]
    ds = np.diff(lay.arc)
    piece = 0.5 * np.pi * (d0 + d1) * np.sqrt(ds * ds + (0.5 * (d1 - d0)) ** 2)
    piece[lay.pt_start[1:] - 1] = 0.0   # no frustum across section boundaries
    own_area = np.concatenate([[0.0], np.cumsum(piece)])
    sec_area = own_area[lay.pt_end] - own_area[lay.pt_start]
    keep = order[~short[order]]
    new_id = np.full(n_sec, -1, dtype=np.int64)
    new_id[keep] = np.arange(len(keep))
    # node positions
    node_sec, node_x = lay.node_sec.copy(), lay.node_x.copy()
    moved = short[node_sec]
    merged_nodes = np.flatnonzero(moved)
    s_of = node_sec[moved]
    node_sec[moved] = par[s_of]
    node_x[moved] = pxx[s_of]
    node_sec = new_id[node_sec]
    # points of the kept sections
    counts = (lay.pt_end - lay.pt_start + 1)[keep]
    pt_idx = np.concatenate([np.arange(lay.pt_start[s], lay.pt_end[s] + 1) for s in keep])
    pt_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    parent = np.where(par[keep] >= 0, new_id[np.maximum(par[keep], 0)], -1)
    new = replace(lay, parent_section=parent.astype(np.int64), parent_x=pxx[keep],
                  pt_start=pt_start, pt_end=pt_start + counts - 1,
                  pts_node=lay.pts_node[pt_idx], pt_sec=np.repeat(np.arange(len(keep)), counts),
                  xyz=lay.xyz[pt_idx], diam=lay.diam[pt_idx], arc=lay.arc[pt_idx],
                  L=lay.L[keep], node_sec=node_sec, node_x=node_x,
                  names=None if lay.names is None else [lay.names[s] for s in keep],
                  types=None if lay.types is None else lay.types[keep])
    gone = np.flatnonzero(short & (sec_area > 0))
    new.extra_area = (new_id[par[gone]], pxx[gone].astype(np.float64), sec_area[gone])
    ids = merged_nodes if node_ids is None else np.asarray(node_ids)[merged_nodes]
    msg = (f"merged {int(short.sum())} zero-length section(s) (all points coincide) into the "
           f"point they hang from: node(s) {_list(ids)} now share their attachment's "
           "compartment")
    return new, msg


def _list(ids, k: int = 20) -> str:
    ids = list(ids)
    more = f" and {len(ids) - k} more" if len(ids) > k else ""
    return "[" + ", ".join(str(int(v)) for v in ids[:k]) + "]" + more


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
    with np.errstate(divide="ignore", invalid="ignore"):
        dl[1:] = (arc[1:] - arc[:-1]) / np.sqrt(d[1:] + d[:-1])
    dl[layout.pt_start] = 0.0
    lam = np.add.reduceat(dl, layout.pt_start)
    lam *= np.sqrt(2.0) * 1e-5 * np.sqrt(4.0 * np.pi * freq * Ra * cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        # NEURON computes L / (d_lambda * (L / lam)); written this way for L = 0
        ratio = np.where(layout.L > 0, layout.L / (d_lambda * (layout.L / lam)), 0.0)
    return (((ratio + 0.9) / 2).astype(np.int64) * 2 + 1).astype(np.int64)
