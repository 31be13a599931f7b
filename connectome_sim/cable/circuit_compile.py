"""Merge the cells of a :class:`~connectome_sim.cable.circuit.Circuit` into one engine system.

Each cell's :class:`~connectome_sim.cable.model.CompartmentModel` is compiled on its own
(:func:`connectome_sim.cable.compile.compile_arrays`); the arrays are then concatenated with
index offsets so that cell *c* owns the compartments ``cell_ptr[c]:cell_ptr[c+1]``, and every
per-instance array (mechanisms, IClamps, AlphaSynapses, synapses) is grouped by cell, which is
what the circuit kernel (:mod:`connectome_sim.cable.circuit_kernels`) needs to work on the cells
in parallel.  Circuit-level synapses (from ``connect_synapses`` and the drives), detectors,
NetCons, gap junctions and graded synapses are appended here.  Units: ms, mV, nF, µS, nA, µm.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .compile import compile_arrays, compile_events

__all__ = ["merge_circuit"]

_I = np.int64


def _cat(parts, dtype=float, ncol=None):
    parts = [np.asarray(p, dtype) for p in parts if len(p)]
    if not parts:
        return np.zeros((0, ncol) if ncol else 0, dtype)
    return np.concatenate(parts)


def merge_circuit(circuit, n_trials: int, seed, tstop: float):
    """Compile every cell and the circuit wiring into one system.

    Returns
    -------
    arr : SimpleNamespace
        ``CableArrays`` fields, grouped by cell.
    events : SimpleNamespace
        ``ptr, time, syn, w`` per trial.
    info : dict
        Offsets and maps used to build results: ``cell_ptr``, per-cell ``maps``, ``syn_off``,
        ``pp_base``, ``det_owner`` (cell, detector dict or None), ``mech_cell_off``.
    """
    ids = list(circuit.models)
    comp_off, syn_off, icl_off, alp_off, det_off = [0], [0], [0], [0], [0]
    per = []
    for nid in ids:
        m = circuit.models[nid]
        arr, maps = compile_arrays(m)
        csyn = circuit._syn[nid]
        per.append((m, arr, maps, csyn))
        comp_off.append(comp_off[-1] + len(arr.parent))
        syn_off.append(syn_off[-1] + len(arr.syn_comp) + len(csyn))
        icl_off.append(icl_off[-1] + len(arr.icl_comp))
        alp_off.append(alp_off[-1] + len(arr.alp_comp))
        det_off.append(det_off[-1] + len(arr.det_comp))
    n_icl, n_alp = icl_off[-1], alp_off[-1]

    parent, gax, cap, gc, ec = [], [], [], [], []
    icl_comp, icl_par, alp_comp, alp_par, syn_comp, syn_par = [], [], [], [], [], []
    mech_parts: dict[str, list] = {}
    mech_obj: dict[str, object] = {}
    for c, (m, arr, maps, csyn) in enumerate(per):
        o = comp_off[c]
        parent.append(np.where(arr.parent >= 0, arr.parent + o, -1))
        gax.append(arr.gax)
        cap.append(arr.cap)
        gc.append(arr.gconst)
        ec.append(arr.econst)
        for mech, comp, par in arr.mechs:
            mech_obj.setdefault(mech.name, mech)
            mech_parts.setdefault(mech.name, [None] * len(per))[c] = (comp + o, par)
        icl_comp.append(arr.icl_comp + o)
        icl_par.append(arr.icl_par.reshape(-1, 3))
        alp_comp.append(arr.alp_comp + o)
        alp_par.append(arr.alp_par.reshape(-1, 4))
        syn_comp.append(arr.syn_comp + o)
        syn_par.append(arr.syn_par.reshape(-1, 5))
        syn_comp.append(np.array([s["comp"] for s in csyn], _I) + o)
        syn_par.append(np.array([s["params"] for s in csyn], float).reshape(-1, 5))
    mechs, mech_cell_off = [], {}
    for name in sorted(mech_parts):
        parts = mech_parts[name]
        comps = [p[0] if p is not None else np.zeros(0, _I) for p in parts]
        npar = next(p[1].shape[1] for p in parts if p is not None)
        pars = [p[1] if p is not None else np.zeros((0, npar)) for p in parts]
        mech_cell_off[name] = np.concatenate([[0], np.cumsum([len(x) for x in comps])])
        mechs.append((mech_obj[name], np.concatenate(comps).astype(_I), np.concatenate(pars)))

    # detectors: every cell's own, then the circuit's (deduplicated per (cell, comp, thr))
    det_comp, det_thr, det_owner = [], [], []
    ncs = []  # (det, syn, w, delay)
    for c, (m, arr, maps, csyn) in enumerate(per):
        det_comp += (arr.det_comp + comp_off[c]).tolist()
        det_thr += arr.det_thr.tolist()
        det_owner += [(c, d) for d in m._detectors]
        for q in range(len(arr.det_comp)):
            for k in range(arr.nc_ptr[q], arr.nc_ptr[q + 1]):
                ncs.append((det_off[c] + q, syn_off[c] + arr.nc_syn[k], arr.nc_w[k], arr.nc_delay[k]))
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
        post_syn = syn_off[c_post] + len(per[c_post][1].syn_comp) + nc["syn"]
        ncs.append((det_key[key], post_syn, nc["weight"], nc["delay"]))
    ncs.sort(key=lambda x: x[0])
    counts = np.bincount([x[0] for x in ncs], minlength=len(det_comp)) if ncs \
        else np.zeros(len(det_comp), _I)

    arr = SimpleNamespace(
        parent=_cat(parent, _I), gax=_cat(gax), cap=_cat(cap), gconst=_cat(gc), econst=_cat(ec),
        mechs=mechs, icl_comp=_cat(icl_comp, _I), icl_par=_cat(icl_par, float, 3),
        alp_comp=_cat(alp_comp, _I), alp_par=_cat(alp_par, float, 4),
        syn_comp=_cat(syn_comp, _I), syn_par=_cat(syn_par, float, 5),
        det_comp=np.array(det_comp, _I), det_thr=np.array(det_thr, float),
        nc_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(_I),
        nc_syn=np.array([x[1] for x in ncs], _I), nc_w=np.array([x[2] for x in ncs], float),
        nc_delay=np.array([x[3] for x in ncs], float))

    # external events: each cell's own sources, plus the circuit's drives
    times, syns, ws, ptr = [], [], [], [0]
    cell_events = [compile_events(m, n_trials, seed, tstop) for (m, _, _, _) in per]
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
            ss.append(np.full(len(t_arr), syn_off[c] + len(per[c][1].syn_comp) + syn_local, _I))
            ww.append(np.full(len(t_arr), w))
        t = _cat(tt)
        order = np.argsort(t, kind="stable")
        times.append(t[order])
        syns.append(_cat(ss, _I)[order])
        ws.append(_cat(ww)[order])
        ptr.append(ptr[-1] + len(t))
    events = SimpleNamespace(ptr=np.array(ptr, _I), time=_cat(times), syn=_cat(syns, _I),
                             w=_cat(ws))
    info = {"ids": ids, "cell_ptr": np.array(comp_off, _I), "per": per,
            "syn_off": syn_off, "icl_off": icl_off, "alp_off": alp_off, "n_icl": n_icl,
            "n_alp": n_alp, "det_owner": det_owner, "det_off": det_off,
            "mech_cell_off": mech_cell_off, "mechs": mechs, "det_comp": arr.det_comp,
            "trains": [ev[1] for ev in cell_events]}
    return arr, events, info


def state_index(info, c: int, rec) -> int:
    """Flat state index in the merged system of a cell's state record ``rec``."""
    per = info["per"]
    _, arr, maps, _ = per[c]
    j_local, comp = maps["inst_index"][rec["mech"]]
    mech = arr.mechs[j_local][0]
    k = int(np.searchsorted(comp, rec["comp"]))
    off, ns = 0, 0
    for m, comps, _ in info["mechs"]:
        if m.name == rec["mech"]:
            ns = len(m.state_names)
            break
        off += len(comps) * len(m.state_names)
    k += int(info["mech_cell_off"][rec["mech"]][c])
    return off + k * ns + mech.state_names.index(rec["state"])


def pp_index(info, c: int, slot: int) -> int:
    """Merged point-process current slot of a cell's slot (IClamps, AlphaSynapses, synapses)."""
    _, arr, _, _ = info["per"][c]
    ni, na = len(arr.icl_comp), len(arr.alp_comp)
    if slot < ni:
        return info["icl_off"][c] + slot
    if slot < ni + na:
        return info["n_icl"] + info["alp_off"][c] + slot - ni
    return info["n_icl"] + info["n_alp"] + info["syn_off"][c] + slot - ni - na
