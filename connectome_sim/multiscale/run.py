"""The cable neurons of a network in the network's time loop.

:func:`build` compiles, once per run, every cable neuron of a network into one cable system
(a :class:`~connectome_sim.cable.circuit.Circuit` of their CompartmentModels, merged by
:func:`~connectome_sim.cable.circuit_compile.merge_circuit`) and appends what the network adds:
the Exp2Syns of the incoming edges (:mod:`.sites`), one spike detector per cable neuron, and
NetCons between cable neurons.  :class:`CableGroup` is one trial's run of that system inside
:class:`~connectome_sim.network.simulate.EngineRun`: every epoch the point engine hands it
the spikes of its point neurons (which become the cable engine's external events: a
clock-driven neuron's spike of step ``k`` at step ``k + rint(delay/dt)``, as between point
neurons; a spike at an exact time at ``time + delay``, delivered as NEURON delivers NetCon
events, at the first step ``k`` with ``time <= k*dt + dt/2``), advances it to the end of the epoch
(:meth:`CableRun.advance <connectome_sim.engine.cable_run.CableRun.advance>`) and routes its
detected spikes to point targets like any neuron's.  Because every edge delay into a cable
neuron is at least one epoch, no spike needs to cross within an epoch: the two engines run
with the same ``dt`` and exchange only between epochs.  Units: ms, mV, µS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import network as eng
from ..engine.cable_run import (CableArrays, CableRun, EventArrays, expand_routes,
                                kernel_notice)
from ..errors import ParameterError, SimulationError, StabilityError
from ..mechanisms.point import Exp2Syn
from .sites import is_cable, place_all
from .spec import py_id, py_ids

__all__ = ["CableSetup", "CableGroup", "build", "store_results", "check_inputs"]

_I = np.int64


@dataclass
class CableSetup:
    """Everything the trials of one run share (see :func:`build`).

    Attributes
    ----------
    circuit : Circuit
        The cable neurons' models, keyed by neuron ID (cell order = :attr:`rows`).
    cs : CircuitSystem
        The merged models (their own records, detectors and sources).
    arrays : CableArrays
        ``cs.arrays`` with the network's synapses, detectors and NetCons appended.
    rows : int64 array
        Network row of each cell.
    out_det : int64 array
        Detector index of each cell's output detector.
    det_row : int64 array
        Network row per detector (-1: a detector of a model's own).
    route_ptr, route_syn, route_w, route_delay, route_dsteps, route_edge : arrays
        Point sources -> synapses: a CSR over network rows (synapse index, µS, ms, the
        delay in whole steps as between point neurons, row of :attr:`synapses`).
    synapses : pandas.DataFrame
        The placed synapses (see ``PointNetwork.cable_synapses``).
    rec_v : int64 array
        Voltage records: the models' own, then one per recorded cable neuron (at its spike
        node), whose network record columns are :attr:`rec_cols`.
    v0 : float64 array
        Initial potential per compartment (mV).
    e_steps : int
        Longest epoch (steps) the point-to-cable delays allow: no spike of an epoch may be
        due within it.
    """

    circuit: object
    cs: object
    arrays: CableArrays
    rows: np.ndarray
    out_det: np.ndarray
    det_row: np.ndarray
    route_ptr: np.ndarray
    route_syn: np.ndarray
    route_w: np.ndarray
    route_delay: np.ndarray
    route_dsteps: np.ndarray
    route_edge: np.ndarray
    synapses: pd.DataFrame
    rec_v: np.ndarray
    rec_cols: np.ndarray
    n_own_v: int
    v0: np.ndarray
    e_steps: int
    dt: float
    n_steps: int
    opts: dict

    @property
    def n_det(self) -> int:
        return len(self.arrays.det_comp)


def check_inputs(net, rows):
    """Refuse point-model inputs on cable rows (stimuli, currents, gap junctions)."""
    mine = np.zeros(net.n_neurons, bool)
    mine[np.asarray(rows, _I)] = True
    for st in net._stimuli:
        hit = mine[np.asarray(st.neurons, _I)]
        if hit.any():
            nid = py_id(net.ids[np.asarray(st.neurons, _I)[hit][0]])
            raise ParameterError(
                f"cable neuron {nid!r} has a network stimulus ({st.kind}); drive a cable neuron "
                "through its CompartmentModel (add_synaptic_input, inject_current_pulse) or "
                "through presynaptic neurons")
    for cur in net._currents:
        hit = mine[np.asarray(cur.neurons, _I)]
        if hit.any():
            nid = py_id(net.ids[np.asarray(cur.neurons, _I)[hit][0]])
            raise ParameterError(f"cable neuron {nid!r} has an injected current (add_current); "
                                 "inject it into the CompartmentModel (inject_current_pulse)")
    for a, b, _v, _c in net._g:
        hit = mine[np.asarray(a, _I)] | mine[np.asarray(b, _I)]
        if hit.any():
            k = int(np.flatnonzero(hit)[0])
            raise ParameterError(
                f"gap junction {py_id(net.ids[np.asarray(a, _I)[k]])!r} - "
                f"{py_id(net.ids[np.asarray(b, _I)[k]])!r} touches a cable neuron; electrical "
                "synapses onto cable neurons are not supported (use Circuit.add_gap_junction)")


def build(net, dt, n_steps, seed, n_trials, v_init) -> CableSetup:
    """Compile the cable neurons of ``net`` for a run of ``n_steps`` steps of ``dt`` ms."""
    from ..cable.circuit import Circuit
    from ..cable.circuit_compile import merge_circuit
    from ..cable.compile import check_kernels

    rows = np.asarray(net._cable_rows(), _I)
    bare = np.setdiff1d(np.flatnonzero(is_cable(net)), rows)
    if bare.size:
        raise ParameterError(f"neuron(s) {py_ids(net.ids[bare[:5]])} run the 'cable' model "
                             "without a CompartmentModel; make cable neurons with "
                             "add_cable_neuron(neuron_id, model)")
    check_inputs(net, rows)
    specs = [net._cable[r] for r in rows]
    opts = dict(net._cable_opts)
    syn = place_all(net)
    circuit = Circuit({sp.neuron_id: sp.model for sp in specs})
    cs = merge_circuit(circuit, n_trials, seed, n_steps * dt)
    a = cs.arrays
    cell = {int(r): c for c, r in enumerate(rows)}
    cptr = cs.cell_ptr

    # the network's synapses, after every synapse of the models
    n_syn0 = len(a.syn_comp)
    post_cell = np.array([cell[int(r)] for r in syn["post_row"]], _I)
    syn_comp = cptr[post_cell] + syn["compartment"].to_numpy(_I) if len(syn) else np.zeros(0, _I)
    syn_par = np.array([Exp2Syn(tau1=t1, tau2=t2, e=e).kernel_params() for t1, t2, e in
                        zip(syn["tau1"], syn["tau2"], syn["e"])], float).reshape(-1, 5)
    # one output detector per cell (at its spike node), after the models' own
    n_det0 = len(a.det_comp)
    det_comp = np.array([cptr[c] + int(sp.model.geometry.node_to_compartment([sp.spike_node])[0])
                         for c, sp in enumerate(specs)], _I)
    det_thr = np.array([sp.threshold for sp in specs], float)
    out_det = n_det0 + np.arange(len(specs), dtype=_I)
    # NetCons between cable neurons: from the source's output detector
    silenced = net._silenced
    pre_rows = syn["pre_row"].to_numpy(_I) if len(syn) else np.zeros(0, _I)
    pre_cell = np.array([cell.get(int(r), -1) for r in pre_rows], _I)
    w = syn["weight"].to_numpy(float) if len(syn) else np.zeros(0)
    w = np.where(silenced[pre_rows], 0.0, w) if len(syn) else w
    dly = syn["delay"].to_numpy(float) if len(syn) else np.zeros(0)
    cc = np.flatnonzero(pre_cell >= 0)
    o = cc[np.argsort(pre_cell[cc], kind="stable")]
    counts = np.bincount(pre_cell[o], minlength=len(specs)) if len(o) else \
        np.zeros(len(specs), _I)
    old_ptr = np.asarray(a.nc_ptr if a.nc_ptr is not None else np.zeros(n_det0 + 1, _I), _I)
    arrays = CableArrays(
        parent=a.parent, gax=a.gax, cap=a.cap, gconst=a.gconst, econst=a.econst,
        mechs=a.mechs, cell_ptr=a.cell_ptr, icl_comp=a.icl_comp, icl_par=a.icl_par,
        alp_comp=a.alp_comp, alp_par=a.alp_par,
        syn_comp=np.concatenate([np.asarray(a.syn_comp, _I), syn_comp]),
        syn_par=np.concatenate([np.asarray(a.syn_par, float).reshape(-1, 5), syn_par]),
        det_comp=np.concatenate([np.asarray(a.det_comp, _I), det_comp]),
        det_thr=np.concatenate([np.asarray(a.det_thr, float), det_thr]),
        nc_ptr=np.concatenate([old_ptr, old_ptr[-1] + np.cumsum(counts)]).astype(_I),
        nc_syn=np.concatenate([np.asarray(a.nc_syn, _I), n_syn0 + o]),
        nc_w=np.concatenate([np.asarray(a.nc_w, float), w[o]]),
        nc_delay=np.concatenate([np.asarray(a.nc_delay, float), dly[o]]),
        gj_a=a.gj_a, gj_b=a.gj_b, gj_g=a.gj_g, gr_pre=a.gr_pre, gr_post=a.gr_post,
        gr_par=a.gr_par)
    cs.arrays = arrays                     # (this run's private copy of the circuit)
    cs.det_owner = list(cs.det_owner) + [(c, None) for c in range(len(specs))]
    det_row = np.concatenate([np.full(n_det0, -1, _I), rows])

    # point sources -> synapses (CSR over network rows); silenced sources send nothing
    pt = np.flatnonzero((pre_cell < 0) & ~silenced[pre_rows]) if len(syn) else np.zeros(0, _I)
    pt = pt[np.argsort(pre_rows[pt], kind="stable")]
    route_ptr = np.zeros(net.n_neurons + 1, _I)
    np.add.at(route_ptr, pre_rows[pt] + 1, 1)
    route_ptr = np.cumsum(route_ptr)
    route_delay = dly[pt]
    e_steps = eng.BLOCK
    if len(pt):
        dmin = float(route_delay.min())
        if dmin < dt - 1e-9:
            k = pt[int(np.argmin(route_delay))]
            raise StabilityError(
                f"dt = {dt} ms is larger than the delay of edge {py_id(net.ids[pre_rows[k]])!r} -> "
                f"{py_id(syn['post'].iat[k])!r} ({dmin:g} ms) onto a cable neuron; use dt <= the "
                "smallest delay")
        # a spike at step k (clock-driven source) arrives at step k + rint(d/dt); one at a
        # time t >= the epoch's start (event-driven) at the first step k with
        # t + d <= k dt + dt/2: never sooner than ceil(d/dt - 1/2) <= rint(d/dt) steps after
        e_steps = max(1, math.ceil(dmin / dt - 0.5 - 1e-6))

    # records: the models' own, then the spike node of each recorded cable neuron
    rec_rows = list(net._record_rows)
    rec_cable = [(i, cell[r]) for i, r in enumerate(rec_rows) if r in cell]
    rec_v = np.concatenate([np.asarray(cs.rec_v, _I),
                            np.asarray([det_comp[c] for _, c in rec_cable], _I)])
    v0 = np.repeat([float(v_init) if v_init is not None else sp.v_init for sp in specs],
                   np.diff(cptr))
    setup = CableSetup(
        circuit=circuit, cs=cs, arrays=arrays, rows=rows, out_det=out_det, det_row=det_row,
        route_ptr=route_ptr, route_syn=(n_syn0 + pt).astype(_I), route_w=w[pt],
        route_delay=route_delay, route_dsteps=np.rint(route_delay / dt).astype(_I),
        route_edge=pt.astype(_I), synapses=syn, rec_v=rec_v,
        rec_cols=np.asarray([i for i, _ in rec_cable], _I), n_own_v=len(cs.rec_v), v0=v0,
        e_steps=int(e_steps), dt=float(dt), n_steps=int(n_steps), opts=opts)
    # compile (or load) every kernel now, in this thread, with one notice
    with kernel_notice(arrays, 1, opts["parallel"]):
        check_kernels(arrays.mechs)
        CableGroup(setup, 0, warm=True)
    return setup


class CableGroup:
    """One trial's cable system inside an :class:`~connectome_sim.network.simulate.EngineRun`.

    Parameters
    ----------
    setup : CableSetup
    trial : int
    engine_row : int64 array, optional
        Network row -> engine row (to hand spikes back in the engine's numbering).
    warm : bool
        Build a zero-step run and call the kernel once (compiles it), then discard.
    """

    def __init__(self, setup: CableSetup, trial: int, engine_row=None, warm: bool = False):
        self.setup, self.trial = setup, int(trial)
        S = setup
        ev = S.cs.events
        a, b = int(ev.ptr[trial]), int(ev.ptr[trial + 1])
        events = EventArrays(np.array([0, b - a], _I), ev.time[a:b], ev.syn[a:b], ev.w[a:b])
        n = 0 if warm else S.n_steps
        # a detector fires at most every other step: an epoch (<= BLOCK steps) fits
        self.run = CableRun(S.arrays, events, n, S.dt, S.v0, method=S.opts["method"],
                            celsius=S.opts["celsius"], n_trials=1, rec_v=S.rec_v,
                            rec_s=S.cs.rec_s, rec_i=S.cs.rec_i,
                            rec_every=S.opts["record_every"],
                            max_spikes=S.n_det * (eng.BLOCK // 2 + 2) + 1,
                            parallel=S.opts["parallel"])
        if warm:
            self.run.advance(0)
            return
        self.engine_row = engine_row
        self.spk_det, self.spk_step = [], []        # every detector, for the models' tables
        self.error = None
        out_of = np.full(S.n_det, -1, _I)
        out_of[S.out_det] = S.rows if engine_row is None else engine_row[S.rows]
        self._out_row = out_of

    @property
    def nbytes(self) -> int:
        """Memory of the run's records and state (bytes)."""
        r = self.run
        return int(sum(x.nbytes for x in r.O) + sum(v.nbytes for v in r.state.values()
                                                       if isinstance(v, np.ndarray)))

    def advance(self, k0: int, k1: int, rec=None) -> bool:
        """Advance from step ``k0`` to ``k1``; copy the network's records of cable neurons
        into ``rec`` (steps x columns); False on a blow-up (:attr:`error` says where)."""
        run = self.run
        if run.step != k0:
            raise RuntimeError(f"cable group at step {run.step}, asked to advance from {k0}")
        if k1 > k0:
            run.advance(k1 - k0)
        if not run.alive[0]:
            self.error = self._blowup()
            return False
        S = self.setup
        if rec is not None and len(S.rec_cols) and k1 > k0:
            every = S.opts["record_every"]
            k = np.arange(k0, k1)
            vals = np.full((k.size, len(S.rec_cols)), np.nan)
            keep = k % every == 0
            rows = S.n_own_v + np.arange(len(S.rec_cols))
            vals[keep] = run.O.out_rec[0][np.ix_(rows, k[keep] // every)].T
            rec[k0:k1, S.rec_cols] = vals
        return True

    def take_spikes(self):
        """Output spikes since the last call: ``(rows, steps)`` (engine rows if given at
        construction, else network rows), in detection order; all detectors' spikes are
        kept for the models' spike tables."""
        det, step = self.run.take_spikes(0)
        if det.size:
            self.spk_det.append(det)
            self.spk_step.append(step)
        rows = self._out_row[det]
        keep = rows >= 0
        return rows[keep], step[keep]

    def deliver(self, rows, steps, times, on_grid, k_first):
        """Spikes of point neurons (network ``rows``, detection ``steps``, ``times`` ms,
        ``on_grid``: of a clock-driven neuron) to the synapses they drive, as external events
        (see :func:`~connectome_sim.engine.cable_run.expand_routes`).  Events are due from
        step ``k_first`` (the next epoch's first step) on; one due earlier would arrive late,
        and raises SimulationError naming its edge."""
        S = self.setup
        t, syn, w, late = expand_routes(
            np.asarray(rows, _I), np.asarray(steps, _I), np.asarray(times, float),
            np.asarray(on_grid, np.bool_), S.route_ptr, S.route_syn, S.route_w,
            S.route_delay, S.route_dsteps, S.dt, int(k_first), S.n_steps - 1)
        if late >= 0:
            r = S.synapses.iloc[int(S.route_edge[late])]
            raise SimulationError(
                f"edge {py_id(r['pre'])!r} -> cable neuron {py_id(r['post'])!r} (delay "
                f"{r['delay']:g} ms): a spike would arrive before step {k_first}, which the "
                "cable engine has passed (late); an epoch must not be longer than the "
                "smallest delay onto a cable neuron (an engine error, please report it)")
        if t.size:
            self.run.enqueue(0, t, syn, w)

    def _blowup(self) -> str:
        S = self.setup
        step, comp = self.run.results()["err"][0]
        cptr = S.cs.cell_ptr
        c = int(np.searchsorted(cptr, comp, side="right") - 1)
        nid = S.cs.ids[c]
        key = S.circuit.models[nid]._comp_key(int(comp - cptr[c]))
        return (f"cable neuron {nid!r} blew up at t = {step * S.dt:.4g} ms (trial "
                f"{self.trial}): membrane potential NaN/inf or beyond 1e4 mV at node ID {key}; "
                "check its synaptic weights (µS), stimulus amplitudes (nA) or reduce dt")


def store_results(net, setup: CableSetup, groups, complete: bool):
    """Fill every cable neuron's CompartmentModel ``records``, ``spikes``, ``t`` and
    ``presynaptic_trains`` from the trials' groups (cleared when the run is incomplete)."""
    from ..cable.circuit_run import _spikes, cell_records

    S = setup
    models = S.circuit.models
    if not complete:
        for m in models.values():
            m.records, m.spikes, m.t, m.presynaptic_trains = {}, None, None, []
        return
    n_trials = len(groups)
    rec = np.concatenate([g.run.O.out_rec for g in groups], axis=0)
    keep = np.r_[0:S.n_own_v, S.n_own_v + len(S.rec_cols):rec.shape[1]]
    rec = rec[:, keep]
    t = np.arange(rec.shape[2]) * S.dt * S.opts["record_every"]
    cell_records(S.circuit, S.cs, rec, t, n_trials)
    per = [(np.concatenate(g.spk_det) if g.spk_det else np.zeros(0, _I),
            np.concatenate(g.spk_step) if g.spk_step else np.zeros(0, _I)) for g in groups]
    width = max(1, max(len(d) for d, _ in per))
    out = {"spk_n": np.array([len(d) for d, _ in per], _I),
           "spk_det": np.zeros((n_trials, width), _I), "spk_step": np.zeros((n_trials, width), _I)}
    for tr, (d, s) in enumerate(per):
        out["spk_det"][tr, :len(d)] = d
        out["spk_step"][tr, :len(s)] = s
    _spikes(S.circuit, out, S.cs, S.dt, n_trials)
    for c, nid in enumerate(S.cs.ids):
        models[nid].presynaptic_trains = S.cs.trains[c]
