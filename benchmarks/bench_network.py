"""Point-network benchmarks: connectome_sim vs navis/NEURON, Brian2, and FlyWire scale.

Usage: python benchmarks/bench_network.py [--skip-neuron] [--skip-brian2] [--skip-flywire]
       [--skip-heavy] [--skip-mixed] [--standalone] [--brian2-flywire]

FlyWire scale (synthetic, 139,255 neurons, 15.1M edges, random 64-bit IDs): build time with
its breakdown and peak memory beyond the input frame; warm 1 s runs with 20 and 200 driven
neurons; the heavy run (20,000 driven, every neuron active) on 1 and 2 threads with ns per
synaptic event (and, with --brian2-flywire, Brian2 cpp_standalone on the same network); a
mixed LIF + AdEx network against the sum of its parts.  Prints absolute times (s), ratios,
os.cpu_count() and the load average; numbers on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "larva"


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def intfire4_edges(n, seed=0):
    """navis_neuron_interface.md §4b regime: 10 random targets, U(0.075, 0.15), 20 % inhibitory."""
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(n), 10)
    tgt = np.concatenate([rng.choice(n, 10, replace=False) for _ in range(n)])
    w = rng.uniform(0.075, 0.15, src.size)
    w[(rng.random(n) < 0.2)[src]] *= -1
    driven = rng.choice(n, n // 10, replace=False)
    return pd.DataFrame({"source": src, "target": tgt, "weight": w}), driven


def bench_neuron(ns=(1000, 5000)):
    from connectome_sim.network import PointNetwork

    print("\n== IntFire4 vs navis/NEURON (1 s, 10 % driven at 50 Hz, randomness 1) ==")
    t0 = time.perf_counter()
    e, d = intfire4_edges(50)
    warm = PointNetwork.from_edge_list(e, model="IntFire4")
    warm.add_stimulus(list(d), start=0, stop=10, frequency=50, randomness=1)
    warm.run_simulation(10, seed=0)
    print(f"one-time load of the cached numba kernels (first use in this process): "
          f"{time.perf_counter() - t0:.3f} s")
    for n in ns:
        edges, driven = intfire4_edges(n)
        t0 = time.perf_counter()
        net = PointNetwork.from_edge_list(edges, model="IntFire4")
        net.add_stimulus(list(driven), start=0, stop=1000, frequency=50, randomness=1)
        t1 = time.perf_counter()
        net.run_simulation(1000, dt=0.1, seed=1)
        t2 = time.perf_counter()
        ours_b, ours_r, ours_n = t1 - t0, t2 - t1, len(net.spikes)
        import navis.interfaces.neuron as nrn

        t0 = time.perf_counter()
        nnet = nrn.PointNetwork.from_edge_list(edges, model="IntFire4")
        nnet.add_stimulus(list(driven), start=0, stop=1000, frequency=50, randomness=1)
        t1 = time.perf_counter()
        nnet.run_simulation(1000)
        t2 = time.perf_counter()
        nb, nr = t1 - t0, t2 - t1
        nsp = int(nnet.get_spike_counts(bin_size=None).sum().sum())
        print(f"N={n}: ours build {ours_b:.3f} s run {ours_r:.3f} s ({ours_n} spikes) | "
              f"navis build {nb:.3f} s run {nr:.3f} s ({nsp} spikes) | "
              f"speed-up build+run {(nb + nr) / (ours_b + ours_r):.1f}x")


def larva():
    edges = pd.read_csv(DATA / "edges.csv", header=None, names=["source", "target", "weight"])
    meta = pd.read_csv(DATA / "meta_data.csv", index_col=0)
    ids = np.unique(np.concatenate([edges.source, edges.target]))
    sens = meta.index[meta.merge_class.astype(str).str.startswith("sens")]
    sens = np.intersect1d(sens, ids)
    return edges, ids, sens


def _shiu_brian2(b2, edges, ids, sens):
    """Shiu et al.'s LIF network in Brian2 on the larva edges (one definition for both
    targets): returns ``(network, spike monitor)``; sensory neurons get 150 Hz Poisson input."""
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * b2.ms
    idx = pd.Index(ids)
    eqs = """dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
             dg/dt = -g / tau : volt (unless refractory)
             rfc : second"""
    ns = dict(v_0=-52 * b2.mV, v_rst=-52 * b2.mV, v_th=-45 * b2.mV, t_mbr=20 * b2.ms,
              tau=5 * b2.ms)
    neu = b2.NeuronGroup(len(ids), eqs, threshold="v > v_th", reset="v = v_rst; g = 0*mV",
                         refractory="rfc", method="linear", namespace=ns)
    neu.v = -52 * b2.mV
    neu.rfc = 2.2 * b2.ms
    syn = b2.Synapses(neu, neu, "w : volt", on_pre="g += w", delay=1.8 * b2.ms)
    syn.connect(i=idx.get_indexer(edges.source), j=idx.get_indexer(edges.target))
    syn.w = edges.weight.to_numpy() * 0.275 * b2.mV
    objs = [neu, syn]
    for s in idx.get_indexer(sens):
        neu[s].rfc = 0 * b2.ms
        objs.append(b2.PoissonInput(neu[s], "v", 1, 150 * b2.Hz, 68.75 * b2.mV))
    mon = b2.SpikeMonitor(neu)
    return b2.Network(*objs, mon), mon


def bench_brian2(standalone=False):
    from connectome_sim.network import PointNetwork

    edges, ids, sens = larva()
    print(f"\n== Larva ({len(ids)} neurons, {len(edges)} edges, {len(sens)} sensory at 150 Hz), "
          "Shiu LIF, 1 s ==")
    t0 = time.perf_counter()
    net = PointNetwork.from_edge_list(edges, model="LIF")
    net.add_poisson_input(list(sens), rate=150.0)
    t1 = time.perf_counter()
    net.run_simulation(1000, seed=1)
    t2 = time.perf_counter()
    # warm runs: 5 seeds; the median is compared with the peers (the best shows the noise)
    walls, cpus = [], []
    for seed in range(2, 7):
        w0, c0 = time.perf_counter(), time.process_time()
        net.run_simulation(1000, seed=seed)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    ours_warm = float(np.median(walls))
    print(f"ours: build {t1 - t0:.3f} s, first run {t2 - t1:.3f} s, warm run median of 5 "
          f"{ours_warm:.3f} s wall / {np.median(cpus):.3f} s CPU (best {min(walls):.3f} s wall), "
          f"{len(net.spikes)} spikes (seed 6)")
    import brian2 as b2

    def run_b2(target):
        net, mon = _shiu_brian2(b2, edges, ids, sens)
        t0 = time.perf_counter()
        net.run(1000 * b2.ms)
        t1 = time.perf_counter()
        net.run(1000 * b2.ms)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, mon.num_spikes

    b2.prefs.codegen.target = "cython"
    first, warm, nsp = run_b2("cython")
    print(f"Brian2 cython: first run {first:.3f} s, warm run {warm:.3f} s ({nsp} spikes / 2 s) | "
          f"ours warm is {warm / ours_warm:.1f}x faster")
    if standalone:
        _bench_standalone(edges, ids, sens, ours_warm)


def _bench_standalone(edges, ids, sens, ours_warm):
    """Brian2 cpp_standalone on the same larva model: one build, compile timed separately."""
    import tempfile

    import brian2 as b2

    with tempfile.TemporaryDirectory() as tmp:
        b2.set_device("cpp_standalone", directory=tmp, build_on_run=False)
        try:
            net, mon = _shiu_brian2(b2, edges, ids, sens)
            t0 = time.perf_counter()
            net.run(1000 * b2.ms)
            t1 = time.perf_counter()
            b2.device.build(directory=tmp, compile=True, run=False, with_output=False)
            t2 = time.perf_counter()
            b2.device.run(directory=tmp, with_output=False, run_args=[])
            t3 = time.perf_counter()
            sim = getattr(b2.device, "_last_run_time", float("nan"))
            nsp = int(mon.num_spikes)
        finally:
            b2.device.reinit()
            b2.device.activate()
            b2.set_device("runtime")
    print(f"Brian2 cpp_standalone: code generation {t1 - t0:.2f} s, compile {t2 - t1:.2f} s, "
          f"run (process, incl. loading data) {t3 - t2:.3f} s, simulation loop {sim:.3f} s "
          f"({nsp} spikes / 1 s) | ours warm {ours_warm:.3f} s = "
          f"{sim / ours_warm:.2f}x the standalone loop's speed")


def flywire_edges(n=139_255, e=15_100_000, seed=0):
    """Synthetic FlyWire-scale graph: heavy-tailed out-degrees and synapse counts, 20 %
    inhibitory sources, random 64-bit root IDs (unique, in random order; FlyWire's are
    ~7.2e17) in ``pre_root_id``/``post_root_id``/``syn_count`` columns."""
    rng = np.random.default_rng(seed)
    # out-degrees: heavy-tailed (lognormal), mean ~108 partners, capped at 5000 as in FlyWire
    deg = rng.lognormal(0.0, 1.0, n)
    deg = np.clip(np.round(deg / deg.sum() * e), 1, 5000).astype(np.int64)
    while deg.sum() < e:
        deg[rng.integers(0, n, e - deg.sum())] += 1
        deg = np.minimum(deg, 5000)
    src = np.repeat(np.arange(n, dtype=np.int64), deg)[:e]
    tgt = rng.integers(0, n, src.size)
    # synapse counts: lognormal, median ~4.5, mean ~7, capped at 1000 (heavy-tailed like FlyWire)
    cnt = np.minimum(np.ceil(rng.lognormal(1.5, 1.0, src.size)), 1000).astype(np.int32)
    sign = np.where(rng.random(n) < 0.2, -1, 1)[src]
    ids = np.unique(rng.integers(2 ** 59, 2 ** 63 - 1, int(n * 1.01)))
    ids = rng.permutation(ids)[:n]
    return pd.DataFrame({"pre_root_id": ids[src], "post_root_id": ids[tgt],
                         "syn_count": cnt * sign}), ids


def _load():
    la = os.getloadavg()
    return f"load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} cores"


def _events(net, sp_rows):
    """Synaptic events delivered for spikes of the network rows ``sp_rows`` (out-degree sum)."""
    from connectome_sim.network.compile import compile_network

    comp = compile_network(net)
    deg_eng = np.zeros(comp.n, np.int64)
    src = np.repeat(np.arange(comp.n), np.diff(comp.seg_ptr))
    np.add.at(deg_eng, src, comp.seg_end - comp.seg_start)
    return int(deg_eng[comp.engine_row[sp_rows]].sum())


def bench_flywire(heavy=True, threads=(1, 2)):
    from connectome_sim.network import PointNetwork

    gc.collect()
    edges, ids = flywire_edges()
    print(f"\n== Synthetic FlyWire scale: {len(ids)} neurons, {len(edges)} edges, random 64-bit "
          f"IDs, LIF (Shiu et al. 2024), 1 s at dt 0.1 ms; {_load()} ==")
    from connectome_sim.network.memory import proc_kib, reset_peak_rss

    rss0 = proc_kib("/proc/self/status", "VmRSS")
    exact = reset_peak_rss()
    t0 = time.perf_counter()
    net = PointNetwork.from_edge_list(edges, model="LIF", verbose=True)
    t_first = time.perf_counter() - t0
    peak = (proc_kib("/proc/self/status", "VmHWM") - rss0) / 1024
    builds = []
    for _ in range(2):
        t0 = time.perf_counter()
        PointNetwork.from_edge_list(edges, model="LIF", verbose=True)
        builds.append(time.perf_counter() - t0)
    print(f"build: first {t_first:.2f} s (numba compile on a fresh install), warm "
          f"{min(builds):.2f} s (target <= 2 s); peak memory {peak:.0f} MB beyond the input "
          f"frame{'' if exact else ' (VmHWM not resettable: upper bound)'} (target <= 2048)")
    rows = {}
    for n_driven in (20, 200):
        net.clear_stimuli()
        net.add_poisson_input(ids[:n_driven], rate=150.0)
        net.run_simulation(50, seed=0, threads=1)
        walls = []
        for seed in range(1, 4):
            t0 = time.perf_counter()
            sp = net.run_simulation(1000, seed=seed, threads=1)
            walls.append(time.perf_counter() - t0)
        rows[n_driven] = (min(walls), len(sp))
        print(f"{n_driven} driven at 150 Hz: warm 1 s run {min(walls):.3f} s (best of 3, one "
              f"thread), {len(sp)} spikes{' (target <= 0.1 s)' if n_driven == 20 else ''}")
    if not heavy:
        return {}
    net.clear_stimuli()
    net.add_poisson_input(ids[:20000], rate=150.0)
    ref = None
    heavy_rows = {}
    import numba

    for thr in threads:
        net.run_simulation(20, seed=5, threads=thr)          # compile this variant first
        t0 = time.perf_counter()
        c0 = time.process_time()
        sp = net.run_simulation(1000, seed=5, threads=thr)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
        rows_ = net._rows(sp.neuron_id.to_numpy(), "spikes")
        ev = _events(net, rows_)
        same = "" if ref is None else f", bits identical to 1 thread: {sp.equals(ref)}"
        ref = sp if ref is None else ref
        layer = numba.threading_layer() if thr > 1 else "-"
        print(f"20,000 driven (every neuron active), {thr} thread(s): {wall:.2f} s wall, "
              f"{cpu:.2f} s CPU, {len(sp):,} spikes, {ev:,} synaptic events = "
              f"{wall * 1e9 / ev:.2f} ns wall / {cpu * 1e9 / ev:.2f} ns CPU per event{same} "
              f"(target <= 15 s on 2 cores; numba threading layer {layer}, "
              f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}; {_load()})")
        heavy_rows[thr] = {"wall": wall, "cpu": cpu, "spikes": len(sp), "events": ev,
                           "load": _load(), "same": ref is sp or sp.equals(ref)}
    return heavy_rows


def heavy_summary(ours, brian2):
    """One table: the heavy run, ours (per thread count) beside Brian2 cpp_standalone."""
    print(f"\n== Heavy FlyWire-scale run (20,000 driven at 150 Hz, 1 s), ns per synaptic event "
          f"(target: <= 15 s on 2 cores); {_load()} now ==")
    for thr, r in ours.items():
        print(f"  connectome_sim, {thr} thread(s): {r['wall']:7.2f} s wall {r['cpu']:7.2f} s CPU "
              f"{r['wall'] * 1e9 / r['events']:6.2f} ns/event wall "
              f"{r['cpu'] * 1e9 / r['events']:6.2f} ns/event CPU, {r['spikes']:,} spikes, "
              f"{r['load']}")
    if 1 in ours and 2 in ours:
        print(f"  2 threads / 1 thread: {ours[1]['wall'] / ours[2]['wall']:.2f}x faster (wall)"
              f"{'' if ours[2]['same'] else '; SPIKES DIFFER FROM 1 THREAD'}")
    if brian2:
        b = brian2
        print(f"  Brian2 cpp_standalone, 1 thread: {b['loop']:7.2f} s loop, {b['process']:.2f} s "
              f"process, {b['build']:.2f} s generate + compile; {b['loop'] * 1e9 / b['events']:6.2f} "
              f"ns/event (loop), {(b['build'] + b['process']) * 1e9 / b['events']:.2f} incl. compile"
              f", {b['spikes']:,} spikes (its own Poisson draws: totals differ slightly)")
        for thr, r in ours.items():
            per_ours = r["wall"] / r["events"]
            per_b2 = b["loop"] / b["events"]
            print(f"  per event, Brian2 loop / ours on {thr} thread(s): {per_b2 / per_ours:.2f}x")


def bench_mixed(n_lif=20_000, n_adex=2_000, duration=1000.0):
    """A mixed network runs within 10 % of the sum of its parts: LIF and AdEx populations,
    disconnected (each also run alone), and the same with 1 % of the edges between them
    (both ways; then the groups exchange spikes every shortest delay between them)."""
    from connectome_sim.network import PointNetwork

    rng = np.random.default_rng(1)

    def pop(prefix, n, m):
        s, t = rng.integers(0, n, m), rng.integers(0, n, m)
        return pd.DataFrame({"pre": prefix * 10 ** 7 + s, "post": prefix * 10 ** 7 + t,
                             "weight": rng.integers(1, 6, m)})

    a, b = pop(1, n_lif, n_lif * 50), pop(2, n_adex, n_adex * 50)
    m_x = (len(a) + len(b)) // 200
    x = pd.DataFrame({"pre": np.concatenate([10 ** 7 + rng.integers(0, n_lif, m_x),
                                             2 * 10 ** 7 + rng.integers(0, n_adex, m_x)]),
                      "post": np.concatenate([2 * 10 ** 7 + rng.integers(0, n_adex, m_x),
                                              10 ** 7 + rng.integers(0, n_lif, m_x)]),
                      "weight": rng.integers(1, 6, 2 * m_x)})

    def timed(edges, model, labels=None):
        # AdEx: 0.2 mV-equivalents per synapse and a 2 ms refractory period keep it from
        # running away (its weights are currents in R·I units, BrainPy's form)
        net = PointNetwork.from_edge_list(edges, model=model, labels=labels,
                                          weight_scale={"AdEx": 0.2, "LIF": 0.275})
        if "AdEx" in set(net.models):
            net.set_params(net.ids[net.models.to_numpy() == "AdEx"], tau_ref=2.0)
        for m in net.models.unique():
            ids = net.ids[net.models.to_numpy() == m][:200]
            net.add_poisson_input(ids, rate=150.0, weight=None if m == "LIF" else 20.0,
                                  refractory=None)
        net.run_simulation(50, seed=0, threads=1)
        best, best_cpu = np.inf, np.inf
        for seed in range(1, 4):
            t0, c0 = time.perf_counter(), time.process_time()
            net.run_simulation(duration, seed=seed, threads=1)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
        return best, best_cpu, len(net.spikes)

    tl, cl, nl = timed(a, "LIF")
    ta, ca, na = timed(b, "AdEx")
    print(f"\n== Mixed network: {n_lif} LIF + {n_adex} AdEx, 200 driven each, "
          f"{duration:g} ms, one thread, best of 3; {_load()} ==")
    print(f"LIF alone {tl:.3f} s (CPU {cl:.3f} s; {nl} spikes), AdEx alone {ta:.3f} s "
          f"(CPU {ca:.3f} s; {na} spikes), sum {tl + ta:.3f} s (CPU {cl + ca:.3f} s)")
    for what, edges in (("disconnected", pd.concat([a, b], ignore_index=True)),
                        (f"connected ({2 * m_x} edges between the two)",
                         pd.concat([a, b, x], ignore_index=True))):
        labels = {i: str(i // 10 ** 7)
                  for i in pd.unique(edges[["pre", "post"]].to_numpy().ravel())}
        tm, cm, nm = timed(edges, {"1": "LIF", "2": "AdEx"}, labels=labels)
        print(f"mixed, {what}: {tm:.3f} s (CPU {cm:.3f} s; {nm} spikes) = "
              f"{tm / (tl + ta):.2f}x the sum (CPU {cm / (cl + ca):.2f}x; target <= 1.10)")


def bench_flywire_brian2(n_driven=20000):
    """Brian2 cpp_standalone on the same FlyWire-scale network (one thread): process time of
    the simulation, for ns per synaptic event beside ours.  Needs a C++ compiler and ~10 GB."""
    import tempfile

    import brian2 as b2

    edges, ids = flywire_edges()
    idx = pd.Index(ids)
    print(f"\n== Brian2 cpp_standalone, FlyWire scale, {n_driven} driven, 1 s; {_load()} ==")
    with tempfile.TemporaryDirectory() as tmp:
        b2.set_device("cpp_standalone", directory=tmp, build_on_run=False)
        try:
            b2.defaultclock.dt = 0.1 * b2.ms
            eqs = """dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
                     dg/dt = -g / tau : volt (unless refractory)
                     rfc : second"""
            ns = dict(v_0=-52 * b2.mV, v_rst=-52 * b2.mV, v_th=-45 * b2.mV, t_mbr=20 * b2.ms,
                      tau=5 * b2.ms)
            neu = b2.NeuronGroup(len(ids), eqs, threshold="v > v_th",
                                 reset="v = v_rst; g = 0*mV", refractory="rfc",
                                 method="linear", namespace=ns)
            neu.v = -52 * b2.mV
            syn = b2.Synapses(neu, neu, "w : volt", on_pre="g += w", delay=1.8 * b2.ms)
            syn.connect(i=idx.get_indexer(edges.pre_root_id),
                        j=idx.get_indexer(edges.post_root_id))
            syn.w = edges.syn_count.to_numpy() * 0.275 * b2.mV
            drive = idx.get_indexer(ids[:n_driven])
            rfc_ms = np.full(len(ids), 2.2)       # (standalone sets whole arrays, not by index)
            rfc_ms[drive] = 0.0
            neu.rfc = rfc_ms * b2.ms
            pg = b2.PoissonGroup(drive.size, 150 * b2.Hz)
            s2 = b2.Synapses(pg, neu, on_pre="v += 68.75*mV")
            s2.connect(i=np.arange(drive.size), j=drive)
            mon = b2.SpikeMonitor(neu)
            net = b2.Network(neu, syn, pg, s2, mon)
            t0 = time.perf_counter()
            net.run(1000 * b2.ms)
            b2.device.build(directory=tmp, compile=True, run=False, with_output=False)
            t_build = time.perf_counter() - t0
            t0 = time.perf_counter()
            b2.device.run(directory=tmp, with_output=False, run_args=[])
            wall = time.perf_counter() - t0
            sim = getattr(b2.device, "_last_run_time", float("nan"))
            i = np.asarray(mon.i)
        finally:
            b2.device.reinit()
            b2.device.activate()
            b2.set_device("runtime")
    deg = edges.groupby("pre_root_id").size().reindex(ids).fillna(0).to_numpy(np.int64)
    ev = int(deg[i].sum())
    print(f"Brian2 cpp_standalone (one thread): simulation loop {sim:.2f} s, process {wall:.2f} s"
          f" (loads the data), code generation + compile {t_build:.2f} s, total "
          f"{t_build + wall:.2f} s; {i.size:,} spikes, {ev:,} events = {sim * 1e9 / ev:.2f} ns "
          f"per event (loop), {(t_build + wall) * 1e9 / ev:.2f} ns incl. compile; {_load()}")
    return {"loop": sim, "process": wall, "build": t_build, "spikes": i.size, "events": ev}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-neuron", action="store_true")
    ap.add_argument("--skip-brian2", action="store_true")
    ap.add_argument("--skip-flywire", action="store_true")
    ap.add_argument("--skip-heavy", action="store_true",
                    help="FlyWire scale without the 20,000-driven run")
    ap.add_argument("--skip-mixed", action="store_true")
    ap.add_argument("--standalone", action="store_true",
                    help="also Brian2 cpp_standalone on the larva (needs a C++ compiler; ~10 s compile)")
    ap.add_argument("--brian2-flywire", action="store_true",
                    help="also Brian2 cpp_standalone on the heavy FlyWire-scale run (~10 GB, minutes)")
    a = ap.parse_args()
    print(f"os.cpu_count() = {os.cpu_count()}, {_load()} (shared machine: wall times are noisy)")
    ours = bench_flywire(heavy=not a.skip_heavy) if not a.skip_flywire else {}
    b2 = bench_flywire_brian2() if a.brian2_flywire else None
    if ours or b2:
        heavy_summary(ours, b2)
    if not a.skip_mixed:
        bench_mixed()
    if not a.skip_neuron:
        bench_neuron()
    if not a.skip_brian2:
        bench_brian2(a.standalone)


if __name__ == "__main__":
    main()
