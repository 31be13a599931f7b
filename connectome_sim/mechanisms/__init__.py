"""Membrane mechanisms (pas, hh, user-defined channels) and point processes for cable models.

Units follow NEURON: conductance densities S/cm², potentials mV, times ms, point-process
conductances µS, currents nA.
"""

from .base import DensityMechanism
from .pas import Pas
from .hh import HH, HHTable
from .channel import Channel, Gate, get_mechanism, register_mechanism, MECHANISMS
from .point import IClamp, AlphaSynapse, ExpSyn, Exp2Syn, exp2syn_factor

__all__ = ["DensityMechanism", "Pas", "HH", "HHTable", "Channel", "Gate", "get_mechanism",
           "register_mechanism", "MECHANISMS", "IClamp", "AlphaSynapse", "ExpSyn", "Exp2Syn",
           "exp2syn_factor"]
