"""``PointNetwork``: point-neuron networks from connectome edge lists (navis-style API).

Neurons are addressed by their IDs everywhere (64-bit integers or strings, kept exact: see
:mod:`connectome_sim.ids`); row indices stay internal.  A network may mix models: every
neuron has its own model (:meth:`PointNetwork.set_model`), and the engine runs each model's
neurons as one group with that model's own kernel.  Units: ms, mV, nA, µS, Hz; edge weights
are in the *target's* weight unit (``model.weight_unit``).  Weights read from an edge list are
synapse counts, converted per (source model, target model) pair as described in
:func:`pair_scale`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import IDError, ParameterError, check_number, is_text
from ..ids import align_by_id, as_ids, common_ids, lookup
from ..io.edges import INHIBITORY_NT
from ..multiscale.spec import CableMixin, default_options
from .inputs import InputsMixin
from .longrun import LongRunMixin
from .models import get_model
from .results import ResultsMixin

__all__ = ["PointNetwork", "pair_scale", "GRADED_CURRENT"]

#: nA per synapse at full activation: a graded neuron's output onto a neuron of another model
#: (a 100 pS synapse at 50 mV driving force, fully active).  Override per pair with
#: ``weight_scale={('graded', 'LIF'): ...}``.
GRADED_CURRENT = 0.005


def pair_scale(net, src, tgt) -> float:
    """Factor from edge-list weights (synapse counts) to the target's weight unit.

    Rules, first match wins:

    1. ``net.weight_scale`` is a number: that factor for every pair (refused when the
       network mixes weight units, see :meth:`PointNetwork.from_edge_list`);
    2. ``net.weight_scale[(src.name, tgt.name)]``, then ``net.weight_scale[tgt.name]``;
    3. a graded-output source onto a neuron of another model: a current of
       ``net.graded_current`` nA per synapse at full activation;
    4. a graded target: ``net.g_syn`` pS per synapse (Kunert et al. 2014);
    5. otherwise the target model's ``weight_scale`` (e.g. Shiu et al.'s 0.275 mV for LIF).
    """
    ws = net.weight_scale
    if ws is not None and not isinstance(ws, dict):
        return float(ws)
    ws = ws or {}
    if (src.name, tgt.name) in ws:
        return float(ws[(src.name, tgt.name)])
    if tgt.name in ws:
        return float(ws[tgt.name])
    if src.output == "graded" and src is not tgt:
        return float(net.graded_current)
    if tgt.name == "graded":
        return float(net.g_syn)
    return float(tgt.weight_scale)


def check_weight_scale(value):
    """``weight_scale`` checked where it is given: None, a finite number >= 0 (signs come from
    the edge list), or a mapping whose keys name registered models (``'LIF'``, or a pair
    ``('graded', 'LIF')``; model classes are taken by name) and whose values are such numbers.
    A key naming no model would never match and be ignored without a word."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        from .models import available_models
        from .models.base import PointModel

        names = available_models()
        out = {}
        for key, v in value.items():
            parts = key if isinstance(key, tuple) else (key,)
            norm = [p.name if isinstance(p, type) and issubclass(p, PointModel) else p
                    for p in parts]
            pair_ok = not isinstance(key, tuple) or len(parts) == 2    # ('LIF',) never matches
            if not pair_ok or any(not isinstance(p, str) or p not in names for p in norm):
                raise ParameterError(
                    f"weight_scale: key {key!r} names no point model, so it would never be "
                    f"used; keys are a model name or a (source model, target model) pair of "
                    f"{names}")
            k = tuple(norm) if isinstance(key, tuple) else norm[0]
            out[k] = check_number(v, f"weight_scale[{key!r}]", low=0.0)
        return out
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise ParameterError(f"weight_scale must be a number or a dict, got {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ParameterError(f"weight_scale must be finite, got weight_scale={value}")
    if v < 0:
        raise ParameterError(f"weight_scale must be >= 0 (the signs come from the edge list's "
                             f"weights, sign or transmitter columns), got weight_scale={value}")
    return v


def _float_ids(ids) -> bool:
    if isinstance(ids, (float, np.floating)):
        return True
    if isinstance(ids, (np.ndarray, pd.Series, pd.Index)):
        return np.asarray(ids).dtype.kind == "f"
    if isinstance(ids, (list, tuple)):
        return any(isinstance(v, (float, np.floating)) for v in ids)
    return False


class PointNetwork(InputsMixin, ResultsMixin, LongRunMixin, CableMixin):
    """A network of point neurons; each neuron runs a registered point model.

    Parameters
    ----------
    model : str or PointModel subclass
        Default model of neurons added without one: ``'IntFire1'``, ``'IntFire2'``,
        ``'IntFire4'``, ``'LIF'`` (Shiu et al. 2024), ``'AdEx'``, ``'graded'``,
        ``'threshold_linear'``, ... (``connectome_sim.network.models.available_models()``).
    g_syn : float
        pS per synapse of chemical synapses onto graded neurons (Kunert et al. 2014: 100).
    g_gap : float
        pS per synapse of gap junctions between graded neurons (100).
    gap_weight : float
        µS per synapse of the other gap junctions read from an edge list.
    graded_current : float
        nA per synapse at full activation, graded neurons onto neurons of other models.
    max_memory : int or str, optional
        Memory a run may use for its event queue, spike table and records (bytes, or e.g.
        ``'4GB'``); default: half of the available memory (see
        :func:`connectome_sim.network.memory.memory_budget`).
    """

    def __init__(self, model="IntFire1", *, g_syn=100.0, g_gap=100.0, gap_weight=0.001,
                 graded_current=GRADED_CURRENT, max_memory=None):
        self.model = get_model(model)            # default model of new neurons
        self._ids = pd.Index(np.empty(0, np.int64))
        self._labels = None                      # object array, or None: labels are the IDs
        self._models = [self.model]              # model classes by code
        self._model_of = np.empty(0, np.int16)   # model code of every neuron
        self._props = {}                         # model name -> {param: float64[n_neurons]}
        self._silenced = np.zeros(0, bool)
        self._csr = None                         # edge-list synapses: (indptr, tgt, counts, delay)
        self._e = []                             # connect() chunks (src, tgt, w, delay, unit models)
        self._g = []                             # gap chunks (a, b, value, is_count)
        self._dup_merge = True
        self._version = 0                        # bumped by every change of the compiled network
        self._weight_scale = None                # number or {model / (src, tgt): factor}
        self.g_syn = g_syn                       # (properties: checked, and a change recompiles)
        self.g_gap = g_gap
        self.gap_weight = gap_weight
        self.graded_current = graded_current
        self.max_memory = max_memory
        self._stimuli = []
        self._stim_uses = np.zeros(0, np.int64)  # stimuli already driving each neuron (RNG keys)
        self._currents = []
        self._record_rows = []
        self._compiled = None                    # (version, lanes, CompiledNetwork)
        self.result = None                       # NetworkResult of the last run
        self._resume = None                      # RunState to continue (load_state)
        self._engine_state = None                # live engine state after a run (save_state)
        self._cable = {}                         # row -> CableSpec (add_cable_neuron)
        self._cable_opts = default_options()     # cable-engine settings (set_cable_options)

    # ------------------------------------------------------------------ conversion factors
    # Read when the network is compiled: a change must recompile it (a plain attribute set
    # after a run was silently ignored by the cached compiled network), and is checked here.
    @property
    def weight_scale(self):
        """Factor from edge-list weights to the targets' weight units (see :func:`pair_scale`):
        None, a number >= 0, or ``{model name or (source, target) names: factor}``."""
        return self._weight_scale

    @weight_scale.setter
    def weight_scale(self, value):
        self._weight_scale = check_weight_scale(value)
        self._changed()

    def _factor(name, doc):
        def get(self):
            return getattr(self, "_" + name)

        def put(self, value):
            setattr(self, "_" + name, check_number(value, name, low=0.0))
            if hasattr(self, "_version"):
                self._changed()

        return property(get, put, doc=doc)

    g_syn = _factor("g_syn", "pS per synapse of chemical synapses onto graded neurons (>= 0).")
    g_gap = _factor("g_gap", "pS per synapse of gap junctions between graded neurons (>= 0).")
    gap_weight = _factor("gap_weight", "µS per synapse of the other gap junctions (>= 0).")
    graded_current = _factor("graded_current", "nA per synapse at full activation, graded "
                                               "neurons onto other models (>= 0).")
    del _factor

    # ------------------------------------------------------------------ description
    @property
    def n_neurons(self) -> int:
        return len(self._ids)

    def __len__(self):
        return self.n_neurons

    def __contains__(self, x):
        try:
            self._rows(x)
        except (KeyError, ValueError):
            return False
        return True

    def __repr__(self):
        names = sorted({m.name for m in self._models_in_use()}) or [self.model.name]
        return (f"PointNetwork<model{'s' if len(names) > 1 else ''}={','.join(names)},"
                f"neurons={self.n_neurons},edges={self.n_edges}>")

    @property
    def ids(self) -> np.ndarray:
        """Neuron IDs in internal order (int64, uint64 or str)."""
        return self._ids.to_numpy()

    @property
    def labels(self) -> pd.Series:
        """Neuron labels indexed by ID (default: the ID as a string)."""
        lab = self._labels if self._labels is not None else self._ids.astype(str).to_numpy()
        return pd.Series(lab, index=self._ids.rename("neuron_id"), name="label")

    @property
    def models(self) -> pd.Series:
        """Model name of every neuron, indexed by ID."""
        names = np.array([m.name for m in self._models], dtype=object)
        return pd.Series(names[self._model_of], index=self._ids.rename("neuron_id"),
                         name="model")

    def _models_in_use(self):
        return [self._models[c] for c in np.unique(self._model_of)]

    @property
    def n_edges(self) -> int:
        n = int(self._csr[1].size) if self._csr is not None else 0
        return n + int(sum(c[0].size for c in self._e))

    def _changed(self):
        self._version += 1

    def _rows(self, ids, what="ids") -> np.ndarray:
        """Row indices of ``ids`` (IDError for float or mixed IDs, UnknownIDError lists the
        IDs not in the network)."""
        if _float_ids(ids):
            ex = [v for v in np.atleast_1d(np.asarray(ids, dtype=object)).ravel()][:3]
            raise IDError(f"{what}: neuron IDs must be integers or strings, got floats "
                          f"({', '.join(repr(v) for v in ex)}); a float cannot hold an 18-digit "
                          "ID exactly. Pass int(...) or the original integer/string IDs")
        return lookup(self._ids, ids, what=what, where="the network",
                      hint="add them with add_neurons() or check the ID type (str vs int)")

    def _unique_rows(self, ids, what) -> np.ndarray:
        """:meth:`_rows` for calls that set one value per neuron: a neuron listed twice
        would silently keep only its last value, so duplicates are refused."""
        rows = self._rows(ids, what)
        if np.unique(rows).size != rows.size:
            u, c = np.unique(rows, return_counts=True)
            raise IDError(f"{what}: neuron ID(s) {self.ids[u[c > 1]][:5].tolist()} are listed "
                          "more than once; give each neuron once")
        return rows

    def add_neurons(self, ids, model=None, labels=None, skip_existing=False, **props):
        """Add neurons (navis signature).

        Parameters
        ----------
        ids : ID or list of IDs (int or str)
        model : str or PointModel subclass, optional
            Model of the new neurons (default: the network's default model).
        labels : str, list or dict, optional
            Labels (default: the ID).
        skip_existing : bool
            Ignore IDs already present instead of raising.
        **props
            Parameters of ``model``, scalar or one value per neuron (units: see the model).
        """
        m = self.model if model is None else get_model(model)
        if self.n_neurons == 0:
            self.model = m        # the first neurons' model becomes the network's default
        new = as_ids(ids, "add_neurons(ids)")
        if _float_ids(ids):
            self._rows(ids, "add_neurons(ids)")            # raises the float-ID message
        if self.n_neurons:
            old, new = common_ids(self._ids.to_numpy(), new, what="add_neurons(ids)")
            if old.dtype != self._ids.dtype:
                self._ids = pd.Index(old)
        new = pd.Index(new)
        if new.has_duplicates:
            raise IDError(f"add_neurons: duplicate IDs {list(new[new.duplicated()][:10])}")
        props = {k: align_by_id(v, new.to_numpy(), f"add_neurons({k})")
                 for k, v in props.items()}
        exists = new.isin(self._ids)
        if exists.any():
            if not skip_existing:
                raise IDError(f"add_neurons: neurons already in the network: "
                              f"{list(new[exists][:10])}; use skip_existing=True")
            keep = ~exists
            new = new[keep]
            props = {k: (np.asarray(v)[keep] if np.ndim(v) else v) for k, v in props.items()}
            if isinstance(labels, (list, np.ndarray)):
                labels = np.asarray(labels, dtype=object)[keep]
        n = len(new)
        if n == 0:
            return self
        m.check_params(props)
        for k, v in props.items():            # every value checked before anything changes
            vals = m.validate(k, v, new.to_numpy() if np.ndim(v) else None)
            if vals.ndim and vals.shape != (n,):
                raise ParameterError(f"{m.name} parameter {k!r}: expected a scalar or {n} "
                                     f"values, got {vals.shape[0]}")
        if labels is not None or self._labels is not None:
            self._labels = self._label_array(self.n_neurons, n, new, labels)
        code = self._model_code(m)          # (its parameter arrays are extended below)
        self._ids = self._ids.append(new) if self.n_neurons else new
        self._model_of = np.concatenate([self._model_of, np.full(n, code, np.int16)])
        for name, arrs in self._props.items():
            mod = next(x for x in self._models if x.name == name)
            for p, arr in arrs.items():
                arrs[p] = np.concatenate([arr, np.full(n, mod.params[p].default)])
        self._silenced = np.concatenate([self._silenced, np.zeros(n, bool)])
        self._stim_uses = np.concatenate([self._stim_uses, np.zeros(n, np.int64)])
        if self._csr is not None:
            indptr = self._csr[0]
            self._csr = (np.concatenate([indptr, np.full(n, indptr[-1])]),) + self._csr[1:]
        rows = np.arange(self.n_neurons - n, self.n_neurons)
        self._set_params_rows(m, rows, props, new)
        self._changed()
        return self

    def _label_array(self, n_old, n, new, labels):
        old = self._labels if self._labels is not None else \
            self._ids.astype(str).to_numpy().astype(object)
        if isinstance(labels, (dict, pd.Series)):
            get, miss = labels.get, object()
            found = [get(i, miss) for i in new]
            if len(labels) and all(v is miss for v in found):   # e.g. '1' keys for IDs 1
                raise ParameterError(
                    f"labels: none of its {len(labels)} keys (e.g. {list(labels.keys())[:3]}) "
                    f"is a neuron ID of these neurons (e.g. {new[:3].tolist()}); key the labels "
                    "by the IDs themselves (integers or strings as in the edge list)")
            lab = np.array([str(i) if v is miss else v for i, v in zip(new, found)],
                           dtype=object)
        elif labels is None:
            lab = new.astype(str).to_numpy().astype(object)
        elif isinstance(labels, str):
            lab = np.full(n, labels, dtype=object)
        else:
            lab = np.asarray(labels, dtype=object)
            if lab.shape != (n,):
                raise ParameterError(f"labels: expected {n} labels, got shape {lab.shape}")
        return np.concatenate([old[:n_old], lab])

    def _model_code(self, m) -> int:
        for c, x in enumerate(self._models):
            if x is m:
                break
        else:
            self._models.append(m)
            c = len(self._models) - 1
        if m.name not in self._props:
            self._props[m.name] = {p: np.full(self.n_neurons, q.default)
                                   for p, q in m.params.items()}
        return c

    def _set_params_rows(self, m, rows, props, ids=None):
        arrs = self._props[m.name]
        for k, v in props.items():
            vals = m.validate(k, v, ids if ids is not None and np.ndim(v) else None)
            if vals.ndim and vals.shape != rows.shape:
                raise ParameterError(f"{m.name} parameter {k!r}: expected a scalar or "
                                     f"{rows.size} values, got {vals.shape[0]}")
            arrs[k][rows] = vals

    def set_model(self, ids, model, **params):
        """Run ``ids`` with ``model`` (any registered model, beside any other).

        Parameters
        ----------
        ids : ID or list of IDs
        model : str or PointModel subclass
        **params
            Parameters of ``model`` for these neurons (scalar or one value each); the others
            take the model's defaults.

        Notes
        -----
        Edge-list synapses onto these neurons are converted to the new model's weight unit
        at run time (:func:`pair_scale`).  Synapses made with :meth:`connect` carry weights in
        the unit of their target's model, so a neuron that has some cannot change to a model
        with another weight unit (connect after choosing the models).
        """
        m = get_model(model)
        rows = self._unique_rows(ids, "set_model(ids)")
        params = {k: align_by_id(v, self.ids[rows], f"set_model({k})")
                  for k, v in params.items()}
        m.check_params(params)
        for c in self._e:
            src, tgt, w, d, unit = c
            hit = np.isin(tgt, rows)
            if hit.any():
                bad = [x for x in np.unique(unit[hit]) if self._models[x].weight_unit != m.weight_unit]
                if bad:
                    raise ParameterError(
                        f"set_model: neuron(s) {self.ids[np.unique(tgt[hit])][:5].tolist()} have "
                        f"synapses made with connect() in {self._models[bad[0]].name}'s weight "
                        f"unit ({_unit(self._models[bad[0]])}); {m.name} takes "
                        f"{_unit(m)}. Choose the models first, then connect")
        for k, v in params.items():          # checked before anything changes
            vals = m.validate(k, v, self.ids[rows] if np.ndim(v) else None)
            if vals.ndim and vals.shape != rows.shape:
                raise ParameterError(f"set_model: {k} has {vals.shape[0]} values for "
                                     f"{rows.size} neurons")
        code = self._model_code(m)
        self._model_of[rows] = code
        arrs = self._props[m.name]
        for p, q in m.params.items():
            arrs[p][rows] = q.default
        self._set_params_rows(m, rows, params, self.ids[rows])
        self._changed()
        return self

    def set_labels(self, labels):
        """Set labels from a dict/Series {ID: label} or a list in ID order."""
        lab = self.labels.to_numpy().astype(object)
        if isinstance(labels, (dict, pd.Series)):
            keys = labels.index if isinstance(labels, pd.Series) else list(labels.keys())
            rows = self._rows(keys, "set_labels")
            lab[rows] = list(labels.to_numpy() if isinstance(labels, pd.Series)
                             else labels.values())
        else:
            lab = np.asarray(labels, dtype=object)
            if lab.shape != (self.n_neurons,):
                raise ParameterError(f"set_labels: expected {self.n_neurons} labels, got "
                                     f"shape {lab.shape}")
        self._labels = lab
        return self

    def set_params(self, ids=None, **props):
        """Set model parameters of ``ids`` (all neurons if None).

        Parameters
        ----------
        ids : ID or list of IDs, optional
            Neurons to change (default: all).
        **props
            Parameter values (units: see each model's ``params``), a scalar, one value per
            neuron of ``ids`` in their order, or a Series/dict keyed by neuron ID (matched by
            ID, as pandas aligns; every neuron of ``ids`` needs a value and no other ID may
            appear).  Each parameter must belong to the model of every neuron it
            is set on (the message names the neurons and models that lack it); values are
            checked against the parameter's valid range (e.g. time constants > 0).

        Returns
        -------
        PointNetwork
            ``self``, for chaining.
        """
        rows = (np.arange(self.n_neurons) if ids is None
                else self._unique_rows(ids, "set_params(ids)"))
        props = {k: align_by_id(v, self.ids[rows], f"set_params({k})")
                 for k, v in props.items()}
        codes = self._model_of[rows]
        if any(np.ndim(v) and np.shape(v)[0] != rows.size for v in props.values()):
            raise ParameterError(f"set_params: expected scalars or {rows.size} values")
        for c in np.unique(codes):                      # all checked before anything changes
            m = self._models[c]
            sel = codes == c
            for k, v in props.items():
                if k in m.params:
                    m.validate(k, np.asarray(v)[sel] if np.ndim(v) else v,
                               self.ids[rows[sel]] if np.ndim(v) else None)
        for c in np.unique(codes):          # names too: a refusal leaves nothing half-set
            m = self._models[c]
            sel = codes == c
            bad = [k for k in props if k not in m.params]
            if bad and m.kind == "cable":
                raise ParameterError(
                    f"set_params: neuron(s) {self.ids[rows[sel]][:5].tolist()} are cable "
                    "neurons (add_cable_neuron): set their parameters on their "
                    "CompartmentModel (insert, set_Ra, set_cm)")
            if bad:
                raise ParameterError(
                    f"set_params: {m.name} has no parameter(s) {bad} (neurons "
                    f"{self.ids[rows[sel]][:5].tolist()} run {m.name}); valid: "
                    + ", ".join(f"{k} ({p.unit})" for k, p in m.params.items()))
        for c in np.unique(codes):
            m = self._models[c]
            sel = codes == c
            sub = {k: (np.asarray(v)[sel] if np.ndim(v) else v) for k, v in props.items()}
            self._set_params_rows(m, rows[sel], sub, self.ids[rows[sel]])
        return self

    def get_params(self, ids=None) -> pd.DataFrame:
        """Parameters of ``ids`` (all by default): one column per parameter, NaN where a
        neuron's model has no such parameter; plus ``model``."""
        rows = np.arange(self.n_neurons) if ids is None else self._rows(ids, "get_params(ids)")
        out = {"model": self.models.to_numpy()[rows]}
        for name, arrs in self._props.items():
            mine = np.array([self._models[c].name == name for c in self._model_of[rows]])
            for p, arr in arrs.items():
                col = out.setdefault(p, np.full(rows.size, np.nan))
                col[mine] = arr[rows][mine]
        return pd.DataFrame(out, index=pd.Index(self.ids[rows], name="neuron_id"))

    def connect(self, source, target, weight, delay=None, type="chemical"):
        """Connect ``source`` -> ``target`` IDs (scalars or equal-length arrays).

        Parameters
        ----------
        source, target : ID or array-like of IDs
            Presynaptic / postsynaptic neuron IDs.
        weight : float or array-like of float
            In the target model's ``weight_unit`` (not scaled by ``weight_scale``): mV for
            LIF, pS for graded targets (of graded sources: peak synaptic conductance; of
            spiking sources: conductance opened per spike), nA for a graded source onto a
            spiking target (current at full activation); negative weights are inhibitory.
            For ``type='electrical'``: gap-junction conductance (µS).
        delay : float or array-like of float, optional
            Synaptic delay (ms, >= 0 and finite); default the target model's default (5 ms as
            navis, 1.8 ms for LIF).  Ignored for electrical connections and between graded
            neurons of one model (continuous coupling).
        type : {"chemical", "electrical"}
            ``'electrical'`` adds a symmetric gap junction instead of a chemical synapse.

        Returns
        -------
        PointNetwork
            ``self``, for chaining.
        """
        if type not in ("chemical", "electrical"):
            raise ParameterError(f"connect: type must be 'chemical' or 'electrical', got {type!r}")
        s = self._rows(source, "connect(source)")
        t = self._rows(target, "connect(target)")
        if s.size != t.size and s.size != 1 and t.size != 1:
            raise ParameterError(f"connect: {s.size} sources and {t.size} targets; give equal "
                                 "lengths or one of them scalar")
        n = max(s.size, t.size)
        s = np.broadcast_to(s, n).copy()
        t = np.broadcast_to(t, n).copy()
        w = _finite(weight, n, "connect(weight)")
        if type == "electrical":
            self._refuse_cable(np.concatenate([s, t]), "connect(type='electrical')",
                               "; electrical synapses onto cable neurons are not supported "
                               "(use a Circuit's add_gap_junction)")
            if (w < 0).any():
                raise ParameterError("connect(weight): gap-junction conductances must be >= 0 µS")
            self._g.append((s, t, w, False))
            self._changed()
            return self
        if self._cable:
            self._check_cable_counts(s, t, w)
        if delay is None:
            d = np.array([_default_delay(self._models[c]) for c in self._model_of[t]])
        else:
            d = _finite(delay, n, "connect(delay)")
            if (d < 0).any():
                raise ParameterError(f"connect(delay): delays must be >= 0 ms, got "
                                     f"{d[d < 0][:3].tolist()}")
        self._e.append((s, t, w, d, self._model_of[t].copy()))
        self._changed()
        return self

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_edge_list(cls, edges, model="IntFire1", source_col=None, target_col=None,
                       weight_col=None, delay=None, duplicates="sum", sign_col=None,
                       nt_col=None, inhibitory_nt=INHIBITORY_NT, weight_scale=None,
                       type_col=None, gap_weight=0.001, labels=None, neurons=None,
                       model_by="label", g_syn=100.0, g_gap=100.0,
                       graded_current=GRADED_CURRENT, max_memory=None, verbose=False,
                       neuron_nt=None, **props):
        """Build a network from an edge list (DataFrame, CSV or parquet path).

        Parameters
        ----------
        edges : DataFrame or path
            One row per connection (or per synapse: duplicates are summed).
        model : str, PointModel subclass or dict
            Point model of every neuron, or a mapping from a value of ``model_by`` (a label or
            a cell-type column of ``neurons``) to a model name; the key ``'*'`` covers every
            other neuron (without it, unmatched neurons are an error).
        source_col, target_col, weight_col : str, optional
            Column names; detected when None (source/target/weight, pre/post, neuPrint
            ``bodyId_pre``/``bodyId_post``, FlyWire ``pre_root_id``/``post_root_id``/
            ``syn_count``, Shiu ``Presynaptic_ID``/``Postsynaptic_ID``/``Excitatory x
            Connectivity``; see :func:`connectome_sim.io.edges.load_edge_list`, which reports
            its choices).  ``weight_col=False``: weight 1 per row.
        delay : float or str, optional
            Synaptic delay (ms, finite, >= 0) or the name of a delay column; default 5 ms
            (navis), 1.8 ms for LIF (Shiu et al.).
        duplicates : {'sum', 'raise'}
            Sum repeated (source, target) rows or refuse them.
        sign_col : str, optional
            Column of +1/-1 (or True = excitatory) signs multiplied into ``|weight|``;
            detected when None, none when False.
        nt_col : str, optional
            Neurotransmitter column (e.g. FlyWire ``nt_type``); ``inhibitory_nt`` (default
            GABA, Glu) become negative.  Detected when None, none when False.
        weight_scale : float or dict, optional
            Factor from edge-list weights to the target's weight unit: one number for every
            pair, or ``{target model: factor}`` / ``{(source model, target model): factor}``
            (the rest by :func:`pair_scale`).  One number is refused when the models of the
            network use different weight units.
        type_col : str, optional
            Synapse-type column (detected when None, none when False): rows whose type is
            ``'electrical'`` become gap junctions; other rows are chemical synapses.  Each junction is undirected: rows listing it in both
            directions (as C. elegans tables do) are averaged, not added.
        gap_weight : float
            µS per synapse of gap junctions (those touching a graded neuron: ``g_gap`` pS).
        labels : dict, Series, list or str, optional
            Neuron labels (default: the ID).
        neurons : DataFrame, optional
            Per-neuron table indexed by neuron ID (e.g. cell types), for ``model_by``.
        model_by : str
            ``'label'`` or a column of ``neurons`` whose values ``model`` maps to models.
        g_syn, g_gap, graded_current, max_memory
            See :class:`PointNetwork`.
        verbose : bool
            Print the time of each build stage and the column choices.
        neuron_nt : pandas.Series, optional
            Transmitter per neuron (indexed by ID), for the signs when the edge list has none.
        **props
            Model parameters for every neuron (scalar) or per neuron (array in ID order).
        """
        from .edgelist import build_from_edge_list

        return build_from_edge_list(
            cls, edges, model=model, source_col=source_col, target_col=target_col,
            weight_col=weight_col, delay=delay, duplicates=duplicates, sign_col=sign_col,
            nt_col=nt_col, inhibitory_nt=inhibitory_nt, weight_scale=weight_scale,
            type_col=type_col, gap_weight=gap_weight, labels=labels, neurons=neurons,
            model_by=model_by, g_syn=g_syn, g_gap=g_gap, graded_current=graded_current,
            max_memory=max_memory, verbose=verbose, props=props, neuron_nt=neuron_nt)

    @classmethod
    def from_networkx(cls, G, model="IntFire1", weight="weight", delay=None, label=None, **kw):
        """Build from a networkx (Di)Graph; node attributes matching model parameters become
        per-neuron parameters and ``label`` (attribute name) the labels.  Weights are in the
        model's weight unit (as :meth:`connect`)."""
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
            net.connect(s, t, w, delay=delay)
            if not G.is_directed():
                net.connect(t, s, w, delay=delay)
        return net


def _finite(value, n, what) -> np.ndarray:
    if is_text(value):
        raise ParameterError(f"{what}: expected numbers, got text {value!r}; pass the "
                             "numbers themselves")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{what}: expected numbers, got {value!r}") from None
    if arr.ndim and arr.shape != (n,):
        raise ParameterError(f"{what}: expected a scalar or {n} values, got shape {arr.shape}")
    arr = np.broadcast_to(arr, (n,)).copy()
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what}: NaN/inf values (e.g. {arr[~np.isfinite(arr)][:3].tolist()}); "
                             "give finite numbers")
    return arr


def _unit(m) -> str:
    """A model's weight unit for messages ('' is the IntFire models' dimensionless weight)."""
    return m.weight_unit or "dimensionless"


def _default_delay(m) -> float:
    """Default synaptic delay (ms) onto neurons of model ``m``: 1.8 ms for Shiu's LIF, else
    navis's 5 ms (or the model's ``default_delay``)."""
    return float(getattr(m, "default_delay", 1.8 if m.name == "LIF" else 5.0))
