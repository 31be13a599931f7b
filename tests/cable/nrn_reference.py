"""Build the NEURON twin of a CompartmentModel by hand (oracle for parity tests).

Sections, pt3d points, nseg and connections come from ``model.geometry`` (not from navis's
CompartmentModel, which leaves root subtrees disconnected).  Mechanisms, Ra, cm, point
processes, records and spike detectors are copied from the model's description; external
presynaptic trains are injected as NetCon events at the same times.  Call :func:`teardown`
(or use the ``neuron_model`` context manager) to delete the sections and reset the globals.
"""

from __future__ import annotations

import contextlib

import numpy as np


def _h():
    from neuron import h
    h.load_file("stdrun.hoc")
    return h


def build_neuron(model):
    """Return a dict with the NEURON objects mirroring ``model`` (see module docstring)."""
    h = _h()
    g = model.geometry
    secs = []
    for s, row in g.sections.iterrows():
        sec = h.Section(name=f"sec{s}")
        for x, y, z, d in g.pt3d[s]:
            h.pt3dadd(float(x), float(y), float(z), float(d), sec=sec)
        sec.nseg = int(row.nseg)
        sec.Ra = float(model._Ra_sec[s])
        if row.parent_section >= 0:
            sec.connect(secs[int(row.parent_section)](float(row.parent_x)), 0)
        secs.append(sec)

    def seg_of(comp):
        return secs[int(g.section[comp])](float(g.x[comp]))

    membrane = np.flatnonzero(~g.is_junction)
    for c in membrane:
        seg_of(c).cm = float(model._cm[c])
    for name, entry in model._mechs.items():
        mask, par, mech = entry["mask"], entry["par"], entry["mech"]
        for s in np.unique(g.section[mask]):
            comps = np.flatnonzero((g.section == s) & ~g.is_junction)
            assert mask[comps].all(), f"{name} inserted on part of section {s} only"
            secs[s].insert(name)
            for c in comps:
                seg = seg_of(c)
                for k, p in enumerate(mech.param_names):
                    if name == "hh" and p in ("ena", "ek"):
                        setattr(seg, p, float(par[c, k]))
                    else:
                        setattr(getattr(seg, name), p, float(par[c, k]))
    keep = []
    for p in model._points:
        o = p["obj"]
        if p["kind"] == "IClamp":
            pp = h.IClamp(seg_of(p["comp"]))
            pp.delay, pp.dur, pp.amp = o.delay, o.dur, o.amp
        else:
            pp = h.AlphaSynapse(seg_of(p["comp"]))
            pp.onset, pp.tau, pp.gmax, pp.e = o.onset, o.tau, o.gmax, o.e
        keep.append(pp)
    syns = []
    for s in model._synapses:
        o = s["obj"]
        if s["kind"] == "Exp2Syn":
            syn = h.Exp2Syn(seg_of(s["comp"]))
            syn.tau1, syn.tau2, syn.e = o.tau1, o.tau2, o.e
        else:
            syn = h.ExpSyn(seg_of(s["comp"]))
            syn.tau, syn.e = o.tau, o.e
        syns.append(syn)
    dets, det_vecs = [], []
    for d in model._detectors:
        if not d["record"]:  # connection sources are made below with their targets
            continue
        sec = secs[int(g.section[d["comp"]])]
        nc = h.NetCon(seg_of(d["comp"])._ref_v, None, sec=sec)
        nc.threshold = d["threshold"]
        vec = h.Vector()
        nc.record(vec)
        dets.append(nc)
        det_vecs.append(vec)
    # NB: NEURON shares one PreSyn (and threshold) between NetCons watching the same v, so
    # thresholds at one location must agree in models meant for comparison.
    netcons = []
    for c in model._netcons:
        d = c["det_obj"]
        sec = secs[int(g.section[d["comp"]])]
        nc = h.NetCon(seg_of(d["comp"])._ref_v, syns[c["syn"]], sec=sec)
        nc.threshold = d["threshold"]
        nc.weight[0] = c["weight"]
        nc.delay = c["delay"]
        netcons.append(nc)
    vrec, srec, irec = {}, {}, {}
    for r in model._records:
        seg = seg_of(r["comp"])
        if r["kind"] == "v":
            vrec[r["label"]] = h.Vector().record(seg._ref_v)
        elif r["kind"] == "state":
            ref = getattr(seg, f"_ref_{r['state']}_{r['mech']}")
            srec[(f"{r['state']}_{r['mech']}", r["label"])] = h.Vector().record(ref)
        elif r["kind"] == "i":
            objs = [(p, o) for p, o in zip(model._points, keep)] + \
                [(s, o) for s, o in zip(model._synapses, syns)]
            obj = next(o for p, o in objs if p is r["pp"])
            irec[r["label"]] = h.Vector().record(obj._ref_i)
    return {"h": h, "secs": secs, "points": keep, "syns": syns, "dets": dets,
            "det_vecs": det_vecs, "netcons": netcons, "vrec": vrec, "srec": srec, "irec": irec,
            "seg_of": seg_of}


def inject_trains(ref, model, trains):
    """Deliver the presynaptic ``trains`` ({source index: times ms}) of ``model._sources``
    to the NEURON synapses as NetCon events at ``time + delay``."""
    h = ref["h"]
    ncs, events = [], []
    for si, src in enumerate(model._sources):
        for syn, w, delay in src["targets"]:
            nc = h.NetCon(None, ref["syns"][syn])
            nc.weight[0] = w
            ncs.append(nc)
            events.append((nc, np.asarray(trains[si]) + delay))

    def fire():
        for nc, ts in events:
            for t in ts:
                nc.event(float(t))

    ref["ext_netcons"] = ncs
    ref["fih"] = h.FInitializeHandler(fire)


def run_neuron(ref, duration, v_init, dt=0.025, usetable_hh=0, secondorder=0, celsius=6.3):
    """Run NEURON's fixed-step integrator; returns (t, {label: v array}, [spike arrays]).

    State and point-process current records are left in ``ref['srec']`` / ``ref['irec']``.
    """
    h = ref["h"]
    h.dt = dt
    h.secondorder = secondorder
    h.celsius = celsius
    h.usetable_hh = usetable_hh
    h.steps_per_ms = 1.0 / dt
    tvec = h.Vector().record(h._ref_t)
    h.finitialize(v_init)
    h.continuerun(duration)
    return (np.array(tvec), {k: np.array(v) for k, v in ref["vrec"].items()},
            [np.array(v.to_python(), float) for v in ref["det_vecs"]])


def teardown(ref):
    """Delete the NEURON objects and reset the globals touched by :func:`run_neuron`."""
    h = ref["h"]
    for k in list(ref):
        if k != "h":
            ref[k] = None
    h.dt, h.secondorder, h.celsius, h.usetable_hh = 0.025, 0, 6.3, 1
    h.steps_per_ms = 40.0


@contextlib.contextmanager
def neuron_model(model):
    """Context manager around :func:`build_neuron` / :func:`teardown`."""
    ref = build_neuron(model)
    try:
        yield ref
    finally:
        teardown(ref)
