"""Hostile inputs to user-defined channels: every case asserts ParameterError and the culprit
named in the message (the channel's, gate's or parameter's name, or the offending Python
name inside a rate function)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from connectome_sim.cable import CompartmentModel
from connectome_sim.errors import ParameterError
from connectome_sim.mechanisms import Channel, Gate

LIMITS = [1.0, 2.0]  # a global that is not a number


def _inf(v):
    return 1.0 / (1.0 + math.exp(-(v + 40.0) / 5.0))


def _tau(v):
    return 1.0 + 0.0 * v


def _uses_list(v):
    return LIMITS[0] * v


def _two_args(v, w):
    return v + w


def _nested(v):
    f = lambda x: x  # noqa: E731 - the case under test
    return f(v)


def _undefined(v):
    return v * not_defined_anywhere  # noqa: F821 - the case under test


def _np_arg(np):
    return np


def _local_reserved(v):
    vexp_ = v
    return vexp_


def _exec_made():
    ns = {}
    exec("def made(v):\n    return v\n", ns)  # noqa: S102 - a function without source
    return ns["made"]


def _gate(**kw):
    return Gate(1, **({"inf": _inf, "tau": _tau} | kw))


CASES = [
    # (constructor keyword arguments, culprit regex)
    (dict(name="step_"), r"'step_'"),
    (dict(name="for"), r"'for'.*keyword"),
    (dict(name="2fast"), r"'2fast'"),
    (dict(name=""), r"''"),
    (dict(gates={"dt": _gate()}), r"gate name 'dt'.*reserved.*channel 'kx'"),
    (dict(gates={"": _gate()}), r"gate name ''"),
    (dict(gates={"v": _gate()}), r"gate name 'v'.*reserved"),
    (dict(gates={"_m": _gate()}), r"gate name '_m'"),
    (dict(gbar_name="subset"), r"parameter name 'subset'.*reserved.*channel 'kx'"),
    (dict(e_name="mechanism"), r"parameter name 'mechanism'"),
    (dict(gbar_name="g", e_name="g"), r"gbar_name and e_name are both 'g'"),
    (dict(gates={"gbar": _gate()}), r"gate name 'gbar'.*also a parameter name"),
    (dict(gates={}), r"channel 'kx' needs"),
    (dict(gates=[_gate()]), r"channel 'kx' needs a dict"),
    (dict(gates={"m": "not a gate"}), r"gate 'm' of channel 'kx' must be a Gate"),
    (dict(gates={"m": Gate(2.5, inf=_inf, tau=_tau)}), r"gate 'm'.*power.*2\.5"),
    (dict(gates={"m": Gate(-1, inf=_inf, tau=_tau)}), r"gate 'm'.*power.*-1"),
    (dict(gates={"m": Gate(True, inf=_inf, tau=_tau)}), r"gate 'm'.*power.*True"),
    (dict(gates={"m": Gate(1, inf=_inf)}), r"gate 'm' of channel 'kx'.*inf and tau"),
    (dict(gates={"m": _gate(inf=np.tanh)}), r"'inf' of gate 'm' of channel 'kx'.*def or a lambda"),
    (dict(gates={"m": _gate(inf=_uses_list)}), r"'inf' of gate 'm'.*'LIMITS'.*list"),
    (dict(gates={"m": _gate(tau=_two_args)}), r"'tau' of gate 'm'.*exactly 1 positional"),
    (dict(gates={"m": _gate(inf=_nested)}), r"'inf' of gate 'm'.*Lambda"),
    (dict(gates={"m": _gate(inf=_undefined)}), r"'not_defined_anywhere'"),
    (dict(gates={"m": _gate(inf=_np_arg)}), r"argument 'np'.*reserves"),
    (dict(gates={"m": _gate(inf=_local_reserved)}), r"local name 'vexp_'"),
    (dict(gates={"m": _gate(inf=_exec_made())}), r"source of 'made' cannot be read"),
    (dict(gbar=float("nan")), r"kx\.gbar must be finite"),
    (dict(e="abc"), r"kx\.e must be a number"),
    (dict(q10=0.0), r"q10 of channel 'kx' must be > 0"),
    (dict(gbar=-0.01), r"channel 'kx': gbar=-0.01 must be >= 0"),
    (dict(gbar=-0.01, gbar_name="gkbar"), r"channel 'kx': gkbar=-0.01 must be >= 0"),
]


@pytest.mark.parametrize("kwargs,culprit", CASES)
def test_channel_refuses_with_culprit(kwargs, culprit):
    args = dict(name="kx", gates={"m": _gate()}, gbar=0.01, e=-80.0) | kwargs
    with pytest.raises(ParameterError, match=culprit):
        Channel(**args)


def _tiny_model():
    nodes = pd.DataFrame({"node_id": [1, 2, 3], "parent_id": [-1, 1, 2],
                          "x": [0.0, 10.0, 20.0], "y": 0.0, "z": 0.0, "radius": 1.0})
    return CompartmentModel(nodes, res=10)


def _returns_tuple(v):
    return (v, v)


def test_rate_numba_cannot_compile_names_the_channel():
    ch = Channel("ktuple", gates={"m": _gate(inf=_returns_tuple)}, gbar=0.01, e=-80.0)
    m = _tiny_model()
    m.insert(ch)
    m.add_voltage_record(2)
    with pytest.raises(ParameterError, match=r"mechanism 'ktuple' could not be compiled"):
        m.run_simulation(1.0)


def test_insert_with_the_default_parameter_name_of_a_renamed_parameter():
    ch = Channel("kren", gates={"m": _gate()}, gbar=0.01, e=-80.0, gbar_name="gkbar")
    m = _tiny_model()
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['gbar'\].*'kren'"):
        m.insert(ch, gbar=0.02)


NEGATIVE_G = [("pas", "g", -1e-4), ("hh", "gnabar", -0.12), ("hh", "gkbar", -0.036),
              ("hh", "gl", -3e-4)]


@pytest.mark.parametrize("mech,param,value", NEGATIVE_G)
def test_negative_conductance_refused_on_insert(mech, param, value):
    m = _tiny_model()
    with pytest.raises(ParameterError, match=rf"{mech}\.{param}=-[0-9.e-]+: a conductance "
                                             r"\(S/cm²\) must be >= 0"):
        m.insert(mech, **{param: value})
    assert mech not in m.mechanisms                         # nothing half-inserted


def test_negative_channel_gbar_refused_on_insert():
    ch = Channel("kneg", gates={"m": _gate()}, gbar=0.01, e=-80.0, gbar_name="gkbar")
    m = _tiny_model()
    with pytest.raises(ParameterError, match=r"kneg\.gkbar=-0\.02: a conductance"):
        m.insert(ch, gkbar=-0.02)
    m.insert(ch, gkbar=0.0)                                 # 0 switches it off: allowed


def test_reversal_potentials_may_be_negative():
    m = _tiny_model()
    m.insert("pas", g=1e-4, e=-70.0)
    m.insert("hh", el=-54.3, ek=-77.0)
