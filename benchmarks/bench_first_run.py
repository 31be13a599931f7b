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
``hh``      the first hh cable run: hemibrain example neuron 1 (µm, soma node 20, res 10),
            hh + pas on every segment, IClamp 0.1 nA at the soma, 100 ms at dt 0.025 ms
``lif``     the first LIF network run: the shipped C. elegans connectome as Shiu et al.'s
            LIF, Poisson input to the six touch receptor neurons at 150 Hz, 1000 ms
``demo``    ``connectome-sim demo`` (both of the above plus figures and tables)

Targets (fresh caches): hh <= 8 s, lif <= 8 s.
Run: ``python benchmarks/bench_first_run.py [--cases hh lif demo import]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

CASES = {
    "import": "import connectome_sim as cs\ncs.CompartmentModel, cs.PointNetwork\n",
    "hh": (
        "from connectome_sim.datasets import example_neuron\n"
        "from connectome_sim.cable import CompartmentModel\n"
        "n = example_neuron(1)\n"
        "m = CompartmentModel(n, res=10)\n"
        "m.Ra, m.cm = 266.1, 0.8\n"
        "m.insert('pas', g=1 / 20800, e=-60)\n"
        "m.insert('hh')\n"
        "m.add_voltage_record(n.soma)\n"
        "m.inject_current_pulse(n.soma, start=5, duration=90, current=0.1)\n"
        "m.run_simulation(100, v_init=-60)\n"
        "assert m.records['v'].shape[0] > 100\n"),
    "lif": (
        "from connectome_sim.datasets import load_celegans\n"
        "from connectome_sim.network import PointNetwork\n"
        "net = PointNetwork.from_edge_list(load_celegans(), model='LIF')\n"
        "net.add_poisson_input(['ALML', 'ALMR', 'AVM', 'PLML', 'PLMR', 'PVM'], rate=150)\n"
        "net.run_simulation(1000, seed=1)\n"
        "assert len(net.spikes) > 0\n"),
    "demo": None,
}


def run_case(name: str, env: dict, out_dir: str) -> float:
    if name == "demo":
        cmd = [sys.executable, "-m", "connectome_sim.cli", "demo", "--out",
               os.path.join(out_dir, f"demo_{time.time_ns()}")]
    else:
        cmd = [sys.executable, "-c", CASES[name]]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"case {name!r} failed (exit {proc.returncode})")
    return dt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="+", default=["import", "hh", "lif", "demo"],
                    choices=list(CASES))
    args = ap.parse_args(argv)
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  "
          f"load: {os.getloadavg()[0]:.2f}")
    print(f"{'case':8s} {'fresh caches (s)':>17s} {'warm caches (s)':>16s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            cache = tempfile.mkdtemp(dir=tmp)
            env = dict(os.environ, CONNECTOME_SIM_CACHE=os.path.join(cache, "kernels"),
                       NUMBA_CACHE_DIR=os.path.join(cache, "numba"), MPLBACKEND="Agg")
            cold = run_case(name, env, tmp)
            warm = run_case(name, env, tmp)
            print(f"{name:8s} {cold:17.1f} {warm:16.1f}", flush=True)


if __name__ == "__main__":
    main()
