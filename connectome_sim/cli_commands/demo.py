"""``connectome-sim demo``: run the shipped examples and write their figures and tables.

Two halves, both on data shipped with the package:

1. the navis/NEURON tutorial's hemibrain DA1 projection neuron as a compartment model
   (Tobin et al. 2017 passive properties, Hodgkin–Huxley axon, synaptic input on the dendrites);
2. the C. elegans hermaphrodite connectome (Cook et al. 2019) as a network of Shiu et al. 2024
   LIF neurons, the touch receptor neurons driven with 150 Hz Poisson input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ._util import Stages, number, prepare_out, write_html

HELP = "Run the example compartment model and network on shipped data; write HTML/CSV results."

#: Touch receptor neurons (gentle touch: ALM, AVM, PLM, PVM), the sensory neurons the demo drives.
TOUCH_CLASSES = ("ALM", "AVM", "PLM", "PVM")
#: LIF weight per unit of Cook et al.'s connectivity (EM sections), mV.  Shiu et al.'s 0.275 mV
#: is per synapse; C. elegans synapses are large and few.  At 1.5 mV the gentle-touch escape
#: circuit (PVC, AVD, AVA -> DA/VA motor neurons) responds at 15-60 Hz and about 80 of the
#: 302 neurons fire; at 2 mV activity spreads to most of the network (~230 neurons, AVA and
#: the head motor neurons above 200 Hz), no longer a touch response.
CELEGANS_WEIGHT_MV = 1.5


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``demo`` options on ``p``."""
    p.add_argument("--out", default="connectome_sim_demo",
                   help="output folder (default ./connectome_sim_demo)")
    p.add_argument("--trials", type=number(0, integer=True), default=10,
                   help="network trials (default 10)")
    p.add_argument("--duration", type=number(0, unit=" ms"), default=1000.0,
                   help="simulated time of both models, ms (default 1000)")


def run_neuron(out: Path, duration: float = 1000.0, say=print) -> list[Path]:
    """The seed tutorial's DA1 PN: passive + HH axon, synaptic input; returns written files.

    Parameters
    ----------
    out : pathlib.Path
        Output folder.
    duration : float
        Simulated time, ms.
    say : callable
        Message printer.
    """
    import navis

    from ..cable import CompartmentModel
    from ..datasets import example_neuron
    from ..plotting import plot_skeleton_voltage, plot_voltage_traces
    from .neuron import simulate_with_movie

    n = example_neuron(1)  # hemibrain DA1 PN in µm, soma = node 20, rerooted
    navis.split_axon_dendrite(n, label_only=True, cellbodyfiber="soma")
    cmp = CompartmentModel(n, res=10)
    cmp.Ra, cmp.cm = 266.1, 0.8  # Ω·cm, µF/cm² (Tobin et al. 2017)
    cmp.insert("pas", g=1 / 20800, e=-60)  # S/cm², mV
    nodes = n.nodes
    axon = nodes.loc[nodes["compartment"].isin(["axon", "linker"]), "node_id"].to_numpy()
    cmp.insert("hh", subset=list(set(cmp.get_node_section(axon))))
    dists = navis.geodesic_matrix(n, from_=n.soma).iloc[0].sort_values()
    dend = nodes.loc[nodes["compartment"] == "dendrite", "node_id"].to_numpy()
    dend_base = int(dists.index[dists.index.isin(dend)][0])
    axo = nodes.loc[nodes["compartment"] == "axon", "node_id"].to_numpy()
    axo_tip = int(dists.index[dists.index.isin(axo)][-1])
    cmp.add_spike_detector(axo_tip, label="axon_tip")
    post = n.postsynapses
    post = post.loc[post["compartment"] == "dendrite", "node_id"].unique()
    for i in range(1, 5):  # successively more synapses: 5, 10, 15, 20
        cmp.add_synaptic_current(where=post[: i * 5], start=50 + i * 200, max_syn_cond=0.1,
                                 rev_pot=-10)
    labelled = {"dendrite_base": dend_base, "axon_tip": axo_tip, "soma": int(n.soma)}
    traces, movie = simulate_with_movie(cmp, labelled, duration, 0.025, -60.0, n_samples=4000)
    spikes = cmp.spikes
    files = [out / "neuron_traces.html", out / "neuron_skeleton_voltage.html",
             out / "neuron_spikes.csv", out / "neuron_voltages.csv"]
    write_html(plot_voltage_traces(traces, spikes=spikes,
                                   title="DA1 projection neuron (hemibrain): synaptic input "
                                         "on 5, 10, 15, 20 dendritic synapses"), files[0])
    if len(spikes):  # 20 ms around the first axonal spike, 0.25 ms per frame
        t_first = float(spikes["time"].iloc[0])
        times = np.arange(max(0.0, t_first - 8), min(duration, t_first + 12), 0.25)
        what = "around the first spike"
    else:
        times, what = None, "over the run"
    write_html(plot_skeleton_voltage(cmp, movie, times=times, n_frames=80,
                                     title=f"DA1 PN membrane potential {what} "
                                           "(drag the slider; time in ms)"), files[1])
    spikes.to_csv(files[2], index=False)
    traces.to_csv(files[3])
    say(f"neuron: {cmp.n_segments} segments ({cmp.n_compartments} matrix nodes with the "
        f"section junctions), {len(spikes)} axonal spike(s) at "
        f"{', '.join(f'{t:.1f}' for t in spikes['time'])} ms")
    return files


def celegans_network(weight_mv: float = CELEGANS_WEIGHT_MV):
    """The C. elegans LIF network of the demo (GABAergic chemical synapses inhibitory).

    Parameters
    ----------
    weight_mv : float
        mV per unit of Cook et al.'s connectivity measure.

    Returns
    -------
    (PointNetwork, pandas.DataFrame)
        The network and its label table (``cell_class``, ``modality`` per neuron).
    """
    from ..datasets import load_celegans
    from ..network import PointNetwork
    from ..plotting import celegans_edge_signs, celegans_neuron_table

    edges = load_celegans()
    edges["sign"] = celegans_edge_signs(edges)
    net = PointNetwork.from_edge_list(edges, model="LIF", weight_scale=weight_mv,
                                      sign_col="sign")
    return net, celegans_neuron_table(net.ids)


def run_network(out: Path, duration: float = 1000.0, trials: int = 10, say=print) -> list[Path]:
    """C. elegans LIF network, touch receptor neurons driven at 150 Hz; returns written files.

    Parameters
    ----------
    out : pathlib.Path
        Output folder.
    duration : float
        Simulated time, ms.
    trials : int
        Number of trials.
    say : callable
        Message printer.
    """
    from ..plotting import plot_raster, plot_rate_heatmap

    net, labels = celegans_network()
    touch = [i for i in net.ids if labels.loc[i, "cell_class"] in TOUCH_CLASSES]
    net.add_poisson_input(touch, rate=150.0, label="touch receptors, 150 Hz")
    net.run_simulation(duration, n_trials=trials, seed=1)
    rates = net.firing_rates().join(labels)
    rates = rates.rename(columns={"mean": "rate_mean_Hz", "sd": "rate_sd_Hz"})
    files = [out / "celegans_raster.html", out / "celegans_rate_heatmap.html",
             out / "celegans_rates.csv", out / "celegans_spikes.parquet"]
    fig = plot_raster(net, group="cell_class", labels=labels, color="modality", trial=0,
                      title=f"C. elegans (Cook 2019) LIF network, touch receptor neurons "
                            f"driven at 150 Hz (trial 1 of {trials}; rows grouped by class)")
    write_html(fig, files[0])
    active = rates.index[rates["rate_mean_Hz"] > 0]
    fig = plot_rate_heatmap(net, 25, subset=list(active), group="modality", labels=labels,
                            order="rate", title="firing rate of the active neurons (Hz, mean "
                                                f"over {trials} trials)")
    write_html(fig, files[1])
    rates.sort_values("rate_mean_Hz", ascending=False).to_csv(files[2])
    net.spikes.to_parquet(files[3], index=False)
    top = rates.drop(index=touch).sort_values("rate_mean_Hz", ascending=False).head(5)
    say(f"network: {net.n_neurons} neurons, {net.n_edges} chemical edges; {len(active)} "
        f"neurons fired; most active downstream: "
        + ", ".join(f"{i} {r:.0f} Hz" for i, r in top["rate_mean_Hz"].items()))
    return files


OUTPUTS = ("neuron_traces.html", "neuron_skeleton_voltage.html", "neuron_spikes.csv",
           "neuron_voltages.csv", "celegans_raster.html", "celegans_rate_heatmap.html",
           "celegans_rates.csv", "celegans_spikes.parquet")


MARKER = ".connectome_sim_demo"


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit code."""
    # a folder a previous demo wrote (it leaves a marker) is the demo's own: rerunning the
    # README's first command replaces its files; anything else needs --force
    marker = Path(args.out) / MARKER
    out = prepare_out(args.out, OUTPUTS, args.force or marker.is_file())
    marker.write_text("written by connectome-sim demo; a new demo run replaces the files here\n")
    st = Stages(["neuron", "network"], quiet=args.quiet, title="connectome-sim demo")
    try:
        with st.stage("compartment model: DA1 projection neuron"):
            files = run_neuron(out, args.duration, say=st.say)
        with st.stage("point network: C. elegans connectome"):
            files += run_network(out, args.duration, args.trials, say=st.say)
    finally:
        elapsed = st.close()
    if not args.quiet:
        print(f"connectome-sim demo finished in {elapsed:.1f} s; open the HTML files in a "
              "browser:")
        for f in files:
            print(f"  {f.resolve()}")
    return 0
