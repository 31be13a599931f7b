"""Inputs of a :class:`PointNetwork`: spike-train stimuli, Poisson input, spike times, currents,
silencing.

Stimuli are stored as specifications and turned into event arrays per trial at run time.
Randomness comes from :func:`connectome_sim.stimuli.make_rng` keyed by (seed, trial, the
number of earlier stimuli on the neuron, the neuron's ID): a neuron's random input does not
depend on which other neurons are in the network or driven, nor on the number of threads.
The streams are built with :func:`~connectome_sim.stimuli.make_rngs` and the trains are
assembled for all neurons at once; only the random draws are per neuron.  Times in ms, rates
in Hz, currents in nA, weights in the target model's weight unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError, SimulationError, check_number, is_text
from ..ids import align_by_id
from ..stimuli import make_rng, make_rngs, netstim_trains

__all__ = ["Stimulus", "PoissonInput", "SpikeTimes", "Current", "InputsMixin", "id_words"]

_SHARED = 0xFFFFFFFF       # stream key of shared (independent=False) trains


def id_words(ids) -> np.ndarray:
    """Two 32-bit words per neuron ID (int64/uint64 bits, or an 8-byte BLAKE2 hash of a
    string ID), as stream keys: ``int64[n, 2]``."""
    ids = np.asarray(ids)
    if ids.dtype.kind in "iu":
        u = ids.astype(np.int64).view(np.uint64) if ids.dtype.kind == "i" else ids.astype(np.uint64)
    else:
        u = np.array([int.from_bytes(hashlib.blake2b(str(s).encode(), digest_size=8).digest(),
                                     "little") for s in ids], dtype=np.uint64)
    return np.stack([(u >> np.uint64(32)).astype(np.int64),
                     (u & np.uint64(0xFFFFFFFF)).astype(np.int64)], axis=1)


@dataclass
class Stimulus:
    """NetStim-like spike trains (navis ``add_stimulus`` semantics)."""

    neurons: np.ndarray          # network rows
    keys: np.ndarray             # int64[n, 3]: (earlier stimuli on the neuron, ID words)
    start: float
    stop: float
    frequency: np.ndarray        # Hz per neuron
    randomness: float
    independent: bool
    weight: np.ndarray           # per neuron, target model's unit
    label: str | None = None
    kind: str = "netstim"

    def events(self, net, seed, trial, index, duration, clock_dt, budget=None):
        """(times ms, network rows, weights) of this stimulus for one trial."""
        stop = min(self.stop, duration)
        pos = np.flatnonzero(self.frequency > 0)
        rngs = None
        if self.randomness > 0:
            last = self.keys[pos] if self.independent else np.zeros((pos.size, 1), np.int64)
            rngs = make_rngs(seed, trial, *(() if self.independent else (_SHARED, index)),
                             last=last)
        f = self.frequency[pos]
        interval = 1000.0 / f
        # NetStim's number = int((stop - start) * f / 1000) (truncation, as navis's int()),
        # from the train's own stop, not the run's end: a train reaching past the run keeps
        # every event inside it.  A product a few ulps below an integer counts as that
        # integer: with stop = start + 17 periods at f = 1000 / 21.9 Hz it is
        # 16.999999999999996, and plain int() silently dropped the last event.
        with np.errstate(invalid="ignore", over="ignore"):
            number = np.floor((self.stop - self.start) * f / 1000.0 * (1.0 + 1e-12))
        # ... but never more than can fall before the run's end (a background train has
        # stop = inf): each interval is at least (1 - randomness) * interval, and for
        # randomness near 1 the count is Poisson-like, bounded here 10 sigma above its mean
        span = max(stop - self.start, 0.0)
        mean = span / interval
        fit = np.ceil(span / np.maximum((1.0 - self.randomness) * interval, 1e-300)) + 1
        if self.randomness > 0:
            fit = np.minimum(fit, np.ceil(mean + 10.0 * np.sqrt(mean) + 10.0))
        number = np.minimum(number, fit).astype(np.int64)
        t, counts = netstim_trains(self.start, number, interval, self.randomness, rngs, stop)
        return (t, np.repeat(self.neurons[pos].astype(np.int64), counts),
                np.repeat(self.weight[pos], counts))


@dataclass
class PoissonInput:
    """Shiu et al.'s ``PoissonInput`` (N = 1): each step an event with probability rate*dt.

    For clock-driven networks this is a Bernoulli draw per time step (as Brian2 does); for
    networks of event-driven models only, a Poisson process in continuous time.
    """

    neurons: np.ndarray
    keys: np.ndarray
    rate: np.ndarray             # Hz per neuron
    start: float
    stop: float
    weight: np.ndarray
    label: str | None = None
    kind: str = "poisson"

    def events(self, net, seed, trial, index, duration, clock_dt, budget=None):
        """(times ms, network rows, weights) of this input for one trial."""
        stop = min(self.stop, duration)
        self._check_size(net, stop, budget)
        if clock_dt is not None:
            t, pos = self._clock_events(seed, trial, stop, clock_dt)
        else:
            ts, ps = [], []
            for q in np.flatnonzero(self.rate > 0) if stop > self.start else []:
                rng = make_rng(seed, trial, *self.keys[q])
                n = rng.poisson(self.rate[q] * (stop - self.start) / 1000.0)
                ts.append(np.sort(rng.uniform(self.start, stop, size=n)))
                ps.append(np.full(n, q, np.int64))
            t = np.concatenate(ts) if ts else np.empty(0)
            pos = np.concatenate(ps) if ps else np.empty(0, np.int64)
        return t, self.neurons[pos].astype(np.int64), self.weight[pos]

    def _check_size(self, net, stop, budget=None):
        """The events of one trial are drawn at once: refuse, before drawing, a count that
        does not fit the memory budget (bytes: the run's, else the network's ``max_memory``;
        numpy would fail with a bare MemoryError, or swap)."""
        from .memory import memory_budget

        span = max(stop - self.start, 0.0)
        mean = float(np.sum(self.rate[self.rate > 0])) * span / 1000.0
        need = 48.0 * (mean + 10.0 * np.sqrt(mean + 1.0))    # draws, sums, times, rows, weights
        if budget is None:
            budget = memory_budget(getattr(net, "max_memory", None))
        if need > budget:
            what = f"Poisson input {self.label!r}" if self.label else "Poisson input"
            raise SimulationError(
                f"{what}: about {mean:.3g} input spikes over {span:g} ms would need "
                f"{need / 2 ** 30:.3g} GiB, more than the memory budget "
                f"({budget / 2 ** 30:.3g} GiB); shorten the run (duration=), lower the rate, "
                "or raise max_memory=")

    def _clock_events(self, seed, trial, stop, clock_dt):
        # Bernoulli per step via geometric gaps (same law, O(events) work); only the draws
        # are per neuron, the rest is vectorised over the neurons
        pos = np.flatnonzero(self.rate > 0) if stop > self.start else np.empty(0, np.int64)
        if pos.size == 0:
            return np.empty(0), np.empty(0, np.int64)
        k0 = int(np.ceil(self.start / clock_dt - 1e-9))
        k1 = int(np.ceil(stop / clock_dt - 1e-9))
        n = k1 - k0
        p = np.minimum(self.rate[pos] * clock_dt / 1000.0, 1.0)
        est = (n * p + 10 * np.sqrt(n * p + 1) + 10).astype(np.int64)
        gaps = [rng.geometric(pq, size=e) if pq < 1 else np.ones(n, np.int64)
                for rng, pq, e in zip(make_rngs(seed, trial, last=self.keys[pos]), p.tolist(),
                                      est.tolist())]
        sizes = np.array([g.size for g in gaps], np.int64)
        cs = np.cumsum(np.concatenate(gaps))
        before = np.concatenate(([0], cs[np.cumsum(sizes)[:-1] - 1]))
        steps = (k0 - 1) + cs - np.repeat(before, sizes)
        keep = steps < k1
        return steps[keep] * clock_dt, np.repeat(pos, sizes)[keep]


@dataclass
class SpikeTimes:
    """Given spike times (ms) delivered to neurons (Brian2's ``SpikeGeneratorGroup``)."""

    neurons: np.ndarray          # network row of each event
    times: np.ndarray            # ms
    weight: np.ndarray           # per event
    start: float = 0.0
    stop: float = np.inf
    label: str | None = None
    kind: str = "spike_times"

    def events(self, net, seed, trial, index, duration, clock_dt, budget=None):
        keep = self.times < duration
        return self.times[keep], self.neurons[keep].astype(np.int64), self.weight[keep]


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


def _per_neuron(value, n, what, low=None, ids=None):
    """One float per neuron: a scalar, ``n`` values in order, or (with ``ids``) a Series/dict
    keyed by neuron ID (:func:`~connectome_sim.ids.align_by_id`)."""
    if ids is not None:
        value = align_by_id(value, ids, what)
    if is_text(value):
        raise ParameterError(f"{what}: expected numbers, got text {value!r}; pass the "
                             "numbers themselves")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{what}: expected numbers, got {value!r}") from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ParameterError(f"{what}: expected a scalar or {n} values, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} has NaN/inf values; give finite numbers")
    if low is not None and (arr < low).any():
        raise ParameterError(f"{what} must be >= {low:g}, got {arr[arr < low][:3].tolist()}")
    return arr


def _time(value, what, allow_inf=False):
    """A time >= 0 (ms), named ``what`` in the message (``what=value``)."""
    return check_number(value, what, low=0.0, allow_inf=allow_inf, unit="ms")


def _window(start, stop, what, duration=None):
    start = _time(start, "start")
    if duration is not None:
        d = check_number(duration, "duration", low=0.0, strict=True, allow_inf=True, unit="ms")
        stop = start + d
    stop = _time(stop, "stop", allow_inf=True)
    if stop <= start:
        raise ParameterError(f"{what}: stop ({stop:g} ms) must be after start ({start:g} ms)")
    return start, stop


def _who(ids, n=5) -> str:
    u = list(dict.fromkeys(v.item() if hasattr(v, "item") else v for v in ids))
    return f"{u[:n]}" + (f" and {len(u) - n} more" if len(u) > n else "")


def inputs_outside_run(net, end) -> list:
    """Messages for the inputs of ``net`` that fall at or after ``end`` (ms), the end of the
    run: a stimulus, Poisson input or current starting there delivers nothing, and spike
    times there are dropped.  (Inputs cannot start before 0: their times are checked >= 0
    where they are given.)"""
    out = []
    for st in net._stimuli:
        what = {"netstim": "add_stimulus", "poisson": "add_poisson_input",
                "spike_times": "add_spike_times"}.get(st.kind, st.kind)
        if st.label:
            what += f" {st.label!r}"
        if isinstance(st, SpikeTimes):
            late = st.times >= end
            if late.any():
                t = np.unique(st.times[late])
                out.append(f"{what}: {int(late.sum())} spike time(s) at or after the end of "
                           f"the run ({end:g} ms), e.g. {', '.join(f'{v:g}' for v in t[:3])} "
                           f"ms, onto neuron(s) {_who(net.ids[st.neurons[late]])}, are never "
                           "delivered; lengthen the run (duration=) or move them")
        elif st.start >= end:
            out.append(f"{what}: starts at {st.start:g} ms, at or after the end of the run "
                       f"({end:g} ms), so neuron(s) {_who(net.ids[st.neurons])} get nothing "
                       "from it; lengthen the run (duration=) or start it earlier")
    for cur in net._currents:
        if cur.start >= end:
            what = "add_current" + (f" {cur.label!r}" if cur.label else "")
            out.append(f"{what}: starts at {cur.start:g} ms, at or after the end of the run "
                       f"({end:g} ms), so neuron(s) {_who(net.ids[cur.neurons])} get no "
                       "current; lengthen the run (duration=) or start it earlier")
    return out


class InputsMixin:
    """Input methods of :class:`~connectome_sim.network.PointNetwork` (state declared in
    ``PointNetwork.__init__``)."""

    def _stim_keys(self, rows):
        keys = np.empty((rows.size, 3), np.int64)
        keys[:, 0] = self._stim_uses[rows]
        keys[:, 1:] = id_words(self.ids[rows])
        np.add.at(self._stim_uses, rows, 1)
        return keys

    def _refuse_cable(self, rows, what, advice=None):
        """Point-model inputs onto cable neurons are refused where given (the run would)."""
        cable = [k for k in rows.tolist() if self._models[self._model_of[k]].kind == "cable"]
        if cable:
            nid = self.ids[cable[0]]
            nid = nid.item() if hasattr(nid, "item") else nid
            raise ParameterError(
                f"{what}: neuron {nid!r} is a cable neuron"
                + (advice or " (add_cable_neuron); drive it through its CompartmentModel "
                   "(add_synaptic_input, inject_current_pulse) or through presynaptic neurons"))

    def _stim_weight(self, rows, weight, what):
        self._refuse_cable(rows, what)
        if weight is None:
            sw = np.array([m.stimulus_weight for m in self._models], float)
            return sw[self._model_of[rows]]
        return _per_neuron(weight, rows.size, f"{what}(weight)", ids=self.ids[rows])

    def add_stimulus(self, ids, start, frequency, stop=None, duration=None, randomness=0.5,
                     independent=True, label=None, weight=None):
        """Drive ``ids`` with NetStim spike trains (navis names and semantics).

        Parameters
        ----------
        ids : neuron ID or list of IDs
        start : float
            First event (ms, >= 0) when ``randomness == 0``.
        frequency : float or array
            Mean rate per neuron (Hz, >= 0); 0 gives no events.
        stop, duration : float
            End (ms, after ``start``) or length (ms, > 0) of the train; give exactly one.
            NetStim ``number`` is ``int(duration * frequency / 1000)`` (as in navis), with a
            product within 1e-12 (relative) below an integer counted as that integer, so
            ``stop = start + n / frequency`` gives ``n`` events despite rounding.  Events
            fall before ``stop`` and before the run's end; a train reaching past the run
            keeps every event inside it (the number comes from ``stop``, not the run).
        randomness : float
            NetStim ``noise`` in [0, 1] (1 = Poisson).
        independent : bool
            One train per neuron (True) or one train shared by all (False).
        label : str, optional
        weight : float or array, optional
            Weight of each event (target model's unit); default each model's
            ``stimulus_weight``.
        """
        if (stop is None) == (duration is None):
            raise ParameterError("add_stimulus: give exactly one of stop= or duration= (ms)")
        start, stop = _window(start, stop if duration is None else None, "add_stimulus",
                              duration)
        try:
            ok = 0 <= float(randomness) <= 1
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ParameterError(f"add_stimulus: randomness must be in [0, 1], got {randomness!r}")
        rows = self._rows(ids, "add_stimulus(ids)")
        freq = _per_neuron(frequency, rows.size, "add_stimulus(frequency)", low=0.0,
                           ids=self.ids[rows])
        if not independent:
            freq = np.full(rows.size, freq[0])
        w = self._stim_weight(rows, weight, "add_stimulus")
        self._stimuli.append(Stimulus(rows, self._stim_keys(rows), start, stop, freq,
                                      float(randomness), bool(independent), w, label))
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
            Per event (target model's unit); default each model's ``stimulus_weight``
            (68.75 mV for LIF).
        refractory : float or None
            Set the driven neurons' refractory period to this (ms, >= 0), as Shiu et al. do
            (0); ``None`` leaves it unchanged.
        """
        start, stop = _window(start, np.inf if stop is None else stop, "add_poisson_input")
        rows = self._rows(ids, "add_poisson_input(ids)")
        rate = _per_neuron(rate, rows.size, "add_poisson_input(rate)", ids=self.ids[rows])
        if np.any(rate < 0):
            bad = self.ids[rows[rate < 0]][:5].tolist()
            raise ParameterError(f"add_poisson_input: negative rates for neurons {bad}; rates "
                                 "are Hz >= 0")
        w = self._stim_weight(rows, weight, "add_poisson_input")
        if refractory is not None:
            refractory = _time(refractory, "refractory")
        self._stimuli.append(PoissonInput(rows, self._stim_keys(rows), rate, start, stop, w,
                                          label))
        if refractory is not None:
            for c in np.unique(self._model_of[rows]):
                m = self._models[c]
                rp = m.refractory_param
                if rp is not None:
                    sel = rows[self._model_of[rows] == c]
                    self._props[m.name][rp][sel] = float(refractory)
        return self

    def add_spike_times(self, ids, times, weight=None, label=None):
        """Deliver events at given times (ms) to ``ids`` (Brian2's ``SpikeGeneratorGroup``).

        Parameters
        ----------
        ids : ID or list of IDs
        times : array of float, or list of arrays
            One array of times (ms, finite, >= 0) for every neuron, or one array per neuron.
        weight : float, optional
            Per event (target model's unit); default each model's ``stimulus_weight``.
        """
        rows = self._rows(ids, "add_spike_times(ids)")
        if isinstance(times, (list, tuple)) and len(times) and np.ndim(times[0]) >= 1:
            if len(times) != rows.size:
                raise ParameterError(f"add_spike_times: {len(times)} arrays of times for "
                                     f"{rows.size} neurons")
            per = [np.atleast_1d(np.asarray(t, float)) for t in times]
        else:
            per = [np.atleast_1d(np.asarray(times, float))] * rows.size
        for t in per:
            bad = ~np.isfinite(t) | (t < 0)
            if bad.any():
                raise ParameterError(f"add_spike_times(times): NaN/inf/negative times "
                                     f"{t[bad][:3].tolist()}; times are ms >= 0")
        w = self._stim_weight(rows, weight, "add_spike_times")
        t = np.concatenate(per)
        n = np.concatenate([np.full(p.size, r, np.int64) for p, r in zip(per, rows)])
        ww = np.concatenate([np.full(p.size, x) for p, x in zip(per, w)])
        o = np.argsort(t, kind="stable")
        self._stimuli.append(SpikeTimes(n[o], t[o], ww[o], label=label))
        return self

    def add_current(self, ids, amplitude, start=0.0, stop=np.inf, label=None,
                    sample_interval=None):
        """Inject a constant current ``amplitude`` (nA) into ``ids`` from ``start`` to ``stop`` (ms).

        ``amplitude`` may also be a callable ``f(t)`` (t in ms, evaluated at each step's
        midpoint) or an array of amplitudes over time, one per ``sample_interval`` ms (default:
        the run's dt) starting at ``start`` (e.g. ``fi_curve.ramp_input``); see
        :class:`connectome_sim.network.fi_curve.WaveformCurrent`.
        """
        rows = self._rows(ids, "add_current(ids)")
        self._refuse_cable(rows, "add_current")
        bad = {self._models[c].name for c in np.unique(self._model_of[rows])
               if not self._models[c].supports_current}
        if bad:
            raise ParameterError(f"model(s) {sorted(bad)} take no currents (event-driven); "
                                 "use add_stimulus instead")
        start, stop = _window(start, stop, "add_current")
        amplitude = align_by_id(amplitude, self.ids[rows], "add_current(amplitude)")
        if callable(amplitude) or sample_interval is not None or (
                np.ndim(amplitude) >= 1 and np.shape(amplitude)[0] != rows.size) or np.ndim(amplitude) == 2:
            from .fi_curve import WaveformCurrent
            if not callable(amplitude):
                _per_neuron(np.ravel(amplitude), np.size(amplitude), "add_current(amplitude)")
            self._currents.append(WaveformCurrent(rows, np.ones(rows.size), start, stop, label,
                                                  amplitude, sample_interval))
            return self
        amp = _per_neuron(amplitude, rows.size, "add_current(amplitude)")
        self._currents.append(Current(rows, amp, start, stop, label))
        return self

    def silence(self, ids):
        """Silence ``ids``: their outgoing weights become 0 (they still spike; Shiu et al.)."""
        rows = self._rows(ids, "silence(ids)")
        self._silenced[rows] = True
        self._changed()
        return self

    def unsilence(self, ids=None):
        """Undo :meth:`silence` for ``ids`` (all by default)."""
        rows = np.arange(self.n_neurons) if ids is None else self._rows(ids, "unsilence(ids)")
        self._silenced[rows] = False
        self._changed()
        return self

    def clear_stimuli(self):
        """Remove every stimulus, Poisson input, spike-time input and current."""
        self._stimuli = []
        self._currents = []
        self._stim_uses[:] = 0
        return self
