"""Density-mechanism protocol shared by pas, hh and user-defined channels.

A density mechanism lives on membrane compartments (never on zero-area junctions) with
per-compartment parameters.  Mechanisms that are linear with constant conductance (pas, hh's
leak) are folded into the constant matrix terms (:meth:`DensityMechanism.linear`); the others
are *kernel mechanisms*: a template in ``connectome_sim/engine/templates/`` renders their
numba entry point, which the cable kernel calls through its address (see
:mod:`connectome_sim.engine.cable_abi` for the interface and
:mod:`connectome_sim.engine.cable_codegen` for the rendering).

Units: conductances S/cm², potentials mV, time ms.
"""

from __future__ import annotations

import numpy as np

from connectome_sim.errors import ParameterError

__all__ = ["DensityMechanism", "check_params"]


def check_params(mech_name: str, given: dict, valid) -> None:
    """Raise :class:`ParameterError` if ``given`` has keys not in ``valid``."""
    bad = sorted(set(given) - set(valid))
    if bad:
        raise ParameterError(
            f"unknown parameter(s) {bad} for mechanism '{mech_name}'; "
            f"valid parameters are {list(valid)}")


class DensityMechanism:
    """Base class: a membrane mechanism with parameters and states.

    Subclasses set the class attributes below.

    Attributes
    ----------
    name : str
        Identifier (``'hh'``), the name used with ``CompartmentModel.insert``.
    defaults : dict
        Parameter name -> default value (NEURON units, see each subclass).
    state_names : tuple of str
        States (e.g. gates, dimensionless), recordable with ``add_state_record``.
    folded : bool
        True if the whole mechanism is linear with constant conductance: it is folded into
        the matrix constants and has no kernel.
    kernel_template : str
        Template file (in ``connectome_sim/engine/templates``) of the kernel entry point.
    kernel_rows : int
        Per-instance kernel state rows: the states first, then the kernel's work rows.
    kernel_globals : int
        Length of the kernel's per-run constants (rate factors, tables).
    """

    name: str = "base"
    defaults: dict = {}
    state_names: tuple = ()
    folded: bool = False
    kernel_template: str = ""
    kernel_rows: int = 0
    kernel_globals: int = 1

    @property
    def param_names(self) -> tuple:
        return tuple(self.defaults)

    def kernel_context(self) -> dict:
        """Names the kernel template needs (rendered with undefined names as errors)."""
        return {}

    #: names of the parameters that are conductances (S/cm², refused when negative)
    conductances: tuple = ()

    def validate(self, params: dict) -> dict:
        """Return full parameters (defaults updated by ``params``); reject unknown names."""
        check_params(self.name, params, self.defaults)
        out = dict(self.defaults)
        for k, val in params.items():
            try:
                val = float(val)
            except (TypeError, ValueError):
                raise ParameterError(f"{self.name}.{k} must be a number, got {val!r}") from None
            if not np.isfinite(val):
                raise ParameterError(f"{self.name}.{k} must be finite, got {val}")
            if k in self.conductances and val < 0:
                # a negative conductance is no channel: it pumps current into the cell and
                # makes the cable equation unstable (or silently wrong)
                raise ParameterError(f"{self.name}.{k}={val:g}: a conductance (S/cm²) must be "
                                     ">= 0; use 0 to switch the channel off")
            out[k] = val
        return out

    def linear(self, params: dict) -> tuple[float, float]:
        """Constant conductance part ``(g, g*e)`` in (S/cm², S/cm²·mV) folded into constants."""
        return 0.0, 0.0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.name}' params={self.defaults}>"
