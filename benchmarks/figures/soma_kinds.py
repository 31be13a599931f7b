"""Figures for the docs page "How your morphology becomes a cable": one PNG per soma kind.

For each real reconstruction in ``data/morphologies/`` (one per soma kind), three panels of
the region around the soma, in the xy plane (µm):

1. the file as written: points, with circles of the written radius, coloured by SWC type (for
   a Neurolucida file, the cell body outline);
2. NEURON's Import3d reading (``soma='neuron'``, the default for files): every section's 3-D
   points drawn as frusta (as NEURON's shape plot draws them), wires to soma(0.5) dashed;
3. the navis reading (``soma='navis'``), where the format has one.

Run: ``python benchmarks/figures/soma_kinds.py`` (writes ``docs/img/soma_*.png``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Circle, Polygon  # noqa: E402

from connectome_sim.morphology import build_geometry  # noqa: E402
from connectome_sim.morphology.files import read_morphio_file, read_swc_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "morphologies"
OUT = ROOT / "docs" / "img"
COLOURS = {1: "tab:red", 2: "tab:blue", 3: "tab:green", 4: "tab:purple"}

# kind, file, units, half-width of the window (µm), title
KINDS = [
    ("single_point", "n120_single_point_soma.swc", None, 30,
     "single-point soma (n120, NeuroMorpho.Org, soma as one point)"),
    ("three_point", "c91662.swc", None, 25,
     "NeuroMorpho.Org three-point soma (c91662)"),
    ("soma_sections", "n120.swc", None, 25,
     "soma of several points (n120, NeuroMorpho.Org)"),
    ("contour", "bio_neuron-000.asc", None, 20,
     "Neurolucida cell body contour (bio_neuron-000, Blue Brain Project)"),
    ("none", "hemibrain_722817260.swc", "8 nm", 6,
     "no soma (hemibrain skeleton 722817260, root point)"),
]


def _frusta(ax, pts, colour, alpha=0.55):
    """Draw consecutive 3-D points (x, y, z, diam) as trapezoids in the xy plane."""
    for a, b in zip(pts[:-1], pts[1:]):
        d = b[:2] - a[:2]
        n = np.hypot(*d)
        if n == 0:
            continue
        nrm = np.array([-d[1], d[0]]) / n
        poly = [a[:2] + nrm * a[3] / 2, b[:2] + nrm * b[3] / 2,
                b[:2] - nrm * b[3] / 2, a[:2] - nrm * a[3] / 2]
        ax.add_patch(Polygon(poly, closed=True, fc=colour, ec="k", lw=0.3, alpha=alpha))


def _region_colour(name):
    return {"soma": COLOURS[1], "axon": COLOURS[2], "dend": COLOURS[3],
            "apic": COLOURS[4]}.get(name.split("[")[0], "tab:gray")


def _draw_cable(ax, g, centre, half, wires=True):
    names = g.sections["name"].tolist() if "name" in g.sections else None
    for k in range(g.n_sections):
        pts = np.asarray(g.pt3d[k])
        if np.all(np.abs(pts[:, :2] - centre).max(axis=1) > 2 * half):
            continue
        colour = _region_colour(names[k]) if names else "tab:gray"
        _frusta(ax, pts, colour)
        p = int(g.sections.parent_section[k])
        if wires and p >= 0 and g.sections.parent_x[k] == 0.5:
            ppts = np.asarray(g.pt3d[p])
            s = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(ppts[:, :3], axis=0),
                                                              axis=1))])
            mid = np.array([np.interp(s[-1] / 2, s, ppts[:, j]) for j in range(2)])
            if np.linalg.norm(mid - pts[0, :2]) > 1e-9:
                ax.plot([mid[0], pts[0, 0]], [mid[1], pts[0, 1]], "k--", lw=0.8)


def _draw_file(ax, name, units, centre, half):
    if name.endswith(".swc"):
        t = read_swc_file(DATA / name).nodes
        scale = 0.008 if units == "8 nm" else 1.0
        xy = t[["x", "y"]].to_numpy() * scale
        r = t["radius"].to_numpy() * scale
        near = np.abs(xy - centre).max(axis=1) < 2 * half
        for (x, y), rr, ty in zip(xy[near], r[near], t["label"].to_numpy()[near]):
            c = COLOURS.get(int(ty), "tab:gray")
            ax.add_patch(Circle((x, y), rr, fc=c, ec="k", lw=0.3, alpha=0.3))
            ax.plot(x, y, ".", color=c, ms=3)
        pid = dict(zip(t["node_id"], range(len(t))))
        for i, p in enumerate(t["parent_id"].to_numpy()):
            j = pid.get(p)
            if j is not None and near[i]:
                ax.plot(xy[[i, j], 0], xy[[i, j], 1], "-", color="0.4", lw=0.5)
    else:
        m = read_morphio_file(DATA / name)
        c = np.vstack([m.soma_points, m.soma_points[:1]])
        ax.plot(c[:, 0], c[:, 1], "-o", color=COLOURS[1], ms=2, lw=1)
        for s in m.sections:
            p = s["points"]
            near = np.abs(p[:, :2] - centre).max(axis=1) < 2 * half
            if near.any():
                ax.plot(p[:, 0], p[:, 1], ".-", color=COLOURS.get(s["type"], "tab:gray"),
                        ms=2, lw=0.5)


def figure(kind, name, units, half, title):
    kw = {} if units is None else {"units": units}
    g_nrn = build_geometry(DATA / name, res=5.0, **kw)
    soma0 = np.asarray(g_nrn.pt3d[0])
    centre = soma0[len(soma0) // 2, :2] if g_nrn.soma_kind != "none" else soma0[0, :2]
    g_nav = None if name.endswith((".asc", ".h5")) else \
        build_geometry(DATA / name, res=5.0, soma="navis", **kw)
    ncol = 3 if g_nav is not None else 2
    fig, axes = plt.subplots(1, ncol, figsize=(4.2 * ncol, 4.4))
    _draw_file(axes[0], name, units, centre, half)
    axes[0].set_title("the file as written", fontsize=10)
    _draw_cable(axes[1], g_nrn, centre, half)
    axes[1].set_title("soma='neuron' (NEURON Import3d)", fontsize=10)
    if g_nav is not None:
        _draw_cable(axes[2], g_nav, centre, half, wires=False)
        axes[2].set_title("soma='navis'", fontsize=10)
    for ax in axes:
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        ax.set_aspect("equal")
        ax.set_xlabel("x (µm)")
    axes[0].set_ylabel("y (µm)")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    out = OUT / f"soma_{kind}.png"
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out.relative_to(ROOT)}: {g_nrn.soma_summary}")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for args in KINDS:
        figure(*args)


if __name__ == "__main__":
    main()
