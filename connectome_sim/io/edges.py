"""Edge-list readers: CSV/parquet files or DataFrames, with column auto-detection.

Recognised column sets (case-insensitive), tried in this order:

========================  =====================  ==============================
source                    target                 weight
========================  =====================  ==============================
source                    target                 weight
pre                       post                   weight
bodyId_pre (neuPrint)     bodyId_post            weight
pre_root_id (FlyWire)     post_root_id           syn_count
pre_pt_root_id            post_pt_root_id        syn_count
Presynaptic_ID (Shiu)     Postsynaptic_ID        Excitatory x Connectivity
========================  =====================  ==============================

A missing weight column means one synapse per row (weight 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["read_edges", "detect_columns", "neurotransmitter_signs", "INHIBITORY_NT"]

_PAIRS = [
    ("source", "target"), ("pre", "post"), ("bodyid_pre", "bodyid_post"),
    ("pre_root_id", "post_root_id"), ("pre_pt_root_id", "post_pt_root_id"),
    ("presynaptic_id", "postsynaptic_id"), ("from", "to"),
]
_WEIGHTS = ["weight", "syn_count", "excitatory x connectivity", "connectivity", "count",
            "synapses", "n_syn", "w"]

#: neurotransmitters treated as inhibitory by default (as in Shiu et al. 2024)
INHIBITORY_NT = ("gaba", "glu", "glutamate")


def _find(df: pd.DataFrame, name: str) -> str | None:
    low = {str(c).lower(): c for c in df.columns}
    return low.get(name.lower())


def detect_columns(df: pd.DataFrame, source_col=None, target_col=None, weight_col=None):
    """Return the ``(source, target, weight)`` column names of an edge list.

    Explicit names must exist; ``None`` entries are auto-detected from common spellings
    (e.g. ``pre``/``post``, ``source``/``target``; ``weight``, ``syn_count``...).

    Parameters
    ----------
    df : pandas.DataFrame
        The edge list, one row per connection.
    source_col, target_col : str, optional
        Names of the presynaptic / postsynaptic neuron ID columns; auto-detected if None.
    weight_col : str, optional
        Name of the weight column (synapse count or model weight unit); auto-detected if
        None, and left None when the edge list has no weight column.

    Returns
    -------
    tuple
        ``(source_col, target_col, weight_col)``; ``weight_col`` may be None.

    Raises
    ------
    ParameterError
        Naming the available columns when a given name is missing or nothing matches (never
        a bare ``KeyError``).
    """
    cols = list(df.columns)
    for name in (source_col, target_col, weight_col):
        if name is not None and name not in df.columns:
            raise ParameterError(
                f"edge list has no column {name!r}; its columns are {cols}. Pass the right "
                "source_col/target_col/weight_col (or leave them None to auto-detect)")
    if source_col is None or target_col is None:
        for s, t in _PAIRS:
            cs, ct = _find(df, s), _find(df, t)
            if cs is not None and ct is not None:
                source_col = source_col or cs
                target_col = target_col or ct
                break
        else:
            raise ParameterError(
                f"cannot tell the source/target columns of the edge list {cols}; expected one of "
                f"{[p for p in _PAIRS]} or pass source_col= and target_col=")
    if weight_col is None:
        for w in _WEIGHTS:
            cw = _find(df, w)
            if cw is not None and cw not in (source_col, target_col):
                weight_col = cw
                break
    return source_col, target_col, weight_col


def read_edges(edges, source_col=None, target_col=None, weight_col=None, header="infer"):
    """Load an edge list into a DataFrame (no column renaming).

    Parameters
    ----------
    edges : DataFrame, str or Path
        A DataFrame, or a ``.csv``/``.csv.gz``/``.tsv``/``.parquet``/``.feather`` file.  A CSV
        whose first row is numeric is read without header as ``source, target[, weight]``.
    source_col, target_col, weight_col : str, optional
        Column names; auto-detected when None (see module docstring).
    """
    if isinstance(edges, pd.DataFrame):
        return edges
    path = Path(edges)
    if not path.exists():
        raise FileNotFoundError(f"edge list file {path} does not exist")
    suf = "".join(path.suffixes).lower()
    if ".parquet" in suf or ".pq" in suf:
        return pd.read_parquet(path)
    if ".feather" in suf:
        return pd.read_feather(path)
    sep = "\t" if ".tsv" in suf else ","
    df = pd.read_csv(path, sep=sep, header=0 if header == "infer" else header)
    if header == "infer":
        try:
            [float(c) for c in df.columns]
            numeric = True
        except (TypeError, ValueError):
            numeric = False
        if numeric:
            df = pd.read_csv(path, sep=sep, header=None)
            names = ["source", "target", "weight"][: df.shape[1]]
            df.columns = names + [f"col{i}" for i in range(len(names), df.shape[1])]
    return df


def neurotransmitter_signs(nt, inhibitory=INHIBITORY_NT) -> np.ndarray:
    """+1/-1 signs from neurotransmitter names (case-insensitive; GABA and Glu inhibitory).

    Parameters
    ----------
    nt : array-like of str
        Neurotransmitter per edge or neuron (e.g. FlyWire ``nt_type``).
    inhibitory : iterable of str
        Names mapped to -1; everything else (ACh, DA, 5-HT, missing...) to +1.
    """
    inh = {str(x).lower() for x in inhibitory}
    s = pd.Series(np.asarray(nt, dtype=object)).astype(str).str.lower()
    return np.where(s.isin(inh).to_numpy(), -1, 1).astype(np.int8)
