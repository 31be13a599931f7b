"""Point-neuron models for :class:`connectome_sim.network.PointNetwork`.

The plug-in contract is in :mod:`connectome_sim.network.models.base`.  Model modules register
themselves on import; :func:`load_all` imports every module listed in ``MODEL_MODULES``
(modules that do not exist yet are skipped).
"""

from __future__ import annotations

import importlib

from .base import Param, State, PointModel, register_model, get_model, available_models

__all__ = ["Param", "State", "PointModel", "register_model", "get_model", "available_models",
           "load_all", "MODEL_MODULES"]

#: Modules holding registered models (add yours here).
MODEL_MODULES = ("intfire", "lif", "expif", "adex", "izhikevich", "conductance", "dendritic",
                 "graded")


def load_all() -> None:
    """Import every model module so that its models are registered."""
    for mod in MODEL_MODULES:
        full = f"{__name__}.{mod}"
        try:
            importlib.import_module(full)
        except ModuleNotFoundError as exc:  # module not written yet
            if exc.name != full:
                raise
