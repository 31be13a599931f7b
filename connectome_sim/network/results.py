"""Running a :class:`PointNetwork` and reading its results as pandas objects (ms, Hz, mV).

A run's outcome is a :class:`NetworkResult` held in ``net.result``; ``net.spikes``,
``net.records`` and the rest are views of it (navis-compatible names).  A run that fails
(runaway, memory budget, NaN) keeps what it computed in a result marked incomplete
(``complete=False``; the spike table's ``attrs['complete']`` too) and raises; rates and
counts refuse incomplete results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import (ParameterError, SimulationError, check_number, check_whole, is_text,
                      whole_steps)

__all__ = ["NetworkResult", "ResultsMixin"]


@dataclass
class NetworkResult:
    """The outcome of one ``run_simulation``.

    Attributes
    ----------
    spikes : pandas.DataFrame or None
        Columns ``trial``, ``neuron_id`` (exact IDs), ``time`` (ms); None when streamed.
    records : dict
        ``'v'``: DataFrame indexed by time (ms), one column per recorded neuron (or
        (trial, neuron) columns): membrane potential in mV (IntFire: the state ``m``).
    t : numpy.ndarray
        Record times (ms).
    duration, dt : float
        ms; ``duration`` is the end time of the run (absolute for continued runs).
    t_start : float
        ms; start of this run (> 0 when it continued a saved state).
    n_trials, seed : int
    complete : bool
        False when the run stopped early; ``error`` says why and ``t_reached`` where.
    spikes_file : pathlib.Path or None
        Parquet file of the spikes when streamed (``spikes_to=``).
    final_state : list
        Per trial, the state arrays of each model group (to continue the run).
    dense_steps : list of int
        Per trial, steps run with the dense pass (diagnostics).
    """

    spikes: pd.DataFrame | None
    records: dict
    t: np.ndarray
    duration: float
    dt: float
    n_trials: int
    seed: int
    t_start: float = 0.0
    complete: bool = True
    error: str | None = None
    t_reached: float | None = None
    spikes_file: Path | None = None
    final_state: list = field(default_factory=list)
    dense_steps: list = field(default_factory=list)


def _spike_frame(ids, per_trial, complete=True):
    """``per_trial``: (rows, times) per trial, ``times`` owned by the caller (the frame
    keeps them without a copy: a heavy run's table is ~0.5 GB, and pandas' copies of it
    cost seconds)."""
    frames = []
    for trial, (rows, times) in enumerate(per_trial):
        frames.append(pd.DataFrame({"trial": np.full(rows.size, trial, np.int32),
                                    "neuron_id": ids[rows], "time": times}, copy=False))
    if len(frames) == 1:
        sp = frames[0]
    else:
        sp = pd.concat(frames, ignore_index=True) if frames else \
            pd.DataFrame({"trial": np.empty(0, np.int32), "neuron_id": ids[:0],
                          "time": np.empty(0)})
    sp.attrs["complete"] = bool(complete)
    return sp


def _records(ids, rec_rows, recs, t, n_trials):
    if not len(rec_rows):
        return {}
    rid = ids[np.asarray(rec_rows)]
    if n_trials == 1:
        return {"v": pd.DataFrame(recs[0], index=pd.Index(t, name="time"),
                                  columns=pd.Index(rid, name="neuron_id"))}
    cols = pd.MultiIndex.from_product([range(n_trials), rid], names=["trial", "neuron_id"])
    return {"v": pd.DataFrame(np.concatenate(recs, axis=1), index=pd.Index(t, name="time"),
                              columns=cols)}


class ResultsMixin:
    """Recording, running and result methods of :class:`~connectome_sim.network.PointNetwork`
    (state declared in ``PointNetwork.__init__``)."""

    # ---- views of the last result (navis names)
    @property
    def spikes(self):
        """Spike table of the last run (see :class:`NetworkResult`), or None."""
        return None if self.result is None else self.result.spikes

    @property
    def records(self) -> dict:
        return {} if self.result is None else self.result.records

    @property
    def t(self):
        return None if self.result is None else self.result.t

    @property
    def duration(self):
        return None if self.result is None else self.result.duration

    @property
    def dt(self):
        return None if self.result is None else self.result.dt

    @property
    def n_trials(self):
        return None if self.result is None else self.result.n_trials

    @property
    def seed_used(self):
        return None if self.result is None else self.result.seed

    @property
    def final_state(self):
        return None if self.result is None else self.result.final_state

    @property
    def spikes_file(self):
        return None if self.result is None else self.result.spikes_file

    def add_voltage_record(self, ids):
        """Record the membrane potential (mV; IntFire: the state ``m``) of ``ids`` every step.

        After :meth:`run_simulation`, ``records['v']`` is a DataFrame indexed by time (ms) with
        one column per neuron ID, or (trial, neuron) MultiIndex columns when ``n_trials > 1``.
        """
        rows = self._rows(ids, "add_voltage_record(ids)")
        for r in rows:
            if r not in self._record_rows:
                self._record_rows.append(int(r))
        return self

    def clear_records(self):
        """Stop recording every neuron."""
        self._record_rows = []
        return self

    def run_simulation(self, duration=25.0, dt=0.1, seed=None, n_trials=1, v_init=None,
                       max_spikes=50_000_000, spikes_to=None, backend="numba", chunk=1000.0,
                       max_memory=None, threads=None, overwrite=True):
        """Simulate ``duration`` ms with step ``dt`` ms.

        Parameters
        ----------
        duration : float
            ms (finite, > 0), a whole number of steps of ``dt``.
        dt : float
            Time step (ms, finite, > 0); must not exceed the smallest synaptic delay.
        seed : int, optional
            Seed of every random stream (stimulus noise, Poisson input); ``None`` = fresh.
        n_trials : int
            Independent trials (run in parallel threads), differing only in their random input.
        v_init : float, optional
            Initial membrane potential (mV), overriding the models' initial values.
        max_spikes : int
            Stop with ``SimulationError`` when a trial exceeds this many spikes.
        spikes_to : str or pathlib.Path, optional
            Stream the spikes to this parquet file in chunks of ``chunk`` ms instead of
            keeping them in memory; the path is returned.  A failed run leaves no file at
            this path (what it computed is in ``<name>.incomplete.parquet``).
        backend : {'numba', 'nest'}
            ``'nest'`` builds and runs the same network in NEST 3 (:meth:`to_nest`).
        chunk : float
            Chunk length (ms) when streaming.
        max_memory : int or str, optional
            Memory budget of the run (bytes or e.g. ``'4GB'``); default the network's
            ``max_memory``, else a share of the available memory
            (:func:`connectome_sim.network.memory.memory_budget`).
        threads : int, optional
            Cores for one trial's large groups (default all; results do not depend on it).
            With cable neurons (:meth:`add_cable_neuron`) and one trial, ``threads >= 2``
            also advances them in a thread of their own beside the point neurons.
        overwrite : bool
            With ``spikes_to``: replace an existing file (else refuse).

        Returns
        -------
        pandas.DataFrame or pathlib.Path
            :attr:`spikes` (columns ``trial``, ``neuron_id``, ``time`` in ms), or the parquet
            path with ``spikes_to``.
        """
        from .longrun import dispatch_run
        from .memory import memory_budget
        from .simulate import check_time, run_trials

        duration = check_time(duration, "duration")
        dt = check_time(dt, "dt")
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
            raise ParameterError(f"run_simulation(n_trials) must be an integer >= 1, got "
                                 f"{n_trials!r}")
        if isinstance(max_spikes, bool) or not isinstance(max_spikes, (int, np.integer)) \
                or max_spikes < 1:
            raise ParameterError(f"run_simulation(max_spikes) must be an integer >= 1, got "
                                 f"{max_spikes!r}")
        if v_init is not None:
            try:   # (text refused: float('-65') would pass, as duration='20' once did)
                ok = not is_text(v_init) and np.isfinite(float(v_init))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ParameterError(f"run_simulation(v_init) must be a finite voltage (mV), "
                                     f"got {v_init!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ParameterError(f"run_simulation(seed) must be an integer >= 0, got {seed!r}")
        if threads is not None and (isinstance(threads, bool)
                                    or not isinstance(threads, (int, np.integer)) or threads < 1):
            # (int() took threads=0 and 2.5 as 1 or 2, '4' as 4; NaN failed deep in numpy)
            raise ParameterError(f"run_simulation(threads) must be an integer >= 1 (None: all "
                                 f"cores), got {threads!r}")
        whole_steps(duration, dt, "run_simulation")   # refuses e.g. duration=5 at dt=0.3
        self._warn_inputs_outside(duration, dt)
        budget = memory_budget(max_memory if max_memory is not None else self.max_memory)
        self.result = None                   # a failed run never leaves older results behind
        self._engine_state = None
        handled = dispatch_run(self, duration=duration, dt=dt, seed=seed, n_trials=n_trials,
                               v_init=v_init, max_spikes=max_spikes, spikes_to=spikes_to,
                               backend=backend, chunk=chunk, budget=budget, threads=threads,
                               overwrite=overwrite)
        if handled is not None:
            return handled
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        runs = run_trials(self, duration, dt, int(seed), int(n_trials), v_init,
                          int(max_spikes), budget, threads)
        self._store(runs, duration, dt, int(seed), int(n_trials), 0.0)
        return self.result.spikes

    def _warn_inputs_outside(self, duration, dt):
        """InputOutsideRunWarning for every input that this run never reaches (a resumed run
        ends ``duration`` after the saved state's time)."""
        import warnings

        from ..errors import InputOutsideRunWarning
        from .inputs import inputs_outside_run

        t0 = self._resume.step * dt if self._resume is not None else 0.0
        for msg in inputs_outside_run(self, t0 + duration):
            warnings.warn(msg, InputOutsideRunWarning, stacklevel=3)

    def _store(self, runs, duration, dt, seed, n_trials, t_start, spikes=True):
        """Build ``self.result`` from finished (or failed) EngineRuns; raise for failures."""
        ids = self.ids
        failed = [r for r in runs if r.status]
        k_reached = min(r.k for r in runs)
        n_steps = int(round((duration - t_start) / dt))
        ok = not failed
        steps = n_steps if ok else max(k_reached - runs[0].k0, 0)
        t = (np.arange(steps) + runs[0].k0) * dt
        sp = _spike_frame(ids, [r.spikes() for r in runs], ok) if spikes else None
        recs = [r.rec[:steps] for r in runs]
        self.result = NetworkResult(
            spikes=sp, records=_records(ids, self._record_rows, recs, t, n_trials), t=t,
            duration=duration, dt=dt, n_trials=n_trials, seed=seed, t_start=t_start,
            complete=ok, t_reached=(k_reached * dt) if not ok else duration,
            final_state=[r.states() for r in runs], dense_steps=[r.dense_steps() for r in runs])
        self._engine_state = runs if ok else None
        groups = [r.cable for r in runs if getattr(r, "cable", None) is not None]
        if groups:
            from ..multiscale.run import store_results

            store_results(self, groups[0].setup, groups, ok)
        if failed:
            from .simulate import raise_for_status

            r = failed[0]
            try:
                raise_for_status(r.status, r.trial, r.t_fail, r.max_spikes, ids,
                                 r.nonfinite_rows(), dt, r.budget,
                                 message=getattr(r, "fail_message", None))
            except SimulationError as exc:
                self.result.error = str(exc)
                err = SimulationError(
                    f"{exc}. What ran until then (t < {r.t_fail:g} ms) is in net.result, "
                    "marked incomplete (net.result.complete is False)")
                err.reason = str(exc)       # (without the Python advice: front ends use it)
                raise err from None

    def _need_run(self):
        if self.result is None:
            raise RuntimeError("no results yet: call run_simulation() first")
        if not self.result.complete:
            raise SimulationError(f"the last run did not complete ({self.result.error}); its "
                                  "partial spikes are in net.result.spikes; rerun before "
                                  "computing rates")
        if self.result.spikes is None:
            raise RuntimeError("the last run streamed its spikes to "
                               f"{self.result.spikes_file}; read them with pandas.read_parquet")

    def get_spike_counts(self, bin_size=50, subset=None, rolling_window=None, group=False,
                         trial=None):
        """Spike counts per neuron (rows, IDs) and time bin (columns: right bin edges, ms).

        Parameters
        ----------
        bin_size : float or None
            Bin width (ms, > 0); ``None`` gives one column of total counts.
        subset : IDs, optional
        rolling_window : int, optional
            Rolling mean over this many bins.
        group : bool
            Sum rows by label.
        trial : int, optional
            One trial; default: mean over trials.
        """
        self._need_run()
        res = self.result
        if trial is not None:       # a trial that was not run gave all-zero counts
            check_whole(trial, "trial", high=res.n_trials - 1)
        if rolling_window is not None:      # in bins; 0 or None: no rolling mean
            check_whole(rolling_window, "rolling_window")
        sp = res.spikes if trial is None else res.spikes[res.spikes.trial == trial]
        ids = self.ids if subset is None else self.ids[self._rows(subset, "subset")]
        n_tr = 1 if trial is not None else res.n_trials
        t0 = res.t_start
        if bin_size is None:
            edges = np.array([t0, res.duration])
        else:
            bs = float(bin_size)
            if not np.isfinite(bs) or bs <= 0:
                raise ParameterError(f"bin_size must be > 0 ms, got {bin_size!r}")
            edges = np.arange(t0, res.duration + bs, bs)
            if edges[-1] < res.duration:
                edges = np.append(edges, res.duration)
        rows = pd.Index(ids).get_indexer(sp.neuron_id.to_numpy())
        keep = rows >= 0
        b = np.clip(np.searchsorted(edges, sp.time.to_numpy()[keep], side="right") - 1, 0,
                    len(edges) - 2)
        counts = np.zeros((len(ids), len(edges) - 1))
        np.add.at(counts, (rows[keep], b), 1)
        counts /= n_tr
        df = pd.DataFrame(counts, index=pd.Index(ids, name="neuron_id"), columns=edges[1:])
        if rolling_window:
            df = df.T.rolling(rolling_window, min_periods=1).mean().T
        if group:
            df = df.groupby(self.labels.loc[ids].to_numpy()).sum()
        return df

    def firing_rates(self, subset=None, start=None, stop=None):
        """Mean and sd over trials of each neuron's firing rate (Hz) in [start, stop) ms."""
        self._need_run()
        res = self.result
        # a window reaching outside the run would divide its spikes by time not simulated
        start = res.t_start if start is None else check_number(
            start, "start", low=res.t_start, high=res.duration, unit="ms (within the last run)")
        stop = res.duration if stop is None else check_number(
            stop, "stop", low=res.t_start, high=res.duration, unit="ms (within the last run)")
        if not stop > start:
            raise ParameterError(f"firing_rates: stop ({stop}) must be after start ({start}) ms")
        ids = self.ids if subset is None else self.ids[self._rows(subset, "subset")]
        sp = res.spikes[(res.spikes.time >= start) & (res.spikes.time < stop)]
        rows = pd.Index(ids).get_indexer(sp.neuron_id.to_numpy())
        keep = rows >= 0
        c = np.zeros((res.n_trials, len(ids)))
        np.add.at(c, (sp.trial.to_numpy()[keep], rows[keep]), 1)
        r = c / ((stop - start) / 1000.0)
        return pd.DataFrame({"mean": r.mean(0), "sd": r.std(0, ddof=1) if res.n_trials > 1
                             else np.zeros(len(ids))}, index=pd.Index(ids, name="neuron_id"))

    def plot_raster(self, *args, **kwargs):
        """Raster plot (see :func:`connectome_sim.plotting.plot_raster`)."""
        from ..plotting import plot_raster

        return plot_raster(self, *args, **kwargs)

    def plot_traces(self, *args, **kwargs):
        """Firing-rate traces (see :func:`connectome_sim.plotting.plot_traces`)."""
        from ..plotting import plot_traces

        return plot_traces(self, *args, **kwargs)

    @property
    def stimuli(self):
        """Stimulus specifications (start/stop ms, neuron IDs, label) as a DataFrame."""
        rows = []
        for st in self._stimuli:
            rows.append({"kind": st.kind, "label": st.label, "start": st.start, "stop": st.stop,
                         "neuron_ids": list(self.ids[np.unique(st.neurons)])})
        return pd.DataFrame(rows, columns=["kind", "label", "start", "stop", "neuron_ids"])
