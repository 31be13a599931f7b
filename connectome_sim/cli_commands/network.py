"""``connectome-sim network EDGES``: simulate an edge list as a point-neuron network.

Writes ``spikes.parquet`` (trial, neuron_id, time in ms), ``rates.csv`` (Hz per neuron, mean and
sd over trials) and ``raster.html`` to ``--out``.  The flags mirror
:meth:`connectome_sim.network.PointNetwork.from_edge_list` and
:func:`connectome_sim.io.edges.load_edge_list`.
"""

from __future__ import annotations

import argparse
import math
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConnectomeSimError, ParameterError, SimulationError
from ._util import (Stages, coerce_ids, number, parse_params, prepare_out, reading,
                    write_html)

HELP = ("Simulate an edge list (CSV, CSV.GZ or parquet) as a point-neuron network: drive "
        "neurons with Poisson input, write spikes, rates and a raster plot.")

OUTPUTS = ("spikes.parquet", "rates.csv", "raster.html")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``network`` options on ``p``."""
    p.add_argument("edges", help="edge list: .csv, .csv.gz, .tsv, .parquet or .feather; "
                                 "columns detected (see --source-col ...), or a headerless "
                                 "'source,target[,weight]' file")
    g = p.add_argument_group("edge list columns (default: detected, and reported)")
    g.add_argument("--source-col", help="presynaptic neuron ID column")
    g.add_argument("--target-col", help="postsynaptic neuron ID column")
    wg = g.add_mutually_exclusive_group()      # both given: one would be ignored silently
    wg.add_argument("--weight-col", help="weight column (synapse counts or model units)")
    wg.add_argument("--unweighted", action="store_true",
                   help="no weight column: one synapse (weight 1) per row")
    g.add_argument("--sign-col", help="column of signs: +1/-1, True/False or "
                                      "excitatory/inhibitory (e.g. Shiu's 'Excitatory')")
    g.add_argument("--nt-col", help="transmitter column (e.g. FlyWire 'nt_type')")
    g.add_argument("--no-signs", action="store_true",
                   help="ignore sign and transmitter columns: every synapse excitatory "
                        "(weights keep their own signs)")
    g.add_argument("--inhibitory", nargs="+", metavar="NT", default=None,
                   help="transmitters that inhibit (default: GABA GLU GLUT GLUTAMATE, as Shiu "
                        "et al. 2024 for the fly; for C. elegans use --inhibitory GABA)")
    tg = g.add_mutually_exclusive_group()
    tg.add_argument("--type-col", help="synapse-type column (chemical/electrical rows)")
    tg.add_argument("--no-type", action="store_true",
                   help="no synapse-type column: every row is a chemical synapse")
    g.add_argument("--delay", metavar="MS_OR_COLUMN",
                   help="synaptic delay in ms, or the name of a delay column (default: the "
                        "model's, 1.8 ms for LIF)")
    hdr = g.add_mutually_exclusive_group()
    hdr.add_argument("--no-header", action="store_true",
                     help="the file has no header row (source, target[, weight])")
    hdr.add_argument("--header", action="store_true",
                     help="the first row is a header (default: detected)")
    m = p.add_argument_group("model")
    m.add_argument("--model", default="LIF", help="point model (default LIF, Shiu et al. 2024)")
    m.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="model parameter for every neuron, in the model's units "
                        "(e.g. --param t_mbr=20); repeatable")
    m.add_argument("--weight-scale", type=number(), metavar="SCALE",
                   help="factor on the weights (LIF: mV per synapse, default 0.275)")
    m.add_argument("--labels", metavar="TABLE",
                   help="neuron table (CSV/parquet with a neuron_id, root_id or bodyId column): "
                        "label columns for --group, and a transmitter column (nt_type, "
                        "transmitter, ...) that signs each neuron's outgoing synapses when the "
                        "edge list has no sign or transmitter column")
    m.add_argument("--group", metavar="COLUMN", help="label column to group the raster by")
    s = p.add_argument_group("stimulus and run")
    s.add_argument("--stimulate", nargs="+", default=[], metavar="ID",
                   help="neuron IDs driven with Poisson input at --rate")
    s.add_argument("--stimulate-file", metavar="FILE", help="file with IDs to drive, one a line")
    s.add_argument("--rate", type=number(0, strict=False, unit=" Hz"), default=150.0,
                   help="Poisson rate of the drive, Hz (default 150)")
    s.add_argument("--silence", nargs="+", default=[], metavar="ID",
                   help="neuron IDs whose outgoing synapses are removed")
    s.add_argument("--duration", type=number(0, unit=" ms"), default=1000.0,
                   help="simulated time, ms (default 1000)")
    s.add_argument("--dt", type=number(0, unit=" ms"), default=0.1, help="time step, ms")
    s.add_argument("--trials", type=number(0, integer=True), default=10,
                   help="number of trials")
    s.add_argument("--seed", type=number(0, strict=False, integer=True), default=0,
                   help="random seed")
    p.add_argument("--out", default="connectome_sim_network", help="output folder")


def _read_ids(path: str) -> list[str]:
    with reading(path, "--stimulate-file"):
        with open(path) as fh:
            return [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]


def read_edge_list(args):
    """The edge list of ``args`` resolved by :func:`~connectome_sim.io.edges.load_edge_list`,
    and the neuron table (or None)."""
    from ..io.edges import (INHIBITORY_NT, load_edge_list, read_neuron_table,
                            transmitter_column, transmitter_set)

    path = Path(args.edges)
    if args.inhibitory is not None:           # checked before the file is read, in flags
        transmitter_set(args.inhibitory, "--inhibitory")
    if args.no_signs and (args.sign_col or args.nt_col):
        flag = "--sign-col" if args.sign_col else "--nt-col"
        raise ParameterError(f"--no-signs ignores sign and transmitter columns, but {flag} "
                             "names one; give one of them")
    labels = None
    if args.labels:
        with reading(args.labels, "--labels"):
            labels = read_neuron_table(args.labels)
    neuron_nt = None
    if labels is not None and not args.no_signs:
        ntc = transmitter_column(labels)
        if ntc is not None:
            neuron_nt = labels[ntc]
    header = None if args.no_header else 0 if args.header else "infer"
    # the library names the neuron table neuron_nt; here it is the --labels file's column
    said = (f"--labels {args.labels}", ntc) if neuron_nt is not None else None
    with reading(path, "edge list"), _labels_named(said):
        el = load_edge_list(
            path, source_col=args.source_col, target_col=args.target_col,
            weight_col=False if args.unweighted else args.weight_col,
            sign_col=False if args.no_signs else args.sign_col,
            nt_col=False if args.no_signs else args.nt_col,
            type_col=False if args.no_type else args.type_col,
            delay_col=args.delay if args.delay and not _is_float(args.delay) else None,
            inhibitory_nt=tuple(args.inhibitory) if args.inhibitory else INHIBITORY_NT,
            neuron_nt=neuron_nt, header=header)
    return el, labels


@contextmanager
def _labels_named(said):
    """Warnings and errors about ``neuron_nt`` reworded to name the ``--labels`` file and its
    transmitter column (``said``: (flag and path, column), or None)."""
    if said is None:
        yield
        return

    def reword(text):
        return (text.replace("neuron_nt's IDs", f"{said[0]}'s IDs")
                .replace("neuron_nt", f"{said[0]} (column {said[1]!r})"))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except ConnectomeSimError as e:
            if "neuron_nt" not in str(e):
                raise
            try:
                named = type(e)(reword(str(e)))
            except TypeError:
                raise e from None
            raise named from e
    from ..io.edges import NEURON_NT_UNUSED

    for w in caught:
        # (--labels signs only edge lists without signs of their own, as its help says)
        if not str(w.message).startswith(NEURON_NT_UNUSED):
            warnings.warn(reword(str(w.message)), w.category, stacklevel=3)


def _is_float(text) -> bool:
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def build_network(el, args):
    """PointNetwork from a resolved edge list (signs already applied) and the model flags."""
    from ..network import PointNetwork

    frame = pd.DataFrame({"source": el.source, "target": el.target, "weight": el.weight,
                          "type": np.where(el.electrical, "electrical", "chemical")})
    delay = None
    if el.delay is not None:
        frame["delay"] = el.delay
        delay = "delay"
    elif args.delay is not None:
        delay = float(args.delay)
        if not math.isfinite(delay) or delay < 0:
            raise ValueError(f"--delay must be a finite number of ms >= 0, got {args.delay}")
    kw = parse_params(args.param)
    if args.weight_scale is not None:
        kw["weight_scale"] = args.weight_scale
    return PointNetwork.from_edge_list(frame, model=args.model, source_col="source",
                                       target_col="target", weight_col="weight",
                                       type_col="type", delay=delay, **kw)


def run(args: argparse.Namespace) -> int:
    """Run the ``network`` command; returns the exit code."""
    from ..plotting import plot_raster

    out = prepare_out(args.out, OUTPUTS, args.force)
    st = Stages(["read", "build", "simulate", "write"], quiet=args.quiet,
                title="connectome-sim network")
    try:
        with st.stage("reading edges"):
            el, labels = read_edge_list(args)
        st.say(f"{Path(args.edges).name}: {len(el.source)} rows; {el.summary()}")
        with st.stage("building network"):
            net = build_network(el, args)
            drive = list(args.stimulate)
            if args.stimulate_file:
                drive += _read_ids(args.stimulate_file)
            driven = coerce_ids(drive, net.ids) if drive else []
            if drive:
                net.add_poisson_input(driven, rate=args.rate,
                                      label=f"Poisson {args.rate:g} Hz")
            if args.silence:
                net.silence(coerce_ids(args.silence, net.ids, flag="--silence"))
            if labels is not None and len(labels) and not labels.index.isin(net.ids).any():
                # e.g. root IDs of another FlyWire version: every label and rate column NaN
                raise ValueError(f"--labels {args.labels}: none of its {len(labels)} neuron "
                                 f"IDs (e.g. {labels.index[:3].tolist()}) is in the edge list "
                                 f"(e.g. {net.ids[:3].tolist()})")
            if args.group and (labels is None or args.group not in labels.columns):
                cols = [] if labels is None else list(labels.columns)
                raise ValueError(f"--group {args.group!r} is not a column of --labels "
                                 f"{args.labels} (columns: {cols})")
        st.say(f"{net!r}; driving {len(drive)} neuron(s) at {args.rate:g} Hz, "
               f"{args.trials} trial(s) x {args.duration:g} ms")
        with st.stage(f"simulating {args.trials} trial(s)"):
            try:
                net.run_simulation(args.duration, dt=args.dt, seed=args.seed,
                                   n_trials=args.trials)
            except SimulationError as e:     # (its partial result is a Python object)
                raise SimulationError(f"{getattr(e, 'reason', e)}; nothing was written to "
                                      f"{out}") from None
        with st.stage("writing results"):
            spikes = net.spikes
            spikes.to_parquet(out / "spikes.parquet", index=False)
            rates = net.firing_rates()
            rates.columns = ["rate_mean_Hz", "rate_sd_Hz"]
            if labels is not None:
                rates = rates.join(labels.reindex(rates.index))
            rates.to_csv(out / "rates.csv")
            fig = plot_raster(net, group=args.group, labels=labels,
                              title=f"{Path(args.edges).name}: {args.model}, "
                                    f"{len(drive)} neuron(s) driven at {args.rate:g} Hz",
                              trial=0 if args.trials > 1 else None)
            write_html(fig, out / "raster.html")
    finally:
        elapsed = st.close()
    if not args.quiet:
        n_active = int((rates["rate_mean_Hz"] > 0).sum())
        print(f"{len(spikes)} spikes; {n_active} of {len(rates)} neurons fired "
              f"({elapsed:.1f} s)")
        fired = rates.index[rates["rate_mean_Hz"] > 0]
        if len(driven) and n_active and set(fired.tolist()) <= set(pd.Index(driven).tolist()):
            # a first run on a user's file often stops here: say why and what to change
            print(f"activity stayed in the {len(set(fired.tolist()))} driven neuron(s): at this "
                  f"--weight-scale no synapse brought a target to threshold; a larger "
                  f"--weight-scale, more --stimulate neurons or a higher --rate spreads it")
        for name in OUTPUTS:
            print(f"  {(out / name).resolve()}")
    return 0
