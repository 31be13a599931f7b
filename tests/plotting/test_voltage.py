"""Voltage traces and the 3-D skeleton coloured by voltage with a time slider."""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError, UnknownIDError
from connectome_sim.plotting import plot_skeleton_voltage, plot_voltage_traces, write_image


@pytest.fixture
def tree():
    # Y-shaped tree: 1 -> 2 -> 3 -> {4, 5}
    return pd.DataFrame({"node_id": [1, 2, 3, 4, 5], "parent_id": [-1, 1, 2, 3, 3],
                         "x": [0., 10, 20, 30, 30], "y": [0., 0, 0, 10, -10], "z": 0.0})


@pytest.fixture
def volts():
    t = np.arange(0, 20, 0.5)
    return pd.DataFrame({2: -65 + t, 4: -65 + 2 * t}, index=pd.Index(t, name="time"))


def test_voltage_traces(tmp_path, volts, png_ok):
    fig = plot_voltage_traces(volts, spikes=pd.DataFrame({"time": [3.0]}))
    assert len(fig.data) == 3
    write_image(fig, tmp_path / "v.png")
    png_ok(tmp_path / "v.png")
    with pytest.raises(UnknownIDError, match="99"):
        plot_voltage_traces(volts, subset=[99])
    mi = pd.concat({0: volts, 1: volts}, axis=1)  # (trial, node) columns
    assert len(plot_voltage_traces(mi).data) == 4
    ax = plot_voltage_traces(volts, backend="matplotlib")
    assert len(ax.lines) == 2


def test_skeleton_voltage_fill_and_frames(tmp_path, tree, volts, png_ok):
    fig = plot_skeleton_voltage(tree, volts, n_frames=5)
    assert len(fig.frames) == 5
    assert len(fig.layout.sliders[0].steps) == 5
    c = np.asarray(fig.data[0].line.color)
    # 4 segments x 3 points; segment order = children 2,3,4,5 -> (parent, child, gap)
    t0 = volts.iloc[0]
    # node 1 (unrecorded root) takes its recorded child 2's value; 3 and 5 inherit from 2
    assert c[0] == pytest.approx(t0[2]) and c[1] == pytest.approx(t0[2])
    assert c[7] == pytest.approx(t0[4])  # segment 3->4, child end
    assert c[10] == pytest.approx(t0[2])  # segment 3->5, child end inherits from 3 <- 2
    last = np.asarray(fig.frames[-1].data[0].line.color)
    assert last[7] == pytest.approx(volts[4].iloc[-1])
    write_image(fig, tmp_path / "skel.png")
    png_ok(tmp_path / "skel.png")


def test_skeleton_voltage_errors(tree, volts):
    with pytest.raises(UnknownIDError):
        plot_skeleton_voltage(tree, volts.rename(columns={2: 77, 4: 78}))
    with pytest.raises(ParameterError, match="parent_id"):
        plot_skeleton_voltage(tree.drop(columns="parent_id"), volts)
    with pytest.raises(ParameterError):
        plot_skeleton_voltage(tree, volts.iloc[:0])
