"""Worked example: the Connor–Stevens A-type K+ current as a user-defined channel.

``i_A = gbar * a**3 * b * (v - e)`` with ``gbar`` = 0.0477 S/cm² (47.7 mS/cm²) and ``e`` = -75
mV (Connor, Walter & McKown 1977; Dayan & Abbott, *Theoretical Neuroscience*, ch. 6).  Gates are
given by their steady states (dimensionless) and time constants (ms) as functions of v (mV).

Use it like any mechanism::

    from connectome_sim.mechanisms.examples import A_TYPE_K
    model.insert(A_TYPE_K, subset="dendrite", gbar=0.02)

or register it by name with :func:`connectome_sim.mechanisms.register_mechanism` and then
``model.insert('ka')``.  The rate functions below are ordinary Python; their source is compiled
by numba into the channel's own kernel (once per install), which the cable kernel calls.
"""

import math

from connectome_sim.mechanisms.channel import Channel, Gate

__all__ = ["A_TYPE_K", "a_inf", "a_tau", "b_inf", "b_tau"]


def a_inf(v):
    """Activation steady state (v in mV)."""
    return (0.0761 * math.exp((v + 94.22) / 31.84) / (1.0 + math.exp((v + 1.17) / 28.93))) \
        ** (1.0 / 3.0)


def a_tau(v):
    """Activation time constant (ms)."""
    return 0.3632 + 1.158 / (1.0 + math.exp((v + 55.96) / 20.12))


def b_inf(v):
    """Inactivation steady state (v in mV)."""
    return (1.0 / (1.0 + math.exp((v + 53.3) / 14.54))) ** 4


def b_tau(v):
    """Inactivation time constant (ms)."""
    return 1.24 + 2.678 / (1.0 + math.exp((v + 50.0) / 16.027))


#: The channel: name 'ka', gates a (power 3) and b (power 1), gbar 0.0477 S/cm², e -75 mV.
A_TYPE_K = Channel("ka", gates={"a": Gate(3, inf=a_inf, tau=a_tau),
                                "b": Gate(1, inf=b_inf, tau=b_tau)},
                   gbar=0.0477, e=-75.0)
