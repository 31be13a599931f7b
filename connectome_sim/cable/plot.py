"""``plot_results`` for CompartmentModel: one panel per recorded quantity plus a spike raster.

plotly by default (returns a Figure); matplotlib optional (returns the axes).  Time in ms,
voltage in mV, currents in nA.
"""

from __future__ import annotations

from connectome_sim.errors import ParameterError

__all__ = ["plot_results"]

_UNITS = {"v": "V (mV)", "i": "I (nA)"}


def _panels(model):
    if not model.records and (model.spikes is None or not len(model.spikes)):
        raise ParameterError("nothing to plot: add records/spike detectors and run_simulation "
                             "first")
    panels = list(model.records.items())
    has_spikes = model.spikes is not None and len(model.spikes) > 0
    return panels, has_spikes


def plot_results(model, backend: str = "plotly", show: bool = False, trial: int = 0, **kwargs):
    """Plot ``model.records`` (first trial by default) and ``model.spikes``.

    Parameters
    ----------
    backend : {'plotly', 'matplotlib'}
    show : bool
        Call ``fig.show()`` (plotly) / ``plt.show()`` (matplotlib).
    trial : int
        Which trial to draw when several were run.
    """
    panels, has_spikes = _panels(model)
    n = len(panels) + int(has_spikes)

    def frame(df):
        return df.xs(trial, level="trial") if df.index.nlevels > 1 else df

    spikes = model.spikes
    if has_spikes and "trial" in spikes.columns:
        spikes = spikes[spikes.trial == trial]
    if backend == "plotly":
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
        fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.04)
        for r, (q, df) in enumerate(panels, start=1):
            df = frame(df)
            for col in df.columns:
                fig.add_trace(go.Scattergl(x=df.index.to_numpy(), y=df[col].to_numpy(),
                                           mode="lines", name=f"{q}: {col}"), row=r, col=1)
            fig.update_yaxes(title_text=_UNITS.get(q, q), row=r, col=1)
        if has_spikes:
            labels = [str(x) for x in spikes.label]
            fig.add_trace(go.Scattergl(x=spikes.time, y=labels, mode="markers",
                                       marker_symbol="line-ns-open", marker_size=12,
                                       name="spikes"), row=n, col=1)
            fig.update_yaxes(title_text="spikes", row=n, col=1)
        fig.update_xaxes(title_text="time (ms)", row=n, col=1)
        fig.update_layout(height=250 * n, **kwargs)
        if show:
            fig.show()
        return fig
    if backend == "matplotlib":
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(n, 1, sharex=True, figsize=(8, 2.5 * n), squeeze=False)
        axes = list(axes[:, 0])
        for ax, (q, df) in zip(axes, panels):
            df = frame(df)
            for col in df.columns:
                ax.plot(df.index, df[col], label=str(col), lw=1)
            ax.set_ylabel(_UNITS.get(q, q))
            ax.legend(fontsize="small", loc="upper right")
        if has_spikes:
            ax = axes[-1]
            for k, (lab, grp) in enumerate(spikes.groupby("label", sort=False)):
                ax.vlines(grp.time, k, k + 0.8)
            ax.set_ylabel("spikes")
        axes[-1].set_xlabel("time (ms)")
        if show:
            plt.show()
        return axes
    raise ParameterError(f"backend must be 'plotly' or 'matplotlib', got {backend!r}")
