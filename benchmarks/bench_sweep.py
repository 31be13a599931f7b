"""Wall time of a 40-row parameter sweep: serial (``client=False``) vs a 2-worker dask cluster.

Workload (issue 8 acceptance): Shiu-style Poisson activation (LIF, Shiu parameters), 40
parameter sets = 8 driven neuron groups x 5 rates, 5 trials per row.  Network: the larva subset
(``../shared/data/larva``, 1240 neurons, 32 564 edges) when present, else C. elegans.

Two ways of running a row's 5 trials are timed, because the numba engine already runs the
trials of one ``run_simulation(n_trials=5)`` call in parallel threads:

* ``threads``: one ``run_simulation(n_trials=5)`` per row -- the serial sweep already uses every
  core for the trials, so dask can only parallelise the single-threaded rest;
* ``single``: five ``run_simulation(n_trials=1)`` calls per row (seeds derived from the row
  seed) -- single-threaded rows, the case a cluster of workers is for.

For each: serial; a fresh 2-worker process LocalCluster (start-up and first sweep, when the
workers load the compiled kernels, reported separately); the same cluster warm.  For
``single`` also 2 workers as threads of this process.  Serial and warm sweeps are the median of
``--repeat`` runs.  Tables are
checked identical to the serial one.  Prints absolute times, ratios and ``os.cpu_count()``.
The machine may be shared: rerun on an idle machine for reference numbers.

Run:  python benchmarks/bench_sweep.py [--duration 500] [--repeat 3] [--network larva|celegans]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from pathlib import Path

import pandas as pd

from connectome_sim.datasets import load_celegans
from connectome_sim.distributed import local_client, row_seed, sweep
from connectome_sim.network import PointNetwork

LARVA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "larva" / "edges.csv"
RATES = [25.0, 50.0, 100.0, 150.0, 200.0]


def activation_task(neurons, rate, seed, net, duration=500.0, n_trials=5, mode="threads"):
    """Drive ``neurons`` at ``rate`` Hz; per-neuron rates (Hz) of the active neurons."""
    net = copy.deepcopy(net)
    net.add_poisson_input(list(neurons), rate=rate)
    if mode == "threads":
        net.run_simulation(duration, dt=0.1, seed=seed, n_trials=n_trials)
        r = net.firing_rates()["mean"]
    else:
        runs = []
        for k in range(n_trials):
            net.run_simulation(duration, dt=0.1, seed=row_seed(seed, k), n_trials=1)
            runs.append(net.firing_rates()["mean"])
        r = pd.concat(runs, axis=1).mean(axis=1)
    return r[r > 0].rename("hz").rename_axis("neuron_id")


def build(which):
    if which == "larva" and LARVA.exists():
        e = pd.read_csv(LARVA, header=None, names=["source", "target", "weight"])
        net = PointNetwork.from_edge_list(e, model="LIF")
        groups = [list(net.ids[10 * k:10 * k + 10]) for k in range(8)]
        return "larva", net, groups
    net = PointNetwork.from_edge_list(load_celegans(kind="chemical"), model="LIF")
    groups = [["ASHL", "ASHR"], ["ADLL", "ADLR"], ["ASKL", "ASKR"], ["ASEL", "ASER"],
              ["AWCL", "AWCR"], ["AFDL", "AFDR"], ["ALML", "ALMR"], ["PLML", "PLMR"]]
    return "celegans", net, groups


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def median_timed(fn, repeat):
    """``(last result, median wall time in s)`` of ``repeat`` calls: a VM's neighbours steal
    CPU in bursts, so one sweep can be 10 % off either way."""
    times = []
    for _ in range(repeat):
        out, t = timed(fn)
        times.append(t)
    return out, statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=500.0, help="ms per trial")
    ap.add_argument("--network", default="larva", choices=["larva", "celegans"])
    ap.add_argument("--repeat", type=int, default=3,
                    help="sweeps timed per configuration (median reported)")
    a = ap.parse_args()
    name, net, groups = build(a.network)
    print(f"os.cpu_count() = {os.cpu_count()}; network {name} ({net.n_neurons} neurons, "
          f"{net.n_edges} edges); 40 rows x 5 trials x {a.duration:g} ms; load average "
          f"{os.getloadavg()[0]:.1f}")
    activation_task(groups[0], 50.0, 0, net, duration=10.0, n_trials=1)  # warm numba cache
    for mode in ("threads", "single"):
        params = pd.DataFrame([{"neurons": g, "rate": r, "duration": a.duration, "mode": mode}
                               for g in groups for r in RATES])
        kw = dict(seed=1, shared={"net": net}, progress=False)
        serial, t_serial = median_timed(
            lambda: sweep(activation_task, params, client=False, **kw), a.repeat)
        client, t_start = timed(lambda: local_client(n_workers=2, processes=True))
        try:
            cold, t_cold = timed(lambda: sweep(activation_task, params, client=client, **kw))
            warm, t_warm = median_timed(
                lambda: sweep(activation_task, params, client=client, **kw), a.repeat)
        finally:
            client.close()
            client.cluster.close()
        same = cold.equals(serial) and warm.equals(serial)
        print(f"\n[{mode}] serial (client=False)          : {t_serial:8.2f} s")
        print(f"[{mode}] 2 workers: cluster start-up    : {t_start:8.2f} s")
        print(f"[{mode}] 2 workers: first sweep         : {t_cold:8.2f} s  ratio "
              f"{t_cold / t_serial:.2f} (start-up included: {(t_start + t_cold) / t_serial:.2f})")
        print(f"[{mode}] 2 workers: warm cluster        : {t_warm:8.2f} s  ratio "
              f"{t_warm / t_serial:.2f}")
        print(f"[{mode}] tables identical to serial     : {same}")
        if mode == "single":  # workers as threads of this process: the kernels release the GIL
            client = local_client(n_workers=2, processes=False)
            try:
                sweep(activation_task, params.head(4), client=client, **kw)
                b, t_b = median_timed(
                    lambda: sweep(activation_task, params, client=client, **kw), a.repeat)
            finally:
                client.close()
                client.cluster.close()
            print(f"[{mode}] 2 thread workers (processes=False), warm: {t_b:8.2f} s  ratio "
                  f"{t_b / t_serial:.2f}; identical: {b.equals(serial)}")

if __name__ == "__main__":
    main()
