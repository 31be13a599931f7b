"""Long runs of a :class:`~connectome_sim.network.PointNetwork`: streamed spikes, save/resume.

``run_simulation(..., spikes_to='spikes.parquet')`` and runs that continue a saved state go
through :func:`run_extended`, which drives the same numba kernel as an ordinary run
(``connectome_sim.engine.network.run_clock``, specialised per model) in chunks of ``chunk`` ms:

- after each chunk the spikes are appended to a parquet file (``pyarrow.parquet.
  ParquetWriter``, one row group per chunk and trial) and dropped from memory, so memory stays
  bounded by one chunk's spikes whatever the duration;
- the engine's whole dynamic state is carried from one chunk to the next: the state rows ``S``
  of every neuron (which the model contract requires to hold all of a neuron's state) and the
  spikes still in flight in the delay queue.  The kernel returns when a chunk ends, so spikes
  whose delivery falls after the chunk are kept as explicit deliveries ``(step, target, weight,
  channel)`` and handed back to the next chunk ahead of the external stimuli of the same step,
  the order in which the queue would have delivered them.

:meth:`save_state` stores that state (``.npz``) after any clock-driven run; :meth:`load_state`
makes the next ``run_simulation`` continue from it.  Stimulus events are generated for the
whole time span ``[0, end)`` with the run's seed and sliced, so the continued run sees the
same input as an uninterrupted one and gives the same spikes.  (A neuron asleep across a chunk
boundary is advanced in two catch-up calls instead of one; the two differ by rounding only —
1e-15 mV — not in any spike unless a membrane potential lands within rounding of threshold.)

Event-driven models (IntFire1/2/4) are not supported here yet: their engine loop has no
restart entry point.  Units: ms, mV, nA, Hz.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["RunState", "run_extended", "dispatch_run", "LongRunMixin"]

_EMPTY_DELIV = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64),
                np.empty(0, np.int64))


@dataclass
class RunState:
    """Everything needed to continue a network run exactly.

    Attributes
    ----------
    step : int
        Number of time steps already simulated (the run continues at ``step * dt`` ms).
    dt : float
        Time step (ms).
    seed : int
        Seed of the random streams (stimuli) of the saved run.
    S : list of numpy.ndarray
        Per trial, the model's state rows ``float64[n_states, n_neurons]``.
    deliveries : list of tuple
        Per trial, the spikes in flight: arrays ``(step, target row, weight, channel)`` in
        delivery order.
    model : str
        Model name.
    fingerprint : str
        Hash of the network (IDs, model, parameters, connectivity) the state belongs to.
    """

    step: int
    dt: float
    seed: int
    S: list
    deliveries: list
    model: str
    fingerprint: str
    meta: dict = field(default_factory=dict)

    @property
    def t(self) -> float:
        """Simulated time reached (ms)."""
        return self.step * self.dt

    @property
    def n_trials(self) -> int:
        return len(self.S)

    def save(self, path) -> Path:
        """Write the state to ``path`` (numpy ``.npz``)."""
        path = Path(path)
        arrays = {"step": np.int64(self.step), "dt": np.float64(self.dt),
                  "seed": np.int64(self.seed), "model": np.str_(self.model),
                  "fingerprint": np.str_(self.fingerprint), "n_trials": np.int64(self.n_trials)}
        for tr, (S, d) in enumerate(zip(self.S, self.deliveries)):
            arrays[f"S_{tr}"] = S
            for name, arr in zip(("k", "j", "w", "c"), d):
                arrays[f"d{name}_{tr}"] = arr
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
        return path

    @classmethod
    def load(cls, path) -> RunState:
        """Read a state written by :meth:`save`.

        Raises
        ------
        FileNotFoundError
            No such file.
        InputFileError
            The file is not a complete saved state (truncated, corrupt, another .npz); the
            message names the path.
        """
        from ..errors import InputFileError

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"saved state {path} does not exist" +
                                    (" (it is a folder)" if path.is_dir() else ""))
        try:
            with np.load(path, allow_pickle=False) as z:
                n = int(z["n_trials"])
                S = [z[f"S_{tr}"].copy() for tr in range(n)]
                d = [tuple(z[f"d{name}_{tr}"].copy() for name in ("k", "j", "w", "c"))
                     for tr in range(n)]
                return cls(int(z["step"]), float(z["dt"]), int(z["seed"]), S, d,
                           str(z["model"]), str(z["fingerprint"]))
        except Exception as e:  # zipfile/numpy/pickle errors: name the file instead
            raise InputFileError(f"saved state {path} cannot be read: it is not a complete "
                                 f"state written by save_state ({type(e).__name__}: {e})") from e


def fingerprint(net) -> str:
    """Hash of what a saved state depends on: IDs, model, parameters, connectivity."""
    from .simulate import compile_network

    comp = compile_network(net)
    h = hashlib.sha1()
    h.update(net.model.name.encode())
    h.update(repr(list(net.ids)).encode())
    for name in net.model.params:
        h.update(np.ascontiguousarray(net._props[name], dtype=np.float64).tobytes())
    for arr in (comp.tgt, comp.w, comp.seg_ptr, comp.seg_start, comp.seg_end, comp.seg_delay,
                comp.gap_ptr, comp.gap_j, comp.gap_g):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _deliveries_from_spikes(comp, dsteps, sp_i, sp_k, k_end, old=None):
    """Deliveries due at or after step ``k_end`` from spikes ``(row, step)`` in emission order.

    ``old`` (earlier deliveries still pending) come first: the queue delivers in emission
    order, and they were emitted earlier.
    """
    ks, js, ws, cs = ([a] for a in (old if old is not None else _EMPTY_DELIV))
    if dsteps.size:  # only spikes of the last max-delay steps can still be in flight
        late = sp_k + dsteps.max() >= k_end
        sp_i, sp_k = sp_i[late], sp_k[late]
    for i, k in zip(sp_i.tolist(), sp_k.tolist()):
        for s in range(comp.seg_ptr[i], comp.seg_ptr[i + 1]):
            kd = k + dsteps[s]
            if kd >= k_end:
                a, b = comp.seg_start[s], comp.seg_end[s]
                ks.append(np.full(b - a, kd, np.int64))
                js.append(comp.tgt[a:b].astype(np.int64))
                ws.append(comp.w[a:b])
                cs.append(comp.ch[a:b].astype(np.int64))
    k, j, w, c = (np.concatenate(x) for x in (ks, js, ws, cs))
    order = np.argsort(k, kind="stable")
    return k[order], j[order], w[order], c[order]


def _state_from_run(net) -> RunState:
    """Rebuild the state after an ordinary (in-memory) run from its final S and spikes."""
    from .simulate import compile_network

    if getattr(net, "dt", None) is None or getattr(net, "spikes", None) is None and \
            getattr(net, "final_state", None) is None:
        raise RuntimeError("save_state: no run to save; call run_simulation() first")
    if getattr(net, "final_state", None) is None:
        raise RuntimeError("save_state: the last run used backend='nest', whose state stays in "
                           "NEST; run with the numba backend to save and resume")
    if net.model.kind != "clock":
        raise ParameterError(f"save_state: {net.model.name} is event-driven; saving and "
                             "resuming supports clock-driven models (LIF, AdEx, HH, ...)")
    comp = compile_network(net)
    dsteps = np.rint(comp.seg_delay / net.dt).astype(np.int64)
    k_end = len(net.t)
    dmax = int(dsteps.max()) if dsteps.size else 0
    rows = pd.Index(net.ids)
    deliveries = []
    for tr in range(net.n_trials):
        sp = net.spikes[net.spikes["trial"] == tr]
        k = np.rint(sp["time"].to_numpy() / net.dt).astype(np.int64)
        keep = k >= k_end - dmax
        deliveries.append(_deliveries_from_spikes(
            comp, dsteps, rows.get_indexer(sp["neuron_id"].to_numpy()[keep]), k[keep], k_end))
    return RunState(k_end, float(net.dt), int(net.seed_used), [S.copy() for S in net.final_state],
                    deliveries, net.model.name, fingerprint(net))


def _arrow_schema(ids):
    import pyarrow as pa

    idtype = pa.int64() if np.asarray(ids).dtype.kind in "iu" else pa.string()
    return pa.schema([("trial", pa.int32()), ("neuron_id", idtype), ("time", pa.float64())])


def run_extended(net, duration=25.0, dt=0.1, seed=None, n_trials=1, v_init=None,
                 max_spikes=50_000_000, spikes_to=None, chunk=1000.0):
    """Run ``net`` in chunks, optionally streaming spikes to parquet and/or resuming a state.

    Parameters are those of ``PointNetwork.run_simulation``; in addition:

    spikes_to : str or pathlib.Path, optional
        Parquet file receiving the spikes (columns ``trial``, ``neuron_id``, ``time`` ms),
        written chunk by chunk; the spikes are then not kept in memory (``net.spikes`` is
        None, ``net.spikes_file`` the path) and the path is returned.
    chunk : float
        Chunk length (ms) for streaming.  Memory grows with the spikes of one chunk.

    When ``net.load_state()`` was called before, the run continues that state for
    ``duration`` more ms (times stay absolute); ``seed``/``n_trials``/``dt`` default to the
    saved ones and must agree with them.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        The spike table, or the parquet path with ``spikes_to``.
    """
    from .simulate import _stim_events, compile_network, raise_for_status, run_clock_span, setup_run

    model = net.model
    if model.kind != "clock":
        raise ParameterError(f"{model.name} is event-driven; spikes_to= and save/load_state "
                             "support clock-driven models (LIF, AdEx, HH, ...). Run it without "
                             "them (in memory)")
    state: RunState | None = getattr(net, "_resume", None)
    if duration <= 0 or dt <= 0:
        raise ValueError(f"duration and dt must be > 0 ms, got {duration}, {dt}")
    if chunk is None or chunk <= 0:
        raise ValueError(f"chunk must be > 0 ms, got {chunk}")
    if state is not None:
        if state.fingerprint != fingerprint(net):
            raise ParameterError("load_state: the saved state belongs to a different network "
                                 "(IDs, parameters or connectivity changed since it was saved)")
        if abs(dt - state.dt) > 1e-12:
            raise ParameterError(f"load_state: the state was saved with dt = {state.dt} ms; "
                                 f"continue with the same dt (got {dt})")
        if int(n_trials) not in (1, state.n_trials) or (int(n_trials) == 1 and state.n_trials != 1
                                                         and n_trials != state.n_trials):
            raise ParameterError(f"load_state: the state holds {state.n_trials} trials; "
                                 f"continue with n_trials={state.n_trials}")
        if v_init is not None:
            raise ParameterError("load_state: v_init cannot be set when continuing a run")
        n_trials = state.n_trials
        seed = state.seed if seed is None else seed
        k0 = state.step
    else:
        k0 = 0
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))
    n_trials = int(n_trials)
    k_end = k0 + int(round(duration / dt))
    comp = compile_network(net)
    # the same checks, parameters, currents, pinned neurons and kernel as an ordinary run
    su = setup_run(net, comp, dt, k_end)
    P, rec_rows, dsteps = su.P, su.rec_rows, su.dsteps

    # per-trial state: S, pending deliveries, stimulus events of [k0, k_end)
    trials = []
    for tr in range(n_trials):
        S = state.S[tr].copy() if state is not None else model.init_state(P, v_init)
        pend = state.deliveries[tr] if state is not None else _EMPTY_DELIV
        t, n, w, c = _stim_events(net, seed, tr, k_end * dt, dt)
        sk = np.floor(t / dt + 1e-6).astype(np.int64)
        keep = (sk >= k0) & (sk < k_end)
        trials.append({"S": S, "pend": pend, "stim": (sk[keep], n[keep], w[keep], c[keep])})

    chunk_steps = max(1, int(round(chunk / dt))) if spikes_to is not None else k_end - k0
    writer = None
    ids = net.ids
    frames, recs = [], [[] for _ in range(n_trials)]
    if spikes_to is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        spikes_to = Path(spikes_to)
        schema = _arrow_schema(ids)
        writer = pq.ParquetWriter(str(spikes_to), schema)

    def one(tr, ka, kb):
        st = trials[tr]
        pk, pj, pw, pc = st["pend"]
        now = pk < kb
        sk, sn, sw, sc = st["stim"]
        sel = (sk >= ka) & (sk < kb)
        # queued deliveries first, then the stimuli (the kernel's order within a step)
        k = np.concatenate([pk[now], sk[sel]])
        order = np.argsort(k, kind="stable")
        j = np.concatenate([pj[now], sn[sel]])[order]
        w = np.concatenate([pw[now], sw[sel]])[order]
        c = np.concatenate([pc[now], sc[sel]])[order]
        sp_i, sp_k, rec, status, kr = run_clock_span(su, comp, st["S"], ka, kb, k[order], j, w,
                                                     c, max_spikes)
        raise_for_status(status, tr, kr * dt, max_spikes,
                         st["S"][su.vrow] if su.vrow >= 0 else None, ids, dt)
        left = tuple(a[~now] for a in st["pend"])
        st["pend"] = _deliveries_from_spikes(comp, dsteps, sp_i, sp_k, kb, old=left)
        return sp_i, sp_k, rec

    workers = min(n_trials, os.cpu_count() or 1)
    try:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            for ka in range(k0, k_end, chunk_steps):
                kb = min(ka + chunk_steps, k_end)
                outs = list(ex.map(lambda tr: one(tr, ka, kb), range(n_trials)))
                for tr, (sp_i, sp_k, rec) in enumerate(outs):
                    if rec_rows.size:
                        recs[tr].append(rec)
                    order = np.lexsort((sp_i, sp_k))
                    frame = pd.DataFrame({"trial": np.full(sp_i.size, tr, np.int32),
                                          "neuron_id": ids[sp_i[order]],
                                          "time": sp_k[order] * dt})
                    if writer is not None:
                        writer.write_table(pa.Table.from_pandas(frame, schema=schema,
                                                                preserve_index=False))
                    else:
                        frames.append(frame)
    finally:
        if writer is not None:
            writer.close()

    # results, as an ordinary run leaves them (times absolute)
    net.dt = float(dt)
    net.n_trials = n_trials
    net.duration = k_end * dt
    net.t_end = k_end * dt
    net.t_start = k0 * dt
    net.seed_used = int(seed)
    net.final_state = [st["S"] for st in trials]
    net._pending = [st["pend"] for st in trials]
    net._resume = None
    net.t = np.arange(k0, k_end) * dt
    net.records = {}
    if rec_rows.size:
        rid = ids[rec_rows]
        if n_trials == 1:
            net.records["v"] = pd.DataFrame(np.concatenate(recs[0]), index=pd.Index(
                net.t, name="time"), columns=pd.Index(rid, name="neuron_id"))
        else:
            cols = pd.MultiIndex.from_product([range(n_trials), rid], names=["trial", "neuron_id"])
            data = np.concatenate([np.concatenate(r) for r in recs], axis=1)
            net.records["v"] = pd.DataFrame(data, index=pd.Index(net.t, name="time"),
                                            columns=cols)
    if writer is not None:
        net.spikes = None
        net.spikes_file = spikes_to
        return spikes_to
    sp = pd.concat(frames, ignore_index=True)
    net.spikes = sp.sort_values(["trial"], kind="stable").reset_index(drop=True)
    net.spikes_file = None
    return net.spikes


def dispatch_run(net, *, duration, dt, seed, n_trials, v_init, max_spikes, spikes_to=None,
                 backend="numba", chunk=1000.0):
    """Hook called first by ``PointNetwork.run_simulation``.

    Runs the NEST backend, streamed runs and resumed runs and returns their result; returns
    ``None`` for an ordinary in-memory run, after fixing its seed in ``net.seed_used`` (a
    ``None`` seed is drawn here, so that :meth:`LongRunMixin.save_state` knows it).
    """
    if backend not in ("numba", "nest"):
        raise ParameterError(f"backend must be 'numba' or 'nest', got {backend!r}")
    if backend == "nest":
        if spikes_to is not None or getattr(net, "_resume", None) is not None:
            raise ParameterError("backend='nest' does not support spikes_to= or load_state(); "
                                 "use the numba backend for those")
        from .nest_export import run_nest

        return run_nest(net, duration=duration, dt=dt, seed=seed, n_trials=n_trials,
                        v_init=v_init)
    if spikes_to is not None or getattr(net, "_resume", None) is not None:
        return run_extended(net, duration=duration, dt=dt, seed=seed, n_trials=n_trials,
                            v_init=v_init, max_spikes=max_spikes, spikes_to=spikes_to,
                            chunk=chunk)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))
    net.seed_used = int(seed)
    net._pending = None
    net.t_end = None
    net.t_start = 0.0
    net.spikes_file = None
    return None


class LongRunMixin:
    """``save_state`` / ``load_state`` / ``to_nest`` of :class:`PointNetwork` (issue 8)."""

    def save_state(self, path=None) -> RunState:
        """State at the end of the last run, to continue it later exactly.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            Also write it to this ``.npz`` file.

        Returns
        -------
        RunState
            Time reached (ms), per-trial neuron states and spikes in flight.
        """
        if getattr(self, "_pending", None) is not None:  # last run was chunked: exact queue
            st = RunState(int(round(self.t_end / self.dt)), float(self.dt), int(self.seed_used),
                          [S.copy() for S in self.final_state], list(self._pending),
                          self.model.name, fingerprint(self))
        else:
            st = _state_from_run(self)
        if path is not None:
            st.save(path)
        return st

    def load_state(self, state) -> None:
        """Make the next ``run_simulation`` continue from ``state`` (a RunState or a path).

        The continued run simulates ``duration`` more ms from the saved time with the saved
        seed (unless another is given); spike times stay absolute, ``net.t_start`` is the
        saved time, so rates of the continuation are ``firing_rates(start=net.t_start)``.
        """
        if not isinstance(state, RunState):
            state = RunState.load(state)
        if state.model != self.model.name:
            raise ParameterError(f"load_state: the state is of a {state.model} network, this "
                                 f"network runs {self.model.name}")
        if state.fingerprint != fingerprint(self):
            raise ParameterError("load_state: the saved state belongs to a different network "
                                 "(IDs, parameters or connectivity differ); rebuild the same "
                                 "network before loading")
        self._resume = state

    def to_nest(self, **kwargs):
        """Build this network in NEST 3 (see :func:`connectome_sim.network.nest_export.to_nest`)."""
        from .nest_export import to_nest

        return to_nest(self, **kwargs)
