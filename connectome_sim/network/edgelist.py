"""Fast build of a :class:`PointNetwork` from an edge list (FlyWire scale in about a second).

Columns, signs, delays and gap-junction rows are resolved by
:func:`connectome_sim.io.edges.load_edge_list` (the same detection as the command line); here
the IDs are brought to one exact kind (:mod:`connectome_sim.ids`: int64 and uint64 columns
join without loss, strings never meet integers), factorised once (one hash pass in numba
over both ID columns, then a sort of the distinct IDs only), and the synapses sorted into a
CSR by a counting sort that applies the IDs' sorted rank as it reads the codes
(:func:`connectome_sim.engine.network.build_csr_ranked`; an edge list grouped by source is
read run by run, without a permutation).  No Python loop runs over edges or neurons.  Weights stay synapse counts (signed); the conversion to each target's
unit happens when the network is compiled (:func:`~connectome_sim.network.network.pair_scale`).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..engine import network as eng
from ..errors import ParameterError
from ..ids import align_by_id, as_ids, common_ids
from ..io.edges import load_edge_list
from .models import get_model
from .network import check_weight_scale

__all__ = ["build_from_edge_list", "factorize_ids"]


def factorize_ids(s: np.ndarray, t: np.ndarray):
    """``(uniques sorted, codes of s, codes of t, rank)`` for canonical ID arrays.

    The codes (int32) number the IDs in any order; ID ``uniques[rank[c]]`` has code ``c``
    (the codes are not rewritten into sorted order here: :func:`~connectome_sim.engine.network.
    build_csr_ranked` applies ``rank`` as it reads them).
    """
    if s.dtype.kind in "iu":
        ca, cb, u = eng.factorize_ints(s.view(np.uint64), t.view(np.uint64))
        u = u.view(s.dtype)
        order = np.argsort(u, kind="stable")
        rank = np.empty(order.size, np.int32)
        rank[order] = np.arange(order.size, dtype=np.int32)
        return u[order], ca, cb, rank
    codes, u = pd.factorize(np.concatenate([s, t]), sort=True)
    codes = codes.astype(np.int32)
    return (np.asarray(u, dtype=object), codes[:s.size], codes[s.size:],
            np.arange(len(u), dtype=np.int32))


def _delays(_df, delay, _dflt):
    """One delay for every edge (ms) as a 1-element array; None for the models' defaults."""
    if delay is None:
        return None
    try:
        d = float(delay)
    except (TypeError, ValueError):
        raise ParameterError(f"delay must be a number (ms) or the name of a delay column, got "
                             f"{delay!r}") from None
    if not np.isfinite(d) or d < 0:
        raise ParameterError(f"delay must be finite and >= 0 ms, got {delay!r}")
    return np.array([d])


def check_scalar_scale(net):
    """One number as ``weight_scale`` is refused when the models of ``net`` take weights in
    different units (mV for LIF, pS for graded...): the same factor cannot suit both."""
    ws = net.weight_scale
    if ws is None or isinstance(ws, dict):
        return
    units = {m.weight_unit for m in net._models_in_use()}
    if len(units) > 1:
        raise ParameterError(
            f"weight_scale={ws:g} is ambiguous: this network's models take weights in "
            f"{sorted(units)}; give a mapping {{model: factor}} or "
            "{(source model, target model): factor}")


def _model_codes(net, model, ids, labels, neurons, model_by):
    """Model of every neuron from a name or a {value: model} mapping."""
    if not isinstance(model, dict):
        return None
    mapping = {k: get_model(v) for k, v in model.items()}     # unknown names first
    if model_by == "label":
        if labels is None:
            raise ParameterError("from_edge_list: model is a mapping by label but no labels= "
                                 "were given; pass labels= or neurons= with model_by=<column>")
        keys = net.labels.to_numpy()
    else:
        if neurons is None or model_by not in getattr(neurons, "columns", []):
            raise ParameterError(f"from_edge_list: model_by={model_by!r} needs neurons= (a "
                                 f"table indexed by neuron ID) with a column {model_by!r}")
        mine, theirs = common_ids(np.asarray(ids), as_ids(neurons.index, "neurons.index"),
                                  what="the edge list's neuron IDs and neurons.index")
        idx = pd.Index(theirs)
        if idx.has_duplicates:
            raise ParameterError(f"from_edge_list: neurons= lists neuron(s) "
                                 f"{idx[idx.duplicated()].unique()[:5].tolist()} more than once; "
                                 "its index must hold each neuron ID once")
        pos = idx.get_indexer(pd.Index(mine))
        if len(idx) and not (pos >= 0).any():
            raise ParameterError(f"from_edge_list: no neuron of the edge list (e.g. "
                                 f"{np.asarray(ids)[:3].tolist()}) is in the index of neurons= (e.g. "
                                 f"{idx[:3].tolist()}); index neurons= by the edge list's IDs")
        col = neurons[model_by].to_numpy()
        keys = np.where(pos >= 0, col[np.maximum(pos, 0)], None)
    default = mapping.pop("*", None)
    codes = np.full(len(ids), -1, np.int16)
    uk, inv = np.unique(np.asarray(keys, dtype=object).astype(str), return_inverse=True)
    str_map = {str(k): m for k, m in mapping.items()}
    unused = [k for k in mapping if str(k) not in set(uk.tolist())]
    if unused:          # a typo would otherwise send those neurons to the default silently
        raise ParameterError(
            f"from_edge_list: model mapping key(s) {unused[:10]} match no neuron's "
            f"{model_by} (values present: {uk[:10].tolist()}{' ...' if uk.size > 10 else ''})")
    for u, key in enumerate(uk):
        m = str_map.get(key, default)
        if m is not None:
            codes[inv == u] = net._model_code(m)
    if (codes < 0).any():
        miss = np.flatnonzero(codes < 0)[:5]
        raise ParameterError(
            f"from_edge_list: no model for neuron(s) {np.asarray(ids)[miss].tolist()} (their "
            f"{model_by} is {[keys[i] for i in miss]}); add these values to the model mapping "
            "or a default under the key '*'")
    return codes


def build_from_edge_list(cls, edges, *, model, source_col, target_col, weight_col, delay,
                         duplicates, sign_col, nt_col, inhibitory_nt, weight_scale, type_col,
                         gap_weight, labels, neurons, model_by, g_syn, g_gap, graded_current,
                         max_memory, verbose, props, neuron_nt=None):
    """The body of :meth:`PointNetwork.from_edge_list` (see there)."""
    t_start = time.perf_counter()
    stages = []

    def stage(name):
        stages.append((name, time.perf_counter()))

    check_weight_scale(weight_scale)                    # before the (long) read
    if duplicates not in ("sum", "raise"):
        raise ParameterError(f"duplicates must be 'sum' or 'raise', got {duplicates!r}")
    if isinstance(delay, str):
        delay_col, delay = delay, None
    else:
        delay_col = False
        _delays(None, delay, None)                      # checks a number given as delay=
    el = load_edge_list(edges, source_col=source_col, target_col=target_col,
                        weight_col=weight_col, sign_col=sign_col, nt_col=nt_col,
                        delay_col=delay_col, type_col=type_col, inhibitory_nt=inhibitory_nt,
                        neuron_nt=neuron_nt)
    n_rows = len(el.source)
    if n_rows == 0:
        raise ParameterError("the edge list is empty (no rows); a network needs at least one "
                             "connection, or build it with PointNetwork() and add_neurons()")
    s_ids, t_ids = common_ids(el.source, el.target,
                              what=f"edge list columns {el.columns.source!r} and "
                                   f"{el.columns.target!r}")
    w = el.weight
    is_gap = el.electrical if el.electrical.any() else None
    stage("read")
    uniq, s_code, t_code, rank = factorize_ids(s_ids, t_ids)
    del s_ids, t_ids
    stage("factorise")
    net = cls(model if not isinstance(model, dict) else "IntFire1", g_syn=g_syn, g_gap=g_gap,
              gap_weight=gap_weight, graded_current=graded_current, max_memory=max_memory)
    net.weight_scale = weight_scale
    net._dup_merge = duplicates == "sum"
    n = uniq.size
    net._ids = pd.Index(uniq)
    net._model_of = np.zeros(n, np.int16)
    net._silenced = np.zeros(n, bool)
    net._stim_uses = np.zeros(n, np.int64)
    if labels is not None:
        net._labels = net._label_array(0, n, net._ids, labels)
    codes = _model_codes(net, model, uniq, labels, neurons, model_by)
    if codes is not None:
        net._model_of = codes
        net.model = net._models[int(np.bincount(codes).argmax())]
    for m in net._models_in_use():
        net._model_code(m)
    if props:
        ms = net._models_in_use()
        for k, v in props.items():
            v = align_by_id(v, uniq, f"from_edge_list({k})")
            owners = [m for m in ms if k in m.params]
            if not owners:
                raise ParameterError(f"from_edge_list: no model of this network has a parameter "
                                     f"{k!r} (models: {[m.name for m in ms]})")
            if np.ndim(v) and np.shape(v)[0] != n:
                raise ParameterError(f"from_edge_list: {k} has {np.shape(v)[0]} values for "
                                     f"{n} neurons (give one per neuron, in ID order)")
            for m in owners:
                rows = np.flatnonzero(net._model_of == net._models.index(m))
                vals = v if not np.ndim(v) else np.asarray(v)[rows]
                net._set_params_rows(m, rows, {k: vals}, uniq[rows])
    check_scalar_scale(net)
    stage("neurons")
    d = el.delay if el.delay is not None else _delays(None, delay, None)
    if d is None:           # each target model's default delay
        from .network import _default_delay

        dflt = np.array([_default_delay(m) for m in net._models])
        if np.unique(dflt[net._model_of]).size > 1:
            d = dflt[net._model_of[rank][t_code]]
            d = d[:1] if (d == d[0]).all() else d
        else:
            d = dflt[net._model_of[:1]]
    if is_gap is not None:
        chem = ~is_gap
        net._g.append((rank[s_code[is_gap]].astype(np.int64),
                       rank[t_code[is_gap]].astype(np.int64),
                       np.abs(w[is_gap]), True))
        s_code, t_code, w = s_code[chem], t_code[chem], w[chem]
        if d.size > 1:
            d = d[chem]
    indptr, tgt, cnt, dd, dup = eng.csr_ranked(s_code, t_code, rank, w, d,
                                               duplicates == "sum")
    if dup >= 0:
        a, b = uniq[rank[[s_code[dup], t_code[dup]]]].tolist()
        raise ParameterError(f"duplicate edge {a!r} -> {b!r}; "
                             "use duplicates='sum' to add them up")
    net._csr = (indptr, tgt, cnt, dd)
    stage("csr")
    net._changed()
    if verbose:
        prev = t_start
        parts = []
        for name, t in stages:
            parts.append(f"{name} {t - prev:.3f} s")
            prev = t
        print(f"from_edge_list: {n_rows:,} rows, {n:,} neurons in "
              f"{prev - t_start:.3f} s ({', '.join(parts)}); {el.summary()}")
    return net
