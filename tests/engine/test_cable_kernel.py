"""The generated cable kernel on flat arrays: NEURON parity on one compartment (hh, IClamp,
Exp2Syn/ExpSyn events with NetCon delays, BE and CN, temperature), forests, and trials that
are bit-identical whatever the thread count."""

import numba
import numpy as np
import pytest

from connectome_sim.engine.cable_run import CableArrays, EventArrays, MechanismArrays, run_cable
from connectome_sim.mechanisms import HH
from connectome_sim.mechanisms.point import exp2syn_factor

L_DIAM = 10.0  # µm: one 10 µm x 10 µm cylinder


def _hh_row(area):
    hh = HH()
    p = hh.validate({})
    return hh, p, np.array([[area * 1e-2] + [p[k] for k in hh.param_names]])


def _one_comp(area):
    hh, p, row = _hh_row(area)
    t1, t2, f = exp2syn_factor(0.5, 2.0)
    return CableArrays(
        parent=np.array([-1]), gax=np.zeros(1), cap=np.array([area * 1e-5]),
        gconst=np.array([p["gl"] * area * 1e-2]),
        econst=np.array([p["gl"] * p["el"] * area * 1e-2]),
        mechs=[MechanismArrays(hh, np.array([0]), row)],
        icl_comp=np.array([0]), icl_par=np.array([[1.0, 0.5, 0.3]]),
        alp_comp=np.array([0]), alp_par=np.array([[12.0, 0.5, 2e-3, 0.0]]),
        syn_comp=np.array([0, 0]), syn_par=np.array([[t1, t2, -80.0, f, f],
                                                     [3.0, 3.0, 0.0, 0.0, 1.0]]),
        det_comp=np.array([0]), det_thr=np.array([0.0]), nc_ptr=np.array([0, 1]),
        nc_syn=np.array([0]), nc_w=np.array([1e-3]), nc_delay=np.array([1.0]))


@pytest.mark.parametrize("method,celsius", [("be", 6.3), ("cn", 16.0)])
def test_single_compartment_matches_neuron(method, celsius):
    from neuron import h
    h.load_file("stdrun.hoc")
    sec = h.Section(name="kernel_test")
    sec.L, sec.diam = L_DIAM, L_DIAM
    sec.insert("hh")
    seg = sec(0.5)
    ic = h.IClamp(seg)
    ic.delay, ic.dur, ic.amp = 1.0, 0.5, 0.3
    al = h.AlphaSynapse(seg)
    al.onset, al.tau, al.gmax, al.e = 12.0, 0.5, 2e-3, 0.0
    s2 = h.Exp2Syn(seg)
    s2.tau1, s2.tau2, s2.e = 0.5, 2.0, -80.0
    s1 = h.ExpSyn(seg)
    s1.tau, s1.e = 3.0, 0.0
    nc = h.NetCon(seg._ref_v, s2, sec=sec)
    nc.threshold, nc.delay, nc.weight[0] = 0.0, 1.0, 1e-3
    tv = h.Vector()
    nc.record(tv)
    ext = h.NetCon(None, s1)
    ext.weight[0] = 4e-3
    fih = h.FInitializeHandler(lambda: [ext.event(t) for t in (7.3, 15.01, 15.2)])
    v = h.Vector().record(seg._ref_v)
    m = h.Vector().record(seg._ref_m_hh)
    try:
        h.usetable_hh, h.secondorder, h.celsius, h.dt = 0, 2 if method == "cn" else 0, \
            celsius, 0.025
        h.finitialize(-65)
        h.continuerun(25)
        area = seg.area()
        nv, nm, nspk = np.array(v), np.array(m), np.array(tv)
    finally:
        h.usetable_hh, h.secondorder, h.celsius = 1, 0, 6.3
        del fih, ext, nc, s1, s2, al, ic, seg, sec
    ev = EventArrays(np.array([0, 3]), np.array([7.3, 15.01, 15.2]), np.array([1, 1, 1]),
                     np.full(3, 4e-3))
    out = run_cable(_one_comp(area), ev, 1000, 0.025, -65.0, method=method, celsius=celsius,
                    rec_v=[0], rec_s=[(0, 0, 0)])
    assert np.abs(out["rec"][0, 0] - nv).max() < 1e-6
    assert np.abs(out["rec"][0, 1] - nm).max() < 1e-8
    ours = out["spk_step"][0, :out["spk_n"][0]] * 0.025
    assert len(ours) == len(nspk) >= 2
    assert np.abs(ours - nspk).max() < 1e-6


def _cable(n, gax=0.05, area=300.0):
    """An unbranched passive+hh cable of n compartments (Hines order)."""
    hh, p, row = _hh_row(area)
    return dict(parent=np.arange(-1, n - 1), gax=np.full(n, gax), cap=np.full(n, area * 1e-5),
                gconst=np.full(n, p["gl"] * area * 1e-2),
                econst=np.full(n, p["gl"] * p["el"] * area * 1e-2),
                hh=hh, row=row)


def test_forest_equals_separate_cells():
    """Two cells in one system (two roots) give exactly the runs of each cell alone."""
    a, b = _cable(7), _cable(5, gax=0.08)
    runs = []
    for c, amp in ((a, 0.4), (b, 0.2)):
        n = len(c["parent"])
        arr = CableArrays(parent=c["parent"], gax=c["gax"], cap=c["cap"], gconst=c["gconst"],
                          econst=c["econst"],
                          mechs=[MechanismArrays(c["hh"], np.arange(n), np.repeat(c["row"], n, 0))],
                          icl_comp=np.array([0]), icl_par=np.array([[1.0, 2.0, amp]]))
        runs.append(run_cable(arr, EventArrays.empty(1), 400, 0.025, -65.0,
                              rec_v=np.arange(n))["rec"][0])
    na, nb = 7, 5
    par = np.concatenate([a["parent"], np.where(b["parent"] >= 0, b["parent"] + na, -1)])
    cat = (lambda k: np.concatenate([a[k], b[k]]))
    arr = CableArrays(parent=par, gax=cat("gax"), cap=cat("cap"), gconst=cat("gconst"),
                      econst=cat("econst"),
                      mechs=[MechanismArrays(a["hh"], np.arange(na + nb),
                                            np.repeat(a["row"], na + nb, 0))],
                      icl_comp=np.array([0, na]), icl_par=np.array([[1.0, 2.0, 0.4],
                                                                    [1.0, 2.0, 0.2]]))
    both = run_cable(arr, EventArrays.empty(1), 400, 0.025, -65.0,
                     rec_v=np.arange(na + nb))["rec"][0]
    assert runs[0].max() > 0  # cell a spikes
    np.testing.assert_array_equal(both[:na], runs[0])
    np.testing.assert_array_equal(both[na:], runs[1])


def _trial_events(k_trials, rng):
    ptr, times = [0], []
    for k in range(k_trials):
        t = np.sort(rng.uniform(0, 20, size=5 + k))
        times.append(t)
        ptr.append(ptr[-1] + len(t))
    t = np.concatenate(times)
    return EventArrays(np.array(ptr), t, np.zeros(len(t), np.int64), np.full(len(t), 2e-3))


def test_trials_bit_identical_across_thread_counts():
    c = _cable(6)
    t1, t2, f = exp2syn_factor(0.2, 3.0)
    arr = CableArrays(parent=c["parent"], gax=c["gax"], cap=c["cap"], gconst=c["gconst"],
                      econst=c["econst"],
                      mechs=[MechanismArrays(c["hh"], np.arange(6), np.repeat(c["row"], 6, 0))],
                      syn_comp=np.array([5]), syn_par=np.array([[t1, t2, 0.0, f, f]]),
                      det_comp=np.array([0]), det_thr=np.array([-20.0]))
    ev = _trial_events(4, np.random.default_rng(3))
    kw = dict(rec_v=[0, 5], rec_s=[(0, 0, 0)])
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_cable(arr, ev, 1000, 0.025, -65.0, n_trials=4, **kw)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run_cable(arr, ev, 1000, 0.025, -65.0, n_trials=4, **kw)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(one["rec"], two["rec"])
    np.testing.assert_array_equal(one["spk_step"], two["spk_step"])
    # trials differ (different inputs) and trial 2 equals a single run of its own events
    assert not np.array_equal(one["rec"][0], one["rec"][1])
    ev2 = EventArrays(np.array([0, ev.ptr[3] - ev.ptr[2]]), ev.time[ev.ptr[2]:ev.ptr[3]],
                      ev.syn[ev.ptr[2]:ev.ptr[3]], ev.w[ev.ptr[2]:ev.ptr[3]])
    single = run_cable(arr, ev2, 1000, 0.025, -65.0, **kw)
    np.testing.assert_array_equal(single["rec"][0], one["rec"][2])


def test_blow_up_reports_step_and_compartment():
    c = _cable(4)
    arr = CableArrays(parent=c["parent"], gax=c["gax"], cap=c["cap"], gconst=c["gconst"],
                      econst=c["econst"], icl_comp=np.array([2]),
                      icl_par=np.array([[0.5, 100.0, 1e9]]))
    out = run_cable(arr, EventArrays.empty(1), 100, 0.025, -65.0, rec_v=[0])
    step, comp = out["err"][0]
    assert step == 21 and comp >= 0  # the pulse starts in the step from 0.5 ms


def _random_forest(rng, n, n_roots):
    """Parent array in depth-first-like Hines order (parent[i] < i) with ``n_roots`` roots:
    runs of consecutive compartments and branches off earlier ones."""
    parent = np.full(n, -1)
    for i in range(n_roots, n):
        parent[i] = i - 1 if rng.random() < 0.6 else rng.integers(0, i)
    return parent


def test_level_order_is_hines_order_roots_first():
    from connectome_sim.engine.cable_solver import level_order
    rng = np.random.default_rng(5)
    parent = _random_forest(rng, 300, 3)
    order = level_order(parent)
    assert sorted(order.tolist()) == list(range(300))
    new = np.empty(300, np.int64)
    new[order] = np.arange(300)
    npar = np.where(parent[order] >= 0, new[np.maximum(parent[order], 0)], -1)
    assert (npar[:3] == -1).all() and (npar[3:] >= 0).all()  # roots first
    assert (npar[3:] < np.arange(3, 300)).all()  # still Hines order
    depth = np.zeros(300, np.int64)
    for i in range(1, 300):
        if npar[i] >= 0:
            depth[i] = depth[npar[i]] + 1
    assert (np.diff(depth) >= 0).all()  # level by level


@pytest.mark.parametrize("method", ["be", "cn"])
def test_branched_forest_matches_dense_solve(method):
    """The kernel renumbers compartments internally; every record and the blow-up report
    must still be in the caller's numbering.  Oracle: numpy's dense solve of the same
    backward Euler / Crank-Nicolson system on a random branched forest."""
    rng = np.random.default_rng(11)
    n, dt, nsteps, v0 = 60, 0.025, 200, -65.0
    parent = _random_forest(rng, n, 2)
    gax = rng.uniform(0.01, 0.2, n)
    cap = rng.uniform(1e-3, 5e-3, n)
    nchild = np.bincount(parent[parent >= 0], minlength=n)
    cap[(nchild >= 2) & (parent >= 0)] = 0.0  # zero-area junctions at branch points
    gconst = np.where(cap > 0, rng.uniform(1e-4, 1e-3, n), 0.0)
    econst = gconst * -65.0
    sites = np.array([n - 1, 7, 30])
    arr = CableArrays(parent=parent, gax=gax, cap=cap, gconst=gconst, econst=econst,
                      icl_comp=sites, icl_par=np.array([[0.5, 2.0, 0.05], [1.0, 1.0, -0.03],
                                                        [0.0, 3.0, 0.02]]),
                      alp_comp=np.array([30]), alp_par=np.array([[1.0, 0.2, 0.01, 0.0]]))
    out = run_cable(arr, EventArrays.empty(1), nsteps, dt, v0, method=method,
                    rec_v=np.arange(n))
    G = np.diag(gconst.astype(float))
    for i in range(n):
        if parent[i] >= 0:
            p, g = parent[i], gax[i]
            G[i, i] += g
            G[p, p] += g
            G[i, p] -= g
            G[p, i] -= g
    C = np.diag(cap / dt)
    v = np.full(n, v0)
    ref = [v.copy()]
    for step in range(nsteps):
        tm = step * dt + dt / 2
        b = econst.copy()
        for c, (dl, du, amp) in zip(sites, arr.icl_par):
            if dl <= tm < dl + du:
                b[c] += amp
        Gt = G.copy()  # the alpha synapse's conductance enters the matrix while active
        a = (tm - 1.0) / 0.2
        if 0 < a <= 10:
            ga = 0.01 * a * np.exp(1 - a)
            Gt[30, 30] += ga
            b[30] += ga * 0.0
        if method == "be":
            v = np.linalg.solve(C + Gt, C @ v + b)
        else:  # Crank-Nicolson: solve at t + dt/2, then extrapolate
            x = np.linalg.solve(2 * C + Gt, 2 * C @ v + b)
            v = 2 * x - v
        ref.append(v.copy())
    ref = np.array(ref).T
    assert np.abs(out["rec"][0] - ref).max() < 1e-9
    assert np.abs(ref[n - 1] - v0).max() > 1.0  # the inputs did something
    # blow-up at a deep compartment: reported in the caller's numbering
    arr.icl_par = np.array([[0.5, 100.0, 3e4], [1.0, 1.0, 0.0], [0.0, 3.0, 0.0]])
    arr.alp_par = np.array([[50.0, 0.2, 0.01, 0.0]])  # not active before the blow-up
    out = run_cable(arr, EventArrays.empty(1), nsteps, dt, v0, method=method, rec_v=[0])
    step, comp = out["err"][0]
    assert step == 21
    v = np.full(n, v0)
    for _ in range(step):  # the first compartment beyond 1e4 mV after that step
        b = econst.copy()
        b[n - 1] += 3e4 if _ * dt + dt / 2 >= 0.5 else 0.0
        if method == "be":
            v = np.linalg.solve(C + G, C @ v + b)
        else:
            x = np.linalg.solve(2 * C + G, 2 * C @ v + b)
            v = 2 * x - v
    bad = np.flatnonzero(np.abs(v) > 1e4)
    assert 1 < len(bad) < n  # a local blow-up, so the numbering matters
    assert comp == bad[0]
