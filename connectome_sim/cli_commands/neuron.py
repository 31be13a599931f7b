"""``connectome-sim neuron SKELETON.swc``: simulate one skeleton as a compartment model.

Writes ``voltages.csv`` (time in ms × recorded node, mV), ``spikes.csv``, ``traces.html`` and
``skeleton_voltage.html`` (the skeleton coloured by voltage, with a time slider) to ``--out``.
"""

from __future__ import annotations

import argparse
import math
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..errors import UnknownIDError
from ._util import Stages, number, prepare_out, reading, refuse_stdin, write_html

OUTPUTS = ("voltages.csv", "spikes.csv", "traces.html", "skeleton_voltage.html")

HELP = ("Simulate a skeleton (SWC, µm) as a compartment model: inject currents at node IDs, "
        "write voltages, spikes and figures.")


def parse_inject(spec: str, duration: float) -> tuple[int, float, float, float]:
    """Parse ``NODE:nA[:start[:duration]]`` (ms) into (node, amplitude nA, start ms, dur ms)."""
    parts = spec.split(":")
    if not 2 <= len(parts) <= 4:
        raise ValueError(f"--inject {spec!r}: expected NODE:nA[:start_ms[:duration_ms]]")
    try:
        node = int(parts[0])
        amp = float(parts[1])
        start = float(parts[2]) if len(parts) > 2 else 5.0
        dur = float(parts[3]) if len(parts) > 3 else max(duration - start, 0.0)
    except ValueError:
        raise ValueError(f"--inject {spec!r}: NODE must be an integer node ID and nA, start, "
                         "duration numbers") from None
    if not all(math.isfinite(v) for v in (amp, start, dur)):
        raise ValueError(f"--inject {spec!r}: nA, start and duration must be finite")
    if start < 0:
        raise ValueError(f"--inject {spec!r}: start must be >= 0 ms")
    if start >= duration:           # e.g. the default start (5 ms) of a 2 ms run
        raise ValueError(f"--inject {spec!r}: the pulse starts at {start:g} ms, when the run "
                         f"(--duration {duration:g} ms) is over; give a start, e.g. "
                         f"{parts[0]}:{parts[1]}:0")
    if dur <= 0:
        raise ValueError(f"--inject {spec!r}: the duration must be > 0 ms")
    return node, amp, start, dur


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``neuron`` options on ``p``."""
    p.add_argument("skeleton", help="SWC file (coordinates and radii in µm, or see --units)")
    r = p.add_argument_group("reading the skeleton")
    r.add_argument("--units", metavar="UNITS",
                   help="coordinate units of the file: um, nm, or µm per file unit "
                        "(default: µm; nm-looking files are refused)")
    r.add_argument("--radius-policy", metavar="POLICY",
                   help="missing or non-positive radii: raise (default), neighbours (mean of "
                        "the valid neighbours), or a radius in µm")
    r.add_argument("--heal", action="store_true",
                   help="join disconnected fragments instead of refusing them")
    r.add_argument("--soma", metavar="CONVENTION",
                   help="soma convention of the reader (see connectome_sim.morphology; the "
                        "reader checks the value)")
    r.add_argument("--root", type=int, metavar="NODE", help="node ID to root the tree at")
    m = p.add_argument_group("model")
    m.add_argument("--res", type=number(0, unit=" µm"), default=10.0,
                   help="maximum segment length, µm")
    m.add_argument("--Ra", type=number(0, unit=" Ω·cm"), default=266.1,
                   help="axial resistivity, Ω·cm")
    m.add_argument("--cm", type=number(0, unit=" µF/cm²"), default=0.8,
                   help="membrane capacitance, µF/cm²")
    m.add_argument("--g-pas", type=number(0, strict=False, unit=" S/cm²"), default=1 / 20800,
                   help="leak conductance, S/cm²")
    m.add_argument("--e-pas", type=number(), default=-60.0, help="leak reversal, mV")
    m.add_argument("--hh", action="store_true",
                   help="insert Hodgkin–Huxley channels everywhere")
    s = p.add_argument_group("stimulus and run")
    s.add_argument("--inject", action="append", default=[], metavar="NODE:nA[:start[:dur]]",
                   help="current pulse at a node ID (nA; start and duration in ms); repeatable")
    s.add_argument("--record", nargs="+", type=int, default=None, metavar="NODE",
                   help="node IDs to record (default: the root / soma)")
    s.add_argument("--duration", type=number(0, unit=" ms"), default=100.0,
                   help="simulated time, ms")
    s.add_argument("--dt", type=number(0, unit=" ms"), default=0.025, help="time step, ms")
    s.add_argument("--v-init", type=number(), default=-60.0, help="initial voltage, mV")
    s.add_argument("--threshold", type=number(), default=20.0,
                   help="spike detection threshold at the recorded nodes, mV (navis: 20)")
    p.add_argument("--out", default="connectome_sim_neuron", help="output folder")


#: suffixes of tables and other files that are not morphologies
NOT_MORPHOLOGY = (".csv", ".tsv", ".parquet", ".pq", ".feather", ".json", ".xlsx", ".gz",
                  ".zip", ".npz", ".nwb", ".png", ".jpg", ".pdf")


def check_skeleton_file(path: Path) -> None:
    """Refuse files that are evidently not morphologies, naming them (before the reader's own,
    less specific errors): tables given as SWC, binary files with an .swc suffix.

    Parameters
    ----------
    path : pathlib.Path
        The file given as ``SKELETON``.
    """
    if path.suffix.lower() in NOT_MORPHOLOGY:
        raise ValueError(f"skeleton {path}: a {path.suffix} file is not a morphology; "
                         "connectome-sim neuron reads SWC files (node tables and navis "
                         "neurons go through the Python API, CompartmentModel(...))")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if path.suffix.lower() == ".swc":
        if b"\x00" in head:
            raise ValueError(f"skeleton {path}: a binary file, not an SWC text file")
        rows = [ln for ln in head.decode("utf-8", "replace").splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")]
        if rows and "," in rows[0] and len(rows[0].split()) < 7:
            raise ValueError(f"skeleton {path}: comma-separated (a CSV table?); SWC rows are "
                             "7 space-separated columns: id type x y z radius parent")


def _float_or_word(text: str, flag: str):
    try:
        v = float(text)
    except ValueError:
        return text
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{flag} {text}: a number here must be finite and > 0")
    return v


def reader_options(args) -> dict:
    """Keyword arguments of the skeleton reader given by the flags (only those given)."""
    kw = {}
    if args.units is not None:
        kw["units"] = _float_or_word(args.units, "--units")
    if args.radius_policy is not None:
        kw["radius_policy"] = _float_or_word(args.radius_policy, "--radius-policy")
    if args.heal:
        kw["heal"] = True
    if args.soma is not None:
        kw["soma"] = args.soma
    if args.root is not None:
        kw["root"] = args.root
    return kw


def simulate_with_movie(model, labelled: dict, duration: float, dt: float, v_init: float,
                        n_samples: int = 2000):
    """Record ``labelled`` nodes plus one node per compartment and run.

    Parameters
    ----------
    model : CompartmentModel
        The model, with mechanisms and stimuli already set.
    labelled : dict
        label -> node ID of the named traces.
    duration, dt, v_init : float
        ms, ms, mV.
    n_samples : int
        Approximate number of samples kept per record (sets ``record_every``).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Named traces (time × label, mV) and whole-skeleton voltages (time × node ID, mV).
    """
    for lab, node in labelled.items():
        model.add_voltage_record(node, label=lab)
    from ..plotting import representative_nodes

    reps = representative_nodes(model)
    model.add_voltage_record(reps)
    every = max(1, int(round(duration / dt / n_samples)))
    model.run_simulation(duration, v_init=v_init, dt=dt, record_every=every)
    v = model.records["v"]
    return v[list(labelled)], v[[c for c in v.columns if c not in labelled]]


@contextmanager
def _flag(flag: str, value):
    """A node ID not in the skeleton, named by the flag that gave it."""
    try:
        yield
    except UnknownIDError as e:
        raise UnknownIDError(f"{flag} {value!r}: {e}") from None


def run(args: argparse.Namespace) -> int:
    """Run the ``neuron`` command; returns the exit code."""
    from ..cable import CompartmentModel
    from ..plotting import plot_skeleton_voltage, plot_voltage_traces

    out = prepare_out(args.out, OUTPUTS, args.force)
    st = Stages(["build", "simulate", "write"], quiet=args.quiet, title="connectome-sim neuron")
    try:
        with st.stage("building compartment model"):
            path = Path(args.skeleton)
            refuse_stdin(args.skeleton, "skeleton")
            if not path.exists():
                raise FileNotFoundError(f"skeleton {path} does not exist")
            if path.is_dir():
                raise ValueError(f"skeleton {path} is a folder, not a file")
            check_skeleton_file(path)
            with reading(path, "skeleton"):
                model = CompartmentModel(str(path), res=args.res, Ra=args.Ra, cm=args.cm,
                                         **reader_options(args))
            model.insert("pas", g=args.g_pas, e=args.e_pas)
            if args.hh:
                model.insert("hh")
            for spec in args.inject:
                node, amp, start, dur = parse_inject(spec, args.duration)
                with _flag("--inject", spec):
                    model.inject_current_pulse(node, start=start, duration=dur, current=amp)
            morph = model.geometry.morphology
            root = int(morph.soma if morph.soma is not None else morph.node_ids[0])
            rec = args.record or [root]
            labelled = {str(r): int(r) for r in rec}
            for node in rec:
                with _flag("--record", node):
                    model.add_spike_detector(node, threshold=args.threshold, label=str(node))
        st.say(f"{model!r}")
        st.say(model.morphology_summary)
        with st.stage(f"simulating {args.duration:g} ms"):
            traces, movie = simulate_with_movie(model, labelled, args.duration, args.dt,
                                                args.v_init)
        with st.stage("writing results"):
            traces.to_csv(out / "voltages.csv")
            spikes = model.spikes if model.spikes is not None else pd.DataFrame()
            spikes.to_csv(out / "spikes.csv", index=False)
            write_html(plot_voltage_traces(traces, title=f"{path.name}: membrane potential"),
                       out / "traces.html")
            write_html(plot_skeleton_voltage(model, movie, n_frames=60,
                                             title=f"{path.name}: membrane potential (mV)"),
                       out / "skeleton_voltage.html")
    finally:
        elapsed = st.close()
    if not args.quiet:
        print(f"{len(spikes)} spike(s) detected ({elapsed:.1f} s)")
        for name in OUTPUTS:
            print(f"  {(out / name).resolve()}")
    return 0
