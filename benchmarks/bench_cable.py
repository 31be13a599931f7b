"""Cable benchmark: the seed 001 tutorial model here and in NEURON 9, same segments, same dt.

Model (navis NEURON tutorial): example neuron 1 in µm, soma = node 20, rerooted, res = 10,
Ra 266.1 Ω·cm, cm 0.8 µF/cm², pas g = 1/20800 S/cm² e = -60 mV everywhere, hh on the axon +
linker sections, voltage records at dendrite base / axon tip / soma, a spike detector at the
axon tip, five AlphaSynapse steps (5·i synapses at 50 + 200·i ms), 1000 ms at dt 0.025 ms,
v_init -60 mV.  NEURON's twin is built by hand from our geometry (tests/cable/nrn_reference.py:
sections, pt3d, nseg, connections — so both have identical compartments; navis's own model has
the same nseg but leaves root subtrees disconnected).

Prints (medians of ``--repeat`` runs, one thread each unless stated):

1. build time: our CompartmentModel (geometry + mechanisms + records) vs navis's
   ``navis.interfaces.neuron.CompartmentModel`` doing the same; target ours >= 5x faster;
2. simulation time vs NEURON in its default table mode (``usetable_hh = 1``; ours with its
   default exact rates and with ``usetable_hh=True``); target >= 3x; passive-only variant
   (no hh, same inputs), target >= 5x; ns per compartment-step for both;
3. K = 16 trials of the noisy-input variant (``add_synaptic_input`` with spike_noise = 1) on
   all cores vs one core, and ``os.cpu_count()``.

Numbers taken on a shared machine are noisy; run alone for figures to quote.
Run: ``python benchmarks/bench_cable.py [--repeat 3] [--trials 16] [--cpu-time]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "cable"))  # nrn_reference: the hand-built NEURON twin

DUR, DT, V0 = 1000.0, 0.025, -60.0
DEND_BASE, AXON_TIP, SOMA = 467, 4384, 20
CPU_TIMES = False  # set by --cpu-time


def _median(fn, repeat, cpu=None):
    """Median wall time (s) of ``repeat`` calls; CPU time instead if ``cpu`` (or CPU_TIMES).

    On a machine shared with other jobs, the process CPU time of a single-threaded run is a
    far steadier measure than the wall time (it leaves out time spent descheduled)."""
    clock = time.process_time if (CPU_TIMES if cpu is None else cpu) else time.perf_counter
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def load_neuron():
    import navis
    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    n.soma = SOMA
    n.reroot(n.soma, inplace=True)
    navis.split_axon_dendrite(n, label_only=True, cellbodyfiber="soma")
    return n


def _post(n):
    return n.postsynapses[n.postsynapses.compartment == "dendrite"].node_id.unique()


def _tutorial(cmp, n, hh=True, alpha=True, noisy=False):
    """Set up the tutorial model on ``cmp``: ours or navis's CompartmentModel, since both take
    the same calls (navis's method names are our API)."""
    cmp.Ra, cmp.cm = 266.1, 0.8
    cmp.insert("pas", g=1 / 20800, e=-60)
    if hh:
        axon = n.nodes.loc[n.nodes.compartment.isin(["axon", "linker"]), "node_id"].values
        cmp.insert("hh", subset=list(set(cmp.get_node_section(axon))))
    cmp.add_voltage_record(DEND_BASE, label="dendrite_base")
    cmp.add_voltage_record(AXON_TIP, label="axon_tip")
    cmp.add_voltage_record(SOMA, label="soma")
    cmp.add_spike_detector(AXON_TIP, label="axon_tip")
    post = _post(n)
    if alpha:
        for i in range(5):
            cmp.add_synaptic_current(where=post[0:i * 5], start=50 + i * 200, max_syn_cond=.1,
                                     rev_pot=-10)
    if noisy:
        cmp.add_synaptic_input(post[0:20], spike_no=20, spike_int=50, spike_noise=1,
                               cn_weight=0.04)
    return cmp


def build_ours(n, hh=True, alpha=True, noisy=False):
    """The tutorial model on our engine (see module docstring)."""
    from connectome_sim.cable import CompartmentModel
    return _tutorial(CompartmentModel(n, res=10), n, hh=hh, alpha=alpha, noisy=noisy)


def build_navis(n):
    """The same model through navis's NEURON CompartmentModel (for the build time only)."""
    import navis.interfaces.neuron as nrn
    return _tutorial(nrn.CompartmentModel(n, res=10), n)


def time_neuron(model, repeat):
    """Median NEURON run time (s) of the hand-built twin, table mode, fixed step."""
    from nrn_reference import build_neuron, teardown
    ref = build_neuron(model)
    h = ref["h"]
    try:
        h.dt, h.secondorder, h.celsius, h.usetable_hh = DT, 0, 6.3, 1
        h.steps_per_ms = 1.0 / DT

        def once():
            h.finitialize(V0)
            h.continuerun(DUR)

        once()
        t = _median(once, repeat)
        nseg = sum(int(s.nseg) for s in ref["secs"])
        nspk = len(ref["det_vecs"][0]) if ref["det_vecs"] else 0
    finally:
        teardown(ref)
    return t, nseg, nspk


def main(repeat: int = 3, trials: int = 16) -> None:
    import numba
    import navis  # noqa: F401  (import cost outside the timings)
    from neuron import h

    ncpu = os.cpu_count()
    n = load_neuron()
    nsteps = int(round(DUR / DT))
    print(f"connectome_sim cable benchmark — os.cpu_count() = {ncpu}, numba threads "
          f"{numba.config.NUMBA_NUM_THREADS}; shared machines give noisy numbers; times are "
          + ("process CPU times" if CPU_TIMES else "wall-clock times")
          + " (trials: always wall-clock)")

    # ------------------------------------------------------------------ 1. build
    build_ours(n)  # warm-up: imports, numba caches, lazy navis properties
    t_ours = _median(lambda: build_ours(n), repeat)

    def navis_once():
        cmp = build_navis(n)
        del cmp
        for sec in list(h.allsec()):
            h.delete_section(sec=sec)

    navis_once()
    t_navis = _median(navis_once, repeat)
    print(f"\n[build] ours {t_ours * 1e3:.1f} ms, navis CompartmentModel {t_navis * 1e3:.1f} ms"
          f" -> ours {t_navis / t_ours:.1f}x faster (target >= 5x)")

    # ------------------------------------------------------------------ 2. simulation
    numba.set_num_threads(1)
    rows = []
    for label, hh in [("tutorial (pas + hh on axon)", True), ("passive only", False)]:
        m = build_ours(n, hh=hh)
        ncomp = int((~m.geometry.is_junction).sum())
        m.run_simulation(DUR, v_init=V0, dt=DT)  # compile / load the cached kernel
        t_exact = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT), repeat)
        nspk = len(m.spikes)
        t_tab = None
        if hh:
            m.run_simulation(DUR, v_init=V0, dt=DT, usetable_hh=True)
            t_tab = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT, usetable_hh=True),
                            repeat)
        t_nrn, nseg, nspk_n = time_neuron(m, repeat)
        assert nseg == ncomp, (nseg, ncomp)
        rows.append((label, ncomp, t_exact, t_tab, t_nrn, nspk, nspk_n))
    print(f"\n[simulation] {DUR:.0f} ms at dt {DT} ms ({nsteps} steps), one thread each; "
          "NEURON with usetable_hh=1")
    for label, ncomp, t_exact, t_tab, t_nrn, nspk, nspk_n in rows:
        ns = 1e9 / (ncomp * nsteps)
        target = 3 if t_tab is not None else 5
        print(f"  {label}: {ncomp} compartments; spikes ours {nspk}, NEURON {nspk_n}")
        print(f"    NEURON {t_nrn:.3f} s ({t_nrn * ns:.1f} ns/comp-step)")
        print(f"    ours (exact rates) {t_exact:.3f} s ({t_exact * ns:.1f} ns/comp-step) -> "
              f"{t_nrn / t_exact:.2f}x NEURON (target >= {target}x)")
        if t_tab is not None:
            print(f"    ours (rate tables) {t_tab:.3f} s ({t_tab * ns:.1f} ns/comp-step) -> "
                  f"{t_nrn / t_tab:.2f}x NEURON")

    # ------------------------------------------------------------------ 3. trials
    m = build_ours(n, alpha=False, noisy=True)
    numba.set_num_threads(1)
    m.run_simulation(DUR, v_init=V0, dt=DT, n_trials=2, seed=1)  # compile the trials path
    t1 = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT, n_trials=trials, seed=1), 1,
                 cpu=False)
    v1 = m.records["v"].to_numpy().copy()
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    tall = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT, n_trials=trials, seed=1), 1,
                   cpu=False)
    vall = m.records["v"].to_numpy()
    print(f"\n[trials] K = {trials} noisy-input trials: 1 thread {t1:.2f} s, "
          f"{numba.config.NUMBA_NUM_THREADS} threads {tall:.2f} s -> {t1 / tall:.2f}x "
          f"(os.cpu_count() = {ncpu}); bit-identical: {np.array_equal(v1, vall)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--cpu-time", action="store_true",
                    help="time single-threaded runs by process CPU time (shared machines)")
    a = ap.parse_args()
    CPU_TIMES = a.cpu_time
    main(a.repeat, a.trials)
