"""Random input streams of the network: one per (seed, trial, stimulus, neuron), as make_rng.

The fast paths (``make_rngs``, vectorised Poisson/NetStim trains) must give exactly the
streams and events of the plain per-neuron construction with ``make_rng``.
"""

import numpy as np
import pytest

from connectome_sim.network.inputs import id_words, PoissonInput, Stimulus
from connectome_sim.stimuli import make_rng, make_rngs, netstim_times, netstim_trains


@pytest.mark.parametrize("seed,keys", [(2, (0, 0)), (0, (0, 0)), (2 ** 40 + 7, (3, 1)),
                                       (2 ** 63 - 1, (0, 5)), (12345, ()), (5, (2 ** 33, 1)),
                                       (1, (0, 0, 0, 0, 0))])
def test_make_rngs_equals_make_rng(seed, keys):
    last = list(range(12)) + [2 ** 32 - 1, 2 ** 31, 999_999, 3, 3]
    for x, g in zip(last, make_rngs(seed, *keys, last=last)):
        r = make_rng(seed, *keys, x)
        a = np.concatenate([g.random(3), g.geometric(0.01, 5), g.exponential(1.0, 4)])
        b = np.concatenate([r.random(3), r.geometric(0.01, 5), r.exponential(1.0, 4)])
        assert np.array_equal(a, b), (seed, keys, x)


def test_make_rngs_falls_back_for_unusual_keys():
    for x, g in zip([0, 2 ** 40], make_rngs(3, 1, last=[0, 2 ** 40])):
        assert g.random() == make_rng(3, 1, x).random()
    a = [g.random() for g in make_rngs(None, 0, last=[0, 0])]
    assert a[0] != a[1]                          # fresh entropy per stream, as make_rng


def _poisson_reference(st, seed, trial, index, stop, dt):
    """Bernoulli-per-step trains built neuron by neuron from make_rng (geometric gaps)."""
    ts, ns = [], []
    for pos, (row, r) in enumerate(zip(st.neurons, st.rate)):
        if r <= 0 or stop <= st.start:
            continue
        rng = make_rng(seed, trial, *st.keys[pos])
        k0, k1 = int(np.ceil(st.start / dt - 1e-9)), int(np.ceil(stop / dt - 1e-9))
        p, n = min(r * dt / 1000.0, 1.0), k1 - k0
        est = int(n * p + 10 * np.sqrt(n * p + 1) + 10)
        gaps = rng.geometric(p, size=est) if p < 1 else np.ones(n, np.int64)
        steps = k0 - 1 + np.cumsum(gaps)
        steps = steps[steps < k1]
        ts.append(steps * dt)
        ns.append(np.full(steps.size, row, np.int64))
    return (np.concatenate(ts), np.concatenate(ns)) if ts else (np.empty(0), np.empty(0, int))


def _netstim_reference(st, seed, trial, index, stop):
    ts, ns = [], []
    for pos, (row, f) in enumerate(zip(st.neurons, st.frequency)):
        if f <= 0:
            continue
        keys = st.keys[pos] if st.independent else (0xFFFFFFFF, index, 0)
        rng = make_rng(seed, trial, *keys) if st.randomness else None
        # NetStim number from the train's own stop (rounding noise a few ulps below an
        # integer counted as that integer); a train without a stop gets a number far beyond
        # what the run can hold (100x the mean count), so the kept events are those before
        # the run's end whatever the implementation's own bound
        number = ((st.stop - st.start) * f / 1000.0 if np.isfinite(st.stop) else np.inf)
        number = int(min(np.floor(number + 1e-9), 100 * np.ceil((stop - st.start) * f / 1000.0)
                         + 100))
        t = netstim_times(st.start, number, 1000.0 / f, st.randomness, rng=rng, stop=stop)
        ts.append(t)
        ns.append(np.full(t.size, row, np.int64))
    return (np.concatenate(ts), np.concatenate(ns)) if ts else (np.empty(0), np.empty(0, int))


def test_vectorised_trains_equal_per_neuron_trains():
    rng = np.random.default_rng(0)
    for case in range(120):
        m = int(rng.integers(1, 10))
        rate = rng.choice([0.0, 5.0, 150.0, 1e4, 2e4, 37.3], m)      # 1e4 Hz: p = 1 at 0.1 ms
        start = float(rng.choice([0.0, 3.3, 50.0]))
        stop = float(rng.choice([np.inf, 80.0, 10.0, 3.0, 137.7]))   # 137.7: past the run
        dt = [0.1, 0.025, 0.5][case % 3]
        seed = int(rng.choice([0, 5, 2 ** 62 + 3]))
        rows = rng.integers(0, 100, m)
        keys = np.column_stack([rng.integers(0, 3, m), id_words(rng.integers(-2**62, 2**62, m))])
        st = PoissonInput(rows, keys, rate, start, stop, np.ones(m))
        a, b = st.events(None, seed, 1, 2, 100.0, dt), _poisson_reference(st, seed, 1, 2,
                                                                            min(stop, 100.0), dt)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]), case
        ns = Stimulus(rows, keys, start, stop, rate / 10, float(rng.choice([0, 0.5, 1.0])),
                      bool(case % 2), np.ones(m))
        a, b = ns.events(None, seed, 1, 2, 100.0, dt), _netstim_reference(ns, seed, 1, 2,
                                                                          min(stop, 100.0))
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]), case


@pytest.mark.parametrize("noise", [0.0, 0.7])
@pytest.mark.parametrize("unequal", [False, True])
def test_netstim_trains_equal_netstim_times(noise, unequal):
    # unequal lengths take the one-by-one path (no padding to the longest train)
    nums = np.array([5000, 3, 0, 7] + [2] * 50) if unequal else np.array([40, 38, 0, 41] * 5)
    iv = np.linspace(0.5, 20, nums.size)
    rngs = make_rngs(9, 0, 1, last=range(nums.size)) if noise else None
    t, c = netstim_trains(1.0, nums, iv, noise, rngs, stop=800.0)
    ref = [netstim_times(1.0, n, i, noise, make_rng(9, 0, 1, j) if noise else None, 800.0)
           for j, (n, i) in enumerate(zip(nums, iv))]
    assert np.array_equal(t, np.concatenate(ref))
    assert np.array_equal(c, [r.size for r in ref])
