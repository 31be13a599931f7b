"""Numba kernel for circuits: several cells in one time step, cells in parallel.

This module is engine code (it imports only numpy and numba, plus the standard library and
the engine): it generates a specialised kernel from the pieces of
:mod:`connectome_sim.engine.cable_codegen` (mechanism loops, event and point-process steps,
module cache) and follows the same numerical semantics (fixed-step backward Euler or
Crank–Nicolson, NEURON's event timing and NetCon threshold semantics, mechanisms given as code
snippets).  Each cell's compartments are renumbered in level order
(:func:`connectome_sim.engine.cable_solver.level_order`) so its Hines sweeps are branch-free
with unsigned indices; callers keep their numbering (:func:`run_circuit` maps indices in and
the blow-up compartment back).  Four additions to the single-cell kernel:

1. **Cells in parallel.**  Compartments of cell *c* are the contiguous range
   ``cell_ptr[c]:cell_ptr[c+1]`` (each its own Hines-ordered tree), and the matrix assembly,
   Hines elimination/back-substitution and gating updates of each cell run in a ``prange``
   over cells.  Each cell's arithmetic does not depend on the others', so results are
   identical whatever the number of threads.
2. **Gap junctions, implicit.**  A gap junction of conductance g (µS) between compartments a
   and b adds ``g (e_a - e_b)(e_a - e_b)^T`` to the (block-diagonal, tree) matrix A.  We solve
   the coupled system exactly with the Sherman–Morrison–Woodbury identity:
   ``x = x0 - Z S^{-1} U^T x0`` with ``x0 = A^{-1} b``, ``Z = A^{-1} U`` (one extra Hines solve
   per junction, reusing the eliminated matrix) and ``S = G^{-1} + U^T Z`` (k x k).  This is the
   same backward-Euler (or CN) step as if the junctions were in the matrix, hence as stable as
   the uncoupled cells for any conductance.
3. **Graded synapses.**  Conductance ``gmax * s`` (µS) with reversal e (mV) on the
   postsynaptic compartment, where ``ds/dt = (s_inf(V_pre) - s) / tau`` and
   ``s_inf(V) = 1 / (1 + exp(-(V - v_half) / slope))``; s is advanced with the presynaptic
   voltage at the end of each step (cnexp, like a gating variable), so the presynaptic cell
   acts on the postsynaptic one with a one-step lag (no instantaneous coupling in the matrix).
4. **Membrane currents, dipoles and LFP.**  At record steps the transmembrane current of every
   compartment (nA, outward positive, capacitive + ionic + synaptic) is ``I_m = -L V + I_inj``
   (L: axial and gap-junction conductance Laplacian, I_inj: IClamp currents), from which the
   kernel accumulates each cell's current dipole ``sum_i I_m[i] r_i`` (nA·µm) and, optionally,
   the potential at electrodes ``M I_m`` (mV) and recorded membrane currents.

Units: ms, mV, nF, µS, nA, µm.
"""

from __future__ import annotations

import textwrap

import numpy as np

from connectome_sim.engine.cable_codegen import (EVENT_INIT_SRC, EVENT_STEP_SRC, _indent,
                                                 _mech_loop, load_source, point_process_src)
from connectome_sim.engine.cable_solver import level_order

__all__ = ["get_circuit_kernel", "run_circuit", "CIRCUIT_KERNEL_VERSION"]

CIRCUIT_KERNEL_VERSION = "10"
_I = np.int64
_F = np.float64


def _cell_views(m, j: int) -> str:
    """Bind the names the engine's mechanism loops use to cell ``c``'s instances of mechanism j.

    Instances of a cell are the range ``m{j}_cp[c]:m{j}_cp[c + 1]``; ``cp{j}_``, ``pp{j}_``,
    ``vb{j}_`` and ``stc{j}_`` (its states) are views of it, so the loops of
    :func:`connectome_sim.engine.cable_codegen._mech_loop` run from 0 over the cell's instances
    (no padding: ``np{j}_ = n{j}_``).
    """
    ns = len(m.state_names)
    return (f"lo{j}_ = m{j}_cp[c]\n"
            f"n{j}_ = m{j}_cp[c + 1] - lo{j}_\n"
            f"np{j}_ = n{j}_\n"
            f"cp{j}_ = m{j}_comp[lo{j}_:lo{j}_ + n{j}_]\n"
            f"pp{j}_ = m{j}_par[lo{j}_:lo{j}_ + n{j}_]\n"
            f"vb{j}_ = m{j}_vb[lo{j}_:lo{j}_ + n{j}_]\n"
            f"offp{j} = off{j} + lo{j}_ * {ns}\n"
            f"stc{j}_ = st_[offp{j}:offp{j} + n{j}_ * {ns}]\n")


def generate_source(mechs, parallel: bool = True) -> str:
    """Python source of the circuit kernel for the density mechanisms ``mechs``.

    With ``parallel=False`` the kernel has no ``prange`` at all (much faster to compile)."""
    margs = "".join(f"m{j}_comp, m{j}_par, m{j}_cp, m{j}_vb, " for j in range(len(mechs)))
    helpers = "\n\n".join(textwrap.dedent(m.helpers) for m in mechs if m.helpers)
    prelude = "".join(_indent(m.prelude, 4) for m in mechs if m.prelude)
    offsets = "    off0 = 0\n" + "".join(
        f"    off{j + 1} = off{j} + m{j}_comp.shape[0] * {len(m.state_names)}\n"
        for j, m in enumerate(mechs))
    views = "".join(_cell_views(m, j) for j, m in enumerate(mechs))
    init = "".join(_mech_loop(m, j, m.code_init, False, True, 8) for j, m in enumerate(mechs))
    cur_body = "{}\ndd_[c_] += g_ * afac_\nrhs_[c_] += ge_ * afac_\n"
    current = "".join(_mech_loop(m, j, cur_body.format(textwrap.dedent(m.code_current)),
                                 True, False, 8) for j, m in enumerate(mechs))
    states = "".join(_mech_loop(m, j, m.code_states, True, True, 4, gathered=True,
                                st=f"stc{j}_", base="") for j, m in enumerate(mechs))
    src = _TEMPLATE
    if not parallel:
        # drop the parallel dispatcher and its call sites
        a = src.index("@njit(cache=True, parallel=True")
        b = src.index("@njit(", a + 1)
        src = src[:a] + src[b:]
        src = _strip_parallel_calls(src)
    return src.format(margs=margs, helpers=helpers, prelude=prelude, offsets=offsets,
                      views=_indent(views, 4) if views else "", events=_indent(EVENT_STEP_SRC, 8),
                      evinit=_indent(EVENT_INIT_SRC, 4),
                      points=_indent(point_process_src("icl_cp[c], icl_cp[c + 1]",
                                                       "alp_cp[c], alp_cp[c + 1]",
                                                       "syn_cp[c], syn_cp[c + 1]", False), 8),
                      nst=f"off{len(mechs)}", init=init or "        pass\n",
                      current=current, states=states, version=CIRCUIT_KERNEL_VERSION,
                      names=", ".join(m.name for m in mechs) or "(none)")


def _strip_parallel_calls(src: str) -> str:
    """Replace ``if parallel: cells_parallel(...) else: <serial>`` by the serial branch."""
    out, lines, i = [], src.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == "if parallel:":
            ind = len(line) - len(line.lstrip())
            i += 1
            while lines[i].strip() != "else:" or len(lines[i]) - len(lines[i].lstrip()) != ind:
                i += 1
            i += 1
            while i < len(lines) and (not lines[i].strip() or
                                      len(lines[i]) - len(lines[i].lstrip()) > ind):
                out.append(lines[i][4:])
                i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def get_circuit_kernel(mechs, parallel: bool = True):
    """Compiled module (``run``) for the density mechanisms ``mechs`` (cached on disk)."""
    return load_source(generate_source(mechs, parallel), "cs_circuit")


def cell_pointer(comp, cell_ptr) -> np.ndarray:
    """``ptr`` with items ``ptr[c]:ptr[c+1]`` in cell c (items must be grouped by cell)."""
    cell_ptr = np.asarray(cell_ptr, _I)
    cells = np.searchsorted(cell_ptr, np.asarray(comp, _I), side="right") - 1
    if len(cells) and np.any(np.diff(cells) < 0):
        raise ValueError("circuit kernel: instances must be grouped by cell")
    return np.searchsorted(cells, np.arange(len(cell_ptr)), side="left").astype(_I)


def cell_level_order(parent, cell_ptr):
    """Level order within each cell (:func:`connectome_sim.engine.cable_solver.level_order`).

    Returns ``order`` (compartment ``order[k]`` of ``parent`` becomes number k; each cell keeps
    its range ``cell_ptr[c]:cell_ptr[c+1]``) and ``cell_re``: the cell's roots are
    ``cell_ptr[c]:cell_re[c]`` in the new numbering.
    """
    parent = np.asarray(parent, _I)
    order = np.empty(len(parent), _I)
    cell_re = np.empty(len(cell_ptr) - 1, _I)
    for c in range(len(cell_ptr) - 1):
        lo, hi = int(cell_ptr[c]), int(cell_ptr[c + 1])
        loc = parent[lo:hi]
        loc = np.where(loc >= 0, loc - lo, -1)
        if np.any(loc >= np.arange(hi - lo)):
            raise ValueError(f"circuit kernel: cell {c} is not in Hines order")
        order[lo:hi] = lo + level_order(loc)
        cell_re[c] = lo + np.count_nonzero(loc < 0)
    return order, cell_re


def run_circuit(arr, cell_ptr, events, nsteps, dt, v_init, *, method="be", celsius=6.3,
                gj=None, graded=None, dip_mid=None, lfp_mat=None, rec_v=(), rec_s=(), rec_i=(),
                rec_im=(), rec_every=1, max_spikes=None, n_trials=1, parallel=True):
    """Integrate a merged circuit (``arr``: a ``CableArrays``-like object) for ``n_trials``.

    Parameters
    ----------
    arr : object
        Fields as :class:`connectome_sim.engine.cable_run.CableArrays`; every per-instance
        array (mechanisms, IClamps, AlphaSynapses, synapses) sorted by compartment.
    cell_ptr : int array (n_cells + 1,)
        Compartment ranges of the cells.
    events : object
        ``ptr, time, syn, w`` CSR of external events per trial (times sorted per trial).
    nsteps, dt, v_init : int, float (ms), float (mV or array (n,) of mV)
    gj : tuple (a, b, g), optional
        Gap junction compartments and conductances (µS).
    graded : tuple (pre, post, par), optional
        Graded synapses: par columns (gmax µS, e mV, v_half mV, slope mV, tau ms).
    dip_mid : float (n, 3), optional
        Compartment midpoints (µm); if given, per-cell dipoles are recorded.
    lfp_mat : float (n_el, n), optional
        Membrane current -> potential matrix (mV/nA).
    rec_v, rec_s, rec_i, rec_im : int arrays
        Voltage, state, point-process current and membrane current records.

    Returns
    -------
    dict with ``rec`` (n_trials, n_rec, n_cols), ``dip`` (n_trials, n_cells, 3, n_cols),
    ``lfp`` (n_trials, n_el, n_cols), ``spk_det``, ``spk_step``, ``spk_n``, ``err``, ``overflow``.
    """
    n = len(arr.parent)
    cell_ptr = np.asarray(cell_ptr, _I)
    n_cells = len(cell_ptr) - 1
    par = np.asarray(arr.parent, _I)
    gax = np.asarray(arr.gax, _F)
    dconst = np.asarray(arr.gconst, _F).copy()
    rconst = np.asarray(arr.econst, _F).copy()
    nz = par >= 0
    np.add.at(dconst, np.nonzero(nz)[0], gax[nz])
    np.add.at(dconst, par[nz], gax[nz])
    # the kernel works on each cell's compartments in level order: ``order[k]`` (caller's
    # numbering) is the kernel's compartment k, ``inv`` maps the other way
    order, cell_re = cell_level_order(par, cell_ptr)
    inv = np.empty(n, _I)
    inv[order] = np.arange(n)
    po = par[order]
    par = np.where(po >= 0, inv[np.maximum(po, 0)], -1)
    paru = np.maximum(par, 0).astype(np.uint32)
    gax, dconst, rconst = gax[order], dconst[order], rconst[order]
    kern = get_circuit_kernel([m for m, _, _ in arr.mechs], parallel)
    syn_par = np.asarray(arr.syn_par, _F).reshape(-1, 5).copy()
    if len(syn_par):
        syn_par[:, 0] = np.exp(-dt / syn_par[:, 0])
        syn_par[:, 1] = np.exp(-dt / syn_par[:, 1])
    nc_delay = np.asarray(arr.nc_delay, _F)
    ring_len = int(np.ceil((nc_delay.max() if len(nc_delay) else 0.0) / dt)) + 3
    n_det = len(arr.det_comp)
    if max_spikes is None:
        max_spikes = min(n_det * (nsteps // 2 + 1), max(100_000, 50 * n_det))
    rec_v, rec_s, rec_i, rec_im = (np.asarray(r, _I) for r in (rec_v, rec_s, rec_i, rec_im))
    rec_v, rec_im = inv[rec_v], inv[rec_im]
    n_cols = nsteps // rec_every + 1
    out_rec = np.zeros((n_trials, len(rec_v) + len(rec_s) + len(rec_i) + len(rec_im), n_cols))
    want_dip = dip_mid is not None
    dip_mid = np.ascontiguousarray(np.asarray(dip_mid, _F)[order] if want_dip
                                   else np.zeros((0, 3)), _F)
    out_dip = np.zeros((n_trials, n_cells if want_dip else 0, 3, n_cols))
    lfp_mat = np.ascontiguousarray(np.asarray(lfp_mat, _F)[:, order] if lfp_mat is not None
                                   else np.zeros((0, n)), _F)
    out_lfp = np.zeros((n_trials, lfp_mat.shape[0], n_cols))
    spk_det = np.zeros((n_trials, max(max_spikes, 1)), _I)
    spk_step = np.zeros((n_trials, max(max_spikes, 1)), _I)
    spk_n = np.zeros(n_trials, _I)
    err = np.full((n_trials, 2), -1, _I)
    if gj is None:
        gj = (np.zeros(0, _I), np.zeros(0, _I), np.zeros(0))
    if graded is None:
        graded = (np.zeros(0, _I), np.zeros(0, _I), np.zeros((0, 5)))
    v0 = np.broadcast_to(np.asarray(v_init, _F), (n,))[order].copy()
    margs = []
    for _, comp, p in arr.mechs:
        margs += [inv[np.asarray(comp, _I)].astype(np.uint32), np.ascontiguousarray(p, _F),
                  cell_pointer(comp, cell_ptr), np.empty(len(comp), _F)]
    icl_comp = inv[np.asarray(arr.icl_comp, _I)].astype(np.uint32)
    alp_comp = inv[np.asarray(arr.alp_comp, _I)].astype(np.uint32)
    syn_comp = inv[np.asarray(arr.syn_comp, _I)].astype(np.uint32)
    for tr in range(n_trials):
        kern.run(tr, nsteps, float(dt), bool(method == "cn"), float(celsius), v0, cell_ptr,
                 par, paru, cell_re, gax, np.asarray(arr.cap, _F)[order], dconst, rconst,
                 *margs,
                 icl_comp, np.asarray(arr.icl_par, _F).reshape(-1, 3), cell_pointer(icl_comp, cell_ptr),
                 alp_comp, np.asarray(arr.alp_par, _F).reshape(-1, 4), cell_pointer(alp_comp, cell_ptr),
                 syn_comp, syn_par, cell_pointer(syn_comp, cell_ptr),
                 np.asarray(events.ptr, _I), np.asarray(events.time, _F),
                 np.asarray(events.syn, _I), np.asarray(events.w, _F),
                 inv[np.asarray(arr.det_comp, _I)], np.asarray(arr.det_thr, _F),
                 np.asarray(arr.nc_ptr, _I), np.asarray(arr.nc_syn, _I),
                 np.asarray(arr.nc_w, _F), nc_delay, ring_len,
                 inv[np.asarray(gj[0], _I)], inv[np.asarray(gj[1], _I)],
                 np.asarray(gj[2], _F), inv[np.asarray(graded[0], _I)],
                 inv[np.asarray(graded[1], _I)],
                 np.asarray(graded[2], _F).reshape(-1, 5),
                 dip_mid, lfp_mat, rec_v, rec_s, rec_i, rec_im, int(rec_every),
                 out_rec, out_dip, out_lfp, spk_det, spk_step, spk_n, err, bool(parallel))
        if err[tr, 0] >= 0:
            err[tr, 1] = order[err[tr, 1]]
            break
    return {"rec": out_rec, "dip": out_dip, "lfp": out_lfp, "spk_det": spk_det,
            "spk_step": spk_step, "spk_n": spk_n, "err": err,
            "overflow": bool((spk_n > spk_det.shape[1]).any()), "n": n}


_TEMPLATE = '''"""Generated circuit kernel (connectome_sim, circuit kernel version {version});
mechanisms: {names}.  Do not edit: regenerated from the mechanism definitions."""
import math
import numpy as np
from numba import njit, prange
try:
    from connectome_sim.engine.cable_fastexp import fexp
except ImportError:  # older engines: plain exp
    fexp = math.exp


{helpers}


@njit(cache=True)
def _offsets({margs}dummy):
{offsets}    return {nst}


@njit(cache=True, fastmath={{'contract'}}, error_model='numpy')
def cell_work(c, mode, dt, cn, celsius, tm_, cfac, cell_ptr, parent, paru, cell_re,
              gax, cap, dconst, rconst,
              vv_, dd_, rhs_, st_, gr_g, gr_e, {margs}icl_comp, icl_par, icl_cp,
              alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp, sA, sB, ipp, badc):
    """Per-cell work.  mode 0: initialise states; 1: assemble + solve + update v + states;
    2: assemble + solve (x in rhs_); 3: update v from rhs_ + states."""
{prelude}{offsets}    lo = cell_ptr[c]
    hi = cell_ptr[c + 1]
{views}    n_icl = icl_comp.shape[0]
    n_alp = alp_comp.shape[0]
    if mode == 0:
{init}        return
    # views of the cell's compartments: loops from 0 vectorise (no wrap-around index test)
    nc_ = hi - lo
    vvc_ = vv_[lo:hi]
    rhsc_ = rhs_[lo:hi]
    if mode == 1 or mode == 2:
        dc_ = dd_[lo:hi]
        capc_ = cap[lo:hi]
        dcc_ = dconst[lo:hi]
        rcc_ = rconst[lo:hi]
        ggc_ = gr_g[lo:hi]
        gec_ = gr_e[lo:hi]
        for i in range(nc_):
            cf = cfac * capc_[i]
            dc_[i] = dcc_[i] + cf + ggc_[i]
            rhsc_[i] = rcc_[i] + cf * vvc_[i] + gec_[i]
{current}{points}        # Hines elimination and back-substitution, branch-free: the cell's compartments are
        # in level order (roots lo:re, then by depth, as the engine's cable_solver.level_order)
        # and indexed unsigned (paru: parent with roots at 0) so numba emits no wraparound
        # code.  After elimination dd_ holds the inverse pivots 1 / d (used by _solve_extra).
        re = cell_re[c]
        for k in range(hi - re):
            c_ = np.uint64(hi - 1 - k)
            p_ = paru[c_]
            iv = 1.0 / dd_[c_]
            dd_[c_] = iv
            f = gax[c_] * iv
            dd_[p_] -= f * gax[c_]
            rhs_[p_] += f * rhs_[c_]
        for i in range(lo, re):
            iv = 1.0 / dd_[i]
            dd_[i] = iv
            rhs_[i] = rhs_[i] * iv
        for k in range(re, hi):
            c_ = np.uint64(k)
            rhs_[c_] = (rhs_[c_] + gax[c_] * rhs_[paru[c_]]) * dd_[c_]
        if mode == 2:
            return
    # new v and the blow-up check (NaN/inf or beyond 1e4 mV) in one vectorisable loop
    bad_ = False
    if cn:
        for i in range(nc_):
            x = 2.0 * rhsc_[i] - vvc_[i]
            vvc_[i] = x
            bad_ |= not (abs(x) <= 1e4)
    else:
        for i in range(nc_):
            x = rhsc_[i]
            vvc_[i] = x
            bad_ |= not (abs(x) <= 1e4)
    badc[c] = bad_
{states}


@njit(cache=True, parallel=True, fastmath={{'contract'}}, error_model='numpy')
def cells_parallel(mode, dt, cn, celsius, tm, cfac, cell_ptr, parent, paru, cell_re,
              gax, cap, dconst, rconst,
                   vv, d, rhs, st, gr_g, gr_e, {margs}icl_comp, icl_par, icl_cp,
                   alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp, sA, sB, ipp, badc):
    for c in prange(cell_ptr.shape[0] - 1):
        cell_work(c, mode, dt, cn, celsius, tm, cfac, cell_ptr, parent, paru, cell_re,
              gax, cap, dconst, rconst,
                  vv, d, rhs, st, gr_g, gr_e, {margs}icl_comp, icl_par, icl_cp,
                  alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp, sA, sB, ipp, badc)


@njit(cache=True, fastmath={{'contract'}}, error_model='numpy')
def _solve_extra(lo, hi, parent, gax, d, r):
    """Solve with cell [lo, hi)'s already-eliminated matrix (``d``: inverse pivots) for the
    right-hand side r (in place)."""
    for i in range(hi - 1, lo, -1):
        p = parent[i]
        if p >= 0:
            r[p] += gax[i] * d[i] * r[i]
    for i in range(lo, hi):
        p = parent[i]
        if p >= 0:
            r[i] = (r[i] + gax[i] * r[p]) * d[i]
        else:
            r[i] = r[i] * d[i]


@njit(cache=True)
def _dense_solve(a, b):
    """Gaussian elimination with partial pivoting (small k x k systems); a and b are copied."""
    k = b.shape[0]
    m = a.copy()
    y = b.copy()
    for col in range(k):
        piv = col
        for r in range(col + 1, k):
            if abs(m[r, col]) > abs(m[piv, col]):
                piv = r
        if piv != col:
            for c2 in range(k):
                tmp = m[col, c2]
                m[col, c2] = m[piv, c2]
                m[piv, c2] = tmp
            tmp = y[col]
            y[col] = y[piv]
            y[piv] = tmp
        for r in range(col + 1, k):
            f = m[r, col] / m[col, col]
            for c2 in range(col, k):
                m[r, c2] -= f * m[col, c2]
            y[r] -= f * y[col]
    for r in range(k - 1, -1, -1):
        acc = y[r]
        for c2 in range(r + 1, k):
            acc -= m[r, c2] * y[c2]
        y[r] = acc / m[r, r]
    return y


@njit(cache=True)
def _cell_of(i, cell_ptr):
    return np.searchsorted(cell_ptr, i, side="right") - 1


@njit(cache=True)
def _membrane(vv, cell_ptr, parent, gax, gj_a, gj_b, gj_g, icl_comp, ipp, im):
    n = parent.shape[0]
    for i in range(n):
        im[i] = 0.0
    for i in range(n):
        p = parent[i]
        if p >= 0:
            cur = gax[i] * (vv[p] - vv[i])
            im[i] += cur
            im[p] -= cur
    for k in range(gj_a.shape[0]):
        cur = gj_g[k] * (vv[gj_b[k]] - vv[gj_a[k]])
        im[gj_a[k]] += cur
        im[gj_b[k]] -= cur
    for k in range(icl_comp.shape[0]):
        im[icl_comp[k]] += ipp[k]


@njit(cache=True, fastmath={{'contract'}}, error_model='numpy')
def run(tr, nsteps, dt, cn, celsius, v0, cell_ptr, parent, paru, cell_re,
              gax, cap, dconst, rconst,
        {margs}icl_comp, icl_par, icl_cp, alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp,
        ev_ptr, ev_time, ev_syn, ev_w,
        det_comp, det_thr, nc_ptr, nc_syn, nc_w, nc_delay, ring_len,
        gj_a, gj_b, gj_g, gr_pre, gr_post, gr_par,
        dip_mid, lfp_mat, rec_v, rec_s, rec_i, rec_im, rec_every,
        out_rec, out_dip, out_lfp, spk_det, spk_step, spk_n, err, parallel):
    n = parent.shape[0]
    n_cells = cell_ptr.shape[0] - 1
    vv_ = v0.copy()
    d = np.empty(n)
    rhs = np.empty(n)
    st = np.zeros(_offsets({margs}0))
{evinit}    n_gr = gr_pre.shape[0]
    gr_s = np.zeros(n_gr)
    gr_g = np.zeros(n)
    gr_e = np.zeros(n)
    cfac = 1.0 / dt
    if cn:
        cfac = 2.0 / dt
    half_ = 0.5 * dt
    badc = np.zeros(n_cells, dtype=np.bool_)
    for c in range(n_cells):
        cell_work(c, 0, dt, cn, celsius, 0.0, cfac, cell_ptr, parent, paru, cell_re,
              gax, cap, dconst, rconst,
                  vv_, d, rhs, st, gr_g, gr_e, {margs}icl_comp, icl_par, icl_cp,
                  alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp, sA, sB, ipp, badc)
    n_gj = gj_a.shape[0]
    zz = np.zeros((n_gj, n))
    ss = np.zeros((n_gj, n_gj))
    uu = np.zeros(n_gj)
    for k in range(n_gr):
        gr_s[k] = 1.0 / (1.0 + math.exp(-(vv_[gr_pre[k]] - gr_par[k, 2]) / gr_par[k, 3]))
    want_dip = out_dip.shape[1] > 0
    n_el = lfp_mat.shape[0]
    need_im = want_dip or n_el > 0 or rec_im.shape[0] > 0
    im = np.zeros(n)
    n_rv = rec_v.shape[0]
    n_rs = rec_s.shape[0]
    n_ri = rec_i.shape[0]
    n_rm = rec_im.shape[0]
    ev_p = ev_ptr[tr]
    ev_end = ev_ptr[tr + 1]
    mode = 1
    if n_gj > 0:
        mode = 2
    for step in range(nsteps + 1):
        # records of the state at t = step * dt
        if step % rec_every == 0:
            col = step // rec_every
            for r in range(n_rv):
                out_rec[tr, r, col] = vv_[rec_v[r]]
            for r in range(n_rs):
                out_rec[tr, n_rv + r, col] = st[rec_s[r]]
            for r in range(n_ri):
                out_rec[tr, n_rv + n_rs + r, col] = ipp[rec_i[r]]
            if need_im:
                _membrane(vv_, cell_ptr, parent, gax, gj_a, gj_b, gj_g, icl_comp, ipp, im)
                for r in range(n_rm):
                    out_rec[tr, n_rv + n_rs + n_ri + r, col] = im[rec_im[r]]
                if want_dip:
                    for c in range(n_cells):
                        px = 0.0
                        py = 0.0
                        pz = 0.0
                        for i in range(cell_ptr[c], cell_ptr[c + 1]):
                            px += im[i] * dip_mid[i, 0]
                            py += im[i] * dip_mid[i, 1]
                            pz += im[i] * dip_mid[i, 2]
                        out_dip[tr, c, 0, col] = px
                        out_dip[tr, c, 1, col] = py
                        out_dip[tr, c, 2, col] = pz
                for e in range(n_el):
                    acc = 0.0
                    for i in range(n):
                        acc += lfp_mat[e, i] * im[i]
                    out_lfp[tr, e, col] = acc
        if step == nsteps:
            break
        t_ = step * dt
{events}        # graded synapses: conductance from s (one-step lag)
        for k in range(n_gr):
            i = gr_post[k]
            g = gr_par[k, 0] * gr_s[k]
            gr_g[i] += g
            gr_e[i] += g * gr_par[k, 1]
        # 3-7. per cell: assemble, eliminate, back-substitute, (update v, states)
        if parallel:
            cells_parallel(mode, dt, cn, celsius, t_ + half_, cfac, cell_ptr, parent, paru, cell_re, gax, cap,
                           dconst, rconst, vv_, d, rhs, st, gr_g, gr_e, {margs}icl_comp, icl_par,
                           icl_cp, alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp, sA, sB, ipp, badc)
        else:
            for c in range(n_cells):
                cell_work(c, mode, dt, cn, celsius, t_ + half_, cfac, cell_ptr, parent, paru, cell_re, gax, cap,
                          dconst, rconst, vv_, d, rhs, st, gr_g, gr_e, {margs}icl_comp, icl_par,
                          icl_cp, alp_comp, alp_par, alp_cp, syn_comp, syn_par, syn_cp, sA, sB, ipp, badc)
        for k in range(n_gr):
            gr_g[gr_post[k]] = 0.0
            gr_e[gr_post[k]] = 0.0
        if n_gj > 0:
            # Woodbury correction for the gap junctions, then v and states
            for k in range(n_gj):
                ca = _cell_of(gj_a[k], cell_ptr)
                cb = _cell_of(gj_b[k], cell_ptr)
                zz[k, cell_ptr[ca]:cell_ptr[ca + 1]] = 0.0
                zz[k, cell_ptr[cb]:cell_ptr[cb + 1]] = 0.0
                zz[k, gj_a[k]] += 1.0
                zz[k, gj_b[k]] -= 1.0
                _solve_extra(cell_ptr[ca], cell_ptr[ca + 1], parent, gax, d, zz[k])
                if cb != ca:
                    _solve_extra(cell_ptr[cb], cell_ptr[cb + 1], parent, gax, d, zz[k])
            for k in range(n_gj):
                uu[k] = rhs[gj_a[k]] - rhs[gj_b[k]]
                for l in range(n_gj):
                    ss[k, l] = zz[l, gj_a[k]] - zz[l, gj_b[k]]
                ss[k, k] += 1.0 / gj_g[k]
            y = _dense_solve(ss, uu)
            for k in range(n_gj):
                ca = _cell_of(gj_a[k], cell_ptr)
                cb = _cell_of(gj_b[k], cell_ptr)
                for i in range(cell_ptr[ca], cell_ptr[ca + 1]):
                    rhs[i] -= zz[k, i] * y[k]
                if cb != ca:
                    for i in range(cell_ptr[cb], cell_ptr[cb + 1]):
                        rhs[i] -= zz[k, i] * y[k]
            if parallel:
                cells_parallel(3, dt, cn, celsius, t_ + half_, cfac, cell_ptr, parent, paru, cell_re, gax, cap,
                               dconst, rconst, vv_, d, rhs, st, gr_g, gr_e, {margs}icl_comp,
                               icl_par, icl_cp, alp_comp, alp_par, alp_cp, syn_comp, syn_par,
                               syn_cp, sA, sB, ipp, badc)
            else:
                for c in range(n_cells):
                    cell_work(c, 3, dt, cn, celsius, t_ + half_, cfac, cell_ptr, parent, paru, cell_re, gax, cap,
                              dconst, rconst, vv_, d, rhs, st, gr_g, gr_e, {margs}icl_comp,
                              icl_par, icl_cp, alp_comp, alp_par, alp_cp, syn_comp, syn_par,
                              syn_cp, sA, sB, ipp, badc)
        anybad = False
        for c in range(n_cells):
            anybad |= badc[c]
        if anybad:
            bad = 0
            for i in range(n):
                if not (abs(vv_[i]) <= 1e4):
                    bad = i
                    break
            err[tr, 0] = step + 1
            err[tr, 1] = bad
            spk_n[tr] = nspk
            return
        for k in range(n_syn):
            sA[k] *= syn_par[k, 0]
            sB[k] *= syn_par[k, 1]
        for k in range(n_gr):
            vp = vv_[gr_pre[k]]
            sinf = 1.0 / (1.0 + math.exp(-(vp - gr_par[k, 2]) / gr_par[k, 3]))
            gr_s[k] += (1.0 - math.exp(-dt / gr_par[k, 4])) * (sinf - gr_s[k])
    spk_n[tr] = nspk
'''
