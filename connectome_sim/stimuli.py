"""Spike-train generators shared by the cable and the network models.

All times are in ms, rates in Hz.  Randomness comes from :func:`make_rng`, which derives an
independent, reproducible numpy ``Generator`` from a seed and any number of integer keys
(trial number, stimulus number, neuron index...).  Because every stream is keyed rather than
drawn in sequence, results do not depend on the order in which threads consume them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["make_rng", "netstim_times", "poisson_times", "regular_times"]


def make_rng(seed: int | None, *keys: int) -> np.random.Generator:
    """Return a numpy Generator for ``seed`` and the integer ``keys``.

    Parameters
    ----------
    seed : int or None
        Base seed.  ``None`` draws fresh entropy (non-reproducible).
    *keys : int
        Stream keys, e.g. ``(trial, stimulus_index)``.  Different keys give statistically
        independent streams (numpy ``SeedSequence`` spawning semantics).
    """
    if seed is None:
        seed = np.random.SeedSequence().entropy
    return np.random.default_rng(np.random.SeedSequence([int(seed), *[int(k) for k in keys]]))


def netstim_times(start: float, number: float, interval: float, noise: float = 0.0,
                  rng: np.random.Generator | None = None, stop: float = np.inf) -> np.ndarray:
    """Event times (ms) of a NEURON ``NetStim``.

    Follows netstim.mod: the first event falls at ``start + invl - interval * (1 - noise)``
    (not earlier than 0); each next event follows after ``invl``, where
    ``invl = (1 - noise) * interval + noise * interval * Exp(1)``; ``number`` events in all.

    Parameters
    ----------
    start : float
        Time of the first event when ``noise == 0`` (ms).
    number : float
        Number of events (NEURON allows non-integers; the count is ``ceil``-free: events are
        emitted while fewer than ``number`` have been sent).
    interval : float
        Mean inter-event interval (ms); values <= 0 become 0.01 ms as in NEURON.
    noise : float
        Fraction of the interval that is exponentially distributed, clipped to [0, 1].
    rng : numpy.random.Generator, optional
        Random stream (required when ``noise > 0``).
    stop : float
        Drop events at or after this time (ms).  Not a NetStim parameter; a convenience.
    """
    noise = float(min(max(noise, 0.0), 1.0))
    if interval <= 0:
        interval = 0.01
    if start < 0 or number <= 0:
        return np.empty(0)
    if noise > 0 and rng is None:
        raise ValueError("netstim_times: noise > 0 needs an rng (see make_rng)")
    n = int(np.ceil(number))
    if noise == 0:
        inv = np.full(n, interval)
    else:
        inv = (1.0 - noise) * interval + noise * interval * rng.exponential(1.0, size=n)
    first = max(start + inv[0] - interval * (1.0 - noise), 0.0)
    times = first + np.concatenate(([0.0], np.cumsum(inv[1:])))
    return times[times < stop]


def regular_times(start: float, stop: float, frequency: float) -> np.ndarray:
    """Regular spike train: ``start, start + 1000/frequency, ...`` strictly before ``stop``.

    Parameters
    ----------
    start, stop : float
        Time window (ms).
    frequency : float
        Spike frequency (Hz); no spikes if <= 0.

    Returns
    -------
    numpy.ndarray
        Spike times (ms).
    """
    if frequency <= 0:
        return np.empty(0)
    return np.arange(start, stop, 1000.0 / frequency)


def poisson_times(rate: float, start: float, stop: float, rng: np.random.Generator) -> np.ndarray:
    """Homogeneous Poisson spike times (ms) at ``rate`` (Hz) in ``[start, stop)``.

    Parameters
    ----------
    rate : float
        Mean rate (Hz), >= 0.
    start, stop : float
        Time window (ms); empty if ``stop <= start``.
    rng : numpy.random.Generator
        Random generator, e.g. from :func:`make_rng` keyed per trial/stimulus.

    Returns
    -------
    numpy.ndarray
        Sorted spike times (ms).

    Raises
    ------
    ValueError
        If ``rate`` is negative.
    """
    if rate < 0:
        raise ValueError(f"poisson_times: rate must be >= 0 Hz, got {rate}")
    if rate == 0 or stop <= start:
        return np.empty(0)
    n = rng.poisson(rate * (stop - start) / 1000.0)
    return np.sort(rng.uniform(start, stop, size=n))
