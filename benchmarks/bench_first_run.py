"""First runs after install: wall time of fresh processes with every cache pointed at an empty folder.

A user's first hour starts with compilation: numba compiles connectome_sim's kernels on the
first call and caches them on disk.  This benchmark starts a fresh interpreter for each case
with ``CONNECTOME_SIM_CACHE`` (generated kernel modules) and ``NUMBA_CACHE_DIR`` (numba's
cache of every ``cache=True`` function, the package's own included: numba prefers a
user-provided cache directory to the in-tree ``__pycache__``) pointed at new empty folders,
and times the whole process (import, build, compile, run).  It then runs the same case again
with the now warm caches.

Cases (all on shipped data):

``import``  ``import connectome_sim`` and the public names
``navis``   ``import navis`` alone: the part of ``hh`` that is navis's import, not ours
``hh``      the first hh cable run: hemibrain example neuron 1 (µm, soma node 20, res 10),
            hh + pas on every segment, IClamp 0.1 nA at the soma, 100 ms at dt 0.025 ms
``hh_swc``  the same run on the same neuron read from the shipped SWC file (navis not imported)
``lif``     the first LIF network run: the shipped C. elegans connectome as Shiu et al.'s
            LIF, Poisson input to the six touch receptor neurons at 150 Hz, 1000 ms
``demo``    ``connectome-sim demo`` (both of the above plus figures and tables)

Targets (fresh caches): hh <= 8 s, lif <= 8 s.  Besides wall time, the CPU time of each
process (user + system) is printed: on a machine shared with other work it varies much less
than wall time (both grow with load; the load averages are printed before and after).
Run: ``python benchmarks/bench_first_run.py [--cases import navis hh hh_swc lif demo]``.

A/B comparison of two checkouts (wall time drifts with the machine's load, so compare them
interleaved, several times, on CPU time):
``python benchmarks/bench_first_run.py --cases hh_swc --trees /path/a /path/b --repeat 5``
runs each case with each checkout first on ``PYTHONPATH``, alternating, and prints every
run and the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

_HH = (
    "m.Ra, m.cm = 266.1, 0.8\n"
    "m.insert('pas', g=1 / 20800, e=-60)\n"
    "m.insert('hh')\n"
    "m.add_voltage_record(soma)\n"
    "m.inject_current_pulse(soma, start=5, duration=90, current=0.1)\n"
    "m.run_simulation(100, v_init=-60)\n"
    "assert m.records['v'].shape[0] > 100\n")

CASES = {
    "import": "import connectome_sim as cs\ncs.CompartmentModel, cs.PointNetwork\n",
    "navis": "import navis\n",
    "hh": (
        "from connectome_sim.datasets import example_neuron\n"
        "from connectome_sim.cable import CompartmentModel\n"
        "n = example_neuron(1)\n"
        "m, soma = CompartmentModel(n, res=10), n.soma\n" + _HH),
    # the file is navis example neuron 1 rerooted at its soma and renumbered: the soma is node 1
    "hh_swc": (
        "from connectome_sim.datasets import data_dir\n"
        "from connectome_sim.cable import CompartmentModel\n"
        "f = data_dir() / 'morphologies' / 'hemibrain_1734350788_soma_root.swc'\n"
        "m, soma = CompartmentModel(str(f), res=10), 1\n" + _HH),
    "lif": (
        "from connectome_sim.datasets import load_celegans\n"
        "from connectome_sim.network import PointNetwork\n"
        "net = PointNetwork.from_edge_list(load_celegans(), model='LIF')\n"
        "net.add_poisson_input(['ALML', 'ALMR', 'AVM', 'PLML', 'PLMR', 'PVM'], rate=150)\n"
        "net.run_simulation(1000, seed=1)\n"
        "assert len(net.spikes) > 0\n"),
    "demo": None,
}


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_case(name: str, env: dict, out_dir: str) -> tuple[float, float]:
    """Wall and CPU time (s) of one fresh process running case ``name``."""
    if name == "demo":
        cmd = [sys.executable, "-m", "connectome_sim.cli", "demo", "--out",
               os.path.join(out_dir, f"demo_{time.time_ns()}")]
    else:
        cmd = [sys.executable, "-c", CASES[name]]
    c0, t0 = _cpu_children(), time.perf_counter()
    # (in a temporary working directory: ``python -c`` puts the working directory first on
    # sys.path, so a checkout there would be imported instead of the package printed above)
    proc = subprocess.run(cmd, env=env, cwd=out_dir, capture_output=True, text=True)
    dt, cpu = time.perf_counter() - t0, _cpu_children() - c0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"case {name!r} failed (exit {proc.returncode})")
    return dt, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="+",
                    default=["import", "navis", "hh", "hh_swc", "lif", "demo"],
                    choices=list(CASES))
    ap.add_argument("--trees", nargs="+", default=None,
                    help="checkouts to compare (each put first on PYTHONPATH), interleaved")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each case and checkout")
    args = ap.parse_args(argv)
    if args.trees:
        return compare(args.cases, args.trees, args.repeat)
    import connectome_sim

    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  "
          f"connectome_sim: {os.path.dirname(connectome_sim.__file__)}")
    print("load averages (1, 5, 15 min) before: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'case':8s} {'fresh caches: wall / CPU (s)':>29s} {'warm caches: wall / CPU (s)':>29s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            cache = tempfile.mkdtemp(dir=tmp)
            pkg_root = os.path.dirname(os.path.dirname(connectome_sim.__file__))
            path = os.pathsep.join(p for p in (pkg_root, os.environ.get("PYTHONPATH")) if p)
            env = dict(os.environ, CONNECTOME_SIM_CACHE=os.path.join(cache, "kernels"),
                       PYTHONPATH=path,
                       NUMBA_CACHE_DIR=os.path.join(cache, "numba"), MPLBACKEND="Agg")
            cold = run_case(name, env, tmp)
            warm = run_case(name, env, tmp)
            print(f"{name:8s} {cold[0]:20.1f} / {cold[1]:5.1f} {warm[0]:20.1f} / {warm[1]:5.1f}",
                  flush=True)
    print("load averages (1, 5, 15 min) after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def compare(cases, trees, repeat):
    """Fresh- and warm-cache runs of each case with each checkout in ``trees``, alternating
    checkouts ``repeat`` times; prints each run and the medians (CPU and wall, s)."""
    import statistics

    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    print("load averages (1, 5, 15 min) before: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(repeat):
            for name in cases:
                for tree in trees:
                    cache = tempfile.mkdtemp(dir=tmp)
                    env = dict(os.environ, CONNECTOME_SIM_CACHE=os.path.join(cache, "kernels"),
                               PYTHONPATH=tree, NUMBA_CACHE_DIR=os.path.join(cache, "numba"),
                               MPLBACKEND="Agg")
                    cold = run_case(name, env, tmp)
                    warm = run_case(name, env, tmp)
                    res.setdefault((name, tree), []).append((cold, warm))
                    print(f"run {rep + 1} {name:8s} {tree}: fresh {cold[0]:.1f} s wall / "
                          f"{cold[1]:.1f} s CPU, warm {warm[0]:.1f} / {warm[1]:.1f}  (load "
                          f"{os.getloadavg()[0]:.2f})", flush=True)
    print(f"{'case':8s} {'checkout':40s} medians: fresh wall / CPU, warm wall / CPU (s)")
    for (name, tree), runs in res.items():
        med = [statistics.median(r[i][j] for r in runs) for i in (0, 1) for j in (0, 1)]
        print(f"{name:8s} {tree:40s} {med[0]:6.1f} / {med[1]:5.1f}   {med[2]:6.1f} / "
              f"{med[3]:5.1f}")
    print("load averages (1, 5, 15 min) after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
