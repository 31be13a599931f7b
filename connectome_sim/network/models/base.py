"""Point-neuron model plug-in contract (read this before writing a model).

A point model is a :class:`PointModel` subclass registered with :func:`register_model`.  The
class holds the *description* (names, defaults, units); two or three small
``@numba.njit(cache=True)`` functions hold the *dynamics*.  The network engine
(``connectome_sim.engine.network``) never knows which model it runs: it calls the model's
functions through numba first-class function arguments, once per neuron and time step.

Units (NEURON's): ms, mV, nA, µS, Hz, pF, MΩ.  Every parameter and state declares its unit.

Arrays the numba functions receive (``N`` = number of neurons of the network, ``i`` = the row
index of one neuron; users never see ``i``)
--------------------------------------------------------------------------------------------
``S`` : float64[n_states, N]
    State variables, rows in the order of :attr:`PointModel.states`.  The engine initialises
    ``S[k, :]`` from ``states[name].init`` (a number, or the *name of a parameter* whose
    per-neuron value is copied, e.g. ``v`` starts at ``v_0``); ``run_simulation(v_init=...)``
    overrides the row named by :attr:`PointModel.voltage`.  ``S`` is the whole dynamic state of
    the neurons (plus the engine's queues, see ``NetworkState``): models must not keep hidden
    state elsewhere, so that a run can be saved and resumed exactly.
``P`` : float64[n_params (+ n_derived), N]
    Per-neuron parameters, rows in the order of :attr:`PointModel.params`.  Read-only.  A model
    may override :meth:`PointModel.param_array` to append rows of derived constants (e.g.
    IntFire4's normalisation factors) after the declared parameters.
``I`` : float64[n_channels, N]
    Synaptic input that arrived *during this step*, summed per input channel (rows in the order
    of :attr:`PointModel.channels`).  A spike of neuron ``j`` at step ``s`` through an edge of
    delay ``d`` steps adds the edge weight to ``I[ch, target]`` at step ``s + d``; external
    stimuli (``add_stimulus``, ``add_poisson_input``) add their weight the same way.  Units are
    the model's :attr:`PointModel.weight_unit`.  The engine zeroes the column after the step.
``iext`` : float64[N]
    External current of this step, nA (``add_current``; plus gap-junction current
    ``sum_j g_ij (v_j - v_i)`` (µS·mV = nA) for models with a :attr:`voltage`).  It is applied
    to the model's first compartment.

Clock-driven models (``kind = 'clock'``)
---------------------------------------
``step(i, t, dt, S, P, I, iext) -> bool`` advances neuron ``i`` from ``t`` to ``t + dt`` (ms)
and returns True if it spiked during this step.  The model owns the whole order of operations
inside a step, which is what exact parity with other simulators needs.  Brian2's order (which
the ``LIF`` model follows for parity with Shiu et al. 2024) is: integrate the old state over
``dt`` (unless refractory) -> threshold -> add this step's input ``I`` -> reset if spiked.
Threshold, reset and refractoriness live in ``step`` too: keep the refractory clock in a state
row (e.g. ``'t_spike'``, the last spike time, ms) so it is saved with the state.

Optional, faster: ``step_population(act, n_act, t, dt, S, P, I, iext, out)`` steps the awake
neurons ``act[:n_act]`` (int64 row indices) in one call, writing each one's spike flag to
``out[a]`` (bool).  Same semantics as ``step``; write the loop body out rather than calling
``step`` in the loop (a numba call with array arguments costs ~100 ns of reference counting
per neuron and step, far more than the arithmetic of a point neuron).

Optional, fastest when many neurons are awake: ``step_all(lo, hi, t, dt, S, P, I, iext, out)
-> int`` steps every neuron ``i`` in ``lo <= i < hi`` (the engine splits large groups into
lanes that threads advance side by side), writes ``out[i]`` (uint8: 1 = spiked; ``out`` may
be longer than ``N``) and returns the number of spikes.  Same per-neuron arithmetic as ``step`` (bit-identical
results), written without branches (selects) so that LLVM vectorises the loop.  ``iext`` is
empty (size 0) when the network has no currents or gap junctions.  It need not zero ``I``
(the engine zeroes the entries it filled).  The engine switches between it and the awake
list every few dozen steps from the measured work (``connectome_sim.engine.network``).

Optional, for work that scales with activity rather than with ``N x steps``
(``supports_sleep = True``):

``can_sleep(i, t, dt, S, P) -> bool``
    Called right after ``step`` (``t`` = the time the state now holds, i.e. the end of the
    step, ms).  True when the neuron cannot spike unless new input arrives (e.g. an exactly
    linear LIF whose sub-threshold trajectory stays below threshold, and which is not
    refractory).  The engine then stops calling ``step`` for it.
``catch_up(i, nsteps, dt, S, P)``
    Advance a sleeping neuron by ``nsteps`` steps without input, giving (up to rounding) the
    same state as ``nsteps`` calls of ``step`` with zero input.  Called just before the
    neuron is woken by input, a current, a record, or the end of the run.

Neurons with a current, gap junctions or a voltage record never sleep.

Event-driven models (``kind = 'event'``: NEURON ``ARTIFICIAL_CELL`` semantics, IntFire1/2/4)
----------------------------------------------------------------------------------------
``receive(i, t, w, ch, flag, S, P, Q) -> bool`` is NEURON's ``NET_RECEIVE``: called at the
exact event time ``t`` (ms, not rounded to the grid) with the weight ``w`` and channel index
``ch`` of one synaptic event (``flag == 0``) or of the neuron's own self-event (``flag`` > 0).
It returns True to emit a spike at ``t`` (``net_event(t)``).  ``Q`` : float64[2, N] holds the
one outstanding self-event per neuron: ``Q[0, i]`` its time (ms; ``inf`` = none) and
``Q[1, i]`` its flag; ``net_send(d, f)`` / ``net_move(t1)`` are ``Q[0, i] = t + d`` /
``Q[0, i] = t1``.  Within a step the engine delivers each neuron's events in time order,
interleaving the self-event; neurons are independent within a step (delays >= dt), so they run
in parallel.  :meth:`PointModel.init_queue` sets the initial self-events (NEURON's ``INITIAL``
``net_send``; default: none).  ``observe(i, t, S, P) -> float`` returns the recorded quantity (e.g. IntFire's
``m``) at time ``t`` without changing the state.

Continuous (graded) models (``kind = 'continuous'``)
--------------------------------------------------
Non-spiking neurons whose output is a continuous signal (Wicks et al. 1996; Kunert et al.
2014; the flyvis model of Lappalainen et al. 2024).  The engine steps the whole group every
step with ``step_group(t, dt, S, P, I, iext, gx, cp_ptr, cp_src, cp_w, gp_ptr, gp_j, gp_g,
scratch, out) -> int`` (0 = ok): ``I`` and ``iext`` as above (events from spiking neurons
and stimuli, currents in nA; ``iext`` includes ``sum g V_other`` of gap junctions to
neurons of other groups, whose conductance ``gx`` (µS per neuron) the model takes
implicitly, ``- gx V``); ``cp_*`` the group's own continuous synapses as a CSR by
*target* (``cp_src`` source rows, ``cp_w`` signed weights in :attr:`weight_unit`);
``gp_*`` the group's gap junctions as a symmetric CSR (µS); ``scratch`` a float64 array of
:attr:`n_scratch` rows for the model's solver; ``out[i]`` receives neuron ``i``'s output
after the step (e.g. synaptic activation), which reaches neurons of *other* models as a
current ``w * out`` (nA) after the edge's delay.  :attr:`output` is ``'graded'``.

Synapses, signs and compartments
--------------------------------
:attr:`channels` names the input channels.  An edge goes to channel
``model.synapse_channel(sign, compartment)``: by default positive weights to
:attr:`exc_channel`, negative ones to :attr:`inh_channel` (both may be the same channel, then
the signed weight is simply added).  The stored weight keeps its sign; a conductance model that
wants a positive conductance on its inhibitory channel takes ``abs(w)`` in ``step``.
Multi-compartment (reduced dendritic) models list :attr:`compartments` and name their channels
``'<compartment>.<channel>'`` (e.g. ``'dend.exc'``); an edge-list column ``compartment`` (or
``PointNetwork.connect(..., compartment=...)``) routes a synapse to a named compartment, and the
state rows of each compartment's voltage are named ``'v_<compartment>'`` except the first's
(:attr:`voltage`).  External stimuli go to :attr:`stimulus_channel`.

Writing a model
---------------
Subclass :class:`PointModel`, fill the class attributes, set ``step`` (and optionally
``can_sleep``/``catch_up``) to module-level ``@numba.njit(cache=True)`` functions with exactly
the signatures above, decorate the class with ``@register_model``, and import the module in
``connectome_sim/network/models/__init__.py``.  Optionally override :meth:`check` to raise
``StabilityError`` for a dt the integrator cannot take or ``ParameterError`` for bad values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ParameterError, is_text

__all__ = ["Param", "State", "PointModel", "register_model", "get_model", "available_models",
           "positive", "nonnegative"]


@dataclass(frozen=True)
class Param:
    """One model parameter: default value, unit, a one-line description and its valid range.

    Parameters
    ----------
    default : float
        Default value, in ``unit``.
    unit : str
        Unit of the parameter (NEURON units, e.g. ``"mV"``, ``"ms"``, ``"nA"``, ``"µS"``,
        ``"Hz"``; ``"1"`` for dimensionless).
    doc : str
        One-line description.
    low : float, optional
        Smallest valid value (``None``: unbounded); with ``strict`` the value must exceed it
        (e.g. a time constant: ``low=0, strict=True``).
    strict : bool
        ``low`` itself is invalid.
    high : float, optional
        Largest valid value.
    none_ok : bool
        ``None`` is a valid value (stored as NaN; the model gives it a meaning, e.g. the
        graded model's ``a_r=None``: instantaneous activation).
    choices : tuple of float, optional
        The only valid values (a switch such as ``cond_syn``: 0 or 1; a kernel that tests
        ``> 0.5`` would otherwise read 0.3 as 0 and 0.7 as 1 without a word).
    """

    default: float
    unit: str
    doc: str = ""
    low: float | None = None
    strict: bool = False
    high: float | None = None
    none_ok: bool = False
    choices: tuple | None = None

    def invalid(self, values: np.ndarray) -> np.ndarray:
        """Mask of the values outside the valid range (NaN/inf invalid unless ``none_ok``)."""
        bad = np.isinf(values) if self.none_ok else ~np.isfinite(values)
        if self.low is not None:
            bad |= (values <= self.low) if self.strict else (values < self.low)
        if self.high is not None:
            bad |= values > self.high
        if self.choices is not None:
            bad |= ~np.isin(values, self.choices)
        return bad

    def describe(self) -> str:
        """The valid range in words, e.g. ``'> 0 ms'``."""
        if self.choices is not None:
            unit = f" ({self.unit})" if self.unit not in ("", "1") else ""
            return " or ".join(f"{c:g}" for c in self.choices) + unit
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.strict else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"<= {self.high:g}")
        return (" and ".join(parts) + f" {self.unit}") if parts else f"finite ({self.unit})"


def positive(default, unit, doc=""):
    """A parameter that must be > 0 (time constants, capacitances)."""
    return Param(default, unit, doc, low=0.0, strict=True)


def nonnegative(default, unit, doc=""):
    """A parameter that must be >= 0 (refractory periods, conductances)."""
    return Param(default, unit, doc, low=0.0)


@dataclass(frozen=True)
class State:
    """One state variable: initial value (a number or the name of a parameter), unit, doc.

    Parameters
    ----------
    init : float or str
        Initial value in ``unit``, or the name of a parameter whose value is used
        (e.g. ``"v_rest"``, mV).
    unit : str
        Unit of the state variable (e.g. ``"mV"``, ``"nA"``, ``"µS"``).
    doc : str
        One-line description.
    """

    init: float | str
    unit: str
    doc: str = ""


class PointModel:
    """Base class of point-neuron models (see the module docstring for the contract).

    Attributes
    ----------
    name : str
        Name used in ``PointNetwork(model=...)``.
    kind : {'clock', 'event', 'continuous'}
        Time-stepped (``step``), NEURON-style event-driven (``receive``) or a continuous,
        non-spiking group (``step_group``).
    output : {'spike', 'graded'}
        What the neuron sends to its targets: spikes (events) or a continuous signal.
    params : dict[str, Param]
        Parameter names (the source's names), defaults and units.
    states : dict[str, State]
        State variables in row order of ``S``.
    channels : tuple of str
        Synaptic input channels (rows of ``I``).
    exc_channel, inh_channel : str
        Channels for positive / negative edge weights.
    stimulus_channel : str
        Channel that external spike trains (``add_stimulus``, ``add_poisson_input``) feed.
    compartments : tuple of str
        Compartment names; the first receives ``iext``.
    voltage : str or None
        State row recorded by ``add_voltage_record`` and coupled by gap junctions (mV);
        ``None`` for models without a membrane potential (IntFire: records ``observe``).
    weight_unit : str
        Unit of edge weights (e.g. ``'mV'`` for Shiu's LIF, ``'µS'`` for conductance models,
        ``''`` for IntFire's dimensionless weights).
    supports_sleep : bool
        ``can_sleep`` and ``catch_up`` are provided (clock models only).
    supports_current : bool
        ``iext`` is used (``add_current``/gap junctions are refused otherwise).
    stimulus_weight : float
        Default weight of one external stimulus event, in :attr:`weight_unit`.
    weight_scale : float
        Default factor from edge-list weights (synapse counts) to :attr:`weight_unit`.
    refractory_param : str or None
        Name of the refractory-period parameter (ms), if any.
    step, step_population, step_all, can_sleep, catch_up, receive, observe : numba dispatchers or None
        The dynamics (static; see the module docstring for signatures).
    """

    name: str = ""
    kind: str = "clock"
    output: str = "spike"
    #: rows of scratch memory ``step_group`` needs (continuous models)
    n_scratch: int = 0
    step_group = None
    params: dict = {}
    states: dict = {}
    channels: tuple = ("syn",)
    exc_channel: str = "syn"
    inh_channel: str = "syn"
    stimulus_channel: str = "syn"
    compartments: tuple = ("soma",)
    voltage: str | None = "v"
    weight_unit: str = ""
    supports_sleep: bool = False
    supports_current: bool = True
    #: weight of one external stimulus event (``add_stimulus``/``add_poisson_input`` default)
    stimulus_weight: float = 1.0
    #: edge-list weights are multiplied by this (e.g. Shiu's w_syn = 0.275 mV per synapse)
    weight_scale: float = 1.0
    #: parameter holding the refractory period (ms), or None
    refractory_param: str | None = None
    step = None
    step_population = None
    step_all = None
    can_sleep = None
    catch_up = None
    receive = None
    observe = None
    doc_reference: str = ""

    # ------------------------------------------------------------------ description helpers
    @classmethod
    def param_names(cls) -> list[str]:
        return list(cls.params)

    @classmethod
    def state_names(cls) -> list[str]:
        return list(cls.states)

    @classmethod
    def defaults(cls) -> dict:
        """Parameter defaults ``{name: value}``."""
        return {k: p.default for k, p in cls.params.items()}

    @classmethod
    def check_params(cls, props: dict) -> None:
        """Raise ``ParameterError`` for names that are not parameters of this model."""
        bad = [k for k in props if k not in cls.params]
        if bad:
            raise ParameterError(
                f"{cls.name} has no parameter(s) {bad}; valid parameters (unit): "
                + ", ".join(f"{k} ({p.unit})" for k, p in cls.params.items()))

    @classmethod
    def validate(cls, name: str, values, ids=None) -> np.ndarray:
        """``values`` of parameter ``name`` as float64, or ``ParameterError`` naming the
        parameter, its valid range and (when ``ids`` is given) the neurons with bad values."""
        p = cls.params[name]
        if p.none_ok:
            if values is None:
                values = np.nan
            elif isinstance(values, (list, tuple, np.ndarray)) and np.asarray(values).dtype == object:
                values = [np.nan if v is None else v for v in np.asarray(values).ravel()]
        if is_text(values):
            raise ParameterError(f"{cls.name} parameter {name!r}: expected numbers "
                                 f"({p.unit}), got text {values!r}; pass the numbers "
                                 "themselves (e.g. float(...))")
        try:
            if isinstance(values, (bool, np.bool_)) or np.asarray(values).dtype.kind == "b":
                raise TypeError             # True would become 1.0 (mV, ms...) silently
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(f"{cls.name} parameter {name!r}: expected numbers "
                                 f"({p.unit}), got {values!r}") from None
        bad = p.invalid(np.atleast_1d(arr))
        if bad.any():
            shown = np.atleast_1d(arr)[bad][:5]
            who = ""
            if ids is not None and arr.ndim:
                who = f" for neuron(s) {np.asarray(ids)[bad][:5].tolist()}"
            raise ParameterError(
                f"{cls.name} parameter {name!r} must be {p.describe()}; got "
                f"{', '.join(f'{v:g}' for v in shown)}{who}")
        return arr

    @classmethod
    def param_array(cls, n: int, props: dict | None = None) -> np.ndarray:
        """``P`` for ``n`` neurons: defaults, overridden by scalars or length-``n`` arrays."""
        props = props or {}
        cls.check_params(props)
        P = np.empty((len(cls.params), n), dtype=np.float64)
        for k, (name, p) in enumerate(cls.params.items()):
            arr = cls.validate(name, props.get(name, p.default))
            if arr.ndim == 0:
                P[k, :] = float(arr)
            elif arr.shape == (n,):
                P[k, :] = arr
            else:
                raise ParameterError(
                    f"{cls.name}.{name}: expected a scalar or {n} values, got shape {arr.shape}")
        return P

    @classmethod
    def init_state(cls, P: np.ndarray, v_init: float | np.ndarray | None = None) -> np.ndarray:
        """``S`` from the state inits (numbers or parameter names); ``v_init`` (mV) overrides
        the :attr:`voltage` row (and every compartment voltage ``v_*``)."""
        n = P.shape[1]
        names = cls.param_names()
        S = np.empty((len(cls.states), n), dtype=np.float64)
        for k, (sname, st) in enumerate(cls.states.items()):
            if isinstance(st.init, str):
                S[k] = P[names.index(st.init)]
            else:
                S[k] = float(st.init)
            if v_init is not None and cls.voltage is not None and (
                    sname == cls.voltage or sname.startswith("v_")):
                S[k] = v_init
        return S

    @classmethod
    def init_queue(cls, S: np.ndarray, P: np.ndarray) -> np.ndarray:
        """Initial self-event queue ``Q`` (event models): row 0 times (ms, inf = none), row 1 flags."""
        Q = np.empty((2, S.shape[1]), dtype=np.float64)
        Q[0] = np.inf
        Q[1] = 0.0
        return Q

    @classmethod
    def synapse_channel(cls, sign: int, compartment: str | None = None) -> int:
        """Row of ``I`` for an edge of weight sign ``sign`` (+1/-1) onto ``compartment``."""
        ch = cls.exc_channel if sign >= 0 else cls.inh_channel
        if compartment is not None and compartment != cls.compartments[0]:
            if compartment not in cls.compartments:
                raise ParameterError(
                    f"{cls.name} has no compartment {compartment!r}; compartments: "
                    f"{list(cls.compartments)}")
            ch = f"{compartment}.{ch.split('.')[-1]}"
        try:
            return cls.channels.index(ch)
        except ValueError:
            raise ParameterError(f"{cls.name}: channel {ch!r} not in {cls.channels}") from None

    @classmethod
    def prepare(cls, P: np.ndarray, dt: float) -> np.ndarray:
        """Hook called once per run: return ``P`` with dt-dependent rows appended (e.g. exact
        propagators ``exp(-dt/tau)``) so that ``step`` needs no ``exp`` per neuron and step."""
        return P

    @classmethod
    def check(cls, P: np.ndarray, dt: float) -> None:
        """Hook: raise ``StabilityError``/``ParameterError`` if ``dt`` (ms) or ``P`` is unusable."""


_REGISTRY: dict[str, type[PointModel]] = {}


def register_model(cls: type[PointModel]) -> type[PointModel]:
    """Class decorator: make ``cls`` available as ``model=cls.name``."""
    if not cls.name:
        raise ValueError("a PointModel needs a name")
    _REGISTRY[cls.name] = cls
    return cls


def available_models() -> list[str]:
    """Names of the registered point models."""
    from . import load_all  # imports the model modules, which fills the registry

    load_all()
    return sorted(_REGISTRY)


def get_model(model) -> type[PointModel]:
    """The model class for a name (or the class itself).

    Parameters
    ----------
    model : str or type
        Registered model name (e.g. ``"LIF"``) or a PointModel subclass, returned unchanged.

    Returns
    -------
    type
        The PointModel subclass.

    Raises
    ------
    ParameterError
        If the name is unknown; the message lists the available models.
    """
    if isinstance(model, type) and issubclass(model, PointModel):
        return model
    names = available_models()
    if model not in _REGISTRY:
        raise ParameterError(f"unknown point-neuron model {model!r}; available models: {names}")
    return _REGISTRY[model]
