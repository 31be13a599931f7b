"""``connectome-sim warmup``: compile the kernels a first run needs, ahead of time.

numba compiles connectome_sim's kernels on their first call and caches them on disk
(``$CONNECTOME_SIM_CACHE`` for the generated modules, numba's own cache for the rest), so only
the first run after an install pays for compilation.  This command pays it up front, e.g. in
an install script or a container build, by running tiny models of each kind.
"""

from __future__ import annotations

import argparse
import time

HELP = "Compile the cable and point-network kernels now, so that first runs start at once."


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``warmup`` options on ``p``."""
    p.add_argument("--models", nargs="+", default=["LIF"], metavar="MODEL",
                   help="point-network models to compile (default: LIF; see "
                        "connectome_sim.network.available_models())")
    p.add_argument("--trials", action="store_true",
                   help="also compile the cable kernel that runs several trials at once")


def _check_models(models) -> None:
    from ..network import available_models

    unknown = [m for m in models if m not in available_models()]
    if unknown:
        raise ValueError(f"--models: unknown model(s) {unknown}; available: "
                         f"{', '.join(available_models())}")


def _network(model: str) -> None:
    import numpy as np

    from ..engine.network import DENSE_ONLY_MAX, PREFETCH_MIN_EDGES
    from ..network import PointNetwork
    from ..network.simulate import PARALLEL_MIN

    # the kernel variants a first run may pick: a small group of few edges (dense pass only,
    # no delivery prefetches), a larger one (with the sparse pass and the prefetches, as
    # trials in parallel), and on several cores the threaded variant of a one-trial run of a
    # whole-brain-sized group
    for n, trials in ((2, 1), (DENSE_ONLY_MAX + 1, 2), (PARALLEL_MIN, 1)):
        net = PointNetwork(model)
        net.add_neurons(range(1, n + 1))
        if n == 2:
            net.connect(1, 2, 1.0)
        else:       # (each neuron onto the next ones: more edges than PREFETCH_MIN_EDGES)
            k = PREFETCH_MIN_EDGES // n + 1
            src = np.repeat(np.arange(1, n + 1), k)
            tgt = (src + np.tile(np.arange(k), n)) % n + 1
            net.connect(src, tgt, 1e-3)
        net.add_poisson_input([1], rate=100.0)
        net.run_simulation(5.0, n_trials=trials, seed=0)


def run(args: argparse.Namespace) -> int:
    """Compile (or load from the cache) the cable kernels and the chosen network kernels."""
    from ..cable.runner import warmup

    _check_models(args.models)
    say = (lambda *a: None) if args.quiet else print
    t0 = time.perf_counter()
    warmup(trials=args.trials)
    say(f"cable kernels ready ({time.perf_counter() - t0:.1f} s)")
    for model in args.models:
        t1 = time.perf_counter()
        _network(model)
        say(f"{model} network kernels ready ({time.perf_counter() - t1:.1f} s)")
    return 0
