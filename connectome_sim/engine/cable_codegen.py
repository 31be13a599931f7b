"""Render and load the cable kernel and the density-mechanism kernels.

Two kinds of generated module, both rendered from ``engine/templates/`` by
:func:`connectome_sim.engine.codegen.render` and imported by
:func:`connectome_sim.engine.codegen.load_module` (so numba's on-disk cache serves later
processes):

* the cable kernel (``cable_kernel.py.j2``): the time loop, the Hines solve, events, point
  processes, gap junctions and records; its source does not depend on the model, so it is
  compiled once per install;
* one module per kernel mechanism: the mechanism's template (``cable_hh.py.j2``,
  ``cable_channel.py.j2``...) rendered with the mechanism's own context, whose ``mech_``
  entry point (a ``cfunc`` with the signature :data:`.cable_abi.MECH_SIG`) the kernel calls
  through its address.  hh is the same module for every model; a user channel compiles only
  its own loops.

A kernel mechanism (the engine's duck-typed view of a
:class:`connectome_sim.mechanisms.DensityMechanism`) provides ``name``, ``param_names``,
``state_names``, ``kernel_template`` (file name), ``kernel_context()`` (dict for the template),
``kernel_rows`` (rows of per-instance state: the states, then work rows) and
``kernel_globals`` (length of its per-run constants).  Every generated module's source holds
:data:`ENGINE_HASH` (a hash of the ABI module and the templates), so a changed engine never
meets a stale numba cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from functools import lru_cache

from . import cable_abi
from .codegen import compile_notice, is_cached, load_module, render

__all__ = ["kernel_module", "mechanism_module", "mechanism_address", "mechanism_cached",
           "ENGINE_HASH", "KERNEL_VERSION", "first_call", "announced"]

#: Version of the kernel's interface to cable_run (the arrays of CableSystem / TrialState).
KERNEL_VERSION = "14"

_HERE = os.path.dirname(__file__)


def _engine_hash() -> str:
    h = hashlib.sha1()
    for path in [cable_abi.__file__] + sorted(
            os.path.join(_HERE, "templates", f) for f in os.listdir(os.path.join(_HERE, "templates"))
            if f.startswith("cable")):
        with open(path, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:12]


#: Hash of the engine sources every generated module depends on.
ENGINE_HASH = _engine_hash()


@lru_cache(maxsize=None)
def kernel_module():
    """The compiled cable kernel module (one per install)."""
    src = render("cable_kernel.py.j2", version=KERNEL_VERSION,
                 abi_version=cable_abi.ABI_VERSION, engine_hash=ENGINE_HASH)
    return load_module(src, "cs_cable_kernel")


_OUTER = [0]


@contextlib.contextmanager
def announced():
    """Inside: the compilations have been announced by the caller (one notice for a run), so
    :func:`first_call` and :func:`mechanism_module` stay silent."""
    _OUTER[0] += 1
    try:
        yield
    finally:
        _OUTER[0] -= 1


def _mechanism_source(mech) -> str:
    return render(mech.kernel_template, abi_version=cable_abi.ABI_VERSION,
                  engine_hash=ENGINE_HASH, **mech.kernel_context())


def mechanism_module(mech):
    """The compiled module of kernel mechanism ``mech`` (its ``mech_`` entry point).

    The entry point is a ``cfunc``, compiled when the module is first imported: the first
    time a mechanism is used after install, this says so on stderr and how long it took
    (unless inside :func:`announced`).
    """
    return load_module(_mechanism_source(mech), "cs_mech",
                       notice=None if _OUTER[0] else f"{mech.name} mechanism kernel")


def mechanism_cached(mech) -> bool:
    """True when loading ``mech``'s kernel compiles nothing (numba's cache holds it)."""
    return is_cached(_mechanism_source(mech), "cs_mech")


def mechanism_address(mech) -> int:
    """Address of ``mech``'s entry point (see :mod:`.cable_abi`)."""
    return int(mechanism_module(mech).mech_.address)


_CALLED: set = set()


@contextlib.contextmanager
def first_call(mod, function: str, what: str):
    """Context manager around a kernel call: announces a compilation when ``function`` of
    ``mod`` is not in numba's cache yet (see :func:`.codegen.compile_notice`), unless inside
    :func:`announced`; after the first call in a process it costs nothing."""
    key = (mod.__name__, function)
    if _OUTER[0] or key in _CALLED:
        yield
    else:
        with compile_notice(what, mod, function=function):
            yield
    _CALLED.add(key)

