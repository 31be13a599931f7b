"""User-defined ion channels written in Python, compiled by numba into their own kernel.

A :class:`Channel` is ``i = gbar * prod(gate ** power) * (v - e)`` where each :class:`Gate`
follows first-order kinetics given either by ``alpha(v)``/``beta(v)`` (1/ms) or by
``inf(v)`` (dimensionless) and ``tau(v)`` (ms), all functions of the membrane potential in mV.
Gates start at their steady state at ``v_init`` and advance with the exponential (cnexp)
update ``x += (1 - exp(-dt/tau)) (inf - x)`` using the voltage at the end of the step, like
NEURON's hh.  Rates may be scaled by ``q10 ** ((celsius - celsius_ref) / 10)``.

Rate functions are ordinary Python: a ``def`` in a file or notebook cell, a ``lambda`` or a
closure, using numbers, ``math``/``numpy`` functions and other such functions (see
:mod:`connectome_sim.mechanisms.rates`); they are compiled into the channel's own kernel
(``connectome_sim/engine/templates/cable_channel.py.j2``), once per install, and the cable
kernel calls it.  No NMODL and no compiler step is visible to the user.  Example:
:mod:`connectome_sim.mechanisms.examples.a_type_k`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from connectome_sim.engine.codegen import check_identifier
from connectome_sim.errors import ParameterError

from .base import DensityMechanism
from .hh import HH
from .pas import Pas
from .rates import rate_function_sources

__all__ = ["Gate", "Channel", "MECHANISMS", "get_mechanism", "register_mechanism"]

#: keywords of ``CompartmentModel.insert`` itself, so not usable as parameter names
_INSERT_KEYWORDS = ("mechanism", "subset")


@dataclass
class Gate:
    """One gating variable.

    Parameters
    ----------
    power : int
        Exponent of the gate in the conductance (e.g. 3 for hh's m), 0 to 16.
    alpha, beta : callable, optional
        Opening/closing rates (1/ms) as functions of v (mV).
    inf, tau : callable, optional
        Steady state (dimensionless) and time constant (ms) as functions of v (mV).
        Give either ``alpha`` and ``beta`` or ``inf`` and ``tau``.
    """

    power: int = 1
    alpha: Callable | None = None
    beta: Callable | None = None
    inf: Callable | None = None
    tau: Callable | None = None

    def kind(self) -> str:
        """``"ab"`` (alpha/beta given) or ``"inftau"`` (inf/tau given); else ParameterError."""
        if self.alpha is not None and self.beta is not None and self.inf is None \
                and self.tau is None:
            return "ab"
        if self.inf is not None and self.tau is not None and self.alpha is None \
                and self.beta is None:
            return "inftau"
        raise ParameterError("a Gate needs either alpha and beta, or inf and tau (functions of "
                             "v in mV)")


def _name(name, what, channel, extra=()):
    """``name`` checked as a user identifier (see codegen.check_identifier)."""
    try:
        return check_identifier(name, what, extra_reserved=extra)
    except ValueError as exc:
        where = f" of channel {channel!r}" if channel is not None else ""
        raise ParameterError(f"{exc}{where}") from None


def _number(value, what):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a number, got {value!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ParameterError(f"{what} must be finite, got {value}")
    return value


class Channel(DensityMechanism):
    """A user-defined voltage-gated channel with its own compiled kernel.

    Parameters
    ----------
    name : str
        Mechanism name used with ``CompartmentModel.insert(name, ...)``: letters, digits and
        underscores, not starting or ending with ``_``, no Python keyword or builtin.
    gates : dict of str -> Gate
        Gating variables; their names (same rules) are the recordable states.
    gbar : float
        Default maximal conductance (S/cm²).
    e : float
        Default reversal potential (mV).
    q10 : float
        Temperature coefficient of the rates (1 = none).
    celsius_ref : float
        Temperature (°C) at which the rate functions are given.
    gbar_name, e_name : str
        Names of the two per-instance parameters (default ``gbar`` and ``e``; e.g.
        ``gkabar`` and ``ek`` as in NEURON's mod files).

    Raises
    ------
    ParameterError
        For a name that is not a valid identifier or is reserved (the message names it and
        the channel), a gate without rates, a power that is not a small integer, or a rate
        function whose source cannot be compiled (see
        :func:`connectome_sim.mechanisms.rates.rate_function_sources`).
    """

    kernel_template = "cable_channel.py.j2"
    kernel_globals = 1

    def __init__(self, name: str, gates: dict, gbar: float, e: float, q10: float = 1.0,
                 celsius_ref: float = 6.3, gbar_name: str = "gbar", e_name: str = "e"):
        self.name = _name(name, "channel name", None)
        if not isinstance(gates, dict) or not gates:
            raise ParameterError(f"channel {name!r} needs a dict of at least one Gate "
                                 "(name -> Gate)")
        params = [_name(gbar_name, "parameter name", name, _INSERT_KEYWORDS),
                  _name(e_name, "parameter name", name, _INSERT_KEYWORDS)]
        if params[0] == params[1]:
            raise ParameterError(f"channel {name!r}: gbar_name and e_name are both "
                                 f"{params[0]!r}")
        for g in gates:
            _name(g, "gate name", name)
            if g in params:
                raise ParameterError(f"gate name {g!r} of channel {name!r} is also a "
                                     "parameter name; rename one of them")
        self.gates = dict(gates)
        self.defaults = {params[0]: _number(gbar, f"{name}.{params[0]}"),
                         params[1]: _number(e, f"{name}.{params[1]}")}
        self.conductances = (params[0],)
        if self.defaults[params[0]] < 0:
            raise ParameterError(f"channel {name!r}: {params[0]}={gbar!r} must be >= 0 "
                                 "(a conductance, S/cm²)")
        self.state_names = tuple(self.gates)
        self.q10 = _number(q10, f"q10 of channel {name!r}")
        self.celsius_ref = _number(celsius_ref, f"celsius_ref of channel {name!r}")
        if self.q10 <= 0:
            raise ParameterError(f"q10 of channel {name!r} must be > 0, got {self.q10}")
        self.kernel_rows = 3 * len(gates) + 3
        self._context = self._render_context()

    def _render_context(self) -> dict:
        functions, spec, emitted = [], [], {}
        for i, (g, gate) in enumerate(self.gates.items()):
            if not isinstance(gate, Gate):
                raise ParameterError(f"gate {g!r} of channel {self.name!r} must be a Gate, "
                                     f"got {type(gate).__name__}")
            try:
                kind = gate.kind()
            except ParameterError as exc:
                raise ParameterError(f"gate {g!r} of channel {self.name!r}: {exc}") from None
            power = gate.power
            if isinstance(power, float) and power.is_integer():
                power = int(power)
            if isinstance(power, bool) or not isinstance(power, int) or not 0 <= power <= 16:
                raise ParameterError(f"gate {g!r} of channel {self.name!r}: power must be an "
                                     f"integer from 0 to 16, got {gate.power!r}")
            pair = ("alpha", "beta") if kind == "ab" else ("inf", "tau")
            names = []
            for which in pair:
                kname = f"rate_{i}_{which}_"
                functions += rate_function_sources(
                    getattr(gate, which), kname,
                    f"rate function {which!r} of gate {g!r} of channel {self.name!r}",
                    _emitted=emitted)
                names.append(kname)
            spec.append({"kind": kind, "f1": names[0], "f2": names[1], "power": power,
                         "row": i})
        return {"gates": spec, "functions": functions,
                "q10": repr(self.q10), "celsius_ref": repr(self.celsius_ref),
                "rows": self.kernel_rows}

    def kernel_context(self) -> dict:
        return self._context


#: Registered mechanisms by name (``insert('hh')``); extend with :func:`register_mechanism`.
MECHANISMS: dict[str, DensityMechanism] = {"pas": Pas(), "hh": HH()}


def register_mechanism(mech: DensityMechanism) -> DensityMechanism:
    """Make ``mech`` insertable by its name (``CompartmentModel.insert(mech.name, ...)``).

    Parameters
    ----------
    mech : DensityMechanism
        The mechanism (e.g. a :class:`Channel`); a previous registration under the same name
        is replaced.

    Returns
    -------
    DensityMechanism
        ``mech`` itself.

    Raises
    ------
    ParameterError
        If ``mech`` is not a DensityMechanism.
    """
    if not isinstance(mech, DensityMechanism):
        raise ParameterError(f"{mech!r} is not a DensityMechanism (e.g. a Channel)")
    MECHANISMS[mech.name] = mech
    return mech


def get_mechanism(mech) -> DensityMechanism:
    """Resolve a mechanism name or object.

    Parameters
    ----------
    mech : str or DensityMechanism
        Registered mechanism name (e.g. ``"hh"``, ``"pas"``) or a mechanism object, which is
        returned unchanged.

    Returns
    -------
    DensityMechanism
        The mechanism.

    Raises
    ------
    ParameterError
        If ``mech`` is not a registered name; the message lists the known mechanisms.
    """
    if isinstance(mech, DensityMechanism):
        return mech
    try:
        return MECHANISMS[mech]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown mechanism {mech!r}; known mechanisms are "
                             f"{sorted(MECHANISMS)} (or pass a Channel object)") from None
