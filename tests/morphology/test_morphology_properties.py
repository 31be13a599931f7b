"""Property tests on random trees: conservation of length and area, node <-> compartment maps.

The expected totals are computed here from the input node table (edge lengths and the
lateral areas of the frusta between each node and its parent, NEURON's formula
π (r1 + r2) sqrt(l² + (r1 - r2)²)), independently of the package.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from connectome_sim.morphology import build_geometry


@st.composite
def random_trees(draw):
    n = draw(st.integers(2, 80))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # parents: mostly chains (recent nodes), some branching anywhere
    parent = np.full(n, -1)
    for i in range(1, n):
        parent[i] = i - 1 if rng.random() < 0.6 else rng.integers(0, i)
    step = rng.normal(size=(n, 3)) * rng.uniform(0.05, 5.0, size=(n, 1))
    if n > 3 and draw(st.booleans()):  # some zero-length edges (duplicate points)
        step[rng.integers(1, n, size=max(1, n // 10))] = 0.0
    xyz = np.zeros((n, 3))
    for i in range(1, n):
        xyz[i] = xyz[parent[i]] + step[i]
    xyz += rng.uniform(-300, 300, size=3)
    radius = rng.uniform(0.05, 3.0, size=n)
    ids = rng.choice(10**7, size=n, replace=False) + 1
    perm = rng.permutation(n)  # rows in random order
    df = pd.DataFrame({"node_id": ids, "parent_id": np.where(parent >= 0, ids[parent], -1),
                       "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2], "radius": radius})
    df = df.iloc[perm].reset_index(drop=True)
    root = int(ids[rng.integers(0, n)]) if draw(st.booleans()) else None
    return df, root


def expected_totals(df):
    t = df.set_index("node_id")
    child = t[t.parent_id >= 0]
    par = t.loc[child.parent_id.to_numpy()]
    dxyz = child[["x", "y", "z"]].to_numpy() - par[["x", "y", "z"]].to_numpy()
    length = np.sqrt((dxyz ** 2).sum(axis=1))
    r1, r2 = child.radius.to_numpy(), par.radius.to_numpy()
    area = np.pi * (r1 + r2) * np.sqrt(length ** 2 + (r1 - r2) ** 2)
    return length.sum(), area.sum()


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(random_trees(), st.sampled_from([0.3, 1.0, 2.5, 10.0]), st.booleans())
def test_totals_and_maps(tree, res, use_dlambda):
    df, root = tree
    kw = dict(d_lambda=0.1, Ra=100.0) if use_dlambda else dict(res=res)
    g = build_geometry(df, root=root, **kw)
    L_exp, A_exp = expected_totals(df)
    assert abs(g.length.sum() - L_exp) <= 1e-9 * L_exp
    assert abs(g.area.sum() - A_exp) <= 1e-9 * A_exp
    # Hines order, junctions have no membrane
    assert g.parent[0] == -1 and (g.parent[1:] < np.arange(1, g.n_comp)).all()
    assert (g.area[g.is_junction] == 0).all() and (g.length[g.is_junction] == 0).all()
    assert (g.ri_unit[1:] > 0).all()
    # segment lengths: nseg odd; the res promise holds and nseg is the smallest such
    nseg = g.sections.nseg.to_numpy()
    assert (nseg % 2 == 1).all()
    if not use_dlambda:
        L = g.sections.L.to_numpy()
        assert (L / nseg <= res * (1 + 1e-12)).all()
        assert (nseg == 1).__or__(L / (nseg - 2) > res).all()
    # every node maps to exactly one compartment
    nt = g.node_table
    assert sorted(nt.index) == sorted(df.node_id)
    comp = g.node_to_compartment(df.node_id.to_numpy())
    assert ((comp >= 0) & (comp < g.n_comp)).all()
    # node -> compartment -> node round trip, and compartment -> nodes -> compartment
    for nid, c in zip(df.node_id.to_numpy(), comp):
        assert nid in g.compartment_to_nodes(c)
    seen = []
    for c in range(g.n_comp):
        ns = g.compartment_to_nodes(c)
        seen += ns
        if ns:
            assert (g.node_to_compartment(ns) == c).all()
    assert sorted(seen) == sorted(df.node_id)
    # root is where we asked
    want = root if root is not None else int(df.node_id[df.parent_id < 0].iloc[0])
    assert g.morphology.root == want
    assert g.sections.node_ids.iloc[0][0] == want


@SETTINGS
@given(random_trees(), st.booleans())
def test_neuron_reading_of_typeless_tree_is_navis_reading(tree, use_dlambda):
    """Without SWC types (no soma, one type), NEURON's Import3d rules cut the same sections
    as the navis reading (root children at the root's x=0), so every number agrees.
    (Trees with zero-length sections differ: Import3d deletes two-point zero-length sections
    with their annulus of membrane, the navis reading keeps that area.)"""
    df, root = tree
    kw = dict(d_lambda=0.1, Ra=100.0) if use_dlambda else dict(res=2.0)
    a = build_geometry(df, root=root, soma="navis", **kw)
    assume(not any("zero-length" in m for m in a.morphology.log))
    b = build_geometry(df, root=root, soma="neuron", **kw)
    assert b.convention == "neuron" and b.soma_kind == "none"
    assert np.array_equal(a.parent, b.parent)
    np.testing.assert_allclose(a.area, b.area, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.ri_unit, b.ri_unit, rtol=1e-12, atol=1e-15)
    assert (a.node_table.compartment == b.node_table.compartment).all()


@SETTINGS
@given(random_trees())
def test_single_point_soma_is_4pi_r2(tree):
    """A root of SWC type 1 among type-3 nodes: NEURON's single-point soma, a cylinder of
    L = diam along x (area 4πr² exactly in the float64 default)."""
    df, root = tree
    df = df.copy()
    rid = root if root is not None else int(df.node_id[df.parent_id < 0].iloc[0])
    df["label"] = np.where(df.node_id == rid, 1, 3)
    g = build_geometry(df, root=root, soma="neuron", res=5.0)
    # (zero-length sections merged at the soma bring their annulus of membrane with them)
    assume(not any("merged" in m for m in g.morphology.log))
    r = float(df.set_index("node_id").radius[rid])
    assert g.soma_kind == "single point" and g.sections.name[0] == "soma[0]"
    assert abs(g.area[g.section == 0].sum() - 4 * np.pi * r * r) <= 1e-9 * 4 * np.pi * r * r
    assert g.sections.L[0] == pytest.approx(2 * r, rel=1e-12)
    assert g.node_to_compartment([rid])[0] == g.locate("soma[0](0.5)")[0]
    # neurites leave the soma centre (soma(0.5)) and every node maps somewhere
    kids = g.sections.parent_section == 0
    assert (g.sections.parent_x[kids] == 0.5).all()
    assert sorted(g.node_table.index) == sorted(df.node_id)
