"""Benchmark: point-neuron model zoo and reduced dendritic neurons on the C. elegans network.

Builds ``PointNetwork.from_edge_list`` on the Cook et al. 2019 chemical edge list (302
neurons) with each model, drives 20 neurons with 150 Hz Poisson input for 1 s (dt 0.1 ms),
and prints build/run times and the throughput figure neurons x simulated seconds per wall
second, LIF (Shiu et al. 2024) first as the reference.  The reduced neuron is
``reduce(navis example neuron 1)`` (4 compartments, backward Euler), synapses on its
``dendrite`` compartment; ``graded`` is Kunert et al. 2014's graded network (gap junctions
included, the full connectome), ``threshold_linear`` the flyvis rate model, ``mixed`` the
touch receptors as LIF in a graded network.  Runs are warm (one short run first compiles the
kernels).  With ``--compile`` each model also runs once in a fresh process with empty kernel and
numba caches: the cost of a model's first use after install (compilation included).

With ``--mixed-parts`` it instead compares the mixed network with its two parts run apart
(the touch receptors as an LIF network, the rest as a graded network), driven and undriven:
undriven, the difference is the engine's cost of exchanging gap currents every step; driven,
the graded part also receives the receptors' spikes and gap currents, which its solver
answers with more conjugate-gradient iterations per step (different work, not overhead).

Usage: ``python benchmarks/bench_models.py [--duration 1000] [--compile]
[--mixed-parts]``.  Numbers on a
shared machine are noisy; the script prints ``os.cpu_count()`` and the load average.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


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
    "graded": (30.0, 100.0, {}),
    "threshold_linear": (0.02, 2.0, {}),
    "mixed": (None, None, {}),
}


def bench(model, edges, duration, seed=1):
    from connectome_sim.network import PointNetwork

    w_scale, w_stim, props = CONFIGS[model]
    t0 = time.perf_counter()
    kw = {} if w_scale is None else {"weight_scale": w_scale}
    if model == "graded":
        kw = {"g_syn": w_scale, "g_gap": 15.0}
        edges = _full_celegans()
    if model == "mixed":
        from connectome_sim.plotting import celegans_cell_class

        edges = _full_celegans()
        ids = pd.unique(edges[["pre", "post"]].to_numpy().ravel())
        labels = {i: celegans_cell_class(i) for i in ids}
        kw = {"labels": labels, "g_syn": 30.0, "g_gap": 15.0}
        model = {"ALM": "LIF", "AVM": "LIF", "PLM": "LIF", "PVM": "LIF", "*": "graded"}
    net = PointNetwork.from_edge_list(edges, model=model, **kw, **props)
    model = model if isinstance(model, str) else "mixed"
    ids = np.sort(net.ids)[:20]
    if model == "mixed":
        ids = np.sort(net.ids[net.models.to_numpy() == "LIF"])
    net.add_poisson_input(ids, rate=150.0, weight=w_stim)
    t_build = time.perf_counter() - t0
    from connectome_sim.network import simulate

    # compile / warm up (the fused lockstep of groups coupled by gap junctions too, which a
    # process compiles only after FUSED_AFTER_STEPS steps of Python lockstep otherwise)
    after, simulate.FUSED_AFTER_STEPS = simulate.FUSED_AFTER_STEPS, 0
    try:
        net.run_simulation(20.0, dt=0.1, seed=seed)
    finally:
        simulate.FUSED_AFTER_STEPS = after
    t0 = time.perf_counter()
    net.run_simulation(duration, dt=0.1, seed=seed)
    t_run = time.perf_counter() - t0
    n = net.n_neurons
    return dict(model=model, neurons=n, edges=net.n_edges, build_s=t_build, run_s=t_run,
                spikes=len(net.spikes),
                throughput=n * (duration / 1000.0) / t_run)


def _full_celegans():
    from connectome_sim.datasets import load_celegans
    from connectome_sim.plotting import celegans_edge_signs

    edges = load_celegans()
    edges["sign"] = celegans_edge_signs(edges)
    return edges


_FIRST = """
import time
t0 = time.perf_counter()
import sys
sys.argv = ["bench_models"]
sys.path.insert(0, {here!r})
import bench_models as bm
if {model!r} == "ReducedDA1":
    bm.reduced_model()
from connectome_sim.datasets import load_celegans
bm.bench({model!r}, load_celegans(kind="chemical"), 100.0)
print("FIRST", time.perf_counter() - t0)
"""


def first_use(model):
    """Seconds for import + build + compile + a 100 ms run in a fresh process with empty
    caches (``CONNECTOME_SIM_CACHE`` and ``NUMBA_CACHE_DIR`` pointed at new folders)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CONNECTOME_SIM_CACHE=os.path.join(tmp, "k"),
                   NUMBA_CACHE_DIR=os.path.join(tmp, "n"), CONNECTOME_SIM_QUIET="1")
        here = os.path.dirname(os.path.abspath(__file__))
        p = subprocess.run([sys.executable, "-c", _FIRST.format(here=here, model=model)],
                           env=env, capture_output=True, text=True)
        if p.returncode:
            return float("nan")
        return float(p.stdout.split("FIRST")[-1])


TOUCH = ("ALM", "AVM", "PLM", "PVM")


def _timed(net, duration, repeats=3):
    """Best-of-``repeats`` wall time (s) of a warm run, and the spike count."""
    from connectome_sim.network import simulate

    after, simulate.FUSED_AFTER_STEPS = simulate.FUSED_AFTER_STEPS, 0
    try:
        net.run_simulation(20.0, dt=0.1, seed=1)
    finally:
        simulate.FUSED_AFTER_STEPS = after
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        net.run_simulation(duration, dt=0.1, seed=1)
        best = min(best, time.perf_counter() - t0)
    return best, len(net.spikes)


def mixed_parts(duration):
    """Mixed graded + LIF network vs its parts run apart, driven and undriven."""
    from connectome_sim.network import PointNetwork
    from connectome_sim.plotting import celegans_cell_class

    edges = _full_celegans()
    ids = pd.unique(edges[["pre", "post"]].to_numpy().ravel())
    touch = {i for i in ids if celegans_cell_class(i) in TOUCH}
    labels = {i: celegans_cell_class(i) for i in ids}
    kw = {"g_syn": 30.0, "g_gap": 15.0}
    inside = edges.pre.isin(touch) & edges.post.isin(touch)
    outside = ~edges.pre.isin(touch) & ~edges.post.isin(touch)
    mixed = dict.fromkeys(TOUCH, "LIF") | {"*": "graded"}
    print(f"mixed C. elegans network ({len(touch)} touch receptors LIF, the rest graded, gap "
          f"junctions), {duration:g} ms at dt 0.1 ms, best of 3, os.cpu_count() = "
          f"{os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    for drive in (True, False):
        net = PointNetwork.from_edge_list(edges, model=mixed, labels=labels, **kw)
        lif = PointNetwork.from_edge_list(edges[inside], model="LIF")
        graded = PointNetwork.from_edge_list(edges[outside], model="graded", **kw)
        if drive:
            for n in (net, lif):
                n.add_poisson_input(np.sort([i for i in n.ids if i in touch]), rate=150.0)
        t_mix, sp_mix = _timed(net, duration)
        t_lif, sp_lif = _timed(lif, duration)
        t_gr, _ = _timed(graded, duration)
        # the same network without the gap junctions between the groups: no lockstep, the
        # groups exchange spikes and graded outputs once per delay epoch
        cross = (edges.type == "electrical") & (edges.pre.isin(touch) != edges.post.isin(touch))
        apart = PointNetwork.from_edge_list(edges[~cross], model=mixed, labels=labels, **kw)
        if drive:
            apart.add_poisson_input(np.sort([i for i in apart.ids if i in touch]), rate=150.0)
        t_apart, _ = _timed(apart, duration)
        print(f"  {'driven' if drive else 'undriven':>9}: mixed {t_mix:.3f} s ({sp_mix} "
              f"spikes); parts: LIF {t_lif:.3f} s ({sp_lif} spikes) + graded {t_gr:.3f} s; "
              f"mixed / parts {t_mix / (t_lif + t_gr):.2f}; without the {int(cross.sum())} gap "
              f"rows between the groups (no lockstep) {t_apart:.3f} s: lockstep cost "
              f"{t_mix / t_apart - 1:+.0%}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms")
    ap.add_argument("--models", nargs="*", default=list(CONFIGS))
    ap.add_argument("--compile", action="store_true",
                    help="also time each model's first use in a fresh process, empty caches")
    ap.add_argument("--mixed-parts", action="store_true",
                    help="compare the mixed graded + LIF network with its parts run apart")
    args = ap.parse_args(argv)
    if args.mixed_parts:
        return mixed_parts(args.duration)
    from connectome_sim.datasets import load_celegans

    reduced_model()                                       # registers 'ReducedDA1'
    edges = load_celegans(kind="chemical")
    print(f"C. elegans network, {args.duration:g} ms at dt 0.1 ms, os.cpu_count() = "
          f"{os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'model':>16} {'neurons':>8} {'edges':>7} {'build s':>8} {'run s':>8} "
          f"{'spikes':>8} {'neuron*s/s':>11} {'vs LIF':>8}"
          + (f" {'first use s':>12}" if args.compile else ""))
    ref = None
    for m in args.models:
        r = bench(m, edges, args.duration)
        ref = ref or r["throughput"]
        first = f" {first_use(m):>12.1f}" if args.compile and m != "mixed" else ""
        print(f"{r['model']:>16} {r['neurons']:>8} {r['edges']:>7} {r['build_s']:>8.3f} "
              f"{r['run_s']:>8.3f} {r['spikes']:>8} {r['throughput']:>11.0f} "
              f"{r['throughput'] / ref:>8.3f}{first}")


if __name__ == "__main__":
    main()
