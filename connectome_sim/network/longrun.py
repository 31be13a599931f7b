"""Long runs of a :class:`~connectome_sim.network.PointNetwork`: streamed spikes, save/resume.

``run_simulation(..., spikes_to='spikes.parquet')`` and runs that continue a saved state go
through :func:`run_extended`, which advances the same engine state
(:class:`~connectome_sim.network.simulate.EngineRun`) chunk by chunk:

- after each chunk the spikes are appended to a parquet file (one row group per chunk and
  trial) and dropped from memory, so memory stays bounded by one chunk's spikes;
- the file is written under a temporary name and renamed when the run completes; a run that
  fails leaves its spikes in ``<name>.incomplete.parquet`` (with ``complete = false`` in the
  file's metadata) and no file at the requested path;
- :meth:`LongRunMixin.save_state` stores the state at the end of a run (``.npz``): each
  model group's state rows and the spikes still in flight as explicit deliveries ``(step,
  target, weight, channel)``; :meth:`LongRunMixin.load_state` makes the next run continue it,
  delivering those ahead of the stimuli of the same step (the queue's order).  Stimulus events
  are generated for the whole span ``[0, end)`` with the run's seed and sliced, so the
  continued run sees the same input as an uninterrupted one.  Sleeping neurons are brought up
  to date at each chunk end, which differs from one uninterrupted catch-up by rounding only.

Event-driven models (IntFire1/2/4) and graded outputs into other models are not saved yet.
Units: ms, mV, nA, Hz.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError, SimulationError
from ..multiscale.spec import py_ids

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
    S : list of list of numpy.ndarray
        Per trial, per model group (engine order), the state rows of its neurons.
    deliveries : list of tuple
        Per trial, the spikes in flight: arrays ``(step, target network row, weight,
        channel)`` in delivery order.
    model : str
        Model names of the groups, comma-separated.
    fingerprint : str
        Hash of the network (IDs, models, parameters, connectivity) the state belongs to.
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
                  "fingerprint": np.str_(self.fingerprint), "n_trials": np.int64(self.n_trials),
                  "n_groups": np.int64(len(self.S[0]) if self.S else 0)}
        for tr, (S, d) in enumerate(zip(self.S, self.deliveries)):
            for gi, s in enumerate(S):
                arrays[f"S_{tr}_{gi}"] = s
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
                ng = int(z["n_groups"])
                S = [[z[f"S_{tr}_{g}"].copy() for g in range(ng)] for tr in range(n)]
                d = [tuple(z[f"d{name}_{tr}"].copy() for name in ("k", "j", "w", "c"))
                     for tr in range(n)]
                return cls(int(z["step"]), float(z["dt"]), int(z["seed"]), S, d,
                           str(z["model"]), str(z["fingerprint"]))
        except Exception as e:  # zipfile/numpy errors: name the file instead
            raise InputFileError(f"saved state {path} cannot be read: it is not a complete "
                                 f"state written by save_state ({type(e).__name__}: {e})") from e


def fingerprint(net) -> str:
    """Hash of what a saved state depends on: IDs, models, parameters, connectivity."""
    from .compile import compile_network

    comp = compile_network(net)
    h = hashlib.sha1()
    h.update(repr([g.model.name for g in comp.groups]).encode())
    h.update(np.ascontiguousarray(net._model_of).tobytes())
    h.update(repr(list(net.ids)).encode())
    for name, arrs in sorted(net._props.items()):
        for p in sorted(arrs):
            h.update(np.ascontiguousarray(arrs[p], dtype=np.float64).tobytes())
    for arr in (comp.tgt, comp.w, comp.seg_ptr, comp.seg_start, comp.seg_end, comp.seg_delay):
        h.update(np.ascontiguousarray(arr).tobytes())
    for g in comp.groups:
        for arr in tuple(g.cp) + tuple(g.gp):
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def pending_deliveries(run):
    """The spikes in flight of an EngineRun as deliveries ``(step, network row, w, channel)``
    in the order the queue would deliver them."""
    comp = run.comp
    ks, js, ws, cs = [], [], [], []
    ns = run.n_slots
    for L in range(comp.n_lanes):
        g = next(gr for gr in comp.groups if gr.lane0 <= L < gr.lane0 + gr.n_lanes)
        for sl in range(ns):
            cnt = int(run.rb_n[L, sl])
            if not cnt:
                continue
            k = run.k + ((sl - run.k) % ns)
            for a, b in run.rb[L, sl, :cnt]:
                ks.append(np.full(b - a, k, np.int64))
                js.append(comp.order[g.start + comp.tgt[a:b].astype(np.int64)])
                ws.append(comp.w[a:b])
                cs.append(comp.ch[a:b].astype(np.int64))
    if not ks:
        return _EMPTY_DELIV
    k, j, w, c = (np.concatenate(x) for x in (ks, js, ws, cs))
    o = np.argsort(k, kind="stable")
    return k[o], j[o], w[o], c[o]


def _check_saveable(net, what):
    from .compile import compile_network

    if net._cable_rows():
        raise ParameterError(f"{what}: the network has cable neurons "
                             f"({py_ids(net.cable_ids[:5])}); their state is not saved yet")
    comp = compile_network(net)
    ev = [g.model.name for g in comp.groups if g.model.kind == "event"]
    if ev:
        raise ParameterError(f"{what}: {ev[0]} is event-driven; saving, resuming and "
                             "spikes_to= support clock-driven and graded models (LIF, AdEx, HH, "
                             "graded, ...). Run it without them (in memory)")
    if comp.cx_rows.size:
        raise ParameterError(f"{what}: graded outputs into neurons of other models are not "
                             "saved yet; run in memory")
    return comp


def _arrow_schema(ids):
    import pyarrow as pa

    kind = np.asarray(ids).dtype.kind
    idtype = pa.int64() if kind == "i" else pa.uint64() if kind == "u" else pa.string()
    return pa.schema([("trial", pa.int32()), ("neuron_id", idtype), ("time", pa.float64())])


def run_extended(net, duration, dt, seed, n_trials, v_init, max_spikes, spikes_to, chunk,
                 budget, threads=None, overwrite=True):
    """Run ``net`` in chunks, optionally streaming spikes to parquet and/or resuming a state.

    Parameters are those of ``PointNetwork.run_simulation``.  When ``net.load_state()`` was
    called before, the run continues that state for ``duration`` more ms (times stay
    absolute); ``seed``/``n_trials``/``dt`` default to the saved ones and must agree with
    them.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        The spike table, or the parquet path with ``spikes_to``.
    """
    from .simulate import EngineRun, choose_lanes
    from .compile import compile_network

    state: RunState | None = net._resume
    chunk = float(chunk) if chunk is not None else np.nan
    if not np.isfinite(chunk) or chunk <= 0:
        raise ParameterError(f"run_simulation(chunk) must be finite and > 0 ms, got {chunk}")
    _check_saveable(net, "spikes_to=" if state is None else "load_state")
    if state is not None:
        if state.fingerprint != fingerprint(net):
            raise ParameterError("load_state: the saved state belongs to a different network "
                                 "(IDs, parameters or connectivity changed since it was saved)")
        if abs(dt - state.dt) > 1e-12:
            raise ParameterError(f"load_state: the state was saved with dt = {state.dt} ms; "
                                 f"continue with the same dt (got {dt})")
        if int(n_trials) not in (1, state.n_trials):
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
    lanes = choose_lanes(net, n_trials, threads)
    comp = compile_network(net, lanes)
    per_trial = budget // max(1, min(n_trials, os.cpu_count() or 1))
    runs = [EngineRun(net, comp, dt, k0, k_end, seed, tr, v_init, max_spikes, per_trial,
                      states=state.S[tr] if state is not None else None,
                      deliveries=state.deliveries[tr] if state is not None else None)
            for tr in range(n_trials)]
    chunk_steps = max(1, int(round(chunk / dt))) if spikes_to is not None else k_end - k0
    ids = net.ids
    writer = tmp = None
    if spikes_to is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        spikes_to = Path(spikes_to)
        if spikes_to.exists() and not overwrite:
            raise ParameterError(f"spikes_to: {spikes_to} exists; pass overwrite=True or "
                                 "another path")
        if spikes_to.is_dir():
            raise ParameterError(f"spikes_to: {spikes_to} is a directory; give a file path")
        if spikes_to.suffix.lower() not in (".parquet", ".pq"):
            # parquet bytes under a .csv name would be opened as a (garbled) text table
            raise ParameterError(f"spikes_to: {spikes_to} does not end in .parquet; the spikes "
                                 "are written as a parquet file, so name it *.parquet")
        if not spikes_to.parent.exists():
            raise ParameterError(f"spikes_to: the folder {spikes_to.parent} does not exist")
        schema = _arrow_schema(ids)
        tmp = spikes_to.with_name(spikes_to.name + ".partial")
        try:
            writer = pq.ParquetWriter(str(tmp), schema)
        except OSError as exc:
            raise ParameterError(f"spikes_to: cannot write {spikes_to} ({exc})") from None
    frames = []
    failed = None
    workers = min(n_trials, os.cpu_count() or 1)
    try:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            for ka in range(k0, k_end, chunk_steps):
                kb = min(ka + chunk_steps, k_end)
                list(ex.map(lambda r: r.advance(kb, finish=True), runs))
                for tr, r in enumerate(runs):
                    rows, times = r.spikes()
                    frame = pd.DataFrame({"trial": np.full(rows.size, tr, np.int32),
                                          "neuron_id": ids[rows], "time": times})
                    if writer is not None:
                        writer.write_table(pa.Table.from_pandas(frame, schema=schema,
                                                                preserve_index=False))
                        r.n_sp = 0            # streamed: drop from memory
                    else:
                        frames.append(frame)
                        r.n_sp = 0
                if any(r.status for r in runs):
                    failed = next(r for r in runs if r.status)
                    break
    finally:
        if writer is not None:
            writer.close()
    # results, as an ordinary run leaves them (times absolute)
    net._resume = None
    if frames:
        sp = pd.concat(frames, ignore_index=True).sort_values(["trial"], kind="stable")
        sp = sp.reset_index(drop=True)
    else:
        sp = None
    if writer is not None:
        if failed is None:
            os.replace(tmp, spikes_to)
        else:
            _mark_incomplete(tmp, spikes_to.with_name(spikes_to.stem + ".incomplete.parquet"))
    try:
        net._store(runs, k_end * dt, dt, int(seed), n_trials, k0 * dt, spikes=False)
    except SimulationError as exc:
        if writer is not None:
            raise SimulationError(f"{exc}; the spikes computed before are in "
                                  f"{spikes_to.stem}.incomplete.parquet (no file was written "
                                  f"at {spikes_to})") from None
        if sp is not None:
            sp.attrs["complete"] = False
            net.result.spikes = sp
        raise
    if writer is not None:
        net.result.spikes_file = spikes_to
        return spikes_to
    sp = sp if sp is not None else pd.DataFrame({"trial": np.empty(0, np.int32),
                                                 "neuron_id": ids[:0], "time": np.empty(0)})
    sp.attrs["complete"] = True
    net.result.spikes = sp
    return sp


def _mark_incomplete(tmp, dest):
    """Rewrite the partial parquet ``tmp`` as ``dest`` with ``complete = false`` metadata."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(tmp)
        meta = dict(table.schema.metadata or {})
        meta[b"connectome_sim.complete"] = b"false"
        pq.write_table(table.replace_schema_metadata(meta), dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def dispatch_run(net, *, duration, dt, seed, n_trials, v_init, max_spikes, spikes_to=None,
                 backend="numba", chunk=1000.0, budget=None, threads=None, overwrite=True):
    """Hook called first by ``PointNetwork.run_simulation``: runs the NEST backend, streamed
    runs and resumed runs and returns their result; ``None`` for an ordinary in-memory run."""
    if backend not in ("numba", "nest"):
        raise ParameterError(f"backend must be 'numba' or 'nest', got {backend!r}")
    if net._cable_rows() and (backend == "nest" or spikes_to is not None
                              or net._resume is not None):
        what = "backend='nest'" if backend == "nest" else \
            "spikes_to=" if spikes_to is not None else "load_state()"
        raise ParameterError(f"{what}: the network has cable neurons "
                             f"({py_ids(net.cable_ids[:5])}), which run only in memory with the "
                             "numba backend")
    if backend == "nest":
        if spikes_to is not None or net._resume is not None:
            raise ParameterError("backend='nest' does not support spikes_to= or load_state(); "
                                 "use the numba backend for those")
        from .nest_export import run_nest

        return run_nest(net, duration=duration, dt=dt, seed=seed, n_trials=n_trials,
                        v_init=v_init)
    if spikes_to is not None or net._resume is not None:
        return run_extended(net, duration=duration, dt=dt, seed=seed, n_trials=n_trials,
                            v_init=v_init, max_spikes=max_spikes, spikes_to=spikes_to,
                            chunk=chunk, budget=budget, threads=threads, overwrite=overwrite)
    return None


class LongRunMixin:
    """``save_state`` / ``load_state`` / ``to_nest`` of :class:`PointNetwork` (state declared in
    ``PointNetwork.__init__``)."""

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
        if self.result is None:
            raise RuntimeError("save_state: no run to save; call run_simulation() first")
        if not self.result.complete:
            raise SimulationError("save_state: the last run did not complete; its state is "
                                  "not a valid point to continue from")
        if self._engine_state is None:
            raise RuntimeError("save_state: the last run used backend='nest', whose state stays "
                               "in NEST; run with the numba backend to save and resume")
        comp = _check_saveable(self, "save_state")
        runs = self._engine_state
        st = RunState(int(runs[0].k), float(self.result.dt), int(self.result.seed),
                      [[S.copy() for S in r.states()] for r in runs],
                      [pending_deliveries(r) for r in runs],
                      ",".join(g.model.name for g in comp.groups), fingerprint(self))
        if path is not None:
            st.save(path)
        return st

    def load_state(self, state) -> None:
        """Make the next ``run_simulation`` continue from ``state`` (a RunState or a path).

        The continued run simulates ``duration`` more ms from the saved time with the saved
        seed (unless another is given); spike times stay absolute, ``net.result.t_start`` is
        the saved time, so rates of the continuation are ``firing_rates(start=...)``.
        """
        if not isinstance(state, RunState):
            state = RunState.load(state)
        comp = _check_saveable(self, "load_state")
        names = ",".join(g.model.name for g in comp.groups)
        if state.model != names:
            raise ParameterError(f"load_state: the state is of a {state.model} network, this "
                                 f"network runs {names}")
        if state.fingerprint != fingerprint(self):
            raise ParameterError("load_state: the saved state belongs to a different network "
                                 "(IDs, parameters or connectivity differ); rebuild the same "
                                 "network before loading")
        self._resume = state

    def to_nest(self, **kwargs):
        """Build this network in NEST 3 (see :func:`connectome_sim.network.nest_export.to_nest`)."""
        if self._cable_rows():
            raise ParameterError(f"to_nest: the network has cable neurons "
                                 f"({py_ids(self.cable_ids[:5])}), which NEST cannot run")
        from .nest_export import to_nest

        return to_nest(self, **kwargs)
