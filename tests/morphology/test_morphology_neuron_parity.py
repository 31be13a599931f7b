"""NEURON parity: every segment's area and axial resistance equal NEURON's.

The reference is built by hand in NEURON from the skeleton's node table (our own section
decomposition is NOT used): sections are walked from the root here, each gets the 3-D points
of its attachment node and its own nodes via ``pt3dadd`` (diam = 2 radius), children are
connected at the parent's x=1 (the root's other children at the root section's x=0), and
nseg follows the rule computed here from NEURON's own ``L``/``arc3d``/``diam3d``.  Then each of
our compartments is compared with ``seg.area()`` / ``seg.ri()`` of the matching NEURON
segment (and the x=1 junctions with ``sec(1).ri()``).

NEURON stores 3-D points in single precision (``struct Pt3d``), so we build with
``float32_pt3d=True`` (same storage) on the raw µm coordinates, and also run the float64
default on coordinates that are already float32-representable.
"""

from __future__ import annotations

import math
from pathlib import Path

import navis
import numpy as np
import pandas as pd
import pytest
from neuron import h

from connectome_sim.errors import ParameterError
from connectome_sim.morphology import build_geometry

DATA = Path(__file__).resolve().parents[2] / "data" / "morphologies"

TOL = 1e-6


@pytest.fixture(scope="module")
def example_um():
    """navis example neurons 1-4 (single trees) in µm, rerooted at their soma if any."""
    nl = navis.example_neurons(5, kind="skeleton").convert_units("um")
    out = []
    for n in nl[:4]:
        n = n.copy()
        if n.soma is not None:
            n.reroot(n.soma, inplace=True)
        out.append(n)
    return out


def _walk_sections(nodes: pd.DataFrame):
    """Sections (lists of node IDs, attachment node first) walked from the root."""
    pid = dict(zip(nodes.node_id.tolist(), nodes.parent_id.tolist()))
    children: dict = {}
    for nid, p in pid.items():
        if p >= 0:
            children.setdefault(p, []).append(nid)
    root = [k for k, v in pid.items() if v < 0]
    assert len(root) == 1
    root = root[0]
    secs = []  # (node list, parent section index or -1, parent_x)
    stack = [(root, c, None) for c in reversed(children.get(root, []))]
    first_root_sec = None
    while stack:
        attach, start, psec = stack.pop()
        chain = [attach, start]
        while len(children.get(chain[-1], [])) == 1:
            chain.append(children[chain[-1]][0])
        if psec is None:
            if first_root_sec is None:
                first_root_sec = len(secs)
                parent = (-1, 0.0)
            else:
                parent = (first_root_sec, 0.0)
        else:
            parent = (psec, 1.0)
        secs.append((chain, *parent))
        me = len(secs) - 1
        for c in reversed(children.get(chain[-1], [])):
            stack.append((chain[-1], c, me))
    return secs


def _nseg_rule(sec, res, d_lambda):
    if d_lambda is None:
        n = 1
        while sec.L / n > res:
            n += 2
        return n
    # NEURON's lambda_f(100 Hz) from the 3-D points (fixnseg.hoc), then the d_lambda rule
    x1, d1, lam = sec.arc3d(0), sec.diam3d(0), 0.0
    for i in range(1, sec.n3d()):
        x2, d2 = sec.arc3d(i), sec.diam3d(i)
        lam += (x2 - x1) / math.sqrt(d1 + d2)
        x1, d1 = x2, d2
    lam *= math.sqrt(2) * 1e-5 * math.sqrt(4 * math.pi * 100.0 * sec.Ra * sec.cm)
    lambda_f = sec.L / lam
    return int((sec.L / (d_lambda * lambda_f) + 0.9) / 2) * 2 + 1


def neuron_reference(nodes: pd.DataFrame, res=10.0, d_lambda=None, Ra=35.4, cm=1.0):
    """Build the skeleton in NEURON by hand; return {(node0, node1): (Section, node list)}."""
    xyz = nodes.set_index("node_id")[["x", "y", "z", "radius"]]
    secs = []
    for chain, psec, px in _walk_sections(nodes):
        sec = h.Section(name=f"ref_{len(secs)}")
        pts = xyz.loc[chain].to_numpy()
        for x, y, z, r in pts:
            h.pt3dadd(float(x), float(y), float(z), float(2 * r), sec=sec)
        sec.Ra, sec.cm = Ra, cm
        sec.nseg = _nseg_rule(sec, res, d_lambda)
        if psec >= 0:
            sec.connect(secs[psec][0](px), 0)
        secs.append((sec, chain))
    return {(c[0], c[1]): (s, c) for s, c in secs}, [s for s, _ in secs]


def compare(geom, ref):
    """Max relative errors of area, ri (segments) and ri (x=1 junctions) vs NEURON."""
    by_key, secs = ref
    assert len(secs) == geom.n_sections
    assert len(list(secs[0].wholetree())) == len(secs)  # one connected tree
    n_ref = sum(s.nseg for s in secs) + sum(1 for s in secs if len(s.children()) and any(
        c.parentseg().x == 1 for c in s.children()))
    n_root_j = int(geom.is_junction[0] and geom.x[0] == 0)
    assert geom.n_comp == n_ref + n_root_j
    ea, er, ej = [], [], []
    for s, row in geom.sections.iterrows():
        sec, chain = by_key[tuple(row.node_ids[:2])]
        assert list(chain) == list(row.node_ids)
        assert sec.nseg == row.nseg
        for i in np.flatnonzero(geom.section == s):
            if geom.is_junction[i]:
                if geom.x[i] == 1:
                    ref_ri = sec(1).ri()
                    ej.append(abs(geom.ri[i] - ref_ri) / ref_ri)
                continue
            seg = sec(geom.x[i])
            ea.append(abs(geom.area[i] - seg.area()) / seg.area())
            er.append(abs(geom.ri[i] - seg.ri()) / seg.ri())
    return max(ea), max(er), max(ej) if ej else 0.0


@pytest.fixture
def clean_neuron():
    yield
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)


@pytest.mark.parametrize("rule", [dict(res=10.0), dict(d_lambda=0.1)], ids=["res10", "dlambda0.1"])
@pytest.mark.parametrize("which", [0, 1, 2, 3])
def test_area_ri_equal_neuron(example_um, which, rule, clean_neuron):
    n = example_um[which]
    geom = build_geometry(n, float32_pt3d=True, **rule)
    ref = neuron_reference(n.nodes, **rule)
    ea, er, ej = compare(geom, ref)
    assert ea < TOL and er < TOL and ej < TOL, (ea, er, ej)


def test_float64_default_equal_neuron_on_representable_points(example_um, clean_neuron):
    """Default (float64) geometry equals NEURON when the points are float32-representable."""
    nodes = example_um[0].nodes[["node_id", "parent_id", "x", "y", "z", "radius"]].copy()
    for c in ("x", "y", "z", "radius"):
        nodes[c] = nodes[c].astype(np.float32).astype(np.float64)
    geom = build_geometry(nodes, res=10.0)
    ea, er, ej = compare(geom, neuron_reference(nodes, res=10.0))
    assert ea < TOL and er < TOL and ej < TOL, (ea, er, ej)


def test_tutorial_soma_children_all_connected(clean_neuron):
    """Example neuron 1 rerooted at soma 20 (the navis tutorial): the soma's 3 children are
    all attached (navis's CompartmentModel leaves 2 of them unconnected)."""
    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    n.soma = 20
    n.reroot(20, inplace=True)
    assert len(n.nodes[n.nodes.parent_id == 20]) == 3
    geom = build_geometry(n, res=10.0, float32_pt3d=True)
    assert geom.node_to_compartment([20])[0] == 0 and geom.is_junction[0]
    roots = geom.sections.index[geom.sections.node_ids.map(lambda v: v[0] == 20)]
    assert len(roots) == 3
    assert (geom.parent[1:] < np.arange(1, geom.n_comp)).all() and geom.parent[0] == -1
    # every compartment reaches compartment 0
    anc = geom.parent.copy()
    anc[0] = 0
    for _ in range(20):  # pointer doubling: 2**20 steps up
        anc = anc[anc]
    assert (anc == 0).all()
    assert abs(geom.length.sum() - 2131.8149) < 1e-3
    ea, er, ej = compare(geom, neuron_reference(n.nodes, res=10.0))
    assert max(ea, er, ej) < TOL


def test_sphere_soma_option_removed():
    """soma='sphere' claimed to be NEURON's convention and was not: it is refused, naming
    the conventions that exist."""
    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    with pytest.raises(ParameterError, match=r"soma='sphere'.*soma='neuron'.*soma='navis'"):
        build_geometry(n, soma="sphere")


def test_navis_neuron_with_neuron_convention_equals_file_reading():
    """A navis neuron read from an SWC file (its 'label' column holds the SWC types), built
    with soma='neuron', gives the same cable as the file itself (NEURON's Import3d reading,
    checked against NEURON in test_import3d_parity.py)."""
    path = DATA / "hemibrain_1734350788_soma_root.swc"
    # navis stores coordinates in float32: compare both readings in float32 3-D points
    from_file = build_geometry(path, res=10.0, float32_pt3d=True)
    n = navis.read_swc(path)
    from_navis = build_geometry(n, res=10.0, soma="neuron", float32_pt3d=True)
    assert from_navis.convention == from_file.convention == "neuron"
    assert from_navis.soma_kind == from_file.soma_kind == "single point"
    assert list(from_navis.sections.name) == list(from_file.sections.name)
    assert np.array_equal(from_navis.parent, from_file.parent)
    # (the soma cylinder's ends, x ± d/2, are computed before the float32 rounding)
    np.testing.assert_allclose(from_navis.area, from_file.area, rtol=1e-4)
    np.testing.assert_allclose(from_navis.ri_unit, from_file.ri_unit, rtol=1e-4)
    # and differs from the navis reading of the same neuron (soma as a 3-D point)
    navis_reading = build_geometry(n, res=10.0)
    assert navis_reading.convention == "navis"
    assert abs(navis_reading.area.sum() - from_file.area.sum()) > 1e-3
