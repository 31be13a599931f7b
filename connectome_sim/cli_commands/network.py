"""``connectome-sim network EDGES``: simulate an edge list as a point-neuron network.

Writes ``spikes.parquet`` (trial, neuron_id, time in ms), ``rates.csv`` (Hz per neuron, mean and
sd over trials) and ``raster.html`` to ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ._util import Stages, coerce_ids, report_errors, write_html

HELP = ("Simulate an edge list (CSV or parquet) as a point-neuron network: drive neurons with "
        "Poisson input, write spikes, rates and a raster plot.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``network`` options on ``p``."""
    p.add_argument("edges", help="edge list, .csv or .parquet (columns detected automatically)")
    p.add_argument("--model", default="LIF", help="point model (default LIF, Shiu et al. 2024)")
    p.add_argument("--stimulate", nargs="+", default=[], metavar="ID",
                   help="neuron IDs driven with Poisson input at --rate")
    p.add_argument("--stimulate-file", metavar="FILE", help="file with IDs to drive, one a line")
    p.add_argument("--rate", type=float, default=150.0, help="Poisson rate of the drive, Hz")
    p.add_argument("--silence", nargs="+", default=[], metavar="ID",
                   help="neuron IDs whose outgoing synapses are removed")
    p.add_argument("--duration", type=float, default=1000.0, help="simulated time, ms")
    p.add_argument("--dt", type=float, default=0.1, help="time step, ms")
    p.add_argument("--trials", type=int, default=10, help="number of trials")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--source-col", help="presynaptic ID column (default: auto-detect)")
    p.add_argument("--target-col", help="postsynaptic ID column (default: auto-detect)")
    p.add_argument("--weight-col", help="weight column (default: auto-detect)")
    p.add_argument("--weight-scale", type=float,
                   help="factor on the weights (LIF: mV per synapse, default 0.275)")
    p.add_argument("--labels", metavar="CSV",
                   help="table with a neuron_id column and label columns (e.g. cell_type)")
    p.add_argument("--group", metavar="COLUMN", help="label column to group the raster by")
    p.add_argument("--out", default="connectome_sim_network", help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _read_ids(path: str) -> list[str]:
    with open(path) as fh:
        return [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]


def run(args: argparse.Namespace) -> int:
    """Run the ``network`` command; returns the exit code."""
    from ..network import PointNetwork
    from ..plotting import plot_raster

    out = Path(args.out)
    st = Stages(["read", "build", "simulate", "write"], quiet=args.quiet,
                title="connectome-sim network")
    with report_errors():
        if args.trials < 1:
            raise ValueError(f"--trials must be >= 1, got {args.trials}")
        if args.rate < 0:
            raise ValueError(f"--rate must be >= 0 Hz, got {args.rate}")
        with st.stage("reading edges"):
            path = Path(args.edges)
            if not path.exists():
                raise FileNotFoundError(f"edge list {path} does not exist")
            if path.suffix.lower() in (".parquet", ".pq"):
                edges = pd.read_parquet(path)
            elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
                edges = pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",")
            else:
                raise ValueError(f"{path}: edge lists must be .csv, .tsv or .parquet")
            labels = None
            if args.labels:
                labels = pd.read_csv(args.labels)
                if "neuron_id" not in labels.columns:
                    raise ValueError(f"{args.labels} needs a neuron_id column "
                                     f"(has {list(labels.columns)})")
        with st.stage("building network"):
            kw = {}
            if args.weight_scale is not None:
                kw["weight_scale"] = args.weight_scale
            net = PointNetwork.from_edge_list(edges, model=args.model,
                                              source_col=args.source_col,
                                              target_col=args.target_col,
                                              weight_col=args.weight_col, **kw)
            drive = list(args.stimulate)
            if args.stimulate_file:
                drive += _read_ids(args.stimulate_file)
            if drive:
                net.add_poisson_input(coerce_ids(drive, net.ids), rate=args.rate,
                                      label=f"Poisson {args.rate:g} Hz")
            if args.silence:
                net.silence(coerce_ids(args.silence, net.ids))
            if labels is not None:
                labels = labels.set_index("neuron_id")
                if args.group and args.group not in labels.columns:
                    raise ValueError(f"--group {args.group!r} is not a column of {args.labels} "
                                     f"(columns: {list(labels.columns)})")
        st.say(f"{net!r}; driving {len(drive)} neuron(s) at {args.rate:g} Hz, "
               f"{args.trials} trial(s) x {args.duration:g} ms")
        with st.stage(f"simulating {args.trials} trial(s)"):
            net.run_simulation(args.duration, dt=args.dt, seed=args.seed,
                               n_trials=args.trials)
        with st.stage("writing results"):
            out.mkdir(parents=True, exist_ok=True)
            spikes = net.spikes
            spikes.to_parquet(out / "spikes.parquet", index=False)
            rates = net.firing_rates()
            rates.columns = ["rate_mean_Hz", "rate_sd_Hz"]
            rates.to_csv(out / "rates.csv")
            group = args.group if (labels is not None and args.group) else None
            fig = plot_raster(net, group=group, labels=labels,
                              title=f"{Path(args.edges).name}: {args.model}, "
                                    f"{len(drive)} neuron(s) driven at {args.rate:g} Hz",
                              trial=0 if args.trials > 1 else None)
            write_html(fig, out / "raster.html")
    elapsed = st.close()
    if not args.quiet:
        n_active = int((rates["rate_mean_Hz"] > 0).sum())
        print(f"{len(spikes)} spikes; {n_active} of {len(rates)} neurons fired "
              f"({elapsed:.1f} s)")
        for name in ("spikes.parquet", "rates.csv", "raster.html"):
            print(f"  {(out / name).resolve()}")
    return 0
