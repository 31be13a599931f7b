"""Run a compiled cable system (flat arrays) through the cable kernel.

One path for every cable model: a single cell is the one-cell case of a circuit.  The input
is a :class:`CableArrays` (a forest of cells in the caller's numbering, produced by
:mod:`connectome_sim.cable.compile`); :func:`prepare` turns it, once per run, into the
kernel's :class:`CableSystem` (each cell's compartments renumbered level by level, the quiet
system factorised, mechanism instances laid out as per-cell blocks of structures of arrays,
every index unsigned), :func:`run_cable` allocates the per-trial state and the outputs and
calls the kernel (:mod:`.cable_codegen`).  Everything here is indices and floats; IDs, pandas
and errors with node IDs live in :mod:`connectome_sim.cable`.

Units: ms, mV, nF (``cap``), µS (``gax``, conductances), nA, µm.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import numba
import numpy as np

from . import cable_abi
from .cable_codegen import (announced, first_call, kernel_module, mechanism_address,
                            mechanism_cached)
from .codegen import compile_notice, is_compiled
from .cable_solver import factor_tree, level_order

__all__ = ["MechanismArrays", "CableArrays", "EventArrays", "CableSystem", "Outputs",
           "prepare", "CableRun", "run_cable", "mechanism_conductance", "kernel_notice"]

_I = np.int64
_U = np.uint32
_F = np.float64
#: the mechanism arrays, in the kernel's order
_MECH = ("m_info", "m_blk", "m_comp", "m_par", "m_glob")


def _i(n=0):
    return np.zeros(n, _I)


def _f(*shape):
    return np.zeros(shape if shape else (0,), _F)


# ----------------------------------------------------------------------------- descriptions
@dataclass
class MechanismArrays:
    """The instances of one kernel density mechanism.

    Attributes
    ----------
    mechanism : object
        The kernel mechanism (see :mod:`.cable_codegen` for the attributes it provides).
    comp : int64 (m,)
        Compartment of each instance (unique).
    par : float64 (m, 1 + n_params)
        Column 0 the area factor ``area * 1e-2`` (S/cm² -> µS), then the parameters in the
        order of ``mechanism.param_names``.
    """

    mechanism: object
    comp: np.ndarray
    par: np.ndarray


@dataclass
class CableArrays:
    """A forest of cable cells ready for the engine (caller's numbering).

    Attributes
    ----------
    parent : int64 (n,)
        Parent compartment, -1 for roots; ``parent[i] < i`` and inside i's cell.
    gax : float64 (n,)
        Axial conductance to the parent (µS); ignored for roots.
    cap : float64 (n,)
        Membrane capacitance (nF); 0 for zero-area junctions.
    gconst, econst : float64 (n,)
        Folded constant leak conductance (µS) and its ``sum g*e`` (µS·mV = nA).
    mechs : list of MechanismArrays
        Kernel density mechanisms.
    cell_ptr : int64 (n_cells + 1,), optional
        Compartment ranges of the cells (default: one cell).  Cells are solved one after the
        other or in parallel, each exactly as if it were alone.
    icl_comp, icl_par : IClamp sites and (del ms, dur ms, amp nA).
    alp_comp, alp_par : AlphaSynapse sites and (onset ms, tau ms, gmax µS, e mV).
    syn_comp, syn_par : event synapses and (tau1 ms, tau2 ms, e mV, fA, fB): an event of
        weight w (µS) adds ``w*fA`` to A and ``w*fB`` to B; ``g = B - A`` (ExpSyn: fA = 0).
    det_comp, det_thr : spike detectors (threshold mV, NetCon semantics).
    nc_ptr, nc_syn, nc_w, nc_delay : CSR of connections from detector q to synapses
        (weight µS, delay ms).
    gj_a, gj_b, gj_g : gap junctions between compartments a and b (conductance µS), coupled
        implicitly.
    gr_pre, gr_post, gr_par : graded synapses, columns (gmax µS, e mV, v_half mV, slope mV,
        tau ms): ``g = gmax s``, ``ds/dt = (s_inf(v_pre) - s) / tau``,
        ``s_inf = 1 / (1 + exp(-(v_pre - v_half) / slope))``, one-step lag.
    """

    parent: np.ndarray
    gax: np.ndarray
    cap: np.ndarray
    gconst: np.ndarray
    econst: np.ndarray
    mechs: list = field(default_factory=list)
    cell_ptr: np.ndarray | None = None
    icl_comp: np.ndarray = field(default_factory=_i)
    icl_par: np.ndarray = field(default_factory=lambda: _f(0, 3))
    alp_comp: np.ndarray = field(default_factory=_i)
    alp_par: np.ndarray = field(default_factory=lambda: _f(0, 4))
    syn_comp: np.ndarray = field(default_factory=_i)
    syn_par: np.ndarray = field(default_factory=lambda: _f(0, 5))
    det_comp: np.ndarray = field(default_factory=_i)
    det_thr: np.ndarray = field(default_factory=_f)
    nc_ptr: np.ndarray | None = None
    nc_syn: np.ndarray = field(default_factory=_i)
    nc_w: np.ndarray = field(default_factory=_f)
    nc_delay: np.ndarray = field(default_factory=_f)
    gj_a: np.ndarray = field(default_factory=_i)
    gj_b: np.ndarray = field(default_factory=_i)
    gj_g: np.ndarray = field(default_factory=_f)
    gr_pre: np.ndarray = field(default_factory=_i)
    gr_post: np.ndarray = field(default_factory=_i)
    gr_par: np.ndarray = field(default_factory=lambda: _f(0, 5))


@dataclass
class EventArrays:
    """External events per trial (CSR by trial): times (ms, sorted within a trial), target
    synapse index, weight (µS)."""

    ptr: np.ndarray
    time: np.ndarray
    syn: np.ndarray
    w: np.ndarray

    @classmethod
    def empty(cls, n_trials: int) -> "EventArrays":
        return cls(np.zeros(n_trials + 1, _I), np.zeros(0), np.zeros(0, _I), np.zeros(0))


# ----------------------------------------------------------------------------- kernel input
class CableSystem(NamedTuple):
    """The kernel's static input (kernel numbering; see ``templates/cable_kernel.py.j2``)."""

    dt: float
    cn: bool
    celsius: float
    rec_every: int
    v0: np.ndarray          # initial v (mV) per compartment
    cell_ptr: np.ndarray    # int64 (n_cells + 1)
    cell_re: np.ndarray     # int64: cell c's roots are cell_ptr[c]:cell_re[c]
    cell_allhot: np.ndarray  # bool: every compartment of the cell is refactorised each step
    upar: np.ndarray        # uint32 parent, roots point at themselves
    gax: np.ndarray
    cv: np.ndarray          # cap / dt (x2 for Crank-Nicolson), µS
    rconst: np.ndarray
    dstat: np.ndarray
    fstat: np.ndarray
    invd0: np.ndarray
    hot_ptr: np.ndarray
    hot_idx: np.ndarray     # uint32
    dyn_ptr: np.ndarray
    dyn_idx: np.ndarray     # uint32
    m_addr: np.ndarray      # int64 entry points
    m_ld: np.ndarray
    m_comp_off: np.ndarray
    m_par_off: np.ndarray
    m_st_off: np.ndarray
    m_glob_off: np.ndarray
    m_lo: np.ndarray        # (n_mech, n_cells) first slot of the cell's block
    m_n: np.ndarray         # (n_mech, n_cells) real instances
    m_np: np.ndarray        # (n_mech, n_cells) padded block length
    m_comp: np.ndarray      # uint32
    m_par: np.ndarray
    m_glob: np.ndarray
    icl_comp: np.ndarray
    icl_par: np.ndarray
    alp_comp: np.ndarray
    alp_par: np.ndarray
    alp_cell: np.ndarray
    syn_comp: np.ndarray
    syn_par: np.ndarray     # (decay1, decay2, e, fA, fB)
    syn_cell: np.ndarray
    det_comp: np.ndarray
    det_thr: np.ndarray
    nc_ptr: np.ndarray
    nc_syn: np.ndarray
    nc_w: np.ndarray
    nc_delay: np.ndarray
    ev_ptr: np.ndarray
    ev_time: np.ndarray
    ev_syn: np.ndarray
    ev_w: np.ndarray
    gj_a: np.ndarray
    gj_b: np.ndarray
    gj_g: np.ndarray
    gj_ca: np.ndarray
    gj_cb: np.ndarray
    gr_pre: np.ndarray
    gr_post: np.ndarray
    gr_par: np.ndarray
    rec_v: np.ndarray
    rec_s: np.ndarray
    rec_i: np.ndarray
    rec_im: np.ndarray
    dip_mid: np.ndarray
    lfp_mat: np.ndarray


class Outputs(NamedTuple):
    """Kernel outputs (first index: trial)."""

    out_rec: np.ndarray
    out_dip: np.ndarray
    out_lfp: np.ndarray
    spk_det: np.ndarray
    spk_step: np.ndarray
    err: np.ndarray


# ----------------------------------------------------------------------------- set-up
def _cells(arr: CableArrays, n: int) -> np.ndarray:
    cp = np.array([0, n], _I) if arr.cell_ptr is None else np.asarray(arr.cell_ptr, _I)
    if cp.ndim != 1 or len(cp) < 2 or cp[0] != 0 or cp[-1] != n or (np.diff(cp) < 0).any():
        raise ValueError("cell_ptr must rise from 0 to the number of compartments")
    return cp


def _check(arr: CableArrays, n: int, cell_ptr) -> np.ndarray:
    """Validate indices (the kernel does not bounds-check); returns nc_ptr."""
    par = np.asarray(arr.parent, _I)
    cell = np.repeat(np.arange(len(cell_ptr) - 1), np.diff(cell_ptr))
    ok = (par == -1) | ((par >= 0) & (par < np.arange(n)))
    if par.ndim != 1 or not ok.all() or (n and par[0] != -1) or \
            (par >= 0).any() and (cell[np.maximum(par, 0)][par >= 0] != cell[par >= 0]).any():
        raise ValueError("parent must satisfy parent[i] < i within i's cell, -1 for roots "
                         "(Hines order)")
    for name in ("gax", "cap", "gconst", "econst"):
        if len(getattr(arr, name)) != n:
            raise ValueError(f"{name} has length {len(getattr(arr, name))}, expected {n}")
    comps = [arr.icl_comp, arr.alp_comp, arr.syn_comp, arr.det_comp, arr.gj_a, arr.gj_b,
             arr.gr_pre, arr.gr_post] + [m.comp for m in arr.mechs]
    for c in comps:
        c = np.asarray(c)
        if len(c) and (c.min() < 0 or c.max() >= n):
            raise ValueError("compartment index out of range in a mechanism/point process")
    for m in arr.mechs:
        if len(np.unique(m.comp)) != len(m.comp) or np.shape(m.par) != \
                (len(m.comp), 1 + len(m.mechanism.param_names)):
            raise ValueError(f"{m.mechanism.name}: instances must be unique compartments, "
                             "one parameter row each")
    n_det, n_syn = len(arr.det_comp), len(arr.syn_comp)
    nc_ptr = np.zeros(n_det + 1, _I) if arr.nc_ptr is None else np.asarray(arr.nc_ptr, _I)
    if len(arr.nc_syn) == 0 and len(nc_ptr) != n_det + 1:
        nc_ptr = np.zeros(n_det + 1, _I)
    if len(nc_ptr) != n_det + 1 or nc_ptr[0] != 0 or nc_ptr[-1] != len(arr.nc_syn) \
            or (np.diff(nc_ptr) < 0).any():
        raise ValueError("nc_ptr must be a CSR pointer over the detectors")
    if len(arr.nc_syn) and (np.min(arr.nc_syn) < 0 or np.max(arr.nc_syn) >= n_syn):
        raise ValueError("nc_syn refers to a synapse that does not exist")
    if len(arr.nc_delay) and np.min(arr.nc_delay) < 0:
        raise ValueError("NetCon delays must be >= 0 ms")
    if len(arr.gj_g) and not (np.asarray(arr.gj_g) > 0).all():
        raise ValueError("gap junction conductances must be > 0 µS")
    return nc_ptr


def _ranges(idx, cell_ptr):
    """CSR pointer of sorted kernel indices ``idx`` over the cells."""
    return np.searchsorted(idx, cell_ptr).astype(_I)


def _mechanism_layout(mechs, new, cell_of, n_cells):
    """Per mechanism: blocks of instances per cell (sorted by kernel compartment, padded to
    cable_abi.PAD with copies of the block's last instance), as structures of arrays.

    Returns the kernel arrays and ``slot[j]``: the column of each of mechanism j's instances
    (in the caller's order) in its arrays."""
    pad = cable_abi.PAD
    n_mech = len(mechs)
    m_lo = np.zeros((n_mech, n_cells), _I)
    m_n = np.zeros((n_mech, n_cells), _I)
    m_np = np.zeros((n_mech, n_cells), _I)
    m_ld, comp_off, par_off, st_off, glob_off = (np.zeros(n_mech, _I) for _ in range(5))
    comps, pars, slots = [], [], []
    co = po = so = go = 0
    for j, m in enumerate(mechs):
        kc = new[np.asarray(m.comp, _I)]
        cells = cell_of[kc]
        order = np.lexsort((kc, cells))
        counts = np.bincount(cells, minlength=n_cells)
        padded = (counts + pad - 1) // pad * pad
        lo = np.concatenate([[0], np.cumsum(padded)[:-1]]).astype(_I)
        ld = int(padded.sum())
        src = np.empty(ld, _I)          # instance (caller's order) in each column
        slot = np.empty(len(kc), _I)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for c in np.flatnonzero(counts):
            mine = order[first[c]:first[c] + counts[c]]
            src[lo[c]:lo[c] + counts[c]] = mine
            src[lo[c] + counts[c]:lo[c] + padded[c]] = mine[-1]
            slot[mine] = lo[c] + np.arange(counts[c])
        m_lo[j], m_n[j], m_np[j] = lo, counts, padded
        m_ld[j], comp_off[j], par_off[j], st_off[j], glob_off[j] = ld, co, po, so, go
        comps.append(kc[src].astype(_U))
        pars.append(np.ascontiguousarray(np.asarray(m.par, _F)[src].T).ravel())
        slots.append(slot)
        co += ld
        po += ld * np.shape(m.par)[1]
        so += ld * int(m.mechanism.kernel_rows)
        go += int(m.mechanism.kernel_globals)
    # every block starts PAD instances from an aligned start (cable_abi.ALIGN); the state's
    # length is rounded up so that every trial's row of it starts aligned too
    so = -(-so // pad) * pad

    def cat(a, dt):
        out = cable_abi.aligned_zeros(sum(len(x) for x in a), dt)
        if a:
            out[:] = np.concatenate(a)
        return out
    addr = np.array([mechanism_address(m.mechanism) for m in mechs], _I)
    return dict(m_addr=addr, m_ld=m_ld, m_comp_off=comp_off, m_par_off=par_off,
                m_st_off=st_off, m_glob_off=glob_off, m_lo=m_lo, m_n=m_n, m_np=m_np,
                m_comp=cat(comps, _U), m_par=cat(pars, _F), m_glob=np.zeros(max(go, 1))), \
        slots, so


def prepare(arr: CableArrays, events: EventArrays, dt: float, v_init, method: str = "be",
            celsius: float = 6.3, n_trials: int = 1, rec_v=(), rec_s=(), rec_i=(), rec_im=(),
            rec_every: int = 1, dip_mid=None, lfp_mat=None):
    """Build the kernel's :class:`CableSystem` for ``arr`` (see :func:`run_cable`).

    Returns ``(system, info)``; ``info`` holds ``order`` (kernel compartment k is the
    caller's ``order[k]``), ``n_state`` (per-trial state length), ``n_rec``, ``ring_len``.
    """
    n = len(arr.parent)
    if n >= 2 ** 32:
        raise ValueError(f"{n} compartments: the kernel indexes them with uint32 (< 2**32)")
    cell_ptr = _cells(arr, n)
    nc_ptr = _check(arr, n, cell_ptr)
    n_cells = len(cell_ptr) - 1
    par0 = np.asarray(arr.parent, _I)
    cell_of = np.repeat(np.arange(n_cells, dtype=_I), np.diff(cell_ptr))
    # each cell's compartments level by level, roots first (cell c's roots: lo:cell_re[c])
    order = level_order(par0, cell_of)
    cell_re = cell_ptr[:-1] + np.bincount(cell_of[par0 < 0], minlength=n_cells)
    new = np.empty(n, _I)
    new[order] = np.arange(n, dtype=_I)
    par = np.where(par0[order] >= 0, new[np.maximum(par0[order], 0)], -1).astype(_I)
    gax = np.ascontiguousarray(np.asarray(arr.gax, _F)[order])
    gax[par < 0] = 0.0
    rconst = np.asarray(arr.econst, _F)[order].copy()
    dconst = np.asarray(arr.gconst, _F)[order].copy()
    nz = par >= 0
    np.add.at(dconst, np.nonzero(nz)[0], gax[nz])
    np.add.at(dconst, par[nz], gax[nz])
    cv = np.asarray(arr.cap, _F)[order] * ((2.0 if method == "cn" else 1.0) / dt)
    renum = (lambda c: new[np.asarray(c, _I)].astype(_U))
    # compartments whose factors vary: "hot" ones have a density mechanism or a graded
    # synapse in their subtree (refactorised every step), the "dyn" ones a synapse
    # (refactorised on steps when one of those synapses conducts)
    hot, dyn, dstat, fstat, invd0 = factor_tree(
        par, gax, dconst + cv,
        np.concatenate([renum(m.comp) for m in arr.mechs] + [renum(arr.gr_post)]),
        np.concatenate([renum(arr.alp_comp), renum(arr.syn_comp)]))
    hot_idx = np.flatnonzero(hot).astype(_U)
    dyn_idx = np.flatnonzero(dyn).astype(_U)
    nonroot_hot = np.bincount(cell_of[hot & (par >= 0)], minlength=n_cells)
    allhot = (nonroot_hot == cell_ptr[1:] - cell_re) & (cell_ptr[1:] > cell_re)
    mech, slots, n_state = _mechanism_layout(arr.mechs, new, cell_of, n_cells)

    syn_par = np.asarray(arr.syn_par, _F).reshape(-1, 5).copy()
    if len(syn_par):
        syn_par[:, 0] = np.exp(-dt / syn_par[:, 0])
        syn_par[:, 1] = np.exp(-dt / syn_par[:, 1])
    nc_delay = np.asarray(arr.nc_delay, _F)
    ring_len = int(np.ceil((nc_delay.max() if len(nc_delay) else 0.0) / dt)) + 3

    rec_v, rec_i, rec_im = (np.asarray(r, _I).reshape(-1) for r in (rec_v, rec_i, rec_im))
    rec_s = np.asarray(rec_s, _I).reshape(-1, 3)
    for r, lim, what in ((rec_v, n, "voltage"), (rec_im, n, "membrane current"),
                         (rec_i, len(arr.icl_comp) + len(arr.alp_comp) + len(arr.syn_comp),
                          "point-process current")):
        if len(r) and (r.min() < 0 or r.max() >= lim):
            raise ValueError(f"{what} record index out of range")
    flat_s = np.empty(len(rec_s), _I)
    for r, (j, k, s) in enumerate(rec_s):
        if not (0 <= j < len(arr.mechs) and 0 <= k < len(arr.mechs[j].comp)
                and 0 <= s < len(arr.mechs[j].mechanism.state_names)):
            raise ValueError(f"state record {(j, k, s)} out of range")
        flat_s[r] = mech["m_st_off"][j] + s * mech["m_ld"][j] + slots[j][k]
    if len(events.ptr) != n_trials + 1:
        raise ValueError(f"events.ptr must have n_trials + 1 = {n_trials + 1} entries")
    if len(events.syn) and (events.syn.min() < 0 or events.syn.max() >= len(arr.syn_comp)):
        raise ValueError("external events refer to a synapse that does not exist")
    gj_a, gj_b = new[np.asarray(arr.gj_a, _I)], new[np.asarray(arr.gj_b, _I)]
    v0 = np.broadcast_to(np.asarray(v_init, _F), (n,))[order].copy()
    S = CableSystem(
        dt=float(dt), cn=bool(method == "cn"), celsius=float(celsius),
        rec_every=int(rec_every), v0=v0, cell_ptr=cell_ptr, cell_re=cell_re,
        cell_allhot=allhot, upar=np.where(par >= 0, par, np.arange(n)).astype(_U), gax=gax,
        cv=cv, rconst=rconst, dstat=dstat, fstat=fstat, invd0=invd0,
        hot_ptr=_ranges(hot_idx, cell_ptr), hot_idx=hot_idx,
        dyn_ptr=_ranges(dyn_idx, cell_ptr), dyn_idx=dyn_idx, **mech,
        icl_comp=renum(arr.icl_comp), icl_par=np.asarray(arr.icl_par, _F).reshape(-1, 3),
        alp_comp=renum(arr.alp_comp), alp_par=np.asarray(arr.alp_par, _F).reshape(-1, 4),
        alp_cell=cell_of[new[np.asarray(arr.alp_comp, _I)]],
        syn_comp=renum(arr.syn_comp), syn_par=syn_par,
        syn_cell=cell_of[new[np.asarray(arr.syn_comp, _I)]],
        det_comp=renum(arr.det_comp), det_thr=np.asarray(arr.det_thr, _F),
        nc_ptr=nc_ptr, nc_syn=np.asarray(arr.nc_syn, _I), nc_w=np.asarray(arr.nc_w, _F),
        nc_delay=nc_delay, ev_ptr=np.asarray(events.ptr, _I),
        ev_time=np.asarray(events.time, _F), ev_syn=np.asarray(events.syn, _I),
        ev_w=np.asarray(events.w, _F), gj_a=gj_a, gj_b=gj_b, gj_g=np.asarray(arr.gj_g, _F),
        gj_ca=cell_of[gj_a], gj_cb=cell_of[gj_b], gr_pre=new[np.asarray(arr.gr_pre, _I)],
        gr_post=new[np.asarray(arr.gr_post, _I)],
        gr_par=np.asarray(arr.gr_par, _F).reshape(-1, 5),
        rec_v=new[rec_v].astype(_U), rec_s=flat_s, rec_i=rec_i, rec_im=new[rec_im].astype(_U),
        dip_mid=np.ascontiguousarray(np.asarray(dip_mid, _F)[order] if dip_mid is not None
                                     else np.zeros((0, 3))),
        lfp_mat=np.ascontiguousarray(np.asarray(lfp_mat, _F)[:, order] if lfp_mat is not None
                                     else np.zeros((0, n))))
    info = {"order": order, "n_state": n_state, "ring_len": ring_len,
            "n_rec": len(rec_v) + len(rec_s) + len(rec_i) + len(rec_im),
            "want_dip": dip_mid is not None}
    return S, info


def trial_state(S: CableSystem, info: dict, n_trials: int) -> dict:
    """The per-trial state arrays (first index the trial; zeros until CableRun._init sets
    them), by the kernel's names; ``comp_f`` stacks v, rhs, dd, invd, ff, xx (the others are
    views of it)."""
    n, nt = len(S.upar), n_trials
    n_syn, n_cells = len(S.syn_comp), len(S.cell_ptr) - 1
    comp_f = np.zeros((nt, 6, n))
    return dict(
        comp_f=comp_f, v=comp_f[:, 0], rhs=comp_f[:, 1], dd=comp_f[:, 2], invd=comp_f[:, 3],
        ff=comp_f[:, 4], xx=comp_f[:, 5],
        dirty=np.zeros((nt, n), np.bool_),
        st=cable_abi.aligned_zeros((nt, info["n_state"])),
        sA=np.zeros((nt, n_syn)), sB=np.zeros((nt, n_syn)),
        ring=np.zeros((nt, info["ring_len"], n_syn)),
        flag=np.zeros((nt, len(S.det_comp)), np.bool_),
        ipp=np.zeros((nt, len(S.icl_comp) + len(S.alp_comp) + n_syn)),
        cnt=np.zeros((nt, 2), _I), celld=np.zeros((nt, n_cells, 2), np.bool_),
        bad=np.zeros((nt, n_cells), np.bool_), gr_s=np.zeros((nt, len(S.gr_pre))),
        zz=np.zeros((nt, len(S.gj_a), n if len(S.gj_a) else 0)))


def outputs(S: CableSystem, info: dict, n_trials: int, nsteps: int, max_spikes: int | None):
    """Allocate the outputs of a run of ``nsteps`` steps."""
    n_det = len(S.det_comp)
    if max_spikes is None:
        max_spikes = min(n_det * (nsteps // 2 + 1), max(100_000, 50 * n_det))
    n_cols = nsteps // S.rec_every + 1
    n_cells = len(S.cell_ptr) - 1
    return Outputs(out_rec=np.zeros((n_trials, info["n_rec"], n_cols)),
                   out_dip=np.zeros((n_trials, n_cells if info["want_dip"] else 0, 3,
                                     n_cols)),
                   out_lfp=np.zeros((n_trials, S.lfp_mat.shape[0], n_cols)),
                   spk_det=np.zeros((n_trials, max(max_spikes, 1)), _I),
                   spk_step=np.zeros((n_trials, max(max_spikes, 1)), _I),
                   err=np.full((n_trials, 2), -1, _I))


def packed(S: CableSystem) -> dict:
    """The stacked arrays of the kernel's entry points (see templates/cable_kernel.py.j2)."""
    nc = len(S.cell_ptr)
    pad = (lambda a: np.concatenate([np.asarray(a, _I), np.zeros(nc - len(a), _I)]))
    return {"tree_f": np.ascontiguousarray(np.stack([S.gax, S.cv, S.rconst, S.dstat, S.fstat,
                                                     S.invd0, S.v0])),
            "cells_i": np.ascontiguousarray(np.stack([S.cell_ptr, pad(S.cell_re),
                                                      pad(S.cell_allhot), S.hot_ptr,
                                                      S.dyn_ptr])),
            "m_info": np.ascontiguousarray(np.stack([S.m_addr, S.m_ld, S.m_comp_off,
                                                     S.m_par_off, S.m_st_off, S.m_glob_off])
                                           .reshape(6, -1)),
            "m_blk": np.ascontiguousarray(np.stack([S.m_lo, S.m_n, S.m_np])
                                          .reshape(3, len(S.m_addr), nc - 1))}


def variant(S: CableSystem) -> str:
    """``'full'`` if the system has gap junctions, graded synapses or membrane-current,
    dipole or extracellular records, else ``'basic'`` (a smaller kernel to compile), with
    ``'_events'`` if it has spike detectors or event synapses."""
    full = len(S.gj_a) or len(S.gr_pre) or len(S.rec_im) or len(S.lfp_mat) or \
        len(S.dip_mid)
    events = len(S.det_comp) or len(S.syn_comp)
    return ("full" if full else "basic") + ("_events" if events else "")


class CableRun:
    """A run of a cable system, advanced in chunks of steps with its state kept between calls.

    ``CableRun(arr, events, nsteps, dt, v_init, ...)`` prepares the system, allocates the
    per-trial state and the outputs (records for up to ``nsteps`` steps) and initialises every
    trial (t = 0); :meth:`advance` then runs any number of steps at a time, and
    :meth:`results` collects the outputs.  A run in chunks gives the bits of a run in one go.
    The arguments are those of :func:`run_cable`.

    From another numba kernel (a network advancing cable cells in its own time loop), the same
    is done with the kernel module's ``advance_<variant>_(*args, tr, step0, n)`` for each
    chunk, after ``advance(0)`` has initialised the trials (the state and the records at
    t = 0), where ``args`` are :attr:`args` (arrays, so a jitted caller passes them through
    unchanged; the variants without events take no event arrays); spikes appear in
    ``spk_det`` / ``spk_step`` (count in ``cnt[tr, 1]``).

    Fed during the run (a cable neuron inside a point network,
    :mod:`connectome_sim.multiscale`): :meth:`add_events` queues external events due from
    the next step on, :meth:`take_spikes` hands back the spikes detected since its last call.
    """

    def __init__(self, arr: CableArrays, events: EventArrays, nsteps: int, dt: float, v_init,
                 method: str = "be", celsius: float = 6.3, n_trials: int = 1, rec_v=(),
                 rec_s=(), rec_i=(), rec_im=(), rec_every: int = 1, dip_mid=None,
                 lfp_mat=None, max_spikes: int | None = None, parallel: bool = True):
        self.arr, self.n_trials, self.nsteps = arr, int(n_trials), int(nsteps)
        self.S, self.info = prepare(arr, events, dt, v_init, method=method, celsius=celsius,
                                    n_trials=n_trials, rec_v=rec_v, rec_s=rec_s, rec_i=rec_i,
                                    rec_im=rec_im, rec_every=rec_every, dip_mid=dip_mid,
                                    lfp_mat=lfp_mat)
        self.O = outputs(self.S, self.info, self.n_trials, self.nsteps, max_spikes)
        self.state = trial_state(self.S, self.info, self.n_trials)
        self.kernel = kernel_module()
        self.variant = variant(self.S)
        named = {**self.S._asdict(), **packed(self.S), **self.state, **self.O._asdict()}
        #: the kernel's arguments (system, per-trial state, outputs) in its order
        self.args = [named[a] for a in self.kernel.ARGS[self.variant]]
        self.parallel = bool(parallel)
        self.step = 0
        self.alive = np.ones(self.n_trials, bool)
        cable_abi.setup_mechanisms(*[named[a] for a in _MECH], self.S.dt, self.S.celsius,
                                   self.S.v0)
        self._named = named
        self._initialised = False
        self._own_events = False            # add_events copies the event arrays first

    def _init(self):
        """Every trial at t = 0: v = v0, the quiet factors, the first right-hand side, the
        mechanisms' states at steady state (their conductances added), event pointers."""
        S, st = self.S, self.state
        st["v"][:] = S.v0
        st["dd"][:] = S.dstat
        st["invd"][:] = S.invd0
        st["ff"][:] = S.fstat
        st["rhs"][:] = S.rconst + S.cv * S.v0
        st["cnt"][:, 0] = S.ev_ptr[:-1]
        self.O.err[:] = -1
        if len(S.gr_pre):
            st["gr_s"][:] = 1.0 / (1.0 + np.exp(-(S.v0[S.gr_pre] - S.gr_par[:, 2])
                                                / S.gr_par[:, 3]))
        named = self._named
        for tr in range(self.n_trials):
            cable_abi.init_mechanisms(*[named[a] for a in _MECH], len(S.cell_ptr) - 1, S.dt,
                                      S.celsius, st["v"][tr], st["st"][tr], st["dd"][tr],
                                      st["rhs"][tr])
        # the records at t = 0 (column 0): v, states, point-process currents (zero before
        # the first step); the kernel writes the membrane-current rows itself
        nv, ns, ni = len(S.rec_v), len(S.rec_s), len(S.rec_i)
        rec = self.O.out_rec[:, :, 0]
        rec[:, :nv] = st["v"][:, S.rec_v]
        rec[:, nv:nv + ns] = st["st"][:, S.rec_s]
        rec[:, nv + ns:nv + ns + ni] = st["ipp"][:, S.rec_i]
        self._initialised = True

    def advance(self, n: int) -> "CableRun":
        """Run ``n`` more steps of every trial (cells in parallel if requested)."""
        n = int(n)
        if n < 0 or self.step + n > self.nsteps:
            raise ValueError(f"cannot advance {n} steps from step {self.step}: the run was "
                             f"allocated for {self.nsteps}")
        if not self._initialised:
            self._init()
        cells = "_cells_parallel" if self.parallel and len(self.S.cell_ptr) > 2 else ""
        adv = getattr(self.kernel, f"advance_{self.variant}{cells}_")
        for tr in np.flatnonzero(self.alive):
            with first_call(self.kernel, adv.__name__, "cable kernel"):
                self.alive[tr] = adv(*self.args, tr, self.step, n)
        self.step += n
        return self

    # ---------------------------------------------------------------- a run inside a network
    def add_events(self, tr: int, time, syn, w) -> None:
        """Queue external events for trial ``tr`` while the run is under way.

        ``time`` (ms), ``syn`` (synapse index) and ``w`` (µS) are merged, in time order, into
        the trial's pending events (events of equal time: the pending ones first, then the new
        ones in their given order); the kernel delivers each at the first step ``k`` with
        ``time <= k*dt + dt/2``, exactly as the events given to the constructor, so feeding
        a run in chunks gives the bits of a run given all its events at the start.  An event
        due before the next step (:attr:`step`) is refused.
        """
        time = np.ascontiguousarray(time, _F).reshape(-1)
        syn = np.ascontiguousarray(syn, _I).reshape(-1)
        w = np.ascontiguousarray(w, _F).reshape(-1)
        if not (len(time) == len(syn) == len(w)):
            raise ValueError("time, syn and w must have the same length")
        if not len(time):
            return
        S, tr = self.S, int(tr)
        if not 0 <= tr < self.n_trials:
            raise ValueError(f"trial {tr} does not exist (0..{self.n_trials - 1})")
        if not np.isfinite(time).all() or (self.step > 0 and time.min()
                                           <= (self.step - 1) * S.dt + 0.5 * S.dt):
            raise ValueError(f"events at t <= {(self.step - 0.5) * S.dt:g} ms were due before "
                             f"step {self.step}, where the run stands")
        if syn.min() < 0 or syn.max() >= len(S.syn_comp):
            raise ValueError("external events refer to a synapse that does not exist")
        self.enqueue(tr, time, syn, w)

    def enqueue(self, tr: int, time, syn, w) -> None:
        """:meth:`add_events` without its checks, for callers that guarantee them (float64
        times due from the next step on, int64 synapse indices in range, float64 weights)."""
        if not self._initialised:
            self._init()
        cnt0 = self.state["cnt"][:, 0]
        need = -1 if not self._own_events else 0   # the caller's arrays are never written
        while True:
            if need:
                # own (or bigger) buffers holding the current ones
                S = self.S
                cap = max(2 * max(need, len(S.ev_time)), 1024)
                t2, s2, w2 = np.zeros(cap), np.zeros(cap, _I), np.zeros(cap)
                n = len(S.ev_time)
                t2[:n], s2[:n], w2[:n] = S.ev_time, S.ev_syn, S.ev_w
                self._set_event_arrays(t2, s2, w2)
            S = self.S
            need = merge_pending(S.ev_ptr, S.ev_time, S.ev_syn, S.ev_w, cnt0, int(tr),
                                 time, syn, w)
            if need == 0:
                return

    def _set_event_arrays(self, time, syn, w):
        """Give the kernel new event buffers (own copies: the caller's arrays stay as given)."""
        ptr = np.array(self.S.ev_ptr, _I)
        self.S = self.S._replace(ev_ptr=ptr, ev_time=time, ev_syn=syn, ev_w=w)
        for name, a in (("ev_ptr", ptr), ("ev_time", time), ("ev_syn", syn), ("ev_w", w)):
            self._named[name] = a
        names = self.kernel.ARGS[self.variant]
        self.args = [self._named[a] for a in names]
        self._own_events = True

    def take_spikes(self, tr: int) -> tuple[np.ndarray, np.ndarray]:
        """Spikes of trial ``tr`` since the last call: ``(detector, step)`` int64 arrays in
        the order detected; the trial's spike buffer is emptied (so a long run needs a
        buffer for one chunk only; :meth:`results` then holds the spikes since the last
        call).  ValueError if the buffer overflowed."""
        cnt = self.state["cnt"]
        n = int(cnt[tr, 1])
        if n > self.O.spk_det.shape[1]:
            raise ValueError(f"trial {tr}: {n} spikes overflowed the spike buffer of "
                             f"{self.O.spk_det.shape[1]}")
        out = self.O.spk_det[tr, :n].copy(), self.O.spk_step[tr, :n].copy()
        cnt[tr, 1] = 0
        return out

    def run(self) -> dict:
        """All remaining steps, then :meth:`results`.  Several trials run in parallel, one
        Python thread per numba thread (``numba.get_num_threads()``), each calling the kernel
        (which releases the GIL) on its own trials: results do not depend on the count."""
        n = self.nsteps - self.step
        threads = min(numba.get_num_threads(), self.n_trials) if self.parallel else 1
        if threads <= 1:
            return self.advance(n).results()
        if not self._initialised:
            self._init()
        adv = getattr(self.kernel, f"advance_{self.variant}_")
        with first_call(self.kernel, adv.__name__, "cable kernel"):
            # the first call compiles (or loads) the kernel before the threads start
            self.alive[0] = adv(*self.args, 0, self.step, n)

        def trial(tr):
            self.alive[tr] = adv(*self.args, tr, self.step, n)

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(trial, range(1, self.n_trials)))
        self.step += n
        return self.results()

    def results(self) -> dict:
        """Outputs so far (see :func:`run_cable`)."""
        O, err = self.O, self.O.err.copy()
        for tr in np.flatnonzero(err[:, 0] >= 0):
            # the first compartment (caller's numbering) NaN/inf or beyond 1e4 mV
            v_caller = np.empty(len(self.arr.parent))
            v_caller[self.info["order"]] = self.state["v"][tr]
            err[tr, 1] = np.flatnonzero(~(np.abs(v_caller) <= 1e4))[0]
        spk_n = self.state["cnt"][:, 1].copy()
        return {"rec": O.out_rec, "dip": O.out_dip, "lfp": O.out_lfp, "spk_det": O.spk_det,
                "spk_step": O.spk_step, "spk_n": spk_n, "err": err,
                "overflow": bool((spk_n > O.spk_det.shape[1]).any()),
                "n": len(self.arr.parent)}


def run_cable(arr: CableArrays, events: EventArrays, nsteps: int, dt: float, v_init,
              method: str = "be", celsius: float = 6.3, n_trials: int = 1, rec_v=(),
              rec_s=(), rec_i=(), rec_im=(), rec_every: int = 1, dip_mid=None, lfp_mat=None,
              max_spikes: int | None = None, parallel: bool = True):
    """Integrate ``nsteps`` steps of ``dt`` ms for ``n_trials`` trials.

    Parameters
    ----------
    arr : CableArrays
        The system (a single cell, a forest, or cells given by ``arr.cell_ptr``).
    events : EventArrays
        External events per trial.
    nsteps : int
    dt : float
        Time step (ms).
    v_init : float or float array (n,)
        Initial membrane potential (mV).
    method : {'be', 'cn'}
        Backward Euler or Crank–Nicolson.
    celsius : float
        Temperature (°C) passed to the mechanisms.
    n_trials : int
        Independent trials (differing only in ``events``).
    rec_v, rec_im : int arrays
        Compartments whose potential (mV) / transmembrane current (nA, outward, capacitive
        + ionic + synaptic) are recorded.
    rec_s : int array (m, 3)
        State records: (mechanism index, instance index, state index).
    rec_i : int array
        Point-process current records: slot in (IClamps, AlphaSynapses, synapses).
    rec_every : int
        Keep every k-th step (column 0 is t = 0).
    dip_mid : float array (n, 3), optional
        Compartment midpoints (µm): record each cell's current dipole (nA·µm).
    lfp_mat : float array (n_el, n), optional
        Membrane current -> extracellular potential matrix (mV/nA).
    max_spikes : int, optional
        Spike buffer per trial.
    parallel : bool
        Several trials run in parallel; a single trial of several cells runs its cells in
        parallel.  Results are identical whatever the number of threads.

    Returns
    -------
    dict
        ``rec`` (n_trials, n_records, nsteps // rec_every + 1): rows v, states,
        point-process currents, membrane currents; ``dip`` (n_trials, n_cells, 3, n_cols);
        ``lfp`` (n_trials, n_el, n_cols); ``spk_det``, ``spk_step``, ``spk_n`` (spike detector
        index and the step whose start time ``step*dt`` is the spike time); ``err`` int64
        (n_trials, 2) = (step, compartment) of a blow-up, -1 if none (the compartment is the
        first one, in the caller's numbering, whose potential is NaN/inf or beyond 1e4 mV
        after that step); ``overflow`` (spike buffer too small).
    """
    return CableRun(arr, events, nsteps, dt, v_init, method=method, celsius=celsius,
                    n_trials=n_trials, rec_v=rec_v, rec_s=rec_s, rec_i=rec_i, rec_im=rec_im,
                    rec_every=rec_every, dip_mid=dip_mid, lfp_mat=lfp_mat,
                    max_spikes=max_spikes, parallel=parallel).run()


def mechanism_conductance(mech, par: np.ndarray, v: float, celsius: float = 6.3) -> np.ndarray:
    """Conductance (µS per instance) of a kernel mechanism with its gates at steady state at
    ``v`` mV: the mechanism's own compiled INIT (which adds the conductances), one compartment per instance.

    ``par`` is the mechanism's (m, 1 + n_params) parameter array (column 0 the area factor).
    """
    m = len(par)
    if m == 0:
        return np.zeros(0)
    arr = CableArrays(parent=np.full(m, -1), gax=np.zeros(m), cap=np.ones(m),
                      gconst=np.zeros(m), econst=np.zeros(m),
                      mechs=[MechanismArrays(mech, np.arange(m), np.asarray(par, _F))])
    S, info = prepare(arr, EventArrays.empty(1), 0.025, float(v), celsius=celsius)
    dd, rhs = np.zeros(m), np.zeros(m)
    named = packed(S) | S._asdict()
    cable_abi.setup_mechanisms(*[named[a] for a in _MECH], S.dt, S.celsius, S.v0)
    cable_abi.init_mechanisms(*[named[a] for a in _MECH], len(S.cell_ptr) - 1, S.dt, S.celsius,
                              S.v0.copy(), np.zeros(info["n_state"]), dd, rhs)
    return dd[np.argsort(info["order"])]


@numba.njit(cache=True, nogil=True)
def merge_pending(ev_ptr, ev_time, ev_syn, ev_w, cnt0, tr, time, syn, w):
    """Merge events (``time`` ms, ``syn``, ``w`` µS) into trial ``tr``'s pending events, in
    time order (equal times: pending ones first, then the new ones in their given order);
    every trial's delivered events (before ``cnt0[k]``) are dropped and the buffers compacted
    (``ev_ptr``, ``cnt0`` updated).  Returns 0, or the length the buffers need (then nothing
    is changed)."""
    n_tr = ev_ptr.shape[0] - 1
    total = time.shape[0]
    for k in range(n_tr):
        total += ev_ptr[k + 1] - cnt0[k]
    if total > ev_time.shape[0]:
        return total
    o = np.argsort(time, kind="mergesort")
    nt = np.empty(total)
    ns = np.empty(total, np.int64)
    nw = np.empty(total)
    pos = 0
    new_ptr = np.empty(n_tr + 1, np.int64)
    new_ptr[0] = 0
    for k in range(n_tr):
        a, b = cnt0[k], ev_ptr[k + 1]
        j = 0
        m = time.shape[0] if k == tr else 0
        while a < b or j < m:
            if j >= m or (a < b and ev_time[a] <= time[o[j]]):
                nt[pos], ns[pos], nw[pos] = ev_time[a], ev_syn[a], ev_w[a]
                a += 1
            else:
                nt[pos], ns[pos], nw[pos] = time[o[j]], syn[o[j]], w[o[j]]
                j += 1
            pos += 1
        new_ptr[k + 1] = pos
    ev_time[:total] = nt
    ev_syn[:total] = ns
    ev_w[:total] = nw
    for k in range(n_tr):
        ev_ptr[k] = new_ptr[k]
        cnt0[k] = new_ptr[k]
    ev_ptr[n_tr] = new_ptr[n_tr]
    return 0


@numba.njit(cache=True, nogil=True)
def expand_routes(rows, steps, times, on_grid, route_ptr, route_syn, route_w, route_delay,
                  route_dsteps, dt, k_first, k_last):
    """Events of spikes on the synapses they drive (a CSR over network rows: synapse index,
    weight µS, delay ms, delay in whole steps): ``(time, synapse, weight)``.

    A spike of a clock-driven neuron (``on_grid``: detected at step ``steps[i]``) arrives,
    as between point neurons, exactly ``route_dsteps`` steps later (its event time is that
    step's time); a spike at an exact time (event-driven neuron) arrives at
    ``times[i] + delay``, delivered as NEURON delivers a NetCon event.  Only events due from
    step ``k_first`` to step ``k_last`` are returned.  The fourth value is -1, or the route
    index of an event due before step ``k_first`` (a late crossing: nothing is returned then).
    """
    half = 0.5 * dt
    n = 0
    for i in range(rows.shape[0]):
        n += route_ptr[rows[i] + 1] - route_ptr[rows[i]]
    et = np.empty(n)
    es = np.empty(n, np.int64)
    ew = np.empty(n)
    m = 0
    for i in range(rows.shape[0]):
        for q in range(route_ptr[rows[i]], route_ptr[rows[i] + 1]):
            if on_grid[i]:
                k = steps[i] + route_dsteps[q]
                if k < k_first:
                    return et[:0], es[:0], ew[:0], q
                if k > k_last:
                    continue
                t = k * dt
            else:
                t = times[i] + route_delay[q]
                if t <= (k_first - 1) * dt + half:
                    return et[:0], es[:0], ew[:0], q
                if t > k_last * dt + half:
                    continue
            et[m], es[m], ew[m] = t, route_syn[q], route_w[q]
            m += 1
    return et[:m], es[:m], ew[:m], -1


@contextlib.contextmanager
def kernel_notice(arr: CableArrays, n_trials: int = 1, parallel: bool = True,
                  records_membrane: bool = False, linearise: bool = False):
    """One notice for everything a run of ``arr`` compiles (mechanism kernels and the cable
    kernel's entry points), silent when numba's cache holds them all.

    Use around the description layer's whole run (compiling the mechanisms included):
    the first run after install prints one line that kernels are being compiled, then how
    long it took.  ``records_membrane``: the run records membrane currents, dipoles or
    extracellular potentials (the kernel's "full" variant).
    """
    var = "full" if (records_membrane or len(arr.gj_a) or len(arr.gr_pre)) else "basic"
    if len(arr.det_comp) or len(arr.syn_comp):
        var += "_events"
    cells = arr.cell_ptr is not None and len(arr.cell_ptr) > 2
    # (set-up and initialisation call the mechanisms' entry points from Python: only the
    # mechanisms and the time loop compile)
    entries = [] if linearise else [
        f"advance_{var}{'_cells_parallel' if parallel and cells else ''}_"]
    fresh = []
    for m in arr.mechs:
        if m.mechanism.name not in fresh and m.mechanism not in _READY \
                and not mechanism_cached(m.mechanism):
            fresh.append(m.mechanism.name)
    if any(f not in _READY and not is_compiled(kernel_module(), f) for f in entries):
        fresh.append("cable")
    if not fresh:
        yield
    else:
        what = f"{', '.join(fresh)} kernel{'s' if len(fresh) > 1 else ''}"
        with compile_notice(what), announced():
            yield
    # compiled and loaded in this process from now on: no more cache look-ups
    _READY.update(entries)
    _READY.update(m.mechanism for m in arr.mechs)


#: entry points and mechanisms known to be compiled in this process
_READY: set = set()
