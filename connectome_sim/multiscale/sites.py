"""Where the synapses onto a cable neuron sit, and with which kinetics.

An edge ``pre -> post`` onto a cable neuron becomes Exp2Syns on ``post``'s skeleton.  The
rules (first that applies, per edge):

1. ``table``: the rows of the ``synapses`` table given to ``add_cable_neuron`` whose ``pre``
   is the edge's source (one Exp2Syn per row at its ``node_id``);
2. ``partner connector``: the skeleton's connectors whose partner column names the source
   (navis ``TreeNeuron.connectors`` with a partner column, neuPrint/FlyWire synapse tables);
   the edge's ``n`` synapses are spread evenly over them in connector-ID order (a connector
   carries several when ``n`` exceeds their number);
3. ``fallback``: a pool of candidate nodes (``sites`` if given, else the postsynaptic
   connectors, else nodes labelled ``'dendrite'``, else every node but the soma) is shuffled
   once per cable neuron by :func:`connectome_sim.stimuli.make_rng` keyed by the neuron's ID;
   the sources, in ID order, take consecutive runs of ``n`` nodes (wrapping around), so the
   sites depend only on the neuron, its partners and their counts.

Kinetics: ``tau1``, ``tau2`` (ms), ``e`` (mV: ``e`` for positive edge weights, ``e_inh`` for
negative ones) and the peak conductance ``weight`` (µS) of ``add_cable_neuron``, overridden by
``kinetics['excitatory' | 'inhibitory']``, then by ``kinetics[<presynaptic label>]``, then by
the table's columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import IDError, ParameterError
from ..ids import as_ids, common_ids
from ..stimuli import make_rng
from .spec import POST_TYPES, CableNeuron, _label_nodes, py_id, py_ids

__all__ = ["incoming_edges", "place_all", "COLUMNS"]

#: columns of the synapse listing (see ``PointNetwork.cable_synapses``)
COLUMNS = ["post", "pre", "node_id", "weight", "tau1", "tau2", "e", "delay", "sign", "site",
           "post_row", "pre_row", "compartment"]


def incoming_edges(net, rows) -> pd.DataFrame:
    """Chemical edges onto the network rows ``rows``: ``pre_row``, ``post_row``, ``count``
    (the edge weight, signed) and ``delay`` (ms), edge-list edges first, then connect()'s."""
    target = np.zeros(net.n_neurons, bool)
    target[np.asarray(rows, np.int64)] = True
    parts = []
    if net._csr is not None and net._csr[1].size:
        indptr, tgt, cnt, dly = net._csr
        tgt = np.asarray(tgt, np.int64)
        sel = target[tgt]
        if sel.any():
            src = np.repeat(np.arange(net.n_neurons, dtype=np.int64), np.diff(indptr))
            d = np.broadcast_to(np.asarray(dly, float), tgt.shape)
            parts.append((src[sel], tgt[sel], np.asarray(cnt, float)[sel], d[sel]))
    for s, t, w, d, _unit in net._e:
        t = np.asarray(t, np.int64)
        sel = target[t]
        if sel.any():
            parts.append((np.asarray(s, np.int64)[sel], t[sel], np.asarray(w, float)[sel],
                          np.broadcast_to(np.asarray(d, float), t.shape)[sel]))
    if not parts:
        return pd.DataFrame({"pre_row": np.empty(0, np.int64), "post_row": np.empty(0, np.int64),
                             "count": np.empty(0), "delay": np.empty(0)})
    cat = [np.concatenate([p[k] for p in parts]) for k in range(4)]
    return pd.DataFrame({"pre_row": cat[0], "post_row": cat[1], "count": cat[2],
                         "delay": cat[3]})


def _partner_sites(net, spec) -> dict:
    """Network row of a partner -> node IDs of its postsynaptic connectors (connector-ID
    order), from the connector table's partner column."""
    if spec.partner_col is None:
        return {}
    ct = spec.model.geometry.connector_table
    if not len(ct):
        return {}
    if "type" in ct.columns:
        post = ct["type"].astype(str).str.strip().str.lower().isin(POST_TYPES).to_numpy()
        ct = ct[post]
    if not len(ct):
        return {}
    if "connector_id" in ct.columns:
        ct = ct.sort_values("connector_id", kind="stable")
    what = f"connectors[{spec.partner_col!r}]"
    part = as_ids(ct[spec.partner_col], what)
    ids = as_ids(net._ids.to_numpy(), "network IDs")
    if part.size and ids.size and (part.dtype == object) != (ids.dtype == object):
        raise IDError(f"{what} of cable neuron {spec.neuron_id!r} holds "
                      f"{'strings' if part.dtype == object else 'integers'} and the network's "
                      f"IDs are {'strings' if ids.dtype == object else 'integers'}: they can "
                      "never match. Pass partner_col=False to ignore the partners")
    part, ids = common_ids(part, ids, what=f"{what} and the network's IDs")
    rows = pd.Index(ids).get_indexer(part)
    out = {}
    nodes = ct["node_id"].to_numpy()
    for r in np.unique(rows[rows >= 0]):
        out[int(r)] = nodes[rows == r]
    return out


def _fallback_pool(spec):
    """(node IDs, name) of the fallback pool (module docstring, rule 3)."""
    model = spec.model
    if spec.sites is not None:
        return np.asarray(spec.sites), "sites"
    ct = model.geometry.connector_table
    if len(ct) and "type" in ct.columns:
        post = ct["type"].astype(str).str.strip().str.lower().isin(POST_TYPES).to_numpy()
        if post.any():
            sub = ct[post]
            if "connector_id" in sub.columns:
                sub = sub.sort_values("connector_id", kind="stable")
            return sub["node_id"].to_numpy(), "postsynaptic connectors"
    try:
        return _label_nodes(model, ["dendrite"], "sites"), "dendrite"
    except KeyError:
        pass
    morph = model.geometry.morphology
    soma = morph.soma if morph.soma is not None else morph.root
    ids = morph.node_ids
    return ids[ids != soma], "every node but the soma"


def _kinetics(spec, sign, label):
    k = {"tau1": spec.tau1, "tau2": spec.tau2, "e": spec.e if sign > 0 else spec.e_inh,
         "weight": spec.weight}
    k.update(spec.kinetics.get("excitatory" if sign > 0 else "inhibitory", {}))
    k.update(spec.kinetics.get(label, {}))
    return k


def _check_counts(net, edges, post_id):
    n = np.rint(edges["count"].to_numpy())
    bad = np.abs(edges["count"].to_numpy() - n) > 1e-9
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"edge {py_id(net.ids[edges['pre_row'].iat[i]])!r} -> {post_id!r} has weight "
            f"{edges['count'].iat[i]:g}: edges onto a cable neuron count synapses (whole "
            "numbers; the sign gives excitatory or inhibitory)")
    return n.astype(np.int64)


def place(net, row, edges, labels) -> pd.DataFrame:
    """The synapses onto cable row ``row`` from its incoming ``edges`` (see the module
    docstring); columns :data:`COLUMNS`."""
    spec = net._cable[row]
    post_id = spec.neuron_id
    ids = net.ids
    pre_models = [net._models[c] for c in net._model_of[edges["pre_row"].to_numpy()]]
    graded = [m for m in pre_models if m.output == "graded"]
    if graded:
        i = next(k for k, m in enumerate(pre_models) if m.output == "graded")
        raise ParameterError(
            f"graded neuron {py_id(ids[edges['pre_row'].iat[i]])!r} ({graded[0].name}) cannot drive "
            f"cable neuron {post_id!r}: cable synapses are driven by spikes; use a spiking "
            "model for the source")
    counts = _check_counts(net, edges, post_id)
    table = spec.synapses
    in_table = set(table["pre_row"].tolist()) if table is not None else set()
    if table is not None:
        missing = sorted(in_table - set(edges["pre_row"].tolist()))
        if missing:
            raise ParameterError(
                f"synapses of {post_id!r}: the table lists presynaptic neuron(s) "
                f"{py_ids(ids[missing][:10])} with no edge onto {post_id!r} in the network; "
                "connect them (the edge gives the delay and the sign)")
    partners = _partner_sites(net, spec)
    # sources in ID order (then delay), so that the placement does not depend on the order
    # in which edges were added
    pre_ids = ids[edges["pre_row"].to_numpy()]
    order = np.lexsort((edges["delay"].to_numpy(), np.argsort(np.argsort(pre_ids,
                                                                          kind="stable"))))
    out = []
    fallback = []
    seen_table = {}
    for i in order:
        pr = int(edges["pre_row"].iat[i])
        n = int(counts[i])
        d = float(edges["delay"].iat[i])
        sign = -1 if n < 0 else 1
        kin = _kinetics(spec, sign, labels[pr])
        base = dict(pre_row=pr, delay=d, sign=sign, **kin)
        if pr in in_table:
            if pr in seen_table and seen_table[pr] != d:
                raise ParameterError(
                    f"synapses of {post_id!r}: edges {py_id(ids[pr])!r} -> {post_id!r} with delays "
                    f"{seen_table[pr]:g} and {d:g} ms; the table's rows need one edge (one "
                    "delay) per presynaptic neuron")
            if pr in seen_table:
                continue
            seen_table[pr] = d
            rows = table[table["pre_row"] == pr]
            nodes = rows["node_id"].to_numpy()
            own = {k: rows[k].to_numpy(float) for k in ("tau1", "tau2", "e", "weight")
                   if k in rows.columns}
            for j in range(len(rows)):
                out.append(dict(base, node_id=nodes[j], site="table",
                                **{k: float(v[j]) for k, v in own.items()}))
        elif abs(n) == 0:
            continue
        elif pr in partners:
            nodes = partners[pr]
            pick = np.floor((np.arange(abs(n)) + 0.5) * len(nodes) / abs(n)).astype(np.int64)
            out += [dict(base, node_id=nd, site="partner connector") for nd in nodes[pick]]
        else:
            fallback.append((len(out), abs(n), base))
            out += [None] * abs(n)
    if fallback:
        pool, name = _fallback_pool(spec)
        if not len(pool):
            raise ParameterError(f"cable neuron {post_id!r}: no candidate site for synapses of "
                                 "partners without known sites; give sites=")
        from ..network.inputs import id_words
        w = id_words(ids[row:row + 1])[0]
        perm = make_rng(0, int(w[0]), int(w[1])).permutation(len(pool))
        off = 0
        for at, n, base in fallback:
            take = pool[perm[(off + np.arange(n)) % len(pool)]]
            off += n
            for k, nd in enumerate(take):
                out[at + k] = dict(base, node_id=nd, site=f"fallback: {name}")
    if not out:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.DataFrame(out)
    df["post"] = [post_id] * len(df)
    df["post_row"] = row
    df["pre"] = ids[df["pre_row"].to_numpy()]
    node = as_ids(df["node_id"], "node_id")
    df["node_id"] = node
    df["compartment"] = spec.model.geometry.node_to_compartment(node)
    return df[COLUMNS]


def place_all(net) -> pd.DataFrame:
    """Synapses onto every cable neuron of ``net`` (cable row order), columns :data:`COLUMNS`."""
    rows = net._cable_rows()
    edges = incoming_edges(net, rows)
    labels = net.labels.to_numpy()
    used = {k for r in rows for k in net._cable[r].kinetics} - {"excitatory", "inhibitory"}
    unknown = sorted(used - set(map(str, labels)))
    if unknown:
        raise ParameterError(f"kinetics: no neuron of the network has the label(s) {unknown}; "
                             f"labels are e.g. {sorted(set(map(str, labels)))[:10]} "
                             "(set them with set_labels or from_edge_list(labels=...))")
    parts = []
    for r in rows:
        mine = edges[edges["post_row"] == r]
        parts.append(place(net, r, mine, labels))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)


def is_cable(net) -> np.ndarray:
    """Bool per network row: runs as a cable model."""
    return np.array([m is CableNeuron for m in net._models])[net._model_of]
