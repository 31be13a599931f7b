"""Compile a :class:`PointNetwork` to engine arrays and run trials (in parallel threads)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..engine import network as eng
from ..errors import SimulationError, StabilityError

__all__ = ["Compiled", "compile_network", "RunSetup", "setup_run", "run_clock_span", "run_trials"]


@dataclass
class Compiled:
    """Flat arrays the engine consumes (indices, not IDs). Units: ms, model weight units, µS."""

    n: int
    tgt: np.ndarray
    w: np.ndarray
    ch: np.ndarray
    seg_ptr: np.ndarray
    seg_start: np.ndarray
    seg_end: np.ndarray
    seg_delay: np.ndarray
    gap_ptr: np.ndarray
    gap_j: np.ndarray
    gap_g: np.ndarray


def compile_network(net) -> Compiled:
    """Segments by delay and zero the weights of silenced neurons."""
    tgt, w, ch, seg_ptr, seg_start, seg_end, seg_delay = net._segments()
    if net._silenced.any():
        w = w.copy()
        srcs = np.flatnonzero(net._silenced)
        for s in srcs:
            for q in range(seg_ptr[s], seg_ptr[s + 1]):
                w[seg_start[q]:seg_end[q]] = 0.0
    gp, gj, gg = net._gap_csr()
    return Compiled(net.n_neurons, tgt, w, ch, seg_ptr, seg_start, seg_end, seg_delay, gp, gj, gg)


def _stim_events(net, seed, trial, duration, clock_dt):
    ts, ns, ws, cs = [], [], [], []
    ch = net.model.channels.index(net.model.stimulus_channel)
    for k, st in enumerate(net._stimuli):
        t, n = st.events(seed, trial, k, duration, clock_dt)
        ts.append(t)
        ns.append(n)
        ws.append(np.full(t.size, st.weight))
        cs.append(np.full(t.size, ch, np.int64))
    if not ts:
        return (np.empty(0), np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64))
    t = np.concatenate(ts)
    order = np.argsort(t, kind="stable")
    return (t[order], np.concatenate(ns)[order], np.concatenate(ws)[order],
            np.concatenate(cs)[order])


@dataclass
class RunSetup:
    """What a run needs besides the per-trial state, built once by :func:`setup_run`.

    ``P`` holds the prepared parameter rows; ``rec_rows`` the recorded neurons.  For
    clock-driven models also the delays in steps, the current changes ``cur`` = (step, row,
    nA), the ``pinned`` neurons (never asleep: currents, records, gap junctions) and the
    model-specialised kernel with its flags: ``use_pop`` (the model steps its awake list in
    one call), ``use_all`` (it has a dense ``step_all`` pass the kernel may switch to),
    ``use_sleep`` (neurons may sleep).  Clearing ``use_all``/``use_sleep`` forces the sparse
    / dense pass with the same compiled kernel (tests compare them this way).
    """

    model: object
    dt: float
    P: np.ndarray
    rec_rows: np.ndarray
    dsteps: np.ndarray = None
    cur: tuple = None
    pinned: np.ndarray = None
    kern: object = None
    use_pop: bool = False
    use_all: bool = False
    use_sleep: bool = False
    vrow: int = -1
    dense_steps: list = field(default_factory=list)


def setup_run(net, comp: Compiled, dt, k_end) -> RunSetup:
    """Check ``dt``, prepare parameters, currents, pinned neurons and the kernel.

    Shared by :func:`run_trials` and :func:`connectome_sim.network.longrun.run_extended`
    (streamed / resumed runs), so both drive the engine identically.  ``k_end`` is the last
    step (exclusive) the currents are needed for.  Units: ms.
    """
    model = net.model
    if comp.seg_delay.size and comp.seg_delay.min() < dt - 1e-9:
        raise StabilityError(
            f"dt = {dt} ms is larger than the shortest synaptic delay "
            f"({comp.seg_delay.min()} ms); use dt <= the smallest delay")
    P = model.param_array(comp.n, net._props)
    model.check(P, dt)
    P = np.ascontiguousarray(model.prepare(P, dt))
    rec_rows = np.asarray(net._record_rows, np.int64)
    su = RunSetup(model, float(dt), P, rec_rows)
    if model.kind == "event":
        return su
    su.cur = _current_events(net, dt, k_end)
    su.pinned = np.zeros(comp.n, np.bool_)
    su.pinned[su.cur[1]] = True
    su.pinned[rec_rows] = True
    su.pinned[np.flatnonzero(np.diff(comp.gap_ptr))] = True
    su.dsteps = np.rint(comp.seg_delay / dt).astype(np.int64)
    su.use_sleep = bool(model.supports_sleep)
    sleep_fn = model.can_sleep if su.use_sleep else eng._no_sleep
    catch_fn = model.catch_up if su.use_sleep else eng._no_catch_up
    su.vrow = model.state_names().index(model.voltage) if model.voltage else -1
    su.use_pop = getattr(model, "step_population", None) is not None
    pop_fn = model.step_population if su.use_pop else eng._no_population
    su.use_all = getattr(model, "step_all", None) is not None
    all_fn = model.step_all if su.use_all else eng._no_step_all
    su.kern = eng.specialise("clock", {"step_fn": model.step, "pop_fn": pop_fn,
                                       "all_fn": all_fn,
                                       "sleep_fn": sleep_fn, "catch_fn": catch_fn})
    return su


def run_clock_span(su: RunSetup, comp: Compiled, S, k0, k1, stim_k, stim_i, stim_w, stim_c,
                   max_spikes):
    """Advance state ``S`` (in place) from step ``k0`` to ``k1`` with the clock kernel.

    ``stim_*`` are input events (step, row, weight, channel) sorted by step.  Returns the
    kernel's ``(spike rows, spike steps, rec, status, step reached)``; the number of steps
    run with the dense pass is appended to ``su.dense_steps`` (diagnostics, tests).
    """
    ck, ci, ca = su.cur
    *res, n_dense = su.kern(
        su.use_pop, su.use_all, su.use_sleep, k0, k1, su.dt, S, su.P,
        len(su.model.channels), comp.tgt, comp.w, comp.ch, comp.seg_ptr, comp.seg_start,
        comp.seg_end, su.dsteps, stim_k, stim_i, stim_w, stim_c, ck, ci, ca,
        comp.gap_ptr, comp.gap_j, comp.gap_g, su.vrow, su.pinned, su.rec_rows, max(su.vrow, 0),
        max_spikes)
    su.dense_steps.append(int(n_dense))
    return tuple(res)


def raise_for_status(status, trial, t, max_spikes, v=None, ids=None, dt=None):
    """Turn a kernel status into a clear :class:`SimulationError` (``t`` in ms).

    For a NaN/inf stop, ``v`` (the voltage row of the state when the kernel stopped, mV),
    ``ids`` (neuron IDs in row order) and ``dt`` (ms) let the message name the neurons and the
    window in which it happened: the dense pass checks every 8th step, so the first non-finite
    value appeared within the 8 steps up to ``t``."""
    if status == eng.STATUS_MAX_SPIKES:
        raise SimulationError(
            f"trial {trial}: more than max_spikes={max_spikes} spikes by t = {t:g} ms; "
            "the network is running away (e.g. IntFire4 has no refractory period). Lower the "
            "weights, add inhibition, or raise max_spikes if this activity is intended")
    if status == eng.STATUS_RUNAWAY:
        raise SimulationError(
            f"trial {trial}: a neuron fired more than 10000 times within one step at "
            f"t = {t:g} ms (runaway excitation; IntFire4 has no refractory period). "
            "Lower the weights or add inhibition")
    if status == eng.STATUS_NONFINITE:
        where = f"at t = {t:g} ms"
        if dt is not None:
            where = f"detected at t = {t:g} ms (it appeared after t = {max(t - 8 * dt, 0.0):g} ms)"
        who = ""
        if v is not None and ids is not None:
            bad = np.asarray(ids)[~np.isfinite(v)]
            if bad.size:
                who = (f" in neuron(s) {list(bad[:10])}"
                       + (f" and {bad.size - 10} more" if bad.size > 10 else ""))
        raise SimulationError(
            f"trial {trial}: NaN/inf membrane potential{who} {where}; reduce dt or "
            "check the parameters (currents, weights, time constants) of those neurons")
    if status != eng.STATUS_OK:
        raise SimulationError(f"trial {trial}: engine status {status} at t = {t:g} ms")


def run_trials(net, comp: Compiled, duration, dt, seed, n_trials, v_init, max_spikes):
    """Run ``n_trials`` trials; returns a list of (spike rows, spike times ms, rec) per trial."""
    model = net.model
    n_steps = int(round(duration / dt))
    su = setup_run(net, comp, dt, n_steps)
    P, rec_rows = su.P, su.rec_rows
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))

    def one(trial):
        S = model.init_state(P, v_init)
        if model.kind == "event":
            t, n, w, c = _stim_events(net, seed, trial, duration, None)
            Q = model.init_queue(S, P)
            kern = eng.specialise("event", {"recv_fn": model.receive, "obs_fn": model.observe})
            # Event times are exact, and neurons cannot affect each other within less than the
            # shortest delay: without records the queue can use windows of that length (same
            # spikes as with dt, far fewer loop iterations).
            win = dt
            if rec_rows.size == 0:
                win = max(dt, float(comp.seg_delay.min()) if comp.seg_delay.size else duration)
            n_win = int(np.ceil(duration / win - 1e-9))
            sp_i, sp_t, rec, status, k = kern(
                n_win, win, S, P, Q,
                comp.tgt, comp.w, comp.ch, comp.seg_ptr, comp.seg_start, comp.seg_end,
                comp.seg_delay, t, n, w, c, rec_rows, max_spikes, 10000)
            k = int(round(k * win / dt))
            keep = sp_t < duration
            sp_i, sp_t = sp_i[keep], sp_t[keep]
        else:
            t, n, w, c = _stim_events(net, seed, trial, duration, dt)
            stim_k = np.floor(t / dt + 1e-6).astype(np.int64)
            keep = stim_k < n_steps
            sp_i, sp_k, rec, status, k = run_clock_span(
                su, comp, S, 0, n_steps, stim_k[keep], n[keep], w[keep], c[keep], max_spikes)
            sp_t = sp_k * dt
        if model.kind == "event" or su.vrow < 0:
            raise_for_status(status, trial, k * dt, max_spikes)
        else:
            raise_for_status(status, trial, k * dt, max_spikes, S[su.vrow], net.ids, dt)
        return sp_i, sp_t, rec, S

    if n_trials == 1:
        return [one(0)]
    workers = min(n_trials, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(one, range(n_trials)))


def _current_events(net, dt, n_steps):
    ks, rows, amps = [], [], []
    for cur in net._currents:
        r, k0, k1, a = cur.segments(dt, n_steps)
        ks += [k0, k1]
        rows += [r, r]
        amps += [a, -a]
    if not ks:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    k = np.concatenate(ks)
    order = np.argsort(k, kind="stable")
    return k[order], np.concatenate(rows)[order], np.concatenate(amps)[order]
