"""Run a compiled cable model (flat arrays) through the generated numba kernel.

Everything here is indices and floats; IDs, pandas and errors with node IDs live in
:mod:`connectome_sim.cable`.  Units: ms, mV, nF (``cap``), µS (``gax``, conductances), nA.

The compiled model is a :class:`CableArrays` (see its fields).  Compartments are in Hines
order: ``parent[i] < i`` and ``parent[i] == -1`` for the root of every tree (a forest is
allowed: several cells in one system).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .cable_codegen import get_kernel
from .cable_solver import dynamic_mask, level_order, prefactor

__all__ = ["CableArrays", "EventArrays", "run_cable", "state_offsets"]

_I = np.int64
_U = np.uint32
_F = np.float64


def _f2(a, ncol):
    a = np.asarray(a, dtype=_F)
    return a.reshape(-1, ncol) if a.size else np.zeros((0, ncol))


@dataclass
class CableArrays:
    """A cable system ready for the kernel.

    Attributes
    ----------
    parent : int64 (n,)
        Parent compartment, -1 for roots; ``parent[i] < i``.
    gax : float64 (n,)
        Axial conductance to the parent (µS); ignored for roots.
    cap : float64 (n,)
        Membrane capacitance (nF); 0 for zero-area junctions.
    gconst, econst : float64 (n,)
        Folded constant leak conductance (µS) and its ``sum g*e`` (µS·mV = nA).
    mechs : list of (mechanism, comp int64 (m,), par float64 (m, 1 + n_params))
        Kernel mechanisms, ``par[:, 0]`` is the area factor ``area * 1e-2`` (S/cm² -> µS).
    icl_comp, icl_par : IClamp sites and (del ms, dur ms, amp nA).
    alp_comp, alp_par : AlphaSynapse sites and (onset ms, tau ms, gmax µS, e mV).
    syn_comp, syn_par : event synapses and (tau1 ms, tau2 ms, e mV, fA, fB): an event of
        weight w (µS) adds ``w*fA`` to A and ``w*fB`` to B; ``g = B - A`` (ExpSyn: fA = 0).
    det_comp, det_thr : spike detectors (threshold mV, NetCon semantics).
    nc_ptr, nc_syn, nc_w, nc_delay : CSR of connections from detector q to synapses
        (weight µS, delay ms).
    """

    parent: np.ndarray
    gax: np.ndarray
    cap: np.ndarray
    gconst: np.ndarray
    econst: np.ndarray
    mechs: list = field(default_factory=list)
    icl_comp: np.ndarray = field(default_factory=lambda: np.zeros(0, _I))
    icl_par: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    alp_comp: np.ndarray = field(default_factory=lambda: np.zeros(0, _I))
    alp_par: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    syn_comp: np.ndarray = field(default_factory=lambda: np.zeros(0, _I))
    syn_par: np.ndarray = field(default_factory=lambda: np.zeros((0, 5)))
    det_comp: np.ndarray = field(default_factory=lambda: np.zeros(0, _I))
    det_thr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    nc_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, _I))
    nc_syn: np.ndarray = field(default_factory=lambda: np.zeros(0, _I))
    nc_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    nc_delay: np.ndarray = field(default_factory=lambda: np.zeros(0))


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


def _check(arr: CableArrays, n: int) -> np.ndarray:
    """Validate index arrays (the kernel does not bounds-check); returns nc_ptr."""
    par = np.asarray(arr.parent)
    if par.ndim != 1 or (len(par) and (par[0] != -1 or (par >= np.arange(n)).any()
                                       or (par < -1).any())):
        raise ValueError("parent must satisfy parent[i] < i, parent[0] == -1 (Hines order)")
    for name in ("gax", "cap", "gconst", "econst"):
        if len(getattr(arr, name)) != n:
            raise ValueError(f"{name} has length {len(getattr(arr, name))}, expected {n}")
    comps = [arr.icl_comp, arr.alp_comp, arr.syn_comp, arr.det_comp] + \
        [c for _, c, _ in arr.mechs]
    for c in comps:
        c = np.asarray(c)
        if len(c) and (c.min() < 0 or c.max() >= n):
            raise ValueError("compartment index out of range in a mechanism/point process")
    for (_, c, p) in arr.mechs:
        if len(np.unique(c)) != len(c) or p.shape[0] != len(c):
            raise ValueError("mechanism instances must be unique compartments, one row each")
    n_det, n_syn = len(arr.det_comp), len(arr.syn_comp)
    nc_ptr = np.asarray(arr.nc_ptr, _I)
    if len(arr.nc_syn) == 0 and len(nc_ptr) != n_det + 1:
        nc_ptr = np.zeros(n_det + 1, _I)
    if len(nc_ptr) != n_det + 1 or nc_ptr[0] != 0 or nc_ptr[-1] != len(arr.nc_syn) \
            or (np.diff(nc_ptr) < 0).any():
        raise ValueError("nc_ptr must be a CSR pointer over the detectors")
    if len(arr.nc_syn) and (np.min(arr.nc_syn) < 0 or np.max(arr.nc_syn) >= n_syn):
        raise ValueError("nc_syn refers to a synapse that does not exist")
    if len(arr.nc_delay) and np.min(arr.nc_delay) < 0:
        raise ValueError("NetCon delays must be >= 0 ms")
    return nc_ptr


def state_offsets(mechs) -> list[int]:
    """Start of each kernel mechanism's states in the flat per-trial state array."""
    off = [0]
    for m, comp, _ in mechs:
        off.append(off[-1] + len(comp) * len(m.state_names))
    return off


def run_cable(arr: CableArrays, events: EventArrays, nsteps: int, dt: float, v_init: float,
              method: str = "be", celsius: float = 6.3, n_trials: int = 1,
              rec_v=(), rec_s=(), rec_i=(), rec_every: int = 1, max_spikes: int | None = None):
    """Integrate ``nsteps`` steps of ``dt`` ms for ``n_trials`` trials.

    Returns a dict: ``rec`` float64 (n_trials, n_records, nsteps // rec_every + 1) with rows
    in the order v-records, state records, point-process current records; ``spk_det``,
    ``spk_step``, ``spk_n`` (spike detector index and the step whose start time ``step*dt``
    is the spike time); ``err`` int64 (n_trials, 2) = (step, compartment) of a blow-up, -1 if
    none (the compartment is the first one, in the caller's numbering, whose potential is
    NaN/inf or beyond 1e4 mV after that step); ``overflow`` bool (spike buffer too small).

    Internally the compartments are renumbered level by level
    (:func:`~connectome_sim.engine.cable_solver.level_order`); every index in and out of this
    function is in the caller's numbering.
    """
    n = len(arr.parent)
    nc_ptr = _check(arr, n)
    if n >= 2 ** 32:
        raise ValueError(f"{n} compartments: the kernel indexes them with uint32 (< 2**32)")
    # renumber level by level (see cable_solver): ``order[k]`` is the caller's compartment
    # that the kernel calls k, ``new[j]`` the kernel's number of the caller's compartment j
    par0 = np.ascontiguousarray(arr.parent, _I)
    order = level_order(par0)
    new = np.empty(n, _I)
    new[order] = np.arange(n, dtype=_I)
    par = np.where(par0[order] >= 0, new[np.maximum(par0[order], 0)], -1).astype(_I)
    nroot = int(np.count_nonzero(par < 0))
    gax = np.ascontiguousarray(np.asarray(arr.gax, _F)[order])
    rconst = np.asarray(arr.econst, _F)[order].copy()
    dconst = np.asarray(arr.gconst, _F)[order].copy()
    nz = par >= 0
    np.add.at(dconst, np.nonzero(nz)[0], gax[nz])
    np.add.at(dconst, par[nz], gax[nz])
    kern = get_kernel([m for m, _, _ in arr.mechs])
    cv = np.asarray(arr.cap, _F)[order] * ((2.0 if method == "cn" else 1.0) / dt)
    # compartment indices for the kernel are unsigned (no wraparound code in its loops)
    renum = (lambda c: new[np.asarray(c, _I)].astype(_U))
    # compartments whose factors vary: "hot" ones have a density mechanism in their subtree
    # (refactorised every step), the others in dyn_idx a synapse (refactorised on steps
    # when one of those synapses conducts); the quiet system is factorised once here
    hot = dynamic_mask(par, np.concatenate([np.zeros(0, _I)] + [renum(c).astype(_I)
                                           for _, c, _ in arr.mechs]))
    dyn = dynamic_mask(par, np.concatenate([renum(arr.alp_comp), renum(arr.syn_comp)]
                                           ).astype(_I)) & ~hot
    dstat, fstat, invd0 = prefactor(par, gax, dconst + cv, np.zeros(n, np.bool_))
    hot_idx = np.flatnonzero(hot).astype(_U)
    dyn_idx = np.flatnonzero(dyn).astype(_U)
    # parent indices for the kernel: unsigned (no negative-index wraparound code in the
    # sweeps); roots (the first nroot compartments) point at themselves and are skipped
    upar = np.where(par >= 0, par, np.arange(n)).astype(_U)
    syn_par = _f2(arr.syn_par, 5).copy()
    if len(syn_par):
        syn_par[:, 0] = np.exp(-dt / syn_par[:, 0])
        syn_par[:, 1] = np.exp(-dt / syn_par[:, 1])
    max_delay = float(arr.nc_delay.max()) if len(arr.nc_delay) else 0.0
    ring_len = int(np.ceil(max_delay / dt)) + 3
    n_det = len(arr.det_comp)
    if max_spikes is None:
        max_spikes = min(n_det * (nsteps // 2 + 1), max(100_000, 50 * n_det))
    rec_v = np.asarray(rec_v, _I)
    rec_s = np.asarray(rec_s, _I)
    rec_i = np.asarray(rec_i, _I)
    n_rec = len(rec_v) + len(rec_s) + len(rec_i)
    for r, lim in ((rec_v, n), (rec_s, state_offsets(arr.mechs)[-1])):
        if len(r) and (r.min() < 0 or r.max() >= lim):
            raise ValueError("record index out of range")
    rec_v = new[rec_v].astype(_U)
    if len(rec_i) and (rec_i.min() < 0 or rec_i.max() >= len(arr.icl_comp)
                       + len(arr.alp_comp) + len(arr.syn_comp)):
        raise ValueError("current record index out of range")
    if len(events.ptr) != n_trials + 1:
        raise ValueError(f"events.ptr must have n_trials + 1 = {n_trials + 1} entries")
    if len(events.syn) and (events.syn.min() < 0 or events.syn.max() >= len(arr.syn_comp)):
        raise ValueError("external events refer to a synapse that does not exist")
    out_rec = np.zeros((n_trials, n_rec, nsteps // rec_every + 1))
    spk_det = np.zeros((n_trials, max(max_spikes, 1)), _I)
    spk_step = np.zeros((n_trials, max(max_spikes, 1)), _I)
    spk_n = np.zeros(n_trials, _I)
    err = np.full((n_trials, 2), -1, _I)
    margs = []
    for _, comp, p in arr.mechs:
        margs += [np.ascontiguousarray(renum(comp)), np.ascontiguousarray(p, _F)]
    args = (nsteps, float(dt), bool(method == "cn"), float(celsius), float(v_init),
            upar, nroot, new, gax, cv, dstat, rconst, fstat, invd0, hot_idx, dyn_idx, *margs,
            renum(arr.icl_comp), _f2(arr.icl_par, 3),
            renum(arr.alp_comp), _f2(arr.alp_par, 4),
            renum(arr.syn_comp), syn_par,
            np.asarray(events.ptr, _I), np.asarray(events.time, _F),
            np.asarray(events.syn, _I), np.asarray(events.w, _F),
            renum(arr.det_comp), np.asarray(arr.det_thr, _F),
            nc_ptr, np.asarray(arr.nc_syn, _I),
            np.asarray(arr.nc_w, _F), np.asarray(arr.nc_delay, _F), ring_len,
            rec_v, rec_s, rec_i, int(rec_every), out_rec, spk_det, spk_step, spk_n, err)
    if n_trials == 1:
        kern.run_one(0, *args)
    else:
        kern.run_trials(n_trials, *args)
    return {"rec": out_rec, "spk_det": spk_det, "spk_step": spk_step, "spk_n": spk_n,
            "err": err, "overflow": bool((spk_n > spk_det.shape[1]).any()), "n": n}
