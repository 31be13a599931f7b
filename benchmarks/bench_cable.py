"""Cable benchmark: ours against NEURON 9 and Arbor 0.12 on the same segments, same dt.

Models (hemibrain example neurons shipped with navis, µm):

* **general case** (the one that counts): example neuron 2 at res = 5 µm (1,626 segments, 2,361
  compartments with NEURON's zero-area branch nodes), hh + pas on EVERY segment, Ra 266.1
  Ω·cm, cm 0.8 µF/cm², pas 1/20800 S/cm² at -60 mV, IClamp 0.2 nA at the root from 10 to 390
  ms, 400 ms at dt 0.025 ms, v_init -60 mV, one voltage record.  NEURON with its default rate
  tables (``usetable_hh = 1``) and with exact rates; Arbor with its exact hh and the same CVs
  per branch (``fixed-per-branch nseg``, tests/cable/arbor_reference.py); ours with exact
  rates (the default) and with NEURON's tables.  Passive variant: the same without hh.
* **tutorial** (seed 001, navis NEURON tutorial): example neuron 1, soma = node 20, res 10,
  pas everywhere, hh on the axon + linker only, five AlphaSynapse steps, 1000 ms.

Both twins are built by hand from our geometry (tests/cable/nrn_reference.py,
arbor_reference.py: sections, pt3d, nseg), so all three tools solve the same unknowns.

Prints (medians of ``--repeat`` runs, one thread each): times, ratios, ns per segment-step
(time / (segments x steps)), ours against a measured roofline (the same arithmetic per
segment-step in a minimal numba program: the hh rates and gate updates on contiguous
arrays, no gathers, and the Hines sweeps of the same tree, no events, point processes or
records), build time against navis's CompartmentModel, the trials' thread scaling,
``os.cpu_count()`` and the machine load.  Targets (general case, one thread): hh >= 4x NEURON
with tables and >= 2x Arbor; passive >= 5x NEURON and >= 2x Arbor.

Numbers taken on a shared machine are noisy (the load is printed); ``--cpu-time`` times the
single-threaded runs by process CPU time, which leaves out time spent descheduled.
Run: ``python benchmarks/bench_cable.py [--repeat 3] [--trials 16] [--cpu-time]
[--sections general,roofline,tutorial,build,trials] [--morphology FILE]``; ``--morphology``
runs the general case on another cell (soma='navis', since Arbor's twin cannot attach
children at soma(0.5); d_lambda 0.1),
e.g. ``data/morphologies/c91662.swc`` (a rat CA1 pyramidal cell, NeuroMorpho.Org).
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


GEN_RES, GEN_DUR, GEN_AMP = 5.0, 400.0, 0.2


MORPHOLOGY = None   # --morphology: a file read with NEURON's Import3d rules, d_lambda = 0.1


def load_general():
    """Hemibrain example neuron 2 (µm), as shipped with navis, or the ``--morphology`` file."""
    if MORPHOLOGY is not None:
        return MORPHOLOGY
    import navis
    return navis.example_neurons(2, kind="skeleton")[1].convert_units("um")


def build_general(n, hh=True):
    """The general case on our engine (see module docstring)."""
    from connectome_sim.cable import CompartmentModel
    if MORPHOLOGY is not None:
        # navis's soma convention: the Arbor twin cannot attach children at soma(0.5)
        m = CompartmentModel(n, d_lambda=0.1, Ra=266.1, cm=0.8, soma="navis")
    else:
        m = CompartmentModel(n, res=GEN_RES, Ra=266.1, cm=0.8)
    m.insert("pas", g=1 / 20800, e=-60)
    if hh:
        m.insert("hh")
    root = m.geometry.morphology.root
    m.inject_current_pulse(root, start=10, duration=GEN_DUR - 20, current=GEN_AMP)
    m.add_voltage_record(root, label="root")
    return m


def time_neuron_general(model, repeat, usetable):
    from nrn_reference import build_neuron, teardown
    ref = build_neuron(model)
    h = ref["h"]
    try:
        h.dt, h.secondorder, h.celsius, h.usetable_hh = DT, 0, 6.3, usetable
        h.steps_per_ms = 1.0 / DT

        def once():
            h.finitialize(V0)
            h.continuerun(GEN_DUR)

        once()
        return _median(once, repeat)
    finally:
        teardown(ref)


def time_arbor_general(model, repeat):
    """Median Arbor run time (s, wall clock of ``simulation.run`` even with --cpu-time:
    Arbor's process CPU time also counts its helper thread) of the twin with the same CVs,
    and its CV count."""
    from arbor_reference import run_arbor
    times, n_cv = [], 0
    run_arbor(model, 1.0, V0)  # warm-up (catalogue, allocations)
    for _ in range(repeat):
        _, run_s, _, _, n_cv = run_arbor(model, GEN_DUR, V0, dt=DT, threads=1)
        times.append(run_s)
    return statistics.median(times), n_cv


def _roofline_kernel():
    """A minimal numba program with the arithmetic of one hh segment-step (the exact rates'
    three exponentials, one division per gate, three cnexp exponentials, the conductance)
    on contiguous arrays, and the all-hot Hines elimination and back-substitution of the
    same tree; nothing else (no gathers, events, point processes, records, blow-up check)."""
    from numba import njit

    from connectome_sim.engine.cable_abi import vexp_range_

    @njit(fastmath={"contract"}, error_model="numpy")
    def roofline(nsteps, par, gax, dbase, cv, v, st, ff, invd, d, rhs):
        n = v.shape[0]
        ns = st.shape[1]
        flat = st.reshape(-1)
        c = -DT
        for _ in range(nsteps):
            for k in range(ns):  # rates: three exponentials ...
                x = v[k]
                st[0, k] = (x + 40.0) * -0.1
                st[1, k] = (x + 65.0) * (-1.0 / 18.0)
                st[2, k] = (x + 65.0) * -0.0125
            vexp_range_(flat, 0, 3 * ns)
            for k in range(ns):  # ... and one division per gate
                x = v[k]
                e10, e18, e80 = st[0, k], st[1, k], st[2, k]
                e20 = e80 * e80
                e20 = e20 * e20
                nn = -0.1 * (x + 40.0)
                dn = e10 - 1.0
                pp = nn + 4.0 * e18 * dn
                r = 1.0 / (pp * dn)
                st[3, k] = nn * dn * r
                st[0, k] = c * pp * pp * r
                q = e10 * 1.6487212707001282 + 1.0
                a = 0.07 * e20 * q
                pp = a + 1.0
                r = 1.0 / (pp * q)
                st[4, k] = a * q * r
                st[1, k] = c * pp * pp * r
                nn = -0.01 * (x + 55.0)
                dn = e10 * 0.22313016014842982 - 1.0
                pp = nn + 0.125 * e80 * dn
                r = 1.0 / (pp * dn)
                st[5, k] = nn * dn * r
                st[2, k] = c * pp * pp * r
            vexp_range_(flat, 0, 3 * ns)
            for k in range(ns):  # gates and conductance
                m = st[6, k] + (1.0 - st[0, k]) * (st[3, k] - st[6, k])
                h = st[7, k] + (1.0 - st[1, k]) * (st[4, k] - st[7, k])
                nq = st[8, k] + (1.0 - st[2, k]) * (st[5, k] - st[8, k])
                st[6, k] = m
                st[7, k] = h
                st[8, k] = nq
                nq = nq * nq
                d[k] = dbase[k] + 0.12 * m * m * m * h + 0.036 * nq * nq
                rhs[k] = cv[k] * v[k] + d[k] * 50.0
            for k in range(n - 1, 0, -1):  # Hines elimination, all compartments vary
                i = np.uint64(k)
                iv = 1.0 / d[i]
                f = gax[i] * iv
                invd[i] = iv
                ff[i] = f
                p = par[i]
                d[p] -= f * gax[i]
                rhs[p] += f * rhs[i]
            invd[0] = 1.0 / d[0]
            v[0] = rhs[0] * invd[0]
            for k in range(1, n):  # back-substitution
                i = np.uint64(k)
                v[i] = rhs[i] * invd[i] + ff[i] * v[par[i]]
    return roofline


def time_roofline(model, repeat):
    """Roofline time (s) of the general case: see _roofline_kernel."""
    from connectome_sim.engine.cable_solver import level_order
    g = model.geometry
    parent = np.asarray(g.parent, np.int64)
    order = level_order(parent)
    new = np.empty(len(order), np.int64)
    new[order] = np.arange(len(order))
    par = np.where(parent[order] >= 0, new[np.maximum(parent[order], 0)], 0).astype(np.uint32)
    n = len(par)
    ns = (int((~g.is_junction).sum()) + 31) // 32 * 32
    nsteps = int(round(GEN_DUR / DT))
    rng = np.random.default_rng(0)
    args = (par, rng.uniform(0.05, 0.2, n), rng.uniform(0.5, 1.0, n), rng.uniform(0.1, 0.2, n),
            np.full(n, -60.0), np.full((9, ns), 0.3), np.zeros(n), np.zeros(n), np.zeros(n),
            np.zeros(n))
    fn = _roofline_kernel()
    fn(1, *args)
    return _median(lambda: fn(nsteps, *args), repeat)


def main(repeat: int = 3, trials: int = 16, sections=("general", "tutorial", "build",
                                                         "trials", "roofline")) -> None:
    import numba
    import navis  # noqa: F401  (import cost outside the timings)
    from neuron import h

    ncpu = os.cpu_count()
    nsteps = int(round(DUR / DT))
    print(f"connectome_sim cable benchmark: os.cpu_count() = {ncpu}, numba threads "
          f"{numba.config.NUMBA_NUM_THREADS}, load average {os.getloadavg()[0]:.2f} at start; "
          + ("process CPU times" if CPU_TIMES else "wall-clock times")
          + " (trials: always wall-clock); shared machines give noisy numbers")
    numba.set_num_threads(1)

    # ------------------------------------------------------------------ general case
    if "general" in sections:
        ng = load_general()
        gsteps = int(round(GEN_DUR / DT))
        what = (f"{MORPHOLOGY} (soma='navis', d_lambda 0.1)" if MORPHOLOGY is not None
                else f"hemibrain example neuron 2, res {GEN_RES:g} µm")
        print(f"\n[general case] {what}, "
              f"{GEN_DUR:.0f} ms at dt {DT} ms ({gsteps} steps), IClamp {GEN_AMP} nA at the "
              "root, one thread each")
        for label, hh in [("hh + pas on every segment", True), ("passive (pas only)", False)]:
            m = build_general(ng, hh=hh)
            nseg = m.n_segments
            ns = 1e9 / (nseg * gsteps)
            m.run_simulation(GEN_DUR, v_init=V0, dt=DT)  # compile / load the cached kernels
            t_ours = _median(lambda: m.run_simulation(GEN_DUR, v_init=V0, dt=DT), repeat)
            t_tab = None
            if hh:
                m.run_simulation(GEN_DUR, v_init=V0, dt=DT, usetable_hh=True)
                t_tab = _median(lambda: m.run_simulation(GEN_DUR, v_init=V0, dt=DT,
                                                         usetable_hh=True), repeat)
            t_nrn = time_neuron_general(m, repeat, 1)
            t_nrn_exact = time_neuron_general(m, repeat, 0) if hh else None
            t_arb, n_cv = time_arbor_general(m, repeat)
            print(f"  {label}: {nseg} segments, {m.n_compartments} compartments (Arbor: {n_cv} "
                  "CVs)")
            print(f"    NEURON (rate tables)   {t_nrn:.3f} s  {t_nrn * ns:5.1f} ns/segment-step")
            if t_nrn_exact is not None:
                print(f"    NEURON (exact rates)   {t_nrn_exact:.3f} s  "
                      f"{t_nrn_exact * ns:5.1f} ns/segment-step")
            print(f"    Arbor 0.12 (exact)     {t_arb:.3f} s  {t_arb * ns:5.1f} ns/segment-step"
                  + ("  (wall clock)" if CPU_TIMES else ""))
            tgt = (4, 2) if hh else (5, 2)
            print(f"    ours (exact rates)     {t_ours:.3f} s  {t_ours * ns:5.1f} ns/segment-step"
                  f"  -> {t_nrn / t_ours:.2f}x NEURON-tables (target >= {tgt[0]}x), "
                  f"{t_arb / t_ours:.2f}x Arbor (target >= {tgt[1]}x)")
            if t_tab is not None:
                print(f"    ours (rate tables)     {t_tab:.3f} s  {t_tab * ns:5.1f} "
                      f"ns/segment-step  -> {t_nrn / t_tab:.2f}x NEURON-tables, "
                      f"{t_arb / t_tab:.2f}x Arbor")
            if hh and "roofline" in sections:
                t_roof = time_roofline(m, repeat)
                print(f"    roofline (same hh arithmetic + Hines sweeps, minimal program) "
                      f"{t_roof:.3f} s  {t_roof * ns:5.1f} ns/segment-step: ours at "
                      f"{t_roof / t_ours:.0%} of it")

    # ------------------------------------------------------------------ build
    n = load_neuron()
    if "build" in sections:
        build_ours(n)  # warm-up: imports, numba caches, lazy navis properties
        t_ours = _median(lambda: build_ours(n), repeat)

        def navis_once():
            cmp = build_navis(n)
            del cmp
            for sec in list(h.allsec()):
                h.delete_section(sec=sec)

        navis_once()
        t_navis = _median(navis_once, repeat)
        print(f"\n[build] ours {t_ours * 1e3:.1f} ms, navis CompartmentModel "
              f"{t_navis * 1e3:.1f} ms -> ours {t_navis / t_ours:.1f}x faster (target >= 5x)")

    # ------------------------------------------------------------------ tutorial
    if "tutorial" in sections:
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
                t_tab = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT,
                                                         usetable_hh=True), repeat)
            t_nrn, nseg, nspk_n = time_neuron(m, repeat)
            assert nseg == ncomp, (nseg, ncomp)
            rows.append((label, ncomp, t_exact, t_tab, t_nrn, nspk, nspk_n))
        print(f"\n[tutorial] {DUR:.0f} ms at dt {DT} ms ({nsteps} steps), one thread each; "
              "NEURON with usetable_hh=1")
        for label, ncomp, t_exact, t_tab, t_nrn, nspk, nspk_n in rows:
            ns = 1e9 / (ncomp * nsteps)
            print(f"  {label}: {ncomp} segments; spikes ours {nspk}, NEURON {nspk_n}")
            print(f"    NEURON {t_nrn:.3f} s ({t_nrn * ns:.1f} ns/segment-step)")
            print(f"    ours (exact rates) {t_exact:.3f} s ({t_exact * ns:.1f} ns/segment-step)"
                  f" -> {t_nrn / t_exact:.2f}x NEURON")
            if t_tab is not None:
                print(f"    ours (rate tables) {t_tab:.3f} s ({t_tab * ns:.1f} ns/segment-step)"
                      f" -> {t_nrn / t_tab:.2f}x NEURON")

    # ------------------------------------------------------------------ trials
    if "trials" in sections:
        m = build_ours(n, alpha=False, noisy=True)
        numba.set_num_threads(1)
        m.run_simulation(DUR, v_init=V0, dt=DT, n_trials=2, seed=1)  # compile the trials path
        t1 = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT, n_trials=trials, seed=1),
                     1, cpu=False)
        v1 = m.records["v"].to_numpy().copy()
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        tall = _median(lambda: m.run_simulation(DUR, v_init=V0, dt=DT, n_trials=trials,
                                                seed=1), 1, cpu=False)
        vall = m.records["v"].to_numpy()
        print(f"\n[trials] K = {trials} noisy-input trials: 1 thread {t1:.2f} s, "
              f"{numba.config.NUMBA_NUM_THREADS} threads {tall:.2f} s -> {t1 / tall:.2f}x "
              f"(os.cpu_count() = {ncpu}); bit-identical: {np.array_equal(v1, vall)}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--cpu-time", action="store_true",
                    help="time single-threaded runs by process CPU time (shared machines)")
    ap.add_argument("--sections", default="general,tutorial,build,trials,roofline",
                    help="comma-separated subset of general, tutorial, build, trials, roofline")
    ap.add_argument("--morphology", default=None,
                    help="SWC/ASC/H5 file for the general case instead of hemibrain neuron 2 "
                         "(soma='navis', d_lambda 0.1; e.g. "
                         "data/morphologies/c91662.swc, a rat CA1 pyramidal cell)")
    a = ap.parse_args()
    CPU_TIMES = a.cpu_time
    MORPHOLOGY = a.morphology
    main(a.repeat, a.trials, tuple(a.sections.split(",")))
