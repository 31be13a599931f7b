"""Merge the cells of a :class:`~connectome_sim.cable.circuit.Circuit` into one engine system.

Each cell's :class:`~connectome_sim.cable.model.CompartmentModel` is compiled on its own
(:func:`connectome_sim.cable.compile.compile_cell`); the arrays are then concatenated with
index offsets, cell *c* owning the compartments ``cell_ptr[c]:cell_ptr[c+1]`` (the engine
solves each cell as it would alone, see :mod:`connectome_sim.engine.cable_run`).  Instances of
the same mechanism object are merged into one :class:`MechanismArrays`.  Circuit-level
synapses (from ``connect_synapses`` and the drives), detectors, NetCons, gap junctions and
graded synapses are appended here.  Units: ms, mV, nF, µS, nA, µm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from connectome_sim.engine.cable_run import CableArrays, EventArrays, MechanismArrays

from .compile import CompiledCell, compile_cell, compile_events

__all__ = ["CircuitSystem", "merge_circuit"]

_I = np.int64


def _cat(parts, dtype=float, ncol=None):
    parts = [np.asarray(p, dtype) for p in parts if len(p)]
    if not parts:
        return np.zeros((0, ncol) if ncol else 0, dtype)
    return np.concatenate(parts)


@dataclass
class CircuitSystem:
    """A circuit compiled for the engine.

    Attributes
    ----------
    arrays : CableArrays
        The merged system (``arrays.cell_ptr`` holds the cells' ranges).
    events : EventArrays
        External events per trial (cells' own sources and the circuit's drives).
    ids : list
        Neuron IDs in cell order.
    cells : list of CompiledCell
        Each cell compiled alone.
    rec_v, rec_s, rec_i : numpy arrays
        Record rows of the merged system, cell after cell.
    layout : list of tuple
        Per cell: the offsets of its rows in ``rec_v``, ``rec_s``, ``rec_i``.
    det_owner : list of (cell, detector dict or None)
        Owner of each merged detector (None: a circuit NetCon's detector).
    trains : list
        Per cell, the presynaptic trains of its own sources (see ``compile_events``).
    """

    arrays: CableArrays
    events: EventArrays
    ids: list
    cells: list
    rec_v: np.ndarray
    rec_s: np.ndarray
    rec_i: np.ndarray
    layout: list = field(default_factory=list)
    det_owner: list = field(default_factory=list)
    trains: list = field(default_factory=list)

    @property
    def cell_ptr(self) -> np.ndarray:
        return self.arrays.cell_ptr


def merge_circuit(circuit, n_trials: int, seed, tstop: float) -> CircuitSystem:
    """Compile every cell and the circuit wiring into one system (see :class:`CircuitSystem`)."""
    ids = list(circuit.models)
    cells: list[CompiledCell] = [compile_cell(circuit.models[nid]) for nid in ids]
    csyns = [circuit._syn[nid] for nid in ids]
    comp_off = np.concatenate([[0], np.cumsum([len(c.arrays.parent) for c in cells])])
    n_icl = [len(c.arrays.icl_comp) for c in cells]
    n_alp = [len(c.arrays.alp_comp) for c in cells]
    n_syn = [len(c.arrays.syn_comp) + len(s) for c, s in zip(cells, csyns)]
    icl_off, alp_off, syn_off = (np.concatenate([[0], np.cumsum(x)]) for x in
                                 (n_icl, n_alp, n_syn))
    n_icl_all, n_alp_all = icl_off[-1], alp_off[-1]

    # mechanisms: the instances of one mechanism object, cell after cell
    order, inst = [], {}
    for c, cc in enumerate(cells):
        for j, m in enumerate(cc.arrays.mechs):
            if m.mechanism not in inst:
                order.append(m.mechanism)
                inst[m.mechanism] = []
            inst[m.mechanism].append((c, j))
    merged_index, inst_off, mechs = {}, {}, []
    for mi, mech in enumerate(order):
        comps, pars, k0 = [], [], 0
        for c, j in inst[mech]:
            m = cells[c].arrays.mechs[j]
            merged_index[(c, j)] = mi
            inst_off[(c, j)] = k0
            comps.append(m.comp + comp_off[c])
            pars.append(m.par)
            k0 += len(m.comp)
        mechs.append(MechanismArrays(mech, np.concatenate(comps).astype(_I),
                                     np.concatenate(pars)))

    # detectors: every cell's own, then the circuit's (deduplicated per (cell, comp, thr))
    det_comp, det_thr, det_owner, ncs = [], [], [], []
    det_off = np.concatenate([[0], np.cumsum([len(c.arrays.det_comp) for c in cells])])
    for c, cc in enumerate(cells):
        a = cc.arrays
        det_comp += (a.det_comp + comp_off[c]).tolist()
        det_thr += a.det_thr.tolist()
        det_owner += [(c, d) for d in cc.detectors]
        for q in range(len(a.det_comp)):
            for k in range(a.nc_ptr[q], a.nc_ptr[q + 1]):
                ncs.append((det_off[c] + q, syn_off[c] + a.nc_syn[k], a.nc_w[k], a.nc_delay[k]))
    cidx = {nid: c for c, nid in enumerate(ids)}
    det_key = {}
    for nc in circuit._netcons:
        c_pre, c_post = cidx[nc["pre"]], cidx[nc["post"]]
        key = (c_pre, nc["det_comp"], nc["threshold"])
        if key not in det_key:
            det_key[key] = len(det_comp)
            det_comp.append(comp_off[c_pre] + nc["det_comp"])
            det_thr.append(nc["threshold"])
            det_owner.append((c_pre, None))
        post_syn = syn_off[c_post] + len(cells[c_post].arrays.syn_comp) + nc["syn"]
        ncs.append((det_key[key], post_syn, nc["weight"], nc["delay"]))
    ncs.sort(key=lambda x: x[0])
    counts = np.bincount([x[0] for x in ncs], minlength=len(det_comp)) if ncs \
        else np.zeros(len(det_comp), _I)

    per = list(zip(cells, csyns, comp_off[:-1]))
    syn_comp, syn_par = [], []
    for cc, cs, o in per:
        syn_comp += [cc.arrays.syn_comp + o, np.array([s["comp"] for s in cs], _I) + o]
        syn_par += [cc.arrays.syn_par, np.array([s["params"] for s in cs], float).reshape(-1, 5)]
    gj_a = gj_b = np.zeros(0, _I)
    gj_g = np.zeros(0)
    cptr = comp_off.astype(_I)
    if circuit._gj:
        gj_a = np.array([cptr[cidx[a]] + ca for a, ca, _, _, _ in circuit._gj], _I)
        gj_b = np.array([cptr[cidx[b]] + cb for _, _, b, cb, _ in circuit._gj], _I)
        gj_g = np.array([g for *_, g in circuit._gj], float)
    gr = circuit._graded
    arr = CableArrays(
        parent=_cat([np.where(cc.arrays.parent >= 0, cc.arrays.parent + o, -1)
                     for cc, _, o in per], _I),
        gax=_cat([cc.arrays.gax for cc in cells]), cap=_cat([cc.arrays.cap for cc in cells]),
        gconst=_cat([cc.arrays.gconst for cc in cells]),
        econst=_cat([cc.arrays.econst for cc in cells]), mechs=mechs, cell_ptr=cptr,
        icl_comp=_cat([cc.arrays.icl_comp + o for cc, _, o in per], _I),
        icl_par=_cat([cc.arrays.icl_par for cc in cells], float, 3),
        alp_comp=_cat([cc.arrays.alp_comp + o for cc, _, o in per], _I),
        alp_par=_cat([cc.arrays.alp_par for cc in cells], float, 4),
        syn_comp=_cat(syn_comp, _I), syn_par=_cat(syn_par, float, 5),
        det_comp=np.array(det_comp, _I), det_thr=np.array(det_thr, float),
        nc_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(_I),
        nc_syn=np.array([x[1] for x in ncs], _I), nc_w=np.array([x[2] for x in ncs], float),
        nc_delay=np.array([x[3] for x in ncs], float), gj_a=gj_a, gj_b=gj_b, gj_g=gj_g,
        gr_pre=np.array([cptr[cidx[s["pre"]]] + s["pre_comp"] for s in gr], _I),
        gr_post=np.array([cptr[cidx[s["post"]]] + s["post_comp"] for s in gr], _I),
        gr_par=np.array([s["par"] for s in gr], float).reshape(-1, 5))

    # records, cell after cell
    rec_v, rec_s, rec_i, layout = [], [], [], []
    for c, cc in enumerate(cells):
        layout.append((len(rec_v), len(rec_s), len(rec_i)))
        rec_v += (cc.rec_v + comp_off[c]).tolist()
        rec_s += [(merged_index[(c, j)], inst_off[(c, j)] + k, s) for j, k, s in cc.rec_s]
        for slot in cc.rec_i:
            ni, na = n_icl[c], n_alp[c]
            rec_i.append(icl_off[c] + slot if slot < ni else
                         n_icl_all + alp_off[c] + slot - ni if slot < ni + na else
                         n_icl_all + n_alp_all + syn_off[c] + slot - ni - na)

    # external events: each cell's own sources, plus the circuit's drives
    times, syns, ws, ptr = [], [], [], [0]
    cell_events = [compile_events(circuit.models[nid], n_trials, seed, tstop) for nid in ids]
    drive_trains = circuit._drive_events(n_trials, tstop)
    for tr in range(n_trials):
        tt, ss, ww = [], [], []
        for c, (ev, _) in enumerate(cell_events):
            a, b = ev.ptr[tr], ev.ptr[tr + 1]
            tt.append(ev.time[a:b])
            ss.append(ev.syn[a:b] + syn_off[c])
            ww.append(ev.w[a:b])
        for nid, syn_local, t_arr, w in drive_trains[tr]:
            c = cidx[nid]
            tt.append(t_arr)
            ss.append(np.full(len(t_arr), syn_off[c] + len(cells[c].arrays.syn_comp)
                              + syn_local, _I))
            ww.append(np.full(len(t_arr), w))
        t = _cat(tt)
        o = np.argsort(t, kind="stable")
        times.append(t[o])
        syns.append(_cat(ss, _I)[o])
        ws.append(_cat(ww)[o])
        ptr.append(ptr[-1] + len(t))
    events = EventArrays(np.array(ptr, _I), _cat(times), _cat(syns, _I), _cat(ws))
    return CircuitSystem(arrays=arr, events=events, ids=ids, cells=cells,
                         rec_v=np.array(rec_v, _I), rec_s=np.array(rec_s, _I).reshape(-1, 3),
                         rec_i=np.array(rec_i, _I), layout=layout, det_owner=det_owner,
                         trains=[ev[1] for ev in cell_events])
