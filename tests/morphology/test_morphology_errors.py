"""Bad input: each case raises the documented exception and names the offending node(s)."""

from __future__ import annotations

import logging

import navis
import numpy as np
import pandas as pd
import pytest

from connectome_sim.errors import (RadiusError, SkeletonError, UnitsError,
                                   UnknownIDError)
from connectome_sim.morphology import build_geometry, load_morphology


def table(rows):
    """Node table from (node_id, parent_id, x, y, z, radius) rows (µm)."""
    return pd.DataFrame(rows, columns=["node_id", "parent_id", "x", "y", "z", "radius"])


GOOD = [(1, -1, 0, 0, 0, 1.0), (2, 1, 1, 0, 0, 0.5), (3, 2, 2, 0, 0, 0.5),
        (4, 2, 2, 1, 0, 0.4), (5, 4, 2, 2, 0, 0.3)]


def test_good_table_builds():
    g = build_geometry(table(GOOD))
    assert g.n_sections == 3 and abs(g.length.sum() - (3 + np.sqrt(2))) < 1e-12


def test_fragments_example_neuron_5_names_roots():
    n5 = navis.example_neurons(5, kind="skeleton")[4]
    roots = [int(r) for r in np.atleast_1d(n5.root)]
    assert len(roots) == 2
    with pytest.raises(SkeletonError) as e:
        build_geometry(n5)
    msg = str(e.value)
    assert all(str(r) in msg for r in roots)
    assert "heal_skeleton" in msg and "heal=True" in msg
    # opt-in repair joins the fragments into one tree with all nodes
    g = build_geometry(n5, heal=True)
    assert g.morphology.n_nodes == n5.n_nodes
    assert (g.parent[1:] < np.arange(1, g.n_comp)).all()
    assert any("heal" in m for m in g.morphology.log)


def test_fragments_table():
    rows = GOOD + [(10, -1, 5, 5, 5, 1.0), (11, 10, 6, 5, 5, 1.0)]
    with pytest.raises(SkeletonError, match=r"2 fragments.*\b1\b.*\b10\b"):
        build_geometry(table(rows))


def test_cycle_names_nodes():
    rows = GOOD + [(7, 9, 0, 1, 0, 1.0), (8, 7, 0, 2, 0, 1.0), (9, 8, 0, 3, 0, 1.0)]
    with pytest.raises(SkeletonError, match="cycle") as e:
        build_geometry(table(rows))
    assert "7, 8, 9" in str(e.value)


def test_self_parent_is_a_cycle():
    rows = GOOD + [(7, 7, 0, 1, 0, 1.0)]
    with pytest.raises(SkeletonError, match=r"\[7\].*own parent"):
        build_geometry(table(rows))


def test_missing_parent_names_node_and_parent():
    rows = GOOD + [(6, 42, 3, 3, 0, 1.0)]
    with pytest.raises(SkeletonError, match=r"node\(s\) \[6\].*parent\(s\) \[42\]"):
        build_geometry(table(rows))


def test_duplicate_ids():
    rows = GOOD + [(3, 1, 0, 5, 0, 1.0)]
    with pytest.raises(SkeletonError, match=r"duplicate node IDs \[3\]"):
        build_geometry(table(rows))


@pytest.mark.parametrize("bad", [np.nan, 0.0, -1.0])
def test_bad_radius_raises_by_default(bad):
    rows = [list(r) for r in GOOD]
    rows[3][5] = bad  # node 4
    with pytest.raises(RadiusError, match=r"\[4\]") as e:
        build_geometry(table(rows))
    assert "radius_policy" in str(e.value)


def test_missing_radius_column():
    df = table(GOOD).drop(columns="radius")
    with pytest.raises(RadiusError, match=r"\[1, 2, 3, 4, 5\]"):
        build_geometry(df)


def test_radius_policy_neighbours_and_value():
    rows = [list(r) for r in GOOD]
    rows[3][5] = np.nan  # node 4: neighbours 2 (0.5) and 5 (0.3)
    m = load_morphology(table(rows), radius_policy="neighbours")
    r = dict(zip(m.node_ids, m.radius))
    assert r[4] == pytest.approx(0.4)
    m = load_morphology(table(rows), radius_policy=0.25)
    assert dict(zip(m.node_ids, m.radius))[4] == 0.25
    with pytest.raises(RadiusError, match="radius_policy"):
        load_morphology(table(rows), radius_policy="guess")


def test_nm_units_converted_with_log(caplog):
    n = navis.example_neurons(1, kind="skeleton")  # 8 nm units
    with caplog.at_level(logging.INFO, logger="connectome_sim.morphology"):
        g = build_geometry(n)
    assert "converted" in caplog.text
    n_um = n.convert_units("um")
    assert g.length.sum() == pytest.approx(n_um.cable_length, rel=1e-6)


def test_unknown_units_looking_like_nm_refused():
    n = navis.example_neurons(1, kind="skeleton")
    df = n.nodes[["node_id", "parent_id", "x", "y", "z", "radius"]]
    with pytest.raises(UnitsError, match=r"nanometres.*node \d+ -> parent \d+") as e:
        build_geometry(df)
    assert "units='nm'" in str(e.value) and "convert_units" in str(e.value)
    g = build_geometry(df, units=0.008)  # µm per unit
    assert g.length.sum() == pytest.approx(n.convert_units("um").cable_length, rel=1e-6)


def test_neuronlist_of_two_refused():
    nl = navis.example_neurons(2, kind="skeleton")
    with pytest.raises(SkeletonError, match="NeuronList of 2"):
        build_geometry(nl)


def test_bad_types_and_paths(tmp_path):
    with pytest.raises(SkeletonError, match="Cannot build"):
        build_geometry(42)
    with pytest.raises(SkeletonError, match="does not exist"):
        build_geometry(tmp_path / "nope.swc")
    with pytest.raises(SkeletonError, match=r"root/soma node 99"):
        build_geometry(table(GOOD), root=99)
    with pytest.raises(SkeletonError, match="at least 2 nodes"):
        build_geometry(table(GOOD[:1]))


def test_unknown_ids_listed():
    g = build_geometry(table(GOOD))
    with pytest.raises(UnknownIDError, match=r"\[88, 77\]"):  # in the order given
        g.node_to_compartment([1, 88, 77])
    with pytest.raises(UnknownIDError, match=r"\[5\]"):
        g.select(connectors=[5])
    with pytest.raises(UnknownIDError, match=r"\[9\]"):
        g.select(sections=[0, 9])
    with pytest.raises(UnknownIDError, match="axon"):
        g.select(subset="axon")
    with pytest.raises(KeyError):  # UnknownIDError is a KeyError
        g.select([1234])
