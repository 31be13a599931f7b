"""Shared helpers of the plotting functions: backends, spike-table checks, groups, stimuli.

Nothing here knows about PointNetwork or CompartmentModel: the plotting functions take plain
pandas tables (spikes with columns ``trial``, ``neuron_id``, ``time`` in ms) so that any model's
results can be drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, UnknownIDError

#: Qualitative palette (plotly's D3 colours) used for groups in both backends.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]

SPIKE_COLUMNS = ("trial", "neuron_id", "time")


def check_backend(backend: str) -> str:
    """Return ``'plotly'`` or ``'matplotlib'`` (navis's ``'auto'`` means plotly); raise
    ParameterError for anything else."""
    if backend not in ("plotly", "matplotlib", "auto"):
        raise ParameterError(f"backend must be 'plotly' or 'matplotlib', got {backend!r}")
    return "plotly" if backend == "auto" else backend


def unpack_source(source, kwargs: dict) -> pd.DataFrame:
    """Accept a spike table or a simulated model (anything with a ``spikes`` DataFrame).

    From a model (e.g. a ``PointNetwork`` after ``run_simulation``) fill the keyword arguments the
    caller left unset: ``neuron_ids`` (``model.ids``), ``labels`` (``model.labels``),
    ``stimuli`` (``model.stimuli``), ``n_trials``, ``duration`` (ms) and ``mark``
    (``model.cable_ids``: a multi-scale network's cable neurons).  ``kwargs`` is updated
    in place; returns the spike table.
    """
    if isinstance(source, pd.DataFrame):
        return source
    spikes = getattr(source, "spikes", None)
    if not isinstance(spikes, pd.DataFrame):
        raise ParameterError(
            f"expected a spike table (DataFrame with columns {SPIKE_COLUMNS}) or a simulated model "
            f"with a .spikes table, got {type(source).__name__}; call run_simulation() first")
    if kwargs.get("stimuli") is True:  # navis's stimuli=True: the model's own stimuli
        kwargs["stimuli"] = None
    for key, attr in (("neuron_ids", "ids"), ("labels", "labels"), ("stimuli", "stimuli"),
                      ("n_trials", "n_trials"), ("duration", "duration"),
                      ("mark", "cable_ids")):
        if key in kwargs and kwargs[key] is None:
            try:
                val = getattr(source, attr, None)
            except Exception:  # a property that needs a run, etc.
                val = None
            if val is not None:
                kwargs[key] = val
    return spikes


def as_label_table(labels) -> pd.DataFrame | None:
    """Labels as a DataFrame indexed by neuron ID (a Series becomes column ``label``)."""
    if labels is None or isinstance(labels, pd.DataFrame):
        return labels
    if isinstance(labels, pd.Series):
        return labels.rename("label").to_frame()
    if isinstance(labels, Mapping):
        return pd.Series(labels, name="label").to_frame()
    raise ParameterError("labels must be a DataFrame (indexed by neuron ID), a Series or a dict, "
                         f"got {type(labels).__name__}")


def check_spikes(spikes: pd.DataFrame) -> pd.DataFrame:
    """Validate a spike table and return it with a ``trial`` column (0 if missing).

    Raises
    ------
    ParameterError
        If ``spikes`` is not a DataFrame or lacks ``neuron_id``/``time`` columns.
    """
    if not isinstance(spikes, pd.DataFrame):
        raise ParameterError(
            f"spikes must be a pandas DataFrame with columns {SPIKE_COLUMNS}, "
            f"got {type(spikes).__name__}")
    missing = [c for c in ("neuron_id", "time") if c not in spikes.columns]
    if missing:
        raise ParameterError(
            f"spike table is missing column(s) {missing}; expected columns {SPIKE_COLUMNS} "
            f"(time in ms), got {list(spikes.columns)}")
    if "trial" not in spikes.columns:
        spikes = spikes.assign(trial=0)
    return spikes


def select_trials(spikes: pd.DataFrame, trial, n_trials=None) -> tuple[pd.DataFrame, list]:
    """Keep the requested trial(s): ``None`` = all, an int or a list of ints.  With
    ``n_trials`` (the run's), every trial 0..n_trials-1 exists, spikes or not (a short trial
    may have none)."""
    trials = sorted(spikes["trial"].unique().tolist())
    if n_trials is not None:
        trials = sorted(set(trials) | set(range(int(n_trials))))
    if trial is None:
        return spikes, trials
    wanted = [trial] if np.isscalar(trial) else list(trial)
    unknown = [t for t in wanted if t not in trials]
    if unknown and len(spikes):
        raise UnknownIDError(f"trial(s) {unknown} not in the spike table (trials present: "
                             f"{trials[:10]}{'...' if len(trials) > 10 else ''})")
    return spikes[spikes["trial"].isin(wanted)], wanted


def group_map(ids, group, labels: pd.DataFrame | None = None) -> pd.Series:
    """Map neuron IDs to a group name.

    Parameters
    ----------
    ids : sequence
        Neuron IDs to map.
    group : None, str, Mapping, pandas.Series or callable
        ``None``: one group ``'all'``; a column name of ``labels``; a mapping / Series
        ``neuron_id -> group``; or a function ``neuron_id -> group``.  IDs missing from a mapping
        go to group ``'other'``.
    labels : pandas.DataFrame, optional
        Table indexed by neuron ID with label columns (e.g. ``cell_type``).

    Returns
    -------
    pandas.Series
        Group name per ID (index = IDs), as strings.
    """
    ids = pd.Index(ids)
    if group is None or group is False:
        return pd.Series("all", index=ids)
    if group is True:  # navis semantics: group by the neurons' labels
        if labels is None or not len(labels.columns):
            raise ParameterError("group=True groups by labels, but no labels were given")
        group = labels.columns[0]
    if isinstance(group, str):
        if labels is None or group not in labels.columns:
            cols = [] if labels is None else list(labels.columns)
            raise ParameterError(f"group={group!r} names no column of the labels table "
                                 f"(columns: {cols}); pass labels=DataFrame indexed by "
                                 f"neuron_id, or a mapping neuron_id -> group")
        s = labels[group]
    elif callable(group) and not isinstance(group, (Mapping, pd.Series)):
        return pd.Series([str(group(i)) for i in ids], index=ids)
    elif isinstance(group, (Mapping, pd.Series)):
        s = pd.Series(group)
    else:
        raise ParameterError("group must be None, a label column name, a mapping / Series "
                             f"neuron_id -> group, or a function; got {type(group).__name__}")
    return s.reindex(ids).fillna("other").astype(str)


def label_map(ids, label, labels: pd.DataFrame | None = None) -> pd.Series | None:
    """Row labels for neuron IDs: ``False`` none, ``True`` the IDs, a column name or a mapping."""
    ids = pd.Index(ids)
    if label is None or label is False:
        return None
    if label is True:
        if labels is not None and "label" in labels.columns:
            return labels["label"].reindex(ids).fillna("").astype(str)
        return pd.Series([str(i) for i in ids], index=ids)
    if isinstance(label, str):
        if labels is None or label not in labels.columns:
            raise ParameterError(f"label={label!r} names no column of the labels table")
        return labels[label].reindex(ids).fillna("").astype(str)
    return pd.Series(label).reindex(ids).fillna("").astype(str)


def normalise_stimuli(stimuli) -> pd.DataFrame:
    """Stimulus windows as a DataFrame with ``start``, ``stop`` (ms) and ``label``.

    Accepts ``None``, a DataFrame with ``start`` and ``stop`` (or ``duration``) columns, a dict,
    or a list of dicts / objects with ``start`` and ``stop`` attributes (navis's ``Stimulus``).
    """
    cols = ["start", "stop", "label"]
    if stimuli is None or isinstance(stimuli, bool) or (isinstance(stimuli, pd.DataFrame)
                                                       and not len(stimuli)):
        return pd.DataFrame({"start": pd.Series(dtype=float), "stop": pd.Series(dtype=float),
                             "label": pd.Series(dtype=str)})
    if isinstance(stimuli, pd.DataFrame):
        df = stimuli.copy()
    else:
        if isinstance(stimuli, Mapping):
            stimuli = [stimuli]
        rows = []
        for s in stimuli:
            get = s.get if isinstance(s, Mapping) else (lambda k, d=None, s=s: getattr(s, k, d))
            rows.append({"start": get("start"), "stop": get("stop"),
                         "duration": get("duration"), "label": get("label")})
        df = pd.DataFrame(rows)
    if "start" not in df.columns:
        raise ParameterError("stimuli need a 'start' column (ms)")
    if "stop" not in df.columns or df["stop"].isna().any():
        if "duration" not in df.columns:
            raise ParameterError("stimuli need a 'stop' or a 'duration' column (ms)")
        stop = df["start"] + df["duration"]
        df["stop"] = df["stop"].fillna(stop) if "stop" in df.columns else stop
    if "label" not in df.columns:
        df["label"] = ""
    df["label"] = df["label"].fillna("").astype(str)
    df = df[cols].astype({"start": float, "stop": float})
    df = df[np.isfinite(df["start"])]
    bad = df[df["stop"] < df["start"]]
    if len(bad):
        raise ParameterError(f"stimulus window(s) end before they start: {bad.to_dict('records')}")
    return df.reset_index(drop=True)


def subset_ids(all_ids, subset) -> list:
    """Restrict ``all_ids`` to ``subset`` (keeping ``subset``'s order); unknown IDs raise."""
    if subset is None:
        return list(all_ids)
    subset = [subset] if np.isscalar(subset) else list(subset)
    known = set(all_ids)
    unknown = [i for i in subset if i not in known]
    if unknown:
        raise UnknownIDError(f"neuron ID(s) {unknown[:20]} in subset are not in the table; "
                             "pass IDs that appear in the spike table or in neuron_ids=")
    return subset


def group_colours(groups) -> dict[str, str]:
    """Palette colour per group name, in order of first appearance."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(dict.fromkeys(groups))}


def get_pyplot() -> Any:
    """Import matplotlib.pyplot with a clear message if matplotlib is not installed."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("backend='matplotlib' needs matplotlib: pip install matplotlib") from e
    return plt
