"""NEURON's Import3d rules on generated files: random SWC trees (soma of none, one, three or
several points, star- or chain-shaped; SWC types 0-4 and 7; children listed away from their
parents; coincident points) and random Neurolucida soma outlines, each read by NEURON's own
Import3d and by connectome_sim, must give the same sections, connections and 3-D points.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("neuron")

from connectome_sim.morphology import build_geometry  # noqa: E402

from import3d_reference import neuron_import3d  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@st.composite
def swc_trees(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    soma = draw(st.sampled_from(["none", "one", "three", "chain", "star"]))
    rows = []   # (type, x, y, z, r, parent index or -1), in file order

    def add(t, xyz, r, p):
        rows.append((t, *np.round(xyz, 3), round(float(r), 3), p))
        return len(rows) - 1

    if soma == "none":
        add(int(rng.choice([0, 3, 4])), rng.normal(size=3) * 5, 1.0, -1)
        soma_pts = [0]
    elif soma == "one":
        soma_pts = [add(1, np.zeros(3), 5.0, -1)]
    elif soma == "three":
        c = add(1, np.zeros(3), 5.0, -1)
        add(1, [0, -5, 0], 5.0, c)
        add(1, [0, 5, 0], 5.0, c)
        soma_pts = [c]
    elif soma == "chain":
        soma_pts = [add(1, np.zeros(3), 6.0, -1)]
        for k in range(int(rng.integers(1, 5))):
            soma_pts.append(add(1, [0, 2.0 * (k + 1), 0], 6.0 - k, soma_pts[-1]))
    else:  # star: several soma points around the first
        soma_pts = [add(1, np.zeros(3), 6.0, -1)]
        for k in range(int(rng.integers(2, 5))):
            ang = 2 * np.pi * k / 4
            soma_pts.append(add(1, [4 * np.cos(ang), 4 * np.sin(ang), 0], 4.0, 0))
    # neurites: grow from random soma points / existing neurite points, listed in file
    # order with children sometimes away from their parents
    tips = []
    for _ in range(int(rng.integers(1, 5))):
        p = int(rng.choice(soma_pts))
        t = int(rng.choice([2, 3, 4, 7, 0]))
        pos = np.array(rows[p][1:4], float) + rng.normal(size=3) * 8
        cur = add(t, pos, rng.uniform(0.3, 2), p)
        for _ in range(int(rng.integers(0, 6))):
            if rng.random() < 0.15:
                step = np.zeros(3)              # a coincident point
            else:
                step = rng.normal(size=3) * 5
            if rng.random() < 0.15:
                t = int(rng.choice([2, 3, 4, 7]))   # a type change along the way
            pos = np.array(rows[cur][1:4], float) + step
            cur = add(t, pos, rng.uniform(0.3, 2), cur)
        tips.append(cur)
    for _ in range(int(rng.integers(0, 4))):    # later branches off earlier points
        p = int(rng.integers(0, len(rows)))
        pos = np.array(rows[p][1:4], float) + rng.normal(size=3) * 6
        add(rows[p][0] if rows[p][0] != 1 else 3, pos, rng.uniform(0.3, 2), p)
    text = "".join(f"{i + 1} {t} {x} {y} {z} {r} {p + 1 if p >= 0 else -1}\n"
                   for i, (t, x, y, z, r, p) in enumerate(rows))
    return text


def _compare(path, atol=1e-5):
    try:
        cell, secs = neuron_import3d(path)
    except RuntimeError:         # a file NEURON's Import3d itself cannot read
        assume(False)
    g = build_geometry(path, res=5.0, units="um")   # generated edges can exceed 20 µm
    names = list(g.sections.name)
    # sections NEURON keeps that we merge: zero length (all points coincide)
    merged = [n for n, s in secs.items() if s.L < 1e-6 and n not in names]
    assert sorted(names + merged) == sorted(secs)
    for k, name in enumerate(names):
        sec = secs[name]
        ps = sec.parentseg()
        row = g.sections.iloc[k]
        if ps is None:
            assert row.parent_section == -1, name
        else:
            pname = ps.sec.name().split(".", 1)[-1]
            if pname in merged:
                continue
            assert names[int(row.parent_section)] == pname, name
            assert row.parent_x == ps.x, name
        theirs = np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)]
                           for i in range(sec.n3d())])
        np.testing.assert_allclose(np.asarray(g.pt3d[k]), theirs, rtol=1e-6, atol=atol,
                                   err_msg=name)
    del cell, secs


@SETTINGS
@given(swc_trees())
def test_generated_swc_read_as_neuron_reads_it(tmp_path, text):
    path = tmp_path / "gen.swc"
    path.write_text(text)
    _compare(str(path))


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(5, 40), st.floats(0.3, 1.0), st.booleans())
def test_generated_contours_read_as_neuron_reads_them(tmp_path, seed, n, squash, tilt):
    """Rotated, squashed, noisy soma outlines (with z varying when ``tilt``)."""
    rng = np.random.default_rng(seed)
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rot = rng.uniform(0, np.pi)
    r = 8 * (1 + 0.15 * rng.normal(size=n))
    x, y = r * np.cos(ang), squash * r * np.sin(ang)
    x, y = x * np.cos(rot) - y * np.sin(rot), x * np.sin(rot) + y * np.cos(rot)
    z = rng.normal(size=n) if tilt else np.zeros(n)
    # float32-representable values: MorphIO parses ASC in single precision, NEURON in double
    f32 = (lambda v: repr(float(np.float32(v))))
    body = "\n".join(f"  ({f32(a)} {f32(b)} {f32(c)} 0)" for a, b, c in zip(x, y, z))
    text = ('("CellBody"\n  (CellBody)\n' + body + "\n)\n"
            "( (Dendrite)\n  (0 0 0 2)\n  (0 20 0 2)\n  (5 40 0 1)\n)\n")
    path = tmp_path / "gen.asc"
    path.write_text(text)
    _compare(str(path))


def test_lone_soma_point_is_a_cylinder_as_neuron_reads_it(tmp_path):
    """A file of one soma point (a soma-only cell) is a cylinder L = diam in NEURON's
    Import3d; it must read the same, and its input resistance must be that cylinder's."""
    path = tmp_path / "one.swc"
    path.write_text("1 1 0 0 0 10 -1\n")
    _compare(str(path))
    g = build_geometry(str(path), res=5.0, units="um")
    area = float(np.sum(g.area))          # µm², the cylinder's side: pi * 20 * 20
    np.testing.assert_allclose(area, np.pi * 20.0 * 20.0, rtol=1e-9)


@pytest.mark.parametrize("text, soma, match", [
    ("1 3 0 0 0 1 -1\n", "neuron", r"at least 2 nodes.*node\(s\) \[1\]"),
    ("1 1 0 0 0 10 -1\n", "navis", r"at least 2 nodes.*soma='neuron'"),
])
def test_lone_point_without_a_soma_reading_is_refused(tmp_path, text, soma, match):
    from connectome_sim.errors import SkeletonError
    path = tmp_path / "one.swc"
    path.write_text(text)
    with pytest.raises(SkeletonError, match=match):
        build_geometry(str(path), res=5.0, units="um", soma=soma)
