"""Exceptions raised by connectome_sim.

Every exception names the offending item (node ID, neuron ID, parameter, time) and says what
to do about it.  The classes subclass the built-in exception a Python user would expect
(``ValueError`` for bad input, ``KeyError`` for unknown IDs, ``RuntimeError`` for a run that
fails), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

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


class ParameterError(ConnectomeSimError, TypeError):
    """Unknown mechanism/model parameters (the message lists the valid ones)."""


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
