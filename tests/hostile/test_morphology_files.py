"""Hostile morphology files: each case raises the specific error naming the culprit (line,
node, value, keyword), or gives the exact correct result (a documented repair).

Files are written to ``tmp_path``; SWC columns are ``id type x y z radius parent`` (µm).
"""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectome_sim.errors import ParameterError, RadiusError, SkeletonError, UnitsError
from connectome_sim.morphology import MorphologyRepairWarning, build_geometry

# a small valid cell: single-point soma (1), a dendrite (3) and an axon (2)
GOOD = """# a small valid cell
1 1 0 0 0 5 -1
2 3 0 10 0 1 1
3 3 0 20 0 1 2
4 3 5 30 0 0.8 3
5 3 -5 30 0 0.8 3
6 2 0 -10 0 0.5 1
7 2 0 -20 0 0.5 6
"""


def swc(tmp_path, text, name="cell.swc", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def lines(text):
    return [ln for ln in text.splitlines()]


def with_line(k, new):
    """GOOD with its k-th line (1-based) replaced."""
    ls = lines(GOOD)
    ls[k - 1] = new
    return "\n".join(ls) + "\n"


# --------------------------------------------------------------------------- malformed text
BAD_TEXT = [
    ("six columns", with_line(4, "3 3 0 20 0 1"), r"line 4: expected 7 columns.*found 6"),
    ("five columns", with_line(2, "1 1 0 0 0"), r"line 2: expected 7 columns.*found 5"),
    ("csv given as swc", "1,1,0,0,0,5,-1\n2,3,0,10,0,1,1\n",
     r"line 1: expected 7 columns.*comma-separated"),
    ("csv node table with header", "node_id,parent_id,x,y,z,radius\n1,-1,0,0,0,1\n",
     r"line 1: .*comma-separated"),
    ("header row without #", "id type x y z radius parent\n" + GOOD,
     r"line 1: the x value 'x' is not a number"),
    ("text coordinate", with_line(5, "4 3 5 abc 0 0.8 3"), r"line 5: the y value 'abc'"),
    ("nan coordinate", with_line(3, "2 3 nan 10 0 1 1"), r"line 3: the x value is nan"),
    ("inf radius", with_line(3, "2 3 0 10 0 inf 1"), r"line 3: the radius value is inf"),
    ("fractional id", with_line(3, "2.5 3 0 10 0 1 1"), r"line 3: the SWC id '2\.5'"),
    ("fractional type", with_line(3, "2 3.5 0 10 0 1 1"), r"line 3: the SWC type '3\.5'"),
    ("text parent", with_line(3, "2 3 0 10 0 1 one"), r"line 3: the SWC parent 'one'"),
    ("empty file", "", r"has no data lines"),
    ("comments only", "# nothing\n# here\n", r"has no data lines \(only 2 comment"),
    # (one soma point alone is a soma-only cell, read as NEURON does: see test_import3d_rules)
    ("one dendrite node", "1 3 0 0 0 5 -1\n", r"at least 2 nodes.*\[1\]"),
]


@pytest.mark.parametrize("text,pattern", [c[1:] for c in BAD_TEXT], ids=[c[0] for c in BAD_TEXT])
def test_malformed_text_names_the_line(tmp_path, text, pattern):
    with pytest.raises(SkeletonError, match=pattern):
        build_geometry(swc(tmp_path, text))


BINARY = [
    ("binary npz-like", b"PK\x03\x04\x00\x00binary", r"not a text file \(NUL byte at offset 4\)"),
    ("gzip as swc", gzip.compress(GOOD.encode()), r"not a text file"),
    ("utf-16 text", GOOD.encode("utf-16"), r"not a text file"),
    ("latin-1 byte in data", b"1 1 0 0 0 5 -1\n2 3 0 \xe9 0 1 1\n",
     r"line 2: bytes that are not UTF-8"),
]


@pytest.mark.parametrize("data,pattern", [c[1:] for c in BINARY], ids=[c[0] for c in BINARY])
def test_binary_files_refused_naming_path(tmp_path, data, pattern):
    p = swc(tmp_path, data, mode="wb")
    with pytest.raises(SkeletonError, match=pattern) as e:
        build_geometry(p)
    assert "cell.swc" in str(e.value)


def test_latin1_comment_is_fine(tmp_path):
    p = swc(tmp_path, b"# auteur: \xe9tienne\n" + GOOD.encode(), mode="wb")
    assert build_geometry(p).morphology.n_nodes == 7


def test_folder_given(tmp_path):
    d = tmp_path / "dir.swc"
    d.mkdir()
    with pytest.raises(SkeletonError, match=r"dir\.swc' is a folder"):
        build_geometry(d)


def test_missing_file(tmp_path):
    with pytest.raises(SkeletonError, match=r"nope\.swc' does not exist"):
        build_geometry(tmp_path / "nope.swc")


def test_unknown_suffix(tmp_path):
    p = swc(tmp_path, GOOD, name="cell.txt")
    with pytest.raises(SkeletonError, match=r"unknown morphology format '\.txt'.*\.swc"):
        build_geometry(p)


# --------------------------------------------------------------------------- topology
def test_parent_after_child_refused_then_healed(tmp_path):
    text = "1 1 0 0 0 5 -1\n2 3 0 10 0 1 3\n3 3 0 5 0 1 1\n"
    p = swc(tmp_path, text)
    with pytest.raises(SkeletonError, match=r"line 2: node 2 has parent 3 \(line 3\).*heal=True"):
        build_geometry(p)
    g = build_geometry(p, heal=True)
    assert any("depth-first order" in m for m in g.morphology.log)
    assert g.length.sum() == pytest.approx(10.0 + 5.0)   # wire from the soma: 5 + 5 + soma L 10


def test_root_not_smallest_id(tmp_path):
    text = "5 1 0 0 0 5 -1\n2 3 0 10 0 1 5\n"
    with pytest.raises(SkeletonError, match=r"root \(node 5\) does not have the smallest ID"):
        build_geometry(swc(tmp_path, text))


def test_missing_parent(tmp_path):
    with pytest.raises(SkeletonError, match=r"node\(s\) \[4\] have parent\(s\) \[99\]"):
        build_geometry(swc(tmp_path, with_line(5, "4 3 5 30 0 0.8 99")))


def test_duplicate_ids(tmp_path):
    with pytest.raises(SkeletonError, match=r"duplicate node IDs \[3\]"):
        build_geometry(swc(tmp_path, with_line(5, "3 3 5 30 0 0.8 3")))


def test_self_parent(tmp_path):
    with pytest.raises(SkeletonError, match=r"node\(s\) \[4\] are their own parent"):
        build_geometry(swc(tmp_path, with_line(5, "4 3 5 30 0 0.8 4")))


def test_two_roots_refused_then_healed(tmp_path):
    p = swc(tmp_path, GOOD + "8 3 50 50 0 1 -1\n9 3 50 60 0 1 8\n")
    with pytest.raises(SkeletonError, match=r"2 fragments, rooted at node\(s\) 1 .*8 \(2 nodes\)"):
        build_geometry(p)
    g = build_geometry(p, heal=True)
    assert g.morphology.n_nodes == 9 and any("healed" in m for m in g.morphology.log)


def test_negative_node_id(tmp_path):
    with pytest.raises(SkeletonError, match=r"node IDs must be >= 0.*\[-4\]"):
        build_geometry(swc(tmp_path, "1 1 0 0 0 5 -1\n-4 3 0 10 0 1 1\n"))


def test_ids_above_2_63_kept_exactly(tmp_path):
    big = 2**63 + 11
    p = swc(tmp_path, f"{big} 1 0 0 0 5 -1\n{big + 1} 3 0 10 0 1 {big}\n")
    g = build_geometry(p)
    assert g.node_table.index.dtype == np.uint64
    assert int(g.node_table.index[1]) == big + 1
    assert g.node_to_compartment([np.uint64(big + 1)])[0] == g.node_table.compartment.iloc[1]


# --------------------------------------------------------------------------- radii and units
def test_zero_radius_names_node(tmp_path):
    p = swc(tmp_path, with_line(4, "3 3 0 20 0 0 2"))
    with pytest.raises(RadiusError, match=r"node\(s\) \[3\].*radius_policy='neighbours'"):
        build_geometry(p)
    g = build_geometry(p, radius_policy="neighbours")   # mean of neighbours 1, 0.8, 0.8
    assert g.morphology.radius[g.morphology.node_ids == 3][0] == pytest.approx(2.6 / 3)


def test_negative_radius(tmp_path):
    with pytest.raises(RadiusError, match=r"\[6\]"):
        build_geometry(swc(tmp_path, with_line(7, "6 2 0 -10 0 -0.5 1")))


def test_radius_policy_value_checked(tmp_path):
    p = swc(tmp_path, with_line(4, "3 3 0 20 0 0 2"))
    with pytest.raises(RadiusError, match=r"radius_policy=-1 is not a positive radius"):
        build_geometry(p, radius_policy=-1)


def test_nm_coordinates_refused_then_converted(tmp_path):
    nm = "1 1 0 0 0 5000 -1\n2 3 0 10000 0 1000 1\n3 3 0 20000 0 1000 2\n"
    p = swc(tmp_path, nm)
    with pytest.raises(UnitsError, match=r"median edge length is 1e\+04.*units='nm'"):
        build_geometry(p)
    g = build_geometry(p, units="nm")
    assert g.length.sum() == pytest.approx(10.0 + 10.0)   # soma L = 10 µm + 10 µm of dendrite


def test_navis_header_units_honoured(tmp_path):
    text = ('# Meta: {"id": "x", "units": "8 nanometer"}\n'
            "1 1 0 0 0 500 -1\n2 3 0 1250 0 125 1\n3 3 0 2500 0 125 2\n")
    g = build_geometry(swc(tmp_path, text))
    assert g.length.sum() == pytest.approx(8.0 + 10.0)   # soma 2 × 4 µm, 1250 × 8 nm
    assert any("8 nanometer" in m for m in g.morphology.log)


@pytest.mark.parametrize("units,pattern", [("bananas", r"Unknown units 'bananas'"),
                                           (0, r"units must be a positive length"),
                                           (-1.0, r"units must be a positive length")])
def test_bad_units(tmp_path, units, pattern):
    with pytest.raises(UnitsError, match=pattern):
        build_geometry(swc(tmp_path, GOOD), units=units)


# --------------------------------------------------------------------------- types and soma
def test_unknown_types_named_as_neuron_names_them(tmp_path):
    text = "1 1 0 0 0 5 -1\n2 7 0 10 0 1 1\n3 7 0 20 0 1 2\n4 -2 0 -10 0 1 1\n5 -2 0 -20 0 1 4\n"
    g = build_geometry(swc(tmp_path, text))
    assert list(g.sections.name) == ["soma[0]", "dend_7[0]", "minus_2[0]"]
    assert set(g.node_table.region) == {"soma", "dend_7", "minus_2"}
    # a region selects its sections, as NEURON's section lists do (not the soma compartment
    # that the wired first point maps to)
    assert list(g.select("dend_7")) == list(np.flatnonzero(g.section == 1))


def test_type_change_splits_section(tmp_path):
    text = "1 1 0 0 0 5 -1\n2 3 0 10 0 1 1\n3 3 0 20 0 1 2\n4 4 0 30 0 1 3\n5 4 0 40 0 1 4\n"
    g = build_geometry(swc(tmp_path, text))
    assert list(g.sections.name) == ["soma[0]", "dend[0]", "apic[0]"]
    assert list(g.sections.parent_x) == [1.0, 0.5, 1.0]


def test_three_point_soma_read_as_one_point(tmp_path):
    text = ("1 1 0 0 0 5 -1\n2 1 0 -5 0 5 1\n3 1 0 5 0 5 1\n"
            "4 3 0 20 0 1 1\n5 3 0 30 0 1 4\n")
    g = build_geometry(swc(tmp_path, text))
    assert g.soma_kind == "three-point (NeuroMorpho.Org)"
    assert g.sections.L[0] == pytest.approx(10.0)          # a cylinder L = diam along x
    assert np.asarray(g.pt3d[0])[:, 1].tolist() == [0.0, 0.0, 0.0]
    assert g.sections.L[1] == pytest.approx(10.0)          # wired: starts at node 4


def test_three_points_not_standard_are_soma_sections(tmp_path):
    text = ("1 1 0 0 0 5 -1\n2 1 0 -5 0 4 1\n3 1 0 5 0 5 1\n"
            "4 3 0 20 0 1 1\n5 3 0 30 0 1 4\n")
    assert build_geometry(swc(tmp_path, text)).soma_kind == "soma sections"


@pytest.mark.parametrize("soma,pattern", [
    ("sphere", r"soma='sphere' was removed.*soma='neuron'"),
    ("bogus", r"soma must be 'neuron' .* or 'navis' .*not 'bogus'"),
    (True, r"soma must be 'neuron'.*not True"),
])
def test_bad_soma_keyword(tmp_path, soma, pattern):
    with pytest.raises(ParameterError, match=pattern):
        build_geometry(swc(tmp_path, GOOD), soma=soma)


def test_navis_convention_available_for_files(tmp_path):
    g = build_geometry(swc(tmp_path, GOOD), soma="navis")
    assert g.convention == "navis" and "name" not in g.sections
    # the soma node is an ordinary point: the root section starts at it
    assert g.sections.node_ids[0][0] == 1


# --------------------------------------------------------------------------- coincident points
def test_two_point_zero_length_section_removed_as_neuron_does(tmp_path):
    text = GOOD + "8 3 -5 30 0 0.8 5\n"   # a branch ending where it starts
    g = build_geometry(swc(tmp_path, text))
    assert list(g.sections.name) == ["soma[0]", "dend[0]", "dend[1]", "dend[2]", "axon[0]"]
    assert any("removed 1 section" in m for m in g.morphology.log)
    assert g.node_to_compartment([8])[0] == g.node_to_compartment([5])[0]


@pytest.mark.parametrize("soma", ["neuron", "navis"])
def test_zero_length_three_point_section_merged_with_warning(tmp_path, soma):
    # node 5 branches: to 8 -> 9 (both at 5's position: a zero-length section of 3 points,
    # which NEURON keeps with L = 0) and to 10
    text = GOOD + "8 3 -5 30 0 0.8 5\n9 3 -5 30 0 0.7 8\n10 3 -9 35 0 0.8 5\n"
    with pytest.warns(MorphologyRepairWarning, match=r"node\(s\) \[8, 9\]"):
        g = build_geometry(swc(tmp_path, text), soma=soma)
    assert g.node_to_compartment([9])[0] == g.node_to_compartment([8])[0] == \
        g.node_to_compartment([5])[0]


def test_all_points_coincident(tmp_path):
    with pytest.raises(SkeletonError, match=r"no length: all its points coincide"):
        build_geometry(swc(tmp_path, "1 3 1 1 1 1 -1\n2 3 1 1 1 1 1\n3 3 1 1 1 1 2\n"),
                       soma="navis")


# --------------------------------------------------------------------------- tolerated layouts
def test_tabs_crlf_inline_comments_extra_columns(tmp_path):
    text = ("1\t1\t0\t0\t0\t5\t-1\r\n2 3 0 10 0 1 1 # first dendrite point\r\n"
            "3 3 0 20 0 1 2 0.5 extra\r\n")
    g = build_geometry(swc(tmp_path, text))
    assert g.morphology.n_nodes == 3 and g.sections.L[1] == pytest.approx(10.0)
    assert any("after the seventh on 1 line(s) (first: line 3)" in m for m in g.morphology.log)


def test_float_written_ids(tmp_path):
    g = build_geometry(swc(tmp_path, "1.0 1 0 0 0 5 -1.0\n2.0 3 0 10 0 1 1.0\n"))
    assert list(g.node_table.index) == [1, 2]


# --------------------------------------------------------------------------- ASC / HDF5
ASC_OK = """("CellBody"
  (CellBody)
  (0 -5 0 0)
  (4 -3 0 0)
  (5 0 0 0)
  (4 3 0 0)
  (0 5 0 0)
  (-4 3 0 0)
  (-5 0 0 0)
  (-4 -3 0 0)
)
( (Dendrite)
  (0 5 0 2)
  (0 15 0 2)
  (0 25 0 2)
)
"""


def test_asc_contour_read(tmp_path):
    g = build_geometry(swc(tmp_path, ASC_OK, name="c.asc"))
    assert g.soma_kind == "contour" and list(g.sections.name) == ["soma[0]", "dend[0]"]
    assert g.sections.parent_x[1] == 0.5 and len(g.pt3d[0]) == 21


def test_asc_zero_diameter_names_node_then_repaired(tmp_path):
    text = ASC_OK.replace("(0 15 0 2)", "(0 15 0 0)")
    p = swc(tmp_path, text, name="z.asc")
    with pytest.raises(RadiusError, match=r"node\(s\) \[10\]"):   # 8 outline nodes, then 9..
        build_geometry(p)
    g = build_geometry(p, radius_policy="neighbours")
    assert np.asarray(g.pt3d[1])[:, 3].tolist() == [2.0, 2.0, 2.0]


def test_asc_navis_convention_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"soma='navis' does not apply.*soma='neuron'"):
        build_geometry(swc(tmp_path, ASC_OK, name="c.asc"), soma="navis")


def test_asc_garbage(tmp_path):
    with pytest.raises(SkeletonError, match=r"junk\.asc'.*MorphIO cannot read it"):
        build_geometry(swc(tmp_path, "this is (not an ((( asc file\n", name="junk.asc"))


def test_asc_binary(tmp_path):
    with pytest.raises(SkeletonError, match=r"b\.asc' is not a text file"):
        build_geometry(swc(tmp_path, b"\x00\x01\x02", name="b.asc", mode="wb"))


def test_h5_corrupt(tmp_path):
    with pytest.raises(SkeletonError, match=r"bad\.h5'.*MorphIO cannot read it"):
        build_geometry(swc(tmp_path, b"\x89HDF\r\n\x1a\nnot really", name="bad.h5", mode="wb"))


def test_asc_two_trees_without_soma(tmp_path):
    text = ("( (Dendrite)\n (0 0 0 1)\n (0 10 0 1)\n)\n"
            "( (Dendrite)\n (50 0 0 1)\n (50 10 0 1)\n)\n")
    with pytest.raises(SkeletonError, match=r"2 trees and no cell body contour"):
        build_geometry(swc(tmp_path, text, name="t.asc"))


def test_asc_soma_stack_refused(tmp_path):
    body = "\n".join(ASC_OK.splitlines()[:11])
    text = body + "\n" + body.replace("CellBody\"", "CellBody\"", 1) + "\n" + \
        "\n".join(ASC_OK.splitlines()[11:]) + "\n"
    with pytest.raises(SkeletonError, match=r"MorphIO cannot read it.*soma"):
        build_geometry(swc(tmp_path, text, name="stack.asc"))


# --------------------------------------------------------------------------- generated tables
@st.composite
def corrupted(draw):
    """A valid random SWC text and one corruption of one of its lines."""
    n = draw(st.integers(3, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows = [(1, 1, 0.0, 0.0, 0.0, 5.0, -1)]
    for i in range(2, n + 1):
        p = int(rng.integers(1, i))
        rows.append((i, 3, *np.round(rng.normal(size=3) * 20, 3), 1.0, p))
    k = int(draw(st.integers(1, n - 1)))   # row to corrupt (not the root)
    kind = draw(st.sampled_from(["drop", "text", "missing", "nan", "frac"]))
    ls = [" ".join(str(v) for v in r) for r in rows]
    t = ls[k].split()
    if kind == "drop":
        ls[k] = " ".join(t[:-1])
        pat = rf"line {k + 1}: expected 7 columns"
    elif kind == "text":
        t[3] = "y?"
        ls[k] = " ".join(t)
        pat = rf"line {k + 1}: the y value 'y\?'"
    elif kind == "missing":
        t[6] = str(n + 100)
        ls[k] = " ".join(t)
        pat = rf"node\(s\) \[{k + 1}\] have parent\(s\) \[{n + 100}\]"
    elif kind == "nan":
        t[5] = "nan"
        ls[k] = " ".join(t)
        pat = rf"line {k + 1}: the radius value is nan"
    else:
        t[0] = f"{k + 1}.5"
        ls[k] = " ".join(t)
        pat = rf"line {k + 1}: the SWC id '{k + 1}\.5'"
    return "\n".join(ls) + "\n", pat


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corrupted())
def test_generated_corruptions_name_their_line(tmp_path, case):
    text, pat = case
    with pytest.raises(SkeletonError, match=pat):
        build_geometry(swc(tmp_path, text))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(3, 40), st.integers(0, 2**32 - 1))
def test_generated_shuffled_files_refused_naming_a_line(tmp_path, n, seed):
    """Rows whose parents come later: refused naming a line and node, unless heal=True."""
    rng = np.random.default_rng(seed)
    parent = [-1] + [int(rng.integers(1, i)) for i in range(2, n + 1)]
    ids = np.concatenate([[0, 1], rng.permutation(np.arange(2, n + 1))])   # root keeps ID 1
    text = "".join(f"{ids[i]} {1 if i == 1 else 3} {i} {i % 3} 0 1 "
                   f"{ids[parent[i - 1]] if parent[i - 1] > 0 else -1}\n" for i in range(1, n + 1))
    late = any(ids[parent[i - 1]] >= ids[i] for i in range(2, n + 1))
    p = swc(tmp_path, text)
    if late:
        with pytest.raises(SkeletonError, match=r"line \d+: node \d+ has parent \d+ \(line \d+\)"):
            build_geometry(p)
        g = build_geometry(p, heal=True)
    else:
        g = build_geometry(p)
    assert g.morphology.n_nodes == n


# --------------------------------------------------------------------------- lone soma point
# One soma point (SWC type 1) is a soma-only cell: NEURON's Import3d makes it a cylinder
# L = diam, so its membrane area is pi * diam**2 (the side of the cylinder).
LONE_SOMA_BAD = [
    ("radius 0", "1 1 0 0 0 0 -1\n", {}, RadiusError, r"node\(s\) \[1\].*radius_policy="),
    ("negative radius", "1 1 0 0 0 -5 -1\n", {}, RadiusError, r"node\(s\) \[1\].*non-positive"),
    ("nan radius", "1 1 0 0 0 nan -1\n", {}, SkeletonError, r"line 1: the radius value is nan"),
    ("radius 0, neighbours", "1 1 0 0 0 0 -1\n", {"radius_policy": "neighbours"}, RadiusError,
     r"node\(s\) \[1\].*radius_policy=<radius"),
    ("two disconnected somata", "1 1 0 0 0 5 -1\n2 1 10 0 0 5 -1\n", {}, SkeletonError,
     r"2 fragments, rooted at node\(s\) 1 .*2 .*heal=True"),
    ("own parent", "1 1 0 0 0 5 1\n", {}, SkeletonError, r"node\(s\) \[1\] are their own parent"),
    ("missing parent", "1 1 0 0 0 5 7\n", {}, SkeletonError,
     r"node\(s\) \[1\] have parent\(s\) \[7\] that do not exist"),
    ("navis reading", "1 1 0 0 0 5 -1\n", {"soma": "navis"}, SkeletonError,
     r"at least 2 nodes.*\[1\].*soma='neuron'"),
    # no edge to show nanometres: the radius does (it read as a 10 mm soma)
    ("nm radius, units not given", "1 1 0 0 0 5000 -1\n", {}, UnitsError,
     r"units are not declared and node\(s\) \[1\] have radius 5000, which looks like "
     r"nanometres.*units='nm'"),
]


@pytest.mark.parametrize("text,kw,exc,pattern", [c[1:] for c in LONE_SOMA_BAD],
                         ids=[c[0] for c in LONE_SOMA_BAD])
def test_lone_soma_point_bad_values_name_the_node(tmp_path, text, kw, exc, pattern):
    with pytest.raises(exc, match=pattern):
        build_geometry(swc(tmp_path, text), **kw)


LONE_SOMA_GOOD = [
    ("comment tail", "1 1 0 0 0 5 -1\n# end of file\n\n", {}, 10.0),
    ("units nm", "1 1 0 0 0 5000 -1\n", {"units": "nm"}, 10.0),
    ("a huge soma, units='um' said", "1 1 0 0 0 5000 -1\n", {"units": "um"}, 10000.0),
    ("type written 1.0", "1 1.0 0 0 0 5 -1\n", {}, 10.0),
    ("radius_policy number", "1 1 0 0 0 0 -1\n", {"radius_policy": 3.0}, 6.0),
    ("two somata healed", "1 1 0 0 0 5 -1\n2 1 10 0 0 5 -1\n", {"heal": True}, None),
]


@pytest.mark.parametrize("text,kw,diam", [c[1:] for c in LONE_SOMA_GOOD],
                         ids=[c[0] for c in LONE_SOMA_GOOD])
def test_lone_soma_point_is_a_cylinder_of_its_diameter(tmp_path, text, kw, diam):
    g = build_geometry(swc(tmp_path, text), **kw)
    if diam is not None:
        np.testing.assert_allclose(float(np.sum(g.area)), np.pi * diam ** 2, rtol=1e-9)
    else:   # joined into one 10 µm cylinder-chain soma: finite, positive area
        assert np.isfinite(g.area).all() and float(np.sum(g.area)) > 0


def _lone_soma_table():
    import pandas as pd
    return pd.DataFrame({"node_id": [1], "label": [1], "x": [0.0], "y": [0.0], "z": [0.0],
                         "radius": [5.0], "parent_id": [-1]})


@pytest.mark.parametrize("kind", ["table", "navis"])
def test_lone_soma_point_as_table_or_navis_neuron_with_soma_neuron(kind):
    """Under soma='neuron' a lone soma point reads as the SWC file does, whatever carries it
    (the refusal's hint says to pass soma='neuron'; that must then work)."""
    obj = _lone_soma_table()
    if kind == "navis":
        navis = pytest.importorskip("navis")
        obj = navis.TreeNeuron(obj, units="um")
    with pytest.raises(SkeletonError, match=r"at least 2 nodes.*\[1\].*pass soma='neuron'"):
        build_geometry(obj)
    g = build_geometry(obj, soma="neuron")
    np.testing.assert_allclose(float(np.sum(g.area)), np.pi * 10.0 ** 2, rtol=1e-9)


def test_lone_soma_point_runs_as_a_passive_cell(tmp_path):
    """pas + a step current at the soma's node ID: the voltage settles at
    e + I / (g * area) (Ohm's law on the cylinder's membrane)."""
    from connectome_sim.cable import CompartmentModel
    m = CompartmentModel(swc(tmp_path, "1 1 0 0 0 10 -1\n"))
    m.insert("pas", g=0.001, e=-65.0)
    m.inject_current_pulse(1, start=5, duration=100, current=0.1)
    m.add_voltage_record(1)
    m.run_simulation(duration=110, dt=0.025)
    v = m.records["v"][1]
    assert np.isfinite(v.to_numpy()).all()
    area_cm2 = np.pi * 20.0 * 20.0 * 1e-8
    v_inf = -65.0 + 0.1e-9 / (0.001 * area_cm2) * 1e3
    np.testing.assert_allclose(v.loc[100.0], v_inf, atol=1e-3)
    np.testing.assert_allclose(v.loc[4.0], -65.0, atol=1e-9)


def test_lone_soma_point_voltage_movie_and_cli_run(tmp_path, capsys):
    """The neuron command draws its voltage movie of a soma-only cell as a marker (a cell of
    one point has no segment to draw as a line; it failed with numpy's 'zero-size array')."""
    import pandas as pd

    from connectome_sim.cable import CompartmentModel
    from connectome_sim.cli import main
    from connectome_sim.plotting import plot_skeleton_voltage

    p = swc(tmp_path, "1 1 3 4 5 10 -1\n")
    m = CompartmentModel(p)
    m.insert("pas", g=0.001, e=-65.0)
    m.add_voltage_record(1)
    m.run_simulation(duration=2.0, dt=0.025)
    fig = plot_skeleton_voltage(m, m.records["v"], n_frames=3)
    assert fig.data[0].mode == "markers" and list(fig.data[0].x) == [3.0]
    assert np.isfinite(np.asarray(fig.data[0].marker.color, float)).all()
    out = tmp_path / "o"
    main(["neuron", str(p), "--inject", "1:0.1:1:5", "--duration", "10", "--quiet",
          "--out", str(out)])
    v = pd.read_csv(out / "voltages.csv", index_col=0)
    assert list(v.columns) == ["1"] and np.isfinite(v.to_numpy()).all()
    assert v["1"].iloc[-1] < v["1"].loc[6.0]        # charged by the pulse, decaying after
    assert (out / "skeleton_voltage.html").exists()


def test_lone_soma_point_load_morphology_names_the_calls_that_read_it(tmp_path):
    """load_morphology has no soma keyword: its refusal names the calls that take one."""
    from connectome_sim.morphology import load_morphology

    p = swc(tmp_path, "1 1 0 0 0 10 -1\n")
    with pytest.raises(SkeletonError, match=r"at least 2 nodes.*\[1\].*build_geometry\(\.\.\., "
                                            r"soma='neuron'\) or CompartmentModel"):
        load_morphology(p)
    with pytest.raises(TypeError):          # the keyword the old hint advised does not exist
        load_morphology(p, soma="neuron")


@pytest.mark.parametrize("label,soma_only", [(1.0, True), (np.int8(1), True), ("1", True),
                                             (True, False), (1.5, False), ("soma", False)],
                         ids=["float 1.0", "int8", "text '1'", "True", "1.5", "'soma'"])
def test_lone_point_table_label_read_as_the_swc_type(label, soma_only):
    """A node table's label is the SWC type as a number (a float column's 1.0 is type 1, as
    the geometry reads types): 1.0 is a lone soma point, True or 1.5 are not."""
    import pandas as pd

    df = pd.DataFrame({"node_id": [1], "label": [label], "x": [0.0], "y": [0.0], "z": [0.0],
                       "radius": [5.0], "parent_id": [-1]})
    if soma_only:
        g = build_geometry(df, soma="neuron")
        np.testing.assert_allclose(float(np.sum(g.area)), np.pi * 10.0 ** 2, rtol=1e-9)
    else:
        with pytest.raises(SkeletonError, match=r"at least 2 nodes, got 1 \(node\(s\) \[1\]\)\.$"):
            build_geometry(df, soma="neuron")
