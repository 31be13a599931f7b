"""Fixtures for the figure tests: small synthetic spike and voltage tables."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def spikes():
    """3 trials, 40 neurons (strings), 2,000 spikes in 0-500 ms."""
    rng = np.random.default_rng(1)
    ids = [f"n{i:02d}" for i in range(40)]
    n = 2000
    return pd.DataFrame({"trial": rng.integers(0, 3, n), "neuron_id": rng.choice(ids, n),
                         "time": rng.uniform(0, 500, n)})


@pytest.fixture
def labels(spikes):
    ids = sorted(spikes.neuron_id.unique())
    return pd.DataFrame({"cell_type": [("exc", "inh", "sens")[i % 3] for i in range(len(ids))]},
                        index=pd.Index(ids, name="neuron_id"))


@pytest.fixture
def png_ok():
    """Check that bytes are a non-trivial PNG (a broken figure raises or renders empty)."""
    def check(path):
        data = open(path, "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        assert len(data) > 5000, f"{path} is suspiciously small ({len(data)} bytes)"
    return check
