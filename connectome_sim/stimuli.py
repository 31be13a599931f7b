"""Spike-train generators shared by the cable and the network models.

All times are in ms, rates in Hz.  Randomness comes from :func:`make_rng`, which derives an
independent, reproducible numpy ``Generator`` from a seed and any number of integer keys
(trial number, stimulus number, neuron index...).  Because every stream is keyed rather than
drawn in sequence, results do not depend on the order in which threads consume them.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError, check_number

__all__ = ["make_rng", "make_rngs", "netstim_times", "netstim_trains", "poisson_times",
           "regular_times", "check_spike_times"]


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


# numpy's SeedSequence (bit_generator.pyx) and PCG64 seeding (pcg64.c) constants
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_M32 = 0xFFFFFFFF
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_M128 = (1 << 128) - 1


def _words(x: int) -> list:
    """``x`` as little-endian 32-bit words (SeedSequence's coercion of an int)."""
    if x == 0:
        return [0]
    out = []
    while x > 0:
        out.append(x & _M32)
        x >>= 32
    return out


def _pcg64_states(seed: int, keys: tuple, last: np.ndarray) -> list:
    """PCG64 ``(state, inc)`` of ``default_rng(SeedSequence([seed, *keys, *l]))`` for each row
    ``l`` of ``last`` (shape ``(M, k)``, 32-bit words).

    SeedSequence's entropy mixing and ``generate_state(4, uint64)`` evaluated in numpy for all
    streams at once (uint32 arithmetic), then PCG64's ``srandom`` (128-bit, Python ints).
    """
    head = _words(int(seed))
    for k in keys:
        head += _words(int(k))
    M, n_last = last.shape
    ent = np.empty((len(head) + n_last, M), np.uint64)
    ent[:len(head)] = np.array(head, np.uint64)[:, None]
    ent[len(head):] = last.T
    hc = [_INIT_A]

    def hashmix(v):
        v = v ^ np.uint64(hc[0])
        hc[0] = (hc[0] * _MULT_A) & _M32
        v = (v * np.uint64(hc[0])) & np.uint64(_M32)
        return v ^ (v >> np.uint64(16))

    def mix(x, y):
        r = (np.uint64(_MIX_L) * x - np.uint64(_MIX_R) * y) & np.uint64(_M32)
        return r ^ (r >> np.uint64(16))

    pool = [hashmix(ent[i] if i < len(ent) else np.zeros(M, np.uint64)) for i in range(4)]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for i_src in range(4, len(ent)):
        for i_dst in range(4):
            pool[i_dst] = mix(pool[i_dst], hashmix(ent[i_src]))
    hb = _INIT_B
    w = []
    for i in range(8):
        v = pool[i % 4] ^ np.uint64(hb)
        hb = (hb * _MULT_B) & _M32
        v = (v * np.uint64(hb)) & np.uint64(_M32)
        w.append((v ^ (v >> np.uint64(16))).tolist())
    out = []
    for m in range(M):
        # generate_state(4, uint64): 32-bit words pairwise little-endian
        v0, v1, v2, v3 = (w[2 * j][m] | (w[2 * j + 1][m] << 32) for j in range(4))
        initstate = (v0 << 64) | v1
        inc = (((v2 << 64) | v3) << 1 | 1) & _M128
        # srandom: state = 0; step (state = inc); state += initstate; step
        state = ((inc + initstate) * _PCG_MULT + inc) & _M128
        out.append((state, inc))
    return out


def make_rngs(seed: int | None, *keys: int, last):
    """Yield the generators ``make_rng(seed, *keys, l)`` for each ``l`` in ``last``.

    Same streams as :func:`make_rng`, ~2x faster when there are many (one per driven neuron):
    the SeedSequence hashing runs in numpy for all streams and one PCG64 is re-seeded in
    place.  **Each yielded generator is valid only until the next one is yielded** (draw
    from it first).

    Parameters
    ----------
    seed : int or None
        Base seed (``None``: fresh entropy per stream, as :func:`make_rng`).
    *keys : int
        Leading stream keys (e.g. trial, stimulus index).
    last : sequence of int, or 2-D array of shape (streams, k)
        Last key of each stream (e.g. the neuron's position), or the last ``k`` keys of each
        stream (e.g. a stimulus count and the two 32-bit halves of a 64-bit neuron ID).

    Yields
    ------
    numpy.random.Generator
    """
    last = np.asarray(last, dtype=np.int64)
    last = last.reshape(-1, 1) if last.ndim < 2 else last
    if (seed is None or int(seed) < 0 or any(int(k) < 0 for k in keys) or last.size == 0
            or last.min() < 0 or last.max() > _M32):
        for x in last.tolist():
            yield make_rng(seed, *keys, *x)
        return
    bg = np.random.PCG64()
    gen = np.random.Generator(bg)
    for state, inc in _pcg64_states(int(seed), keys, last.astype(np.uint64)):
        bg.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                    "has_uint32": 0, "uinteger": 0}
        yield gen


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
    start, number, interval, noise = _netstim_args(start, number, interval, noise)
    noise = float(min(max(noise, 0.0), 1.0))
    if interval <= 0:
        interval = 0.01
    if start < 0 or number <= 0 or math.isinf(start):
        return np.empty(0)
    if noise > 0 and rng is None:
        raise ValueError("netstim_times: noise > 0 needs an rng (see make_rng)")
    n = int(np.ceil(number))
    if noise == 0 and np.isfinite(stop):   # NEURON's "number = 1e9" idiom: only what fits
        n = min(n, max(int(np.ceil((stop - start) / interval)) + 2, 1))
    if noise == 0:
        inv = np.full(n, interval)
    else:
        inv = (1.0 - noise) * interval + noise * interval * rng.exponential(1.0, size=n)
    first = max(start + inv[0] - interval * (1.0 - noise), 0.0)
    times = first + np.concatenate(([0.0], np.cumsum(inv[1:])))
    return times[times < stop]


def netstim_trains(start: float, numbers, intervals, noise: float = 0.0, rngs=None,
                   stop: float = np.inf):
    """Many NetStim trains at once: ``netstim_times(start, numbers[j], intervals[j], noise,
    rngs[j], stop)`` for each ``j``, concatenated (identical values, vectorised).

    Parameters
    ----------
    start : float
        Time of the first event when ``noise == 0`` (ms); no events if negative.
    numbers : array of int
        Number of events of each train.
    intervals : array of float
        Mean inter-event interval of each train (ms, > 0).
    noise : float
        NetStim ``noise`` in [0, 1].
    rngs : iterable of numpy.random.Generator, optional
        One per train (required when ``noise > 0``); each is drawn from before the next is
        taken, so :func:`make_rngs` can feed it.
    stop : float
        Drop events at or after this time (ms).

    Returns
    -------
    times : numpy.ndarray
        Event times (ms), train after train.
    counts : numpy.ndarray
        Events kept per train (int64).
    """
    check_number(start, "start", allow_inf=True, unit="ms")
    check_number(noise, "noise")
    check_number(stop, "stop", allow_inf=True, unit="ms")
    intervals = np.asarray(intervals, dtype=np.float64)
    numbers = np.asarray(numbers)
    if not np.all(np.isfinite(intervals)):
        raise ParameterError("netstim_trains: intervals must be finite (ms)")
    if numbers.dtype.kind == "f" and not np.all(np.isfinite(numbers)):
        raise ParameterError("netstim_trains: numbers must be finite")
    noise = float(min(max(noise, 0.0), 1.0))
    numbers = np.maximum(numbers.astype(np.int64), 0)
    m = numbers.size
    if start < 0 or m == 0 or numbers.max() == 0:
        return np.empty(0), np.zeros(m, np.int64)
    if noise > 0 and rngs is None:
        raise ValueError("netstim_trains: noise > 0 needs one rng per train (see make_rngs)")
    width = int(numbers.max())
    if m * width > 4 * int(numbers.sum()) + 4096:
        # very unequal trains: padding to the longest would waste memory; one by one
        rngs = iter(rngs) if rngs is not None else None
        ts = [netstim_times(start, nj, ij, noise, next(rngs) if rngs is not None else None,
                            stop) for nj, ij in zip(numbers.tolist(), intervals.tolist())]
        return (np.concatenate(ts) if ts else np.empty(0)), np.array([t.size for t in ts],
                                                                     np.int64)
    iv = intervals[:, None]
    if noise == 0:
        inv = np.broadcast_to(iv, (m, width)).copy()
    else:
        e = np.zeros((m, width))
        for j, (nj, rng) in enumerate(zip(numbers.tolist(), rngs)):
            if nj > 0:
                e[j, :nj] = rng.exponential(1.0, size=nj)
        inv = (1.0 - noise) * iv + noise * iv * e
    first = np.maximum(start + inv[:, 0] - intervals * (1.0 - noise), 0.0)
    # per-train sequential sums (add.accumulate along rows = np.cumsum of each train)
    inv[:, 0] = 0.0
    times = first[:, None] + np.add.accumulate(inv, axis=1)
    keep = (np.arange(width)[None, :] < numbers[:, None]) & (times < stop)
    return times[keep], keep.sum(axis=1)


def _netstim_args(start, number, interval, noise):
    """NetStim parameters checked for NaN (NEURON's own semantics kept otherwise: negative
    start or number means no events, interval <= 0 becomes 0.01 ms)."""
    return (check_number(start, "start", allow_inf=True, unit="ms"),
            check_number(number, "number", allow_inf=False),
            check_number(interval, "interval", unit="ms"),
            check_number(noise, "noise"))


def check_spike_times(times, name: str = "spike times") -> np.ndarray:
    """Sorted float64 spike times (ms), refusing NaN, inf and negative times.

    Parameters
    ----------
    times : array-like of float
        Event times (ms).
    name : str
        The argument's name in the caller's words.

    Raises
    ------
    ParameterError
        Naming the argument and the offending values.
    """
    try:
        t = np.asarray(times, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: expected spike times in ms, got {times!r}") from None
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise ParameterError(f"{name}: {int(bad.sum())} time(s) are NaN, infinite or negative "
                             f"(e.g. {t[bad][:5].tolist()}); spike times are finite ms >= 0")
    return np.sort(t)


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
    check_number(start, "start", unit="ms")
    check_number(stop, "stop", unit="ms")
    check_number(frequency, "frequency", unit="Hz")
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
    check_number(rate, "rate", low=0, unit="Hz")
    check_number(start, "start", unit="ms")
    check_number(stop, "stop", unit="ms")
    if rate == 0 or stop <= start:
        return np.empty(0)
    n = rng.poisson(rate * (stop - start) / 1000.0)
    return np.sort(rng.uniform(start, stop, size=n))
