"""Hostile skeletons and cable-model arguments: each case raises the specific error naming the
culprit (node, value, keyword), or gives the exact correct result.

Node tables are ``node_id, parent_id, x, y, z, radius`` in µm.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable import CompartmentModel
from connectome_sim.errors import IDError, ParameterError, SkeletonError, UnknownIDError
from connectome_sim.morphology import MorphologyRepairWarning, build_geometry


def table(rows, **extra):
    df = pd.DataFrame(rows, columns=["node_id", "parent_id", "x", "y", "z", "radius"])
    for k, v in extra.items():
        df[k] = v
    return df


# a Y: trunk 1-2, branch 2-3, and node 4 at node 2's position (a zero-length branch)
Y_ZERO = [(1, -1, 0, 0, 0, 1), (2, 1, 10, 0, 0, 1), (3, 2, 20, 5, 0, 1), (4, 2, 10, 0, 0, 1)]
CHAIN = [(1, -1, 0, 0, 0, 1), (2, 1, 10, 0, 0, 1), (3, 2, 20, 0, 0, 1), (4, 3, 30, 0, 0, 1)]


def rest_model(rows, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MorphologyRepairWarning)
        m = CompartmentModel(table(rows), res=5.0, **kw)
    m.insert("pas", g=1e-4, e=-65.0)
    m.add_voltage_record([r[0] for r in rows])
    return m


# --------------------------------------------------------------------------- zero-length parts
@pytest.mark.parametrize("soma", ["navis", "neuron"])
def test_zero_length_branch_stays_at_rest(soma):
    """No input, pas e = -65 mV: every node stays at -65 mV (it drifted to ~0 mV when the
    zero-length branch was a compartment linked by ~1e15 µS)."""
    m = rest_model(Y_ZERO, soma=soma)
    m.run_simulation(50.0, v_init=-65.0)
    assert np.abs(m.records["v"].to_numpy() + 65.0).max() < 1e-6   # rounding: ~1e-9


def test_zero_length_branch_warning_names_node():
    with pytest.warns(MorphologyRepairWarning, match=r"node\(s\) \[4\] now share"):
        g = build_geometry(table(Y_ZERO))
    assert g.node_to_compartment([4])[0] == g.node_to_compartment([2])[0]
    assert any("zero-length" in m for m in g.morphology.log)


def test_zero_length_branch_responds_like_its_branch_point():
    m = rest_model(Y_ZERO)
    m.inject_current_pulse(3, start=1.0, duration=20.0, current=0.01)
    m.run_simulation(30.0, v_init=-65.0)
    v = m.records["v"]
    assert v[4].max() > -64.0 and np.array_equal(v[4].to_numpy(), v[2].to_numpy())


@pytest.mark.parametrize("dup", [[2], [2, 3]], ids=["2 coincident", "3 coincident"])
def test_coincident_nodes_in_a_chain_run(dup):
    """Nodes repeated at the same position inside a chain: a valid cable (zero-length steps
    inside a section), no error, rest stays at rest."""
    rows = [(1, -1, 0, 0, 0, 1), (2, 1, 10, 0, 0, 1)]
    prev = 2
    for k, _ in enumerate(dup):
        rows.append((10 + k, prev, 10, 0, 0, 1))
        prev = 10 + k
    rows.append((3, prev, 20, 0, 0, 1))
    m = rest_model(rows)
    m.run_simulation(20.0, v_init=-65.0)
    assert np.abs(m.records["v"].to_numpy() + 65.0).max() < 1e-6   # rounding: ~1e-9


@pytest.mark.parametrize("n", [2, 3])
def test_all_nodes_coincident(n):
    rows = [(1, -1, 5, 5, 5, 1)] + [(k, k - 1, 5, 5, 5, 1) for k in range(2, n + 1)]
    with pytest.raises(SkeletonError, match=r"no length: all its points coincide.*nodes"):
        CompartmentModel(table(rows))


def test_coincident_root_child_then_branch():
    rows = [(1, -1, 0, 0, 0, 1), (2, 1, 0, 0, 0, 1), (3, 2, 10, 0, 0, 1), (4, 2, 0, 10, 0, 1)]
    m = rest_model(rows)
    m.run_simulation(20.0, v_init=-65.0)
    assert np.abs(m.records["v"].to_numpy() + 65.0).max() < 1e-6   # rounding: ~1e-9
    assert m.geometry.node_to_compartment([1])[0] == m.geometry.node_to_compartment([2])[0]


# --------------------------------------------------------------------------- model parameters
BAD_NUMBERS = [0, -1.0, float("nan"), float("inf"), True, "fast"]


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=[repr(v) for v in BAD_NUMBERS])
def test_cm_refused_at_construction(value):
    with pytest.raises(ParameterError, match=r"^cm \(µF/cm²\) must be"):
        CompartmentModel(table(CHAIN), cm=value)


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=[repr(v) for v in BAD_NUMBERS])
def test_Ra_refused_at_construction(value):
    with pytest.raises(ParameterError, match=r"^Ra \(Ω·cm\) must be"):
        CompartmentModel(table(CHAIN), Ra=value)


@pytest.mark.parametrize("kw,pattern", [
    (dict(res=0), r"^res must be positive"),
    (dict(res=float("nan")), r"^res must be positive"),
    (dict(d_lambda=0), r"^d_lambda must be positive"),
    (dict(d_lambda=-0.1), r"^d_lambda must be positive"),
    (dict(d_lambda=0.1, freq=0), r"^freq must be positive"),
])
def test_discretisation_refused(kw, pattern):
    with pytest.raises(ParameterError, match=pattern):
        CompartmentModel(table(CHAIN), **kw)


def test_cm_setter_and_set_Ra_refuse_zero():
    m = CompartmentModel(table(CHAIN))
    with pytest.raises(ParameterError, match=r"cm"):
        m.cm = 0
    with pytest.raises(ParameterError, match=r"Ra"):
        m.set_Ra(0.0)


# --------------------------------------------------------------------------- node IDs
@pytest.fixture
def chain_model():
    return CompartmentModel(table(CHAIN), res=5.0)


@pytest.mark.parametrize("where,err,pattern", [
    (20.5, IDError, r"where: .*not whole numbers \(e\.g\. 20\.5\)"),
    (2.5, IDError, r"20?\.5|2\.5"),
    (True, IDError, r"where: booleans are not IDs \(got True\)"),
    ([1, True], IDError, r"booleans are not IDs"),
    (np.array([True, False, True, False]), IDError, r"booleans are not IDs"),
    ([1, "soma"], IDError, r"mixes strings"),
    (99, UnknownIDError, r"\[99\]"),
    ([1, 99, 98], UnknownIDError, r"\[99, 98\]"),
    (9.3e18, IDError, r"above 2\*\*53"),
    ("axon", UnknownIDError, r"Label\(s\) \['axon'\] not found"),
    ("dend[3](0.5)", UnknownIDError, r"NEURON names only with soma='neuron'"),
])
def test_record_locations_refused(chain_model, where, err, pattern):
    with pytest.raises(err, match=pattern):
        chain_model.add_voltage_record(where)


def test_integral_floats_are_ids(chain_model):
    chain_model.add_voltage_record(np.array([1.0, 4.0]))
    assert [r["key"] for r in chain_model._records] == [1, 4]


@pytest.mark.parametrize("method,args", [
    ("inject_current_pulse", (2.5,)),
    ("add_spike_detector", (1.5,)),
    ("add_synaptic_current", (3.25,)),
    ("add_synapse", (4.5,)),
])
def test_every_location_method_refuses_rounded_floats(chain_model, method, args):
    with pytest.raises(IDError, match=r"where: .*not whole numbers"):
        getattr(chain_model, method)(*args)


def test_get_node_section_refuses_bool(chain_model):
    with pytest.raises(IDError, match=r"node_ids: booleans"):
        chain_model.get_node_section(True)


def test_connect_from_boolean_refused(chain_model):
    with pytest.raises(ParameterError, match=r"pre=True: a boolean is not a node ID"):
        chain_model.connect(True, 3, cn_weight=0.01)


def test_uint64_node_ids_exact():
    base = 2**63 + 7
    rows = [(base, -1, 0, 0, 0, 1), (base + 1, base, 10, 0, 0, 1),
            (base + 2, base + 1, 20, 0, 0, 1)]
    df = pd.DataFrame({"node_id": np.array([r[0] for r in rows], dtype=np.uint64),
                       "parent_id": pd.Series([-1, base, base + 1], dtype=object),
                       "x": [0.0, 10, 20], "y": 0.0, "z": 0.0, "radius": 1.0})
    m = CompartmentModel(df, res=5.0)
    m.insert("pas")
    m.add_voltage_record(np.uint64(base + 2))
    m.inject_current_pulse(np.array([base + 1], dtype=np.uint64), start=1, duration=2,
                           current=0.01)
    m.run_simulation(5.0)
    assert list(m.records["v"].columns) == [base + 2]
    with pytest.raises(UnknownIDError, match=str(base + 5)):
        m.add_voltage_record(np.uint64(base + 5))


# --------------------------------------------------------------------------- node tables
@pytest.mark.parametrize("ids,pattern", [
    ([1.5, 2.0, 3.0, 4.0], r"node_id: .*not whole numbers \(e\.g\. 1\.5\)"),
    ([True, False, True, False], r"node_id: booleans"),
    (["a", "b", "c", "d"], r"node IDs must be integers.*strings"),
    ([-3, 2, 3, 4], r"node IDs must be >= 0.*\[-3\]"),
])
def test_bad_node_id_columns(ids, pattern):
    df = table(CHAIN)
    df["node_id"] = ids
    df["parent_id"] = [-1] + list(ids[:3])
    with pytest.raises(SkeletonError, match=pattern):
        build_geometry(df)


def test_nan_parent_is_a_root():
    df = table(CHAIN)
    df["parent_id"] = [np.nan, 1, 2, 3]
    assert build_geometry(df).morphology.root == 1


def test_nan_coordinates_named():
    rows = [list(r) for r in CHAIN]
    rows[2][3] = np.nan
    with pytest.raises(SkeletonError, match=r"node\(s\) \[3\] have NaN/inf coordinates"):
        build_geometry(table(rows))


def test_root_keyword_checked():
    with pytest.raises(SkeletonError, match=r"root/soma node 99 is not in the skeleton"):
        build_geometry(table(CHAIN), root=99)
    with pytest.raises(SkeletonError, match=r"root: booleans are not IDs"):
        build_geometry(table(CHAIN), root=True)


# --------------------------------------------------------------------------- regions, summary
def test_regions_usable_as_locations():
    rows = CHAIN + [(5, 1, 0, -10, 0, 0.5), (6, 5, 0, -20, 0, 0.5)]
    df = table(rows, label=[1, 3, 3, 3, 2, 2])
    m = CompartmentModel(df, res=5.0, soma="neuron")
    axon = m.geometry.select("axon")
    assert (m.geometry.section[axon] == list(m.geometry.sections.name).index("axon[0]")).all()
    m.insert("hh", subset="axon")
    m.add_voltage_record("soma[0](0.5)", label="soma")
    m.add_voltage_record("axon[0](1)", label="tip")
    assert m.mechanisms == {"hh": len(axon)}
    with pytest.raises(UnknownIDError, match=r"section 'apic\[0\]' is not in"):
        m.add_voltage_record("apic[0]")
    with pytest.raises(UnknownIDError, match=r"x must be in \[0, 1\], got 1\.5"):
        m.add_voltage_record("axon[0](1.5)")


def test_summary_names_convention_and_soma():
    df = table(CHAIN, label=[1, 3, 3, 3])
    m = CompartmentModel(df, soma="neuron")
    assert "soma='neuron' (single point)" in repr(m)
    assert "single-point soma as a cylinder of L = diam" in m.morphology_summary
    m2 = CompartmentModel(table(CHAIN))
    assert "soma='navis' (none)" in repr(m2)


# --------------------------------------------------------------------------- connector IDs
@pytest.fixture(scope="module")
def with_connectors():
    import navis
    n = navis.example_neurons(1, kind="skeleton").convert_units("um")
    return CompartmentModel(n, res=10.0), n.connectors


@pytest.mark.parametrize("ids,err,pattern", [
    ([1.5], IDError, r"connectors: .*not whole numbers \(e\.g\. 1\.5\)"),
    ([True], IDError, r"connectors: booleans"),
    ([123456789], UnknownIDError, r"Connector ID\(s\) \[123456789\] are not connectors"),
    (["abc"], IDError, r"connectors: some are strings and some integers"),
])
def test_connector_ids_checked(with_connectors, ids, err, pattern):
    m, _ = with_connectors
    with pytest.raises(err, match=pattern):
        m.add_voltage_record({"connectors": ids})


def test_connector_ids_resolve(with_connectors):
    m, conn = with_connectors
    cid = int(conn.connector_id.iloc[0])
    node = int(conn.node_id.iloc[0])
    assert list(m.geometry.select(connectors=[cid])) == \
        list(np.unique(m.geometry.node_to_compartment([node])))
