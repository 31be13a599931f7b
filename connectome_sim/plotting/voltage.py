"""Membrane-voltage figures: traces over time and the skeleton coloured by voltage (3-D).

Both take plain tables: a voltage DataFrame indexed by time (ms) with one column per recording
(node ID, label or neuron ID; a ``(trial, neuron)`` MultiIndex is flattened), and for the 3-D view
a skeleton given as a navis ``TreeNeuron``, an object with a ``nodes``/``morphology`` attribute,
or a node table with ``node_id``, ``parent_id``, ``x``, ``y``, ``z`` (µm).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from ..errors import ParameterError, UnknownIDError
from ._common import check_backend, get_pyplot, group_colours

__all__ = ["plot_voltage_traces", "plot_skeleton_voltage", "skeleton_node_table",
           "representative_nodes"]


def _check_voltage(v) -> pd.DataFrame:
    if isinstance(v, pd.Series):
        v = v.to_frame()
    if not isinstance(v, pd.DataFrame):
        raise ParameterError("voltages must be a pandas DataFrame indexed by time (ms) with one "
                             f"column per recording, got {type(v).__name__}")
    if len(v) == 0:
        raise ParameterError("the voltage table is empty: run the simulation with a voltage "
                             "record first (add_voltage_record)")
    if isinstance(v.columns, pd.MultiIndex):
        v = v.copy()
        v.columns = [" / ".join(str(c) for c in col) for col in v.columns]
    return v


def plot_voltage_traces(v: pd.DataFrame, subset=None, *, spikes=None, backend: str = "plotly",
                        ax=None, title: str | None = None, xlim=None, height: int = 420):
    """Voltage traces over time, one line per recording.

    Parameters
    ----------
    v : pandas.DataFrame
        Membrane potential (mV) indexed by time (ms), one column per recording (as in
        ``model.records['v']``).  A ``(trial, neuron)`` column MultiIndex is flattened to
        ``"trial / neuron"`` names.
    subset : sequence, optional
        Columns to draw (default: all).
    spikes : pandas.DataFrame, optional
        Spike table (``time`` in ms and ``label`` or ``neuron_id``); spike times are marked
        with ticks above the traces.
    backend : {'plotly', 'matplotlib'}
        Figure library.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (matplotlib backend).
    title : str, optional
        Figure title.
    xlim : (float, float), optional
        Time window to show (ms).
    height : int
        Figure height in pixels (plotly).

    Returns
    -------
    plotly.graph_objects.Figure or matplotlib.axes.Axes
        Voltage (mV) against time (ms).
    """
    backend = check_backend(backend)
    v = _check_voltage(v)
    if subset is not None:
        subset = [subset] if np.isscalar(subset) else list(subset)
        unknown = [c for c in subset if c not in v.columns]
        if unknown:
            raise UnknownIDError(f"recording(s) {unknown} not in the voltage table "
                                 f"(columns: {list(v.columns)[:20]})")
        v = v[subset]
    t = v.index.to_numpy(dtype=float)
    cols = group_colours([str(c) for c in v.columns])
    spk_t = None
    if spikes is not None and len(spikes):
        spk_t = np.asarray(spikes["time"], dtype=float)
    if backend == "matplotlib":
        plt = get_pyplot()
        if ax is None:
            _fig, ax = plt.subplots(figsize=(8, 3.5))
        for c in v.columns:
            ax.plot(t, v[c].to_numpy(), lw=1, color=cols[str(c)], label=str(c))
        if spk_t is not None:
            top = float(np.nanmax(v.to_numpy())) + 5
            ax.plot(spk_t, np.full_like(spk_t, top), "|", color="k", ms=8)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("membrane potential (mV)")
        if xlim is not None:
            ax.set_xlim(*xlim)
        if title:
            ax.set_title(title)
        if v.shape[1] <= 12:
            ax.legend(fontsize=7, frameon=False)
        return ax
    import plotly.graph_objects as go

    fig = go.Figure()
    for c in v.columns:
        fig.add_trace(go.Scatter(x=t, y=v[c].to_numpy(), mode="lines", name=str(c),
                                 line=dict(width=1.2, color=cols[str(c)]),
                                 hovertemplate="t = %{x:.2f} ms<br>%{y:.2f} mV"))
    if spk_t is not None:
        top = float(np.nanmax(v.to_numpy())) + 5
        fig.add_trace(go.Scatter(x=spk_t, y=np.full_like(spk_t, top), mode="markers",
                                 name="spikes", marker=dict(symbol="line-ns-open", size=10,
                                                            color="black")))
    fig.update_layout(template="plotly_white", title=title, height=height,
                      xaxis=dict(title="time (ms)", range=list(xlim) if xlim else None),
                      yaxis_title="membrane potential (mV)",
                      margin=dict(l=60, r=20, t=50 if title else 20, b=50))
    return fig


def skeleton_node_table(skeleton) -> pd.DataFrame:
    """Node table (``node_id``, ``parent_id``, ``x``, ``y``, ``z`` in µm) of a skeleton-like object.

    Parameters
    ----------
    skeleton : navis.TreeNeuron, NeuronList of one, CompartmentModel, CableGeometry, Morphology
        or pandas.DataFrame
        Anything carrying a node table; ``parent_id`` < 0 marks roots.

    Returns
    -------
    pandas.DataFrame
        Columns ``node_id``, ``parent_id``, ``x``, ``y``, ``z`` (µm).
    """
    obj = skeleton
    for _ in range(5):
        if isinstance(obj, pd.DataFrame):
            break
        if hasattr(obj, "node_ids") and hasattr(obj, "parent") and hasattr(obj, "xyz"):
            # connectome_sim Morphology: arrays in parent-before-child order
            ids = np.asarray(obj.node_ids)
            par = np.asarray(obj.parent)
            xyz = np.asarray(obj.xyz, dtype=float)
            return pd.DataFrame({"node_id": ids, "parent_id": np.where(par >= 0, ids[par], -1),
                                 "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2]})
        if hasattr(obj, "geometry") and not isinstance(obj, pd.DataFrame):
            obj = obj.geometry
            continue
        if hasattr(obj, "__len__") and hasattr(obj, "neurons") and len(obj) == 1:
            obj = obj[0]
        elif hasattr(obj, "morphology") and not isinstance(obj, pd.DataFrame):
            obj = obj.morphology
        elif isinstance(getattr(obj, "nodes", None), pd.DataFrame):
            obj = obj.nodes
        elif isinstance(getattr(obj, "node_table", None), pd.DataFrame):
            obj = obj.node_table
        else:
            break
    if not isinstance(obj, pd.DataFrame):
        raise ParameterError("skeleton must be a navis TreeNeuron, a CableGeometry/Morphology or a"
                             f" node table DataFrame, got {type(skeleton).__name__}")
    df = obj if "node_id" in obj.columns else obj.rename_axis("node_id").reset_index()
    missing = [c for c in ("node_id", "parent_id", "x", "y", "z") if c not in df.columns]
    if missing:
        raise ParameterError(f"node table is missing column(s) {missing}")
    return df[["node_id", "parent_id", "x", "y", "z"]].reset_index(drop=True)


def representative_nodes(model) -> np.ndarray:
    """One node ID per compartment of a cable model, for whole-skeleton voltage records.

    ``model.add_voltage_record(representative_nodes(model))`` records every compartment that
    holds skeleton nodes (each once), which is what :func:`plot_skeleton_voltage` needs.

    Parameters
    ----------
    model : CompartmentModel or CableGeometry
        A model (or its geometry) with a ``node_table`` (node ID -> compartment).

    Returns
    -------
    numpy.ndarray
        Node IDs, the first node of each compartment in node-table order.
    """
    nt = getattr(getattr(model, "geometry", model), "node_table", None)
    if not isinstance(nt, pd.DataFrame) or "compartment" not in nt.columns:
        raise ParameterError("representative_nodes needs a CompartmentModel or CableGeometry "
                             f"(with a node_table), got {type(model).__name__}")
    return nt.reset_index().drop_duplicates("compartment")["node_id"].to_numpy()


def _node_compartments(skeleton) -> pd.Series | None:
    """Compartment of each node ID when ``skeleton`` is a cable model or geometry, else None."""
    obj = getattr(skeleton, "geometry", skeleton)
    nt = getattr(obj, "node_table", None)
    if isinstance(nt, pd.DataFrame) and "compartment" in nt.columns:
        return nt["compartment"]
    return None


def _topological(nodes: pd.DataFrame) -> np.ndarray:
    """Row order with every parent before its children."""
    ids = nodes["node_id"].to_numpy()
    pos = pd.Index(ids)
    par = pos.get_indexer(nodes["parent_id"].to_numpy())
    children: dict[int, list[int]] = {}
    for i, p in enumerate(par):
        children.setdefault(p, []).append(i)
    order, q = [], deque(children.get(-1, []))
    while q:
        i = q.popleft()
        order.append(i)
        q.extend(children.get(i, []))
    if len(order) != len(ids):
        raise ParameterError("skeleton node table has cycles or dangling parents")
    return np.asarray(order), par


def plot_skeleton_voltage(skeleton, v: pd.DataFrame, *, times=None, n_frames: int = 40,
                          vmin: float | None = None, vmax: float | None = None,
                          colorscale: str = "RdBu_r", line_width: float = 4.0,
                          title: str | None = None, height: int = 650):
    """3-D skeleton coloured by membrane voltage, with a time slider (plotly).

    Parameters
    ----------
    skeleton : navis.TreeNeuron, CompartmentModel, CableGeometry, Morphology or DataFrame
        The neuron's skeleton (node coordinates in µm; see :func:`skeleton_node_table`).
    v : pandas.DataFrame
        Membrane potential (mV) indexed by time (ms), one column per recorded node ID.  Nodes
        without a column take the value of a recorded node in the same compartment (when
        ``skeleton`` is a CompartmentModel or CableGeometry), else of their nearest recorded
        ancestor (or, above the first recorded node, of the nearest recorded descendant), so
        recording one node per compartment is enough.
    times : sequence of float, optional
        Times (ms) of the slider frames; each takes the nearest recorded sample.  Default:
        ``n_frames`` evenly spaced samples.
    n_frames : int
        Number of frames when ``times`` is not given.
    vmin, vmax : float, optional
        Colour-scale limits (mV); default: the range of the shown voltages.
    colorscale : str
        Plotly colour scale name.
    line_width : float
        Line width in pixels.
    title : str, optional
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        ``Scatter3d`` lines with one animation frame per time and a slider (play button).
    """
    import plotly.graph_objects as go

    v = _check_voltage(v)
    nodes = skeleton_node_table(skeleton)
    order, par = _topological(nodes)
    ids = nodes["node_id"].to_numpy()
    known = [c for c in v.columns if c in set(ids)]
    if not known:
        raise UnknownIDError("none of the voltage table's columns are node IDs of the skeleton; "
                             "record voltages at node IDs (add_voltage_record(node_ids)) "
                             f"(columns: {list(v.columns)[:10]})")
    tv = v.index.to_numpy(dtype=float)
    if times is None:
        rows = np.unique(np.linspace(0, len(tv) - 1, max(1, min(n_frames, len(tv)))).round()
                         .astype(int))
    else:
        rows = np.unique(np.abs(tv[None, :] - np.asarray(times, float)[:, None]).argmin(axis=1))
    V = np.full((len(rows), len(ids)), np.nan)
    col_idx = pd.Index(ids).get_indexer(known)
    V[:, col_idx] = v[known].to_numpy(dtype=float)[rows]
    have = np.zeros(len(ids), bool)
    have[col_idx] = True
    comp = _node_compartments(skeleton)
    if comp is not None:  # nodes sharing a compartment with a recorded node share its voltage
        comp = comp.reindex(ids).to_numpy()
        rec_comp = {}
        for j in col_idx:
            if comp[j] == comp[j] and comp[j] not in rec_comp:
                rec_comp[comp[j]] = j
        for i in np.flatnonzero(~have):
            j = rec_comp.get(comp[i])
            if j is not None:
                V[:, i] = V[:, j]
                have[i] = True
    for i in order:  # parents first: inherit from the parent
        p = par[i]
        if not have[i] and p >= 0 and have[p]:
            V[:, i] = V[:, p]
            have[i] = True
    for i in order[::-1]:  # children last: fill ancestors above the first record
        p = par[i]
        if p >= 0 and not have[p] and have[i]:
            V[:, p] = V[:, i]
            have[p] = True
    # segments child-parent, separated by gaps (None)
    child = np.flatnonzero(par >= 0)
    xyz = nodes[["x", "y", "z"]].to_numpy(dtype=float)
    n_seg = len(child)
    # a lone soma point (a soma-only cell) has no segment to draw: it is shown as a marker
    mode = "lines" if n_seg else "markers"
    if n_seg:
        P = np.full((3 * n_seg, 3), np.nan)
        P[0::3] = xyz[par[child]]
        P[1::3] = xyz[child]
        pidx = np.empty(3 * n_seg, dtype=np.int64)
        pidx[0::3], pidx[1::3], pidx[2::3] = par[child], child, child
    else:
        P, pidx = xyz, np.arange(len(ids))
    C = V[:, pidx].astype(np.float32)
    lo = float(np.nanmin(C)) if vmin is None else vmin
    hi = float(np.nanmax(C)) if vmax is None else vmax
    if hi <= lo:
        hi = lo + 1.0
    tt = tv[rows]

    def colour(k, bar=False):
        c = dict(color=C[k], colorscale=colorscale, cmin=lo, cmax=hi)
        if bar:
            c["colorbar"] = dict(title="mV", thickness=15)
        return {"line": dict(c, width=line_width)} if n_seg else {
            "marker": dict(c, size=4 * line_width)}

    def trace(k):
        return go.Scatter3d(x=P[:, 0], y=P[:, 1], z=P[:, 2], mode=mode, connectgaps=False,
                            hoverinfo="skip", showlegend=False, **colour(k, bar=True))

    frames = [go.Frame(data=[go.Scatter3d(**colour(k))], name=f"{tt[k]:.2f}")
              for k in range(len(rows))]
    every = max(1, len(rows) // 10)
    steps = [dict(method="animate", label=f"{tt[k]:.0f}" if k % every == 0 else "",
                  args=[[f"{tt[k]:.2f}"], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                               transition=dict(duration=0))])
             for k in range(len(rows))]
    fig = go.Figure(data=[trace(0)], frames=frames)
    fig.update_layout(
        template="plotly_white", title=title, height=height,
        scene=dict(aspectmode="data", xaxis_title="x (µm)", yaxis_title="y (µm)",
                   zaxis_title="z (µm)"),
        sliders=[dict(active=0, steps=steps, currentvalue=dict(prefix="t (ms) = "),
                      x=0.12, len=0.88, pad=dict(t=30))],
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=0.0, xanchor="left",
                          yanchor="top", direction="left", pad=dict(t=40),
                          buttons=[dict(label="▶", method="animate",
                                        args=[None, dict(frame=dict(duration=120, redraw=True),
                                                         fromcurrent=True)]),
                                   dict(label="❚❚", method="animate",
                                        args=[[None], dict(mode="immediate",
                                                           frame=dict(duration=0))])])],
        margin=dict(l=0, r=0, t=40 if title else 10, b=0))
    return fig
