"""Synapse tables -> synapses on skeleton nodes (parsing, site snapping, signs, delays).

This is the description side of :meth:`Circuit.connect_synapses`: it turns a user's synapse
table into one row per synapse with the presynaptic and postsynaptic **node IDs**, the weight
(µS), the Exp2Syn kinetics (tau1/tau2 in ms, reversal e in mV), the NetCon threshold (mV) and
delay (ms).  It works on plain node tables, so it does not depend on the solver.

Sites
-----
Each side of a synapse is given by one of (checked in this order):

* ``pre_node`` / ``post_node``: skeleton node IDs;
* ``pre_connector`` / ``post_connector``: connector IDs of that neuron's connector table
  (mapped to the connector's ``node_id``);
* ``pre_x, pre_y, pre_z`` / ``post_x, post_y, post_z``: coordinates (µm, the skeleton's units
  after conversion) snapped to the nearest node of that neuron with a KD-tree
  (:class:`scipy.spatial.cKDTree`).  The snapping distance is reported in the
  ``pre_snap``/``post_snap`` columns (µm, 0 for node/connector sites); a distance above
  ``max_snap`` raises, because it usually means wrong units or a synapse assigned to the
  wrong neuron.

Signs
-----
A ``sign`` column (+1 / -1, or any number whose sign is used) or a neurotransmitter column
(``nt``, ``neurotransmitter``, ``transmitter``, ``nt_type``) decides excitatory vs inhibitory:
GABA and glutamate are inhibitory (Drosophila GluCl, as Shiu et al. 2024), everything else
(acetylcholine, dopamine, serotonin, octopamine...) excitatory.  Excitatory synapses default to
the AMPA preset, inhibitory to GABA-A (see :data:`connectome_sim.cable.drives.RECEPTORS`);
explicit ``tau1``/``tau2``/``e`` columns (or a ``receptor`` column) override the defaults.
Weights are conductances and must be >= 0 (µS); a negative weight without a sign column is
read as an inhibitory synapse of weight ``|w|``.

Delays
------
``delay`` (ms) may be a column or a scalar.  With ``velocity`` (m/s, i.e. 1000 µm/ms) the delay
becomes ``delay + path_length / velocity``, where the path length is measured along the
presynaptic skeleton from the spike-detection node (see ``detect``) to the presynaptic site.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from connectome_sim.cable.drives import receptor
from connectome_sim.errors import ParameterError, SkeletonError, UnknownIDError, check_number

__all__ = ["NT_SIGN", "parse_synapse_table", "snap_points", "path_length_to_root"]

#: sign by neurotransmitter (lower-case names and common abbreviations)
NT_SIGN = {
    "gaba": -1, "glutamate": -1, "glut": -1, "glu": -1,
    "acetylcholine": 1, "ach": 1, "cholinergic": 1, "dopamine": 1, "da": 1,
    "serotonin": 1, "ser": 1, "5ht": 1, "5-ht": 1, "octopamine": 1, "oct": 1,
    "histamine": -1, "his": -1,
}
_NT_COLUMNS = ("nt", "neurotransmitter", "transmitter", "nt_type", "predicted_nt")


def snap_points(nodes: pd.DataFrame, xyz: np.ndarray, *, neuron=None, side: str = "",
                max_snap: float = np.inf, rows=None) -> tuple[np.ndarray, np.ndarray]:
    """Snap points to the nearest skeleton node.

    Parameters
    ----------
    nodes : pandas.DataFrame
        Node table with columns ``node_id`` (or the index), ``x``, ``y``, ``z`` (µm).
    xyz : array (n, 3)
        Points to snap (µm).
    neuron : optional
        Neuron ID, for error messages.
    side : str
        ``'pre'`` or ``'post'``, for error messages.
    max_snap : float
        Largest accepted distance (µm); farther points raise :class:`SkeletonError`.
    rows : sequence, optional
        Row labels of the points in the user's table, for error messages.

    Returns
    -------
    node_ids : ndarray
        Nearest node ID of each point.
    distance : ndarray
        Distance to it (µm).
    """
    ids = nodes["node_id"].to_numpy() if "node_id" in nodes.columns else nodes.index.to_numpy()
    tree = cKDTree(nodes[["x", "y", "z"]].to_numpy(dtype=np.float64))
    xyz = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
    if not np.all(np.isfinite(xyz)):
        bad = np.flatnonzero(~np.isfinite(xyz).all(axis=1))
        lab = (np.asarray(rows)[bad] if rows is not None else bad).tolist()
        raise ParameterError(f"{side} coordinates of rows {lab[:10]} (neuron {neuron}) are NaN/inf")
    dist, idx = tree.query(xyz)
    too_far = dist > max_snap
    if np.any(too_far):
        bad = np.flatnonzero(too_far)
        lab = (np.asarray(rows)[bad] if rows is not None else bad).tolist()
        raise SkeletonError(
            f"{len(bad)} {side}synaptic site(s) of neuron {neuron} lie farther than "
            f"max_snap={max_snap} µm from any node (rows {lab[:10]}, distances "
            f"{np.round(dist[bad][:10], 3).tolist()} µm). Check that coordinates are in µm and "
            "belong to this neuron, or raise max_snap.")
    return ids[idx], dist


def path_length_to_root(nodes: pd.DataFrame) -> pd.Series:
    """Path length (µm) from the root to every node along the skeleton, indexed by node ID.

    Parameters
    ----------
    nodes : pandas.DataFrame
        Node table with ``node_id`` (or the index), ``parent_id`` (negative for the root),
        ``x``, ``y``, ``z`` (µm).
    """
    df = nodes if "node_id" in nodes.columns else nodes.reset_index()
    ids = df["node_id"].to_numpy()
    par = df["parent_id"].to_numpy()
    pos = {n: i for i, n in enumerate(ids)}
    xyz = df[["x", "y", "z"]].to_numpy(dtype=np.float64)
    pidx = np.array([pos.get(p, -1) for p in par], dtype=np.int64)
    seg = np.zeros(len(ids))
    has = pidx >= 0
    seg[has] = np.linalg.norm(xyz[has] - xyz[pidx[has]], axis=1)
    # order nodes so parents come first (BFS from roots)
    children: dict[int, list[int]] = {}
    for i, p in enumerate(pidx):
        children.setdefault(int(p), []).append(i)
    out = np.zeros(len(ids))
    stack = list(children.get(-1, []))
    while stack:
        i = stack.pop()
        if pidx[i] >= 0:
            out[i] = out[pidx[i]] + seg[i]
        stack.extend(children.get(i, []))
    return pd.Series(out, index=ids, name="path_length")


def _site(table: pd.DataFrame, side: str, cells: dict, max_snap: float):
    """Node ID and snapping distance of one side ('pre' or 'post') for every row."""
    n = len(table)
    nodes_out = np.empty(n, dtype=object)
    snap = np.zeros(n)
    node_col, conn_col = f"{side}_node", f"{side}_connector"
    xyz_cols = [f"{side}_{c}" for c in "xyz"]
    if node_col in table.columns:
        mode = "node"
    elif conn_col in table.columns:
        mode = "connector"
    elif all(c in table.columns for c in xyz_cols):
        mode = "xyz"
    else:
        raise ParameterError(
            f"synapse table has no {side}synaptic site: give '{node_col}' (node IDs), "
            f"'{conn_col}' (connector IDs) or '{side}_x', '{side}_y', '{side}_z' (µm); "
            f"columns are {list(table.columns)}")
    for nid, grp in table.groupby(side, sort=False):
        if nid not in cells:
            raise UnknownIDError(
                f"{side}synaptic neuron {nid!r} (rows {grp.index[:10].tolist()}) is not in the "
                f"circuit; its neurons are {list(cells)[:20]}")
        cell = cells[nid]
        locs = table.index.get_indexer(grp.index)
        if mode == "node":
            ids = grp[node_col].to_numpy()
            known = np.isin(ids, cell["node_ids"])
            if not known.all():
                raise UnknownIDError(
                    f"{node_col} {np.asarray(ids[~known][:10]).tolist()} "
                    f"(rows {grp.index[~known][:10].tolist()}) "
                    f"are not nodes of neuron {nid!r}")
            nodes_out[locs] = ids
        elif mode == "connector":
            conn = cell.get("connectors")
            if conn is None or len(conn) == 0:
                raise UnknownIDError(f"neuron {nid!r} has no connector table; use {node_col} "
                                     f"or {side}_x/y/z")
            cmap = pd.Series(conn["node_id"].to_numpy(), index=conn["connector_id"].to_numpy())
            cmap = cmap[~cmap.index.duplicated()]
            ids = grp[conn_col].to_numpy()
            known = np.isin(ids, cmap.index.to_numpy())
            if not known.all():
                raise UnknownIDError(
                    f"{conn_col} {np.asarray(ids[~known][:10]).tolist()} "
                    f"(rows {grp.index[~known][:10].tolist()}) "
                    f"are not connectors of neuron {nid!r}")
            nodes_out[locs] = cmap.loc[ids].to_numpy()
        else:
            ids, dist = snap_points(cell["nodes"], grp[xyz_cols].to_numpy(dtype=float),
                                    neuron=nid, side=side, max_snap=max_snap, rows=grp.index)
            nodes_out[locs] = ids
            snap[locs] = dist
    return nodes_out, snap


def parse_synapse_table(table: pd.DataFrame, cells: dict, *, weight=None, delay=1.0,
                        threshold=-10.0, velocity=None, detect="site", receptor_exc="ampa",
                        receptor_inh="gabaa", max_snap=5.0) -> pd.DataFrame:
    """Normalise a synapse table to one row per synapse keyed by node IDs.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``pre``, ``post`` (neuron IDs); a site per side (see module docstring);
        optional ``weight`` (µS), ``tau1``, ``tau2`` (ms), ``e`` (mV), ``threshold`` (mV),
        ``delay`` (ms), ``receptor``, ``sign`` or a neurotransmitter column.
    cells : dict
        ``{neuron_id: {'nodes': DataFrame(node_id, parent_id, x, y, z), 'node_ids': array,
        'connectors': DataFrame(connector_id, node_id) or None}}``.
    weight : float, optional
        Weight (µS) for tables without a ``weight`` column.
    delay : float
        Delay (ms) when the table has no ``delay`` column.
    threshold : float
        NetCon threshold (mV) when the table has no ``threshold`` column.
    velocity : float, optional
        Conduction velocity (m/s); adds ``path_length / velocity`` to every delay.
    detect : {'site', 'root'}
        Where the spike is detected: at the presynaptic site itself (NetCon on the presynaptic
        node; the delay is the synaptic delay) or at the presynaptic root/soma (then the
        path length from the root to the site gives the conduction delay with ``velocity``).
    receptor_exc, receptor_inh : str
        Receptor presets for excitatory and inhibitory rows.
    max_snap : float
        Largest snapping distance accepted for coordinate sites (µm).

    Returns
    -------
    pandas.DataFrame
        Columns ``pre, post, pre_node, post_node, detect_node, weight, tau1, tau2, e,
        threshold, delay, sign, pre_snap, post_snap``; the index is the input's index.
    """
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"synapse table must be a pandas DataFrame, got {type(table).__name__}")
    for col in ("pre", "post"):
        if col not in table.columns:
            raise ParameterError(f"synapse table needs a '{col}' column (neuron IDs); "
                                 f"columns are {list(table.columns)}")
    if detect not in ("site", "root"):
        raise ParameterError(f"detect must be 'site' or 'root', got {detect!r}")
    out = pd.DataFrame(index=table.index)
    out["pre"] = table["pre"].to_numpy()
    out["post"] = table["post"].to_numpy()
    out["pre_node"], out["pre_snap"] = _site(table, "pre", cells, max_snap)
    out["post_node"], out["post_snap"] = _site(table, "post", cells, max_snap)

    # weights and signs
    if "weight" in table.columns:
        w = table["weight"].to_numpy(dtype=float)
    elif weight is not None:                # named here, not as 'weights of rows [...]'
        w = np.full(len(table), check_number(weight, "weight", unit="µS"))
    else:
        raise ParameterError("synapse table has no 'weight' column (µS); add one or pass weight=")
    if not np.all(np.isfinite(w)):
        raise ParameterError(f"weights of rows {table.index[~np.isfinite(w)][:10].tolist()} are NaN/inf")
    sign = np.where(w < 0, -1, 1)
    if "sign" in table.columns:
        s = table["sign"].to_numpy(dtype=float)
        if np.any(s == 0) or not np.all(np.isfinite(s)):
            raise ParameterError("'sign' must be non-zero numbers (+1 excitatory, -1 inhibitory)")
        sign = np.sign(s).astype(int)
    else:
        ntc = next((c for c in _NT_COLUMNS if c in table.columns), None)
        if ntc is not None:
            nts = table[ntc].astype(str).str.lower().str.strip()
            unknown = sorted(set(nts) - set(NT_SIGN))
            if unknown:
                raise ParameterError(f"unknown neurotransmitter(s) {unknown} in column '{ntc}'; "
                                     f"known: {sorted(NT_SIGN)} (or give a 'sign' column)")
            sign = nts.map(NT_SIGN).to_numpy().astype(int)
    out["weight"] = np.abs(w)
    out["sign"] = sign

    # kinetics
    exc, inh = receptor(receptor_exc), receptor(receptor_inh)
    if "receptor" in table.columns:
        rec = [receptor(r) for r in table["receptor"]]
    else:
        rec = [exc if s > 0 else inh for s in sign]
    for k in ("tau1", "tau2", "e"):
        default = np.array([r[k] for r in rec], dtype=float)
        out[k] = table[k].to_numpy(dtype=float) if k in table.columns else default
    bad = ~(out["tau1"] > 0) | ~(out["tau2"] > 0)
    if bad.any():
        raise ParameterError(f"tau1/tau2 must be > 0 ms (rows {out.index[bad][:10].tolist()})")
    out["threshold"] = table["threshold"].to_numpy(dtype=float) if "threshold" in table.columns \
        else float(threshold)
    d = table["delay"].to_numpy(dtype=float) if "delay" in table.columns \
        else np.full(len(table), check_number(delay, "delay", low=0.0, unit="ms"))
    out["detect_node"] = out["pre_node"]
    if detect == "root":
        out["detect_node"] = [cells[p]["root"] for p in out["pre"]]
    if velocity is not None:
        if velocity <= 0:
            raise ParameterError(f"velocity must be > 0 m/s, got {velocity}")
        extra = np.zeros(len(table))
        for nid in pd.unique(out["pre"]):
            m = (out["pre"] == nid).to_numpy()
            pl = cells[nid].get("path_length")
            if pl is None:
                pl = cells[nid]["path_length"] = path_length_to_root(cells[nid]["nodes"])
            # path from the detection node to the site: both lie on one root path when
            # detect='root'; for detect='site' the path is 0
            if detect == "root":
                extra[m] = pl.loc[out.loc[m, "pre_node"].to_numpy()].to_numpy()
        d = d + extra / (velocity * 1000.0)
    if np.any(d < 0) or not np.all(np.isfinite(d)):
        bad = (d < 0) | ~np.isfinite(d)          # NaN rows were left out of the list
        raise ParameterError(f"delays must be finite and >= 0 ms (rows "
                             f"{out.index[bad][:10].tolist()})")
    out["delay"] = d
    cols = ["pre", "post", "pre_node", "post_node", "detect_node", "weight", "tau1", "tau2", "e",
            "threshold", "delay", "sign", "pre_snap", "post_snap"]
    return out[cols]
