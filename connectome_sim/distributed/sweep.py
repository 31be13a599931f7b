"""Parameter sweeps on a dask.distributed cluster (or serially, for comparison).

:func:`sweep` runs ``task(**row)`` for every row of a parameter table and returns one pandas
table with the parameter columns attached.  It does not schedule anything itself: the work goes
to a ``dask.distributed`` ``Client`` — a small ``LocalCluster`` by default, any cluster
unchanged — or runs in this process with ``client=False``.

Reproducibility
    Every row gets its own seed, derived from ``(seed, row number)`` by :func:`row_seed` (numpy
    ``SeedSequence``), never from the order in which workers pick up tasks.  The table is
    assembled in row order.  A sweep run twice, on one worker, on two, or serially, therefore
    returns the same table bit for bit (provided ``task`` itself is deterministic given its
    arguments, as every connectome_sim model is given its seed).

Model data
    Large objects that every row needs (a network, a connectome table) go in ``shared=``: they
    are sent to the workers once (``Client.scatter(..., broadcast=True)``) and handed to
    ``task`` as keyword arguments.  The task function itself is scattered once too, so a
    closure over a big object is not re-sent per row either.
"""

from __future__ import annotations

import inspect
import logging
import traceback
import uuid
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import SweepError

__all__ = ["sweep", "row_seed", "local_client"]


def row_seed(seed: int, row: int) -> int:
    """Seed of sweep row ``row`` for base seed ``seed``.

    Parameters
    ----------
    seed : int
        Base seed of the sweep.
    row : int
        Row number (0-based position in the parameter table).

    Returns
    -------
    int
        A 32-bit seed drawn from ``numpy.random.SeedSequence([seed, row])``: independent of the
        worker that runs the row and of the order in which rows run.
    """
    return int(np.random.SeedSequence([int(seed), int(row)]).generate_state(1, np.uint32)[0])


#: dask settings for workers that spend their time in compiled kernels.  The defaults suit
#: interactive dashboards: every worker samples its task thread's Python stack every 10 ms
#: (the statistical profiler) and the nanny polls each worker's memory every 100 ms.  On a
#: 2-core machine those background threads take CPU from the kernels that the sweep is for
#: (measured: the client process of a 2-worker cluster used ~0.8 s of CPU during an 8 s sweep).
QUIET_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "200ms",
    # one task per worker thread at a time, the next one handed out when a thread frees up
    # (greedy list scheduling): with the default 1.1 a worker also queues a second task, and
    # at the end of a sweep one worker can still hold two rows while the other sits idle.
    "distributed.scheduler.worker-saturation": 1.0,
}


def local_client(n_workers: int = 2, threads_per_worker: int = 1, processes: bool = True,
                 profile: bool = False, **kwargs):
    """Start a small ``LocalCluster`` and return a ``Client`` on it.

    Parameters
    ----------
    n_workers : int
        Number of workers (count).
    threads_per_worker : int
        Threads per worker (count).  With ``processes=True`` each worker process also gets
        ``NUMBA_NUM_THREADS = threads_per_worker`` so that numba kernels do not oversubscribe
        the cores.
    processes : bool
        Workers in separate processes (true parallelism for Python code) or threads of this
        process (fast to start; fine for numba kernels that release the GIL).
    profile : bool
        Keep dask's statistical profiler and its frequent memory/system polling (useful with
        the dashboard's profile page).  Off by default: see :data:`QUIET_WORKER_CONFIG`.
    **kwargs
        Passed to ``distributed.LocalCluster``.

    Returns
    -------
    distributed.Client
        Close it with ``client.close(); client.cluster.close()``.

    Notes
    -----
    Worker processes are started with ``spawn``: in a script, create the client under
    ``if __name__ == "__main__":`` (notebooks need nothing special).
    """
    import dask
    from distributed import Client, LocalCluster

    opts = dict(n_workers=n_workers, threads_per_worker=threads_per_worker,
                processes=processes, silence_logs=logging.ERROR,
                dashboard_address=":0")  # a free port: never clash with another cluster
    if processes:
        opts["env"] = {"NUMBA_NUM_THREADS": str(threads_per_worker)}
    opts.update(kwargs)
    # nannies hand the configuration current at their creation to the worker processes
    with dask.config.set({} if profile else QUIET_WORKER_CONFIG):
        cluster = LocalCluster(**opts)
    return Client(cluster)


# --------------------------------------------------------------------------- helpers

def _rows(params) -> list[dict]:
    """Parameter table -> list of keyword dicts (DataFrame rows or a list of dicts)."""
    if isinstance(params, pd.DataFrame):
        if not all(isinstance(c, str) for c in params.columns):
            bad = [c for c in params.columns if not isinstance(c, str)]
            raise TypeError(f"sweep: parameter columns must be strings (keyword names); "
                            f"got {bad!r}. Rename them.")
        return params.to_dict("records")
    if isinstance(params, Mapping) or not isinstance(params, Sequence):
        raise TypeError("sweep: params must be a pandas DataFrame or a list of dicts, got "
                        f"{type(params).__name__}")
    rows = []
    for i, r in enumerate(params):
        if not isinstance(r, Mapping):
            raise TypeError(f"sweep: params[{i}] is a {type(r).__name__}, expected a dict of "
                            "keyword arguments")
        rows.append(dict(r))
    return rows


def _accepts(task, name: str) -> bool:
    """Does ``task`` take a keyword argument ``name`` (explicitly or through ``**kwargs``)?"""
    try:
        sig = inspect.signature(task)
    except (TypeError, ValueError):  # builtins without a signature: pass nothing extra
        return False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            return True
        if p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            return True
    return False


def _as_frame(result) -> pd.DataFrame:
    """Turn what a task returned into a DataFrame (see :func:`sweep` for the rules)."""
    if isinstance(result, pd.DataFrame):
        frame = result
    elif isinstance(result, pd.Series):
        frame = result.to_frame(name=result.name if result.name is not None else "value")
    elif isinstance(result, Mapping):
        if all(pd.api.types.is_scalar(v) for v in result.values()):
            return pd.DataFrame({k: [v] for k, v in result.items()})
        frame = pd.DataFrame(dict(result))
    elif pd.api.types.is_scalar(result):
        return pd.DataFrame({"value": [result]})
    else:
        raise TypeError(f"task returned a {type(result).__name__}; return a DataFrame, a "
                        "Series, a dict or a scalar")
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        return frame.reset_index(drop=True)
    frame = frame.reset_index()
    return frame


def _run_row(task, row_no: int, kwargs: dict, shared: dict):
    """Run one row; never raises: returns ``(ok, payload)`` (payload = frame or traceback)."""
    try:
        return True, _as_frame(task(**kwargs, **shared))
    except BaseException as exc:  # noqa: BLE001 - reported per row, never swallowed silently
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        tb = traceback.format_exc()
        return False, (f"{type(exc).__name__}: {exc}", tb)


def _run_batch(task, batch: list, shared: dict) -> list:
    """Run several rows in one dask task: ``[(row, kwargs), ...] -> [(row, (ok, payload))]``."""
    return [(i, _run_row(task, i, kw, shared)) for i, kw in batch]


def _broadcast(value, n: int):
    if pd.api.types.is_scalar(value) or value is None:
        return [value] * n
    s = np.empty(n, dtype=object)
    for j in range(n):
        s[j] = value
    return s


def _attach(row_no: int, row: dict, frame: pd.DataFrame, extra: dict) -> pd.DataFrame:
    """Prepend the ``row`` number and the parameter columns to a task's result table."""
    n = len(frame)
    cols = {"row": np.full(n, row_no, dtype=np.int64)}
    for k, v in {**row, **extra}.items():
        cols[k] = _broadcast(v, n)
    left = pd.DataFrame(cols, index=frame.index)
    for c in left.columns.intersection(frame.columns):
        same = False
        try:
            same = bool((left[c].to_numpy() == frame[c].to_numpy()).all())
        except Exception:  # noqa: BLE001 - uncomparable values count as a clash
            same = False
        if not same:
            raise SweepError(f"sweep: row {row_no}: the task returned a column {c!r} that "
                             "clashes with a parameter column of the same name but a different "
                             "value; rename it in the task's result")
        frame = frame.drop(columns=c)
    return pd.concat([left, frame], axis=1)


# --------------------------------------------------------------------------- sweep

def sweep(task, params, client=None, *, seed: int = 0, shared: Mapping | None = None,
          seed_arg: str | None = "seed", n_workers: int = 2, threads_per_worker: int = 1,
          processes: bool = True, progress: bool = True, errors: str = "raise",
          desc: str = "sweep", batch_size: int = 1) -> pd.DataFrame:
    """Run ``task(**row)`` for every row of ``params`` and collect one table.

    Parameters
    ----------
    task : callable
        A function that builds and runs a model from keyword arguments and returns a
        ``DataFrame`` (its rows are kept; a named or non-default index becomes columns), a
        ``Series`` (one table row per entry: the index becomes a column, the values a column
        named after the Series or ``'value'``), a ``dict`` (of scalars: one row; of equal-length
        arrays: one row per element) or a scalar (column ``'value'``).
    params : pandas.DataFrame or list of dict
        One set of keyword arguments per row (rates in Hz, neuron sets, seeds, mechanism
        values...).  Values may be any picklable object.
    client : distributed.Client, str, None or False
        ``None`` (default): start a ``LocalCluster`` of ``n_workers`` workers for this sweep and
        close it afterwards.  A ``Client`` (any cluster) or a scheduler address: use it.
        ``False``: run serially in this process (the reference for comparisons).
    seed : int
        Base seed.  Row ``i`` gets ``row_seed(seed, i)`` as keyword ``seed_arg`` unless the row
        already sets it, and only if ``task`` accepts that keyword (or ``**kwargs``).
    shared : dict, optional
        Keyword arguments common to every row (model data: a network, an edge list).  Sent to
        each worker once and passed to every call; not added to the table.
    seed_arg : str or None
        Name of the seed keyword (``None``: pass no seed).
    n_workers, threads_per_worker, processes : int, int, bool
        Shape of the ``LocalCluster`` started when ``client is None`` (see
        :func:`local_client`).
    progress : bool
        Show a tqdm progress bar.
    errors : {'raise', 'collect'}
        What to do when rows fail.  Every row is run either way and each failure keeps its
        traceback.  ``'raise'``: raise :class:`~connectome_sim.errors.SweepError` listing the
        failed rows; the finished rows are in its ``results`` attribute and the failures (row,
        params, error, traceback) in ``failures``.  ``'collect'``: warn and return the table
        of the rows that succeeded, with the failures table in ``table.attrs['failures']``.
    desc : str
        Label of the progress bar.
    batch_size : int
        Rows per dask task.  Raise it when rows take only milliseconds, so that the
        scheduler's per-task overhead (~ms) does not dominate; results do not change.

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (position in ``params``), the parameter columns, the seed column
        (when a seed was passed) and the task's result columns; rows in ``params`` order.

    Raises
    ------
    SweepError
        With ``errors='raise'``, when at least one row failed.

    Examples
    --------
    >>> def task(rate, seed):
    ...     return {"double": rate * 2.0}
    >>> t = sweep(task, [{"rate": 10.0}, {"rate": 20.0}], client=False, progress=False)
    >>> list(t.columns), t["double"].tolist()
    (['row', 'rate', 'seed', 'double'], [20.0, 40.0])
    """
    from tqdm import tqdm  # plain text bar: works in terminals and notebooks alike

    if int(batch_size) < 1:
        raise ValueError(f"sweep: batch_size must be >= 1, got {batch_size}")
    if errors not in ("raise", "collect"):
        raise ValueError(f"sweep: errors must be 'raise' or 'collect', got {errors!r}")
    if not callable(task):
        raise TypeError(f"sweep: task must be callable, got {type(task).__name__}")
    rows = _rows(params)
    shared = dict(shared or {})
    for k in shared:
        for r_no, r in enumerate(rows):
            if k in r:
                raise ValueError(f"sweep: {k!r} is both a shared argument and a parameter of "
                                 f"row {r_no}; keep it in one place")
    give_seed = seed_arg is not None and _accepts(task, seed_arg)
    kwargs_list, extras = [], []
    for i, r in enumerate(rows):
        extra = {}
        if give_seed and seed_arg not in r:
            extra[seed_arg] = row_seed(seed, i)
        kwargs_list.append({**r, **extra})
        extras.append(extra)

    outcomes: dict[int, tuple] = {}
    bar = tqdm(total=len(rows), desc=desc, disable=not progress)
    try:
        if client is False:
            for i, kw in enumerate(kwargs_list):
                outcomes[i] = _run_row(task, i, kw, shared)
                bar.update(1)
        else:
            outcomes = _run_dask(task, kwargs_list, shared, client, bar,
                                 dict(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                      processes=processes), int(batch_size))
    finally:
        bar.close()

    frames, failures = [], []
    for i in range(len(rows)):
        ok, payload = outcomes[i]
        if ok:
            frames.append(_attach(i, rows[i], payload, extras[i]))
        else:
            failures.append({"row": i, "params": kwargs_list[i], "error": payload[0],
                             "traceback": payload[1]})
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:
        table = pd.DataFrame({"row": np.empty(0, dtype=np.int64)})
    if failures:
        fail = pd.DataFrame(failures)
        lines = "\n".join(f"  row {f['row']} {f['params']!r}: {f['error']}" for f in failures)
        msg = (f"sweep: {len(failures)} of {len(rows)} rows failed:\n{lines}\n"
               f"Traceback of row {failures[0]['row']}:\n{failures[0]['traceback']}")
        if errors == "raise":
            raise SweepError(msg + "\nThe finished rows are in this exception's .results, the "
                             "failures in .failures (or pass errors='collect').",
                             results=table, failures=fail)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
        table.attrs["failures"] = fail
    return table


def _run_dask(task, kwargs_list, shared, client, bar, cluster_opts,
              batch_size=1) -> dict[int, tuple]:
    """Submit every row to dask; return ``{row: (ok, payload)}``."""
    from distributed import Client, as_completed

    own = client is None
    if own:
        client = local_client(**cluster_opts)
    elif isinstance(client, str):
        client = Client(client)
        own = True
    try:
        # Big objects travel once: scatter the task and the shared data to every worker.
        task_f = client.scatter([task], broadcast=True, hash=False)[0]
        shared_f = {k: client.scatter([v], broadcast=True, hash=False)[0]
                    for k, v in shared.items()}
        tag = uuid.uuid4().hex[:8]
        futs = {}
        items = list(enumerate(kwargs_list))
        for b0 in range(0, len(items), batch_size):
            batch = items[b0:b0 + batch_size]
            f = client.submit(_run_batch, task_f, batch, shared_f, key=f"sweep-{tag}-{b0}",
                              pure=False)
            futs[f] = [i for i, _ in batch]
        out = {}
        for f in as_completed(futs):
            rows = futs[f]
            if f.status == "finished":
                out.update(dict(f.result()))
            else:  # the worker died or the task could not be deserialised
                exc = f.exception()
                tb = "".join(traceback.format_exception(type(exc), exc, f.traceback()))
                for i in rows:
                    out[i] = (False, (f"{type(exc).__name__}: {exc}", tb))
            bar.update(len(rows))
        return out
    finally:
        if own:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
