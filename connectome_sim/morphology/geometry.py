"""``build_geometry``: skeleton -> :class:`CableGeometry` (NEURON compartments, pt3d-exact).

See ``docs/dev/contracts.md`` §1 for the field semantics and ``docs/concepts/morphology.md``
for the modelling choices.  Units: µm, µm², MΩ, Ω·cm, µF/cm², Hz.
"""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np
import pandas as pd

from ..errors import IDError, ParameterError, SkeletonError, UnknownIDError, check_flag
from ..ids import as_ids, common_ids, lookup
from .import3d import swc_import3d
from .pt3d import RI_FACTOR, half_segment_integrals, interpolate_points
from .sections import (SectionLayout, drop_zero_length, layout_from_import3d, nseg_d_lambda,
                       nseg_res, split_sections)
from .skeleton import Morphology, Source, _fmt_ids, _load, read_source

log = logging.getLogger(__name__)

__all__ = ["CableGeometry", "build_geometry", "CONVENTIONS", "MorphologyRepairWarning"]


class MorphologyRepairWarning(UserWarning):
    """A morphology was repaired while building the cable (e.g. zero-length sections merged
    into the point they hang from); the message names the nodes."""

_RESERVED = ("section", "x", "compartment")
#: a NEURON location: section name with index, optionally with an arc position, 'dend[3](0.5)'
_NRN_LOC = re.compile(r"^([A-Za-z_]\w*)\[(\d+)\](?:\(\s*([-+0-9.eE]+)\s*\))?$")


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
        self._node_index = pd.Index(self.node_table.index.to_numpy())
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
                f"{self.length.sum():.1f} µm, {self.area.sum():.1f} µm²; "
                f"soma={self.convention!r}: {self.soma_kind}>")

    @property
    def summary(self) -> str:
        """How the morphology became a cable: convention, soma shape, size, repairs made."""
        lines = [f"{self.morphology.name}: {self.n_sections} sections, {self.n_comp} "
                 f"compartments, {self.length.sum():.1f} µm of cable, "
                 f"{self.area.sum():.1f} µm² of membrane",
                 f"convention soma={self.convention!r}: {self.soma_summary}"]
        lines += [f"note: {m}" for m in self.morphology.log]
        return "\n".join(lines)

    # ------------------------------------------------------------------ maps
    def _lookup(self, ids, what: str = "node IDs") -> np.ndarray:
        """Rows of the node table for node IDs (the package's ID policy: exact integers;
        booleans and non-integral floats are refused naming the value)."""
        return lookup(self._node_index, ids, what=what,
                      where=f"{self.morphology.name} ({self.morphology.n_nodes} nodes)")

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
        extra = []
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
            w = [where] if isinstance(where, str) else list(np.atleast_1d(
                np.asarray(where, dtype=object)))
            if not w:
                return np.zeros(0, dtype=np.int64)   # nothing asked, nothing selected
            if all(isinstance(v, str) for v in w):
                locs = [v for v in w if _NRN_LOC.match(v.strip())]
                w = [v for v in w if not _NRN_LOC.match(v.strip())]
                if locs:
                    extra = [self.locate(v) for v in locs]
                if w:
                    subset = w if subset is None else list(np.atleast_1d(subset)) + w
            else:
                nodes = w if nodes is None else list(np.atleast_1d(nodes)) + w
        out = list(extra)
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
            raise ParameterError("select: give node IDs, connector IDs, labels, NEURON section "
                                 "names or sections.")
        return np.unique(np.concatenate(out)).astype(np.int64)

    def locate(self, where: str) -> np.ndarray:
        """Compartments of a NEURON location: ``'dend[3]'`` (the whole section, as
        ``forsec``) or ``'dend[3](0.5)'`` (the node NEURON's ``dend[3](0.5)`` refers to).

        Section names are those NEURON's Import3d gives (``soma[0]``, ``axon[k]``,
        ``dend[k]``, ``apic[k]``, ``dend_<type>[k]``); they exist with ``soma='neuron'``.

        Parameters
        ----------
        where : str
            ``'name[k]'`` or ``'name[k](x)'`` with x in [0, 1] (fraction of the section's
            length; 0 is the node the section hangs from, 1 its end).

        Returns
        -------
        numpy.ndarray
            int64 compartment indices.

        Raises
        ------
        UnknownIDError
            For a name that is not a section of this model (the message lists some).
        """
        m = _NRN_LOC.match(str(where).strip())
        names = self.sections["name"].tolist() if "name" in self.sections else []
        if m is None or not names:
            raise UnknownIDError(
                f"{where!r} is not a NEURON location of {self.morphology.name}"
                + ("; sections have NEURON names only with soma='neuron'" if not names else
                   f"; use 'name[k]' or 'name[k](x)', e.g. {names[0]!r}"))
        name = f"{m.group(1)}[{int(m.group(2))}]"
        try:
            sec = names.index(name)
        except ValueError:
            pref = [n for n in names if n.startswith(m.group(1) + "[")]
            raise UnknownIDError(
                f"section {name!r} is not in {self.morphology.name}: it has "
                f"{len(pref)} {m.group(1)!r} section(s) ({pref[:1] + pref[-1:]}) "
                f"of {len(names)} in all") from None
        if m.group(3) is None:
            return self.select(sections=[sec])
        x = float(m.group(3))
        if not 0.0 <= x <= 1.0:
            raise UnknownIDError(f"{where!r}: x must be in [0, 1], got {x}")
        return np.array([self._at(sec, x)], dtype=np.int64)

    def _at(self, sec: int, x: float) -> int:
        """Compartment of NEURON's node at (section, x) (``node_exact`` semantics)."""
        comps = np.flatnonzero(self.section == sec)
        segs = comps[~self.is_junction[comps]]
        if x <= 0.0:
            return int(self.parent[segs[0]]) if sec != 0 or self.is_junction[0] else int(segs[0])
        if x >= 1.0:
            j = comps[self.is_junction[comps] & (self.x[comps] == 1.0)]
            return int(j[0]) if len(j) else int(segs[-1])
        return int(segs[min(int(len(segs) * x), len(segs) - 1)])

    def _connector_compartments(self, connector_ids) -> np.ndarray:
        ct = self.connector_table
        ids = as_ids(connector_ids, "connectors")
        if not len(ct):
            raise UnknownIDError(f"connectors: {self.morphology.name} has no connectors "
                                 f"(asked for {_fmt_ids(ids)}).")
        known = as_ids(ct["connector_id"], "connector_id")
        ids, known = common_ids(ids, known, what="connectors")
        bad = ~np.isin(ids, known)
        if bad.any():
            raise UnknownIDError(f"Connector ID(s) {_fmt_ids(pd.unique(ids[bad]))} are not "
                                 f"connectors of {self.morphology.name}.")
        return ct["compartment"].to_numpy()[np.isin(known, ids)]

    def _label_compartments(self, labels) -> np.ndarray:
        labels = [labels] if isinstance(labels, str) else [str(v) for v in labels]
        out = []
        # NEURON region names ('soma', 'dend', 'axon', ...) select whole sections, as
        # NEURON's section lists do, when the sections carry NEURON names
        if "region" in self.sections.columns:
            regions = set(self.sections["region"])
            secs = [k for k, r in enumerate(self.sections["region"]) if r in labels]
            if secs:
                out.append(self.select(sections=secs))
            labels = [v for v in labels if v not in regions]
            if not labels:
                return np.concatenate(out)
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
        out.append(nt["compartment"].to_numpy()[mask])
        return np.concatenate(out)


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
#: soma conventions: the NEURON reading (Import3d) and the navis reading
CONVENTIONS = ("neuron", "navis")


def _check_positive(name, value, unit):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number ({unit}), got {value!r}.") from None
    if isinstance(value, (bool, np.bool_)) or not np.isfinite(v) or v <= 0:
        raise ParameterError(f"{name} must be positive and finite ({unit}), got {value!r}.")
    return v


def _convention(soma, kind: str) -> str:
    """The soma convention to use for an input of this kind."""
    if soma is None:
        return "neuron" if kind in ("swc", "morphio") else "navis"
    if soma == "point":   # the name of the navis reading before conventions had names
        return "navis"
    if soma == "sphere":
        raise ParameterError(
            "soma='sphere' was removed: it was not NEURON's reading (it kept the soma-to-"
            "neurite edges as cables and counted a three-point soma twice). Use "
            "soma='neuron' for NEURON's Import3d conventions, or soma='navis'.")
    if soma not in CONVENTIONS:
        raise ParameterError(f"soma must be 'neuron' (NEURON's Import3d reading) or 'navis' "
                             f"(navis's reading), not {soma!r}.")
    if soma == "navis" and kind == "morphio":
        raise ParameterError("soma='navis' does not apply to Neurolucida/HDF5 files (their "
                             "soma is an outline, not a node); use soma='neuron'.")
    return soma


def _swc_types(morph: Morphology) -> np.ndarray:
    """SWC type of each node: an integer 'label' column (navis's name for the SWC type
    column), else 1 for the soma node and 0 (undefined) for the others."""
    if "label" in morph.labels.columns:
        v = pd.to_numeric(morph.labels["label"], errors="coerce").to_numpy()
        if np.isfinite(v).all() and (v == np.round(v)).all():
            return v.astype(np.int64)
    t = np.zeros(morph.n_nodes, dtype=np.int64)
    if morph.soma is not None:
        t[morph.node_ids == morph.soma] = 1
    return t


def _neuron_layout(src: Source, morph: Morphology, file_order: bool, float32_pt3d: bool):
    """Import3d sections for a morphology, as a layout in the Morphology's node order."""
    if src.kind == "morphio":
        cell = src.morphio.cell
        # node k of the file is node ID k + 1; radii repaired by the radius policy replace bad
        # diameters at the nodes' own points, and at parent copies (which carry the child's
        # first diameter) the child's first node's
        bad = ~(np.isfinite(cell.diam) & (cell.diam > 0))
        if bad.any():
            radius = np.empty(morph.n_nodes)
            radius[morph.node_ids - 1] = morph.radius
            pn = cell.pt_node
            nxt = np.minimum(np.arange(len(pn)) + 1, len(pn) - 1)
            node = np.where(pn >= 0, pn, pn[nxt])
            fix = bad & (node >= 0)
            cell.diam[fix] = 2.0 * radius[node[fix]]
        return layout_from_import3d(cell, morph.node_ids - 1, float32_pt3d), cell, []
    types = _swc_types(morph)
    notes = []
    if file_order:
        # Import3d reads the points in SWC ID order
        order = np.argsort(morph.node_ids, kind="stable")
    else:
        order = np.arange(morph.n_nodes)
    inv = np.empty(len(order), dtype=np.int64)
    inv[order] = np.arange(len(order))
    pix = np.where(morph.parent[order] >= 0, inv[np.maximum(morph.parent[order], 0)], -1)
    lines = None
    if src.swc is not None and morph.source_row is not None:
        lines = src.swc.line[morph.source_row[order]]
    cell = swc_import3d(types[order], morph.xyz[order], 2.0 * morph.radius[order], pix,
                        lines=lines)
    return layout_from_import3d(cell, inv, float32_pt3d), cell, notes


def _check_swc_order(src: Source, morph: Morphology) -> str | None:
    """Why the SWC file cannot be read in its own order as Import3d reads it, or None."""
    nodes = src.swc.nodes
    ids = nodes["node_id"].to_numpy()
    par = morph.parent
    pid_of = np.where(par >= 0, morph.node_ids[np.maximum(par, 0)], -1)
    srt = np.sort(morph.node_ids)
    if morph.root != srt[0]:
        return (f"its root (node {morph.root}) does not have the smallest ID; NEURON's Import3d "
                "roots the cell at the smallest ID")
    late = (par >= 0) & (pid_of >= morph.node_ids)
    if late.any():
        k = int(np.flatnonzero(late)[0])
        row = int(morph.source_row[k])
        prow = int(np.flatnonzero(ids == pid_of[k])[0])
        return (f"line {int(src.swc.line[row])}: node {morph.node_ids[k]} has parent "
                f"{pid_of[k]} (line {int(src.swc.line[prow])}), whose ID is not smaller; "
                f"NEURON's Import3d needs every parent's ID below its children's "
                f"({int(late.sum())} node(s) break this)")
    return None


def _soma_summary(convention, kind, morph, cell, lay) -> str:
    if convention == "navis":
        if morph.soma is None:
            return "no soma (navis reading: every node a 3-D point)"
        return (f"soma node {morph.soma} as a 3-D point of radius "
                f"{float(morph.radius[morph.node_ids == morph.soma][0]):.4g} µm "
                "(navis reading: frusta taper from it)")
    k = cell.soma_kind
    if k == "none":
        return "no soma (NEURON Import3d reading)"
    s0 = np.flatnonzero(np.asarray(lay.types) == 1)
    shape = ""
    if len(s0):
        L = float(lay.L[s0[0]])
        d = float(lay.diam[lay.pt_start[s0[0]]:lay.pt_end[s0[0]] + 1].max())
        shape = f", soma[0] L = {L:.4g} µm, max diam {d:.4g} µm"
    what = {"single point": "single-point soma as a cylinder of L = diam",
            "three-point (NeuroMorpho.Org)": "NeuroMorpho.Org three-point soma read as one point"
                                             ", a cylinder of L = diam",
            "soma sections": f"soma of {len(s0)} section(s) through the soma points",
            "contour": "soma contour as a cylinder along its principal axis"}[k]
    return f"{what}{shape} (NEURON Import3d reading; neurites wired to soma(0.5) where NEURON does)"


def build_geometry(skeleton, res: float = 10.0, d_lambda: float | None = None,
                   Ra: float = 35.4, cm: float = 1.0, freq: float = 100.0,
                   soma: str | None = None, radius_policy="raise", units=None, root=None,
                   heal: bool = False, float32_pt3d: bool = False) -> CableGeometry:
    """Build NEURON-exact cable compartments from a skeleton or a morphology file.

    Parameters
    ----------
    skeleton : navis.TreeNeuron, NeuronList of one, path, DataFrame or Morphology
        A navis neuron, a morphology file (SWC ``.swc``; Neurolucida ``.asc`` and HDF5
        ``.h5`` through MorphIO) or a node table (node_id, parent_id, x, y, z, radius
        [+ label columns; an integer ``label`` column is read as the SWC type]).
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
    soma : {None, 'neuron', 'navis'}
        How the soma and the soma-neurite junctions become cable (see the docs page "How your
        morphology becomes a cable").  ``'neuron'``: NEURON's Import3d rules, as
        ``h.Import3d_SWC_read`` / ``h.Import3d_Neurolucida3`` + ``Import3d_GUI.instantiate``
        build the cell (single-point and NeuroMorpho.Org three-point somas become a cylinder
        of L = diam, soma contours a cylinder along their principal axis, neurites leaving a
        point soma are wired to soma(0.5) without the soma-to-first-point cable, sections
        split where the SWC type changes, and are named ``soma[0]``, ``dend[3]``...).
        ``'navis'``: every node is a 3-D point, the soma included (navis's
        ``CompartmentModel`` reading; frusta taper from the soma radius).  Default: 'neuron'
        for files, 'navis' for navis neurons and node tables.
    radius_policy : 'raise', 'neighbours' or float
        Missing/NaN/<=0 radii: raise RadiusError (default), fill from the neighbours'
        mean, or use this radius (µm).
    units : None, 'um', 'nm' or float
        Coordinate units override (µm per unit); navis nm neurons (and SWC files whose navis
        header declares units) are converted anyway.
    root : int, optional
        Node to root the tree at (default: the soma if the skeleton has one; with
        soma='neuron' on a file, the file's first node, as NEURON does).
    heal : bool
        Repair topology instead of raising SkeletonError: join fragments with
        ``navis.heal_skeleton``, and read an SWC file whose parents do not all precede their
        children in depth-first order (NEURON's Import3d refuses such files).
    float32_pt3d : bool
        Round the 3-D points to single precision as NEURON stores them (its ``Pt3d`` struct
        is float), to reproduce NEURON's numbers bit for bit rather than the float64 geometry.
        Matters only for sections whose length is near the float32 resolution of the
        coordinates (~1e-4 relative at 500 µm from the origin).

    Returns
    -------
    CableGeometry
        ``convention`` and ``soma_summary`` say how the soma was read.

    Notes
    -----
    Sections shorter than 1e-6 µm (all their points coincide, e.g. a child at its parent's
    position) are merged into the point they hang from, with a log message naming their
    nodes: as cables they would have no membrane and an unbounded axial conductance.

    Raises
    ------
    SkeletonError, UnitsError, RadiusError, ParameterError
    """
    Ra = _check_positive("Ra", Ra, "Ω·cm")
    cm = _check_positive("cm", cm, "µF/cm²")
    heal = check_flag(heal, "heal")
    float32_pt3d = check_flag(float32_pt3d, "float32_pt3d")
    freq = _check_positive("freq", freq, "Hz")
    if d_lambda is not None:
        d_lambda = _check_positive("d_lambda", d_lambda, "fraction of the length constant")
    else:
        res = _check_positive("res", res, "µm")
    if isinstance(skeleton, Morphology):
        morph = skeleton
        src = Source(nodes=morph.nodes, conn=morph.connectors, scale=1.0, soma=morph.soma,
                     name=morph.name, kind="morphology")
        convention = _convention(soma, src.kind)
        cell = None
    else:
        src = read_source(skeleton, units)
        convention = _convention(soma, src.kind)
        file_root = convention == "neuron" and src.kind in ("swc", "morphio")
        morph = _load(src, radius_policy=radius_policy, root=root, heal=heal,
                      reroot_soma=not file_root,
                      soma_point_alone=convention == "neuron")
    notes = []
    if convention == "navis":
        lay = split_sections(morph.parent, morph.xyz, morph.radius, float32_pt3d=float32_pt3d)
        cell = None
    else:
        file_order = src.kind == "swc" and root is None
        if file_order:
            why = _check_swc_order(src, morph)
            if why is not None:
                if not heal:
                    raise SkeletonError(
                        f"{src.name}: {why}. Sort the file (e.g. navis.write_swc("
                        "navis.read_swc(path), out)), or pass heal=True to read it in "
                        "depth-first order from its root.")
                notes.append(f"read in depth-first order: {why}")
                file_order = False
        lay, cell, more = _neuron_layout(src, morph, file_order, float32_pt3d)
        notes += more
        if cell.notes:
            notes += [n for n in cell.notes if n not in morph.log]
    lay, merged = drop_zero_length(lay, morph.node_ids)
    if merged:
        notes.append(merged)
    for n in notes:
        log.info("%s: %s", morph.name, n)
    if merged:
        warnings.warn(f"{morph.name}: {merged}", MorphologyRepairWarning, stacklevel=2)
    morph.log.extend(notes)
    if d_lambda is not None:
        nseg = nseg_d_lambda(lay, float(d_lambda), freq, Ra, cm)
        _check_size(morph.name, lay, nseg, res, d_lambda)
    else:
        # counted in floats first: an absurd length overflows the integer segment counts
        _check_size(morph.name, lay, np.maximum(np.ceil(lay.L / float(res)), 1.0), res, None)
        nseg = nseg_res(lay.L, float(res))
    g = _assemble(lay, nseg, morph)
    g.update(Ra=Ra, cm=cm, res=None if d_lambda is not None else float(res), d_lambda=d_lambda,
             freq=freq, soma=convention, convention=convention,
             soma_kind=("none" if morph.soma is None else "soma node as a point")
             if cell is None else cell.soma_kind,
             soma_summary=_soma_summary(convention, src.kind, morph, cell, lay),
             float32_pt3d=bool(float32_pt3d))
    return CableGeometry(**g)


#: bytes per compartment of a built and simulated cable model (geometry, matrix, states,
#: records: a generous bound, used to refuse absurd sizes before allocating them)
BYTES_PER_COMPARTMENT = 1024


def _check_size(name, lay, nseg, res, d_lambda):
    """Refuse, before allocating, a compartment count beyond the memory budget: coordinates
    in the wrong units (``units='furlong'``, nm read as µm with d_lambda) would otherwise
    allocate until the process is killed."""
    from ..network.memory import memory_budget

    n = float(np.sum(np.asarray(nseg, dtype=float)))
    budget = memory_budget()
    if n * BYTES_PER_COMPARTMENT > budget:
        rule = f"d_lambda={d_lambda:g}" if d_lambda is not None else f"res={float(res):g} µm"
        raise SkeletonError(
            f"{name}: {n:.3g} compartments (total length {float(np.sum(lay.L)):.3g} µm at "
            f"{rule}) would need about {n * BYTES_PER_COMPARTMENT / 2 ** 30:.3g} GiB, more "
            f"than the memory budget ({budget / 2 ** 30:.3g} GiB); check the coordinate units "
            "(units=) or use longer segments (res=, d_lambda=)")


def _attachments(lay: SectionLayout, nseg: np.ndarray):
    """Where each section connects, resolved through x=0 connections: ``(sec, x)`` is the
    parent section and position of the node the section's first segment links to."""
    psec, px = lay.parent_section, lay.parent_x
    att_sec, att_x = psec.copy(), px.copy()
    for s in np.flatnonzero((px == 0.0) & (psec > 0)):
        # sections are in parent-first order, so the parent's attachment is final
        p = psec[s]
        if psec[p] >= 0:
            att_sec[s], att_x[s] = att_sec[p], att_x[p]
    return att_sec, att_x


def _assemble(lay: SectionLayout, nseg: np.ndarray, morph: Morphology) -> dict:
    """Compartment arrays and maps from a section layout and its segment counts."""
    n_sec = lay.n_sections
    if (lay.parent_section >= np.arange(n_sec)).any():  # pragma: no cover - internal
        raise SkeletonError("internal: sections are not in parent-first order")
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
    # NEURON clamps each piece's length to >= 1e-15 µm in the resistance integral; floor
    # likewise (zero-length sections are merged away before this point)
    y_b = lay.diam[idx] + (lay.diam[np.minimum(idx + 1, len(lay.diam) - 1)]
                           - lay.diam[idx]) * frac
    floor_l = 1e-15 / (y_b[b0] * y_b[b0 + 1])
    floor_r = 1e-15 / (y_b[b0 + 1] * y_b[b0 + 2])
    r_left = np.maximum(r_cum[b0 + 1] - r_cum[b0], floor_l) * RI_FACTOR
    r_right = np.maximum(r_cum[b0 + 2] - r_cum[b0 + 1], floor_r) * RI_FACTOR

    # compartments: [root junction] + per section [segments..., x=1 junction if children]
    att_sec, att_x = _attachments(lay, nseg)
    child = att_sec >= 0
    has_j1 = np.zeros(n_sec, dtype=bool)
    has_j1[att_sec[child & (att_x == 1.0)]] = True
    has_root_j = bool((child & (att_x == 0.0)).any())
    per_sec = nseg + has_j1
    c_start = np.concatenate([[0], np.cumsum(per_sec)[:-1]]) + int(has_root_j)
    n_comp = int(per_sec.sum()) + int(has_root_j)
    seg_c = c_start[s_sec] + j
    j1_c = (c_start + nseg)[has_j1]
    j1_secs = np.flatnonzero(has_j1)
    junction_of = c_start + nseg  # valid where has_j1

    def at(sec, x):
        """Compartment of NEURON's node at (sec, x): x=0 is the section's attachment (the
        root junction for the root), x=1 its end junction, else the segment holding x."""
        sec = np.asarray(sec, dtype=np.int64)
        x = np.asarray(x, dtype=np.float64)
        nn = nseg[sec]
        out = c_start[sec] + np.minimum((nn * x).astype(np.int64), nn - 1)
        end = (x >= 1.0) & has_j1[sec]
        out[end] = junction_of[sec[end]]
        zero = x <= 0.0
        root0 = zero & (sec == 0)
        out[root0] = 0 if has_root_j else c_start[0]
        other = zero & (sec != 0)
        out[other] = first_parent[sec[other]]
        return out

    first_parent = np.full(n_sec, -1, dtype=np.int64)
    kids = np.flatnonzero(child)
    first_parent[kids] = at(att_sec[kids], att_x[kids])
    if has_root_j:
        first_parent[0] = 0

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
    if lay.extra_area is not None and len(lay.extra_area[0]):
        # membrane of merged zero-length sections, on the segment at their attachment
        c = at(*lay.extra_area[:2])
        jn = is_j[c]
        c[jn] = np.where(c[jn] == 0, c_start[0], parent[c[jn]])
        np.add.at(area, c, lay.extra_area[2])
    if (parent[1:] >= np.arange(1, n_comp)).any():  # pragma: no cover - internal
        raise SkeletonError("internal: compartments are not in Hines order")

    # nodes -> (section, x) -> compartment
    comp_n = at(lay.node_sec, lay.node_x)
    node_table = pd.DataFrame({"section": lay.node_sec, "x": lay.node_x, "compartment": comp_n},
                              index=pd.Index(morph.node_ids, name="node_id"))
    label_cols = []
    for c in morph.labels.columns:
        name = f"label_{c}" if c in _RESERVED else c
        node_table[name] = morph.labels[c].array
        label_cols.append(name)

    ct = morph.connectors.copy()
    if len(ct):
        nid = morph.node_ids
        srt = np.argsort(nid)
        q = np.asarray(ct["node_id"].to_numpy()).astype(nid.dtype)
        ct["compartment"] = comp_n[srt[np.searchsorted(nid[srt], q)]]
    else:
        ct["compartment"] = pd.Series(dtype=np.int64)

    pt3d = _Ragged(np.column_stack([lay.xyz, lay.diam]), lay.pt_start, lay.pt_end + 1)
    pn = lay.pts_node
    sec_nodes = [[morph.node_ids[v] for v in pn[a:b] if v >= 0]
                 for a, b in zip(lay.pt_start.tolist(), (lay.pt_end + 1).tolist())]
    sec_nodes = [[int(v) for v in ids] for ids in sec_nodes]
    sections = pd.DataFrame({"parent_section": lay.parent_section, "parent_x": lay.parent_x,
                             "L": lay.L, "nseg": nseg, "node_ids": sec_nodes})
    if lay.names is not None:
        sections.insert(0, "name", lay.names)
        sections.insert(1, "region", [n.split("[")[0] for n in lay.names])
    sections.index.name = "section"
    return dict(parent=parent, area=area, ri_unit=ri_unit, is_junction=is_j,
                section=section, x=x, length=length, xyz=xyz, seg_start=seg_start,
                seg_end=seg_end, sections=sections, pt3d=pt3d,
                node_table=node_table, connector_table=ct, morphology=morph,
                _label_cols=label_cols)
