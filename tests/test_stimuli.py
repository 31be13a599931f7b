import numpy as np
import pytest

from connectome_sim.stimuli import make_rng, netstim_times, poisson_times, regular_times


def test_netstim_regular_matches_netstim_mod():
    t = netstim_times(start=5, number=4, interval=10, noise=0)
    np.testing.assert_allclose(t, [5, 15, 25, 35])


def test_netstim_noise_is_seeded_and_bounded():
    a = netstim_times(0, 100, 10, noise=1, rng=make_rng(1, 0))
    b = netstim_times(0, 100, 10, noise=1, rng=make_rng(1, 0))
    c = netstim_times(0, 100, 10, noise=1, rng=make_rng(1, 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert len(a) == 100 and np.all(np.diff(a) >= 0)
    assert 5 < np.mean(np.diff(a)) < 15


def test_netstim_noise_needs_rng():
    with pytest.raises(ValueError, match="rng"):
        netstim_times(0, 5, 10, noise=0.5)


def test_poisson_rate():
    t = poisson_times(100.0, 0, 10000, make_rng(3))
    assert abs(len(t) / 10.0 - 100) < 10
    with pytest.raises(ValueError, match="rate"):
        poisson_times(-1, 0, 10, make_rng(3))


def test_regular():
    np.testing.assert_allclose(regular_times(100, 130, 100), [100, 110, 120])
