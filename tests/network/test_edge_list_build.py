"""The fast edge-list build (hash factorisation, rank applied inside a counting-sort CSR) against
a plain reference construction: Python dicts over the rows, sorted IDs, first occurrence keeps
its place, duplicates summed in row order.

Each list has random 64-bit IDs, duplicate (source, target) rows and weights of both signs;
sizes straddle the numpy / numba switch (200,000 edges), rows come grouped by source (the
common layout, read without a permutation) or shuffled.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import ParameterError
from connectome_sim.network import PointNetwork


def _edges(n_rows, n_ids, seed, grouped, dtype=np.int64, delays=False):
    rng = np.random.default_rng(seed)
    lo = 2 ** 63 if dtype == np.uint64 else -(2 ** 62)
    ids = np.unique(rng.integers(0, 2 ** 62, n_ids * 2, dtype=np.int64))[:n_ids]
    ids = (ids.astype(np.uint64) + np.uint64(lo)) if dtype == np.uint64 else ids + lo
    ids = rng.permutation(ids)
    # few targets per source so that duplicate pairs are frequent
    src = rng.integers(0, n_ids, n_rows)
    tgt = (src + rng.integers(1, 6, n_rows)) % n_ids
    if grouped:
        src = np.sort(src)          # rows of a source together, sources in ID-unrelated order
    w = rng.integers(1, 20, n_rows) * np.where(rng.random(n_rows) < 0.3, -1, 1)
    df = pd.DataFrame({"pre": ids[src], "post": ids[tgt], "weight": w})
    if delays:
        df["delay"] = rng.choice([0.5, 1.0, 1.5], n_rows)
    return df


def _reference(df, delays):
    """(sorted IDs, {source: [(target, delay, summed weight) in first-occurrence order]})."""
    ids = sorted(set(df["pre"].tolist()) | set(df["post"].tolist()))
    rows = {}
    d = df["delay"].tolist() if delays else [None] * len(df)
    for a, b, w, dd in zip(df["pre"].tolist(), df["post"].tolist(), df["weight"].tolist(), d):
        row = rows.setdefault(a, {})
        key = (b, dd)
        row[key] = row.get(key, 0.0) + float(w)      # dicts keep first-insertion order
    return ids, {a: [(b, dd, w) for (b, dd), w in row.items()] for a, row in rows.items()}


def _built(net, delays):
    ids = net.ids.tolist()
    indptr, tgt, w, d = net._csr
    rows = {}
    for i, a in enumerate(ids):
        lo, hi = indptr[i], indptr[i + 1]
        if hi > lo:
            rows[a] = [(ids[t], float(d[q]) if delays else None, float(x))
                       for q, t, x in zip(range(lo, hi), tgt[lo:hi].tolist(), w[lo:hi].tolist())]
    return ids, rows


@pytest.mark.parametrize("n_rows,grouped,dtype,delays", [
    (3_000, True, np.int64, False),
    (3_000, False, np.uint64, True),
    (250_000, True, np.int64, False),          # numba path, grouped runs
    (250_000, False, np.int64, False),         # numba path, permutation
    (250_000, True, np.uint64, True),          # numba path, per-edge delays
])
def test_build_matches_reference(n_rows, grouped, dtype, delays):
    df = _edges(n_rows, max(n_rows // 20, 10), seed=n_rows + grouped, grouped=grouped,
                dtype=dtype, delays=delays)
    net = PointNetwork.from_edge_list(df, model="LIF", delay="delay" if delays else None)
    ref_ids, ref_rows = _reference(df, delays)
    ids, rows = _built(net, delays)
    assert net.ids.dtype == dtype
    assert ids == ref_ids                                  # same neurons, same (sorted) order
    assert rows.keys() == ref_rows.keys()
    assert rows == ref_rows                                # same edges, order and weights
    assert sum(len(r) for r in ref_rows.values()) < n_rows  # duplicates were present


@pytest.mark.parametrize("n_rows", [3_000, 250_000])
def test_duplicates_raise_names_the_first_duplicate_pair(n_rows):
    df = _edges(n_rows, n_rows // 20, seed=1, grouped=False)
    # reported: the first repeat met row by row (sources in ID order, rows in input order)
    pairs = sorted(zip(df["pre"].tolist(), df["post"].tolist()), key=lambda p: p[0])
    seen, first = set(), None
    for p in pairs:
        if p in seen:
            first = p
            break
        seen.add(p)
    with pytest.raises(ParameterError, match=rf"duplicate edge {first[0]} -> {first[1]};"):
        PointNetwork.from_edge_list(df, model="LIF", duplicates="raise")
