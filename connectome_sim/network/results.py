"""Running a :class:`PointNetwork` and reading its results as pandas objects (ms, Hz, mV)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["ResultsMixin"]


class ResultsMixin:
    """Recording, running and result methods of :class:`~connectome_sim.network.PointNetwork`."""

    def add_voltage_record(self, ids):
        """Record the membrane potential (mV; IntFire: the state ``m``) of ``ids`` every step.

        After :meth:`run_simulation`, ``records['v']`` is a DataFrame indexed by time (ms) with
        one column per neuron ID, or (trial, neuron) MultiIndex columns when ``n_trials > 1``.
        """
        rows = self._rows(ids)
        for r in rows:
            if r not in self._record_rows:
                self._record_rows.append(int(r))
        return self

    def run_simulation(self, duration=25.0, dt=0.1, seed=None, n_trials=1, v_init=None,
                       max_spikes=50_000_000, spikes_to=None, backend="numba", chunk=1000.0):
        """Simulate ``duration`` ms with step ``dt`` ms.

        Parameters
        ----------
        duration : float
            ms.
        dt : float
            Time step (ms); must not exceed the smallest synaptic delay.
        seed : int, optional
            Seed of every random stream (stimulus noise, Poisson input); ``None`` = fresh.
        n_trials : int
            Independent trials (run in parallel threads), differing only in their random input.
        v_init : float, optional
            Initial membrane potential (mV), overriding the model's initial value.
        max_spikes : int
            Stop with ``SimulationError`` when a trial exceeds this many spikes (runaway guard,
            bounds memory at ~12 bytes per spike).
        spikes_to : str or pathlib.Path, optional
            Stream the spikes to this parquet file in chunks of ``chunk`` ms instead of
            keeping them in memory (bounded memory for long runs); the path is returned.
            See :mod:`connectome_sim.network.longrun`.
        backend : {'numba', 'nest'}
            ``'nest'`` builds and runs the same network in NEST 3 (:meth:`to_nest`).
        chunk : float
            Chunk length (ms) when streaming.

        Returns
        -------
        pandas.DataFrame
            :attr:`spikes` (columns ``trial``, ``neuron_id``, ``time`` in ms).
        """
        from .simulate import compile_network, run_trials

        # --- issue 8 hook (connectome_sim/network/longrun.py): NEST backend, spikes_to=,
        # runs continuing a load_state(); returns None for an ordinary run, seed fixed ---
        from .longrun import dispatch_run

        handled = dispatch_run(self, duration=duration, dt=dt, seed=seed, n_trials=n_trials,
                               v_init=v_init, max_spikes=max_spikes, spikes_to=spikes_to,
                               backend=backend, chunk=chunk)
        if handled is not None:
            return handled
        seed = self.seed_used
        # --- end of issue 8 hook ---
        if duration <= 0 or dt <= 0:
            raise ValueError(f"duration and dt must be > 0 ms, got {duration}, {dt}")
        if int(n_trials) < 1:
            raise ValueError(f"n_trials must be >= 1, got {n_trials}")
        comp = compile_network(self)
        out = run_trials(self, comp, float(duration), float(dt), seed, int(n_trials), v_init,
                         int(max_spikes))
        ids = self.ids
        frames = []
        for trial, (sp_i, sp_t, rec, S) in enumerate(out):
            # (time, neuron) order; the clock kernel already emits it (a linear check instead
            # of a sort saved ~10 % of a warm larva run), the event kernel does not
            dt_, di_ = np.diff(sp_t), np.diff(sp_i)
            if not ((dt_ > 0) | ((dt_ == 0) & (di_ > 0))).all():
                order = np.lexsort((sp_i, sp_t))
                sp_i, sp_t = sp_i[order], sp_t[order]
            frames.append(pd.DataFrame({"trial": np.full(sp_i.size, trial, np.int32),
                                        "neuron_id": ids[sp_i], "time": sp_t}))
        self.spikes = pd.concat(frames, ignore_index=True)
        self.duration = float(duration)
        self.dt = float(dt)
        self.n_trials = int(n_trials)
        self.final_state = [o[3] for o in out]
        n_steps = out[0][2].shape[0] if self._record_rows else int(round(duration / dt))
        self.t = np.arange(n_steps) * dt
        self.records = {}
        if self._record_rows:
            rid = ids[np.asarray(self._record_rows)]
            if n_trials == 1:
                self.records["v"] = pd.DataFrame(out[0][2], index=pd.Index(self.t, name="time"),
                                                 columns=pd.Index(rid, name="neuron_id"))
            else:
                cols = pd.MultiIndex.from_product([range(n_trials), rid],
                                                  names=["trial", "neuron_id"])
                data = np.concatenate([o[2] for o in out], axis=1)
                self.records["v"] = pd.DataFrame(data, index=pd.Index(self.t, name="time"),
                                                 columns=cols)
        return self.spikes

    def _need_run(self):
        if self.spikes is None:
            raise RuntimeError("no results yet: call run_simulation() first")

    def get_spike_counts(self, bin_size=50, subset=None, rolling_window=None, group=False,
                         trial=None):
        """Spike counts per neuron (rows, IDs) and time bin (columns: right bin edges, ms).

        Parameters
        ----------
        bin_size : float or None
            Bin width (ms); ``None`` gives one column of total counts.
        subset : IDs, optional
        rolling_window : int, optional
            Rolling mean over this many bins.
        group : bool
            Sum rows by label.
        trial : int, optional
            One trial; default: mean over trials.
        """
        self._need_run()
        sp = self.spikes if trial is None else self.spikes[self.spikes.trial == trial]
        ids = self.ids if subset is None else self.ids[self._rows(subset)]
        n_tr = 1 if trial is not None else self.n_trials
        if bin_size is None:
            edges = np.array([0.0, self.duration])
        else:
            edges = np.arange(0.0, self.duration + bin_size, bin_size)
            if edges[-1] < self.duration:
                edges = np.append(edges, self.duration)
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

    def firing_rates(self, subset=None, start=0.0, stop=None):
        """Mean and sd over trials of each neuron's firing rate (Hz) in [start, stop) ms."""
        self._need_run()
        stop = self.duration if stop is None else stop
        ids = self.ids if subset is None else self.ids[self._rows(subset)]
        sp = self.spikes[(self.spikes.time >= start) & (self.spikes.time < stop)]
        rows = pd.Index(ids).get_indexer(sp.neuron_id.to_numpy())
        keep = rows >= 0
        c = np.zeros((self.n_trials, len(ids)))
        np.add.at(c, (sp.trial.to_numpy()[keep], rows[keep]), 1)
        r = c / ((stop - start) / 1000.0)
        return pd.DataFrame({"mean": r.mean(0), "sd": r.std(0, ddof=1) if self.n_trials > 1
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
                         "neuron_ids": list(self.ids[st.neurons])})
        return pd.DataFrame(rows, columns=["kind", "label", "start", "stop", "neuron_ids"])


_ = ParameterError
