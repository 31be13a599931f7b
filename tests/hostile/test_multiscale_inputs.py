"""Hostile inputs to cable neurons inside a network, refused where they are given (not at
run time, after the cable kernels compiled): point-model drives, gap junctions and point-model
parameters on a cable neuron."""

import pytest

from connectome_sim.cable.model import CompartmentModel
from connectome_sim.errors import ParameterError
from connectome_sim.network.network import PointNetwork

from hostile_files import write

SWC = "1 1 0 0 0 5 -1\n2 3 0 0 10 1 1\n3 3 0 0 20 1 2\n"


@pytest.fixture(params=[[1, 2, 3], ["a", "b", "c"]], ids=["int IDs", "str IDs"])
def net(request, tmp_path):
    ids = request.param
    n = PointNetwork("LIF")
    n.add_neurons(ids)
    n.add_cable_neuron(ids[1], CompartmentModel(write(tmp_path, "c.swc", SWC)))
    n._test_ids = ids
    return n


CALLS = [
    ("add_poisson_input", lambda n, c: n.add_poisson_input([c], 50.0)),
    ("add_stimulus", lambda n, c: n.add_stimulus([c], 1.0, 100.0, stop=5.0)),
    ("add_spike_times", lambda n, c: n.add_spike_times([c], [1.0, 2.0])),
    ("add_current", lambda n, c: n.add_current([c], 0.1)),
]


@pytest.mark.parametrize("what,call", CALLS, ids=[c[0] for c in CALLS])
def test_point_inputs_onto_cable_neuron(net, what, call):
    c = net._test_ids[1]
    with pytest.raises(ParameterError, match=rf"{what}: neuron {c!r} is a cable neuron "
                                             r"\(add_cable_neuron\); drive it through its "
                                             "CompartmentModel"):
        call(net, c)
    assert net._stimuli == [] and net._currents == []


def test_gap_junction_onto_cable_neuron(net):
    a, c = net._test_ids[0], net._test_ids[1]
    with pytest.raises(ParameterError, match=rf"connect\(type='electrical'\): neuron {c!r} is "
                                             "a cable neuron"):
        net.connect(a, c, 0.001, type="electrical")
    assert net._g == []


@pytest.mark.parametrize("ids", [None, "cable"])
def test_point_parameters_on_cable_neuron(net, ids):
    c = net._test_ids[1]
    with pytest.raises(ParameterError, match=rf"neuron\(s\) \[{c!r}\] are cable neurons "
                                             r"\(add_cable_neuron\): set their parameters on "
                                             "their CompartmentModel"):
        net.set_params(None if ids is None else [c], v_th=-40.0)
    assert net.get_params()["v_th"].tolist()[::2] == [-45.0, -45.0]     # LIF default, unchanged
