"""Inputs of a :class:`PointNetwork`: spike-train stimuli, Poisson input, currents, silencing.

Stimuli are stored as specifications and turned into event arrays per trial at run time, with
randomness from :func:`connectome_sim.stimuli.make_rng` keyed by (seed, trial, stimulus,
neuron), so results do not depend on the number of threads.  The streams are built with
:func:`~connectome_sim.stimuli.make_rngs` (the same streams, faster) and the trains are
assembled for all neurons at once; only the random draws are per neuron.  Times in ms, rates in Hz,
currents in nA, weights in the model's weight unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..stimuli import make_rng, make_rngs, netstim_trains

__all__ = ["Stimulus", "PoissonInput", "Current", "InputsMixin"]


@dataclass
class Stimulus:
    """NetStim-like spike trains (navis ``add_stimulus`` semantics)."""

    neurons: np.ndarray          # row indices
    start: float
    stop: float
    frequency: np.ndarray        # Hz per neuron
    randomness: float
    independent: bool
    weight: float
    label: str | None = None
    kind: str = "netstim"

    def events(self, seed, trial, index, duration, clock_dt):
        """(times ms, neuron rows) of this stimulus for one trial (times < duration)."""
        stop = min(self.stop, duration)
        pos = np.flatnonzero(self.frequency > 0)
        keys = pos if self.independent else np.zeros(pos.size, np.int64)
        rngs = make_rngs(seed, trial, index, last=keys) if self.randomness > 0 else None
        f = self.frequency[pos]
        # NetStim's number = int(duration * f / 1000) (truncation, as int() per neuron)
        number = np.trunc((stop - self.start) * f / 1000.0).astype(np.int64)
        t, counts = netstim_trains(self.start, number, 1000.0 / f, self.randomness, rngs, stop)
        return t, np.repeat(self.neurons[pos].astype(np.int64), counts)


@dataclass
class PoissonInput:
    """Shiu et al.'s ``PoissonInput`` (N = 1): each step an event with probability rate*dt.

    For clock-driven models this is a Bernoulli draw per time step (as Brian2 does); for
    event-driven models a Poisson process in continuous time.
    """

    neurons: np.ndarray
    rate: np.ndarray             # Hz per neuron
    start: float
    stop: float
    weight: float
    label: str | None = None
    kind: str = "poisson"

    def events(self, seed, trial, index, duration, clock_dt):
        """(times ms, neuron rows) of this input for one trial, neuron by neuron."""
        stop = min(self.stop, duration)
        if clock_dt is not None:
            return self._clock_events(seed, trial, index, stop, clock_dt)
        ts, ns = [], []
        for pos, (row, r) in enumerate(zip(self.neurons, self.rate)):
            if r <= 0 or stop <= self.start:
                continue
            rng = make_rng(seed, trial, index, pos)
            n = rng.poisson(r * (stop - self.start) / 1000.0)
            t = np.sort(rng.uniform(self.start, stop, size=n))
            ts.append(t)
            ns.append(np.full(t.size, row, np.int64))
        if not ts:
            return np.empty(0), np.empty(0, np.int64)
        return np.concatenate(ts), np.concatenate(ns)

    def _clock_events(self, seed, trial, index, stop, clock_dt):
        # Bernoulli per step via geometric gaps (same law, O(events) work).  One stream per
        # neuron (make_rng(seed, trial, index, position)); only the draws are per neuron, the
        # rest is vectorised over the neurons (it was ~60 % of the time of this function).
        pos = np.flatnonzero(self.rate > 0) if stop > self.start else np.empty(0, np.int64)
        if pos.size == 0:
            return np.empty(0), np.empty(0, np.int64)
        k0 = int(np.ceil(self.start / clock_dt - 1e-9))
        k1 = int(np.ceil(stop / clock_dt - 1e-9))
        n = k1 - k0
        p = np.minimum(self.rate[pos] * clock_dt / 1000.0, 1.0)
        est = (n * p + 10 * np.sqrt(n * p + 1) + 10).astype(np.int64)
        gaps = [rng.geometric(pq, size=e) if pq < 1 else np.ones(n, np.int64)
                for rng, pq, e in zip(make_rngs(seed, trial, index, last=pos), p.tolist(),
                                      est.tolist())]
        sizes = np.array([g.size for g in gaps], np.int64)
        cs = np.cumsum(np.concatenate(gaps))
        # per-neuron cumulative sums: subtract the total of the neurons before
        before = np.concatenate(([0], cs[np.cumsum(sizes)[:-1] - 1]))
        steps = (k0 - 1) + cs - np.repeat(before, sizes)
        keep = steps < k1
        rows = np.repeat(self.neurons[pos].astype(np.int64), sizes)
        return steps[keep] * clock_dt, rows[keep]


@dataclass
class Current:
    """Injected current (nA) into ``neurons`` from ``start`` to ``stop`` (ms).

    ``segments(dt, n_steps)`` returns piecewise-constant pieces ``(rows, k0, k1, amp)``; a
    subclass can return many short pieces to describe ramps or sampled waveforms.
    """

    neurons: np.ndarray
    amplitude: np.ndarray        # nA per neuron
    start: float
    stop: float
    label: str | None = None

    def segments(self, dt, n_steps):
        k0 = int(np.floor(self.start / dt + 1e-6))
        # stop=np.inf (the default of add_current) means "to the end of the run"; int(inf)
        # would raise OverflowError, and huge finite stops must not overflow either.
        end = self.stop / dt + 1e-6
        k1 = n_steps if not np.isfinite(end) or end >= n_steps else int(np.floor(end))
        n = self.neurons.size
        return (self.neurons, np.full(n, k0, np.int64), np.full(n, max(k0, k1), np.int64),
                np.asarray(self.amplitude, float))


def _per_neuron(value, n, what):
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ParameterError(f"{what}: expected a scalar or {n} values, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} has NaN/inf values")
    return arr


class InputsMixin:
    """Input methods of :class:`~connectome_sim.network.PointNetwork`."""

    def add_stimulus(self, ids, start, frequency, stop=None, duration=None, randomness=0.5,
                     independent=True, label=None, weight=None):
        """Drive ``ids`` with NetStim spike trains (navis names and semantics).

        Parameters
        ----------
        ids : neuron ID or list of IDs
        start : float
            First event (ms) when ``randomness == 0``.
        frequency : float or array
            Mean rate per neuron (Hz); values <= 0 are skipped.
        stop, duration : float
            End (ms) or length (ms) of the train; give exactly one.  NetStim ``number`` is
            ``int(duration * frequency / 1000)``.
        randomness : float
            NetStim ``noise`` in [0, 1] (1 = Poisson).
        independent : bool
            One train per neuron (True) or one train shared by all (False).
        label : str, optional
        weight : float, optional
            Weight of each event (model units); default ``model.stimulus_weight``.
        """
        if (stop is None) == (duration is None):
            raise ValueError("add_stimulus: give exactly one of stop= or duration= (ms)")
        if stop is None:
            stop = start + duration
        if not 0 <= randomness <= 1:
            raise ValueError(f"add_stimulus: randomness must be in [0, 1], got {randomness}")
        rows = self._rows(ids)
        freq = _per_neuron(frequency, rows.size, "frequency")
        if not independent:
            freq = np.full(rows.size, freq[0])
        w = self.model.stimulus_weight if weight is None else float(weight)
        self._stimuli.append(Stimulus(rows, float(start), float(stop), freq, float(randomness),
                                      bool(independent), w, label))
        return self

    def add_background_noise(self, ids, frequency, randomness=0.5, independent=True, weight=None):
        """Background NetStim trains on ``ids`` for the whole run (``frequency`` Hz)."""
        return self.add_stimulus(ids, start=0.0, frequency=frequency, stop=np.inf,
                                 randomness=randomness, independent=independent,
                                 label="background", weight=weight)

    def add_poisson_input(self, ids, rate, start=0.0, stop=None, weight=None, refractory=0.0,
                          label=None):
        """Shiu et al. 2024 Poisson drive: an event with probability ``rate * dt`` per step.

        Parameters
        ----------
        ids : IDs of the driven neurons
        rate : float or array
            Hz (>= 0).
        start, stop : float
            ms; ``stop=None`` runs to the end.
        weight : float, optional
            Per event (model units); default ``model.stimulus_weight`` (68.75 mV for LIF).
        refractory : float or None
            Set the driven neurons' refractory period to this (ms), as Shiu et al. do (0);
            ``None`` leaves it unchanged.
        """
        rows = self._rows(ids)
        rate = _per_neuron(rate, rows.size, "rate")
        if np.any(rate < 0):
            bad = [self._ids[r] for r in rows[rate < 0]]
            raise ValueError(f"add_poisson_input: negative rates for neurons {bad}; rates are Hz >= 0")
        w = self.model.stimulus_weight if weight is None else float(weight)
        self._stimuli.append(PoissonInput(rows, rate, float(start),
                                          np.inf if stop is None else float(stop), w, label))
        rp = self.model.refractory_param
        if refractory is not None and rp is not None:
            self._props[rp][rows] = float(refractory)
        return self

    def add_current(self, ids, amplitude, start=0.0, stop=np.inf, label=None,
                    sample_interval=None):
        """Inject a constant current ``amplitude`` (nA) into ``ids`` from ``start`` to ``stop`` (ms).

        ``amplitude`` may also be a callable ``f(t)`` (t in ms, evaluated at each step's
        midpoint) or an array of amplitudes over time, one per ``sample_interval`` ms (default:
        the run's dt) starting at ``start`` (e.g. ``fi_curve.ramp_input``); see
        :class:`connectome_sim.network.fi_curve.WaveformCurrent`.
        """
        if not self.model.supports_current:
            raise ParameterError(f"model {self.model.name} takes no currents (event-driven); "
                                 "use add_stimulus instead")
        rows = self._rows(ids)
        if callable(amplitude) or sample_interval is not None or (
                np.ndim(amplitude) >= 1 and np.shape(amplitude)[0] != rows.size) or np.ndim(amplitude) == 2:
            from .fi_curve import WaveformCurrent
            self._currents.append(WaveformCurrent(rows, np.ones(rows.size), float(start),
                                                  float(stop), label, amplitude, sample_interval))
            return self
        amp = _per_neuron(amplitude, rows.size, "amplitude")
        self._currents.append(Current(rows, amp, float(start), float(stop), label))
        return self

    def silence(self, ids):
        """Silence ``ids``: their outgoing weights become 0 (they still spike; Shiu et al.)."""
        rows = self._rows(ids)
        self._silenced[rows] = True
        return self

    def clear_stimuli(self):
        """Remove every stimulus, Poisson input and current."""
        self._stimuli = []
        self._currents = []
        return self
