"""Build the Arbor twin of a CompartmentModel (benchmark reference; Arbor 0.12).

The morphology is rebuilt from ``model.geometry``: every section becomes a chain of Arbor
segments through its pt3d points (radius = diam / 2), attached to the distal end of its
parent section, or to the root (``mnpos``) for the root section's x = 0 children.  Each
section is tagged with its own index + 1, and the discretisation gives every Arbor branch
(= one of our sections: sections end at forks only) as many CVs as the section has NEURON
segments (``fixed-per-branch nseg``), so Arbor solves the same number of unknowns on the same
grid, zero-extent fork CVs included (Arbor's counterpart of NEURON's zero-area x = 1 nodes).

Mechanisms: ``pas`` (g, and e as Arbor's global ``pas/e``) and ``hh`` (gnabar, gkbar, gl, el;
ena / ek as the na / k reversal potentials), with Arbor's exact rates.  IClamps and soma
voltage probes are copied; AlphaSynapses, Exp2Syns, user channels and per-compartment
parameter variation are not (the benchmark model does not use them).  Units: Arbor's
(``arbor.units``): µm, mV, ms, nA, Ω·cm, F/m² for capacitance.
"""

from __future__ import annotations

import numpy as np


def _check(model):
    g = model.geometry
    if (g.sections.parent_x == 0.5).any():
        raise NotImplementedError("soma='sphere' sections are not mirrored in Arbor")
    for name, entry in model._mechs.items():
        if name not in ("pas", "hh"):
            raise NotImplementedError(f"mechanism {name!r} has no Arbor twin here")
        par = entry["par"][entry["mask"]]
        if len(par) and not np.all(par == par[0]):
            raise NotImplementedError(f"{name}: parameters vary across compartments")
    if any(p["kind"] != "IClamp" for p in model._points) or model._synapses:
        raise NotImplementedError("only IClamps are mirrored in Arbor")
    if len(np.unique(model._Ra_sec)) != 1 or len(np.unique(model._cm)) != 1:
        raise NotImplementedError("Ra and cm must be uniform")


def build_arbor(model, v_init: float, celsius: float = 6.3):
    """Return ``(recipe, n_cv)`` for ``model`` (see module docstring)."""
    import arbor as A
    U = A.units
    _check(model)
    g = model.geometry
    tree = A.segment_tree()
    last = {}
    for s, row in g.sections.iterrows():
        pts = g.pt3d[s]
        parent = A.mnpos if row.parent_section < 0 or row.parent_x == 0 else \
            last[int(row.parent_section)]
        for k in range(len(pts) - 1):
            (x0, y0, z0, d0), (x1, y1, z1, d1) = pts[k], pts[k + 1]
            parent = tree.append(parent, A.mpoint(x0, y0, z0, d0 / 2),
                                 A.mpoint(x1, y1, z1, d1 / 2), tag=int(s) + 1)
        last[int(s)] = parent
    morph = A.morphology(tree)
    by_nseg = {}
    for s, row in g.sections.iterrows():
        by_nseg.setdefault(int(row.nseg), []).append(f"(tag {int(s) + 1})")
    labels = A.label_dict()
    for n, tags in by_nseg.items():
        labels[f"nseg{n}"] = tags[0] if len(tags) == 1 else f"(join {' '.join(tags)})"
    pols = [f'(fixed-per-branch {n} (region "nseg{n}"))' for n in sorted(by_nseg)]
    policy = A.cv_policy(pols[0] if len(pols) == 1 else f"(join {' '.join(pols)})")

    decor = A.decor()
    decor.set_property(Vm=v_init * U.mV, cm=float(model._cm[0]) * 1e-2 * U.F / U.m2,
                       rL=float(model._Ra_sec[0]) * U.Ohm * U.cm,
                       tempK=(celsius + 273.15) * U.Kelvin)
    for name, entry in model._mechs.items():
        par = entry["par"][entry["mask"]][0]
        p = dict(zip(entry["mech"].param_names, par))
        if name == "pas":
            decor.paint("(all)", A.density(f"pas/e={p['e']}", {"g": p["g"]}))
        else:
            decor.paint("(all)", A.density("hh", {k: p[k] for k in
                                                  ("gnabar", "gkbar", "gl", "el")}))
            decor.paint("(all)", ion="na", rev_pot=p["ena"] * U.mV)
            decor.paint("(all)", ion="k", rev_pot=p["ek"] * U.mV)

    def loc(comp):
        return f"(location {_branch_of(morph, int(g.section[comp]))} {float(g.x[comp])})"

    for p in model._points:
        o = p["obj"]
        decor.place(loc(p["comp"]), A.i_clamp(o.delay * U.ms, o.dur * U.ms, o.amp * U.nA))
    probes = [A.cable_probe_membrane_voltage(loc(r["comp"]), f"v{k}")
              for k, r in enumerate(model._records) if r["kind"] == "v"]
    cell = A.cable_cell(morph, decor, labels, discretization=policy)
    n_cv = A.cv_data(cell).num_cv

    class Recipe(A.recipe):
        def __init__(self):
            super().__init__()
            self.props = A.neuron_cable_properties()

        def num_cells(self):
            return 1

        def cell_kind(self, gid):
            return A.cell_kind.cable

        def cell_description(self, gid):
            return cell

        def probes(self, gid):
            return probes

        def global_properties(self, kind):
            return self.props

    return Recipe(), n_cv, len(probes)


_BRANCH = {}


def _branch_of(morph, section: int) -> int:
    """Arbor branch holding our section (by its tag)."""
    key = id(morph)
    if key not in _BRANCH:
        table = {}
        for b in range(morph.num_branches):
            tags = {seg.tag for seg in morph.branch_segments(b)}
            for t in tags:
                table[t - 1] = b
        _BRANCH.clear()
        _BRANCH[key] = table
    return _BRANCH[key][section]


def run_arbor(model, duration: float, v_init: float, dt: float = 0.025,
              celsius: float = 6.3, threads: int = 1):
    """Build and run the Arbor twin; returns ``(build_s, run_s, t, v (n_t, n_probes), n_cv)``."""
    import time

    import arbor as A
    U = A.units
    t0 = time.perf_counter()
    recipe, n_cv, n_probes = build_arbor(model, v_init, celsius)
    ctx = A.context(threads=threads)
    sim = A.simulation(recipe, ctx)
    handles = [sim.sample((0, f"v{k}"), A.regular_schedule(dt * U.ms))
               for k in range(n_probes)]
    t1 = time.perf_counter()
    sim.run(duration * U.ms, dt * U.ms)
    t2 = time.perf_counter()
    traces = []
    t = None
    for hd in handles:
        data, _meta = sim.samples(hd)[0]
        t = data[:, 0]
        traces.append(data[:, 1])
    v = np.column_stack(traces) if traces else np.zeros((0, 0))
    return t1 - t0, t2 - t1, t, v, n_cv
