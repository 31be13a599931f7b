"""Spike rasters from a spike table (columns ``trial``, ``neuron_id``, ``time`` in ms).

The plotly backend draws spikes with WebGL (``Scattergl``) so rasters with 10^5 spikes stay
interactive in a browser; the matplotlib backend gives a static figure for papers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import (as_label_table, check_backend, check_spikes, get_pyplot, group_colours,
                      group_map, label_map, normalise_stimuli, select_trials, subset_ids,
                      unpack_source)

__all__ = ["plot_raster", "raster_rows"]

_STIM_COLOUR = "rgba(255, 165, 0, 0.18)"


def raster_rows(spikes: pd.DataFrame, subset=None, group=None, *, labels=None, neuron_ids=None,
                order: str | None = None, group_order=None) -> pd.DataFrame:
    """Row layout of a raster: which neuron goes on which row, with its group.

    Parameters
    ----------
    spikes : pandas.DataFrame
        Spike table with ``neuron_id`` and ``time`` (ms) columns.
    subset : sequence, optional
        Neuron IDs to show (default: every ID in ``neuron_ids`` or in the spike table).  With
        ``neuron_ids`` given, IDs outside it raise ``UnknownIDError``; without, IDs absent from
        the spike table are taken as silent neurons.
    group : None, str, mapping, Series or callable
        Grouping of neurons (see :func:`connectome_sim.plotting._common.group_map`).
    labels : pandas.DataFrame, optional
        Label table indexed by neuron ID (used when ``group`` is a column name).
    neuron_ids : sequence, optional
        Every neuron of the model, so that silent neurons get a (blank) row too.
    order : {None, 'id', 'rate'}
        Row order inside a group: by ID (default, input order for ``subset``) or by spike count
        (most active first).
    group_order : sequence, optional
        Order of the groups from top to bottom (default: sorted group names).

    Returns
    -------
    pandas.DataFrame
        Indexed by neuron ID with columns ``row`` (0 = top) and ``group``.
    """
    spikes = check_spikes(spikes)
    if neuron_ids is None:
        all_ids = pd.unique(spikes["neuron_id"])
        try:
            all_ids = np.sort(all_ids)
        except TypeError:  # mixed types: keep first appearance
            pass
    else:
        all_ids = list(neuron_ids)
        extra = set(pd.unique(spikes["neuron_id"])) - set(all_ids)
        if extra:
            all_ids = all_ids + sorted(extra, key=str)
    if neuron_ids is None and subset is not None:
        # a bare spike table cannot tell silent neurons from unknown ones: show them as rows
        sub = [subset] if np.isscalar(subset) else list(subset)
        all_ids = list(all_ids) + [i for i in sub if i not in set(all_ids)]
    ids = subset_ids(all_ids, subset)
    groups = group_map(ids, group, labels)
    df = pd.DataFrame({"group": groups.values, "pos": np.arange(len(ids))}, index=pd.Index(ids))
    if order == "rate":
        counts = spikes["neuron_id"].value_counts()
        df["key"] = -counts.reindex(df.index).fillna(0).to_numpy()
    elif order in (None, "id"):
        df["key"] = df["pos"]
    else:
        raise ValueError(f"order must be None, 'id' or 'rate', got {order!r}")
    gnames = list(group_order) if group_order is not None else sorted(df["group"].unique())
    gnames += [g for g in sorted(df["group"].unique()) if g not in gnames]
    df["grank"] = df["group"].map({g: i for i, g in enumerate(gnames)})
    df = df.sort_values(["grank", "key", "pos"], kind="stable")
    df["row"] = np.arange(len(df))
    return df[["row", "group"]]


def plot_raster(spikes: pd.DataFrame, subset=None, group=None, label=False, stimuli=None, *,
                labels: pd.DataFrame | None = None, neuron_ids=None, trial=None,
                color=None, order: str | None = None, group_order=None,
                backend: str = "plotly", ax=None, title: str | None = None,
                marker_size: float | None = None, height: int | None = None,
                duration: float | None = None, n_trials: int | None = None, mark=None):
    """Spike raster: one row per neuron, grouped and ordered by a label or cell type.

    Parameters
    ----------
    spikes : pandas.DataFrame or simulated model
        Spike table with columns ``neuron_id``, ``time`` (ms) and optionally ``trial``
        (as in ``PointNetwork.spikes``), or a model with a ``spikes`` table, whose ``ids``,
        ``labels``, ``stimuli`` and ``duration`` then fill the arguments left unset.
    subset : sequence, optional
        Neuron IDs to show, in this order within their groups.
    group : None, str, mapping, Series or callable, optional
        Groups rows by a label column of ``labels`` (e.g. ``'cell_type'``), a mapping
        ``neuron_id -> group`` or a function of the ID.  Groups are drawn as bands, top to
        bottom in ``group_order`` (default: sorted names), and named on the y axis.
        ``True`` groups by the first label column (navis semantics).
    label : bool, str or mapping, optional
        Row labels: ``True`` shows neuron IDs, a column name / mapping shows those labels
        (only when there are at most 80 rows; otherwise the group names are shown).
    stimuli : DataFrame, dict or list, optional
        Stimulus windows shaded in the background: ``start`` and ``stop`` (or ``duration``) in
        ms, optional ``label``; ``False`` draws none.
    labels : pandas.DataFrame or Series, optional
        Table indexed by neuron ID holding label / cell-type columns (a Series becomes the
        column ``label``).
    neuron_ids : sequence, optional
        Every neuron ID, so silent neurons get an empty row.
    trial : int, list of int or None, optional
        Trial(s) to draw; ``None`` draws every trial, each in its own thin sub-row.
    color : None, str, mapping or callable, optional
        Colour key (same forms as ``group``); default: colour by ``group``.
    order : {None, 'id', 'rate'}, optional
        Row order inside each group (``'rate'``: most spikes first).
    group_order : sequence, optional
        Top-to-bottom order of the groups.
    backend : {'plotly', 'matplotlib'}
        ``'plotly'`` returns a ``plotly.graph_objects.Figure`` (WebGL markers, interactive with
        10^5 spikes); ``'matplotlib'`` returns a matplotlib ``Axes``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (matplotlib backend).
    title : str, optional
        Figure title.
    marker_size : float, optional
        Tick height in pixels (plotly) or points (matplotlib); default scales with the row count.
    height : int, optional
        Figure height in pixels (plotly); default grows with the number of rows.
    duration : float, optional
        Simulated duration (ms): the x-axis range (default: last spike or stimulus).
    n_trials : int, optional
        Number of trials of the run (default, for a model: its ``n_trials``): ``trial`` may
        name any of them, also one without spikes.
    mark : sequence of IDs, optional
        Neurons drawn apart: their spikes as thick black ticks (legend "cable model"), their
        row labels suffixed " (cable)".  Default, for a model: its ``cable_ids`` (the cable
        neurons of a multi-scale network).

    Returns
    -------
    plotly.graph_objects.Figure or matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from connectome_sim.plotting import plot_raster
    >>> spikes = pd.DataFrame({"trial": 0, "neuron_id": ["A", "A", "C"], "time": [5., 15., 18.]})
    >>> fig = plot_raster(spikes, group={"A": "input", "C": "output"}, label=True)
    """
    backend = check_backend(backend)
    given = dict(neuron_ids=neuron_ids, labels=labels, stimuli=stimuli, duration=duration,
                 n_trials=n_trials, mark=mark)
    spikes = unpack_source(spikes, given)
    neuron_ids, stimuli, duration = given["neuron_ids"], given["stimuli"], given["duration"]
    marked = set() if given["mark"] is None else set(pd.unique(pd.Series(
        np.atleast_1d(np.asarray(given["mark"], dtype=object)))))
    labels = as_label_table(given["labels"])
    spikes = check_spikes(spikes)
    rows = raster_rows(spikes, subset, group, labels=labels, neuron_ids=neuron_ids, order=order,
                       group_order=group_order)
    spikes, trials = select_trials(spikes, trial, given["n_trials"])
    spikes = spikes[spikes["neuron_id"].isin(rows.index)]
    n_rows = len(rows)
    n_tr = max(len(trials), 1)
    tpos = {t: i for i, t in enumerate(trials)}
    # y: row + trial offset inside the row (rows are 1 unit tall, ticks 0.8 unit)
    y = rows["row"].reindex(spikes["neuron_id"]).to_numpy(dtype=float)
    if n_tr > 1:
        y = y - 0.4 + (spikes["trial"].map(tpos).to_numpy() + 0.5) * 0.8 / n_tr
    colour_key = group_map(rows.index, color, labels) if color is not None else rows["group"]
    cols = group_colours(colour_key.loc[rows.index[np.argsort(rows["row"].to_numpy())]])
    spike_key = colour_key.reindex(spikes["neuron_id"]).to_numpy()
    is_marked = spikes["neuron_id"].isin(marked).to_numpy() if marked else \
        np.zeros(len(spikes), bool)
    row_labels = label_map(rows.index, label, labels)
    if row_labels is not None and marked:
        row_labels = row_labels.copy().astype(object)
        hit = row_labels.index.isin(list(marked))
        row_labels[hit] = [f"{v} (cable)" for v in row_labels[hit]]
    stim = normalise_stimuli(stimuli)
    t = spikes["time"].to_numpy(dtype=float)
    finite_stop = stim["stop"][np.isfinite(stim["stop"])]
    tmax = max(float(t.max()) if len(t) else 0.0, float(finite_stop.max()) if len(finite_stop)
               else 0.0)
    if duration is not None:
        tmax = float(duration)
    stim["stop"] = stim["stop"].clip(upper=tmax)

    # y ticks: neuron labels when few rows, else group names at band centres
    if row_labels is not None and n_rows <= 80:
        tickvals = rows["row"].to_numpy()
        ticktext = row_labels.reindex(rows.index).to_numpy()
    else:
        g = rows.groupby("group", sort=False)["row"]
        tickvals = ((g.min() + g.max()) / 2).to_numpy()
        ticktext = list(g.min().index) if rows["group"].nunique() > 1 or group is not None else []
        if not len(ticktext):
            tickvals = []
    bounds = rows.groupby("group", sort=False)["row"].min().to_numpy()[1:] - 0.5

    if backend == "matplotlib":
        plt = get_pyplot()
        if ax is None:
            _fig, ax = plt.subplots(figsize=(8, max(2.5, min(12, 0.12 * n_rows + 1.5))))
        for _, s in stim.iterrows():
            ax.axvspan(s["start"], s["stop"], color="orange", alpha=0.18, lw=0)
        ms = marker_size or max(2.0, min(12.0, 400.0 / max(n_rows * n_tr, 1)))
        for key, c in cols.items():
            m = (spike_key == key) & ~is_marked
            if m.any():
                ax.scatter(t[m], y[m], marker="|", s=ms ** 2, c=c, linewidths=0.8, label=key)
        if is_marked.any():
            ax.scatter(t[is_marked], y[is_marked], marker="|", s=(1.3 * ms) ** 2, c="black",
                       linewidths=2.0, label="cable model")
        for b in bounds:
            ax.axhline(b, color="0.85", lw=0.5)
        ax.set_yticks(list(tickvals))
        ax.set_yticklabels([str(v) for v in ticktext], fontsize=8 if len(ticktext) < 40 else 5)
        ax.set_ylim(n_rows - 0.5, -0.5)
        ax.set_xlim(0, tmax if tmax > 0 else 1)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("neuron" if group is None else "group")
        if title:
            ax.set_title(title)
        if 1 < len(cols) <= 12:
            ax.legend(loc="upper right", fontsize=7, markerscale=1.0, frameon=False)
        if not len(t):
            ax.text(0.5, 0.5, "no spikes", transform=ax.transAxes, ha="center", color="0.4")
        return ax

    import plotly.graph_objects as go

    fig = go.Figure()
    px_per_row = 900.0 / max(n_rows, 1) if height is None else height / max(n_rows, 1)
    size = marker_size or float(np.clip(px_per_row * 0.8 / max(n_tr, 1) ** 0.5, 3, 14))
    ids = spikes["neuron_id"].astype(str).to_numpy()
    trial_arr = spikes["trial"].to_numpy()
    traces = [(str(key), c, (spike_key == key) & ~is_marked, 1, 1.0)
              for key, c in cols.items()]
    if is_marked.any():
        traces.append(("cable model", "black", is_marked, 3, 1.3))
    for name, c, m, width, grow in traces:
        if not m.any():
            continue
        fig.add_trace(go.Scattergl(
            x=t[m], y=y[m], mode="markers", name=name,
            marker=dict(symbol="line-ns-open", size=size * grow, color=c,
                        line=dict(width=width, color=c)),
            customdata=np.stack([ids[m], trial_arr[m]], axis=1),
            hovertemplate="neuron %{customdata[0]}<br>trial %{customdata[1]}"
                          "<br>t = %{x:.2f} ms<extra>%{fullData.name}</extra>"))
    for _, s in stim.iterrows():
        fig.add_vrect(x0=s["start"], x1=s["stop"], fillcolor=_STIM_COLOUR, line_width=0,
                      layer="below", annotation_text=s["label"] or None,
                      annotation_position="top right")
    if len(bounds) <= 200:
        for b in bounds:
            fig.add_hline(y=b, line=dict(color="#dddddd", width=0.5))
    if height is None:
        height = int(np.clip(120 + 6 * n_rows, 350, 1600))
    fig.update_layout(
        template="plotly_white", height=height, title=title,
        showlegend=1 < len(cols) + bool(is_marked.any()) <= 21,
        legend=dict(itemsizing="constant"),
        xaxis=dict(title="time (ms)", range=[0, tmax if tmax > 0 else 1]),
        yaxis=dict(title="neuron" if group is None else "group", range=[n_rows - 0.5, -0.5],
                   tickmode="array", tickvals=list(tickvals), ticktext=[str(v) for v in ticktext],
                   tickfont=dict(size=10 if len(ticktext) < 50 else 7), zeroline=False,
                   showgrid=False),
        margin=dict(l=80, r=20, t=50 if title else 20, b=50))
    if not len(t):
        fig.add_annotation(text="no spikes", showarrow=False, xref="paper", yref="paper",
                           x=0.5, y=0.5)
    return fig
