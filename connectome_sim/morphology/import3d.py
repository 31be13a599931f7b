"""NEURON's Import3d rules: how NEURON turns SWC and Neurolucida points into sections.

The rules below restate, in vectorised numpy, what NEURON 9's Import3d tool does
(``share/lib/hoc/import3d/read_swc.hoc``, ``read_nlcda3.hoc`` and ``import3d_gui.hoc``:
``Import3d_SWC_read.input``, ``Import3d_Neurolucida3.input`` and
``Import3d_GUI.instantiate``), so that a file read here gives the sections, 3-D points and
connections that ``h.Import3d_GUI(reader, 0).instantiate(cell)`` creates.

SWC (points in ID order; every parent must precede its children):

* Sections are runs of consecutive points; a run ends at a point whose child count is not
  exactly one, where the next point is not its child, or where the SWC type changes.
  Consecutive soma points (type 1) stay in one section even where neurites leave them.
* The soma: one type-1 point is a single-point soma, drawn as a cylinder of L = diam along
  x (area 4πr²); three type-1 points forming NeuroMorpho.Org's standard soma (the first the
  parent of the other two, equal diameters, total length = diameter within 1 %) are read as
  the single point at the centre; several type-1 points form soma sections drawn through
  the points.
* A neurite leaving a single-point soma, or an interior point of a soma section, connects to
  the soma's centre (x = 0.5) by a wire: its section starts at its own first point, and the
  soma-centre-to-first-point edge is not part of the cable.  A neurite leaving the last
  point of a soma section connects there (x = 1), and one leaving the root point at x = 0.
* Every other child section starts with a copy of its parent point; when the parent is soma
  and the child is not, that copy takes the child's first diameter.
* Sections of two coincident points (or of one point) are removed and their children moved
  to the removed section's parent.
* Sections are named by type in order: ``soma[k]``, ``axon[k]``, ``dend[k]``, ``apic[k]``,
  ``dend_<t>[k]`` for other types.

Neurolucida ASC (and HDF5 read the same way): a soma contour becomes a cylinder along the
contour's principal axis (21 points, diameters measured across the contour); every tree
connects to the soma centre by a wire; a child branch starts at its parent's last point with
its own first diameter.

Units: µm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import SkeletonError

__all__ = ["Import3dCell", "swc_import3d", "morphio_import3d", "region_name", "SOMA_KINDS"]

#: soma shapes reported in model summaries
SOMA_KINDS = ("single point", "three-point (NeuroMorpho.Org)", "soma sections",
              "contour", "none")


def region_name(t: int) -> str:
    """NEURON's Import3d section name for SWC type ``t`` (1 soma, 2 axon, 3 dend, 4 apic)."""
    t = int(t)
    if t == 1:
        return "soma"
    if t == 2:
        return "axon"
    if t == 3:
        return "dend"
    if t == 4:
        return "apic"
    if t < 0:
        return f"minus_{-t}"
    return f"dend_{t}"


@dataclass
class Import3dCell:
    """Sections as NEURON's Import3d instantiates them (arrays indexed by section).

    ``parent`` (-1 for the root) and ``parent_x`` give ``child.connect(parent(parent_x), 0)``;
    ``pt_start``/``pt_end`` (inclusive) index the 3-D points ``xyz``/``diam`` (µm) that
    NEURON's ``pt3dadd`` receives.  Per node (the caller's node order): ``node_sec`` and
    ``node_pt`` (index of the node's own 3-D point, or -1 when it has none, e.g. the side
    points of a three-point soma or the points of a removed section) with ``node_x`` (the arc
    position used when ``node_pt`` is -1).
    """

    names: list
    types: np.ndarray
    parent: np.ndarray
    parent_x: np.ndarray
    pt_start: np.ndarray
    pt_end: np.ndarray
    xyz: np.ndarray
    diam: np.ndarray
    pt_node: np.ndarray
    node_sec: np.ndarray
    node_pt: np.ndarray
    node_x: np.ndarray
    soma_kind: str
    notes: list = field(default_factory=list)

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return len(self.types)


# ------------------------------------------------------------------------------ SWC
def _sectionify(types, xyz, diam, pix):
    """Import3d_SWC_read's ``mark_branch`` + ``sectionify``: section end flags and the
    connect-to-proximal flags.  Child counts are kept in hundredths (Import3d adds 1 per
    child, .01 per non-adjacent child and per type change) so that ``== 1`` is exact."""
    n = len(types)
    idx = np.arange(n)
    kid = idx[pix >= 0]
    par = pix[kid]
    adjacent = par == kid - 1
    typechange = types[par] != types[kid]
    cnt = (np.bincount(par, minlength=n) * 100 + np.bincount(par[~adjacent], minlength=n)
           + np.bincount(par[typechange], minlength=n)).astype(np.int64)
    # a neurite's first point p (wired to the soma) or a non-soma root: children that are
    # not adjacent to p connect to p's section at x = 0 ("connect2prox"), and p's count is
    # reset to one at each such child (only the last one's type change then counts)
    grand = np.where(pix >= 0, pix, 0)
    prox = np.zeros(n, dtype=bool)
    prox[2:] = (types[2:] != 1) & (pix[2:] >= 0) & (types[grand[2:]] == 1)
    prox[0] = types[0] != 1
    nonadj = ~adjacent
    c2p_kid = kid[nonadj & prox[par]]
    connect2prox = np.zeros(n, dtype=bool)
    connect2prox[c2p_kid] = True
    if len(c2p_kid):
        p_of = pix[c2p_kid]
        last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last, p_of, c2p_kid)
        reset = np.flatnonzero(last >= 0)
        cnt[reset] = 100 + (types[last[reset]] != types[reset])
    is_soma = types == 1
    soma_kid = kid[is_soma[kid] & is_soma[par]]
    nchild_soma = np.bincount(pix[soma_kid], minlength=n)
    # NeuroMorpho.Org three-point soma: read as the single point at index 0
    soma3 = False
    if int(is_soma.sum()) == 3 and n >= 3 and pix[1] == 0 and pix[2] == 0 \
            and cnt[1] == 0 and cnt[2] == 0 and diam[1] == diam[0] and diam[2] == diam[0]:
        length = np.linalg.norm(xyz[1] - xyz[0]) + np.linalg.norm(xyz[2] - xyz[0])
        if abs(length / diam[0] - 1) < 0.01:
            soma3 = True
            pix = pix.copy()
            pix[2] = 1
    # consecutive soma points stay in one section (unless an inner one has several soma
    # children)
    k = idx[:-1]
    keep = is_soma[k] & is_soma[k + 1] & (pix[k + 1] == k) & ~((k != 0) & (nchild_soma[k] > 1))
    cnt[k[keep]] = 100
    end = cnt != 100
    end[-1] = True
    return end, pix, connect2prox, nchild_soma, soma3


def swc_import3d(types, xyz, diam, pix, *, lines=None) -> Import3dCell:
    """Sections of an SWC tree as NEURON's Import3d builds them.

    Parameters
    ----------
    types : numpy.ndarray of int64
        SWC type of each point.
    xyz : numpy.ndarray (n, 3)
        Coordinates, µm.
    diam : numpy.ndarray (n,)
        Diameters (2 × the SWC radius), µm.
    pix : numpy.ndarray of int64
        Parent index of each point, -1 for the root; points must be in SWC ID order with
        ``pix[i] < i`` and the root first (Import3d's requirement).
    lines : numpy.ndarray, optional
        File line of each point, for the notes about removed sections.

    Returns
    -------
    Import3dCell
        Node arrays are indexed like the input points.
    """
    types = np.asarray(types, dtype=np.int64)
    xyz = np.asarray(xyz, dtype=np.float64)
    diam = np.asarray(diam, dtype=np.float64)
    pix = np.asarray(pix, dtype=np.int64)
    n = len(types)
    end, pix, c2p, nchild_soma, soma3 = _sectionify(types, xyz, diam, pix)
    last = np.flatnonzero(end)                      # last point of each section
    first = np.concatenate([[0], last[:-1] + 1])    # first own point
    n_sec = len(last)
    sec_of = np.concatenate([[0], np.cumsum(end)[:-1]])
    own = last - first + 1
    if soma3:
        own[0] = 1
    stype = types[first]
    ppt = np.where(np.arange(n_sec) > 0, pix[first], -1)   # parent point of each section
    psec = np.where(ppt >= 0, sec_of[np.maximum(ppt, 0)], -1)
    ps = np.maximum(psec, 0)
    pnpts = own[ps] + (ps > 0)                      # raw points of the parent section
    px = np.ones(n_sec)
    wire = np.zeros(n_sec, dtype=bool)
    nonroot = np.arange(n_sec) > 0
    ptype = stype[ps]
    den_con_soma = nonroot & (ptype == 1) & (stype != 1)
    con_soma = nonroot & (ptype == 1)
    many = own > 1
    to_root = nonroot & (psec == 0)
    # children of the root section
    a = to_root & den_con_soma & (pnpts == 1)
    px[a] = 0.5
    wire[a & many] = True
    b = to_root & ~a & (ppt == 0)
    px[b] = 0.0
    wire[b & (stype != 1) & (nchild_soma[np.maximum(ppt, 0)] > 1)] = True
    handled = a | b
    # other children of soma sections
    offset = np.where(first[ps] == 0, -1, -2)
    rest = nonroot & ~handled & con_soma
    interior = rest & (ppt < first[ps] + pnpts + offset)
    px[interior] = 0.5
    wire[interior & den_con_soma & many] = True
    tail = rest & ~interior & many & (nchild_soma[np.maximum(ppt, 0)] > 1) & (stype != 1)
    wire[tail] = True
    # neurites connected to the proximal end of a wired neurite
    prox = nonroot & c2p[first]
    px[prox] = 0.0

    # raw points: [parent copy] + own points; a soma parent's copy takes the child's diameter
    raw_n = own + nonroot
    raw_start = np.concatenate([[0], np.cumsum(raw_n)[:-1]])
    raw_idx = np.empty(int(raw_n.sum()), dtype=np.int64)
    raw_sec = np.repeat(np.arange(n_sec), raw_n)
    k = np.arange(len(raw_idx)) - raw_start[raw_sec]
    off = np.where(nonroot, 1, 0)[raw_sec]
    raw_idx[:] = first[raw_sec] + k - off
    copy = nonroot[raw_sec] & (k == 0)
    raw_idx[copy] = ppt[raw_sec[copy]]
    raw_d = diam[raw_idx].copy()
    fix = np.flatnonzero(nonroot & (ptype == 1) & (stype != 1))
    raw_d[raw_start[fix]] = raw_d[raw_start[fix] + 1]

    removed = _chk_valid(nonroot, raw_n, raw_start, wire, xyz[raw_idx])
    notes = []
    if removed.any():
        where = (lambda s: f"line {int(lines[last[s]])}" if lines is not None
                 else f"point {int(last[s])}")
        rs = np.flatnonzero(removed)
        notes.append(f"removed {len(rs)} section(s) of one point or of zero length, as NEURON's "
                     f"Import3d does (ending at {', '.join(where(s) for s in rs[:10])}); their "
                     "children are attached to their parent")
    # a three-point soma's side points have no 3-D point: they sit at the soma centre
    fixed = {1: (0, 0.5), 2: (0, 0.5)} if soma3 else {}
    cell = _finish(stype, psec, px, wire, removed, raw_start, raw_n, xyz[raw_idx], raw_d,
                   raw_idx, n, fixed, notes)
    cell.soma_kind = ("three-point (NeuroMorpho.Org)" if soma3 else
                      "none" if not (types == 1).any() else
                      "single point" if own[0] == 1 and stype[0] == 1 else "soma sections")
    return cell


def _chk_valid(nonroot, raw_n, raw_start, wire, raw_xyz):
    """Import3d_GUI.chk_valid: non-root sections left with one point, or with two coincident
    points, are removed."""
    left = raw_n - wire
    zero = np.zeros(len(raw_n), dtype=bool)
    two = np.flatnonzero(nonroot & (left == 2))
    s0 = raw_start[two] + wire[two]
    zero[two] = (raw_xyz[s0] == raw_xyz[s0 + 1]).all(axis=1)
    return nonroot & ((left <= 1) | zero)


def _reattach(psec, px, removed):
    """Parent and connection point of every section once removed sections are gone: a removed
    section's children take its own parent and connection point (Import3d_GUI.rm0len)."""
    par, pxx = psec.copy(), px.copy()
    for s in range(len(psec)):   # parents come first, so their attachment is already final
        p = par[s]
        if p >= 0 and removed[p]:
            par[s], pxx[s] = par[p], pxx[p]
    return par, pxx


def _finish(stype, psec, px, wire, removed, raw_start, raw_n, raw_xyz, raw_d, raw_node,
            n_nodes, fixed, notes, contour=None) -> Import3dCell:
    """Import3d_GUI.instantiate: drop removed sections (children re-attached), drop the wire
    points, draw single-point sections as L = diam cylinders along x (and a soma contour as
    its principal-axis cylinder), name the sections by type.

    The raw points of section s are ``raw_*[raw_start[s]:raw_start[s] + raw_n[s]]``; for a
    non-root section the first is the copy of its parent point.  ``raw_node`` is the node of
    each raw point (-1 for none); ``fixed`` maps nodes without a raw point of their own to
    (raw section, x).
    """
    par, pxx = _reattach(psec, px, removed)
    keep = ~removed
    new_id = np.cumsum(keep) - 1
    kept = np.flatnonzero(keep)
    pts_xyz, pts_d, pts_node, starts, copies = [], [], [], [], []
    total = 0
    for s in kept:
        a = raw_start[s] + int(wire[s])
        b = raw_start[s] + raw_n[s]
        nodes = raw_node[a:b].copy()
        if contour is not None and s == 0:
            p, d = contour
            nodes = np.full(len(d), -1, dtype=np.int64)
        elif b - a == 1:
            p = np.repeat(raw_xyz[a][None, :], 3, axis=0)
            p[0, 0] -= raw_d[a] / 2
            p[2, 0] += raw_d[a] / 2
            d = np.full(3, raw_d[a])
            nodes = np.array([-1, nodes[0], -1])
        else:
            p, d = raw_xyz[a:b], raw_d[a:b]
        is_copy = np.zeros(len(d), dtype=bool)
        is_copy[0] = s > 0 and not wire[s] and b - a > 1   # the parent's node, not this one's
        copies.append(is_copy)
        starts.append(total)
        pts_xyz.append(p)
        pts_d.append(d)
        pts_node.append(nodes)
        total += len(d)
    pt_start = np.asarray(starts, dtype=np.int64)
    pt_end = np.concatenate([pt_start[1:], [total]]) - 1
    pt_node = np.concatenate(pts_node)
    pt_sec = np.repeat(np.arange(len(kept)), pt_end - pt_start + 1)
    # nodes: at their own 3-D point, or (removed sections) at their section's attachment
    node_pt = np.full(n_nodes, -1, dtype=np.int64)
    own = (pt_node >= 0) & ~np.concatenate(copies)
    node_pt[pt_node[own]] = np.flatnonzero(own)
    node_sec = np.full(n_nodes, -1, dtype=np.int64)
    node_x = np.zeros(n_nodes)
    has = node_pt >= 0
    node_sec[has] = pt_sec[node_pt[has]]
    raw_sec = np.repeat(np.arange(len(stype)), raw_n)
    first_raw = np.zeros(len(raw_node), dtype=bool)
    first_raw[raw_start[psec >= 0]] = True
    mine = (raw_node >= 0) & ~first_raw
    sec_of_node = np.full(n_nodes, -1, dtype=np.int64)
    sec_of_node[raw_node[mine]] = raw_sec[mine]
    for v in np.flatnonzero(~has):
        s = sec_of_node[v]
        if v in fixed:
            s, x = fixed[v]
            node_sec[v], node_x[v] = new_id[s], x
        elif s >= 0 and removed[s]:
            node_sec[v], node_x[v] = new_id[par[s]], pxx[s]
    if (node_sec < 0).any():  # pragma: no cover - internal
        raise SkeletonError(f"internal: nodes {np.flatnonzero(node_sec < 0)[:5]} not placed")
    # names by type, in order
    types = stype[kept]
    names, count = [], {}
    for t in types.tolist():
        k = count.get(t, 0)
        names.append(f"{region_name(t)}[{k}]")
        count[t] = k + 1
    parent = np.where(par[kept] >= 0, new_id[np.maximum(par[kept], 0)], -1)
    return Import3dCell(names=names, types=types, parent=parent.astype(np.int64),
                        parent_x=pxx[kept].astype(np.float64), pt_start=pt_start,
                        pt_end=pt_end, xyz=np.vstack(pts_xyz), diam=np.concatenate(pts_d),
                        pt_node=pt_node, node_sec=node_sec, node_pt=node_pt, node_x=node_x,
                        soma_kind="", notes=notes)


# ------------------------------------------------------------------------------ ASC / H5
def _contour_center(c):
    """Import3d's ``contourcenter``: resample the open polyline through the contour points at
    101 equally spaced arc positions, arc measured in the xy plane only (as Import3d does);
    return (mean, resampled points)."""
    seg = np.linalg.norm(np.diff(c[:, :2], axis=0), axis=1)
    perim = np.concatenate([[0.0], np.cumsum(seg)])
    s = np.arange(101) * (perim[-1] / 100)
    pts = np.column_stack([np.interp(s, perim, c[:, j]) for j in range(3)])
    return pts.mean(axis=0), pts


def _convexify(d, r):
    """Drop points (scanning from the end) that do not increase along the axis."""
    d, r = list(d), list(r)
    j = len(d) - 1
    while j > 0:
        if d[j] <= d[j - 1]:
            del d[j]
            del r[j]
            if j != len(d):
                j += 1
        j -= 1
    return np.asarray(d), np.asarray(r)


def contour_to_cylinder(contour: np.ndarray):
    """Import3d's ``contour2centroid``: a soma outline as a cylinder along its major axis.

    Parameters
    ----------
    contour : numpy.ndarray (m, 3)
        Outline points, µm (m >= 3).

    Returns
    -------
    (points (21, 3), diameters (21,)), µm
        Points along the principal axis of the (resampled) outline, and at each the distance
        between the outline's two sides, measured along the in-plane normal; the two end
        diameters are averaged with their neighbours.
    """
    mean, pts = _contour_center(np.asarray(contour, dtype=np.float64))
    p = pts - mean
    w, v = np.linalg.eigh(p.T @ p)
    major = v[:, int(np.argmax(w))].copy()
    if major[int(np.argmax(np.abs(major)))] < 0:
        major = -major
    minor = v[:, 3 - int(np.argmin(w)) - int(np.argmax(w))].copy()
    minor[2] = 0.0
    if np.linalg.norm(minor) / (np.linalg.norm(major) + 1e-100) < 1e-6:
        raise SkeletonError("the soma contour has no extent across its major axis in the xy "
                            "plane; NEURON's Import3d cannot turn it into a cylinder either.")
    minor /= np.linalg.norm(minor)
    d = p @ major
    rad = p @ minor
    imax = int(np.argmax(d))
    d, rad = np.roll(d, -imax), np.roll(rad, -imax)
    imin = int(np.argmin(d))
    side2, rad2 = d[imin:], rad[imin:]
    d, rad = d[:imin][::-1], rad[:imin][::-1]
    d, rad = _convexify(d, rad)
    side2, rad2 = _convexify(side2, rad2)
    both = np.sort(np.concatenate([d, side2]))
    lo, hi = both[1], both[-2]
    step = (hi - lo) / 20
    nval = int(np.floor((hi - lo) / step + 1e-9)) + 1 if step > 0 else 1
    axis = lo + step * np.arange(nval)
    r1 = np.interp(axis, d, rad)
    r2 = np.interp(axis, side2, rad2)
    diam = np.abs(r1 - r2)
    diam[0] = (diam[0] + diam[1]) / 2
    diam[-1] = (diam[-1] + diam[-2]) / 2
    return mean + axis[:, None] * major[None, :], diam


def morphio_import3d(sections: list, soma_points: np.ndarray, soma_diameters: np.ndarray,
                     soma_type: str, path: str = "") -> tuple[Import3dCell, dict]:
    """Sections of an ASC/HDF5 morphology (as read by MorphIO) as NEURON's Import3d builds
    them from the Neurolucida file.

    Returns the cell and the node table pieces (``node_id``, ``parent``, ``xyz``, ``radius``,
    ``type``; node IDs numbered from 1: the soma outline first, then each section's points
    without the attachment copy).
    """
    notes = []
    nsp = len(soma_points)
    kind = soma_type.upper()
    contour = None
    if "CONTOUR" in kind and nsp >= 3:
        contour = contour_to_cylinder(soma_points)
        soma_kind = "contour"
    elif nsp == 1:
        soma_kind = "single point"
    elif nsp == 0 or "UNDEFINED" in kind:
        soma_kind = "none"
        if nsp:
            notes.append(f"ignored a soma of {nsp} point(s), as NEURON's Import3d ignores cell "
                         "body contours of fewer than three points")
            nsp = 0
    else:
        raise SkeletonError(
            f"{path!r}: MorphIO reports a soma of type {soma_type} ({nsp} points), which has no "
            "NEURON Import3d reading in this format; convert the file to SWC (e.g. with "
            "morph-tool) and read that.")
    # node table: soma points, then every section's own points
    xyz_n, rad_n, typ_n, par_n = [], [], [], []
    n_soma = nsp
    if n_soma:
        xyz_n.append(soma_points)
        r = (contour[1].mean() / 2) if contour is not None else soma_diameters[:1] / 2
        rad_n.append(np.broadcast_to(np.asarray(r, float), (n_soma,)).copy())
        typ_n.append(np.ones(n_soma, dtype=np.int64))
        par_n.append(np.arange(-1, n_soma - 1))
    n_sec_file = len(sections)
    sec_last_node = np.zeros(n_sec_file, dtype=np.int64)
    count = n_soma
    roots = [k for k, s in enumerate(sections) if s["parent"] < 0]
    if not n_soma and len(roots) > 1:
        raise SkeletonError(
            f"{path!r} has {len(roots)} trees and no cell body contour to connect them; NEURON "
            "would build separate cells. Keep one tree, or add the soma outline.")
    # raw Import3d sections: [soma] + file sections
    stype = [1] if n_soma else []
    psec, px, wire, raw_pts, raw_d, raw_nodes = [], [], [], [], [], []
    if n_soma:
        psec.append(-1)
        px.append(1.0)
        wire.append(False)
        raw_pts.append(soma_points if contour is None else soma_points[:1])
        raw_d.append(soma_diameters[:len(raw_pts[0])] if contour is None else np.ones(1))
        raw_nodes.append(np.arange(len(raw_pts[0])))
    off = 1 if n_soma else 0
    for k, s in enumerate(sections):
        pts, d = s["points"], s["diameters"]
        root = s["parent"] < 0
        own = pts if root else pts[1:]
        ids = count + np.arange(len(own))
        count += len(own)
        xyz_n.append(own)
        rad_n.append((d if root else d[1:]) / 2)
        typ_n.append(np.full(len(own), s["type"], dtype=np.int64))
        if root:
            parent_node = 0 if n_soma else -1
        else:
            parent_node = sec_last_node[s["parent"]]
        par_n.append(np.concatenate([[parent_node], ids[:-1]]) if len(own) else
                     np.zeros(0, dtype=np.int64))
        sec_last_node[k] = ids[-1] if len(own) else (sec_last_node[s["parent"]] if not root
                                                     else 0)
        stype.append(s["type"])
        if root:
            if n_soma:
                # wired to the soma centre: the inserted centre point is dropped
                psec.append(0)
                px.append(0.5)
                wire.append(True)
                raw_pts.append(np.vstack([np.zeros((1, 3)), pts]))
                raw_d.append(np.concatenate([[0.01], d]))
                raw_nodes.append(np.concatenate([[-1], ids]))
            else:
                psec.append(-1)
                px.append(1.0)
                wire.append(False)
                raw_pts.append(pts)
                raw_d.append(d)
                raw_nodes.append(ids)
        else:
            psec.append(s["parent"] + off)
            px.append(1.0)
            wire.append(False)
            raw_pts.append(pts)
            raw_d.append(d)
            raw_nodes.append(np.concatenate([[-1], ids]))
    n_nodes = count
    stype = np.asarray(stype, dtype=np.int64)
    psec = np.asarray(psec, dtype=np.int64)
    if (psec >= np.arange(len(psec))).any():
        raise SkeletonError(f"{path!r}: a section is listed before its parent; cannot read it.")
    px = np.asarray(px)
    wire = np.asarray(wire)
    raw_n = np.array([len(p) for p in raw_pts], dtype=np.int64)
    raw_start = np.concatenate([[0], np.cumsum(raw_n)[:-1]])
    all_pts = np.vstack(raw_pts)
    all_d = np.concatenate(raw_d)
    node_of_raw = np.concatenate(raw_nodes)
    removed = _chk_valid(psec >= 0, raw_n, raw_start, wire, all_pts)
    if removed.any():
        notes.append(f"removed {int(removed.sum())} section(s) of one point or of zero length, "
                     "as NEURON's Import3d does; their children are attached to their parent")
    # the soma outline's nodes have no 3-D point of the cylinder: they sit at its centre
    fixed = {v: (0, 0.5) for v in range(n_soma)}
    cell = _finish(stype, psec, px, wire, removed, raw_start, raw_n, all_pts, all_d,
                   node_of_raw, n_nodes, fixed, notes, contour=contour)
    cell.soma_kind = soma_kind
    nodes = {"node_id": np.arange(1, n_nodes + 1, dtype=np.int64),
             "parent": np.concatenate(par_n).astype(np.int64),
             "xyz": np.vstack(xyz_n), "radius": np.concatenate(rad_n),
             "type": np.concatenate(typ_n)}
    return cell, nodes
