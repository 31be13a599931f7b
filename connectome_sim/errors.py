"""Exceptions raised by connectome_sim.

Every exception names the offending item (node ID, neuron ID, parameter, time) and says what
to do about it.  The classes subclass the built-in exception a Python user would expect
(``ValueError`` for bad input, ``KeyError`` for unknown IDs, ``RuntimeError`` for a run that
fails), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ConnectomeSimError",
    "SkeletonError",
    "UnitsError",
    "RadiusError",
    "UnknownIDError",
    "IDError",
    "ParameterError",
    "StabilityError",
    "SimulationError",
    "SweepError",
    "InputFileError",
    "ParameterAdjustedWarning",
    "ModelDifferenceWarning",
    "MissingTransmitterWarning",
    "InputOutsideRunWarning",
    "in_callers_words",
    "check_number",
    "check_flag",
    "whole_steps",
]


class ConnectomeSimError(Exception):
    """Base class of every connectome_sim exception."""


class SkeletonError(ConnectomeSimError, ValueError):
    """A skeleton cannot be turned into a cable tree (fragments, cycles, missing parents)."""


class UnitsError(SkeletonError):
    """Coordinates are not in µm and cannot be converted safely."""


class RadiusError(SkeletonError):
    """Missing, NaN or non-positive radii under the ``'raise'`` policy."""


class UnknownIDError(ConnectomeSimError, KeyError):
    """Node, connector, section or neuron IDs that the model does not contain.

    ``str()`` of a KeyError shows its repr; we override it so the message reads cleanly.
    """

    def __str__(self) -> str:  # pragma: no cover - trivial
        return str(self.args[0]) if self.args else ""


class IDError(ConnectomeSimError, ValueError):
    """Values that cannot be IDs (booleans, rounded floats, strings mixed with integers).

    See :mod:`connectome_sim.ids` for the policy.
    """


class ParameterError(ConnectomeSimError, TypeError, ValueError):
    """Unknown or invalid parameters (the message names the parameter and, for unknown
    names, lists the valid ones).  Both a ``TypeError`` (wrong name or type) and a
    ``ValueError`` (NaN, infinite or out-of-range value)."""


class InputFileError(ConnectomeSimError, ValueError):
    """A file that cannot be read as what it should be (binary, empty, header-only, corrupt);
    the message names the path."""


class ParameterAdjustedWarning(UserWarning):
    """Parameters that a model changes before it runs, as its reference does (NEURON's
    IntFire2/IntFire4 force their time constants apart); the message names the parameter,
    how many neurons, and the value used instead."""


class ModelDifferenceWarning(UserWarning):
    """An export runs the reference tool's nearest model, whose dynamics differ from ours in
    a way that changes results; the message names the difference and its measured size."""


class MissingTransmitterWarning(UserWarning):
    """Rows of an edge list's transmitter column are blank or NaN: their sign is unknown, and
    they are taken as excitatory; the message names the column, how many rows and examples."""


class InputOutsideRunWarning(UserWarning):
    """A stimulus, current or spike train lies (wholly or partly) outside the run, so that
    part of it does nothing; the message names the input, its neurons (or locations) and the
    times, beside the run's end."""


class StabilityError(ConnectomeSimError, ValueError):
    """The time step is too large for the requested model or delays."""


class SimulationError(ConnectomeSimError, RuntimeError):
    """A run blew up (NaN/inf or runaway voltage, runaway event counts)."""


class SweepError(SimulationError):
    """One or more rows of a :func:`connectome_sim.distributed.sweep` failed.

    Attributes
    ----------
    results : pandas.DataFrame
        The table of the rows that succeeded (parameter columns attached).
    failures : pandas.DataFrame
        One row per failed sweep row: ``row``, ``params``, ``error``, ``traceback``.
    """

    def __init__(self, message, results=None, failures=None):
        super().__init__(message)
        self.results = results
        self.failures = failures


def is_text(value) -> bool:
    """Whether ``value`` is text (str, bytes, or a numpy array/scalar of strings, or a
    collection holding strings) rather than numbers."""
    import numpy as np

    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return True
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind in ("U", "S"):
        return True
    if kind == "O" or (kind is None and isinstance(value, (list, tuple))):
        try:
            return any(isinstance(v, (str, bytes)) for v in np.asarray(value, dtype=object).ravel())
        except (TypeError, ValueError):
            return False
    return False


def check_number(value, name: str, *, low=None, strict: bool = False, high=None,
                 allow_inf: bool = False, unit: str = "") -> float:
    """Validate one numeric argument where it is given, naming it.

    Parameters
    ----------
    value : object
        The value given by the caller.
    name : str
        The keyword as the caller typed it (``'duration'``), used in the message.
    low, high : float, optional
        Bounds: ``value >= low`` (``> low`` if ``strict``), ``value <= high``.
    allow_inf : bool
        Accept +inf (e.g. "never"); NaN is always refused.
    unit : str
        Unit shown in the message (``'ms'``).

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        Not a real number (booleans included), NaN, infinite, or out of bounds.
    """
    import math
    import numbers

    u = f" {unit}" if unit else ""
    if is_text(value):
        # float('100') would work, but a Python caller passing text has usually read it from
        # somewhere unparsed ('1e3 ' or '1,5' next time): ask for the number itself
        raise ParameterError(f"{name}={value!r}: expected a number{u}, got text; pass the "
                             f"number itself (e.g. {name}=float(...))")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            if isinstance(value, bool) or getattr(value, "dtype", None) is not None and \
                    value.dtype.kind == "b":
                raise TypeError
            v = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{name}={value!r}: expected a number{u}") from None
    else:
        v = float(value)
    if math.isnan(v) or (math.isinf(v) and not (allow_inf and v > 0)):
        raise ParameterError(f"{name}={v}: must be a finite number{u}")
    if low is not None and (v <= low if strict else v < low):
        raise ParameterError(f"{name}={v:g}: must be {'>' if strict else '>='} {low:g}{u}")
    if high is not None and v > high:
        raise ParameterError(f"{name}={v:g}: must be <= {high:g}{u}")
    return v


def check_flag(value, name: str) -> bool:
    """Validate a True/False argument where it is given, naming it.

    Only ``True``/``False`` (Python or numpy booleans) are accepted: ``heal='no'`` is truthy,
    and taking it as True would do the opposite of what was asked.

    Parameters
    ----------
    value : object
        The value given by the caller.
    name : str
        The keyword as the caller typed it (``'heal'``), used in the message.

    Returns
    -------
    bool

    Raises
    ------
    ParameterError
    """
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name}={value!r}: expected True or False")
    return bool(value)


def whole_steps(duration: float, dt: float, where: str = "run_simulation") -> int:
    """Number of steps of ``dt`` in ``duration`` (both ms, already checked > 0), refusing a
    duration that is not a whole number of steps.

    Rounding would run another length than asked and report the one asked (17 steps of
    0.3 ms are 5.1 ms for ``duration=5``); the message names both values and the nearest
    valid durations.  A tolerance of 1e-6 steps absorbs binary rounding (``10 / 0.1``).

    Parameters
    ----------
    duration : float
        Run length asked for, ms.
    dt : float
        Time step, ms.
    where : str
        The caller's name for the message (a function or a CLI flag).

    Returns
    -------
    int
        Number of steps.

    Raises
    ------
    ParameterError
    """
    import math

    steps = duration / dt
    n = int(round(steps))
    if n < 1:
        raise ParameterError(f"{where}: duration={duration:g} ms is shorter than one step "
                             f"(dt={dt:g} ms)")
    if abs(steps - n) > 1e-6 * max(1.0, steps):
        lo, hi = max(math.floor(steps), 1) * dt, math.ceil(steps) * dt
        raise ParameterError(f"{where}: duration={duration:g} ms is not a whole number of "
                             f"steps of dt={dt:g} ms ({steps:.4g} steps); use "
                             f"duration={lo:.6g} or {hi:.6g}, or a dt that divides it")
    return n


def check_whole(value, name: str, *, low: int = 0, high=None) -> int:
    """Validate one whole-number argument (a count, an index) where it is given, naming it.

    Booleans, floats (``2.5`` must not become 2) and text are refused, as are values below
    ``low`` or above ``high``.

    Returns
    -------
    int

    Raises
    ------
    ParameterError
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):   # np.bool_ too
        raise ParameterError(f"{name}={value!r}: expected a whole number >= {low}")
    if value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"from {low} to {high}"
        raise ParameterError(f"{name}={value!r}: must be {rng}")
    return int(value)


# --------------------------------------------------------------------- the caller's language
# Messages are written for Python users: they name keywords ("pass units='nm'").  A front end
# with its own vocabulary (the command line) renders them through a table keyword -> flag with
# in_callers_words(); the table lives with that front end (cli_commands/_util.py), so library
# code keeps one wording and needs no knowledge of the command line.
_KW_VALUE = re.compile(
    r"(?<![\w.\-])(?P<kw>[A-Za-z_][A-Za-z0-9_]*)="
    r"(?P<val>'[^']*'|\"[^\"]*\"|<[^>]*>|[^\s,;)\]]*)")


def in_callers_words(message: str, flags: Mapping[str, object]) -> str:
    """Rewrite ``keyword=value`` advice in ``message`` with a front end's own names.

    Parameters
    ----------
    message : str
        An error message written for Python users.
    flags : mapping
        ``keyword -> flag`` (``'units' -> '--units'``), or ``keyword -> {value: flag,
        None: flag}`` for flags chosen by value (``'heal' -> {'True': '--heal'}``,
        ``'weight_col' -> {'False': '--unweighted', None: '--weight-col'}``).  Keywords
        absent from the table are left as they are.

    Returns
    -------
    str
        ``units='nm'`` becomes ``--units nm``; ``heal=True`` becomes ``--heal``;
        ``source_col=`` becomes ``--source-col``.

    Examples
    --------
    >>> in_callers_words("pass units='nm'", {"units": "--units"})
    'pass --units nm'
    """

    def render(m):
        kw, val = m.group("kw"), m.group("val")
        entry = flags.get(kw)
        if entry is None:
            return m.group(0)
        if isinstance(entry, Mapping):
            bare = val.strip("'\"")
            if bare in entry:
                return str(entry[bare])
            entry = entry.get(None)
            if entry is None:
                return m.group(0)
        bare = val[1:-1] if val[:1] in "'\"" and val[-1:] == val[:1] and len(val) > 1 else val
        return f"{entry} {bare}" if bare else str(entry)

    return _KW_VALUE.sub(render, message)
