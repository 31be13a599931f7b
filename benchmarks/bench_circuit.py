"""Benchmark: the five navis example neurons as one circuit, ours vs NEURON, 1 vs 2 threads.

Circuit: navis example neurons 1-5 (µm; neuron 5 is in two fragments and is healed with
``heal=True``, i.e. navis's healing joins the fragments), res = 10 µm, Ra 266.1 Ω·cm,
cm 0.8 µF/cm², pas (1/20800 S/cm², -60 mV) and hh everywhere.  All-to-all wiring at connector
nodes: for every ordered pair (i, j), i != j, 20 synapses from the first 20 presynaptic connector
nodes of i to the first 20 postsynaptic connector nodes of j (Exp2Syn 0.2/3 ms, 0 mV, 0.005 µS,
NetCon threshold -10 mV at the presynaptic node, delay 1 ms): 400 synapses.  Each cell gets a
0.1 nA current pulse at its root from 10 to 990 ms.  1000 ms at dt = 0.025 ms, soma voltages
recorded.  NEURON 9 runs the same model built by hand (tests/cable/circuit_reference.py) with
its default hh tables (usetable_hh = 1).  Target: serial >= 4x NEURON.

Second part: one cell as a one-cell Circuit against the same cell run alone (the general case
of bench_cable.py: hemibrain example neuron 2, res 5 µm, hh + pas on every segment, IClamp,
400 ms), which must be the same computation: times within 10 % and bit-identical traces.

Prints absolute times, ratios, ns per segment-step, os.cpu_count() and the load; numbers
taken on a shared machine are noisy.

Run: python benchmarks/bench_circuit.py [duration_ms]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "cable"))
sys.path.insert(0, HERE)  # bench_cable: the general-case cell


def build(duration):
    import navis

    from connectome_sim.cable.circuit import Circuit

    nl = navis.example_neurons()
    cells = {int(n.id): n for n in nl}
    c = Circuit(cells, res=10, Ra=266.1, cm=0.8, heal=True)
    c.insert("pas", g=1 / 20800, e=-60)
    c.insert("hh")
    rows = []
    conn = {nid: c[nid].geometry.connector_table for nid in c.neuron_ids}
    for a in c.neuron_ids:
        pre = np.sort(conn[a].loc[conn[a].type == "pre", "node_id"].unique())[:20]
        for b in c.neuron_ids:
            if a == b:
                continue
            post = np.sort(conn[b].loc[conn[b].type == "post", "node_id"].unique())[:20]
            k = min(len(pre), len(post))
            rows.append(pd.DataFrame({"pre": a, "post": b, "pre_node": pre[:k],
                                      "post_node": post[:k]}))
    table = pd.concat(rows, ignore_index=True)
    c.connect_synapses(table.assign(tau1=0.2, tau2=3.0, e=0.0), weight=0.005, threshold=-10.0,
                       delay=1.0)
    for nid in c.neuron_ids:
        root = c[nid].geometry.morphology.root
        c[nid].inject_current_pulse(root, start=10, duration=duration - 20, current=0.1)
        c[nid].add_voltage_record(root, label="soma")
        c[nid].add_spike_detector(root, threshold=-20, label="soma")
    return c, len(table)


def run_ours(c, duration, parallel, threads):
    import numba
    numba.set_num_threads(threads)
    t0 = time.perf_counter()
    c.run_simulation(duration, v_init=-60, dt=0.025, parallel=parallel, dipole=False)
    return time.perf_counter() - t0


def run_neuron(c, duration):
    from circuit_reference import build_circuit_neuron, teardown_circuit
    from neuron import h

    t0 = time.perf_counter()
    refs = build_circuit_neuron(c)
    build_s = time.perf_counter() - t0
    h.dt, h.secondorder, h.celsius, h.usetable_hh = 0.025, 0, 6.3, 1
    h.steps_per_ms = 40.0
    t0 = time.perf_counter()
    h.finitialize(-60)
    h.continuerun(duration)
    run_s = time.perf_counter() - t0
    spikes = sum(len(v) for nid in c.neuron_ids for v in refs[nid]["det_vecs"])
    teardown_circuit(refs)
    return build_s, run_s, spikes


def one_cell_circuit(repeat=3):
    """The general-case cell alone and as a one-cell Circuit: times and bit identity."""
    import numba
    from bench_cable import GEN_DUR, build_general, load_general

    from connectome_sim.cable.circuit import Circuit
    numba.set_num_threads(1)
    n = load_general()
    alone = build_general(n)
    circ = Circuit({1: build_general(n)})

    def run_alone():
        alone.run_simulation(GEN_DUR, v_init=-60, dt=0.025)

    def run_circ():
        circ.run_simulation(GEN_DUR, v_init=-60, dt=0.025, dipole=False)

    run_alone()
    run_circ()
    ta = sorted(_cpu(run_alone) for _ in range(repeat))[repeat // 2]
    tc = sorted(_cpu(run_circ) for _ in range(repeat))[repeat // 2]
    same = np.array_equal(alone.records["v"].to_numpy(), circ[1].records["v"].to_numpy())
    ns = 1e9 / (alone.n_segments * round(GEN_DUR / 0.025))
    print(f"\n[one-cell circuit] {alone.n_segments} segments, hh + pas everywhere, "
          f"{GEN_DUR:.0f} ms, one thread, process CPU times: alone {ta:.3f} s "
          f"({ta * ns:.1f} ns/segment-step), one-cell Circuit {tc:.3f} s "
          f"({tc * ns:.1f} ns/segment-step) -> {tc / ta - 1:+.1%} (target within 10 %); "
          f"bit-identical traces: {same}")


def _cpu(fn):
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main():
    import argparse
    ap = argparse.ArgumentParser(description="Five navis example neurons as one circuit, ours vs NEURON.")
    ap.add_argument("duration", nargs="?", type=float, default=1000.0, help="simulated time (ms)")
    duration = ap.parse_args().duration
    import numba
    max_threads = numba.get_num_threads()
    t0 = time.perf_counter()
    c, n_syn = build(duration)
    build_s = time.perf_counter() - t0
    n_comp = sum(m.n_compartments for m in c)
    print(f"os.cpu_count() = {os.cpu_count()}, numba threads available = {max_threads}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"circuit: {len(c)} cells, {n_comp} compartments, {n_syn} synapses; build {build_s:.2f} s")
    # warm-up (JIT compile / load from cache) on a short run of both kernels
    t0 = time.perf_counter()
    c.run_simulation(1.0, v_init=-60, parallel=False, dipole=False)
    c.run_simulation(1.0, v_init=-60, parallel=True, dipole=False)
    print(f"kernel compile/load (both variants): {time.perf_counter() - t0:.1f} s")
    res = {}
    res["serial"] = run_ours(c, duration, False, 1)
    spikes_ours = len(c.spikes[c.spikes.label == "soma"])
    res["parallel_1thread"] = run_ours(c, duration, True, 1)
    if max_threads >= 2:
        res["parallel_2threads"] = run_ours(c, duration, True, 2)
    numba.set_num_threads(max_threads)
    nb, nr, spikes_nrn = run_neuron(c, duration)
    print(f"NEURON: build {nb:.2f} s, run {nr:.2f} s ({spikes_nrn} soma spikes)")
    for k, v in res.items():
        print(f"ours {k}: run {v:.2f} s ({v * 1e9 / (n_comp * duration / 0.025):.1f} "
              f"ns/compartment-step) -> NEURON/ours = {nr / v:.2f}x"
              + (" (target >= 4x)" if k == "serial" else ""))
    print(f"ours soma spikes: {spikes_ours}")
    if "parallel_2threads" in res:
        print(f"thread scaling (parallel kernel): 1 thread {res['parallel_1thread']:.2f} s, "
              f"2 threads {res['parallel_2threads']:.2f} s, speed-up "
              f"{res['parallel_1thread'] / res['parallel_2threads']:.2f}x")
    one_cell_circuit()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
