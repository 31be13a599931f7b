"""Geometry build time: connectome_sim.morphology.build_geometry vs navis CompartmentModel.

Same work in one process: navis example neuron 1 (4,465 nodes) in µm, soma = node 20,
rerooted (the navis NEURON tutorial), res = 10 µm.  Prints the median of several runs of
each, the ratio, and os.cpu_count().  Run: ``python benchmarks/bench_geometry.py``.
"""

from __future__ import annotations

import os
import statistics
import time


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main(repeat: int = 7) -> None:
    import navis
    import navis.interfaces.neuron as nrn
    from neuron import h

    from connectome_sim.morphology import build_geometry

    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    n.soma = 20
    n.reroot(n.soma, inplace=True)

    build_geometry(n, res=10.0)  # warm-up (imports, lazy navis properties)
    ours, ours_all = _median_time(lambda: build_geometry(n, res=10.0), repeat)
    g = build_geometry(n, res=10.0)

    def navis_once():
        """One CompartmentModel build, timed; its sections are deleted afterwards."""
        t0 = time.perf_counter()
        model = nrn.CompartmentModel(n, res=10)
        dt = time.perf_counter() - t0
        nseg = sum(s.nseg for s in model.sections)
        del model
        for sec in list(h.allsec()):
            h.delete_section(sec=sec)
        return dt, nseg

    navis_once()  # warm-up
    theirs_all, n_nrn = [], 0
    for _ in range(max(3, repeat // 2)):
        dt, n_nrn = navis_once()
        theirs_all.append(dt)
    theirs = statistics.median(theirs_all)

    print(f"os.cpu_count() = {os.cpu_count()}")
    print(f"neuron: {n.n_nodes} nodes, soma 20, res = 10 µm")
    print(f"connectome_sim build_geometry : {ours * 1e3:8.1f} ms  (median of {repeat}: "
          f"{', '.join(f'{t * 1e3:.1f}' for t in ours_all)})  "
          f"{g.n_sections} sections, {g.n_comp} compartments")
    print(f"navis CompartmentModel(res=10): {theirs * 1e3:8.1f} ms  (median of "
          f"{len(theirs_all)}: {', '.join(f'{t * 1e3:.1f}' for t in theirs_all)})  "
          f"{n_nrn} segments")
    print(f"ratio navis / ours            : {theirs / ours:8.1f}x")


if __name__ == "__main__":
    main()
