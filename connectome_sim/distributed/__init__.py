"""Beyond one run: parameter sweeps on dask.distributed (see :func:`sweep`)."""

from .sweep import local_client, row_seed, sweep

__all__ = ["sweep", "row_seed", "local_client"]
