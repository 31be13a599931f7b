"""User-defined ion channels written in Python, compiled by numba into the cable kernel.

A :class:`Channel` is ``i = gbar * prod(gate ** power) * (v - e)`` where each :class:`Gate`
follows first-order kinetics given either by ``alpha(v)``/``beta(v)`` (1/ms) or by
``inf(v)`` (dimensionless) and ``tau(v)`` (ms), all functions of the membrane potential in mV.
Gates start at their steady state at ``v_init`` and advance with the exponential (cnexp)
update ``x += (1 - exp(-dt/tau)) (inf - x)`` using the voltage at the end of the step, like
NEURON's hh.  Rates may be scaled by ``q10 ** ((celsius - celsius_ref) / 10)``.

The rate functions must be plain module-level ``def`` functions of one argument that use only
``math`` (and ``np``) and arithmetic: their source is pasted into the generated kernel module and
compiled by numba, so no NMODL and no compiler step is visible to the user.  Example: see
:mod:`connectome_sim.mechanisms.examples.a_type_k`.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import textwrap
from dataclasses import dataclass
from typing import Callable

from connectome_sim.errors import ParameterError

from .base import DensityMechanism
from .hh import HH
from .pas import Pas

__all__ = ["Gate", "Channel", "MECHANISMS", "get_mechanism", "register_mechanism"]


@dataclass
class Gate:
    """One gating variable.

    Parameters
    ----------
    power : int
        Exponent of the gate in the conductance (e.g. 3 for hh's m).
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


def _function_source(fn: Callable, new_name: str) -> str:
    """Source of ``fn`` as an njit function called ``new_name``."""
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise ParameterError(
            f"cannot read the source of rate function {fn!r}: define it with 'def' in a file or "
            f"notebook cell (lambdas and builtins cannot be compiled into the kernel)") from exc
    tree = ast.parse(src)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(defs) != 1 or len(defs[0].args.args) != 1:
        raise ParameterError(f"rate function {getattr(fn, '__name__', fn)!r} must be a single "
                             f"'def f(v): ...' of one argument (v in mV)")
    node = defs[0]
    node.name = new_name
    node.decorator_list = []
    return "@njit(cache=True, inline='always')\n" + ast.unparse(node) + "\n"


class Channel(DensityMechanism):
    """A user-defined voltage-gated channel compiled into the kernel.

    Parameters
    ----------
    name : str
        Mechanism name used with ``CompartmentModel.insert(name, ...)``.
    gates : dict of str -> Gate
        Gating variables; their names are the recordable states.
    gbar : float
        Default maximal conductance (S/cm²).
    e : float
        Default reversal potential (mV).
    q10 : float
        Temperature coefficient of the rates (1 = none).
    celsius_ref : float
        Temperature (°C) at which the rate functions are given.

    Per-instance parameters are ``gbar`` (S/cm²) and ``e`` (mV).
    """

    def __init__(self, name: str, gates: dict, gbar: float, e: float, q10: float = 1.0,
                 celsius_ref: float = 6.3):
        if not name.isidentifier() or keyword.iskeyword(name) or name.endswith("_"):
            raise ParameterError(f"channel name {name!r} must be a Python identifier not ending "
                                 f"with '_'")
        if not gates:
            raise ParameterError(f"channel {name!r} needs at least one Gate")
        for g in gates:
            if not g.isidentifier() or g.endswith("_") or g in ("gbar", "e", "v", "dt",
                                                                  "celsius", "i", "k"):
                raise ParameterError(f"gate name {g!r} of channel {name!r} is not allowed")
        self.name = name
        self.gates = dict(gates)
        self.defaults = {"gbar": float(gbar), "e": float(e)}
        self.state_names = tuple(self.gates)
        self.q10 = float(q10)
        self.celsius_ref = float(celsius_ref)
        helpers, rates = [], []
        for g, gate in self.gates.items():
            kind = gate.kind()
            fa, fb = (gate.alpha, gate.beta) if kind == "ab" else (gate.inf, gate.tau)
            na, nb = f"{name}_{g}_{'alpha' if kind == 'ab' else 'inf'}", \
                f"{name}_{g}_{'beta' if kind == 'ab' else 'tau'}"
            helpers += [_function_source(fa, na), _function_source(fb, nb)]
            if kind == "ab":
                rates.append(f"a_ = {na}(v)\nb_ = {nb}(v)\n{g}_inf_ = a_ / (a_ + b_)\n"
                             f"{g}_tau_ = 1.0 / ({name}_phi_ * (a_ + b_))\n")
            else:
                rates.append(f"{g}_inf_ = {na}(v)\n{g}_tau_ = {nb}(v) / {name}_phi_\n")
        self.helpers = "\n".join(helpers)
        self.prelude = (f"{name}_phi_ = {self.q10!r} ** ((celsius - {self.celsius_ref!r}) "
                        f"/ 10.0)\n")
        rates_src = "".join(rates)
        self.code_init = rates_src + "".join(f"{g} = {g}_inf_\n" for g in self.gates)
        prod = " * ".join(" * ".join([g] * int(gate.power)) for g, gate in self.gates.items()
                          if int(gate.power) > 0) or "1.0"
        self.code_current = f"g_ = gbar * {prod}\nge_ = g_ * e\n"
        self.code_states = rates_src + "".join(
            f"{g} = {g} + (1.0 - math.exp(-dt / {g}_tau_)) * ({g}_inf_ - {g})\n"
            for g in self.gates)


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
