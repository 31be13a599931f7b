"""Acceptance: a 40-row Shiu-style activation sweep on the C. elegans LIF network (5 trials per
row) gives bit-identical tables serially, on 1 dask worker and on 2 dask workers (processes).

Wall-time ratios are measured in benchmarks/bench_sweep.py, not here.
"""

import copy

import pandas as pd
import pytest

from connectome_sim.datasets import load_celegans
from connectome_sim.distributed import local_client, sweep
from connectome_sim.network import PointNetwork

SENSORY = [["ASHL", "ASHR"], ["ADLL", "ADLR"], ["ASKL", "ASKR"], ["ASEL", "ASER"],
           ["AWCL", "AWCR"], ["AFDL", "AFDR"], ["ALML", "ALMR"], ["PLML", "PLMR"]]
RATES = [25.0, 50.0, 100.0, 150.0, 200.0]


def activation_task(neurons, rate, seed, net, duration=500.0, n_trials=5):
    """Drive ``neurons`` at ``rate`` Hz (Shiu's Poisson input); per-neuron rates (Hz)."""
    net = copy.deepcopy(net)  # the scattered network is shared by the tasks of a worker
    net.add_poisson_input(list(neurons), rate=rate)
    net.run_simulation(duration, dt=0.1, seed=seed, n_trials=n_trials)
    r = net.firing_rates()
    return r[r["mean"] > 0]


@pytest.fixture(scope="module")
def setup():
    net = PointNetwork.from_edge_list(load_celegans(kind="chemical"), model="LIF")
    params = pd.DataFrame([{"neurons": n, "rate": r} for n in SENSORY for r in RATES])
    assert len(params) == 40
    return net, params


def test_sweep_identical_serial_one_and_two_workers(setup):
    net, params = setup
    serial = sweep(activation_task, params, client=False, seed=8, shared={"net": net},
                   progress=False)
    assert serial["row"].nunique() == 40
    assert {"row", "neurons", "rate", "seed", "neuron_id", "mean", "sd"} <= set(serial.columns)
    # the drive matters: higher rates give higher rates in the driven neurons
    ash = serial[serial["neuron_id"] == "ASHL"].set_index("rate")["mean"]
    assert ash.loc[200.0] > ash.loc[25.0] > 0
    tables = {}
    for n_workers in (1, 2):
        client = local_client(n_workers=n_workers, processes=True)
        try:
            assert len(client.scheduler_info()["workers"]) == n_workers
            tables[n_workers] = sweep(activation_task, params, client=client, seed=8,
                                      shared={"net": net}, progress=False)
        finally:
            client.close()
            client.cluster.close()
    pd.testing.assert_frame_equal(tables[1], serial, check_exact=True)
    pd.testing.assert_frame_equal(tables[2], serial, check_exact=True)
    # and a different base seed changes the numbers (so equality above is not vacuous)
    other = sweep(activation_task, params.iloc[:3], client=False, seed=9, shared={"net": net},
                  progress=False)
    first = serial[serial["row"] < 3].reset_index(drop=True)
    assert not first["mean"].equals(other["mean"].reset_index(drop=True)) or \
        len(first) != len(other)
