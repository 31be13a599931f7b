"""User-defined channels (the A-type K+ example) against an independent scipy integration, and
mechanism parameter validation."""

import numpy as np
import pytest
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
    mech = A_TYPE_K
    arr = CableArrays(parent=np.array([-1]), gax=np.zeros(1), cap=np.array([CM * AREA * 1e-5]),
                      gconst=np.array([G_PAS * AREA * 1e-2]),
                      econst=np.array([G_PAS * E_PAS * AREA * 1e-2]),
                      mechs=[MechanismArrays(mech, np.array([0]),
                                             np.array([[AREA * 1e-2, GBAR, E_K]]))],
                      icl_comp=np.array([0]), icl_par=np.array([[DEL, DUR, AMP]]))
    out = run_cable(arr, EventArrays.empty(1), int(round(T / dt)), dt, V0, rec_v=[0],
                    rec_s=[(0, 0, 0), (0, 0, 1)])
    t = np.arange(out["rec"].shape[2]) * dt
    return t, out["rec"][0]


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
