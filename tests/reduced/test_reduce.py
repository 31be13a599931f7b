"""Acceptance (issue 5): ``reduce()`` on navis example neuron 1 keeps the DC input resistance
at the soma and the steady-state attenuation from the dendrite base (node 467) to the soma
(node 20) within 10 % of the full CompartmentModel (passive, navis tutorial parameters:
Ra 266.1 Ω·cm, cm 0.8 µF/cm², g_pas 1/20800 S/cm², e_pas -60 mV).

The full model's values come from running the CompartmentModel (backward Euler, 300 ms DC
pulses, steady state read at the end); the reduced model's from its own passive linear solve
and, for the soma input resistance, from simulating it too.
"""

from __future__ import annotations

import navis
import numpy as np
import pytest

from connectome_sim.cable import CompartmentModel
from connectome_sim.datasets import example_neuron
from connectome_sim.reduced import reduce

RA, CM, GPAS, EPAS = 266.1, 0.8, 1 / 20800, -60.0
SOMA, DEND_BASE = 20, 467
AMP = 0.01          # nA


@pytest.fixture(scope="module")
def labelled():
    n = example_neuron(1)
    return navis.split_axon_dendrite(n, label_only=True, cellbodyfiber="soma")


def _full_steady(skel, inject_node):
    m = CompartmentModel(skel, res=10.0, Ra=RA, cm=CM)
    m.insert("pas", g=GPAS, e=EPAS)
    m.inject_current_pulse(inject_node, start=0.0, duration=1000.0, current=AMP)
    m.add_voltage_record([SOMA, DEND_BASE])
    m.run_simulation(300.0, v_init=EPAS, dt=0.1)
    v = m.records["v"]
    end = v.iloc[-1]
    assert abs(v.iloc[-1] - v.iloc[-50]).max() < 1e-3          # steady state reached
    return float(end[SOMA]) - EPAS, float(end[DEND_BASE]) - EPAS


def test_reduce_matches_full_model(labelled):
    red = reduce(labelled, label_col="compartment", Ra=RA, cm=CM, g_pas=GPAS, e_pas=EPAS)
    print(red.groups)
    print(red.couplings)
    assert set(red.compartments) == {"cellbodyfiber", "dendrite", "linker", "axon"}
    assert red.compartments[0] == "cellbodyfiber"                  # the soma's group
    # membrane area preserved group by group (and in total)
    np.testing.assert_allclose(red.properties.area.sum(), red.geometry.area.sum(), rtol=1e-12)
    assert red.representatives.loc["dendrite", "node_ids"] == [DEND_BASE]

    vs, _ = _full_steady(labelled, SOMA)
    rin_full = vs / AMP                                             # MΩ
    vs2, vd2 = _full_steady(labelled, DEND_BASE)
    att_full = vs2 / vd2

    rin_red = red.input_resistance("cellbodyfiber")
    ss = red.steady_state({"dendrite": AMP})
    att_red = ss["cellbodyfiber"] / ss["dendrite"]
    print(f"input resistance: full {rin_full:.1f} MΩ, reduced {rin_red:.1f} MΩ "
          f"({100 * (rin_red / rin_full - 1):+.1f} %)")
    print(f"attenuation 467 -> 20: full {att_full:.4f}, reduced {att_red:.4f} "
          f"({100 * (att_red / att_full - 1):+.1f} %)")
    assert abs(rin_red / rin_full - 1) < 0.10
    assert abs(att_red / att_full - 1) < 0.10

    # the reduced neuron's own simulation agrees with its linear solve
    res = red.simulate(300.0, dt=0.1, method="implicit",
                       currents=[("cellbodyfiber", AMP, 0.0, 1000.0)])
    np.testing.assert_allclose(res.v["cellbodyfiber"].iloc[-1] - EPAS, rin_red * AMP, rtol=1e-3)


def test_reduce_errors(labelled):
    from connectome_sim.errors import ParameterError
    with pytest.raises(ParameterError, match="split_axon_dendrite"):
        reduce(example_neuron(1), label_col="compartment")
