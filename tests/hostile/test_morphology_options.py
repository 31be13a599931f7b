"""Hostile SWC encodings and loading options: a file saved by a Windows editor reads exactly
as its plain twin; switches and policies given as text, numbers or booleans where they do not
belong are refused naming the keyword (``heal='no'`` is truthy and used to heal)."""

import numpy as np
import pytest

from connectome_sim.errors import ParameterError, RadiusError, UnitsError
from connectome_sim.morphology import build_geometry
from connectome_sim.morphology.skeleton import load_morphology

from hostile_files import write

SWC = "1 1 0 0 0 5 -1\n2 3 0 0 10 1 1\n3 3 0 0 20 1 2\n"
TWO_ROOTS = "1 1 0 0 0 5 -1\n2 3 0 0 10 1 1\n3 3 0 0 20 1 -1\n"
BAD_RADIUS = "1 1 0 0 0 5 -1\n2 3 0 0 10 -1 1\n3 3 0 0 20 1 2\n"


@pytest.mark.parametrize("name,content", [
    ("bom", "\ufeff" + SWC),
    ("bom_comment", "\ufeff# written by an editor\n" + SWC),
    ("bom_crlf", "\ufeff" + SWC.replace("\n", "\r\n")),
])
def test_byte_order_mark_reads_like_plain_file(tmp_path, name, content):
    m = load_morphology(write(tmp_path, f"{name}.swc", content.encode("utf-8")))
    assert m.node_ids.tolist() == [1, 2, 3]
    assert m.parent.tolist() == [-1, 0, 1]
    assert m.xyz.tolist() == [[0, 0, 0], [0, 0, 10], [0, 0, 20]]
    assert m.radius.tolist() == [5, 1, 1]


FLAGS = [
    ("heal", "no", TWO_ROOTS), ("heal", "False", TWO_ROOTS), ("heal", 1, TWO_ROOTS),
    ("heal", None, TWO_ROOTS), ("reroot_soma", "no", SWC),
]


@pytest.mark.parametrize("kw,value,content", FLAGS)
def test_switches_take_only_booleans(tmp_path, kw, value, content):
    p = write(tmp_path, "f.swc", content)
    with pytest.raises(ParameterError, match=rf"{kw}={value!r}: expected True or False"):
        load_morphology(p, **{kw: value})


@pytest.mark.parametrize("kw,value", [("heal", "no"), ("float32_pt3d", "no")])
def test_geometry_switches_take_only_booleans(tmp_path, kw, value):
    p = write(tmp_path, "f.swc", SWC)
    with pytest.raises(ParameterError, match=rf"{kw}={value!r}: expected True or False"):
        build_geometry(p, **{kw: value})


@pytest.mark.parametrize("content", [SWC, BAD_RADIUS])
@pytest.mark.parametrize("policy,rx", [
    ("neighbor", r"radius_policy must be 'raise', 'neighbours' or a radius in µm, not "
                 r"'neighbor'"),
    (True, r"radius_policy must be .* not True"),
    ("0.5", r"radius_policy must be .* not '0\.5'"),
    (np.nan, r"radius_policy=nan is not a positive radius"),
])
def test_radius_policy_checked_even_when_unused(tmp_path, content, policy, rx):
    with pytest.raises(RadiusError, match=rx):
        load_morphology(write(tmp_path, "f.swc", content), radius_policy=policy)


def test_radius_policy_us_spelling_fills_from_neighbours(tmp_path):
    m = load_morphology(write(tmp_path, "f.swc", BAD_RADIUS), radius_policy="neighbors")
    assert m.radius.tolist() == [5.0, 3.0, 1.0]        # node 2: mean of 5 and 1


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_units_boolean_refused(tmp_path, value):
    with pytest.raises(UnitsError, match=r"units=(True|False): expected 'um', 'nm' or a number"):
        load_morphology(write(tmp_path, "f.swc", SWC), units=value)
