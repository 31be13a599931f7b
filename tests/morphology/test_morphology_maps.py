"""Inputs (TreeNeuron, NeuronList, SWC, DataFrame), node/connector/label maps, nseg rules."""

from __future__ import annotations

import navis
import numpy as np
import pytest

from connectome_sim.morphology import build_geometry


@pytest.fixture(scope="module")
def n1():
    """Example neuron 1 in µm with navis axon/dendrite labels (rerooted at soma 4177)."""
    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    return navis.split_axon_dendrite(n, label_only=True)


@pytest.fixture(scope="module")
def g1(n1):
    return build_geometry(n1, res=10.0)


def test_inputs_agree(n1, g1, tmp_path):
    g_list = build_geometry(navis.NeuronList([n1]), res=10.0)
    g_df = build_geometry(n1.nodes, res=10.0, root=n1.soma)
    for g in (g_list, g_df):
        assert np.array_equal(g.parent, g1.parent)
        assert np.allclose(g.area, g1.area, rtol=1e-12) and np.allclose(g.ri_unit, g1.ri_unit)
    path = tmp_path / "n1.swc"
    node_map = navis.write_swc(n1, path, return_node_map=True)
    # read as navis reads it (the default for files is NEURON's Import3d reading)
    g_swc = build_geometry(path, res=10.0, root=node_map[n1.soma], soma="navis")
    assert g_swc.n_comp == g1.n_comp
    assert g_swc.length.sum() == pytest.approx(g1.length.sum(), rel=1e-5)
    assert g_swc.area.sum() == pytest.approx(g1.area.sum(), rel=1e-5)


def test_rerooted_at_soma(n1, g1):
    assert g1.morphology.root == n1.soma
    assert g1.node_to_compartment([n1.soma])[0] == 0
    assert any("rerooted" in m for m in g1.morphology.log)


def test_node_section_x(n1, g1):
    """x of every node = its path length from the section start / L (computed here)."""
    xyz = n1.nodes.set_index("node_id")[["x", "y", "z"]].astype(np.float64)
    nt = g1.node_table
    for s, row in g1.sections.iterrows():
        pts = xyz.loc[row.node_ids].to_numpy()
        cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
        ids = row.node_ids[1:]
        assert np.allclose(nt.loc[ids, "x"].to_numpy(), cum[1:] / cum[-1], rtol=0, atol=1e-12)
        assert (nt.loc[ids, "section"] == s).all()
        # interior nodes: NEURON's node_index (segment int(nseg*x)), branch -> x=1 junction
        comp = nt.loc[ids, "compartment"].to_numpy()
        segs = np.flatnonzero((g1.section == s) & ~g1.is_junction)
        k = np.minimum((row.nseg * cum[1:-1] / cum[-1]).astype(int), row.nseg - 1)
        assert np.array_equal(comp[:-1], segs[k])
        has_children = (g1.sections.parent_section == s).any()
        if has_children:
            assert g1.is_junction[comp[-1]] and g1.x[comp[-1]] == 1.0
        else:
            assert comp[-1] == segs[-1]


def test_connectors_map_through_nodes(n1, g1):
    ct = g1.connector_table
    assert len(ct) == len(n1.connectors)
    assert np.array_equal(ct.compartment.to_numpy(), g1.node_to_compartment(ct.node_id))
    some = ct.connector_id.to_numpy()[:5]
    assert np.array_equal(g1.select(connectors=some),
                          np.unique(ct.compartment.to_numpy()[:5]))


def test_label_selectors(n1, g1):
    assert "label_compartment" in g1.label_columns()
    axon_nodes = n1.nodes.node_id[n1.nodes.compartment == "axon"].to_numpy()
    expect = np.unique(g1.node_to_compartment(axon_nodes))
    assert np.array_equal(g1.select(subset="axon"), expect)
    assert np.array_equal(g1.select("axon"), expect)
    both = g1.select(["axon", "dendrite"])
    assert set(expect) <= set(both)
    assert np.array_equal(g1.select({"subset": "axon"}), expect)


def test_select_nodes_and_sections(g1):
    nid = g1.node_table.index[:10].to_numpy()
    assert np.array_equal(g1.select(nid), np.unique(g1.node_to_compartment(nid)))
    comps = g1.select(sections=[3])
    assert (g1.section[comps] == 3).all()
    assert len(comps) == g1.sections.nseg[3] + int((g1.sections.parent_section == 3).any())


def test_res_promise_vs_navis_rule(g1):
    L = g1.sections.L.to_numpy()
    assert (g1.length[~g1.is_junction] <= 10.0).all()
    navis_nseg = 1 + 2 * (L / 20.0).astype(int)
    assert (L / navis_nseg).max() > 12.0  # navis's rule lets segments grow to ~2 * res


def test_d_lambda_fewer_or_more_segments_with_frequency(n1):
    lo = build_geometry(n1, d_lambda=0.1, freq=10.0, Ra=266.1, cm=0.8)
    hi = build_geometry(n1, d_lambda=0.1, freq=1000.0, Ra=266.1, cm=0.8)
    assert (hi.sections.nseg.to_numpy() >= lo.sections.nseg.to_numpy()).all()
    assert hi.area.sum() == pytest.approx(lo.area.sum(), rel=1e-9)
