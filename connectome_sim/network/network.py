"""``PointNetwork``: point-neuron networks from connectome edge lists (navis-style API).

Neurons are addressed by their IDs (strings or 64-bit integers) everywhere; row indices stay
internal.  Units: ms, mV, nA, µS, Hz; edge weights are in the model's ``weight_unit`` after
multiplication by ``weight_scale`` (Shiu's LIF: synapse counts x 0.275 mV).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import network as eng
from ..errors import ParameterError, UnknownIDError
from ..io.edges import INHIBITORY_NT, detect_columns, neurotransmitter_signs, read_edges
from .inputs import InputsMixin
from .longrun import LongRunMixin  # issue 8: save_state/load_state/to_nest
from .models import get_model
from .results import ResultsMixin

__all__ = ["PointNetwork"]


class PointNetwork(InputsMixin, ResultsMixin, LongRunMixin):
    """A network of point neurons of one model.

    Parameters
    ----------
    model : str or PointModel subclass
        ``'IntFire1'``, ``'IntFire2'``, ``'IntFire4'``, ``'LIF'`` (Shiu et al. 2024), or any
        registered model (``connectome_sim.network.models.available_models()``).
    """

    def __init__(self, model="IntFire1"):
        self.model = get_model(model)
        self._ids = pd.Index([])
        self._labels = np.empty(0, dtype=object)
        self._props = {k: np.empty(0) for k in self.model.params}
        self._silenced = np.zeros(0, bool)
        self._e = []                 # chunks (src, tgt, w, delay) of row indices
        self._g = []                 # gap junction chunks (a, b, g µS)
        self._csr = None
        self._dup_merge = True
        self._stimuli = []
        self._currents = []
        self._record_rows = []
        self.spikes = None
        self.records = {}
        self.t = None

    # ------------------------------------------------------------------ description
    @property
    def n_neurons(self) -> int:
        return len(self._ids)

    def __len__(self):
        return self.n_neurons

    def __contains__(self, x):
        return x in self._ids

    def __repr__(self):
        return f"PointNetwork<model={self.model.name},neurons={self.n_neurons},edges={self.n_edges}>"

    @property
    def ids(self) -> np.ndarray:
        """Neuron IDs in internal order."""
        return self._ids.to_numpy()

    @property
    def labels(self) -> pd.Series:
        """Neuron labels indexed by ID."""
        return pd.Series(self._labels, index=self._ids, name="label")

    @property
    def n_edges(self) -> int:
        if self._csr is not None and not self._e:
            return int(self._csr[1].size)
        return int(sum(c[0].size for c in self._e)) + (
            int(self._csr[1].size) if self._csr is not None else 0)

    def _rows(self, ids) -> np.ndarray:
        """Row indices of ``ids``; ``UnknownIDError`` lists the IDs not in the network."""
        arr = np.atleast_1d(np.asarray(ids, dtype=object if isinstance(ids, str) else None))
        if arr.dtype.kind in "iu" and self._ids.dtype.kind in "iu":
            rows = self._ids.get_indexer(arr.astype(np.int64))
        else:
            rows = self._ids.get_indexer(pd.Index(arr, dtype=object)) if self._ids.dtype == object \
                else self._ids.get_indexer(arr)
        if (rows < 0).any():
            bad = list(pd.unique(arr[rows < 0]))
            raise UnknownIDError(f"neuron IDs not in the network: {bad[:20]}"
                                 f"{' ...' if len(bad) > 20 else ''} ({len(bad)} unknown); add "
                                 "them with add_neurons() or check the ID type (str vs int)")
        return rows.astype(np.int64)

    def add_neurons(self, ids, model=None, labels=None, skip_existing=False, **props):
        """Add neurons (navis signature).

        Parameters
        ----------
        ids : ID or list of IDs (str or int)
        model : str, optional
            Must match the network's model (one model per network).
        labels : str, list or dict, optional
            Labels (default: the ID).
        skip_existing : bool
            Ignore IDs already present instead of raising.
        **props
            Model parameters, scalar or one value per neuron (units: see the model).
        """
        if model is not None and get_model(model) is not self.model:
            if self._is_empty():
                # issue 5's one-neuron API: ``PointNetwork(); add_neurons(['a'], model='HH')``.
                # Nothing depends on the default model yet, so the first add_neurons picks it.
                self._set_model(model)
            else:
                raise ParameterError(f"this network runs model {self.model.name}; one model per "
                                     f"network (got {model!r}); use a separate PointNetwork")
        new = pd.Index(np.atleast_1d(np.asarray(ids, dtype=object if isinstance(ids, str) else None)))
        if new.has_duplicates:
            raise ValueError(f"duplicate IDs in add_neurons: {list(new[new.duplicated()][:10])}")
        exists = new.isin(self._ids)
        if exists.any():
            if not skip_existing:
                raise ValueError(f"neurons already in the network: {list(new[exists][:10])}; "
                                 "use skip_existing=True")
            keep = ~exists
            new = new[keep]
            props = {k: (np.asarray(v)[keep] if np.ndim(v) else v) for k, v in props.items()}
            if isinstance(labels, (list, np.ndarray)):
                labels = np.asarray(labels, dtype=object)[keep]
        n = len(new)
        if n == 0:
            return self
        if isinstance(labels, dict):
            lab = np.array([labels.get(i, "NA") for i in new], dtype=object)
        elif labels is None:
            lab = np.array([str(i) for i in new], dtype=object)
        elif isinstance(labels, str):
            lab = np.full(n, labels, dtype=object)
        else:
            lab = np.asarray(labels, dtype=object)
            if lab.shape != (n,):
                raise ValueError(f"labels: expected {n} labels, got {lab.shape}")
        P = self.model.param_array(n, props)
        old_n = self.n_neurons
        self._ids = self._ids.append(new) if old_n else new
        self._labels = np.concatenate([self._labels, lab])
        for k, name in enumerate(self.model.params):
            self._props[name] = np.concatenate([self._props[name], P[k]])
        self._silenced = np.concatenate([self._silenced, np.zeros(n, bool)])
        self._csr_invalidate()
        return self

    def _is_empty(self) -> bool:
        """True while no neuron, edge, stimulus, current or record depends on the model."""
        return (self.n_neurons == 0 and not self._e and not self._g and self._csr is None
                and not self._stimuli and not self._currents and not self._record_rows)

    def _set_model(self, model):
        """Switch the (still empty) network to ``model`` (name or PointModel subclass)."""
        self.model = get_model(model)
        self._props = {k: np.empty(0) for k in self.model.params}

    def set_labels(self, labels):
        """Set labels from a dict {ID: label} or a list in ID order."""
        if isinstance(labels, dict):
            rows = self._rows(list(labels))
            self._labels[rows] = list(labels.values())
        else:
            self._labels = np.asarray(labels, dtype=object)
        return self

    def set_params(self, ids=None, **props):
        """Set model parameters of ``ids`` (all neurons if None); scalars or one value each."""
        self.model.check_params(props)
        rows = np.arange(self.n_neurons) if ids is None else self._rows(ids)
        for k, v in props.items():
            self._props[k][rows] = v
        return self

    def connect(self, source, target, weight, delay=None, type="chemical"):
        """Connect ``source`` -> ``target`` IDs (scalars or equal-length arrays).

        Parameters
        ----------
        source, target : int or array-like of int
            Presynaptic / postsynaptic neuron IDs (scalars or equal-length arrays).
        weight : float or array-like of float
            Weight in the model's ``weight_unit`` (not scaled by ``weight_scale``); negative
            weights are inhibitory.  For ``type='electrical'``: gap-junction conductance (µS).
        delay : float or array-like of float, optional
            Synaptic delay (ms); default the model's default (5 ms as navis, 1.8 ms for LIF).
            Ignored for electrical connections.
        type : {"chemical", "electrical"}
            ``'electrical'`` adds a symmetric gap junction instead of a chemical synapse.

        Returns
        -------
        PointNetwork
            ``self``, for chaining.
        """
        s = self._rows(source)
        t = self._rows(target)
        w = np.broadcast_to(np.asarray(weight, float), s.shape).copy()
        if not np.all(np.isfinite(w)):
            raise ValueError("connect: NaN/inf weights")
        if type == "electrical":
            self._g.append((s, t, w))
            return self
        d = self._default_delay() if delay is None else delay
        d = np.broadcast_to(np.asarray(d, float), s.shape).copy()
        self._e.append((s, t, w, d))
        return self

    def _default_delay(self):
        return getattr(self.model, "default_delay", 1.8 if self.model.name == "LIF" else 5.0)

    def _csr_invalidate(self):
        if self._csr is not None:
            indptr, tgt, w, d = self._csr
            src = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
            self._e.insert(0, (src, tgt.astype(np.int64), w, d))
            self._csr = None
        self._segs = None

    def _build_csr(self):
        if self._csr is not None and not self._e:
            return self._csr
        self._csr_invalidate()
        if len(self._e) == 1:
            src, tgt, w, d = self._e[0]
        elif self._e:
            src = np.concatenate([c[0] for c in self._e])
            tgt = np.concatenate([c[1] for c in self._e])
            w = np.concatenate([c[2] for c in self._e])
            d = np.concatenate([c[3] for c in self._e])
        else:
            src = tgt = np.empty(0, np.int64)
            w = d = np.empty(0)
        indptr, t2, w2, d2, dup = eng.build_csr(self.n_neurons, src, tgt, w, d, self._dup_merge)
        if dup >= 0:
            raise ValueError(f"duplicate edge {self._ids[src[dup]]!r} -> {self._ids[tgt[dup]]!r}; "
                             "use duplicates='sum' to add them up")
        self._e = []
        self._csr = (indptr, t2, w2, d2)
        self._segs = None
        return self._csr

    def _segments(self):
        if getattr(self, "_segs", None) is not None and not self._e:
            return self._segs
        indptr, tgt, w, d = self._build_csr()
        m = self.model
        ch_e = m.synapse_channel(1)
        ch_i = m.synapse_channel(-1)
        ch = np.where(w >= 0, ch_e, ch_i).astype(np.int8)
        if d.size == 0 or np.all(d == d[0]):
            n = self.n_neurons
            seg = (tgt, w, ch, np.arange(n + 1, dtype=np.int64), indptr[:-1].copy(),
                   indptr[1:].copy(), np.full(n, d[0] if d.size else 1.0))
        else:
            seg = eng.make_segments(indptr, tgt, w, ch, d)
        self._segs = seg
        return seg

    def _gap_csr(self):
        n = self.n_neurons
        if not self._g:
            return np.zeros(n + 1, np.int64), np.empty(0, np.int64), np.empty(0)
        if self.model.voltage is None or not self.model.supports_current:
            raise ParameterError(f"model {self.model.name} has no membrane potential; electrical "
                                 "synapses need a voltage-based model (e.g. 'LIF')")
        a = np.concatenate([c[0] for c in self._g])
        b = np.concatenate([c[1] for c in self._g])
        g = np.concatenate([c[2] for c in self._g])
        keep = a != b
        a, b, g = a[keep], b[keep], g[keep]
        i = np.concatenate([a, b])
        j = np.concatenate([b, a])
        gg = np.concatenate([g, g])
        order = np.lexsort((j, i))
        i, j, gg = i[order], j[order], gg[order]
        ptr = np.zeros(n + 1, np.int64)
        np.add.at(ptr, i + 1, 1)
        return np.cumsum(ptr), j.astype(np.int64), gg

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_edge_list(cls, edges, model="IntFire1", source_col=None, target_col=None,
                       weight_col=None, delay=None, duplicates="sum", sign_col=None,
                       nt_col=None, inhibitory_nt=INHIBITORY_NT, weight_scale=None,
                       type_col="type", gap_weight=0.001, labels=None, **props):
        """Build a network from an edge list (DataFrame, CSV or parquet path).

        Parameters
        ----------
        edges : DataFrame or path
            One row per connection (or per synapse: duplicates are summed).
        model : str
            Point model name (see :class:`PointNetwork`).
        source_col, target_col, weight_col : str, optional
            Column names; auto-detected when None (source/target/weight, pre/post, neuPrint
            ``bodyId_pre``/``bodyId_post``, FlyWire ``pre_root_id``/``post_root_id``/
            ``syn_count``, Shiu ``Presynaptic_ID``/``Postsynaptic_ID``/``Excitatory x
            Connectivity``).  No weight column: weight 1 per row.
        delay : float or str, optional
            Synaptic delay (ms) or the name of a delay column; default 5 ms (navis), 1.8 ms
            for LIF (Shiu).
        duplicates : {'sum', 'raise'}
            Sum repeated (source, target) rows or refuse them.
        sign_col : str, optional
            Column of +1/-1 (or True = excitatory) signs multiplied into ``|weight|``.
        nt_col : str, optional
            Neurotransmitter column; ``inhibitory_nt`` (default GABA, Glu) become negative.
        weight_scale : float, optional
            Factor applied to weights (default ``model.weight_scale``: 0.275 mV for LIF, 1
            otherwise).
        type_col : str
            If present, rows whose type is ``'electrical'`` become gap junctions with
            conductance ``weight * gap_weight`` (µS); other rows are chemical synapses.
        labels : dict, list or str, optional
        **props
            Model parameters for every neuron (scalar) or per neuron (array in ID order).
        """
        if duplicates not in ("sum", "raise"):
            raise ValueError(f"duplicates must be 'sum' or 'raise', got {duplicates!r}")
        df = read_edges(edges)
        m = get_model(model)
        sc, tc, wc = detect_columns(df, source_col, target_col, weight_col)
        for c in (sign_col, nt_col) + ((delay,) if isinstance(delay, str) else ()):
            if c is not None and c not in df.columns:
                raise ParameterError(f"edge list has no column {c!r}; columns: {list(df.columns)}")
        s_raw = df[sc].to_numpy()
        t_raw = df[tc].to_numpy()
        for name, arr in ((sc, s_raw), (tc, t_raw)):
            if pd.isna(arr).any() if arr.dtype == object else (arr.dtype.kind == "f" and np.isnan(arr).any()):
                raise ValueError(f"edge list column {name!r} has missing IDs")
        if s_raw.dtype.kind == "f":
            s_raw = s_raw.astype(np.int64)
        if t_raw.dtype.kind == "f":
            t_raw = t_raw.astype(np.int64)
        if wc is None:
            w = np.ones(len(df))
        else:
            w = pd.to_numeric(df[wc], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(w)
            if bad.any():
                rows = np.flatnonzero(bad)[:10]
                raise ValueError(f"weight column {wc!r} has NaN/inf/non-numeric values in rows "
                                 f"{list(df.index[rows])}; drop or fix them")
        if sign_col is not None:
            sg = df[sign_col].to_numpy()
            if sg.dtype == bool:
                sg = np.where(sg, 1, -1)
            else:
                sg = np.where(pd.to_numeric(df[sign_col], errors="raise").to_numpy() < 0, -1, 1)
            w = np.abs(w) * sg
        if nt_col is not None:
            w = np.abs(w) * neurotransmitter_signs(df[nt_col].to_numpy(), inhibitory_nt)
        w = w * (m.weight_scale if weight_scale is None else float(weight_scale))
        dflt = getattr(m, "default_delay", 1.8 if m.name == "LIF" else 5.0)
        if isinstance(delay, str):
            d = pd.to_numeric(df[delay], errors="coerce").to_numpy(dtype=float)
            if not np.all(np.isfinite(d)) or (d < 0).any():
                raise ValueError(f"delay column {delay!r} has NaN/negative values")
        else:
            d = np.full(len(df), dflt if delay is None else float(delay))
        is_gap = np.zeros(len(df), bool)
        tcol = df.columns[[str(c).lower() == type_col for c in df.columns]] if type_col else []
        if len(tcol):
            is_gap = df[tcol[0]].astype(str).str.lower().isin(["electrical", "gap", "gap_junction"]).to_numpy()
        # sorted unique IDs, then codes by hash lookup (much faster than a 2E-long factorize)
        uniq = np.concatenate([pd.unique(s_raw), pd.unique(t_raw)])
        uniq = pd.unique(uniq)
        try:
            uniq = np.sort(uniq)
        except TypeError:  # mixed types: sort by string form
            uniq = uniq[np.argsort(uniq.astype(str))]
        index = pd.Index(uniq)
        src = index.get_indexer(s_raw).astype(np.int64)
        tgt = index.get_indexer(t_raw).astype(np.int64)
        net = cls(m)
        net._dup_merge = duplicates == "sum"
        net.add_neurons(uniq, labels=labels, **props)
        chem = ~is_gap
        if is_gap.any():
            gw = np.abs(w[is_gap]) / (m.weight_scale if weight_scale is None else float(weight_scale))
            net._g.append((src[is_gap], tgt[is_gap], gw * gap_weight))
        if chem.all():
            net._e.append((src, tgt, w, d))
        else:
            net._e.append((src[chem], tgt[chem], w[chem], d[chem]))
        net._segments()
        return net

    @classmethod
    def from_networkx(cls, G, model="IntFire1", weight="weight", delay=None, label=None, **kw):
        """Build from a networkx (Di)Graph; node attributes matching model parameters become
        per-neuron parameters and ``label`` (attribute name) the labels."""
        import networkx as nx  # noqa: F401

        nodes = list(G.nodes)
        m = get_model(model)
        props = dict(kw)
        for p in m.params:
            vals = [G.nodes[n].get(p) for n in nodes]
            if any(v is not None for v in vals):
                dflt = m.params[p].default
                props[p] = np.array([dflt if v is None else v for v in vals], float)
        labels = None
        if label is not None:
            labels = {n: G.nodes[n].get(label, "NA") for n in nodes}
        net = cls(m)
        net.add_neurons(nodes, labels=labels, **props)
        edges = list(G.edges(data=True))
        if edges:
            s = [e[0] for e in edges]
            t = [e[1] for e in edges]
            w = [e[2].get(weight, 1.0) for e in edges]
            net.connect(np.array(s, dtype=object) if net._ids.dtype == object else np.array(s),
                        np.array(t, dtype=object) if net._ids.dtype == object else np.array(t),
                        w, delay=delay)
            if not G.is_directed():
                net.connect(np.array(t, dtype=object) if net._ids.dtype == object else np.array(t),
                            np.array(s, dtype=object) if net._ids.dtype == object else np.array(s),
                            w, delay=delay)
        return net
