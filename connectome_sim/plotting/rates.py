"""Firing rates over time: binned rates, rate traces (group mean ± SEM) and rate heat maps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._common import (as_label_table, check_backend, check_spikes, get_pyplot, group_colours,
                      group_map, unpack_source,
                      normalise_stimuli, subset_ids)
from .raster import raster_rows

__all__ = ["binned_rates", "plot_traces", "plot_rate_heatmap"]


def _n_trials(spikes: pd.DataFrame, n_trials: int | None) -> int:
    if n_trials is not None:
        if n_trials < 1:
            raise ParameterError(f"n_trials must be >= 1, got {n_trials}")
        return int(n_trials)
    if not len(spikes):
        return 1
    tr = spikes["trial"]
    if pd.api.types.is_integer_dtype(tr) and tr.min() >= 0:
        return int(tr.max()) + 1
    return int(tr.nunique())


def binned_rates(spikes: pd.DataFrame, bin_size: float = 50.0, *, neuron_ids=None,
                 duration: float | None = None, n_trials: int | None = None,
                 rolling_window: int | None = None) -> pd.DataFrame:
    """Firing rate of each neuron in time bins, averaged over trials.

    Parameters
    ----------
    spikes : pandas.DataFrame
        Spike table (``trial``, ``neuron_id``, ``time`` in ms).
    bin_size : float
        Bin width (ms).
    neuron_ids : sequence, optional
        Neurons to report (columns), silent ones included; default: IDs in the table.
    duration : float, optional
        Simulated duration (ms); default: last spike time rounded up to a whole bin.
    n_trials : int, optional
        Number of trials run (trials without spikes are absent from the table, so pass it when
        known); default: ``max(trial) + 1``.
    rolling_window : int, optional
        Centred moving average over this many bins.

    Returns
    -------
    pandas.DataFrame
        Rates in Hz; index ``time`` = bin centres (ms), one column per neuron ID.
    """
    spikes = check_spikes(spikes)
    if not bin_size or bin_size <= 0:
        raise ParameterError(f"bin_size must be a positive number of ms, got {bin_size!r}")
    ntr = _n_trials(spikes, n_trials)
    ids = list(pd.unique(spikes["neuron_id"])) if neuron_ids is None else list(neuron_ids)
    if duration is None:
        tmax = float(spikes["time"].max()) if len(spikes) else bin_size
        duration = bin_size * max(1, np.ceil(np.nextafter(tmax, np.inf) / bin_size))
    n_bins = max(1, int(np.ceil(duration / bin_size - 1e-9)))
    edges = np.arange(n_bins + 1) * bin_size
    col = pd.Index(ids).get_indexer(spikes["neuron_id"])
    b = np.floor(spikes["time"].to_numpy(dtype=float) / bin_size).astype(np.int64)
    ok = (col >= 0) & (b >= 0) & (b < n_bins)
    counts = np.zeros((n_bins, len(ids)))
    np.add.at(counts, (b[ok], col[ok]), 1.0)
    rates = counts / (ntr * bin_size / 1000.0)
    df = pd.DataFrame(rates, index=pd.Index((edges[:-1] + edges[1:]) / 2, name="time"),
                      columns=pd.Index(ids, name="neuron_id"))
    if rolling_window:
        df = df.rolling(int(rolling_window), center=True, min_periods=1).mean()
    return df


def plot_traces(spikes: pd.DataFrame, bin_size: float = 50.0, subset=None, group=None, *,
                labels: pd.DataFrame | None = None, neuron_ids=None,
                duration: float | None = None, n_trials: int | None = None,
                rolling_window: int | None = None, stimuli=None, max_lines: int = 30,
                backend: str = "plotly", ax=None, title: str | None = None):
    """Firing rates over time: one line per neuron, or group mean ± SEM envelopes.

    Parameters
    ----------
    spikes : pandas.DataFrame or simulated model
        Spike table (``trial``, ``neuron_id``, ``time`` in ms), or a model with a ``spikes``
        table (its ``ids``, ``labels``, ``stimuli``, ``n_trials``, ``duration`` fill unset
        arguments).
    bin_size : float
        Bin width (ms).
    subset : sequence, optional
        Neuron IDs to include.
    group : None, str, mapping, Series or callable, optional
        Group neurons (label column of ``labels``, mapping or function) and draw each group's
        mean rate with a ± SEM band (SEM across the group's neurons).  Without ``group``, one line
        per neuron when there are at most ``max_lines`` neurons, else the population mean ± SEM.
    labels : pandas.DataFrame, optional
        Label table indexed by neuron ID.
    neuron_ids : sequence, optional
        Every neuron ID (silent neurons count as 0 Hz in group means).
    duration : float, optional
        Simulated duration (ms).
    n_trials : int, optional
        Number of trials run (see :func:`binned_rates`).
    rolling_window : int, optional
        Centred moving average over this many bins.
    stimuli : DataFrame, dict or list, optional
        Stimulus windows (``start``, ``stop`` in ms) shaded in the background.
    max_lines : int
        Most individual lines drawn when ``group`` is None.
    backend : {'plotly', 'matplotlib'}
        Figure library.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (matplotlib backend).
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure or matplotlib.axes.Axes
        Rates in Hz against time in ms.
    """
    backend = check_backend(backend)
    given = dict(neuron_ids=neuron_ids, labels=labels, stimuli=stimuli, duration=duration,
                 n_trials=n_trials)
    spikes = unpack_source(spikes, given)
    neuron_ids, stimuli, duration = given["neuron_ids"], given["stimuli"], given["duration"]
    n_trials, labels = given["n_trials"], as_label_table(given["labels"])
    spikes = check_spikes(spikes)
    all_ids = list(neuron_ids) if neuron_ids is not None else list(pd.unique(spikes["neuron_id"]))
    ids = subset_ids(all_ids, subset)
    rates = binned_rates(spikes, bin_size, neuron_ids=ids, duration=duration, n_trials=n_trials,
                         rolling_window=rolling_window)
    lines = []  # (name, mean, sem or None)
    if group is None and len(ids) <= max_lines:
        names = pd.Series([str(i) for i in ids], index=ids)
        for i in ids:
            lines.append((names[i], rates[i].to_numpy(), None))
    else:
        gm = group_map(ids, group, labels)
        for g in sorted(gm.unique()):
            r = rates.loc[:, gm.index[gm.to_numpy() == g]]
            n = r.shape[1]
            sem = r.std(axis=1, ddof=1).to_numpy() / np.sqrt(n) if n > 1 else np.zeros(len(r))
            lines.append((f"{g} (n={n})", r.mean(axis=1).to_numpy(), sem))
    t = rates.index.to_numpy()
    cols = group_colours([name for name, _, _ in lines])
    stim = normalise_stimuli(stimuli)

    if backend == "matplotlib":
        plt = get_pyplot()
        if ax is None:
            _fig, ax = plt.subplots(figsize=(8, 3.5))
        for _, s in stim.iterrows():
            ax.axvspan(s["start"], s["stop"], color="orange", alpha=0.18, lw=0)
        for name, m, sem in lines:
            ax.plot(t, m, color=cols[name], lw=1.2, label=name)
            if sem is not None:
                ax.fill_between(t, m - sem, m + sem, color=cols[name], alpha=0.25, lw=0)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("firing rate (Hz)")
        if title:
            ax.set_title(title)
        if len(lines) <= 12:
            ax.legend(fontsize=7, frameon=False)
        return ax

    import plotly.graph_objects as go

    fig = go.Figure()
    for name, m, sem in lines:
        c = cols[name]
        if sem is not None:
            rgb = tuple(int(c[k:k + 2], 16) for k in (1, 3, 5))
            fig.add_trace(go.Scatter(
                x=np.concatenate([t, t[::-1]]), y=np.concatenate([m + sem, (m - sem)[::-1]]),
                fill="toself", fillcolor=f"rgba({rgb[0]},{rgb[1]},{rgb[2]},0.2)",
                line=dict(width=0), hoverinfo="skip", showlegend=False, legendgroup=name))
        fig.add_trace(go.Scatter(x=t, y=m, mode="lines", name=name, legendgroup=name,
                                 line=dict(color=c, width=1.5),
                                 hovertemplate="t = %{x:.1f} ms<br>%{y:.2f} Hz"))
    for _, s in stim.iterrows():
        fig.add_vrect(x0=s["start"], x1=s["stop"], fillcolor="rgba(255,165,0,0.18)",
                      line_width=0, layer="below")
    fig.update_layout(template="plotly_white", title=title, height=420,
                      xaxis_title="time (ms)", yaxis_title="firing rate (Hz)",
                      margin=dict(l=60, r=20, t=50 if title else 20, b=50))
    return fig


def plot_rate_heatmap(spikes: pd.DataFrame, bin_size: float = 50.0, subset=None, group=None, *,
                      labels: pd.DataFrame | None = None, neuron_ids=None,
                      duration: float | None = None, n_trials: int | None = None,
                      order: str | None = None, group_order=None, zmax: float | None = None,
                      backend: str = "plotly", ax=None, title: str | None = None):
    """Heat map of firing rates: neurons (rows, grouped like the raster) by time bins.

    Parameters
    ----------
    spikes : pandas.DataFrame or simulated model
        Spike table (``trial``, ``neuron_id``, ``time`` in ms) or a model with ``spikes``.
    bin_size : float
        Bin width (ms).
    subset, group, labels, neuron_ids, order, group_order
        Row selection, grouping and order, as in :func:`plot_raster`.
    duration : float, optional
        Simulated duration (ms).
    n_trials : int, optional
        Number of trials run (see :func:`binned_rates`).
    zmax : float, optional
        Top of the colour scale (Hz); default: the 99th percentile of non-zero rates.
    backend : {'plotly', 'matplotlib'}
        Figure library.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (matplotlib backend).
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure or matplotlib.axes.Axes
        Colour = rate in Hz; x = time (ms).
    """
    backend = check_backend(backend)
    given = dict(neuron_ids=neuron_ids, labels=labels, duration=duration, n_trials=n_trials)
    spikes = unpack_source(spikes, given)
    neuron_ids, duration = given["neuron_ids"], given["duration"]
    n_trials, labels = given["n_trials"], as_label_table(given["labels"])
    spikes = check_spikes(spikes)
    rows = raster_rows(spikes, subset, group, labels=labels, neuron_ids=neuron_ids, order=order,
                       group_order=group_order)
    ids = list(rows.index[np.argsort(rows["row"].to_numpy())])
    rates = binned_rates(spikes, bin_size, neuron_ids=ids, duration=duration, n_trials=n_trials)
    z = rates.to_numpy().T
    if zmax is None:
        nz = z[z > 0]
        zmax = float(np.percentile(nz, 99)) if nz.size else 1.0
    g = rows.groupby("group", sort=False)["row"]
    tickvals = ((g.min() + g.max()) / 2).to_numpy()
    ticktext = list(g.min().index)
    if len(ids) <= 60:
        tickvals, ticktext = np.arange(len(ids)), [str(i) for i in ids]
    t = rates.index.to_numpy()
    if backend == "matplotlib":
        plt = get_pyplot()
        if ax is None:
            _fig, ax = plt.subplots(figsize=(8, max(2.5, min(10, 0.05 * len(ids) + 2))))
        im = ax.imshow(z, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0,
                       vmax=zmax, extent=(0, t[-1] + bin_size / 2, len(ids) - 0.5, -0.5))
        ax.figure.colorbar(im, ax=ax, label="rate (Hz)")
        ax.set_yticks(tickvals)
        ax.set_yticklabels(ticktext, fontsize=6)
        ax.set_xlabel("time (ms)")
        if title:
            ax.set_title(title)
        return ax
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(
        z=z, x=t, y=np.arange(len(ids)), colorscale="Viridis", zmin=0, zmax=zmax,
        colorbar=dict(title="Hz"), customdata=np.array([[str(i)] * len(t) for i in ids]),
        hovertemplate="neuron %{customdata}<br>t = %{x:.0f} ms<br>%{z:.1f} Hz<extra></extra>"))
    fig.update_layout(template="plotly_white", title=title,
                      height=int(np.clip(150 + 4 * len(ids), 350, 1400)),
                      xaxis_title="time (ms)",
                      yaxis=dict(autorange="reversed", tickmode="array", tickvals=list(tickvals),
                                 ticktext=ticktext, tickfont=dict(size=8)),
                      margin=dict(l=80, r=20, t=50 if title else 20, b=50))
    return fig
