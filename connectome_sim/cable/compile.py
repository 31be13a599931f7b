"""Turn a :class:`~connectome_sim.cable.model.CompartmentModel` description into engine arrays.

This is the one place where a model's description (mechanisms, stimuli, synapses, records,
keyed by node ID) is read and turned into the engine's typed input,
:class:`connectome_sim.engine.cable_run.CableArrays`; a :class:`CompiledCell` keeps, beside
the arrays, which model entries the engine's rows stand for, so results map back to IDs.
Circuits compile each cell with :func:`compile_cell` and concatenate
(:mod:`connectome_sim.cable.circuit_compile`).

Units: cap nF (= cm µF/cm² · area µm² · 1e-5), axial conductance µS (= 1 / (ri_unit · Ra)),
membrane conductance µS (= g S/cm² · area µm² · 1e-2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from connectome_sim.engine.cable_codegen import mechanism_module
from connectome_sim.engine.cable_run import CableArrays, EventArrays, MechanismArrays
from connectome_sim.errors import ParameterError
from connectome_sim.mechanisms.hh import HH, HHTable
from connectome_sim.stimuli import make_rng, netstim_times

__all__ = ["CompiledCell", "compile_cell", "compile_events", "passive_arrays",
           "check_kernels"]

_HH_TABLE = HHTable()


@dataclass
class CompiledCell:
    """A model compiled for the engine, with the maps from engine rows to model entries.

    Attributes
    ----------
    arrays : CableArrays
        The engine's input for this cell alone.
    mech_index : dict
        Mechanism name -> (index in ``arrays.mechs``, its instances' compartments).
    records_v, records_s, records_i : list
        The model's voltage, state and point-process current records, in the order of the
        engine's record rows.
    rec_v, rec_s, rec_i : numpy arrays
        The engine's record specification (compartments; (mechanism, instance, state);
        point-process slots).
    detectors : list
        The model's spike detectors, in the engine's detector order.
    """

    arrays: CableArrays
    mech_index: dict = field(default_factory=dict)
    records_v: list = field(default_factory=list)
    records_s: list = field(default_factory=list)
    records_i: list = field(default_factory=list)
    rec_v: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rec_s: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))
    rec_i: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    detectors: list = field(default_factory=list)


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


def _position(items, obj) -> int:
    """Index of ``obj`` itself (not an equal copy) in ``items``."""
    for k, x in enumerate(items):
        if x is obj:
            return k
    raise KeyError("entry not found in the model")  # pragma: no cover - model invariant


def check_kernels(mechs) -> None:
    """Compile (or load) every kernel mechanism now, so that a rate function numba cannot
    compile is reported as a ParameterError naming the mechanism."""
    for m in mechs:
        try:
            mechanism_module(m.mechanism)
        except Exception as exc:  # noqa: BLE001 - numba raises many kinds
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ParameterError(
                f"the kernel of mechanism {m.mechanism.name!r} could not be compiled by numba "
                f"({type(exc).__name__}: {first}); its rate functions may use only numbers, "
                "arithmetic, if/else and math/numpy functions of floats") from exc


def compile_cell(model, usetable_hh: bool = False) -> CompiledCell:
    """Compile ``model`` (see :class:`CompiledCell`).

    ``usetable_hh`` swaps NEURON's tabulated hh rates (:class:`HHTable`) for the exact ones.
    """
    geom = model.geometry
    parent, gax, cap = passive_arrays(geom, model._Ra_sec, model._cm)
    n = len(parent)
    afac = geom.area * 1e-2
    gconst = np.zeros(n)
    econst = np.zeros(n)
    mechs, mech_index = [], {}
    for name in sorted(model._mechs):
        entry = model._mechs[name]
        mech, mask, par = entry["mech"], entry["mask"], entry["par"]
        comp = np.flatnonzero(mask)
        if not len(comp):
            continue
        g, ge = mech.linear({k: par[comp, c] for c, k in enumerate(mech.param_names)})
        np.add.at(gconst, comp, np.asarray(g) * afac[comp])
        np.add.at(econst, comp, np.asarray(ge) * afac[comp])
        if mech.folded:
            continue
        if usetable_hh and type(mech) is HH:
            mech = _HH_TABLE
        mech_index[name] = (len(mechs), comp)
        mechs.append(MechanismArrays(mech, comp, np.column_stack([afac[comp], par[comp]])))

    pps = model._points
    icl = [p for p in pps if p["kind"] == "IClamp"]
    alp = [p for p in pps if p["kind"] == "AlphaSynapse"]
    syn = model._synapses
    dets = model._detectors
    ncs = sorted(((_position(dets, c["det_obj"]), c) for c in model._netcons),
                 key=lambda qc: qc[0])
    counts = np.bincount([q for q, _ in ncs], minlength=len(dets)) if ncs \
        else np.zeros(len(dets), np.int64)
    arr = CableArrays(
        parent=parent, gax=gax, cap=cap, gconst=gconst, econst=econst, mechs=mechs,
        icl_comp=np.array([p["comp"] for p in icl], np.int64),
        icl_par=np.array([[p["obj"].delay, p["obj"].dur, p["obj"].amp] for p in icl]
                         ).reshape(-1, 3),
        alp_comp=np.array([p["comp"] for p in alp], np.int64),
        alp_par=np.array([[p["obj"].onset, p["obj"].tau, p["obj"].gmax, p["obj"].e]
                          for p in alp]).reshape(-1, 4),
        syn_comp=np.array([s["comp"] for s in syn], np.int64),
        syn_par=np.array([s["obj"].kernel_params() for s in syn]).reshape(-1, 5),
        det_comp=np.array([d["comp"] for d in dets], np.int64),
        det_thr=np.array([d["threshold"] for d in dets], float),
        nc_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        nc_syn=np.array([c["syn"] for _, c in ncs], np.int64),
        nc_w=np.array([c["weight"] for _, c in ncs], float),
        nc_delay=np.array([c["delay"] for _, c in ncs], float))

    rv = [r for r in model._records if r["kind"] == "v"]
    rs = [r for r in model._records if r["kind"] == "state"]
    ri = [r for r in model._records if r["kind"] == "i"]
    rec_s = []
    for r in rs:
        j, comp = mech_index[r["mech"]]
        rec_s.append((j, int(np.searchsorted(comp, r["comp"])),
                      mechs[j].mechanism.state_names.index(r["state"])))
    # point-process current slots: IClamps, then AlphaSynapses, then event synapses
    slots = []
    for r in ri:
        p = r["pp"]
        if p["kind"] == "IClamp":
            slots.append(_position(icl, p))
        elif p["kind"] == "AlphaSynapse":
            slots.append(len(icl) + _position(alp, p))
        else:
            slots.append(len(icl) + len(alp) + _position(syn, p))
    return CompiledCell(arrays=arr, mech_index=mech_index, records_v=rv, records_s=rs,
                        records_i=ri, rec_v=np.array([r["comp"] for r in rv], np.int64),
                        rec_s=np.array(rec_s, np.int64).reshape(-1, 3),
                        rec_i=np.array(slots, np.int64), detectors=list(dets))


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
