"""binned_rates, plot_traces (group mean ± SEM), plot_rate_heatmap."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError
from connectome_sim.plotting import binned_rates, plot_rate_heatmap, plot_traces, write_image


def test_binned_rates_by_hand():
    sp = pd.DataFrame({"trial": [0, 0, 1, 1], "neuron_id": ["a", "a", "a", "b"],
                       "time": [1.0, 60.0, 2.0, 99.9]})
    r = binned_rates(sp, 50, neuron_ids=["a", "b", "c"], duration=100, n_trials=2)
    # a: bin0 has 2 spikes over 2 trials x 50 ms -> 20 Hz; bin1 1 spike -> 10 Hz
    assert r.loc[25.0, "a"] == pytest.approx(20.0)
    assert r.loc[75.0, "a"] == pytest.approx(10.0)
    assert r.loc[75.0, "b"] == pytest.approx(10.0)
    assert (r["c"] == 0).all()
    assert list(r.index) == [25.0, 75.0]
    with pytest.raises(ParameterError):
        binned_rates(sp, 0)


def test_traces_group_sem(tmp_path, spikes, labels, png_ok):
    fig = plot_traces(spikes, 50, group="cell_type", labels=labels,
                      stimuli={"start": 100, "stop": 200})
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 3
    r = binned_rates(spikes, 50)
    exc = labels.index[labels.cell_type == "exc"]
    np.testing.assert_allclose(lines[0].y, r[exc].mean(axis=1).to_numpy())
    write_image(fig, tmp_path / "traces.png")
    png_ok(tmp_path / "traces.png")
    ax = plot_traces(spikes, 50, subset=["n01", "n02"], backend="matplotlib")
    assert len(ax.lines) == 2


def test_heatmap(tmp_path, spikes, labels, png_ok):
    fig = plot_rate_heatmap(spikes, 25, group="cell_type", labels=labels)
    assert fig.data[0].z.shape == (40, 20)
    write_image(fig, tmp_path / "heat.png")
    png_ok(tmp_path / "heat.png")
    ax = plot_rate_heatmap(spikes, 25, backend="matplotlib")
    ax.figure.savefig(tmp_path / "heat_mpl.png")
    png_ok(tmp_path / "heat_mpl.png")
