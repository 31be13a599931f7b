"""Run a CompartmentModel: validate the step, compile, call the engine, build pandas results.

Units: ms, mV, nA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectome_sim.engine.cable_run import kernel_notice, run_cable
from connectome_sim.errors import (ParameterError, SimulationError, StabilityError,
                                   check_number, check_whole, is_text, whole_steps)

from .compile import check_kernels, compile_cell, compile_events

__all__ = ["run_model", "check_step", "warmup"]

#: Largest accepted time step (ms).  Backward Euler stays stable beyond it, but the gating
#: and synaptic updates are meaningless at such steps.
MAX_DT = 1.0


def check_step(duration: float, dt: float) -> int:
    """Validate ``duration``/``dt`` (ms) and return the number of steps."""
    for name, value in (("duration", duration), ("dt", dt)):
        if is_text(value):   # float('10') would run; a caller passing text read it unparsed
            raise StabilityError(f"{name}={value!r}: expected a number of ms, got text; pass "
                                 f"the number itself (e.g. {name}=float(...))")
    try:
        duration, dt = float(duration), float(dt)
    except (TypeError, ValueError):
        raise StabilityError(f"duration and dt must be numbers (ms), got {duration!r}, "
                             f"{dt!r}") from None
    if not np.isfinite(dt) or dt <= 0:
        raise StabilityError(f"dt must be a positive number of ms, got {dt}; NEURON's default "
                             "is 0.025 ms")
    if dt > MAX_DT:
        raise StabilityError(f"dt = {dt} ms is absurdly large for a cable model (limit "
                             f"{MAX_DT} ms); use 0.025 ms (NEURON's default) or similar")
    if not np.isfinite(duration) or duration <= 0:
        raise StabilityError(f"duration must be a positive number of ms, got {duration}")
    if dt > duration:
        raise StabilityError(f"dt = {dt} ms is longer than the run ({duration} ms)")
    return whole_steps(duration, dt, "run_simulation")


def inputs_outside_run(model, tstop: float) -> list:
    """Messages for the stimuli of ``model`` that start at or after ``tstop`` (ms), the end
    of the run, and so do nothing in it: current pulses, alpha synapses, NetStim trains and
    given spike times (named by node ID and time)."""
    out = []
    late = {}
    for p in model._points:
        t0 = p["obj"].delay if p["kind"] == "IClamp" else getattr(p["obj"], "onset", None)
        if t0 is not None and t0 >= tstop:
            late.setdefault((p["kind"], float(t0)), []).append(p["key"])
    for (kind, t0), keys in late.items():
        what = "inject_current_pulse" if kind == "IClamp" else "add_synaptic_current"
        out.append(f"{what}: starts at {t0:g} ms, at or after the end of the run ({tstop:g} "
                   f"ms), at node ID(s) {_keys(keys)}; lengthen the run (duration=) or start "
                   "it earlier")
    for src in model._sources:
        nodes = _keys([model._synapses[k]["key"] for k, _w, _d in src["targets"]])
        if src["kind"] == "netstim" and src["start"] >= tstop:
            out.append(f"NetStim input: starts at {src['start']:g} ms, at or after the end of "
                       f"the run ({tstop:g} ms), onto node ID(s) {nodes}; lengthen the run "
                       "(duration=) or start it earlier")
        elif src["kind"] == "times":
            t = np.asarray(src["times"], float)
            t = t[t >= tstop]
            if t.size:
                out.append(f"spike-time input: {t.size} spike time(s) at or after the end of "
                           f"the run ({tstop:g} ms), e.g. {', '.join(f'{v:g}' for v in t[:3])} "
                           f"ms, onto node ID(s) {nodes}, are never delivered")
    return out


def _keys(keys, n=5) -> str:
    u = list(dict.fromkeys(k.item() if hasattr(k, "item") else k for k in keys))
    return f"{u[:n]}" + (f" and {len(u) - n} more" if len(u) > n else "")


def run_model(model, duration, v_init, dt, method, n_trials, seed, celsius, record_every,
              usetable_hh=False):
    """Compile and run ``model`` (see :meth:`CompartmentModel.run_simulation`)."""
    import warnings

    from connectome_sim.errors import InputOutsideRunWarning

    nsteps = check_step(duration, dt)
    for msg in inputs_outside_run(model, nsteps * dt):
        warnings.warn(msg, InputOutsideRunWarning, stacklevel=3)
    if method not in ("be", "cn"):
        raise ParameterError(f"method must be 'be' (backward Euler) or 'cn' (Crank–Nicolson), "
                             f"got {method!r}")
    n_trials = int(n_trials)
    if n_trials < 1:
        raise ParameterError(f"n_trials must be >= 1, got {n_trials}")
    record_every = int(record_every)
    if record_every < 1:
        raise ParameterError(f"record_every must be >= 1, got {record_every}")
    v_init = check_number(v_init, "v_init", unit="mV")   # np.isfinite('x') raised TypeError
    if seed is not None:                                  # int() took 1.5 as 1, '3' as 3
        seed = check_whole(seed, "seed")
    cc = compile_cell(model, usetable_hh=bool(usetable_hh))
    events, trains = compile_events(model, n_trials, seed, nsteps * dt)
    with kernel_notice(cc.arrays, n_trials):
        check_kernels(cc.arrays.mechs)
        out = run_cable(cc.arrays, events, nsteps, dt, v_init, method=method,
                        celsius=celsius, n_trials=n_trials, rec_v=cc.rec_v, rec_s=cc.rec_s,
                        rec_i=cc.rec_i, rec_every=record_every)
    bad = np.flatnonzero(out["err"][:, 0] >= 0)
    if len(bad):
        tr = int(bad[0])
        step, comp = out["err"][tr]
        key = model._comp_key(int(comp))
        raise SimulationError(
            f"the simulation blew up at t = {step * dt:.4g} ms (trial {tr}): membrane potential "
            f"NaN/inf or beyond 1e4 mV at node ID {key} (compartment {comp}); check the "
            "stimulus amplitudes (nA), conductances (S/cm², µS) and units of the skeleton, or "
            "reduce dt")
    if out["overflow"]:
        raise SimulationError("more spikes than the spike buffer holds: the model fires "
                              "at runaway rates; check thresholds and inputs")
    t = np.arange(out["rec"].shape[2]) * dt * record_every
    model.t = t
    model.records = _records_frames(out["rec"], cc.records_v, cc.records_s, cc.records_i, t,
                                    n_trials)
    model.spikes = _spikes_frame(cc.detectors, out, dt, n_trials)
    model.presynaptic_trains = trains
    return out


def _records_frames(rec, rv, rs, ri, t, n_trials):
    groups = {}
    rows = [("v", r) for r in rv] + [(f"{r['state']}_{r['mech']}", r) for r in rs] \
        + [("i", r) for r in ri]
    for row, (q, r) in enumerate(rows):
        groups.setdefault(q, []).append((row, r["label"]))
    frames = {}
    for q, items in groups.items():
        cols = [lab for _, lab in items]
        idx = [row for row, _ in items]
        if n_trials == 1:
            data = rec[0, idx].T
            index = pd.Index(t, name="time")
        else:
            data = np.concatenate([rec[k, idx].T for k in range(n_trials)])
            index = pd.MultiIndex.from_product([range(n_trials), t], names=["trial", "time"])
        frames[q] = pd.DataFrame(data, index=index, columns=pd.Index(cols, name="label"))
    return frames


def _spikes_frame(dets, out, dt, n_trials):
    rows = []
    for tr in range(n_trials):
        n = int(out["spk_n"][tr])
        for q, s in zip(out["spk_det"][tr, :n], out["spk_step"][tr, :n]):
            d = dets[q]
            if d["record"]:
                rows.append((d["label"], d["key"], s * dt, tr))
    cols = ["label", "node_id", "time", "trial"]
    df = pd.DataFrame(rows, columns=cols)
    if n_trials == 1:
        df = df.drop(columns="trial")
    return df.sort_values(["time"] if n_trials == 1 else ["trial", "time"],
                          kind="stable").reset_index(drop=True)


def warmup(trials: bool = False) -> float:
    """Compile (or load) the cable kernels a first run needs, so that it starts at once.

    Runs a three-compartment model with hh and a current clamp for 1 ms (single cell), again
    with a synapse and a spike detector (the kernel's variant with events), and a two-cell circuit with a gap junction and a dipole record (the kernel's
    variant with membrane currents); with ``trials`` also the trials-in-parallel entry point.
    Prints the usual one-line compile notice when something is compiled.  Meant for
    ``connectome-sim warmup`` or an install step; results are discarded.

    Parameters
    ----------
    trials : bool
        Also compile the kernel that runs several trials in parallel.

    Returns
    -------
    float
        Wall time (s) it took.
    """
    import time

    import pandas as pd

    from .circuit import Circuit
    from .model import CompartmentModel
    t0 = time.perf_counter()
    nodes = pd.DataFrame({"node_id": [1, 2, 3], "parent_id": [-1, 1, 2],
                          "x": [0.0, 10.0, 20.0], "y": 0.0, "z": 0.0, "radius": 1.0})
    m = CompartmentModel(nodes, res=10)
    m.insert("pas")
    m.insert("hh")
    m.add_voltage_record(3)
    m.inject_current_pulse(1, start=0.1, duration=0.5, current=0.1)
    m.run_simulation(1.0)           # the kernel of a cell with current clamps only
    m.add_spike_detector(3)
    m.add_synaptic_input(2, start=0.1)
    m.run_simulation(1.0)           # ... and with synapses and spike detectors
    if trials:
        m.run_simulation(1.0, n_trials=2, seed=0)
    c = Circuit({1: nodes, 2: nodes}, res=10)
    c.insert("hh")
    c.add_gap_junction(1, 2, 2, 2, g=1e-3)
    c.run_simulation(1.0, dipole=True)
    return time.perf_counter() - t0
