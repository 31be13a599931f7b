"""External drives in the style of HNN-core, and receptor presets.

HNN-core (Jas et al. 2023, seed 003) drives a network with *artificial drive cells* whose spike
times follow one of a few laws; each drive cell feeds synapses (AMPA and/or NMDA, or GABA) on a
set of target sites with per-target weights and delays.  This module reproduces the laws:

``evoked``
    ``numspikes`` times drawn from a normal distribution N(mu, sigma) (ms).
``poisson``
    a homogeneous Poisson process of rate ``rate`` (Hz) from ``tstart`` to ``tstop`` (ms),
    generated as HNN-core does, by accumulating exponential inter-spike intervals.
``bursty``
    rhythmic bursts: burst centres at ``tstart + k / burst_rate`` (the start optionally jittered
    by N(0, tstart_std), drawn once per drive and trial, shared by every drive cell), each centre
    jittered by N(0, burst_std) per drive cell, then ``numspikes`` spikes per burst spaced
    ``spike_isi`` ms apart and centred on the jittered burst time.

As in HNN-core, times outside ``(0, tstop]`` are dropped and the rest sorted.  Unlike HNN-core
(which seeds ``numpy.random.RandomState(seed + gid)``), randomness comes from
:func:`connectome_sim.stimuli.make_rng` keyed by ``(seed, trial, drive cell)``, so every train is
reproducible and independent of thread count and of the order in which drives are added.
Numbers therefore do not equal HNN-core's draws; the distributions do.

Receptor presets (:data:`RECEPTORS`) are Exp2Syn kinetics (rise ``tau1``, decay ``tau2`` in ms,
reversal ``e`` in mV) with HNN-core's values.  The NMDA preset has **no Mg²⁺ block**, as in
HNN-core (whose NMDA receptor is a plain Exp2Syn with slower kinetics); the conductance does
not depend on voltage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from connectome_sim.errors import ParameterError
from connectome_sim.stimuli import make_rng

__all__ = [
    "RECEPTORS",
    "receptor",
    "evoked_times",
    "poisson_drive_times",
    "bursty_times",
    "Drive",
]

#: Exp2Syn presets: tau1 (rise, ms), tau2 (decay, ms), e (reversal, mV).  Values as HNN-core.
RECEPTORS: dict[str, dict[str, float]] = {
    "ampa": {"tau1": 0.5, "tau2": 5.0, "e": 0.0},
    "nmda": {"tau1": 1.0, "tau2": 20.0, "e": 0.0},
    "gabaa": {"tau1": 0.5, "tau2": 5.0, "e": -80.0},
    "gabab": {"tau1": 1.0, "tau2": 20.0, "e": -80.0},
}


def receptor(name: str) -> dict[str, float]:
    """Exp2Syn parameters ``{'tau1': ms, 'tau2': ms, 'e': mV}`` of receptor ``name``.

    Parameters
    ----------
    name : str
        One of ``'ampa'``, ``'nmda'``, ``'gabaa'``, ``'gabab'`` (case-insensitive; ``'GABA_A'``
        and ``'gaba'`` (= GABA-A) are accepted).
    """
    key = str(name).lower().replace("_", "").replace("-", "")
    if key == "gaba":
        key = "gabaa"
    if key not in RECEPTORS:
        raise ParameterError(
            f"unknown receptor {name!r}; valid receptors are {sorted(RECEPTORS)} "
            "(or pass tau1/tau2/e explicitly)")
    return dict(RECEPTORS[key])


def _clip(times: np.ndarray, tstop: float) -> np.ndarray:
    times = np.asarray(times, dtype=np.float64)
    times = times[(times > 0) & (times <= tstop)]
    return np.sort(times)


def evoked_times(mu: float, sigma: float, numspikes: int, rng: np.random.Generator,
                 tstop: float = np.inf) -> np.ndarray:
    """Evoked (Gaussian) drive: ``numspikes`` times from N(mu, sigma), in ``(0, tstop]`` (ms).

    Parameters
    ----------
    mu, sigma : float
        Mean and standard deviation of the spike times (ms); ``sigma >= 0``.
    numspikes : int
        Number of draws (times falling outside ``(0, tstop]`` are dropped, as in HNN-core).
    rng : numpy.random.Generator
        Random stream, e.g. ``make_rng(seed, trial, cell)``.
    tstop : float
        Simulation end (ms).
    """
    if sigma < 0:
        raise ParameterError(f"evoked drive: sigma must be >= 0 ms, got {sigma}")
    if int(numspikes) != numspikes or numspikes < 0:
        raise ParameterError(f"evoked drive: numspikes must be a non-negative integer, got {numspikes}")
    return _clip(rng.normal(mu, sigma, int(numspikes)), tstop)


def poisson_drive_times(rate: float, tstart: float, tstop: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson drive: exponential inter-spike intervals of mean ``1000/rate`` ms from ``tstart``.

    Parameters
    ----------
    rate : float
        Rate (Hz), > 0.
    tstart, tstop : float
        Window (ms); events lie in ``(tstart, tstop)``.
    rng : numpy.random.Generator
        Random stream.
    """
    if tstart < 0:
        raise ParameterError(f"poisson drive: tstart must be >= 0 ms, got {tstart}")
    if tstop < tstart:
        raise ParameterError(f"poisson drive: tstop ({tstop} ms) must be >= tstart ({tstart} ms)")
    if rate <= 0:
        raise ParameterError(f"poisson drive: rate must be > 0 Hz, got {rate}")
    # draw in blocks: the expected count plus a margin, then extend if needed
    mean_isi = 1000.0 / rate
    times = []
    t = tstart
    block = int(max(16, 1.2 * (tstop - tstart) / mean_isi + 10))
    while t < tstop:
        isis = rng.exponential(mean_isi, size=block)
        ts = t + np.cumsum(isis)
        times.append(ts[ts < tstop])
        t = ts[-1]
    return np.concatenate(times) if times else np.empty(0)


def bursty_times(tstart: float, tstop: float, burst_rate: float, rng: np.random.Generator,
                 burst_std: float = 0.0, numspikes: int = 2, spike_isi: float = 10.0,
                 tstart_std: float = 0.0, rng_start: np.random.Generator | None = None) -> np.ndarray:
    """Bursty (rhythmic) drive, HNN-core semantics.

    Parameters
    ----------
    tstart, tstop : float
        First burst centre and end of the drive (ms).
    burst_rate : float
        Burst frequency (Hz), > 0.
    rng : numpy.random.Generator
        Stream for the per-burst jitter (per drive cell).
    burst_std : float
        Standard deviation of each burst centre (ms).
    numspikes : int
        Spikes per burst (HNN-core's ``numspikes``); they are spaced ``spike_isi`` ms apart and
        centred on the burst time.
    spike_isi : float
        Interval between spikes within a burst (ms).
    tstart_std : float
        If > 0, the start time is drawn from N(tstart, tstart_std) with ``rng_start`` (a stream
        shared by all cells of the drive, so bursts stay aligned across cells) (ms).
    rng_start : numpy.random.Generator, optional
        Stream for the start jitter; required when ``tstart_std > 0``.
    """
    if burst_rate <= 0:
        raise ParameterError(f"bursty drive: burst_rate must be > 0 Hz, got {burst_rate}")
    if numspikes < 1:
        raise ParameterError(f"bursty drive: numspikes must be >= 1, got {numspikes}")
    if tstart_std > 0:
        if rng_start is None:
            raise ParameterError("bursty drive: tstart_std > 0 needs rng_start (see make_rng)")
        tstart = rng_start.normal(tstart, tstart_std)
    period = 1000.0 / burst_rate
    if (numspikes - 1) * spike_isi > period:
        raise ParameterError(
            f"bursty drive: a burst lasts {(numspikes - 1) * spike_isi} ms, longer than the burst "
            f"period {period} ms; lower numspikes/spike_isi or burst_rate")
    centres = rng.normal(np.arange(tstart, tstop, period), burst_std) if burst_std > 0 \
        else np.arange(tstart, tstop, period)
    offsets = (np.arange(numspikes) - (numspikes - 1) / 2.0) * spike_isi
    return _clip((centres[None, :] + offsets[:, None]).ravel(), tstop)


@dataclass
class Drive:
    """Description of one external drive added to a :class:`~connectome_sim.cable.circuit.Circuit`.

    Attributes
    ----------
    name : str
        Drive name (unique in the circuit).
    kind : str
        ``'evoked'``, ``'poisson'``, ``'bursty'`` or ``'times'`` (explicit spike times).
    dynamics : dict
        Parameters of the law (ms, Hz), see :func:`evoked_times`, :func:`poisson_drive_times`,
        :func:`bursty_times`; for ``'times'``: ``{'times': array}``.
    targets : pandas.DataFrame
        One row per target synapse: ``neuron`` (neuron ID), ``node`` (node ID), ``receptor``,
        ``weight`` (µS), ``delay`` (ms), ``tau1``, ``tau2`` (ms), ``e`` (mV).
    cell_specific : bool
        True: an independent train per target neuron (HNN-core default); False: one train
        shared by all targets.
    seed : int
        Base seed; trains use ``make_rng(seed, trial, drive_index, cell)``.
    """

    name: str
    kind: str
    dynamics: dict
    targets: object
    cell_specific: bool = True
    seed: int = 0
    extra: dict = field(default_factory=dict)

    def times(self, trial: int, drive_index: int, cell: int, tstop: float) -> np.ndarray:
        """Spike times (ms) of drive cell ``cell`` in trial ``trial``."""
        d = self.dynamics
        rng = make_rng(self.seed, trial, drive_index, cell)
        if self.kind == "evoked":
            return evoked_times(d["mu"], d["sigma"], d["numspikes"], rng, tstop)
        if self.kind in ("poisson", "bursty"):
            start, stop = d.get("tstart", 0.0), d.get("tstop", np.inf)
            if stop >= start > tstop:
                # a window that starts after the run (the run warns of it): no spikes here,
                # where the laws below would take the run's end for a user's tstop < tstart
                return np.empty(0)
        if self.kind == "poisson":
            return poisson_drive_times(d["rate"], d.get("tstart", 0.0),
                                       min(d.get("tstop", tstop), tstop), rng)
        if self.kind == "bursty":
            rng_start = make_rng(self.seed, trial, drive_index, -1 & 0x7FFFFFFF)
            return bursty_times(d.get("tstart", 0.0), min(d.get("tstop", tstop), tstop),
                                d["burst_rate"], rng, burst_std=d.get("burst_std", 0.0),
                                numspikes=d.get("numspikes", 2), spike_isi=d.get("spike_isi", 10.0),
                                tstart_std=d.get("tstart_std", 0.0), rng_start=rng_start)
        if self.kind == "times":
            return _clip(np.asarray(d["times"], dtype=float), tstop)
        raise ParameterError(f"drive {self.name!r}: unknown kind {self.kind!r}; "
                             "use 'evoked', 'poisson', 'bursty' or 'times'")
