"""``build_geometry``: skeleton -> :class:`CableGeometry` (NEURON compartments, pt3d-exact).

See ``docs/dev/contracts.md`` §1 for the field semantics and ``docs/concepts/morphology.md``
for the modelling choices.  Units: µm, µm², MΩ, Ω·cm, µF/cm², Hz.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError, UnknownIDError
from .pt3d import RI_FACTOR, half_segment_integrals, interpolate_points
from .sections import nseg_d_lambda, nseg_res, split_sections
from .skeleton import Morphology, _fmt_ids, load_morphology

__all__ = ["CableGeometry", "build_geometry"]

_RESERVED = ("section", "x", "compartment")


class CableGeometry:
    """Compartments of a skeleton exactly as NEURON would build them from its 3-D points.

    Arrays (length ``n_comp``, Hines order ``parent[i] < i``): ``parent``, ``area`` (µm²),
    ``ri_unit`` (MΩ at Ra = 1 Ω·cm), ``is_junction``, ``section``, ``x``, ``length`` (µm),
    ``xyz``, ``seg_start``, ``seg_end`` (µm, shape (n_comp, 3)).  ``sections`` (DataFrame),
    ``pt3d`` (list of (k, 4) arrays x, y, z, diam in µm), ``node_table``,
    ``connector_table`` and ``morphology`` describe the rest.  Build with
    :func:`build_geometry`.

    Attributes
    ----------
    Ra : float
        Axial resistivity used for ``ri`` and the d_lambda rule, Ω·cm.
    cm : float
        Specific capacitance used by the d_lambda rule, µF/cm².
    """

    def __init__(self, **fields):
        for k, v in fields.items():
            setattr(self, k, v)
        ids = self.node_table.index.to_numpy()
        self._id_order = np.argsort(ids, kind="stable")
        self._ids_sorted = ids[self._id_order]
        comp = self.node_table["compartment"].to_numpy()
        self._c2n_order = np.argsort(comp, kind="stable")
        self._c2n_start = np.searchsorted(comp[self._c2n_order], np.arange(self.n_comp + 1))

    # ------------------------------------------------------------------ basic info
    @property
    def n_comp(self) -> int:
        """Number of compartments (segments + zero-area junctions)."""
        return len(self.parent)

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return len(self.sections)

    @property
    def ri(self) -> np.ndarray:
        """Axial resistance to the parent compartment at ``self.Ra``, MΩ (NEURON ``seg.ri()``)."""
        return self.ri_unit * self.Ra

    def __repr__(self) -> str:
        return (f"CableGeometry<{self.morphology.name}: {self.n_sections} sections, "
                f"{self.n_comp} compartments ({int(self.is_junction.sum())} junctions), "
                f"{self.length.sum():.1f} µm, {self.area.sum():.1f} µm²>")

    # ------------------------------------------------------------------ maps
    def _lookup(self, ids) -> np.ndarray:
        ids = np.atleast_1d(np.asarray(ids))
        if ids.dtype.kind not in "iu":
            try:
                ids = ids.astype(np.int64)
            except (TypeError, ValueError):
                raise UnknownIDError(f"Node IDs must be integers, got {ids[:5].tolist()}.") \
                    from None
        pos = np.searchsorted(self._ids_sorted, ids)
        pos = np.minimum(pos, len(self._ids_sorted) - 1)
        ok = self._ids_sorted[pos] == ids
        if not ok.all():
            raise UnknownIDError(
                f"Node ID(s) {_fmt_ids(np.unique(ids[~ok]))} are not in "
                f"{self.morphology.name} ({self.morphology.n_nodes} nodes).")
        return self._id_order[pos]

    def node_to_compartment(self, node_ids) -> np.ndarray:
        """Compartment index of each node ID (int64 array, same order as given).

        Parameters
        ----------
        node_ids : int or array-like of int
            Skeleton node IDs.

        Returns
        -------
        numpy.ndarray
            int64 compartment indices (Hines order), one per given node ID.

        Raises
        ------
        UnknownIDError
            Listing the IDs that are not nodes of this skeleton.
        """
        rows = self._lookup(node_ids)
        return self.node_table["compartment"].to_numpy()[rows]

    def compartment_to_nodes(self, i: int) -> list:
        """Node IDs that map to compartment ``i`` (possibly empty)."""
        if not 0 <= int(i) < self.n_comp:
            raise UnknownIDError(f"Compartment {i} does not exist (0..{self.n_comp - 1}).")
        a, b = self._c2n_start[int(i)], self._c2n_start[int(i) + 1]
        return self.node_table.index.to_numpy()[self._c2n_order[a:b]].tolist()

    def label_columns(self) -> list:
        """Names of the node-table label columns usable with ``select(subset=...)``."""
        return list(self._label_cols)

    def select(self, where=None, *, nodes=None, connectors=None, subset=None,
               sections=None) -> np.ndarray:
        """Compartments (sorted unique int64 indices) for IDs, labels or sections.

        Parameters
        ----------
        where : int, str, list or dict, optional
            Integers are node IDs, strings are label names (``subset``); a dict may hold the
            keys ``nodes``, ``connectors``, ``subset``/``labels``, ``sections``.
        nodes : int or list of int
            Node IDs.
        connectors : int or list of int
            Connector IDs (through their node).
        subset : str or list of str
            Label values looked up across the label columns (e.g. navis ``compartment``
            'axon', 'dendrite').
        sections : int or list of int
            Section indices (all their compartments, including the x=1 junction).

        Raises
        ------
        UnknownIDError
            Listing unknown node/connector IDs, labels or sections.
        """
        if isinstance(where, dict):
            kw = dict(where)
            nodes = kw.pop("nodes", nodes)
            connectors = kw.pop("connectors", connectors)
            subset = kw.pop("subset", kw.pop("labels", subset))
            sections = kw.pop("sections", sections)
            if kw:
                raise ParameterError(f"select: unknown key(s) {list(kw)}; use nodes, "
                                     "connectors, subset, sections.")
        elif where is not None:
            w = [where] if isinstance(where, str) else list(np.atleast_1d(where))
            if all(isinstance(v, str) for v in w):
                subset = w if subset is None else list(np.atleast_1d(subset)) + w
            else:
                nodes = w if nodes is None else list(np.atleast_1d(nodes)) + w
        out = []
        if nodes is not None:
            out.append(self.node_to_compartment(nodes))
        if connectors is not None:
            out.append(self._connector_compartments(connectors))
        if subset is not None:
            out.append(self._label_compartments(subset))
        if sections is not None:
            secs = np.atleast_1d(np.asarray(sections, dtype=np.int64))
            bad = (secs < 0) | (secs >= self.n_sections)
            if bad.any():
                raise UnknownIDError(f"Section(s) {_fmt_ids(secs[bad])} do not exist "
                                     f"(0..{self.n_sections - 1}).")
            out.append(np.flatnonzero(np.isin(self.section, secs)
                                      & ~((self.x == 0) & self.is_junction)))
        if not out:
            raise ParameterError("select: give node IDs, connector IDs, labels or sections.")
        return np.unique(np.concatenate(out)).astype(np.int64)

    def _connector_compartments(self, connector_ids) -> np.ndarray:
        ct = self.connector_table
        ids = np.atleast_1d(np.asarray(connector_ids))
        known = ct["connector_id"].to_numpy()
        bad = ~np.isin(ids, known)
        if bad.any():
            raise UnknownIDError(f"Connector ID(s) {_fmt_ids(np.unique(ids[bad]))} are not "
                                 f"connectors of {self.morphology.name}.")
        return ct["compartment"].to_numpy()[np.isin(known, ids)]

    def _label_compartments(self, labels) -> np.ndarray:
        labels = [labels] if isinstance(labels, str) else [str(v) for v in labels]
        nt = self.node_table
        mask = np.zeros(len(nt), dtype=bool)
        found = set()
        for c in self._label_cols:
            vals = nt[c].astype(str).to_numpy()
            hit = np.isin(vals, labels)
            mask |= hit
            found.update(np.unique(vals[hit]).tolist())
        missing = [v for v in labels if v not in found]
        if missing:
            avail = sorted({str(v) for c in self._label_cols for v in nt[c].unique()})[:30]
            raise UnknownIDError(
                f"Label(s) {missing} not found in the label columns {self._label_cols} of "
                f"{self.morphology.name}; available values: {avail}.")
        return nt["compartment"].to_numpy()[mask]


class _Ragged:
    """Read-only list of row blocks ``data[start[i]:stop[i]]`` (views), built lazily."""

    def __init__(self, data, start, stop):
        self._data, self._start, self._stop = data, start, stop

    def __len__(self):
        return len(self._start)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"section {i} out of range (0..{len(self) - 1})")
        return self._data[self._start[i]:self._stop[i]]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        return f"<pt3d arrays (x, y, z, diam in µm) of {len(self)} sections>"


# ---------------------------------------------------------------------------- builder
def build_geometry(skeleton, res: float = 10.0, d_lambda: float | None = None,
                   Ra: float = 35.4, cm: float = 1.0, freq: float = 100.0,
                   soma: str = "point", radius_policy="raise", units=None, root=None,
                   heal: bool = False, float32_pt3d: bool = False) -> CableGeometry:
    """Build NEURON-exact cable compartments from a skeleton.

    Parameters
    ----------
    skeleton : navis.TreeNeuron, NeuronList of one, SWC path, DataFrame or Morphology
        The skeleton (node table: node_id, parent_id, x, y, z, radius [+ label columns]).
    res : float
        Maximum segment length, µm: nseg is the smallest odd n with L/n <= res (a promise
        that holds, unlike navis's ``1 + 2*int(L/(2*res))``).  Ignored if ``d_lambda`` is set.
    d_lambda : float, optional
        Use NEURON's d_lambda rule instead: segments no longer than ``d_lambda`` times the
        AC length constant at ``freq`` Hz (computed from the 3-D diameters), odd nseg.
    Ra : float
        Axial resistivity, Ω·cm (NEURON default 35.4); used by the d_lambda rule and ``ri``.
    cm : float
        Specific membrane capacitance, µF/cm² (d_lambda rule only).
    freq : float
        Frequency of the d_lambda rule, Hz.
    soma : {'point', 'sphere'}
        'point' (default, as navis): the soma node is an ordinary 3-D point carrying its
        radius.  'sphere': add a soma section, NEURON's single-point soma (cylinder with
        L = diam = 2r, area 4πr²); the soma's children attach to its centre (x=0.5).
    radius_policy : 'raise', 'neighbours' or float
        Missing/NaN/<=0 radii: raise RadiusError (default), fill from the neighbours'
        mean, or use this radius (µm).
    units : None, 'um', 'nm' or float
        Coordinate units override (µm per unit); navis nm neurons are converted anyway.
    root : int, optional
        Node to root the tree at (default: the soma if the skeleton has one).
    heal : bool
        Join fragments with ``navis.heal_skeleton`` instead of raising SkeletonError.
    float32_pt3d : bool
        Round the 3-D points to single precision as NEURON stores them (its ``Pt3d`` struct
        is float), to reproduce NEURON's numbers bit for bit rather than the float64 geometry.
        Matters only for sections whose length is near the float32 resolution of the
        coordinates (~1e-4 relative at 500 µm from the origin).

    Returns
    -------
    CableGeometry

    Raises
    ------
    SkeletonError, UnitsError, RadiusError, ParameterError
    """
    if soma not in ("point", "sphere"):
        raise ParameterError(f"soma must be 'point' or 'sphere', not {soma!r}.")
    if isinstance(skeleton, Morphology):
        morph = skeleton
    else:
        morph = load_morphology(skeleton, units=units, radius_policy=radius_policy,
                                root=root, heal=heal)
    lay = split_sections(morph.parent, morph.xyz, morph.radius, sphere_soma=soma == "sphere",
                         float32_pt3d=float32_pt3d)
    if d_lambda is not None:
        nseg = nseg_d_lambda(lay, float(d_lambda), float(freq), float(Ra), float(cm))
    else:
        nseg = nseg_res(lay.L, float(res))
    if soma == "sphere":
        nseg[0] = 1
    n_sec = lay.n_sections

    # half-segment boundaries: 2n+1 per section at k L / 2n, the last exactly at L
    nb = 2 * nseg + 1
    b_off = np.concatenate([[0], np.cumsum(nb)[:-1]])
    b_sec = np.repeat(np.arange(n_sec), nb)
    k = np.arange(nb.sum()) - b_off[b_sec]
    two_n = 2 * nseg[b_sec]
    b_arc = lay.L[b_sec] * k / two_n
    b_arc[b_off + nb - 1] = lay.L
    a_cum, r_cum, idx, frac = half_segment_integrals(
        lay.arc, lay.diam, lay.pt_sec, lay.pt_start, lay.pt_end, lay.L, b_sec, b_arc)
    b_xyz = interpolate_points(lay.xyz, idx, frac)
    # the integral from a section's start to its start is 0 (a zero-length step at s = 0,
    # e.g. a duplicate of the attachment node, belongs to the first half, as in NEURON)
    a_cum[b_off] = 0.0
    r_cum[b_off] = 0.0

    # per segment: boundaries 2j, 2j+1, 2j+2 of its section
    s_sec = np.repeat(np.arange(n_sec), nseg)
    s_off = np.concatenate([[0], np.cumsum(nseg)[:-1]])
    j = np.arange(nseg.sum()) - s_off[s_sec]
    b0 = b_off[s_sec] + 2 * j
    seg_area = a_cum[b0 + 2] - a_cum[b0]
    # NEURON clamps each piece's length to >= 1e-15 µm in the resistance integral, so a
    # zero-length section (duplicate nodes) gets a tiny but non-zero ri; floor likewise
    y_b = lay.diam[idx] + (lay.diam[np.minimum(idx + 1, len(lay.diam) - 1)]
                           - lay.diam[idx]) * frac
    floor_l = 1e-15 / (y_b[b0] * y_b[b0 + 1])
    floor_r = 1e-15 / (y_b[b0 + 1] * y_b[b0 + 2])
    r_left = np.maximum(r_cum[b0 + 1] - r_cum[b0], floor_l) * RI_FACTOR
    r_right = np.maximum(r_cum[b0 + 2] - r_cum[b0 + 1], floor_r) * RI_FACTOR

    # compartments: [root junction] + per section [segments..., x=1 junction if children]
    psec, px = lay.parent_section, lay.parent_x
    has_j1 = np.zeros(n_sec, dtype=bool)
    has_j1[psec[(psec >= 0) & (px == 1.0)]] = True
    has_root_j = bool(((psec >= 0) & (px == 0.0)).any())
    per_sec = nseg + has_j1
    c_start = np.concatenate([[0], np.cumsum(per_sec)[:-1]]) + int(has_root_j)
    n_comp = int(per_sec.sum()) + int(has_root_j)
    seg_c = c_start[s_sec] + j
    j1_c = (c_start + nseg)[has_j1]
    j1_secs = np.flatnonzero(has_j1)

    parent = np.full(n_comp, -1, dtype=np.int64)
    area = np.zeros(n_comp)
    ri_unit = np.zeros(n_comp)
    is_j = np.zeros(n_comp, dtype=bool)
    section = np.zeros(n_comp, dtype=np.int64)
    x = np.zeros(n_comp)
    length = np.zeros(n_comp)
    xyz = np.zeros((n_comp, 3))
    seg_start = np.zeros((n_comp, 3))
    seg_end = np.zeros((n_comp, 3))

    # first segment of each section links to its parent node
    first_parent = np.full(n_sec, -1, dtype=np.int64)
    ch = psec >= 0
    junction_of = c_start + nseg  # valid where has_j1
    first_parent[ch & (px == 1.0)] = junction_of[psec[ch & (px == 1.0)]]
    first_parent[ch & (px == 0.0)] = 0
    mid = ch & (px == 0.5)
    first_parent[mid] = c_start[psec[mid]] + (nseg[psec[mid]] * 0.5).astype(np.int64)
    if has_root_j:
        first_parent[0] = 0
    parent[seg_c] = np.where(j == 0, first_parent[s_sec], seg_c - 1)
    area[seg_c] = seg_area
    prev_right = np.concatenate([[0.0], r_right[:-1]])
    ri_unit[seg_c] = r_left + np.where(j == 0, 0.0, prev_right)
    section[seg_c] = s_sec
    x[seg_c] = (j + 0.5) / nseg[s_sec]
    length[seg_c] = lay.L[s_sec] / nseg[s_sec]
    xyz[seg_c] = b_xyz[b0 + 1]
    seg_start[seg_c] = b_xyz[b0]
    seg_end[seg_c] = b_xyz[b0 + 2]

    last_seg = s_off + nseg - 1
    parent[j1_c] = seg_c[last_seg[j1_secs]]
    ri_unit[j1_c] = r_right[last_seg[j1_secs]]
    is_j[j1_c] = True
    section[j1_c] = j1_secs
    x[j1_c] = 1.0
    end_pt = b_xyz[b_off[j1_secs] + nb[j1_secs] - 1]
    xyz[j1_c] = seg_start[j1_c] = seg_end[j1_c] = end_pt
    if has_root_j:
        is_j[0] = True
        xyz[0] = seg_start[0] = seg_end[0] = b_xyz[0]

    # nodes -> (section, x) -> compartment
    nsec_node = lay.node_sec
    L_node = lay.L[nsec_node]
    with np.errstate(divide="ignore", invalid="ignore"):
        xn = np.where(L_node > 0, lay.arc[lay.node_pt] / L_node, 1.0)
    xn[lay.node_is_last] = 1.0
    xn = np.clip(xn, 0.0, 1.0)
    if soma == "sphere":
        xn[0] = 0.5
    else:
        xn[0] = 0.0
    nn = nseg[nsec_node]
    segi = np.minimum((nn * xn).astype(np.int64), nn - 1)
    comp_n = c_start[nsec_node] + segi
    to_j = lay.node_is_last & has_j1[nsec_node]
    comp_n[to_j] = junction_of[nsec_node[to_j]]
    if has_root_j:
        comp_n[0] = 0

    node_table = pd.DataFrame({"section": nsec_node, "x": xn, "compartment": comp_n},
                              index=pd.Index(morph.node_ids, name="node_id"))
    label_cols = []
    for c in morph.labels.columns:
        name = f"label_{c}" if c in _RESERVED else c
        node_table[name] = morph.labels[c].array
        label_cols.append(name)

    ct = morph.connectors.copy()
    if len(ct):
        rows = np.searchsorted(morph.node_ids[np.argsort(morph.node_ids)],
                               ct["node_id"].to_numpy())
        ct["compartment"] = comp_n[np.argsort(morph.node_ids)[rows]]
    else:
        ct["compartment"] = pd.Series(dtype=np.int64)

    pt3d = _Ragged(np.column_stack([lay.xyz, lay.diam]), lay.pt_start, lay.pt_end + 1)
    ids = morph.node_ids[lay.pts_node].tolist()
    sec_nodes = [ids[a:b] for a, b in zip(lay.pt_start.tolist(), (lay.pt_end + 1).tolist())]
    if soma == "sphere":
        sec_nodes[0] = [int(morph.node_ids[0])]
    sections = pd.DataFrame({"parent_section": psec, "parent_x": px, "L": lay.L,
                             "nseg": nseg, "node_ids": sec_nodes})
    sections.index.name = "section"

    return CableGeometry(parent=parent, area=area, ri_unit=ri_unit, is_junction=is_j,
                         section=section, x=x, length=length, xyz=xyz, seg_start=seg_start,
                         seg_end=seg_end, sections=sections, pt3d=pt3d,
                         node_table=node_table, connector_table=ct, morphology=morph,
                         _label_cols=label_cols, Ra=float(Ra), cm=float(cm),
                         res=None if d_lambda is not None else float(res),
                         d_lambda=d_lambda, freq=float(freq), soma=soma,
                         float32_pt3d=bool(float32_pt3d))
