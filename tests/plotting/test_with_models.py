"""The figure functions called through the models (PointNetwork, CompartmentModel)."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from connectome_sim.network import PointNetwork
from connectome_sim.plotting import plot_rate_heatmap, plot_skeleton_voltage, write_image


def _toy():
    edges = pd.DataFrame({"source": ["A", "B"], "target": ["C", "C"], "weight": [0.5, -1]})
    net = PointNetwork.from_edge_list(edges, model="IntFire4",
                                      labels={"A": "exc", "B": "inh", "C": "out"})
    net.add_stimulus("A", start=100, stop=1000, frequency=100, randomness=0)
    net.add_stimulus("B", start=600, stop=800, frequency=100, randomness=0, label="inhibition")
    net.add_background_noise("C", frequency=5)
    net.run_simulation(1000, n_trials=2, seed=1)
    return net


def test_network_plot_methods(tmp_path, png_ok):
    net = _toy()
    fig = net.plot_raster(group=True, label=True)
    assert isinstance(fig, go.Figure)
    assert sum(len(t.x) for t in fig.data) == len(net.spikes)
    rects = [(s.x0, s.x1) for s in fig.layout.shapes if s.type == "rect"]
    # the two stimulus windows, and the background noise clipped to the run
    assert (100, 1000) in rects and (600, 800) in rects and (0, 1000) in rects
    assert fig.layout.xaxis.range[1] == 1000
    assert list(fig.layout.yaxis.ticktext) == ["exc", "inh", "out"]  # label=True: the labels
    write_image(fig, tmp_path / "net_raster.png")
    png_ok(tmp_path / "net_raster.png")
    tr = net.plot_traces(bin_size=100, group=True)
    lines = [t for t in tr.data if t.mode == "lines"]
    assert {t.name.split(" (")[0] for t in lines} == {"exc", "inh", "out"}
    counts = net.get_spike_counts(bin_size=100)
    exc = [t for t in lines if t.name.startswith("exc")][0]
    # rate in Hz = spikes per bin (mean over trials) / 0.1 s
    np.testing.assert_allclose(exc.y, counts.loc["A"].to_numpy() / 0.1)
    # navis's spellings: stimuli=True (the model's stimuli), backend='auto' (plotly here)
    navis_style = net.plot_raster(stimuli=True, backend="auto")
    assert len([s for s in navis_style.layout.shapes if s.type == "rect"]) == 3
    assert len([s for s in net.plot_raster(stimuli=False).layout.shapes if s.type == "rect"]) == 0
    hm = plot_rate_heatmap(net, 100)
    assert hm.data[0].z.shape == (3, 10)
    ax = net.plot_raster(backend="matplotlib", label=True)
    ax.figure.savefig(tmp_path / "mpl.png")
    png_ok(tmp_path / "mpl.png")


def test_skeleton_voltage_from_compartment_model(tmp_path):
    from connectome_sim.cable import CompartmentModel

    nodes = pd.DataFrame({"node_id": np.arange(1, 12), "parent_id": np.r_[-1, np.arange(1, 11)],
                          "x": np.arange(11) * 10.0, "y": 0.0, "z": 0.0, "radius": 1.0})
    cmp = CompartmentModel(nodes, res=20)
    cmp.insert("pas", g=1e-4, e=-65)
    cmp.inject_current_pulse(1, start=1, duration=5, current=0.1)
    cmp.add_voltage_record([1, 6, 11])
    cmp.run_simulation(10, v_init=-65)
    v = cmp.records["v"]
    fig = plot_skeleton_voltage(cmp, v, n_frames=5)
    c = np.asarray(fig.frames[-1].data[0].line.color)
    # node 2 shares node 1's compartment? it then carries a recorded value, never NaN
    assert np.isfinite(c).all()
    comp = cmp.geometry.node_table["compartment"]
    same = [n for n in comp.index if comp[n] == comp[11] and n != 11]
    if same:  # a node in the recorded node's compartment shows that compartment's voltage
        seg = list(range(2, 12)).index(same[0])  # segments are (parent, child, gap) per child
        assert c[3 * seg + 1] == np.float32(v[11].iloc[-1])
