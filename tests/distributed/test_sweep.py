"""sweep(): table assembly, per-row seeds, failures, scatter-once, serial == dask.

The acceptance sweep on the C. elegans LIF network is in test_sweep_network.py.
"""

import numpy as np
import pandas as pd
import pytest

from connectome_sim.distributed import local_client, row_seed, sweep
from connectome_sim.errors import SweepError
from connectome_sim.stimuli import make_rng


def noisy_task(rate, seed, n=50, label=None):
    """Random output that depends on the seed: any seed mix-up changes the table."""
    rng = make_rng(seed)
    x = rng.poisson(rate, size=n)
    return {"mean": x.mean(), "first": int(x[0])}


@pytest.fixture(scope="module")
def thread_client():
    client = local_client(n_workers=2, processes=False)
    yield client
    client.close()
    client.cluster.close()


def test_row_seed_is_keyed_not_sequential():
    assert row_seed(3, 7) == row_seed(3, 7)
    seeds = {row_seed(3, i) for i in range(1000)}
    assert len(seeds) == 1000
    assert row_seed(3, 0) != row_seed(4, 0)


def test_serial_table_layout():
    params = pd.DataFrame({"rate": [1.0, 5.0, 9.0], "label": ["a", "b", "c"]})
    t = sweep(noisy_task, params, client=False, seed=11, progress=False)
    assert list(t.columns) == ["row", "rate", "label", "seed", "mean", "first"]
    assert t["row"].tolist() == [0, 1, 2]
    assert t["seed"].tolist() == [row_seed(11, i) for i in range(3)]
    # each row's numbers are what the task gives for that row's seed
    for i, r in t.iterrows():
        assert r["mean"] == noisy_task(r["rate"], r["seed"])["mean"]


def test_explicit_seed_column_wins():
    t = sweep(noisy_task, [{"rate": 2.0, "seed": 5}, {"rate": 2.0, "seed": 5}], client=False,
              progress=False)
    assert t["seed"].tolist() == [5, 5]
    assert t["mean"].iloc[0] == t["mean"].iloc[1]


def test_result_shapes():
    def series_task(k):
        return pd.Series([k, 2 * k], index=pd.Index(["n1", "n2"], name="neuron"), name="rate")

    def frame_task(k):
        return pd.DataFrame({"a": [k, k + 1]})

    def scalar_task(k):
        return k * 1.5

    def list_param_task(silenced):
        return {"n_silenced": len(silenced)}

    s = sweep(series_task, [{"k": 1}, {"k": 2}], client=False, progress=False)
    assert list(s.columns) == ["row", "k", "neuron", "rate"]
    assert s["rate"].tolist() == [1, 2, 2, 4]
    f = sweep(frame_task, [{"k": 1}, {"k": 2}], client=False, progress=False)
    assert f["a"].tolist() == [1, 2, 2, 3]
    c = sweep(scalar_task, [{"k": 2}], client=False, progress=False)
    assert c["value"].tolist() == [3.0]
    lp = sweep(list_param_task, [{"silenced": ["AVAL", "AVAR"]}, {"silenced": []}],
               client=False, progress=False)
    assert lp["silenced"].tolist() == [["AVAL", "AVAR"], []]
    assert lp["n_silenced"].tolist() == [2, 0]


def test_bad_inputs_are_named():
    with pytest.raises(TypeError, match="params"):
        sweep(noisy_task, {"rate": 1}, client=False)
    with pytest.raises(TypeError, match=r"params\[1\]"):
        sweep(noisy_task, [{"rate": 1}, 3], client=False)
    with pytest.raises(ValueError, match="'n' is both"):
        sweep(noisy_task, [{"rate": 1, "n": 3}], client=False, shared={"n": 4})

    def clash(rate):
        return {"rate": rate + 1}

    with pytest.raises(SweepError, match="clashes"):
        sweep(clash, [{"rate": 1}], client=False, progress=False)


def boom_task(rate, seed):
    if rate == 3:
        raise ValueError("rate 3 is cursed")
    return {"ok": rate}


@pytest.mark.parametrize("where", ["serial", "dask"])
def test_failing_row_keeps_the_others(where, thread_client):
    client = False if where == "serial" else thread_client
    params = [{"rate": r} for r in range(6)]
    with pytest.raises(SweepError, match="1 of 6 rows failed") as ei:
        sweep(boom_task, params, client=client, progress=False)
    err = ei.value
    assert "rate 3 is cursed" in str(err)
    assert err.results["rate"].tolist() == [0, 1, 2, 4, 5]
    assert err.failures["row"].tolist() == [3]
    assert "boom_task" in err.failures["traceback"].iloc[0]  # the real traceback
    with pytest.warns(RuntimeWarning, match="rate 3 is cursed"):
        t = sweep(boom_task, params, client=client, progress=False, errors="collect",
                  batch_size=2)  # the failing row's batch-mate survives too
    assert t["ok"].tolist() == [0, 1, 2, 4, 5]
    assert t.attrs["failures"]["row"].tolist() == [3]


def test_dask_threads_equal_serial(thread_client):
    params = pd.DataFrame({"rate": np.linspace(1, 30, 25)})
    a = sweep(noisy_task, params, client=False, seed=2, progress=False)
    b = sweep(noisy_task, params, client=thread_client, seed=2, progress=False)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for batch in (4, 100):  # several rows per dask task: same table
        c = sweep(noisy_task, params, client=thread_client, seed=2, progress=False,
                  batch_size=batch)
        pd.testing.assert_frame_equal(a, c, check_exact=True)
    d = sweep(noisy_task, params, client=False, seed=3, progress=False)
    assert not a["mean"].equals(d["mean"])  # the seed matters, so the equality above means something


def test_shared_data_sent_once_to_process_workers():
    """Model data go to the workers once (scatter), not with every task."""
    pickled = [0]

    class Model:  # local class: cloudpickle ships it by value to the worker processes
        def __init__(self, data):
            self.data = data

        def __reduce__(self):
            pickled[0] += 1
            return (Model, (self.data,))

    def task(k, model):
        return {"s": float(model.data.sum()) + k}

    model = Model(np.arange(1000.0))
    params = [{"k": k} for k in range(20)]
    client = local_client(n_workers=2, processes=True)
    try:
        # the worker processes run without dask's stack profiler (local_client's default)
        import dask
        cfg = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        assert list(cfg.values()) == [False, False], cfg
        t = sweep(task, params, client=client, shared={"model": model}, progress=False)
        n_scatter = pickled[0]
        pickled[0] = 0
        # the same data captured in the task closure is also sent once (the task is scattered)
        t2 = sweep(lambda k: task(k, model), params, client=client, progress=False)
        n_closure = pickled[0]
    finally:
        client.close()
        client.cluster.close()
    assert t["s"].tolist() == [499500.0 + k for k in range(20)]
    assert t2["s"].tolist() == t["s"].tolist()
    # dask serialises once per worker and may try pickle before cloudpickle (2 calls each):
    # at most 4 for 2 workers, against >= 20 if the model travelled with every task.
    assert 1 <= n_scatter <= 4, n_scatter
    assert 1 <= n_closure <= 4, n_closure
