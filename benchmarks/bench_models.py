"""Benchmark: point-neuron model zoo and reduced dendritic neurons on the C. elegans network.

Builds ``PointNetwork.from_edge_list`` on the Cook et al. 2019 chemical edge list (302
neurons) with each model, drives 20 neurons with 150 Hz Poisson input for 1 s (dt 0.1 ms),
and prints build/run times and the throughput figure neurons x simulated seconds per wall
second, LIF (Shiu et al. 2024) first as the reference.  The reduced neuron is
``reduce(navis example neuron 1)`` (4 compartments, backward Euler), synapses on its
``dendrite`` compartment.  Runs are warm (one short run first compiles the kernels).

Usage: ``python benchmarks/bench_models.py [--duration 1000]``.  Numbers on a shared machine
are noisy; the script prints ``os.cpu_count()``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def reduced_model():
    import navis
    from connectome_sim.datasets import example_neuron
    from connectome_sim.reduced import reduce

    skel = navis.split_axon_dendrite(example_neuron(1), label_only=True, cellbodyfiber="soma")
    red = reduce(skel, label_col="compartment", threshold=-45.0, reset=-60.0, refractory=2.0)
    red.set_synapses(tau_e=5.0, tau_i=10.0, E_e=0.0, E_i=-80.0)
    return red.to_point_model("ReducedDA1", method="implicit", synapse_compartment="dendrite")


#: model -> (weight per EM section count, Poisson event weight, extra parameters)
CONFIGS = {
    "LIF": (None, None, {}),
    "ReducedDA1": (2e-5, 1e-3, {}),
    "ExpIF": (0.3, 10.0, {}),
    "AdEx": (0.3, 10.0, {}),
    "Izhikevich": (0.3, 5.0, {}),
    "HH": (0.05, 0.5, {}),
    "WangBuzsakiHH": (0.05, 0.5, {}),
    "MorrisLecar": (0.5, 5.0, {}),
}


def bench(model, edges, duration, seed=1):
    from connectome_sim.network import PointNetwork

    w_scale, w_stim, props = CONFIGS[model]
    t0 = time.perf_counter()
    kw = {} if w_scale is None else {"weight_scale": w_scale}
    net = PointNetwork.from_edge_list(edges, model=model, **kw, **props)
    ids = np.sort(net.ids)[:20]
    net.add_poisson_input(ids, rate=150.0, weight=w_stim)
    t_build = time.perf_counter() - t0
    net.run_simulation(20.0, dt=0.1, seed=seed)          # compile / warm up
    t0 = time.perf_counter()
    net.run_simulation(duration, dt=0.1, seed=seed)
    t_run = time.perf_counter() - t0
    n = net.n_neurons
    return dict(model=model, neurons=n, edges=net.n_edges, build_s=t_build, run_s=t_run,
                spikes=len(net.spikes),
                throughput=n * (duration / 1000.0) / t_run)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms")
    ap.add_argument("--models", nargs="*", default=list(CONFIGS))
    args = ap.parse_args(argv)
    from connectome_sim.datasets import load_celegans

    reduced_model()                                       # registers 'ReducedDA1'
    edges = load_celegans(kind="chemical")
    print(f"C. elegans chemical network, {args.duration:g} ms at dt 0.1 ms, "
          f"os.cpu_count() = {os.cpu_count()}")
    print(f"{'model':>14} {'neurons':>8} {'edges':>7} {'build s':>8} {'run s':>8} "
          f"{'spikes':>8} {'neuron*s/s':>11} {'vs LIF':>8}")
    ref = None
    for m in args.models:
        r = bench(m, edges, args.duration)
        ref = ref or r["throughput"]
        print(f"{r['model']:>14} {r['neurons']:>8} {r['edges']:>7} {r['build_s']:>8.3f} "
              f"{r['run_s']:>8.3f} {r['spikes']:>8} {r['throughput']:>11.0f} "
              f"{r['throughput'] / ref:>8.3f}")


if __name__ == "__main__":
    main()
