"""Geometry build time: connectome_sim.morphology.build_geometry vs navis and NEURON.

Two measurements in one process, each the median of several runs after a warm-up:

1. navis example neuron 1 (4,465 nodes) in µm, soma = node 20, rerooted (the navis NEURON
   tutorial), res = 10 µm: ``build_geometry(neuron)`` (navis reading) against navis's
   ``CompartmentModel(neuron, res=10)``.
2. Reading + building a 20k-point SWC file with NEURON's Import3d conventions (the default for
   files): ``build_geometry(path, d_lambda=0.1)`` against NEURON's own path
   (``Import3d_SWC_read().input`` + ``Import3d_GUI(reader, 0).instantiate(cell)`` + the
   d_lambda rule).  The file is ``data/morphologies/hemibrain_1734350788_soma_root.swc`` with
   every edge cut into 5 collinear pieces (22,321 points, the same cable), written to a
   temporary folder.  Target: < 0.5 s.

Prints absolute times, ratios, ``os.cpu_count()`` and the 1-minute load average (timings on
a shared machine are noisy).  Run: ``python benchmarks/bench_geometry.py``.
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "morphologies"


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        gc.collect()   # a collection triggered mid-run would be charged to that run
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def subdivided_swc(src: Path, dst: Path, k: int = 5) -> int:
    """Write ``src`` with every edge cut into ``k`` collinear pieces (radii interpolated,
    intermediate points of the child's type, fork/end labels only on the original nodes);
    parents keep preceding their children.  Returns the number of points."""
    rows = [ln.split() for ln in src.read_text().splitlines() if ln.strip() and ln[0] != "#"]
    pos = {int(r[0]): i for i, r in enumerate(rows)}
    new_id, out = {}, []
    for r in rows:
        i, t, p = int(r[0]), int(r[1]), int(r[6])
        x = [float(v) for v in r[2:6]]
        if p >= 0:
            q = [float(v) for v in rows[pos[p]][2:6]]
            prev = new_id[p]
            for j in range(1, k):
                f = j / k
                out.append((len(out) + 1, t if t not in (5, 6) else 0,
                            *[a + f * (b - a) for a, b in zip(q, x)], prev))
                prev = len(out)
        else:
            prev = -1
        out.append((len(out) + 1, t, *x, prev))
        new_id[i] = len(out)
    with open(dst, "w") as f:
        for row in out:
            f.write("%d %d %.6f %.6f %.6f %.6f %d\n" % row)
    return len(out)


def bench_navis(repeat: int) -> None:
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

    print(f"[1] navis tutorial neuron: {n.n_nodes} nodes, soma 20, res = 10 µm (navis reading)")
    print(f"connectome_sim build_geometry : {ours * 1e3:8.1f} ms  (median of {repeat}: "
          f"{', '.join(f'{t * 1e3:.1f}' for t in ours_all)})  "
          f"{g.n_sections} sections, {g.n_comp} compartments")
    print(f"navis CompartmentModel(res=10): {theirs * 1e3:8.1f} ms  (median of "
          f"{len(theirs_all)}: {', '.join(f'{t * 1e3:.1f}' for t in theirs_all)})  "
          f"{n_nrn} segments")
    print(f"ratio navis / ours            : {theirs / ours:8.1f}x")


def bench_swc_20k(repeat: int) -> None:
    from neuron import h

    from connectome_sim.morphology import build_geometry

    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")

    class Cell:
        pass

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "da1_x5.swc"
        npts = subdivided_swc(DATA / "hemibrain_1734350788_soma_root.swc", path)
        build_geometry(path, d_lambda=0.1)  # warm-up
        ours, ours_all = _median_time(lambda: build_geometry(path, d_lambda=0.1), repeat)
        g = build_geometry(path, d_lambda=0.1)

        def neuron_once():
            cell = Cell()
            reader = h.Import3d_SWC_read()
            reader.quiet = 1
            reader.input(str(path))
            h.Import3d_GUI(reader, 0).instantiate(cell)
            for sec in cell.all:
                sec.nseg = int((sec.L / (0.1 * h.lambda_f(100, sec=sec)) + 0.9) / 2) * 2 + 1
            return sum(sec.nseg for sec in cell.all)

        nseg_nrn = neuron_once()
        theirs, theirs_all = _median_time(neuron_once, max(3, repeat // 2))

    print(f"[2] SWC file of {npts} points read + built, NEURON Import3d reading, d_lambda = 0.1")
    print(f"connectome_sim build_geometry(path): {ours * 1e3:8.1f} ms  (median of {repeat}: "
          f"{', '.join(f'{t * 1e3:.1f}' for t in ours_all)})  {g.n_sections} sections, "
          f"{int(g.sections.nseg.sum())} segments; target < 500 ms: "
          f"{'met' if ours < 0.5 else 'NOT met'}")
    print(f"NEURON Import3d + instantiate      : {theirs * 1e3:8.1f} ms  (median of "
          f"{len(theirs_all)})  {nseg_nrn} segments")
    print(f"ratio NEURON / ours                : {theirs / ours:8.1f}x")


def main(repeat: int = 7) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"os.cpu_count() = {os.cpu_count()}, 1-min load average = {load:.2f}")
    bench_navis(repeat)
    bench_swc_20k(repeat)


if __name__ == "__main__":
    main()
