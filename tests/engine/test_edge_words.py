"""The packed delivery format of the event edges (``engine.network.edge_words``): one uint32
word per edge holding the input's flat index and its weight's code, the weights in a table.

Decoding every word must give back the edge's target, channel and weight bit for bit, in
both forms (table of distinct weights, or the weights in edge order when they are many or
the bits do not suffice), and a run must not depend on the form.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.engine import network as eng
from connectome_sim.network import PointNetwork


def _decode(words, wtab, shift):
    x = words.astype(np.uint64)
    flat = x & np.uint64((1 << shift) - 1)
    idx = (x >> np.uint64(shift)) + np.arange(x.size, dtype=np.uint64) * np.uint64(shift == 32)
    return flat, wtab[idx]


@pytest.mark.parametrize("E", [1_000, 250_000])        # numpy path, compiled path
def test_words_give_back_target_channel_and_weight(E):
    rng = np.random.default_rng(1)
    n = 5_000
    tgt = rng.integers(0, n, E).astype(np.int32)
    ch = rng.integers(0, 2, E).astype(np.int8)
    w = rng.integers(-300, 1000, E) * 0.275           # synapse counts times a scale
    w[:3] = [0.0, -0.0, 0.1 + 0.2]                      # -0.0 and 0.0 are different bits
    words, wtab, shift = eng.edge_words(tgt, ch, n, w)
    assert words.dtype == np.uint32 and shift < 32 and wtab.size <= eng.WEIGHT_TABLE_MAX
    flat, wd = _decode(words, wtab, shift)
    np.testing.assert_array_equal(flat, ch.astype(np.uint64) * n + tgt.astype(np.uint64))
    np.testing.assert_array_equal(wd.view(np.uint64), w.view(np.uint64))


@pytest.mark.parametrize("case", ["many weights", "index too wide"])
def test_weights_in_edge_order_when_the_table_does_not_fit(case):
    rng = np.random.default_rng(2)
    E = 20_000
    n = 1_000 if case == "many weights" else 2 ** 30     # 2 channels x 2**30: 31 index bits
    tgt = rng.integers(0, min(n, 10_000), E).astype(np.int32)
    tgt[0] = n - 1
    ch = np.ones(E, np.int8)
    w = rng.normal(size=E) if case == "many weights" else rng.integers(1, 9, E) * 0.5
    words, wtab, shift = eng.edge_words(tgt, ch, n, w)
    assert shift == 32 and wtab is w
    flat, wd = _decode(words, wtab, shift)
    np.testing.assert_array_equal(flat, n + tgt.astype(np.uint64))
    np.testing.assert_array_equal(wd.view(np.uint64), w.view(np.uint64))


def test_a_run_does_not_depend_on_the_form(monkeypatch):
    """Synapse counts (a table) and the same network forced to the edge-order weights: the
    same spikes, bit for bit, in the dense pass."""
    rng = np.random.default_rng(3)
    n, m = 300, 30_000
    e = pd.DataFrame({"pre": rng.integers(0, n, m), "post": rng.integers(0, n, m),
                      "syn_count": rng.integers(-20, 60, m)})
    e = e[e.syn_count != 0]

    def run():
        net = PointNetwork.from_edge_list(e, model="LIF", source_col="pre", target_col="post")
        net.add_poisson_input(np.arange(0, n, 3), rate=150.0)
        return net.run_simulation(300, seed=2, threads=1).copy()

    table = run()
    monkeypatch.setattr(eng, "WEIGHT_TABLE_MAX", 1)
    order = run()
    assert len(table) > 2_000
    pd.testing.assert_frame_equal(table, order)
