"""Validated, rerooted skeleton (:class:`Morphology`) from navis / SWC / node-table input.

Everything here works on flat numpy arrays in a topological (depth-first pre-) order: the
root first, every parent before its children, and each unbranched chain contiguous.

Units: coordinates and radii in µm after loading (navis neurons in nm are converted).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import IDError, RadiusError, SkeletonError, UnitsError, check_flag
from ..ids import as_id, as_ids, common_ids

__all__ = ["Morphology", "load_morphology"]

log = logging.getLogger(__name__)

#: columns of a node table that are geometry / topology, never labels
CORE_COLUMNS = ("node_id", "parent_id", "x", "y", "z", "radius")
#: navis's derived node-type column (root/slab/branch/end) is recomputed, not a label
_IGNORED_COLUMNS = ("type",)
#: a median edge length above this (in the claimed units) suggests nm or voxel coordinates
#: (µm skeletons: ~0.1-5; hemibrain 8-nm voxels: ~43; nm: ~340)
NM_EDGE_THRESHOLD = 20.0
#: a point without edges (a lone soma point) whose radius is above this (in the claimed
#: units) suggests nm: soma radii are ~2-50 µm (a few hundred in the largest invertebrate
#: somata), ~2000-50000 in nm
NM_RADIUS_THRESHOLD = 1000.0
_MAX_LISTED = 20


def _fmt_ids(ids) -> str:
    """Format up to ``_MAX_LISTED`` IDs for an error message."""
    ids = list(np.atleast_1d(ids))
    head = ", ".join(str(int(i)) if isinstance(i, (int, np.integer)) else str(i)
                     for i in ids[:_MAX_LISTED])
    more = f" (and {len(ids) - _MAX_LISTED} more)" if len(ids) > _MAX_LISTED else ""
    return f"[{head}]{more}"


@dataclass
class Morphology:
    """A validated single-tree skeleton, rooted where the cable model is rooted.

    Attributes
    ----------
    node_ids : np.ndarray of int64
        Node IDs in depth-first pre-order (root first, parents before children,
        unbranched chains contiguous).
    parent : np.ndarray of int64
        Index (into ``node_ids``) of each node's parent, -1 for the root.
    xyz : np.ndarray of float64, shape (n, 3)
        Coordinates, µm.
    radius : np.ndarray of float64
        Radii, µm (all finite and > 0).
    labels : pandas.DataFrame
        The skeleton's label columns (e.g. navis ``compartment``), indexed by node ID.
    connectors : pandas.DataFrame
        Connector table (``connector_id``, ``node_id``, ``type`` ... ), coordinates in µm;
        empty if the skeleton has none.
    soma : int or None
        Node ID of the soma, if the skeleton declares one.
    name : str
        Label of the source neuron (for messages).
    log : list of str
        What loading changed (unit conversion, rerooting, healing, radius repair).
    source_row : np.ndarray of int64, optional
        Row of the input table (file order for SWC files) of each node.
    """

    node_ids: np.ndarray
    parent: np.ndarray
    xyz: np.ndarray
    radius: np.ndarray
    labels: pd.DataFrame
    connectors: pd.DataFrame
    soma: object = None
    name: str = "skeleton"
    log: list = field(default_factory=list)
    source_row: np.ndarray | None = None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def root(self) -> int:
        """Node ID of the root."""
        return int(self.node_ids[0])

    @property
    def nodes(self) -> pd.DataFrame:
        """Node table (node_id, parent_id, x, y, z, radius in µm, + label columns)."""
        if self.node_ids.dtype == np.uint64:   # -1 and IDs above 2**63 share no dtype
            pid = pd.Series([int(self.node_ids[p]) if p >= 0 else -1 for p in self.parent],
                            dtype=object)
        else:
            pid = np.where(self.parent >= 0, self.node_ids[np.maximum(self.parent, 0)], -1)
        df = pd.DataFrame({"node_id": self.node_ids, "parent_id": pid,
                           "x": self.xyz[:, 0], "y": self.xyz[:, 1], "z": self.xyz[:, 2],
                           "radius": self.radius})
        for c in self.labels.columns:
            df[c] = self.labels[c].array
        return df

    def edge_lengths(self) -> np.ndarray:
        """Length of the edge from each node to its parent, µm (0 for the root)."""
        p = np.maximum(self.parent, 0)
        d = np.linalg.norm(self.xyz - self.xyz[p], axis=1)
        d[self.parent < 0] = 0.0
        return d

    def cable_length(self) -> float:
        """Total cable length, µm."""
        return float(self.edge_lengths().sum())

    def membrane_area(self) -> float:
        """Total lateral area of the frusta between nodes and parents, µm².

        ``π (r1 + r2) sqrt(l² + (r1 - r2)²)`` per edge (an annulus when l = 0), NEURON's
        formula for the pt3d frusta; the soma gets no special treatment.
        """
        p = np.maximum(self.parent, 0)
        r1, r2 = self.radius, self.radius[p]
        a = np.pi * (r1 + r2) * np.sqrt(self.edge_lengths() ** 2 + (r1 - r2) ** 2)
        a[self.parent < 0] = 0.0
        return float(a.sum())


# --------------------------------------------------------------------------- input
@dataclass
class Source:
    """What a skeleton argument holds, before validation.

    ``kind`` is 'navis', 'table', 'swc' (an SWC file), 'morphio' (ASC/HDF5 through MorphIO)
    or 'morphology'; ``swc`` keeps the file's lines and types, ``morphio`` the MorphIO file.
    """

    nodes: pd.DataFrame
    conn: pd.DataFrame | None
    scale: float | None
    soma: object
    name: str
    kind: str
    swc: object = None
    morphio: object = None
    notes: list = field(default_factory=list)


def read_source(skeleton, units=None) -> Source:
    """Turn any accepted skeleton argument into a :class:`Source` (no validation yet)."""
    from .files import MORPHIO_SUFFIXES, SWC_SUFFIXES, read_morphio_file, read_swc_file

    soma = None
    name = "skeleton"
    scale = None
    kind = "table"
    swc = mio = None
    notes: list = []
    if isinstance(skeleton, (str, os.PathLike)):
        path = os.fspath(skeleton)
        name = os.path.basename(path)
        low = path.lower()
        if low.endswith(SWC_SUFFIXES):
            swc = read_swc_file(path)
            nodes, conn, kind = swc.nodes, None, "swc"
            is_soma = swc.nodes["label"].to_numpy() == 1
            if is_soma.any():   # navis.read_swc: the first soma-labelled node
                soma = swc.nodes["node_id"].to_numpy()[int(np.argmax(is_soma))]
            if swc.units is not None:
                scale = _units_scale(swc.units)
                notes.append(f"units {swc.units!r} from the file's header")
            notes.extend(swc.notes)
        elif low.endswith(MORPHIO_SUFFIXES):
            from .import3d import morphio_import3d

            mio = read_morphio_file(path)
            cell, pieces = morphio_import3d(mio.sections, mio.soma_points, mio.soma_diameters,
                                            mio.soma_type, path)
            mio.cell = cell
            pid = np.where(pieces["parent"] >= 0,
                           pieces["node_id"][np.maximum(pieces["parent"], 0)], -1)
            nodes = pd.DataFrame({"node_id": pieces["node_id"], "parent_id": pid,
                                  "x": pieces["xyz"][:, 0], "y": pieces["xyz"][:, 1],
                                  "z": pieces["xyz"][:, 2], "radius": pieces["radius"],
                                  "label": pieces["type"]})
            conn, kind = None, "morphio"
            soma = 1 if cell.soma_kind != "none" else None
            notes.extend(mio.notes + cell.notes)
        else:
            if not os.path.exists(path):
                raise SkeletonError(f"morphology file {path!r} does not exist.")
            raise SkeletonError(
                f"{path!r}: unknown morphology format {os.path.splitext(path)[1]!r}; read "
                "SWC (.swc), Neurolucida (.asc) or HDF5 (.h5) files, or pass a node table "
                "DataFrame (node_id, parent_id, x, y, z, radius).")
        if units is not None:
            scale = _units_scale(units)
        return Source(nodes, conn, scale, soma, name, kind, swc, mio, notes)

    import navis

    if isinstance(skeleton, navis.NeuronList):
        if len(skeleton) != 1:
            raise SkeletonError(
                f"Got a NeuronList of {len(skeleton)} neurons; build_geometry takes one "
                "neuron. Pass nl[i] (or loop over the list).")
        skeleton = skeleton[0]
    if isinstance(skeleton, navis.TreeNeuron):
        nodes = skeleton.nodes
        conn = skeleton.connectors if skeleton.has_connectors else None
        name = str(getattr(skeleton, "name", None) or getattr(skeleton, "id", name))
        kind = "navis"
        s = skeleton.soma
        if s is not None:
            s = np.atleast_1d(s)
            if len(s) > 1:
                log.info("%s declares %d soma nodes %s; rooting at the first.",
                         name, len(s), list(s))
            soma = s[0] if len(s) else None
        u = getattr(skeleton, "units", None)
        try:
            if u is not None and not u.dimensionless:
                scale = float(u.to("micrometer").magnitude)
        except Exception:  # pint dimensionality error: not a length
            scale = None
    elif isinstance(skeleton, pd.DataFrame):
        nodes = skeleton
        conn = None
    else:
        raise SkeletonError(
            f"Cannot build a geometry from a {type(skeleton).__name__}: pass a navis "
            "TreeNeuron, a NeuronList of one neuron, a morphology file path (.swc, .asc, "
            ".h5), or a DataFrame with node_id, parent_id, x, y, z, radius.")
    if units is not None:
        scale = _units_scale(units)
    return Source(nodes, conn, scale, soma, name, kind, notes=notes)


_UNITS = {"um": 1.0, "µm": 1.0, "micron": 1.0, "microns": 1.0, "micrometer": 1.0,
          "micrometers": 1.0, "micrometre": 1.0, "micrometres": 1.0, "nm": 1e-3,
          "nanometer": 1e-3, "nanometers": 1e-3, "nanometre": 1e-3, "nanometres": 1e-3}
_NUMBER_UNIT = re.compile(r"^([0-9]+(?:\.[0-9]*)?)\s*([a-zµ]+)$")


def _units_scale(units) -> float:
    """Micrometres per coordinate unit for ``units`` ('um', 'nm', a number, or a pint string)."""
    if isinstance(units, (bool, np.bool_)):
        raise UnitsError(f"units={bool(units)}: expected 'um', 'nm' or a number of µm per "
                         "coordinate unit, not a boolean.")
    if isinstance(units, (int, float, np.number)):
        return float(units)
    u = str(units).strip().lower()
    if u in _UNITS:
        return _UNITS[u]
    # "<number> <unit>" (navis writes e.g. "1.0 micrometer" or "8 nanometer" into SWC
    # headers) without importing pint (a second of import): the same value as pint's
    m = _NUMBER_UNIT.match(str(units).strip())
    if m and m.group(2) in _UNITS:
        return float(m.group(1)) * _UNITS[m.group(2)]
    try:
        import pint

        return float(pint.UnitRegistry()(units).to("micrometer").magnitude)
    except Exception as exc:
        raise UnitsError(f"Unknown units {units!r}: use 'um', 'nm' or a number of µm "
                         "per coordinate unit.") from exc


# --------------------------------------------------------------------------- checks
def _check_columns(nodes: pd.DataFrame, name: str):
    missing = [c for c in ("node_id", "parent_id", "x", "y", "z") if c not in nodes.columns]
    if missing:
        raise SkeletonError(f"{name}: node table lacks column(s) {missing}; need node_id, "
                            "parent_id, x, y, z, radius (µm).")


def _node_ids(nodes: pd.DataFrame, name: str) -> np.ndarray:
    """Node IDs under the package's ID policy (exact int64/uint64); strings are refused."""
    try:
        ids = as_ids(nodes["node_id"], f"{name}: node_id")
    except IDError as exc:
        raise SkeletonError(str(exc)) from None
    if ids.dtype == object:
        raise SkeletonError(f"{name}: node IDs must be integers (skeleton parents are given as "
                            f"IDs with -1 for a root), got strings such as {list(ids[:3])}.")
    if ids.dtype.kind == "i" and (ids < 0).any():
        raise SkeletonError(f"{name}: node IDs must be >= 0 (a negative parent_id marks a "
                            f"root), got {_fmt_ids(ids[ids < 0])}.")
    return ids


def _parent_index(node_ids: np.ndarray, parent_col, name: str) -> np.ndarray:
    """Parent position of each node (-1 for roots: a negative, NaN or None parent)."""
    col = pd.Series(parent_col).reset_index(drop=True)
    vals = col.to_numpy()
    if vals.dtype.kind in "iu":
        is_root = vals < 0 if vals.dtype.kind == "i" else np.zeros(len(vals), bool)
    elif vals.dtype.kind == "f":
        is_root = np.isnan(vals) | (vals < 0)
    else:
        is_root = np.array([v is None or (isinstance(v, float) and np.isnan(v))
                            or (isinstance(v, (int, np.integer, float, np.floating))
                                and not isinstance(v, (bool, np.bool_)) and v < 0)
                            for v in vals], dtype=bool)
    parent = np.full(len(vals), -1, dtype=np.int64)
    if (~is_root).any():
        try:
            pq = as_ids(vals[~is_root], f"{name}: parent_id")
            pq, nid = common_ids(pq, node_ids, what=f"{name}: parent_id and node_id")
        except IDError as exc:
            raise SkeletonError(str(exc)) from None
        order = np.argsort(nid, kind="stable")
        srt = nid[order]
        pos = np.minimum(np.searchsorted(srt, pq), len(srt) - 1)
        found = srt[pos] == pq
        if not found.all():
            kids = node_ids[~is_root][~found]
            raise SkeletonError(
                f"{name}: node(s) {_fmt_ids(kids)} have parent(s) "
                f"{_fmt_ids(np.unique(pq[~found]))} that do not exist. Fix the node table "
                "(set parent_id = -1 for a root) or prune those nodes.")
        parent[~is_root] = order[pos]
    return parent


def _topology(node_ids: np.ndarray, parent: np.ndarray, name: str):
    """Validate IDs (unique) and parent links (no cycles); returns ``parent``."""
    uniq, counts = np.unique(node_ids, return_counts=True)
    if (counts > 1).any():
        raise SkeletonError(f"{name}: duplicate node IDs {_fmt_ids(uniq[counts > 1])}; "
                            "node IDs must be unique.")
    self_loop = parent == np.arange(len(parent))
    if self_loop.any():
        raise SkeletonError(f"{name}: node(s) {_fmt_ids(node_ids[self_loop])} are their own "
                            "parent (a cycle). Set their parent_id to -1 or fix it.")
    # pointer doubling: nodes that never reach a root lie on/under a cycle
    reach = parent.copy()
    for _ in range(int(np.ceil(np.log2(max(len(parent), 2)))) + 1):
        ok = reach >= 0
        reach[ok] = reach[reach[ok]]
    stuck = reach >= 0
    if stuck.any():
        # nodes on the cycles themselves: follow n steps from a stuck node
        cyc = set()
        for start in np.flatnonzero(stuck)[:5]:
            seen = []
            v = start
            while v not in seen:
                seen.append(v)
                v = parent[v]
            cyc.update(seen[seen.index(v):])
        raise SkeletonError(
            f"{name}: the parent links form a cycle through node(s) "
            f"{_fmt_ids(sorted(node_ids[list(cyc)]))} ({int(stuck.sum())} node(s) never reach "
            "a root). A skeleton must be a tree: break the cycle by setting one parent_id to -1.")
    return parent


def _fragments(parent: np.ndarray) -> np.ndarray:
    """Root index of each node's tree (vectorised pointer doubling)."""
    root_of = np.where(parent < 0, np.arange(len(parent)), parent)
    while True:
        nxt = root_of[root_of]
        if np.array_equal(nxt, root_of):
            return root_of
        root_of = nxt


def _preorder(parent: np.ndarray, root: int) -> np.ndarray:
    """Depth-first pre-order from ``root``, children in ascending index order (the order of
    scipy's ``csgraph.depth_first_order`` on the parent -> child graph: a node's first child
    follows it immediately, so unbranched chains are contiguous).  Nodes not reachable from
    ``root`` are left out.  (A loop over lists: scipy's import alone takes longer for any
    skeleton of fewer than about a million nodes.)"""
    parent = np.asarray(parent, np.int64)
    ch = np.flatnonzero(parent >= 0)
    kids = ch[np.argsort(parent[ch], kind="stable")].tolist()
    ptr = np.concatenate([[0], np.cumsum(np.bincount(parent[ch], minlength=len(parent)))])
    ptr = ptr.tolist()
    out = []
    stack = [int(root)]
    while stack:
        v = stack.pop()
        out.append(v)
        lo, hi = ptr[v], ptr[v + 1]
        if hi - lo == 1:
            stack.append(kids[lo])
        elif hi > lo:
            stack.extend(kids[hi - 1:lo - 1 if lo else None:-1])
    return np.array(out, dtype=np.int64)


def _reroot(parent: np.ndarray, new_root: int) -> np.ndarray:
    """Reverse the parent links on the path from ``new_root`` to the old root."""
    parent = parent.copy()
    path = [new_root]
    while parent[path[-1]] >= 0:
        path.append(int(parent[path[-1]]))
    for child, par in zip(path[:-1], path[1:]):
        parent[par] = child
    parent[new_root] = -1
    return parent


def _check_radius_policy(policy):
    """'raise', 'neighbours' (or 'neighbors') or a positive finite radius in µm."""
    if isinstance(policy, str) and policy in ("raise", "neighbours", "neighbors"):
        return
    if isinstance(policy, (bool, np.bool_, str)) or policy is None:
        raise RadiusError(f"radius_policy must be 'raise', 'neighbours' or a radius in µm, "
                          f"not {policy!r}.")
    try:
        value = float(policy)
    except (TypeError, ValueError):
        raise RadiusError(f"radius_policy must be 'raise', 'neighbours' or a radius in "
                          f"µm, not {policy!r}.") from None
    if not np.isfinite(value) or value <= 0:
        raise RadiusError(f"radius_policy={policy!r} is not a positive radius (µm).")


def _repair_radii(radius, parent, node_ids, policy, name, logs):
    bad = ~np.isfinite(radius) | (radius <= 0)
    if not bad.any():
        return radius
    if isinstance(policy, str) and policy == "raise":
        raise RadiusError(
            f"{name}: node(s) {_fmt_ids(node_ids[bad])} have missing, NaN or non-positive "
            "radii. Fix them, or pass radius_policy='neighbours' (mean of the valid "
            "neighbours' radii) or radius_policy=<radius in µm>.")
    radius = radius.copy()
    if isinstance(policy, str) and policy in ("neighbours", "neighbors"):
        if bad.all():
            raise RadiusError(f"{name}: no node has a valid radius (e.g. node(s) "
                              f"{_fmt_ids(node_ids[:5])}); radius_policy='neighbours' "
                              "needs some. Pass radius_policy=<radius in µm>.")
        has_p = parent >= 0
        todo = bad.copy()
        while todo.any():
            valid = ~todo
            val = np.where(valid, radius, 0.0)
            s = np.zeros(len(radius))
            c = np.zeros(len(radius))
            ch = np.flatnonzero(has_p)
            # neighbours: parent and children
            np.add.at(s, ch, val[parent[ch]])
            np.add.at(c, ch, valid[parent[ch]])
            np.add.at(s, parent[ch], val[ch])
            np.add.at(c, parent[ch], valid[ch])
            fill = todo & (c > 0)
            radius[fill] = s[fill] / c[fill]
            todo &= ~fill
        msg = (f"filled {int(bad.sum())} bad radii from their neighbours (nodes "
               f"{_fmt_ids(node_ids[bad])})")
    else:
        _check_radius_policy(policy)
        value = float(policy)
        radius[bad] = value
        msg = (f"set {int(bad.sum())} bad radii to {value} µm (nodes "
               f"{_fmt_ids(node_ids[bad])})")
    log.info("%s: %s", name, msg)
    logs.append(msg)
    return radius


def _heal(nodes: pd.DataFrame, name: str, logs: list) -> pd.DataFrame:
    """Join fragments with navis.heal_skeleton (minimum spanning tree over all nodes)."""
    import navis

    tn = navis.TreeNeuron(nodes[list(CORE_COLUMNS)].copy())
    healed = navis.heal_skeleton(tn, method="ALL")
    hn = healed.nodes.set_index("node_id")
    new_parent = hn.loc[nodes["node_id"].to_numpy(), "parent_id"].to_numpy()
    changed = new_parent != nodes["parent_id"].to_numpy()
    out = nodes.copy()
    out["parent_id"] = new_parent
    msg = (f"healed {name}: navis.heal_skeleton changed the parent of {int(changed.sum())} "
           f"node(s) {_fmt_ids(nodes['node_id'].to_numpy()[changed])}")
    log.info(msg)
    logs.append(msg)
    return out


# --------------------------------------------------------------------------- main
def load_morphology(skeleton, *, units=None, radius_policy="raise", root=None, heal=False,
                    reroot_soma=True) -> Morphology:
    """Validate a skeleton and return it as a single rooted tree in µm.

    Parameters
    ----------
    skeleton : navis.TreeNeuron, navis.NeuronList (of one), path or DataFrame
        A navis neuron, a morphology file (SWC ``.swc``, Neurolucida ``.asc`` or HDF5 ``.h5``;
        see :mod:`connectome_sim.morphology.files`) or a node table with columns
        ``node_id``, ``parent_id`` (-1, <0 or NaN for the root), ``x``, ``y``, ``z``,
        ``radius``; any other columns (except navis's derived ``type``) are kept as labels.
        Node IDs are exact integers (int64, or uint64 above 2**63); booleans, rounded floats
        and strings are refused (:mod:`connectome_sim.ids`).
    units : None, 'um', 'nm', float
        Override the coordinate units (µm per unit).  By default navis units are used
        (nm neurons are converted, with a log message), as is a navis ``# Meta:`` units line
        in an SWC header; unknown units are accepted as µm unless the median edge length
        exceeds 20, which looks like nm (or voxels) and is refused.
    radius_policy : 'raise', 'neighbours' or float
        What to do with missing/NaN/<=0 radii: raise :class:`RadiusError` (default), fill
        each from the mean of its valid neighbours, or set them to this radius (µm).
    root : int, optional
        Node ID to root the tree at.  Default: the skeleton's soma if it declares one.
    heal : bool
        Join fragments with ``navis.heal_skeleton`` instead of raising.
    reroot_soma : bool
        Reroot at the soma when the skeleton has one (default True).

    Returns
    -------
    Morphology

    Raises
    ------
    SkeletonError, UnitsError, RadiusError
        With the offending node IDs (and file lines) in the message.
    """
    src = skeleton if isinstance(skeleton, Source) else read_source(skeleton, units)
    return _load(src, radius_policy=radius_policy, root=root, heal=heal,
                 reroot_soma=reroot_soma, soma_keyword=False)


def _load(src: Source, *, radius_policy="raise", root=None, heal=False,
          reroot_soma=True, soma_point_alone=False, soma_keyword=True) -> Morphology:
    nodes, conn, scale, soma, name = src.nodes, src.conn, src.scale, src.soma, src.name
    heal = check_flag(heal, "heal")
    reroot_soma = check_flag(reroot_soma, "reroot_soma")
    _check_radius_policy(radius_policy)     # a typo is refused even when no radius needs it
    _check_columns(nodes, name)
    logs: list = list(src.notes)
    nodes = nodes.reset_index(drop=True)
    node_ids = _node_ids(nodes, name)
    # (the SWC type as a number, as geometry reads it: a float column's 1.0 is type 1)
    lone_soma = (len(node_ids) == 1 and "label" in nodes.columns
                 and nodes["label"].dtype.kind != "b"
                 and pd.to_numeric(nodes["label"], errors="coerce").iloc[0] == 1)
    if len(node_ids) < 2 and not (lone_soma and soma_point_alone):
        # NEURON's Import3d makes a lone soma point a cylinder (L = diam); the other
        # readings have no cable to make of one point
        # (load_morphology has no soma keyword: name the calls that have one)
        how = ("pass soma='neuron'" if soma_keyword else "build it with build_geometry(..., "
               "soma='neuron') or CompartmentModel(..., soma='neuron'); load_morphology "
               "reads trees of 2 nodes or more")
        hint = (" A lone soma point (SWC type 1) is a soma-only cell under NEURON's "
                f"convention: {how}." if lone_soma else "")
        raise SkeletonError(f"{name}: a cable model needs at least 2 nodes, got "
                            f"{len(node_ids)} (node(s) {_fmt_ids(node_ids)}).{hint}")
    parent = _topology(node_ids, _parent_index(node_ids, nodes["parent_id"], name), name)
    roots = np.flatnonzero(parent < 0)
    if len(roots) > 1:
        if not heal:
            frag = _fragments(parent)
            sizes = np.bincount(frag, minlength=len(parent))[roots]
            desc = ", ".join(f"{node_ids[r]} ({int(s)} nodes)"
                             for r, s in list(zip(roots, sizes))[:_MAX_LISTED])
            raise SkeletonError(
                f"{name} is in {len(roots)} fragments, rooted at node(s) {desc}. A cable "
                "model needs one tree: heal it first (navis.heal_skeleton(neuron)), pass "
                "heal=True to join the fragments the same way, or keep one fragment.")
        nodes = _heal(nodes, name, logs)
        parent = _topology(node_ids, _parent_index(node_ids, nodes["parent_id"], name), name)
        roots = np.flatnonzero(parent < 0)

    xyz = nodes[["x", "y", "z"]].to_numpy(dtype=np.float64)
    if not np.isfinite(xyz).all():
        badn = node_ids[~np.isfinite(xyz).all(axis=1)]
        raise SkeletonError(f"{name}: node(s) {_fmt_ids(badn)} have NaN/inf coordinates.")
    if "radius" in nodes.columns:
        radius = pd.to_numeric(nodes["radius"], errors="coerce").to_numpy(dtype=np.float64)
    else:
        radius = np.full(len(node_ids), np.nan)

    # units
    if scale is None:
        p = np.maximum(parent, 0)
        el = np.linalg.norm(xyz - xyz[p], axis=1)[parent >= 0]
        med = float(np.median(el)) if len(el) else 0.0
        if med > NM_EDGE_THRESHOLD:
            k = int(np.flatnonzero(parent >= 0)[np.argmax(el)])
            raise UnitsError(
                f"{name}: units are not declared and the median edge length is {med:.4g}, "
                f"which looks like nanometres (µm skeletons have edges of ~0.1-5; the longest, "
                f"node {node_ids[k]} -> parent {node_ids[parent[k]]}, is "
                f"{float(el.max()):.4g}). Convert "
                "first (navis: neuron.convert_units('um')), or pass units='nm' (or units=<µm "
                "per unit>), or units='um' if these really are µm.")
        big = np.isfinite(radius) & (radius > NM_RADIUS_THRESHOLD)
        if not len(el) and big.any():
            # no edge to measure (one soma point): its radius is the only length there is
            raise UnitsError(
                f"{name}: units are not declared and node(s) {_fmt_ids(node_ids[big])} have "
                f"radius {float(radius[big].max()):.4g}, which looks like nanometres (soma "
                "radii in µm are ~2-50). Pass units='nm' (or units=<µm per unit>), or "
                "units='um' if these really are µm.")
        scale = 1.0
    elif not (np.isfinite(scale) and scale > 0):
        raise UnitsError(f"{name}: units must be a positive length, got {scale} µm per unit.")
    elif scale != 1.0:
        msg = f"converted {name} from {scale:g} µm per unit to µm (coordinates and radii)"
        log.info(msg)
        logs.append(msg)
    xyz = xyz * scale
    radius = radius * scale

    # root / soma
    root_idx = int(roots[0])
    want = root if root is not None else (soma if reroot_soma else None)
    if want is not None:
        try:
            hit = np.flatnonzero(node_ids == as_id(want, "root"))
        except IDError as exc:
            raise SkeletonError(str(exc)) from None
        if len(hit) == 0:
            raise SkeletonError(f"{name}: root/soma node {want} is not in the skeleton.")
        if hit[0] != root_idx:
            parent = _reroot(parent, int(hit[0]))
            msg = (f"rerooted {name} at {'node' if root is not None else 'soma node'} "
                   f"{want} (was {node_ids[root_idx]})")
            log.info(msg)
            logs.append(msg)
            root_idx = int(hit[0])
    elif soma is not None and not reroot_soma and soma != node_ids[root_idx]:
        logs.append(f"kept the first node {node_ids[root_idx]} as the root, as NEURON's "
                    f"Import3d does; the first soma node is {soma}")

    radius = _repair_radii(radius, parent, node_ids, radius_policy, name, logs)

    # reorder in depth-first pre-order
    order = _preorder(parent, root_idx)
    inv = np.empty(len(order), dtype=np.int64)
    inv[order] = np.arange(len(order))
    new_parent = np.where(parent[order] >= 0, inv[np.maximum(parent[order], 0)], -1)

    label_cols = [c for c in nodes.columns if c not in CORE_COLUMNS
                  and c not in _IGNORED_COLUMNS]
    labels = nodes.loc[order, label_cols].copy()
    labels.index = pd.Index(node_ids[order], name="node_id")
    if "label" in labels.columns and "region" not in labels.columns:
        reg = _regions(labels["label"])
        if reg is not None:
            labels["region"] = reg

    if conn is not None and len(conn):
        conn = conn.copy()
        for c in ("x", "y", "z"):
            if c in conn.columns:
                conn[c] = conn[c].astype(np.float64) * scale
        try:
            cnode = as_ids(conn["node_id"], f"{name}: connectors' node_id")
            cnode, nid = common_ids(cnode, node_ids, what=f"{name}: connector node_id")
        except IDError as exc:
            raise SkeletonError(str(exc)) from None
        unknown = ~np.isin(cnode, nid)
        if unknown.any():
            cid = conn["connector_id"].to_numpy()[unknown] if "connector_id" in conn else []
            raise SkeletonError(
                f"{name}: connector(s) {_fmt_ids(cid)} sit on node(s) "
                f"{_fmt_ids(cnode[unknown])} that are not in the skeleton.")
    else:
        conn = pd.DataFrame({"connector_id": pd.Series(dtype=np.int64),
                             "node_id": pd.Series(dtype=np.int64),
                             "type": pd.Series(dtype=object)})
    return Morphology(node_ids=node_ids[order], parent=new_parent, xyz=xyz[order],
                      radius=radius[order], labels=labels, connectors=conn.reset_index(drop=True),
                      soma=soma, name=name, log=logs, source_row=order)


def _regions(label: pd.Series):
    """NEURON's region names ('soma', 'axon', 'dend', 'apic', 'dend_5'...) for an integer SWC
    type column, or None when the column does not hold SWC types."""
    from .import3d import region_name

    v = pd.to_numeric(label, errors="coerce")
    if v.isna().any() or not (v == np.round(v)).all():
        return None
    return [region_name(t) for t in v.astype(np.int64)]
