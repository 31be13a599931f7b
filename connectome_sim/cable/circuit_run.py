"""Run a :class:`~connectome_sim.cable.circuit.Circuit` and turn engine output into pandas.

Units: ms, mV, nA, nA·µm.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from connectome_sim.engine.cable_run import kernel_notice, run_cable
from connectome_sim.errors import (InputOutsideRunWarning, ParameterError, SimulationError,
                                   check_flag, check_number, check_whole)

from .circuit_compile import merge_circuit
from .compile import check_kernels
from .extracellular import lfp_operator
from .runner import _records_frames, check_step, inputs_outside_run

__all__ = ["run_circuit_model", "cell_records"]


def _geometry_arrays(circuit):
    """Midpoints (n, 3), segment ends and diameters (µm) of all compartments in circuit order."""
    s, e, d = [], [], []
    for m in circuit.models.values():
        g = m.geometry
        s.append(g.seg_start)
        e.append(g.seg_end)
        with np.errstate(divide="ignore", invalid="ignore"):
            diam = np.where(g.length > 0, g.area / (np.pi * np.maximum(g.length, 1e-12)), 1.0)
        d.append(diam)
    s, e = np.concatenate(s), np.concatenate(e)
    return 0.5 * (s + e), s, e, np.concatenate(d)


def circuit_inputs_outside_run(circuit, tstop: float) -> list:
    """Messages for the inputs of ``circuit`` that start at or after ``tstop`` (ms), the end
    of the run: each cell's own stimuli (named by neuron and node ID, as for one cell) and
    the drives whose trains start there (poisson and bursty ``tstart``, evoked ``mu`` with
    its spread ``sigma`` wholly after the end, explicit times all after it)."""
    out = [f"neuron {nid!r}: {msg}" for nid, m in circuit.models.items()
           for msg in inputs_outside_run(m, tstop)]
    for d in circuit._drives:
        dyn = d.dynamics
        if d.kind == "evoked":
            if not dyn["numspikes"]:          # no spikes at all: none start after the run
                continue
            first = float(dyn["mu"]) - 3.0 * float(dyn["sigma"])
        elif d.kind == "times":
            t = np.asarray(dyn["times"], float)
            first = float(t.min()) if t.size else -np.inf
        else:
            first = float(dyn.get("tstart", 0.0))
        if first >= tstop:
            out.append(f"drive {d.name!r} ({d.kind}): its spikes start at {first:g} ms, at or "
                       f"after the end of the run ({tstop:g} ms); lengthen the run "
                       "(duration=) or move the drive earlier")
    return out


def run_circuit_model(circuit, duration, v_init, dt, method, n_trials, seed, celsius,
                      record_every, dipole, parallel):
    """Compile and run ``circuit`` (see :meth:`Circuit.run_simulation`)."""
    nsteps = check_step(duration, dt)
    for msg in circuit_inputs_outside_run(circuit, nsteps * dt):
        warnings.warn(msg, InputOutsideRunWarning, stacklevel=3)
    if method not in ("be", "cn"):
        raise ParameterError(f"method must be 'be' or 'cn', got {method!r}")
    # checked as one cell's run checks them (int() took n_trials=2.5 as 2 and '2' as 2)
    n_trials = check_whole(n_trials, "n_trials", low=1)
    record_every = check_whole(record_every, "record_every", low=1)
    v_init = check_number(v_init, "v_init", unit="mV")
    celsius = check_number(celsius, "celsius", low=-273.15, unit="°C")
    if seed is not None:
        seed = check_whole(seed, "seed")
    dipole = check_flag(dipole, "dipole")
    parallel = check_flag(parallel, "parallel")
    cs = merge_circuit(circuit, n_trials, seed, nsteps * dt)
    ids, cptr = cs.ids, cs.cell_ptr
    cidx = {nid: c for c, nid in enumerate(ids)}
    rec_im = [cptr[cidx[nid]] + comp for nid, comp, _ in circuit._im_records]
    need_geo = dipole or circuit._electrodes is not None
    mid, s, e, diam = _geometry_arrays(circuit) if need_geo else (None,) * 4
    lfp_mat = None
    if circuit._electrodes is not None:
        lfp_mat = lfp_operator(s, e, diam, circuit._electrodes, circuit._sigma)
    membrane = bool(rec_im) or bool(dipole) or lfp_mat is not None
    with kernel_notice(cs.arrays, n_trials, parallel, records_membrane=membrane):
        check_kernels(cs.arrays.mechs)
        out = run_cable(cs.arrays, cs.events, nsteps, dt, v_init, method=method,
                        celsius=celsius, n_trials=n_trials, rec_v=cs.rec_v, rec_s=cs.rec_s,
                        rec_i=cs.rec_i, rec_im=rec_im, rec_every=record_every,
                        dip_mid=mid if dipole else None, lfp_mat=lfp_mat, parallel=parallel)
    bad = np.flatnonzero(out["err"][:, 0] >= 0)
    if len(bad):
        tr = int(bad[0])
        step, comp = out["err"][tr]
        c = int(np.searchsorted(cptr, comp, side="right") - 1)
        key = circuit.models[ids[c]]._comp_key(int(comp - cptr[c]))
        raise SimulationError(
            f"the circuit blew up at t = {step * dt:.4g} ms (trial {tr}): membrane potential "
            f"NaN/inf or beyond 1e4 mV in neuron {ids[c]!r} at node ID {key}; check stimulus "
            "amplitudes (nA), synaptic and gap-junction conductances (µS), or reduce dt")
    if out["overflow"]:
        raise SimulationError("more spikes than the spike buffer holds: runaway firing; check "
                              "thresholds, weights and drives")

    rec = out["rec"]
    t = np.arange(rec.shape[2]) * dt * record_every
    n_v, n_s, n_i = len(cs.rec_v), len(cs.rec_s), len(cs.rec_i)
    cell_records(circuit, cs, rec, t, n_trials)
    circuit.t = t
    index = pd.Index(t, name="time") if n_trials == 1 else \
        pd.MultiIndex.from_product([range(n_trials), t], names=["trial", "time"])

    def _frame(a, columns):  # a: (n_trials, n_cols_data, n_t)
        data = np.concatenate([a[k].T for k in range(n_trials)]) if n_trials > 1 else a[0].T
        return pd.DataFrame(data, index=index, columns=columns)

    if rec_im:
        cols = pd.MultiIndex.from_tuples([(nid, key) for nid, _, key in circuit._im_records],
                                         names=["neuron", "site"])
        circuit.membrane_currents = _frame(rec[:, n_v + n_s + n_i:], cols)
    if dipole:
        d = out["dip"]  # (tr, cells, 3, t)
        tot = d.sum(axis=1, keepdims=True)
        both = np.concatenate([d, tot], axis=1).reshape(n_trials, -1, d.shape[3])
        cols = pd.MultiIndex.from_product([ids + ["total"], ["x", "y", "z"]],
                                          names=["neuron", "axis"])
        circuit.dipole = _frame(both, cols)
    if lfp_mat is not None:
        circuit.lfp = _frame(out["lfp"], pd.RangeIndex(lfp_mat.shape[0], name="electrode"))
    _spikes(circuit, out, cs, dt, n_trials)
    return out


def cell_records(circuit, cs, rec, t, n_trials):
    """Set every cell's ``t`` and ``records`` (as if run alone) from the merged records
    ``rec`` (n_trials, rows in the order of ``cs.rec_v``, ``cs.rec_s``, ``cs.rec_i``, time)."""
    n_v, n_s = len(cs.rec_v), len(cs.rec_s)
    for c, cc in enumerate(cs.cells):
        ov, os_, oi = cs.layout[c]
        rv, rs, ri = cc.records_v, cc.records_s, cc.records_i
        idx = list(range(ov, ov + len(rv))) + list(range(n_v + os_, n_v + os_ + len(rs))) + \
            list(range(n_v + n_s + oi, n_v + n_s + oi + len(ri)))
        m = circuit.models[cs.ids[c]]
        m.t = t
        m.records = _records_frames(rec[:, idx], rv, rs, ri, t, n_trials)


def _spikes(circuit, out, cs, dt, n_trials):
    ids = cs.ids
    owners = cs.det_owner
    cptr = cs.cell_ptr
    rows, per_cell = [], {c: [] for c in range(len(ids))}
    for tr in range(n_trials):
        n = int(out["spk_n"][tr])
        for q, s in zip(out["spk_det"][tr, :n], out["spk_step"][tr, :n]):
            c, det = owners[q]
            m = circuit.models[ids[c]]
            if det is not None:
                lab, key = det["label"], det["key"]
                if det["record"]:
                    per_cell[c].append((lab, key, s * dt, tr))
            else:
                key = m._comp_key(int(cs.arrays.det_comp[q] - cptr[c]))
                lab = "netcon"
            rows.append((ids[c], key, lab, s * dt, tr))
    df = pd.DataFrame(rows, columns=["neuron", "node_id", "label", "time", "trial"])
    if n_trials == 1:
        df = df.drop(columns="trial")
    circuit.spikes = df.sort_values(["time"] if n_trials == 1 else ["trial", "time"],
                                    kind="stable").reset_index(drop=True)
    for c, nid in enumerate(ids):
        m = circuit.models[nid]
        sp = pd.DataFrame(per_cell[c], columns=["label", "node_id", "time", "trial"])
        if n_trials == 1:
            sp = sp.drop(columns="trial")
        m.spikes = sp.sort_values(["time"] if n_trials == 1 else ["trial", "time"],
                                  kind="stable").reset_index(drop=True)

