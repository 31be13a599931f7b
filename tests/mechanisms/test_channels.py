"""User-defined channels (the A-type K+ example) against an independent scipy integration, and
mechanism parameter validation."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from connectome_sim.engine.cable_run import CableArrays, EventArrays, MechanismArrays, run_cable
from connectome_sim.errors import ParameterError
from connectome_sim.mechanisms import HH, Channel, Gate, Pas, get_mechanism
from connectome_sim.mechanisms.examples import A_TYPE_K
from connectome_sim.mechanisms.examples.a_type_k import a_inf, a_tau, b_inf, b_tau

AREA = 1000.0  # µm²
CM = 1.0  # µF/cm²
G_PAS, E_PAS = 3e-4, -65.0  # S/cm², mV
GBAR, E_K = 0.0477, -75.0
DEL, DUR, AMP = 5.0, 30.0, 0.08  # ms, ms, nA
V0 = -70.0


def _ours(dt, T=60.0):
    rec = _one_comp_run(A_TYPE_K, T=T, dt=dt, states=2)
    return np.arange(rec.shape[1]) * dt, rec


def _scipy(t_eval):
    inj = AMP * 1e5 / AREA  # nA -> µA/cm²

    def rhs(t, y):
        v, a, b = y
        i_ion = 1e3 * (G_PAS * (v - E_PAS) + GBAR * a ** 3 * b * (v - E_K))  # µA/cm²
        i_inj = inj if DEL <= t < DEL + DUR else 0.0
        return [(-i_ion + i_inj) / CM, (a_inf(v) - a) / a_tau(v), (b_inf(v) - b) / b_tau(v)]

    y0 = [V0, a_inf(V0), b_inf(V0)]
    pieces, t0 = [], 0.0
    edges = (DEL, DEL + DUR, t_eval[-1])
    for k, t1 in enumerate(edges):  # integrate piecewise across the pulse edges
        last = k == len(edges) - 1
        sel = t_eval[(t_eval >= t0) & ((t_eval <= t1) if last else (t_eval < t1))]
        sol = solve_ivp(rhs, (t0, t1), y0, method="Radau", rtol=1e-10, atol=1e-12,
                        dense_output=True)
        pieces.append(sol.sol(sel))
        y0 = sol.y[:, -1]
        t0 = t1
    return np.concatenate(pieces, axis=1)


def test_a_type_matches_scipy_first_order():
    errs = []
    for dt in (0.02, 0.01):
        t, rec = _ours(dt)
        ref = _scipy(t)
        assert ref.shape[1] == len(t)
        # v responds to the A current: compare with the pure-leak response to be sure it acts
        errs.append(np.sqrt(np.mean((rec[0] - ref[0]) ** 2)))
        assert np.sqrt(np.mean((rec[1] - ref[1]) ** 2)) < 2e-3
    print("RMS errors (mV) at dt 0.02, 0.01:", errs)
    assert errs[1] < 0.05
    assert 1.6 < errs[0] / errs[1] < 2.4  # backward Euler: first order


def test_a_type_current_is_active():
    t, rec = _ours(0.02)
    # without the A current the steady depolarisation would be AMP / (G_PAS * area)
    v_leak = E_PAS + AMP / (G_PAS * AREA * 1e-2)
    at = np.searchsorted(t, DEL + DUR - 1)
    assert rec[0][at] < v_leak - 5  # the A current holds v well below the leak-only value


def test_unknown_parameters_and_mechanisms():
    with pytest.raises(ParameterError, match="gnabar"):
        HH().validate({"gna": 0.1})
    with pytest.raises(TypeError, match="valid parameters"):
        Pas().validate({"rm": 1})
    with pytest.raises(ParameterError, match="known mechanisms"):
        get_mechanism("hhh")
    assert HH().validate({})["gnabar"] == 0.12
    assert Pas().validate({})["e"] == -70.0


def test_channel_validation():
    with pytest.raises(ParameterError):
        Channel("bad name", gates={"a": Gate(1, inf=a_inf, tau=a_tau)}, gbar=1, e=0)
    with pytest.raises(ParameterError, match="alpha and beta"):
        Channel("x", gates={"a": Gate(1, alpha=a_inf)}, gbar=1, e=0)
    # a function without Python source (a numpy ufunc) cannot be compiled into the kernel
    with pytest.raises(ParameterError, match=r"'inf' of gate 'a' of channel 'y'.*def or a lambda"):
        Channel("y", gates={"a": Gate(1, inf=np.tanh, tau=a_tau)}, gbar=1, e=0)


# --------------------------------------------------------------------------- user names
def _one_comp_run(mech, gbar=GBAR, e=E_K, T=40.0, dt=0.025, states=1):
    """v and the first ``states`` states of one compartment with pas + ``mech`` and a current
    pulse."""
    arr = CableArrays(parent=np.array([-1]), gax=np.zeros(1), cap=np.array([CM * AREA * 1e-5]),
                      gconst=np.array([G_PAS * AREA * 1e-2]),
                      econst=np.array([G_PAS * E_PAS * AREA * 1e-2]),
                      mechs=[MechanismArrays(mech, np.array([0]),
                                             np.array([[AREA * 1e-2, gbar, e]]))],
                      icl_comp=np.array([0]), icl_par=np.array([[DEL, DUR, AMP]]))
    out = run_cable(arr, EventArrays.empty(1), int(round(T / dt)), dt, V0, rec_v=[0],
                    rec_s=[(0, 0, k) for k in range(states)])
    assert (out["err"] < 0).all()
    return out["rec"][0]


def _ka(gate_a="a", gate_b="b", name="ka_named", **kw):
    return Channel(name, gates={gate_a: Gate(3, inf=a_inf, tau=a_tau),
                                gate_b: Gate(1, inf=b_inf, tau=b_tau)}, gbar=GBAR, e=E_K, **kw)


@pytest.mark.parametrize("gate", ["step", "v_new", "k", "i", "c", "tr", "x", "rhs", "dd",
                                  "comp", "par", "glob", "mode", "n"])
def test_gate_named_like_a_kernel_local_runs(gate):
    """A gate called ``step`` (or any former kernel local) once broke numba typing; user
    names never reach the kernel's namespace, so the run equals the canonical one bit for
    bit."""
    ref = _one_comp_run(_ka())
    np.testing.assert_array_equal(_one_comp_run(_ka(gate_a=gate)), ref)


def test_lambdas_and_closures_compile_like_defs():
    def make_inf(v_half, k):
        def inf(v):
            return 1.0 / (1.0 + math.exp(-(v - v_half) / k))
        return inf

    lam = Channel("kl", gates={"n": Gate(2, inf=lambda v: 1.0 / (1.0 + math.exp(-(v + 30.0) / 9.0)),
                                         tau=lambda v: 2.0 + 3.0 / (1.0 + np.exp((v + 40.0) / 10.0)))},
                  gbar=GBAR, e=E_K)
    clo = Channel("kc", gates={"n": Gate(2, inf=make_inf(-30.0, 9.0), tau=_tau_n)},
                  gbar=GBAR, e=E_K)
    a, b = _one_comp_run(lam), _one_comp_run(clo)
    np.testing.assert_array_equal(a, b)
    assert a[1].max() > a[1][0] + 0.05  # the gate opens during the pulse


def _tau_n(v):
    return 2.0 + 3.0 / (1.0 + np.exp((v + 40.0) / 10.0))


def test_rate_functions_may_call_helpers_and_use_parameter_objects():
    class P:
        v_half = -30.0
        k = 9.0

    def boltz(v, vh, k):
        return 1.0 / (1.0 + math.exp(-(v - vh) / k))

    ch = Channel("kh", gates={"n": Gate(2, inf=lambda v: boltz(v, P.v_half, P.k),
                                        tau=_tau_n)}, gbar=GBAR, e=E_K)
    ref = Channel("kr", gates={"n": Gate(2, inf=lambda v: 1.0 / (1.0 + math.exp(-(v + 30.0) / 9.0)),
                                         tau=_tau_n)}, gbar=GBAR, e=E_K)
    np.testing.assert_array_equal(_one_comp_run(ch), _one_comp_run(ref))


def test_parameter_names_of_the_user():
    ch = _ka(name="ka_neuron_names", gbar_name="gkabar", e_name="ek")
    assert ch.param_names == ("gkabar", "ek")
    np.testing.assert_array_equal(_one_comp_run(ch), _one_comp_run(_ka()))


_NAMES = st.one_of(
    st.sampled_from(["step", "v", "dt", "t", "celsius", "np", "exp", "math", "for", "match",
                     "range", "sum", "subset", "mechanism", "_x", "x_", "g_", "a b", "1a", "",
                     "é", "gbar", "e", "mech_", "k", "V", "Step", "m2"]),
    st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,8}\Z"),
    st.text(max_size=6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_NAMES, gate=_NAMES, gbar_name=_NAMES, e_name=_NAMES)
def test_random_names_are_refused_clearly_or_run(name, gate, gbar_name, e_name):
    """Any channel / gate / parameter names: either a ParameterError that quotes the refused
    name, or a channel that runs and gives exactly the canonical channel's trace."""
    try:
        ch = Channel(name, gates={gate: Gate(3, inf=a_inf, tau=a_tau), "bgate": Gate(1, inf=b_inf, tau=b_tau)},
                     gbar=GBAR, e=E_K, gbar_name=gbar_name, e_name=e_name)
    except ParameterError as exc:
        msg = str(exc)
        assert any(repr(x) in msg for x in (name, gate, gbar_name, e_name)), msg
        return
    np.testing.assert_array_equal(_one_comp_run(ch, T=10.0), _one_comp_run(_ka(gate_b="bgate"), T=10.0))
