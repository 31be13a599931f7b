"""plot_raster: grouping/ordering, stimuli, WebGL, both backends, rendered to PNG."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from connectome_sim.errors import ParameterError, UnknownIDError
from connectome_sim.plotting import plot_raster, raster_rows, write_image


def test_rows_grouped_and_ordered(spikes, labels):
    rows = raster_rows(spikes, group="cell_type", labels=labels)
    ordered = rows.sort_values("row")
    # groups are contiguous bands in sorted order, IDs sorted inside each band
    assert list(dict.fromkeys(ordered["group"])) == ["exc", "inh", "sens"]
    for _, band in ordered.groupby("group"):
        assert list(band.index) == sorted(band.index)
    by_rate = raster_rows(spikes, order="rate").sort_values("row")
    counts = spikes.neuron_id.value_counts()
    assert counts[by_rate.index[0]] == counts.max()


def test_silent_neurons_get_rows(spikes):
    ids = sorted(spikes.neuron_id.unique()) + ["silent"]
    rows = raster_rows(spikes, neuron_ids=ids)
    assert "silent" in rows.index and len(rows) == len(ids)


def test_plotly_raster_webgl_and_png(tmp_path, spikes, labels, png_ok):
    fig = plot_raster(spikes, group="cell_type", labels=labels, label=True,
                      stimuli=[{"start": 100, "stop": 200, "label": "drive"}], title="t")
    assert isinstance(fig, go.Figure)
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    # every spike is drawn exactly once
    assert sum(len(t.x) for t in fig.data) == len(spikes)
    assert any(s.type == "rect" and s.x0 == 100 and s.x1 == 200 for s in fig.layout.shapes)
    write_image(fig, tmp_path / "raster.png")
    png_ok(tmp_path / "raster.png")


def test_trial_selection_and_subset(spikes):
    fig = plot_raster(spikes, trial=1, subset=["n01", "n02"])
    sel = spikes[(spikes.trial == 1) & spikes.neuron_id.isin(["n01", "n02"])]
    assert sum(len(t.x) for t in fig.data) == len(sel)
    with pytest.raises(UnknownIDError, match="nope"):
        plot_raster(spikes, subset=["n01", "nope"], neuron_ids=spikes.neuron_id.unique())
    # without neuron_ids an ID absent from the table is a silent neuron: an empty row
    assert len(plot_raster(spikes, subset=["n01", "silent"]).layout.yaxis.tickvals) == 0
    with pytest.raises(UnknownIDError):
        plot_raster(spikes, trial=7)


def test_matplotlib_backend(tmp_path, spikes, labels, png_ok):
    ax = plot_raster(spikes, group="cell_type", labels=labels, backend="matplotlib",
                     stimuli={"start": 10, "duration": 50})
    ax.figure.savefig(tmp_path / "r.png")
    png_ok(tmp_path / "r.png")
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


def test_bad_input(spikes):
    with pytest.raises(ParameterError, match="time"):
        plot_raster(spikes.drop(columns="time"))
    with pytest.raises(ParameterError, match="backend"):
        plot_raster(spikes, backend="bokeh")
    with pytest.raises(ParameterError, match="cell_type"):
        plot_raster(spikes, group="cell_type")
    with pytest.raises(ParameterError, match="end before"):
        plot_raster(spikes, stimuli={"start": 10, "stop": 5})


def test_empty_spikes_still_draws():
    empty = pd.DataFrame({"trial": [], "neuron_id": [], "time": []})
    fig = plot_raster(empty, neuron_ids=["a", "b"])
    assert len(fig.data) == 0 and fig.layout.annotations[0].text == "no spikes"


def test_100k_spike_raster_is_webgl():
    rng = np.random.default_rng(0)
    n = 100_000
    sp = pd.DataFrame({"trial": 0, "neuron_id": rng.integers(0, 2000, n),
                       "time": rng.uniform(0, 1000, n)})
    fig = plot_raster(sp, group=lambda i: i % 5)
    assert {type(t) for t in fig.data} == {go.Scattergl}
    assert sum(len(t.x) for t in fig.data) == n
