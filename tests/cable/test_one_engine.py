"""One cable engine: a cell run alone and the same cell as a one-cell Circuit are the same
computation (bit-identical records and spikes), a run advanced in chunks of steps equals a run
in one go, and cells of a circuit are solved exactly as they would be alone."""

from __future__ import annotations

import navis
import numpy as np
import pytest

from connectome_sim.cable import CompartmentModel
from connectome_sim.cable.circuit import Circuit
from connectome_sim.cable.compile import compile_cell, compile_events
from connectome_sim.engine.cable_run import CableRun, run_cable


def _general(n, seed=0):
    """hh + pas on every segment, a current pulse at the root, records and a detector."""
    m = CompartmentModel(n, res=10, Ra=266.1, cm=0.8)
    m.insert("pas", g=1 / 20800, e=-60)
    m.insert("hh")
    root = m.geometry.morphology.root
    m.inject_current_pulse(root, start=2, duration=20, current=0.3)
    m.add_voltage_record(root, label="root")
    nt = m.nodes
    membrane = nt.index[~m.geometry.is_junction[nt["compartment"].to_numpy()]]
    m.add_state_record(int(membrane[0]), "m", "hh")
    m.add_spike_detector(root, threshold=0, label="root")
    m.add_synaptic_input(int(m.nodes.index[len(m.nodes) // 2]), start=1, spike_no=5,
                         spike_int=3, spike_noise=0.5, cn_weight=0.01, seed=seed)
    return m


@pytest.fixture(scope="module")
def neurons():
    return [n.convert_units("um") for n in navis.example_neurons(2)]


@pytest.mark.parametrize("parallel", [False, True])
def test_one_cell_circuit_is_the_single_cell(neurons, parallel):
    alone = _general(neurons[0])
    alone.run_simulation(40, v_init=-60, seed=3)
    c = Circuit({7: _general(neurons[0])})
    c.run_simulation(40, v_init=-60, seed=3, dipole=False, parallel=parallel)
    for q in alone.records:
        np.testing.assert_array_equal(c[7].records[q].to_numpy(), alone.records[q].to_numpy())
    assert len(alone.spikes) > 0
    np.testing.assert_array_equal(c[7].spikes["time"].to_numpy(),
                                  alone.spikes["time"].to_numpy())


def test_cells_of_a_circuit_are_solved_as_alone(neurons):
    """Two unconnected cells in one circuit (both with hh everywhere) give each cell's own
    run bit for bit, whatever the number of cells around them."""
    alone = [_general(n, seed=k) for k, n in enumerate(neurons)]
    for m in alone:
        m.run_simulation(30, v_init=-60, seed=5)
    c = Circuit({k: _general(n, seed=k) for k, n in enumerate(neurons)})
    c.run_simulation(30, v_init=-60, seed=5, dipole=False)
    for k, m in enumerate(alone):
        np.testing.assert_array_equal(c[k].records["v"].to_numpy(), m.records["v"].to_numpy())


def test_run_in_chunks_equals_run_in_one_go(neurons):
    m = _general(neurons[1])
    cc = compile_cell(m)
    events, _ = compile_events(m, 2, 11, 30.0)
    kw = dict(n_trials=2, rec_v=cc.rec_v, rec_s=cc.rec_s, rec_i=cc.rec_i, parallel=False)
    whole = run_cable(cc.arrays, events, 1200, 0.025, -60.0, **kw)
    run = CableRun(cc.arrays, events, 1200, 0.025, -60.0, **kw)
    for n in (1, 7, 300, 92, 800):
        run.advance(n)
    chunks = run.results()
    np.testing.assert_array_equal(chunks["rec"], whole["rec"])
    np.testing.assert_array_equal(chunks["spk_step"], whole["spk_step"])
    assert not np.array_equal(whole["rec"][0], whole["rec"][1])  # trials differ
    with pytest.raises(ValueError, match="allocated for 1200"):
        run.advance(1)
