"""Turn a :class:`~connectome_sim.cable.model.CompartmentModel` description into engine arrays.

Everything keyed by IDs in the model becomes flat arrays here (see
:class:`connectome_sim.engine.cable_run.CableArrays`); the maps back to IDs stay in the model.
Units: cap nF (= cm µF/cm² · area µm² · 1e-5), axial conductance µS (= 1 / (ri_unit · Ra)),
membrane conductance µS (= g S/cm² · area µm² · 1e-2).
"""

from __future__ import annotations

import numpy as np

from connectome_sim.engine.cable_run import CableArrays, EventArrays, MechanismArrays
from connectome_sim.errors import ParameterError
from connectome_sim.mechanisms.hh import HH, HHTable
from connectome_sim.stimuli import make_rng, netstim_times

__all__ = ["compile_arrays", "compile_events", "passive_arrays"]

_HH_TABLE = HHTable()


def passive_arrays(geom, Ra_sec: np.ndarray, cm_comp: np.ndarray):
    """``(parent, gax µS, cap nF)`` of a geometry with per-section Ra and per-compartment cm."""
    parent = np.asarray(geom.parent, np.int64)
    ri = geom.ri_unit * Ra_sec[geom.section]
    gax = np.zeros(len(parent))
    link = parent >= 0
    if (ri[link] <= 0).any() or not np.isfinite(ri[link]).all():
        bad = np.flatnonzero(link & ~(ri > 0))[:5]
        raise ParameterError(f"non-positive axial resistance at compartments {bad.tolist()}: "
                             "check Ra (Ω·cm) and the skeleton's radii")
    gax[link] = 1.0 / ri[link]
    cap = np.where(geom.is_junction, 0.0, cm_comp * geom.area * 1e-5)
    return parent, gax, cap


def compile_arrays(model, usetable_hh: bool = False) -> tuple[CableArrays, dict]:
    """Build :class:`CableArrays` and index maps (``state_index``) for ``model``.

    ``usetable_hh`` swaps NEURON's tabulated hh rates (:class:`HHTable`) for the exact ones.
    """
    geom = model.geometry
    parent, gax, cap = passive_arrays(geom, model._Ra_sec, model._cm)
    n = len(parent)
    afac = geom.area * 1e-2
    gconst = np.zeros(n)
    econst = np.zeros(n)
    mechs = []
    inst_index = {}
    for name in sorted(model._mechs):
        entry = model._mechs[name]
        mech, mask, par = entry["mech"], entry["mask"], entry["par"]
        comp = np.flatnonzero(mask)
        if not len(comp):
            continue
        names = mech.param_names
        pd_ = {k: par[comp, c] for c, k in enumerate(names)}
        g, ge = mech.linear(pd_)
        np.add.at(gconst, comp, np.asarray(g) * afac[comp])
        np.add.at(econst, comp, np.asarray(ge) * afac[comp])
        if mech.folded:
            continue
        if usetable_hh and type(mech) is HH:
            mech = _HH_TABLE
        inst_index[name] = (len(mechs), comp)
        mechs.append(MechanismArrays(mech, comp, np.column_stack([afac[comp], par[comp]])))
    arr = CableArrays(parent=parent, gax=gax, cap=cap, gconst=gconst, econst=econst,
                      mechs=mechs)
    pps = model._points
    icl = [p for p in pps if p["kind"] == "IClamp"]
    alp = [p for p in pps if p["kind"] == "AlphaSynapse"]
    syn = model._synapses
    arr.icl_comp = np.array([p["comp"] for p in icl], np.int64)
    arr.icl_par = np.array([[p["obj"].delay, p["obj"].dur, p["obj"].amp] for p in icl]
                           ).reshape(-1, 3)
    arr.alp_comp = np.array([p["comp"] for p in alp], np.int64)
    arr.alp_par = np.array([[p["obj"].onset, p["obj"].tau, p["obj"].gmax, p["obj"].e]
                            for p in alp]).reshape(-1, 4)
    arr.syn_comp = np.array([s["comp"] for s in syn], np.int64)
    arr.syn_par = np.array([s["obj"].kernel_params() for s in syn]).reshape(-1, 5)
    dets = model._detectors
    arr.det_comp = np.array([d["comp"] for d in dets], np.int64)
    arr.det_thr = np.array([d["threshold"] for d in dets], float)
    det_index = {id(d): q for q, d in enumerate(dets)}
    ncs = sorted(({**c, "det": det_index[id(c["det_obj"])]} for c in model._netcons),
                 key=lambda c: c["det"])
    counts = np.bincount([c["det"] for c in ncs], minlength=len(dets)) if ncs \
        else np.zeros(len(dets), np.int64)
    arr.nc_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    arr.nc_syn = np.array([c["syn"] for c in ncs], np.int64)
    arr.nc_w = np.array([c["weight"] for c in ncs], float)
    arr.nc_delay = np.array([c["delay"] for c in ncs], float)
    # point-process current slots: IClamps, then AlphaSynapses, then event synapses
    pp_slot = {}
    for k, p in enumerate(icl):
        pp_slot[id(p)] = k
    for k, p in enumerate(alp):
        pp_slot[id(p)] = len(icl) + k
    for k, s in enumerate(syn):
        pp_slot[id(s)] = len(icl) + len(alp) + k
    # flat state offsets
    off = [0]
    for m in mechs:
        off.append(off[-1] + len(m.comp) * len(m.mechanism.state_names))
    return arr, {"inst_index": inst_index, "state_off": off, "pp_slot": pp_slot}


def compile_events(model, n_trials: int, seed, tstop: float) -> tuple[EventArrays, list]:
    """External events (NetStim trains and fixed spike times, plus NetCon delays) per trial.

    Returns the :class:`EventArrays` and, per trial, a dict ``source index -> spike times``
    (ms, before delays) so callers can inject the identical presynaptic trains elsewhere.
    """
    times, syns, ws, ptr, trains = [], [], [], [0], []
    for tr in range(n_trials):
        tt, ss, ww, tr_trains = [], [], [], {}
        for si, src in enumerate(model._sources):
            if src["kind"] == "netstim":
                s = src["seed"] if src["seed"] is not None else (seed if seed is not None else 0)
                rng = make_rng(s, tr, si) if src["noise"] > 0 else None
                st = netstim_times(src["start"], src["number"], src["interval"], src["noise"],
                                   rng=rng, stop=tstop + 1e-9)
            else:
                st = np.asarray(src["times"], float)
            tr_trains[si] = st
            for syn, w, delay in src["targets"]:
                arrival = st + delay
                arrival = arrival[arrival <= tstop + 1e-9]
                tt.append(arrival)
                ss.append(np.full(len(arrival), syn, np.int64))
                ww.append(np.full(len(arrival), w))
        trains.append(tr_trains)
        if tt:
            t = np.concatenate(tt)
            order = np.argsort(t, kind="stable")
            times.append(t[order])
            syns.append(np.concatenate(ss)[order])
            ws.append(np.concatenate(ww)[order])
            ptr.append(ptr[-1] + len(t))
        else:
            ptr.append(ptr[-1])
    cat = (lambda a, dt: np.concatenate(a) if a else np.zeros(0, dt))
    return EventArrays(np.array(ptr, np.int64), cat(times, float), cat(syns, np.int64),
                       cat(ws, float)), trains
