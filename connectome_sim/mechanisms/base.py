"""Density-mechanism protocol shared by pas, hh and user-defined channels.

A density mechanism lives on membrane compartments (never on zero-area junctions) with
per-compartment parameters.  Its numerical code is given as small Python source snippets that
:mod:`connectome_sim.engine.cable_codegen` pastes into one specialised numba kernel.  Inside the
snippets the parameters and states are plain local variables; ``v`` (mV), ``dt`` (ms) and
``celsius`` (°C) are available, as are ``math`` and ``np``.

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
    """Base class: a membrane mechanism with parameters, states and code snippets.

    Subclasses set the class attributes below.  Parameters not inserted into the kernel's
    per-instance arrays (``linear``) are folded into constant diagonal/right-hand-side terms.

    Attributes
    ----------
    name : str
        Identifier (``'hh'``), also the prefix of generated helper names.
    defaults : dict
        Parameter name -> default value (NEURON units, see each subclass).
    state_names : tuple of str
        Gating states (dimensionless), recordable with ``add_state_record``.
    helpers, prelude, code_init, code_current, code_states : str
        Source snippets (see :mod:`connectome_sim.engine.cable_codegen`).
    """

    name: str = "base"
    defaults: dict = {}
    state_names: tuple = ()
    helpers: str = ""
    prelude: str = ""
    code_init: str = ""
    code_current: str = "g_ = 0.0\nge_ = 0.0"
    code_states: str = ""
    #: True if the whole mechanism is linear with constant conductance (folded, no kernel code)
    folded: bool = False

    @property
    def param_names(self) -> tuple:
        return tuple(self.defaults)

    def validate(self, params: dict) -> dict:
        """Return full parameters (defaults updated by ``params``); reject unknown names."""
        check_params(self.name, params, self.defaults)
        out = dict(self.defaults)
        for k, val in params.items():
            val = float(val)
            if not np.isfinite(val):
                raise ParameterError(f"{self.name}.{k} must be finite, got {val}")
            out[k] = val
        return out

    def linear(self, params: dict) -> tuple[float, float]:
        """Constant conductance part ``(g, g*e)`` in (S/cm², S/cm²·mV) folded into constants."""
        return 0.0, 0.0

    def signature(self) -> str:
        """Text identifying the generated code (used for kernel caching)."""
        return "\n".join([self.name, ",".join(self.param_names), ",".join(self.state_names),
                          self.helpers, self.prelude, self.code_init, self.code_current,
                          self.code_states])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.name}' params={self.defaults}>"
