"""Run a compiled :class:`PointNetwork`: per-trial engine state, the epoch loop, trials in threads.

:class:`EngineRun` holds everything one trial needs (per-group states, lanes, rings, spike
table, records) and advances it with the per-model kernels
(:func:`connectome_sim.engine.network.kernel`).  A network of one group runs its whole span in
one kernel call; several groups advance one epoch at a time each, and the spikes, graded
outputs and gap currents between them are exchanged between epochs
(:mod:`connectome_sim.engine.network`).  Memory for rings, spikes and records is charged to a
budget (:mod:`connectome_sim.network.memory`); a run that would exceed it stops with a
``SimulationError`` and keeps what it computed, marked incomplete.  Units: ms, nA, the models'
units.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..engine import network as eng
from ..errors import ParameterError, SimulationError, StabilityError, check_number
from .compile import compile_network

__all__ = ["EngineRun", "run_trials", "check_time", "stim_events", "current_events",
           "raise_for_status", "choose_lanes", "PARALLEL_MIN", "STATUS_CABLE"]

#: groups of clock-driven neurons at least this large run in parallel lanes (one per core)
PARALLEL_MIN = 20_000
RUNAWAY_FIRE = 10_000          # event models: fires of one neuron within one window
STATUS_CABLE = 6               # a cable neuron blew up (EngineRun.fail_message says where)


def check_time(value, what) -> float:
    """``value`` (ms) as a finite float > 0, else ParameterError naming ``what`` (as
    ``what=value``, which the command line renders as its flag)."""
    return check_number(value, what, low=0.0, strict=True, unit="ms")


def choose_lanes(net, n_trials, threads):
    """Lanes per model name: one core per lane for large clock-driven groups of one-trial
    runs (trials run in parallel instead); ``threads`` (None: all cores) caps it."""
    cores = os.cpu_count() or 1
    T = cores if threads is None else max(1, int(threads))
    T = min(T, cores)
    if n_trials > 1 or T <= 1:
        return {}
    counts = np.bincount(net._model_of, minlength=len(net._models))
    lanes = {}
    gap_rows = set()
    for a, b, _v, _c in net._g:
        gap_rows.update(np.asarray(a).tolist())
        gap_rows.update(np.asarray(b).tolist())
    gap_codes = set(net._model_of[list(gap_rows)].tolist()) if gap_rows else set()
    for c, m in enumerate(net._models):
        if m.kind == "clock" and counts[c] >= PARALLEL_MIN and c not in gap_codes:
            lanes[m.name] = T
    return lanes


# ----------------------------------------------------------------------------- inputs
def stim_events(net, seed, trial, duration, clock_dt, budget=None):
    """External spike events of one trial: ``(time ms, network row, weight, channel)``
    sorted by time (stable, in stimulus order); ``budget`` (bytes) bounds what drawing them
    may allocate (default: the network's ``max_memory``)."""
    ts, ns, ws, cs = [], [], [], []
    chan = [m.channels.index(m.stimulus_channel) for m in net._models]
    for k, st in enumerate(net._stimuli):
        t, n, w = st.events(net, seed, trial, k, duration, clock_dt, budget=budget)
        ts.append(t)
        ns.append(n)
        ws.append(w)
        cs.append(np.asarray(chan, np.int64)[net._model_of[n]])
    if not ts:
        return np.empty(0), np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64)
    t = np.concatenate(ts)
    order = np.argsort(t, kind="stable")
    return (t[order], np.concatenate(ns)[order], np.concatenate(ws)[order],
            np.concatenate(cs)[order])


def _time_row_sorted(t, i, chunk=1 << 20):
    """Whether (t[q], i[q]) strictly increase in (time, row) order."""
    for a in range(0, t.size - 1, chunk):
        b = min(a + chunk + 1, t.size)
        dt, di = np.diff(t[a:b]), np.diff(i[a:b])
        if not ((dt > 0) | ((dt == 0) & (di > 0))).all():
            return False
    return True


def current_events(net, dt, n_steps):
    """Current changes ``(step, network row, nA)`` sorted by step."""
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


def _by_lane(lane, *arrays):
    """Sort event arrays stably by lane; returns (sorted arrays..., end index per lane)."""
    o = np.argsort(lane, kind="stable")
    return tuple(a[o] for a in arrays)


def _lane_ends(lane, n_lanes):
    return np.cumsum(np.bincount(lane, minlength=n_lanes)).astype(np.int64)


def raise_for_status(status, trial, t, max_spikes, ids=None, bad=None, dt=None, budget=None,
                     message=None):
    """Turn a kernel status into a clear :class:`SimulationError` (``t`` in ms; ``message``:
    the cable engine's account of a blow-up)."""
    if status == STATUS_CABLE:
        raise SimulationError(message or f"trial {trial}: a cable neuron blew up at t = {t:g} ms")
    if status == eng.STATUS_MAX_SPIKES:
        raise SimulationError(
            f"trial {trial}: more than max_spikes={max_spikes} spikes by t = {t:g} ms: "
            "either the activity is running away (strong excitation, or a model without a "
            "refractory period such as IntFire4; lower the weights or add inhibition) or "
            "the limit is below the activity you intend (raise max_spikes)")
    if status == eng.STATUS_RUNAWAY:
        raise SimulationError(
            f"trial {trial}: a neuron fired more than {RUNAWAY_FIRE} times within one step at "
            f"t = {t:g} ms (runaway excitation; IntFire4 has no refractory period). "
            "Lower the weights or add inhibition")
    if status == eng.STATUS_MEMORY:
        raise SimulationError(
            f"trial {trial}: the run's memory budget ({_fmt_bytes(budget)}: event queue, spike "
            f"table and records) was exhausted at t = {t:g} ms; the activity is running away "
            "or the run is larger than the memory available. Lower the weights or the "
            "duration, record fewer neurons, stream spikes with spikes_to=, or raise "
            "max_memory= if the machine has the memory")
    if status == eng.STATUS_NONFINITE:
        where = f"at t = {t:g} ms"
        if dt is not None:
            where = f"detected at t = {t:g} ms (it appeared after t = {max(t - 8 * dt, 0.0):g} ms)"
        who = ""
        if bad is not None and ids is not None and len(bad):
            who = (f" in neuron(s) {list(np.asarray(ids)[bad[:10]])}"
                   + (f" and {len(bad) - 10} more" if len(bad) > 10 else ""))
        raise SimulationError(
            f"trial {trial}: NaN/inf membrane potential{who} {where}; reduce dt or "
            "check the parameters (currents, weights, time constants) of those neurons")
    if status == 5:
        raise SimulationError(f"trial {trial}: the graded solver did not converge at t = {t:g} "
                              "ms; reduce dt or check the gap-junction conductances")
    if status != eng.STATUS_OK:
        raise SimulationError(f"trial {trial}: engine status {status} at t = {t:g} ms")


def _fmt_bytes(b):
    if b is None:
        return "?"
    return f"{b / 2 ** 30:.2f} GiB" if b >= 2 ** 30 else f"{b / 2 ** 20:.0f} MiB"


#: Steps of Python lockstep (groups coupled by gap junctions between them) a process runs
#: for one combination of group kernels before it compiles their fused loop (see
#: EngineRun._load_fused): the compilation takes ~5 s and saves ~35 µs a step, so it pays
#: after ~150,000 steps; a run at least this long compiles it at its start.  Once compiled,
#: numba's disk cache holds it and every later run uses it from its first step.
FUSED_AFTER_STEPS = 100_000
_LOCKSTEP_STEPS: dict = {}


# ----------------------------------------------------------------------------- per-group state
def _clock_kernel(m, n, par, use_all, use_sleep, n_edges):
    """The kernel variant for a group of ``n`` neurons of clock-driven model ``m`` in a
    network of ``n_edges`` event edges: without the sparse pass when the group may not use it
    (``use_sleep`` off) or is too small for it to pay (the dense pass gives the same bits and
    compiles in about half the time), without delivery prefetches when the edges fit in the
    caches (:data:`~connectome_sim.engine.network.PREFETCH_MIN_EDGES`)."""
    dense_only = use_all and (not use_sleep or n <= eng.DENSE_ONLY_MAX)
    return eng.kernel(m, parallel=par, sparse=not dense_only,
                      prefetch=n_edges > eng.PREFETCH_MIN_EDGES)


@dataclass
class _G:
    """One group's state for one trial (arrays passed to its kernel)."""

    g: object
    kern: object
    S: np.ndarray
    P: np.ndarray
    extra: dict


class EngineRun:
    """The engine state of one trial; :meth:`advance` moves it forward.

    Parameters
    ----------
    net : PointNetwork
    comp : CompiledNetwork
    dt : float
        ms.
    k_end : int
        Last step (exclusive) the inputs are prepared for.
    seed, trial : int
        Random streams of the stimuli.
    v_init : float, optional
        Initial membrane potential (mV) of every neuron with a voltage.
    rec_steps : int
        Rows of the record buffer (steps recorded from ``k0``).
    budget : int
        Bytes the run may use.
    cable : CableSetup, optional
        The network's cable neurons compiled for this run
        (:func:`connectome_sim.multiscale.run.build`); they run as one group whose epochs are
        bounded by the delays of the edges onto them as well.
    """

    def __init__(self, net, comp, dt, k0, k_end, seed, trial, v_init, max_spikes, budget,
                 states=None, deliveries=None, stims=None, parallel=None, cable=None):
        self.net, self.comp, self.dt = net, comp, float(dt)
        self.k0 = self.k = int(k0)
        self.k_end = int(k_end)
        self.trial = trial
        self.max_spikes = int(max_spikes)
        self.budget = int(budget)
        self.used = 0
        self.status = 0
        self.t_fail = None
        dsteps = np.rint(comp.seg_delay / dt).astype(np.int64)
        cxd = np.rint(comp.cx_delay / dt).astype(np.int64)
        live = comp.seg_end > comp.seg_start
        cands = ([float(comp.seg_delay[live].min())] if live.any() else []) + \
            ([float(comp.cx_delay.min())] if comp.cx_delay.size else [])
        if cands and min(cands) < dt - 1e-9:
            dmin = min(cands)
            raise StabilityError(f"dt = {dt} ms is larger than the shortest synaptic delay "
                                 f"({dmin:g} ms); use dt <= the smallest delay")
        self.dsteps, self.cx_dsteps = dsteps, cxd
        # an epoch's spikes are routed at its end, so every delay must cover the epoch:
        # clock-driven targets take a spike of step k at step k + rint(d/dt), event-driven
        # ones at its exact time t + d (>= the epoch's end only if d >= the epoch)
        ev_seg = comp.lane_event[comp.seg_lane] if comp.seg_lane.size else np.zeros(0, bool)
        d_ep = np.where(ev_seg, np.floor(comp.seg_delay / dt + 1e-9).astype(np.int64), dsteps)
        d_all = np.concatenate([d_ep[live], cxd]) if (live.any() or cxd.size) else np.zeros(0)
        self.E = int(max(1, d_all.min())) if d_all.size else eng.BLOCK
        if comp.xg_a.size:
            self.E = 1                      # gap junctions between groups: lockstep
        self.cable, self._cable_setup, self.fail_message = None, cable, None
        if cable is not None:
            # point -> cable edges bound the epoch too; an epoch of BLOCK steps keeps the
            # epochs aligned with the blocks (advance cuts at multiples of both)
            self.E = min(self.E, cable.e_steps, eng.BLOCK)
        self.n_slots = int(max(d_all.max(), dsteps[live].max() if live.any() else 0)) + 1 \
            if d_all.size else 1
        if cable is not None:
            # per engine row of a cable neuron: its earliest arrival after a spike (steps)
            self._cable_reach = np.full(comp.n, np.inf)
            er = comp.engine_row[cable.rows] if not comp.identity else cable.rows
            for r in er:
                a, b = comp.seg_ptr[r], comp.seg_ptr[r + 1]
                sel = np.arange(a, b)[live[a:b]]
                if sel.size:
                    self._cable_reach[r] = np.where(ev_seg[sel], comp.seg_delay[sel] / dt,
                                                    dsteps[sel]).min()
        self.solo = len(comp.groups) == 1 and cable is None
        # several clock-driven groups coupled by spikes alone: each runs a window of steps
        # routing its own spikes (as a network of its own would), spikes between groups are
        # routed at the window's end (see _split_segments)
        self.windowed = (not self.solo and cable is None and not comp.xg_a.size
                         and not comp.cx_rows.size
                         and all(g.model.kind == "clock" for g in comp.groups))
        #: a one-thread pool running the cable group beside the point groups (set by the
        #: caller, see run_trials); None: one after the other
        self.overlap = None
        L = comp.n_lanes
        N = comp.n
        # charged before they are allocated: a delay of 1e9 ms (or dt = 1e-9 ms) asked numpy
        # for terabytes and died with a MemoryError instead of naming the budget
        self.rec_rows = np.asarray(net._record_rows, np.int64)
        self._charge(8 * self.n_slots * (L * 256 * (2 + bool(comp.lane_event.any()))
                                         + (N if comp.cx_rows.size else 0)) + 4096 * 12)
        if self.windowed:
            self._split_segments(dsteps, live)
        self.rb = np.empty((L, self.n_slots, 256, 2), np.int64)
        self.rb_n = np.zeros((L, self.n_slots), np.int64)
        self.rb_t = np.empty((L, self.n_slots, 256) if comp.lane_event.any() else (0, 0, 0))
        self.sp_i = np.empty(4096, np.int32)
        self.sp_t = np.empty(4096)
        self.n_sp = 0
        self.cring = np.zeros((self.n_slots, N) if comp.cx_rows.size else (self.n_slots, 0))
        self.xgap = np.zeros((2, N if comp.xg_a.size else 0))
        self.vx = np.zeros(N if comp.xg_a.size else 0)
        # inputs
        if stims is None:
            t, rows, w, c = stim_events(net, seed, trial, k_end * dt,
                                        None if self._all_event() else dt,
                                        budget=self.budget - self.used)
        else:
            t, rows, w, c = stims
        ck, crow, camp = current_events(net, dt, k_end)
        rec_rows = self.rec_rows
        self._charge(8 * max(k_end - k0, 0) * rec_rows.size)
        self.rec = np.zeros((max(k_end - k0, 0), rec_rows.size))
        self.rec_k0 = k0
        pinned_rows = np.concatenate([crow, rec_rows])
        self.parallel = parallel
        self.groups = [self._group(gi, g, t, rows, w, c, ck, crow, camp, rec_rows, pinned_rows,
                                   v_init, states, deliveries)
                       for gi, g in enumerate(comp.groups)]
        #: groups run one step at a time (gap junctions between groups: lockstep) advance in
        #: one compiled loop that also does the exchange between them (_run_fused); the same
        #: bits as the step-by-step exchange in Python, without its ~40 µs a step
        self.fused = (not self.solo and not self.windowed and cable is None and self.E == 1
                      and not comp.lane_event.any()
                      and all(g.model.kind in ("clock", "continuous") for g in comp.groups))
        self._fused_kern = self._fused_key = None
        self._fused_tried = False

    # ---------------------------------------------------------------- set-up
    def _split_segments(self, dsteps, live):
        """Split the event CSR into the segments within each group (``self.inner``, lanes
        numbered from the group's first lane: each group's kernel routes them itself) and
        those between groups (``self.cross``, routed at the end of each window).

        A window is as long as the shortest delay between groups: a spike in a window
        reaches another group only after it, so each group can run the whole window on its
        own.  Deliveries land at the same steps as in a run routed every epoch; only the
        order of the additions into one neuron's input within a step may differ.
        """
        comp = self.comp
        n_seg = comp.seg_lane.size
        seg_row = np.repeat(np.arange(comp.n), np.diff(comp.seg_ptr))
        lane_grp = np.zeros(comp.n_lanes, np.int64)
        row_grp = np.zeros(comp.n, np.int64)
        lane0 = np.zeros(len(comp.groups), np.int64)
        for gi, g in enumerate(comp.groups):
            lane_grp[g.lane0:g.lane0 + g.n_lanes] = gi
            row_grp[g.start:g.stop] = gi
            lane0[gi] = g.lane0
        lanes = comp.seg_lane.astype(np.int64)
        inner = lane_grp[lanes] == row_grp[seg_row] if n_seg else np.zeros(0, bool)
        self._charge(n_seg * 40 + 16 * (comp.n + 1))

        def part(mask, local):
            ptr = np.zeros(comp.n + 1, np.int64)
            np.cumsum(np.bincount(seg_row[mask], minlength=comp.n), out=ptr[1:])
            lane = lanes[mask] - (lane0[lane_grp[lanes[mask]]] if local else 0)
            return (comp.seg_start[mask], comp.seg_end[mask], ptr,
                    lane.astype(comp.seg_lane.dtype), dsteps[mask], comp.seg_delay[mask])

        self.inner, self.cross = part(inner, True), part(~inner, False)
        between = ~inner & live
        self.window = int(dsteps[between].min()) if between.any() else None

    def _all_event(self):
        return all(g.model.kind == "event" for g in self.comp.groups)

    def _charge(self, nbytes):
        self.used += int(nbytes)
        if self.used > self.budget:
            raise SimulationError(
                f"trial {self.trial}: this run needs more than its memory budget "
                f"({_fmt_bytes(self.budget)}) before it starts (records of "
                f"{self.rec_rows.size if hasattr(self, 'rec_rows') else 0} neurons over "
                f"{self.k_end - self.k0} steps, event queue of {self.n_slots} steps = longest "
                f"delay / dt, spike buffers); record fewer neurons, run shorter, shorten the "
                "longest delay or lengthen dt, or raise max_memory=")

    def _group(self, gi, g, t, rows, w, c, ck, crow, camp, rec_rows, pinned_rows, v_init,
               states, deliveries):
        comp, net, dt = self.comp, self.net, self.dt
        m = g.model
        er = comp.engine_row
        if m.kind == "cable":
            from ..multiscale.run import CableGroup

            self.cable = CableGroup(self._cable_setup, self.trial, er)
            self._charge(self.cable.nbytes)
            return _G(g, None, np.zeros((0, g.n)), np.zeros((0, g.n)),
                      {"vrow": -1, "xg_loc": np.empty(0, np.int64)})
        props = net._props[m.name]
        P = m.param_array(g.n, {k: props[k][g.rows] for k in m.params})
        m.check(P, dt)
        P = np.ascontiguousarray(m.prepare(P, dt))
        if states is not None:
            S = np.ascontiguousarray(states[gi], float).copy()
        else:
            S = m.init_state(P, v_init)
        par = (g.n_lanes > 1) if self.parallel is None else bool(self.parallel)
        if par and not eng.PARALLEL_LOCK.acquire(blocking=False):
            raise RuntimeError("parallel lock busy")      # caller retries with one lane
        elif par:
            eng.PARALLEL_LOCK.release()
        # (clock-driven models choose their kernel variant below)
        kern = None if m.kind == "clock" else eng.kernel(m, parallel=par)
        x = {"par": par}
        # this group's stimulus events (engine-local rows), in time order
        sel = (er[rows] >= g.start) & (er[rows] < g.stop) if rows.size else np.zeros(0, bool)
        s_loc = er[rows[sel]] - g.start
        s_t, s_w, s_c = t[sel], w[sel], c[sel]
        if deliveries is not None:           # spikes in flight of a resumed run go first
            dk, dj, dw, dc = deliveries
            dsel = (er[dj] >= g.start) & (er[dj] < g.stop)
            s_t = np.concatenate([dk[dsel] * dt, s_t])
            s_loc = np.concatenate([er[dj[dsel]] - g.start, s_loc])
            s_w = np.concatenate([dw[dsel], s_w])
            s_c = np.concatenate([dc[dsel], s_c])
            o = np.argsort(np.floor(s_t / dt + 1e-6), kind="stable")
            s_t, s_loc, s_w, s_c = s_t[o], s_loc[o], s_w[o], s_c[o]
        csel = (er[crow] >= g.start) & (er[crow] < g.stop) if crow.size else np.zeros(0, bool)
        c_k, c_loc, c_a = ck[csel], er[crow[csel]] - g.start, camp[csel]
        rsel = (er[rec_rows] >= g.start) & (er[rec_rows] < g.stop)
        r_loc = er[rec_rows[rsel]] - g.start
        r_col = np.flatnonzero(rsel).astype(np.int64)
        vrow = m.state_names().index(m.voltage) if m.voltage else -1
        # neurons that take input from other groups or are coupled
        xin = np.zeros(g.n, bool)
        if comp.cx_rows.size:
            ct = comp.cx_tgt
            xin[ct[(ct >= g.start) & (ct < g.stop)] - g.start] = True
        xg_loc = np.zeros(g.n, bool)
        if comp.xg_a.size:
            for a in (comp.xg_a, comp.xg_b):
                xg_loc[a[(a >= g.start) & (a < g.stop)] - g.start] = True
            xin |= xg_loc
        x["xg_loc"] = np.flatnonzero(xg_loc)
        x["vrow"] = vrow
        x["rec"] = (r_loc.astype(np.int64), r_col)
        if m.kind == "event":
            o = np.argsort(s_t, kind="stable")
            x.update(st=(s_t[o], s_loc[o].astype(np.int64), s_w[o], s_c[o].astype(np.int64)),
                     ps=np.zeros(1, np.int64), Q=m.init_queue(S, P),
                     head=np.full(g.n, -1, np.int64), touched=np.empty(g.n, np.int64), ev_cap=1024,
                     ep=(np.empty(1024, np.int32), np.empty(1024, np.int64), np.empty(1024)),
                     ep_n=np.zeros(1, np.int64))
            return _G(g, kern, S, P, x)
        s_k = np.floor(s_t / dt + 1e-6).astype(np.int64)
        keep = (s_k < self.k_end) & (s_k >= self.k0)
        s_k, s_loc, s_w, s_c = s_k[keep], s_loc[keep], s_w[keep], s_c[keep]
        base = np.zeros(g.n)
        itot = np.zeros(g.n)
        if m.kind == "continuous":
            cp_ptr, cp_src, cp_w = g.cp
            gp_ptr, gp_j, gp_g = g.gp
            out_loc = np.empty(0, np.int64)
            cx_ptr = np.zeros(1, np.int64)
            if comp.cx_rows.size:
                # cx_rows is sorted and groups are contiguous: this group's sources are one
                # run of it, and their edges the matching run of cx_ptr (rebased per group,
                # or a second graded group would send its output along the first's edges)
                cx = comp.cx_rows
                q0, q1 = np.searchsorted(cx, [g.start, g.stop])
                out_loc = (cx[q0:q1] - g.start).astype(np.int64)
                cx_ptr = comp.cx_ptr[q0:q1 + 1]
            x.update(st=(s_k, s_loc.astype(np.int64), s_w, s_c.astype(np.int64)),
                     ps=np.zeros(1, np.int64), cu=(c_k, c_loc.astype(np.int64), c_a),
                     pc=np.zeros(1, np.int64), cp=(cp_ptr, cp_src, np.ascontiguousarray(cp_w)),
                     gp=(gp_ptr, gp_j, gp_g), scratch=np.zeros((max(m.n_scratch, 1), g.n)),
                     outv=np.zeros(g.n), xin=np.flatnonzero(xin).astype(np.int64),
                     base=base, itot=itot, gx=np.zeros(g.n), out_loc=out_loc, cx_ptr=cx_ptr,
                     ep_val=np.zeros((self.E, out_loc.size)),
                     I=np.zeros((len(m.channels), g.n)))
            return _G(g, kern, S, P, x)
        # clock-driven: lanes
        T = g.n_lanes
        lo, hi = g.lo.astype(np.int64), g.hi.astype(np.int64)

        def lane_of(loc):
            return (np.searchsorted(hi, loc, side="right")).astype(np.int64)

        s_k, s_loc, s_w, s_c = _by_lane(lane_of(s_loc), s_k, s_loc, s_w, s_c)
        st_end = _lane_ends(lane_of(s_loc), T)
        c_k, c_loc, c_a = _by_lane(lane_of(c_loc), c_k, c_loc, c_a)
        cu_end = _lane_ends(lane_of(c_loc), T)
        gp_ptr, gp_j, gp_g = g.gp
        coupled = xin | (np.diff(gp_ptr) > 0)
        cp_nodes = np.flatnonzero(coupled).astype(np.int64)
        cp_end = _lane_ends(lane_of(cp_nodes), T)
        cp_beg = np.concatenate([[0], cp_end[:-1]]).astype(np.int64)
        rl = lane_of(r_loc)
        o = np.argsort(rl, kind="stable")
        r_loc, r_col = r_loc[o].astype(np.int64), r_col[o]
        rec_end = _lane_ends(rl, T)
        rec_beg = np.concatenate([[0], rec_end[:-1]]).astype(np.int64)
        pinned = np.zeros(g.n, np.bool_)
        pr = er[pinned_rows]
        pinned[pr[(pr >= g.start) & (pr < g.stop)] - g.start] = True
        pinned |= coupled
        nmax = int((hi - lo).max())
        n8 = (g.n + 7) // 8 + 1
        out8 = np.zeros(8 * n8, np.uint8)
        ep_cap = nmax * self.E
        self._charge(T * ep_cap * 12 + T * nmax * 17 + g.n * 40 + 20 * T * ep_cap)
        use_sleep = bool(m.supports_sleep)
        use_pop = m.step_population is not None
        use_all = m.step_all is not None
        kern = _clock_kernel(m, g.n, par, use_all, use_sleep, comp.ew.size)
        I = np.zeros((len(m.channels), g.n))
        has_iext = c_k.size > 0 or coupled.any()
        x.update(
            I=I, I1=I.reshape(-1), st=(s_k, s_loc.astype(np.int64), s_w, s_c.astype(np.int8)),
            st_end=st_end, ps=np.concatenate([[0], st_end[:-1]]).astype(np.int64),
            cu=(c_k, c_loc.astype(np.int64), c_a), cu_end=cu_end,
            pc=np.concatenate([[0], cu_end[:-1]]).astype(np.int64),
            cp=(cp_nodes, cp_beg, cp_end), gp=(gp_ptr, gp_j, gp_g),
            pinned=pinned, active=np.zeros(g.n, np.bool_), last=np.zeros(g.n, np.int64),
            act=np.zeros((T, nmax), np.int64), nact=np.zeros(T, np.int64), base=base,
            itot=itot, iext_all=itot if has_iext else np.empty(0), out8=out8,
            out64=out8.view(np.uint64), flags=np.zeros((T, nmax), np.bool_),
            spk=np.zeros((T, nmax), np.int64), stay=np.zeros(g.n, np.bool_),
            rec=(r_loc, r_col, rec_beg, rec_end), ep_i=np.zeros((T, ep_cap), np.int32),
            ep_k=np.zeros((T, ep_cap), np.int64), ep_n=np.zeros(T, np.int64),
            work=np.zeros(T, np.int64), lo=lo, hi=hi, flags3=(use_pop, use_all, use_sleep),
            new=(np.empty(max(T * ep_cap, 1), np.int32), np.empty(max(T * ep_cap, 1), np.int64),
                 np.empty(max(T * ep_cap, 1))))
        x["mode"] = np.zeros(4, np.int64)    # set up by the kernel's first call (init_)
        x["init"] = True
        return _G(g, kern, S, P, x)

    # ---------------------------------------------------------------- running
    def advance(self, k1, finish=True):
        """Advance to step ``k1`` (exclusive); returns the kernel status (0 = ok)."""
        if self.status:
            return self.status
        if self.solo:
            self._call(self.groups[0], self.k, k1, True, finish)
        elif self.windowed:
            while self.k < k1 and not self.status:
                kb = k1 if self.window is None else min(self.k + self.window, k1)
                n0 = self.n_sp
                for gs in self.groups:
                    # (after a failure the other groups run up to it, for a consistent end)
                    self._call(gs, self.k, kb if not self.status else self._k_fail, True,
                               False)
                if self.status:
                    self._end_window_failed()
                    break
                self._route_between(n0, kb)
                if not self.status:
                    self.k = kb
            if finish and not self.status:
                for gs in self.groups:
                    self._call(gs, self.k, self.k, False, True)
        else:
            py_steps = 0
            while self.k < k1 and not self.status:
                if self.fused and not any(gs.extra.get("init") for gs in self.groups):
                    if not self._fused_tried:
                        self._fused_tried = True
                        self._load_fused()
                    if self._fused_kern is not None:
                        self._run_fused(k1)
                        continue
                py_steps += 1
                kb = min((self.k // self.E + 1) * self.E, (self.k // eng.BLOCK + 1) * eng.BLOCK,
                         k1)
                # the cable neurons in the worker thread (their kernel releases the GIL),
                # meanwhile the point groups: within an epoch neither needs the other
                cable_job = None if self.overlap is None else \
                    self.overlap.submit(self.cable.advance, self.k, kb, self.rec)
                for gs in self.groups:
                    if cable_job is not None and gs.g.model.kind == "cable":
                        continue
                    self._call(gs, self.k, kb, False, False)
                    if self.status:
                        break
                if cable_job is not None and not cable_job.result() and not self.status:
                    self.fail_message = self.cable.error
                    self._fail(STATUS_CABLE, kb)
                if self.status:
                    break
                self._exchange(self.k, kb)
                self.k = kb
            if self._fused_key is not None:
                key = self._fused_key
                _LOCKSTEP_STEPS[key] = _LOCKSTEP_STEPS.get(key, 0) + py_steps
            if finish:
                for gs in self.groups:
                    if gs.g.model.kind == "clock":
                        self._call(gs, self.k, self.k, False, True)
        return self.status

    def _fail(self, status, k):
        if self.windowed:           # the earliest failure of the window counts
            if self.status and self._k_fail <= k:
                return
            self._k_fail = k
        self.status = int(status)
        self.t_fail = k * self.dt
        if not self.windowed:
            self.k = min(self.k, k) if not self.solo else k

    def _end_window_failed(self):
        """A group failed in a window: the run ends at its failure, for every group (the
        spikes of groups that ran further are dropped; records end there too)."""
        k = self._k_fail
        keep = np.flatnonzero(self.sp_t[:self.n_sp] < (k - 0.5) * self.dt)
        self.sp_i[:keep.size] = self.sp_i[keep]
        self.sp_t[:keep.size] = self.sp_t[keep]
        self.n_sp = keep.size
        self.k = max(self.k, k)

    def _call(self, gs, k0, k1, solo, finish):
        g, x, dt, comp = gs.g, gs.extra, self.dt, self.comp
        m = g.model
        mem_left = self.budget - self.used
        L0 = g.lane0
        if m.kind == "cable":
            if not self.cable.advance(k0, k1, self.rec):
                self.fail_message = self.cable.error
                self._fail(STATUS_CABLE, k1)
            return
        if m.kind == "clock":
            sl = slice(L0, L0 + g.n_lanes)
            # windowed: the group routes the spikes within it into its lanes of the rings
            segs = self.inner if self.windowed else (
                comp.seg_start, comp.seg_end, comp.seg_ptr, comp.seg_lane, self.dsteps,
                comp.seg_delay)
            _use_pop, use_all, use_sleep = x["flags3"]
            new_i, new_k, new_t = x["new"]
            init, x["init"] = x["init"], False
            if init:        # (the flags may have been narrowed since the set-up: tests do)
                gs.kern = _clock_kernel(m, g.n, x["par"], use_all, use_sleep, comp.ew.size)
            while True:
                out = gs.kern(k0, k1, self.E, solo, finish, init, dt,
                              *self._clock_args(gs, segs),
                              self.sp_i, self.sp_t, self.n_sp, self.max_spikes)
                status, k = int(out[0]), int(out[1])
                if solo:
                    self.n_sp = int(out[2])
                    if self.solo:
                        self.k = k
                    if status == eng.STATUS_GROW:
                        status = self._route(int(out[3]), new_i, new_k, new_t, k, segs,
                                             None if self.solo else sl)
                        if not status:          # resume after the epoch (and finish)
                            k0, init = k, False
                            continue
                break
            if status and self.windowed and status in (eng.STATUS_MAX_SPIKES,
                                                       eng.STATUS_MEMORY):
                # the kernel refused the spikes of its last epoch (ending at k): what the
                # group has is complete up to that epoch's start
                k = max(k0, (k - 1) // self.E * self.E, (k - 1) // eng.BLOCK * eng.BLOCK)
            if status:
                self._fail(status, k)
            return
            if status:
                self._fail(status, k)
            return
        if m.kind == "event":
            rec_i, rec_col = x["rec"]
            win = self.E if rec_i.size == 0 else 1
            while True:
                out = gs.kern(
                    k0, k1, self.E, solo, finish, dt, win, gs.S, gs.P, x["Q"], comp.tgt,
                    comp.w, comp.ch, comp.seg_start, comp.seg_end, comp.seg_ptr,
                    comp.seg_lane, self.dsteps, comp.seg_delay, comp.lane_event, self.rb,
                    self.rb_t, self.rb_n, L0, *x["st"], x["ps"], rec_i, rec_col, self.rec,
                    self.rec_k0, x["head"], x["touched"], *x["ep"], x["ep_n"], g.start,
                    self.sp_i, self.sp_t, self.n_sp, self.max_spikes, mem_left, RUNAWAY_FIRE,
                    x["ev_cap"])
                status, k = int(out[0]), int(out[1])
                x["ep"] = out[3:6]
                self.used += int(out[6])
                x["ev_cap"] = int(out[7])
                if solo:
                    self.n_sp = int(out[2])
                    self.k = k
                    if status == eng.STATUS_GROW:
                        status = self._route(int(x["ep_n"][0]), *x["ep"], k)
                        if not status:          # resume after the epoch
                            k0, mem_left = k, self.budget - self.used
                            continue
                break
            if status:
                self._fail(status, k)
            return
        # continuous
        status, k = gs.kern(k0, k1, self.E, solo, finish, dt, *self._continuous_args(gs))
        if solo:
            self.k = int(k)
        if status:
            self._fail(status, int(k))

    def _clock_args(self, gs, segs):
        """A clock group's kernel arguments after ``dt`` up to the spike table."""
        g, x, comp = gs.g, gs.extra, self.comp
        sl = slice(g.lane0, g.lane0 + g.n_lanes)
        rb, rb_n = (self.rb, self.rb_n) if self.solo else (self.rb[sl], self.rb_n[sl])
        rec_i, rec_col, rec_beg, rec_end = x["rec"]
        _use_pop, use_all, use_sleep = x["flags3"]
        return (use_sleep, use_all,
                gs.S, gs.P, x["I"], x["I1"], len(g.model.channels), comp.tgt, comp.w, comp.ch,
                comp.ew, comp.wtab, comp.wshift,
                *segs[:5], rb, rb_n,
                *x["st"], x["st_end"], x["ps"], *x["cu"], x["cu_end"], x["pc"], *x["cp"],
                *x["gp"], x["vrow"], g.start, self.xgap, self.cring, x["pinned"],
                x["active"], x["last"], x["act"], x["nact"], x["base"], x["itot"],
                x["iext_all"], x["out8"], x["out64"], x["flags"], x["spk"], x["stay"],
                rec_i, rec_col, rec_beg, rec_end, self.rec, self.rec_k0,
                max(x["vrow"], 0), x["ep_i"], x["ep_k"], x["ep_n"], x["work"], x["mode"],
                x["lo"], x["hi"], *x["new"])

    def _continuous_args(self, gs):
        """A continuous group's kernel arguments after ``dt``."""
        g, x, comp = gs.g, gs.extra, self.comp
        rec_i, rec_col = x["rec"]
        return (gs.S, gs.P, x["I"], len(g.model.channels), comp.tgt,
                comp.w, comp.ch, comp.seg_start, comp.seg_end, self.rb, self.rb_n, g.lane0,
                *x["st"], x["ps"], *x["cu"], x["pc"], *x["cp"], *x["gp"], x["scratch"],
                x["outv"], x["xin"], g.start, self.xgap, self.cring, x["base"], x["itot"],
                x["gx"], rec_i, rec_col, self.rec, self.rec_k0, x["vrow"], x["out_loc"],
                x["ep_val"])

    def _load_fused(self):
        """Set ``_fused_kern``: the fused loop of these groups' kernels if it is compiled
        (on disk or in this process), or if this run and the steps this process has run
        these kernels in lockstep in Python so far reach :data:`FUSED_AFTER_STEPS` (then it
        is compiled now); else None (the Python exchange, which costs no compilation)."""
        groups = [(gs.g.model.kind, gs.kern) for gs in self.groups]
        self._fused_key = tuple((kind, k.mod.__name__) for kind, k in groups)
        done = _LOCKSTEP_STEPS.get(self._fused_key, 0)
        self._fused_kern = eng.fused_driver(
            groups, compile=done + (self.k_end - self.k) >= FUSED_AFTER_STEPS)
        if self._fused_kern is not None:
            n_new = sum(gs.g.n_lanes * gs.extra["ep_i"].shape[1] for gs in self.groups
                        if gs.g.model.kind == "clock")
            self._fused_new = (np.empty(max(n_new, 1), np.int32),
                               np.empty(max(n_new, 1), np.int64), np.empty(max(n_new, 1)))

    def _run_fused(self, k1):
        """Advance to step ``k1`` one step at a time in the fused compiled loop
        (:func:`~connectome_sim.engine.network.fused_driver`): what the step-by-step loop of
        :meth:`advance` and :meth:`_exchange` do, with the same arithmetic in the same order.
        A step whose routing needs the rings or the spike table grown (or fails) is
        exchanged here in Python, and the loop resumes after it."""
        comp = self.comp
        segs = (comp.seg_start, comp.seg_end, comp.seg_ptr, comp.seg_lane, self.dsteps)
        args = []
        for gs in self.groups:
            x = gs.extra
            head = (gs.S, x["vrow"], x["xg_loc"], gs.g.start)
            if gs.g.model.kind == "clock":
                args += [self._clock_args(gs, segs), head + (x["ep_i"], x["ep_k"], x["ep_n"])]
            else:
                if "out_rows" not in x:
                    x["out_rows"] = x["out_loc"] + gs.g.start
                args += [self._continuous_args(gs),
                         head + (x["ep_val"], x["out_rows"], x["cx_ptr"])]
        code, ks, kr, st, n_sp = self._fused_kern(
            self.k, k1, self.E, self.dt, *args, *self._fused_new, comp.seg_ptr, comp.seg_lane,
            self.dsteps, comp.seg_start, comp.seg_end, self.rb, self.rb_n, self.sp_i, self.sp_t,
            self.n_sp, self.max_spikes, comp.cx_tgt, comp.cx_w, self.cx_dsteps, self.cring,
            self.vx, comp.xg_a, comp.xg_b, comp.xg_g, self.xgap)
        self.n_sp = int(n_sp)
        self.k = int(ks)
        if code == 1:                   # a group failed: as _call reports it
            self._fail(int(st), int(kr))
        elif code == 2:                 # the step's exchange in Python (growth, failure)
            self._exchange(self.k, self.k + self.E)
            self.k += self.E

    def _route(self, n_new, new_i, new_k, new_t, kb, segs=None, lanes=None, table=True):
        """Route ``n_new`` spikes ending an epoch at step ``kb`` into the rings and the spike
        table, growing them (within the memory budget) as needed; returns the status.

        ``segs``: the segments to route along, ``(start, end, ptr, lane, dsteps, delay)``
        (default: the whole event CSR); ``lanes``: the slice of the rings their lanes are
        numbered from (a windowed group's inner segments); ``table=False``: the spikes are
        in the spike table already (routed between groups).
        """
        comp = self.comp
        if segs is None:
            segs = (comp.seg_start, comp.seg_end, comp.seg_ptr, comp.seg_lane, self.dsteps,
                    comp.seg_delay)
        s_start, s_end, s_ptr, s_lane, s_dsteps, s_delay = segs
        lanes = slice(0, self.rb.shape[0]) if lanes is None else lanes
        # (None without event-driven lanes: the variant of route the clock kernels compile)
        ev = comp.lane_event[lanes].any()
        while True:
            if table:
                sp_i, sp_t, n_sp, max_sp = self.sp_i, self.sp_t, self.n_sp, self.max_spikes
            else:
                sp_i, sp_t, n_sp, max_sp = np.empty(n_new, np.int32), np.empty(n_new), 0, n_new
            n_sp, st = eng.route(n_new, new_i, new_k, new_t, kb, self.dt, s_ptr, s_lane,
                                 s_dsteps, s_delay if ev else None, s_start, s_end,
                                 self.rb[lanes], self.rb_t[lanes] if ev else None,
                                 self.rb_n[lanes], comp.lane_event[lanes] if ev else None,
                                 sp_i, sp_t, n_sp, max_sp)
            if table:
                self.n_sp = int(n_sp)
            if st != eng.STATUS_GROW:
                return int(st)
            # (every lane's rings as large: they are one array; the spike table sized for
            # the rest of the run at the rate so far, plus a quarter)
            done = max(kb - self.k0, 1)
            want = (self.n_sp + n_new) * max(self.k_end - self.k0, done) // done
            self.rb, self.rb_t, self.sp_i, self.sp_t, st, grown = eng.grow_room(
                n_new, new_i, s_ptr, s_lane + lanes.start, self.rb, self.rb_t, self.rb_n,
                self.sp_i, self.sp_t, self.n_sp if table else 0, self.max_spikes,
                self.budget - self.used, want=want * 5 // 4 if table else 0)
            self.used += int(grown)
            if st:
                return int(st)

    def _exchange(self, ka, kb):
        """Route one epoch's spikes, graded outputs and gap currents between groups."""
        comp, dt = self.comp, self.dt
        parts_i, parts_k, parts_t, parts_g = [], [], [], []
        for gs in self.groups:
            g, x = gs.g, gs.extra
            if g.model.kind == "clock":
                for L in range(g.n_lanes):
                    n = int(x["ep_n"][L])
                    if n:
                        parts_i.append(x["ep_i"][L, :n] + g.start)
                        parts_k.append(x["ep_k"][L, :n])
                        parts_t.append(x["ep_k"][L, :n] * dt)
                        parts_g.append(np.ones(n, np.bool_))
            elif g.model.kind == "event":
                n = int(x["ep_n"][0])
                if n:
                    ep_i, ep_k, ep_t = x["ep"]
                    parts_i.append(ep_i[:n] + g.start)
                    parts_k.append(ep_k[:n])
                    parts_t.append(ep_t[:n])
                    parts_g.append(np.zeros(n, np.bool_))
            elif g.model.kind == "cable":
                ri, rk = self.cable.take_spikes()
                if ri.size:
                    self._check_reach(ri, rk, kb)
                    parts_i.append(ri)
                    parts_k.append(rk)
                    parts_t.append(rk * dt)
                    parts_g.append(np.ones(ri.size, np.bool_))
            elif x["out_loc"].size:
                eng.route_continuous(ka, kb, x["ep_val"], x["out_loc"] + g.start,
                                     x["cx_ptr"], comp.cx_tgt, comp.cx_w, self.cx_dsteps,
                                     self.cring)
        if parts_i:
            new_i = np.concatenate(parts_i).astype(np.int32)
            new_k = np.concatenate(parts_k)
            new_t = np.concatenate(parts_t)
            o = np.argsort(new_k, kind="stable")
            st = self._route(new_i.size, new_i[o], new_k[o], new_t[o], kb)
            if st:
                self._fail(st, kb)
            elif self.cable is not None:
                # point neurons' spikes onto cable synapses, due after this epoch
                self.cable.deliver(comp.order[new_i] if not comp.identity else new_i, new_k,
                                   new_t, np.concatenate(parts_g), kb)
        if comp.xg_a.size:
            for gs in self.groups:
                x = gs.extra
                loc = x["xg_loc"]
                if loc.size:
                    self.vx[gs.g.start + loc] = gs.S[x["vrow"], loc]
            eng.cross_gap_currents(self.vx, comp.xg_a, comp.xg_b, comp.xg_g, self.xgap)

    def _route_between(self, n0, kb):
        """Route the spikes of the window ending at step ``kb`` (spike table from ``n0``)
        to the other groups' rings (windowed runs)."""
        n = self.n_sp - n0
        if n == 0 or not self.cross[0].size:
            return
        i, t = self.sp_i[n0:self.n_sp], self.sp_t[n0:self.n_sp]
        k = np.rint(t / self.dt).astype(np.int64)
        o = np.lexsort((i, k))
        st = self._route(n, i[o], k[o], t[o], kb, self.cross, table=False)
        if st:
            self._fail(st, kb)

    def _check_reach(self, rows, steps, kb):
        """Refuse a cable neuron's spikes (engine ``rows``, detection ``steps``) that would
        reach a point target before step ``kb``, which the point engine has passed."""
        late = steps + self._cable_reach[rows] < kb - 1e-9
        if late.any():
            q = int(np.flatnonzero(late)[0])
            r = int(rows[q])
            nid = self.net.ids[r if self.comp.identity else self.comp.order[r]]
            raise SimulationError(
                f"a spike of cable neuron {nid!r} at t = {steps[q] * self.dt:g} ms would reach "
                f"a point target {self._cable_reach[r] * self.dt:g} ms later, before "
                f"t = {kb * self.dt:g} ms, which the point engine has passed (late); an epoch "
                "must not be longer than the smallest delay from a cable neuron (an engine "
                "error, please report it)")

    # ---------------------------------------------------------------- results
    def spikes(self):
        """(network rows, times ms) of the spikes so far, in (time, row) order."""
        r = self.sp_i[:self.n_sp]
        # (rows: a view of the engine's table when engine order is network order; every
        # caller maps them to IDs at once.  Each fresh array of a heavy run's 26M spikes
        # costs ~0.1-0.5 s in page faults alone: no copies or temporaries of that size)
        i = r if self.comp.identity else self.comp.order[r]
        t = self.sp_t[:self.n_sp]
        # the engine emits (step, engine row) order: already sorted for one clock-driven group
        # (a linear check instead of a sort of millions of spikes, in chunks that the
        # allocator reuses)
        if not _time_row_sorted(t, i):
            o = np.lexsort((i, t))
            i, t = i[o], t[o]
        return i, t

    def states(self):
        """Per group, its state rows (group order; neurons in the group's network order)."""
        return [gs.S for gs in self.groups]

    def nonfinite_rows(self):
        bad = []
        for gs in self.groups:
            v = gs.extra["vrow"]
            if v >= 0:
                b = np.flatnonzero(~np.isfinite(gs.S[v]))
                bad.append(gs.g.rows[b])
        return np.concatenate(bad) if bad else np.empty(0, np.int64)

    def dense_steps(self):
        return sum(int(gs.extra["mode"][2]) for gs in self.groups if "mode" in gs.extra)


def run_trials(net, duration, dt, seed, n_trials, v_init, max_spikes, budget, threads=None):
    """Run ``n_trials`` trials (in parallel threads when several); returns the EngineRuns."""
    n_steps = int(round(duration / dt))
    if n_steps < 1:
        raise ParameterError(f"duration = {duration} ms is shorter than one step (dt = {dt} ms)")
    lanes = choose_lanes(net, n_trials, threads)
    per_trial = budget // max(1, min(n_trials, os.cpu_count() or 1))
    cable = None
    if any(m.kind == "cable" for m in net._models_in_use()):
        from ..multiscale.run import build

        cable = build(net, dt, n_steps, seed, n_trials, v_init)

    # one trial with serial cable cells and threads >= 2 asked for: the cable neurons advance
    # in a second thread while the point neurons do (results do not depend on it: the two
    # exchange between epochs).  Opt-in: on a 2-core machine, idle or loaded, the hand-over
    # at every epoch cost more than the overlap saved (bench_multiscale: 1.21x vs 1.16x the
    # cable neurons alone, 5 projection neurons with hh everywhere)
    overlap = cable is not None and n_trials == 1 and not cable.opts["parallel"] and \
        (os.cpu_count() or 1) > 1 and threads is not None and int(threads) > 1

    def make_run(trial, lanes=lanes):
        comp = compile_network(net, lanes)
        try:
            return EngineRun(net, comp, dt, 0, n_steps, seed, trial, v_init, max_spikes,
                             per_trial, cable=cable)
        except RuntimeError as exc:
            if str(exc) != "parallel lock busy":
                raise
            comp = compile_network(net, {})
            return EngineRun(net, comp, dt, 0, n_steps, seed, trial, v_init, max_spikes,
                             per_trial, cable=cable)

    def advance(run):
        par = any(gs.kern is not None and gs.kern.what.endswith("parallel)")
                  for gs in run.groups)
        with contextlib.ExitStack() as stack:
            if par:
                stack.enter_context(eng.PARALLEL_LOCK)
            if overlap:
                run.overlap = stack.enter_context(ThreadPoolExecutor(max_workers=1))
            run.advance(n_steps)
            run.overlap = None
        return run

    first = make_run(0)
    if n_trials == 1:
        return [advance(first)]
    # every trial's queue, records and spikes are kept until the result is built: the whole
    # run must fit the budget (n_trials=1e8 grew until the machine ran out of memory)
    if first.used * n_trials > budget:
        raise SimulationError(
            f"n_trials={n_trials}: the trials would keep more than the run's memory budget "
            f"({_fmt_bytes(budget)}; {_fmt_bytes(first.used)} per trial before any spike: "
            "event queue, records, spike buffers); run fewer trials per call, record fewer "
            "neurons, or raise max_memory=")
    workers = min(n_trials, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(lambda t: advance(first if t == 0 else make_run(t)), range(n_trials)))
